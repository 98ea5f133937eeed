/** synflow: data-free synaptic flow in log space (the pass lives in model/synflow.ts). */
import { defineScore } from './types';

export const synflow = defineScore({
  id: 'synflow',
  label: 'synflow',
  better: 'higher',
  meaning:
    'log of Σ θ ⊙ ∂R/∂θ with |θ| and an all-ones input, R the summed output: data-free synaptic flow, computed in log space.',
  formula:
    "θ ← |θ| (default init); input all-ones (`x_t = 1`, batch 1, T steps); `R = Σ_t Σ_h y_t,h` (no decoder); `S = Σ θ ⊙ ∂R/∂θ`; score `log S`, computed forward-mode as `S = d/dε R((1+ε)θ)` at ε = 0 in float64 log space (see model/synflow.ts). The sum is signed (the references sum |θ ⊙ ∂R/∂θ|; with |θ| and tanh/sigmoid the terms are ≥ 0 except through blend's 1 − a and leaky ReLU's negative side). `details`: logR, thetaDotGradLogR; `perNode`: share of S per linear node.",
  undefinedWhen: "R ≤ 0 or S ≤ 0 (blend's 1 − a can make the flow negative), or a non-finite value",
  source: 'SynFlow (Tanaka et al. 2020) as a zero-cost proxy',
  reads: ['synflow'],
  byDefault: true,
  compute: ({ synflow: pass }) => {
    const { logR, logS, sS, thetaDotGradLogR: dot, share } = pass();
    const details = { logR, thetaDotGradLogR: dot };
    if (!Number.isFinite(logR))
      return { value: NaN, reason: `log R is not finite (R = Σ outputs ≤ 0 or overflow: log R = ${logR})`, details };
    if (!(sS > 0) || !Number.isFinite(logS))
      return { value: NaN, reason: `synaptic flow Σθ·∂R/∂θ is not positive (Σθ·∂logR/∂θ = ${dot})`, details };
    // perNode as fractions of the total flow.
    return { value: logS, details, perNode: { ...share } };
  },
});
