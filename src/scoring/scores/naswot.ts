/** naswot (Mellor et al. 2021): log-determinant of the Hamming kernel of binary activation codes. */
import { isPositiveDefinite, slogdet, toMatrix } from '../../shared/linalg';
import { defineScore, type RepeatValue } from './types';

/** log|det K| of a kernel from a codes pass, with the NaN reasons of NASWOT. */
export function kernelLogDet(k: Float64Array, length: number, symmetric: boolean): RepeatValue {
  const B = Math.round(Math.sqrt(k.length));
  if (length === 0) return { value: NaN, reason: 'the cell has no activation nodes (no activation codes)' };
  const K = toMatrix(k, B);
  if (symmetric) {
    for (let i = 0; i < B; i++)
      for (let j = i + 1; j < B; j++) {
        if (K[i][j] === length)
          return { value: NaN, reason: `kernel determinant is 0: inputs ${i} and ${j} share an activation code` };
      }
    if (!isPositiveDefinite(K)) return { value: NaN, reason: 'the kernel K_H is not positive definite' };
  }
  const { sign, logAbsDet } = slogdet(K);
  if (sign === 0 || !Number.isFinite(logAbsDet)) return { value: NaN, reason: 'kernel determinant is 0' };
  return { value: logAbsDet, details: { sign } };
}

export const naswot = defineScore({
  id: 'naswot',
  label: 'NASWOT',
  better: 'higher',
  meaning:
    'log|det K_H| of the Hamming kernel of binary activation codes (pre-activation > 0) over a batch: how distinguishable inputs are by their activation patterns.',
  formula:
    "Codes `c_b ∈ {0,1}^N`: one bit per (activation node, layer, step, unit), pre-activation > 0, default init, random tokens. `K_H = c cᵀ + (1−c)(1−c)ᵀ` (B × B; entry = N − Hamming distance); score `log|det K_H|` (LU, float64). `details.logDetNormalised` = `log det(K_H/N)` = score − B·ln N (the B·ln N part only counts code bits). `perNode`: mean normalised Hamming distance between different examples' codes per activation node.",
  undefinedWhen: 'no activation node; two inputs share a code (det 0); K_H not positive definite',
  source: 'NASWOT (Mellor et al. 2021)',
  reads: ['codes'],
  byDefault: true,
  compute: ({ codes }) => {
    const c = codes();
    const B = Math.round(Math.sqrt(c.kClean.length));
    const r = kernelLogDet(c.kClean, c.length, true);
    return {
      ...r,
      details: { ...(r.details ?? {}), codeLength: c.length, logDetNormalised: r.value - B * Math.log(c.length) },
      perNode: c.diversity,
    };
  },
});
