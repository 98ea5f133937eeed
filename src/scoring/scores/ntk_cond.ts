/** ntk_cond: TE-NAS condition number of the empirical NTK. */
import { symmetricEigenvalues, toMatrix } from '../../shared/linalg';
import { defineScore } from './types';

export const ntkCond = defineScore({
  id: 'ntk_cond',
  label: 'TE-NAS κ',
  better: 'lower',
  meaning: 'Condition number λ_max/λ_min of the empirical NTK: lower = better-conditioned, more trainable.',
  formula:
    "Θ as in ntk_trace (per-example gradients in float32, Gram matrix accumulated in float64); eigenvalues by Jacobi in float64; `κ = λ_max / λ_min`. A numerically singular NTK (λ_min ≤ 1e-15·λ_max, below float64's resolution of Θ) is κ = +∞ with that reason: it ranks last, it is not missing. `details`: λ_min, λ_max.",
  undefinedWhen: 'NaN only when the cell has no parameters or Θ is not finite; +∞ for a singular NTK',
  source: 'TE-NAS (Chen et al. 2021)',
  reads: ['sum'],
  byDefault: true,
  compute: (inputs) => {
    const ntk = inputs.sum().ntk;
    const B = Math.round(Math.sqrt(ntk.length));
    const l = symmetricEigenvalues(toMatrix(ntk, B));
    const lmin = l[0],
      lmax = l[l.length - 1];
    const details = { lambdaMin: lmin, lambdaMax: lmax };
    if (l.some((v) => !Number.isFinite(v))) return { value: NaN, reason: 'the NTK has non-finite entries', details };
    if (!Object.values(inputs.recipe).some((n) => n.op === 'linear'))
      return { value: NaN, reason: 'the cell has no parameters (no linear node): there is no NTK', details };
    if (!(lmax > 0))
      return { value: Infinity, reason: 'the NTK is zero: no parameter moves the output (singular)', details };
    if (!(lmin > 1e-15 * lmax))
      return {
        value: Infinity,
        reason: `the NTK is singular: λ_min = ${lmin.toPrecision(3)} (λ_max ${lmax.toPrecision(3)}); two examples have (nearly) parallel gradients`,
        details,
      };
    return { value: lmax / lmin, details };
  },
});
