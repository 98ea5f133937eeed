/** jacob_cov (Mellor et al. 2020, v1): correlation of input Jacobians across a batch. */
import { corrcoef, symmetricEigenvalues } from '../../shared/linalg';
import { defineScore } from './types';

/** Mellor's k. */
export const JACOB_COV_K = 1e-5;

export const jacobCov = defineScore({
  id: 'jacob_cov',
  label: 'jacob_cov',
  better: 'higher',
  meaning:
    'Negative log-likelihood-style score of the correlation matrix of input Jacobians across a batch: higher = inputs are separated more distinctly.',
  formula:
    'For each example b, `J_b = ∂s_b/∂x_b` flattened over all T steps and embed units (x_b = the embedded input, default init, random tokens; `s_b = Σ_t Σ_h y_t,b,h`). `C = corrcoef(J_1..J_B)` (B × B), λ its eigenvalues (Jacobi, float64); score `−Σ_i [log(λ_i + k) + 1/(λ_i + k)]`, k = 1e-5.',
  undefinedWhen: 'a Jacobian is not finite or constant (the output ignores the input), or λ_i + k ≤ 0',
  source: 'NASWOT v1 / jacob_cov (Mellor et al. 2020)',
  reads: ['sum'],
  byDefault: true,
  compute: ({ sum }) => {
    const { corr, constantRow, nonFiniteRow } = corrcoef(sum().jacobians);
    if (nonFiniteRow !== undefined)
      return {
        value: NaN,
        reason: `the input Jacobian of example ${nonFiniteRow} is not finite (the output or its gradient overflowed)`,
      };
    if (!corr)
      return {
        value: NaN,
        reason: `the input Jacobian of example ${constantRow} is constant (the output does not depend on the input)`,
      };
    const lambda = symmetricEigenvalues(corr);
    const details = { lambdaMin: lambda[0], lambdaMax: lambda[lambda.length - 1] };
    if (lambda.some((l) => !(l + JACOB_COV_K > 0)))
      return { value: NaN, reason: `correlation eigenvalue λ_min + k = ${lambda[0] + JACOB_COV_K} ≤ 0`, details };
    return { value: -lambda.reduce((s, l) => s + Math.log(l + JACOB_COV_K) + 1 / (l + JACOB_COV_K), 0), details };
  },
});
