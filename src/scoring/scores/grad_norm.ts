/** grad_norm (GradScore): the norm of the gradient of the network's output loss w.r.t. the recurrent weights. */
import { defineScore } from './types';

export const gradNorm = defineScore({
  id: 'grad_norm',
  label: 'GradNorm',
  better: 'lower',
  meaning:
    "Frobenius norm of the gradient of the output energy mean(y²) w.r.t. all recurrent parameters at initialisation: how strongly the weights move the network's output.",
  formula:
    '`‖∇_θ L_y‖_F`, `L_y = mean_{t,b,h} y_{t,b,h}²`, y = the last layer\'s outputs (h_new_0 at every step, before the decoder) for B random token sequences of T steps, θ = every recurrent weight and bias, default uniform init. This is GradScore\'s "gradient of the network output" (an output-dependent loss: the zero-cost-nas variant, cross-entropy on random targets, makes ∂L/∂y a random direction and carried no signal, τ ≈ 0.00, so it was replaced). `details`: L_y and ‖g‖ per parameter tensor; `perNode`: ‖g‖ per linear node over layers.',
  undefinedWhen: 'the gradient is not finite',
  source: 'GradScore / GradNorm (Abdelfattah et al. 2021; train-free NAS for RNNs)',
  reads: ['grad'],
  byDefault: true,
  compute: ({ grad }) => {
    const g = grad();
    const details: Record<string, number> = { loss: g.loss };
    const perNodeSq: Record<string, number> = {};
    let total = 0;
    for (const p of g.perParam) {
      details[p.name] = Math.sqrt(p.sq);
      perNodeSq[p.node] = (perNodeSq[p.node] ?? 0) + p.sq;
      total += p.sq;
    }
    const perNode = Object.fromEntries(Object.entries(perNodeSq).map(([k, v]) => [k, Math.sqrt(v)]));
    const value = Math.sqrt(total);
    if (!Number.isFinite(value))
      return { value: NaN, reason: `the gradient is not finite (L_y = ${g.loss})`, details, perNode };
    return { value, details, perNode };
  },
});
