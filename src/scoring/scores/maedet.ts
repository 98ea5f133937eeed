/** maedet: MAE-DET entropy proxy, recurrent version. */
import { defineScore } from './types';

export const maedet = defineScore({
  id: 'maedet',
  label: 'MAE-DET',
  better: 'higher',
  meaning:
    'Entropy proxy: Σ over layers of log std of layer outputs under Gaussian input and weights (maximum-entropy principle).',
  formula:
    'With the Gaussian weights and input of zen (clean half): `Σ_l log std(h_l)`, h_l = all outputs of layer l (all steps, examples, units). `details`: per-layer log std.',
  undefinedWhen: "−∞ when a layer's output is constant; NaN on overflow",
  source: 'MAE-DET (Sun et al. 2022)',
  reads: ['gauss'],
  byDefault: true,
  compute: ({ gauss }) => {
    const g = gauss();
    const details: Record<string, number> = {};
    g.layerStd.forEach((s, l) => {
      details[`layer${l}`] = Math.log(s);
    });
    if (g.layerStd.some((s) => !Number.isFinite(s)))
      return { value: NaN, reason: 'a layer output overflowed (non-finite)', details };
    const z = g.layerStd.findIndex((s) => s === 0);
    if (z >= 0) return { value: -Infinity, reason: `layer ${z}'s output is constant (std 0)`, details };
    return { value: g.layerStd.reduce((a, s) => a + Math.log(s), 0), details };
  },
});
