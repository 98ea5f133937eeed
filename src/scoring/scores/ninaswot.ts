/** ninaswot: noise-immune NASWOT. */
import { NINASWOT_NOISE_STD } from '../model/constants';
import { kernelLogDet } from './naswot';
import { defineScore } from './types';

export const ninaswot = defineScore({
  id: 'ninaswot',
  label: 'NINASWOT',
  better: 'higher',
  meaning:
    'Noise-immune NASWOT: log|det| of the cross kernel between the activation codes of clean inputs and of the same inputs under Gaussian noise (σ = 0.05): high when inputs stay distinguishable and their codes stable.',
  formula: `\`x̃ = x + σε\`, ε ~ N(0, I), σ = ${NINASWOT_NOISE_STD} (TNASSE's noise; the embedding is uniform ±0.1); codes as in naswot; \`K_×[i][j] = N − d_H(c(x_i), c(x̃_j))\`; score \`log|det K_×|\`. Equals naswot at σ = 0; bits flipped by the noise shrink the diagonal. \`details.flipRate\` = mean fraction of flipped bits.`,
  undefinedWhen: 'as naswot (no activation node, det 0)',
  source: 'NINASWOT (hybrid-score GA, Wu et al.); noise level from TNASSE',
  reads: ['codes'],
  byDefault: false,
  compute: ({ codes }) => {
    const c = codes();
    const r = kernelLogDet(c.kCross, c.length, false);
    return { ...r, details: { ...(r.details ?? {}), flipRate: c.flipRate, codeLength: c.length } };
  },
});
