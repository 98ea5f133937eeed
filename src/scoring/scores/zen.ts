/** zen: Zen-NAS expressivity without BatchNorm. */
import { defineScore } from './types';

export const zen = defineScore({
  id: 'zen',
  label: 'Zen',
  better: 'higher',
  meaning:
    'log E‖f(x) − f(x + αε)‖_F with Gaussian weights and inputs, α = 0.01: how strongly the network amplifies a small input perturbation (expressivity).',
  formula:
    "Gaussian weights `W_i ~ N(0, 1/fan_in)` (fan_in = Σ input widths of the linear node), zero biases; Gaussian embedded inputs `x ~ N(0, 1)` [T, B, embed], `ε ~ N(0, 1)`, α = 0.01; f = the last layer's outputs at all T steps; `zen = log(mean_b ‖f(x_b) − f(x_b + αε_b)‖_F)`.",
  undefinedWhen: '−∞ when the output does not move at all; NaN on overflow',
  source: 'Zen-NAS (Lin et al. 2021), applied to RNNs on NAS-Bench-NLP',
  reads: ['gauss'],
  byDefault: true,
  compute: ({ gauss }) => {
    const g = gauss();
    const mean = g.diffNorms.reduce((a, b) => a + b, 0) / g.diffNorms.length;
    if (!Number.isFinite(mean)) return { value: NaN, reason: 'the output overflowed (non-finite)' };
    if (mean === 0) return { value: -Infinity, reason: 'the output does not change when the input is perturbed' };
    return { value: Math.log(mean), details: { meanDiff: mean } };
  },
});
