/**
 * jacob_cov (Mellor et al. 2020, v1): for each example b of the batch, J_b = ∂s_b/∂x_b flattened over all T steps
 * and embed units, where x_b is the embedded input sequence (default init, random tokens) and
 * s_b = Σ_t Σ_h y_{t,b,h} sums the last layer's outputs. C = corrcoef(J_1..J_B) (B × B), λ its eigenvalues
 * (Jacobi, float64); score = −Σ_i [log(λ_i + k) + 1/(λ_i + k)], k = 1e-5. Higher is better.
 * NaN when a J_b is not finite (overflow), is constant (its correlation is undefined, e.g. the output ignores
 * the input) or λ_i + k ≤ 0.
 */
import type { SumPass } from '../model/passes';
import { corrcoef, symmetricEigenvalues } from '../model/linalg';
import type { RepeatValue } from './types';

/** Mellor's k. */
export const JACOB_COV_K = 1e-5;

/** The jacob_cov score from the `sum` pass. */
export function jacobCovScore(sum: SumPass): RepeatValue {
  const { corr, constantRow, nonFiniteRow } = corrcoef(sum.jacobians);
  if (nonFiniteRow !== undefined) return { value: NaN, reason: `the input Jacobian of example ${nonFiniteRow} is not finite (the output or its gradient overflowed)` };
  if (!corr) return { value: NaN, reason: `the input Jacobian of example ${constantRow} is constant (the output does not depend on the input)` };
  const lambda = symmetricEigenvalues(corr);
  const details = { lambdaMin: lambda[0], lambdaMax: lambda[lambda.length - 1] };
  if (lambda.some((l) => !(l + JACOB_COV_K > 0))) return { value: NaN, reason: `correlation eigenvalue λ_min + k = ${lambda[0] + JACOB_COV_K} ≤ 0`, details };
  const value = -lambda.reduce((s, l) => s + Math.log(l + JACOB_COV_K) + 1 / (l + JACOB_COV_K), 0);
  return { value, details };
}
