/** ntk_trace: root mean trace of the empirical NTK. */
import { defineScore } from './types';

export const ntkTrace = defineScore({
  id: 'ntk_trace',
  label: 'NTK trace',
  better: 'lower',
  meaning:
    'sqrt(tr Θ / B) of the empirical neural tangent kernel over the batch: the RMS norm of the per-example gradients of the summed output. Lower is better on the benchmark at full size (τ −0.11; ≈ 0 at the proxy preset).',
  formula:
    '`Θ_bc = ⟨∂s_b/∂θ, ∂s_c/∂θ⟩` over all recurrent θ, `s_b = Σ_t Σ_h y_t,b,h`; per-example gradients from ONE backward of `Σ_b s_b` (float32), Θ accumulated in float64. Score `sqrt(tr Θ / B)`. `perNode`: share of tr Θ per linear node.',
  undefinedWhen: 'a non-finite trace',
  source: 'train-free NAS for RNNs (NTK trace)',
  reads: ['sum'],
  byDefault: true,
  compute: ({ sum }) => {
    const s = sum();
    const B = Math.round(Math.sqrt(s.ntk.length));
    let tr = 0;
    for (let b = 0; b < B; b++) tr += s.ntk[b * B + b];
    const perNode = Object.fromEntries(Object.entries(s.ntkTracePerNode).map(([k, v]) => [k, tr > 0 ? v / tr : NaN]));
    if (!Number.isFinite(tr) || tr < 0) return { value: NaN, reason: `tr Θ = ${tr}`, perNode };
    return { value: Math.sqrt(tr / B), details: { trace: tr }, perNode };
  },
});
