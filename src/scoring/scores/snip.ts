/** snip: connection sensitivity Σ|θ ⊙ ∂L/∂θ| with the output loss of grad_norm. */
import { defineScore } from './types';

export const snip = defineScore({
  id: 'snip',
  label: 'SNIP',
  better: 'lower',
  meaning:
    'Σ |θ ⊙ ∂L_y/∂θ| over the recurrent parameters: connection sensitivity of the output energy at initialisation.',
  formula:
    '`Σ_θ |θ ⊙ ∇_θ L_y|`, the same loss `L_y = mean(y²)`, batch, tokens and init as grad_norm (one shared backward). `details`: per parameter tensor; `perNode`: per linear node.',
  undefinedWhen: 'the gradient is not finite',
  source: 'SNIP (Lee et al. 2019) as a zero-cost proxy',
  reads: ['grad'],
  byDefault: true,
  compute: ({ grad }) => {
    const details: Record<string, number> = {};
    const perNode: Record<string, number> = {};
    let total = 0;
    for (const p of grad().perParam) {
      details[p.name] = p.snip;
      perNode[p.node] = (perNode[p.node] ?? 0) + p.snip;
      total += p.snip;
    }
    if (!Number.isFinite(total)) return { value: NaN, reason: 'the gradient is not finite', details, perNode };
    return { value: total, details, perNode };
  },
});
