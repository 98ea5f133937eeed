/** hidden_cov: hidden covariance (Serianni & Kalita 2023), layer 1. */
import { choleskyLogDetTraceInv, gramMatrix } from '../../shared/linalg';
import { HIDDEN_COV_BATCH, HIDDEN_COV_STEPS } from '../model/constants';
import { defineScore } from './types';

/** The published k. */
export const HIDDEN_COV_K = 1e-5;

/**
 * −Σ_i [log(λ_i + k) + 1/(λ_i + k)] of the Pearson correlation matrix C of `rows` (H rows of S samples), computed
 * as −[log det(C + kI) + tr (C + kI)⁻¹] (Cholesky, float64) — the same number without an eigen-solve.
 */
export function hiddenCovariance(
  states: Float64Array,
  H: number,
  S: number,
  gram: (R: Float64Array, n: number, len: number) => Float64Array = gramMatrix,
): { value: number; reason?: string } {
  const z = new Float64Array(H * S);
  for (let h = 0; h < H; h++) {
    const o = h * S;
    let m = 0;
    for (let s = 0; s < S; s++) m += states[o + s];
    m /= S;
    let v = 0;
    for (let s = 0; s < S; s++) {
      const d = states[o + s] - m;
      z[o + s] = d;
      v += d * d;
    }
    if (!Number.isFinite(v)) return { value: NaN, reason: `hidden unit ${h} is not finite (overflow)` };
    if (v === 0)
      return {
        value: NaN,
        reason: `hidden unit ${h} is constant over all inputs and steps (its correlation is undefined)`,
      };
    const inv = 1 / Math.sqrt(v);
    for (let s = 0; s < S; s++) z[o + s] *= inv;
  }
  const C = gram(z, H, S);
  for (let i = 0; i < H; i++) C[i * H + i] += HIDDEN_COV_K;
  const r = choleskyLogDetTraceInv(C, H);
  if (!r.ok) return { value: NaN, reason: 'C + kI is not positive definite (numerical failure)' };
  return { value: -(r.logDet + r.traceInv) };
}

export const hiddenCov = defineScore({
  id: 'hidden_cov',
  label: 'HiddenCov',
  better: 'higher',
  meaning:
    'Hidden covariance of layer 1: how decorrelated the hidden units are over many inputs and steps (the best train-free RNN score on NAS-Bench-NLP).',
  formula: `At every step t of B = ${HIDDEN_COV_BATCH} uniformly random token sequences of T = ${HIDDEN_COV_STEPS} steps, record the incoming hidden state h_prev_0 of layer 1 (default init, the LM's embedding; zeros at t = 0); stack to H × (B·T) (rows = hidden units); C = Pearson correlation matrix (H × H, float64); score \`−Σ_i [log(λ_i + k) + 1/(λ_i + k)]\`, λ the eigenvalues of C, k = 1e-5 — computed as \`−[log det(C + kI) + tr (C + kI)⁻¹]\` by Cholesky. B and T are fixed (not the preset's batch and length).`,
  undefinedWhen: 'a hidden unit is constant over all inputs and steps, or overflows',
  source: 'hidden covariance (Serianni & Kalita 2023, arXiv 2306.00288)',
  reads: ['hidden'],
  byDefault: true,
  compute: ({ hidden, gram }) => {
    const h = hidden();
    return hiddenCovariance(h.states, h.H, h.samples, gram);
  },
});
