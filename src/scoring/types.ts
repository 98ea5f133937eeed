/**
 * The scoring contract shared by the engine (pure TF.js code), the child process, the extension and the CLI.
 * Results are data: every score carries its value (or NaN + reason), spread, seed, backend, time and settings;
 * the editor only formats them. No `vscode` import.
 */

export const SCORE_IDS = [
  'params', 'zen', 'grad_norm', 'snip', 'synflow', 'jacob_cov',
  'naswot', 'ninaswot', 'maedet', 'ntk_trace', 'ntk_cond', 'hybrid',
] as const;
export type ScoreId = (typeof SCORE_IDS)[number];

export interface ScoreInfo {
  readonly id: ScoreId;
  /** Short label used in CodeLens, e.g. "NASWOT". */
  readonly label: string;
  /** Which direction predicts a better (lower-loss) cell. */
  readonly better: 'higher' | 'lower';
  /** One sentence: what the number is. */
  readonly meaning: string;
  /** Where it comes from. */
  readonly source: string;
}

export const SCORES: Readonly<Record<ScoreId, ScoreInfo>> = {
  params: { id: 'params', label: '#params', better: 'higher', meaning: 'Exact number of trainable parameters of the whole language model (embedding, tied decoder bias, all recurrent layers), as NAS-Bench-NLP counts num_params.', source: 'zero-cost baseline (Abdelfattah et al. 2021)' },
  zen: { id: 'zen', label: 'Zen', better: 'higher', meaning: 'log E‖f(x) − f(x + αε)‖_F with Gaussian weights and inputs, α = 0.01: how strongly the network amplifies a small input perturbation (expressivity).', source: 'Zen-NAS (Lin et al. 2021), applied to RNNs on NAS-Bench-NLP' },
  grad_norm: { id: 'grad_norm', label: 'GradNorm', better: 'higher', meaning: 'Frobenius norm of the gradient of the LM cross-entropy loss w.r.t. all recurrent parameters at initialisation.', source: 'GradNorm / GradScore (Abdelfattah et al. 2021; RNN train-free NAS study)' },
  snip: { id: 'snip', label: 'SNIP', better: 'higher', meaning: 'Σ |∂L/∂θ ⊙ θ| over recurrent parameters: connection sensitivity at initialisation.', source: 'SNIP (Lee et al. 2019) as a zero-cost proxy' },
  synflow: { id: 'synflow', label: 'synflow', better: 'higher', meaning: 'log of Σ θ ⊙ ∂R/∂θ with |θ| and an all-ones input, R the summed output: data-free synaptic flow, computed in log space.', source: 'SynFlow (Tanaka et al. 2020) as a zero-cost proxy' },
  jacob_cov: { id: 'jacob_cov', label: 'jacob_cov', better: 'higher', meaning: 'Negative log-likelihood-style score of the correlation matrix of input Jacobians across a batch: higher = inputs are separated more distinctly.', source: 'NASWOT v1 / jacob_cov (Mellor et al. 2020)' },
  naswot: { id: 'naswot', label: 'NASWOT', better: 'higher', meaning: 'log|det K_H| of the Hamming kernel of binary activation codes (pre-activation > 0) over a batch: how distinguishable inputs are by their activation patterns.', source: 'NASWOT (Mellor et al. 2021)' },
  ninaswot: { id: 'ninaswot', label: 'NINASWOT', better: 'higher', meaning: 'Noise-immune NASWOT: log|det K×| of the cross kernel between clean activation codes and codes under input noise (σ = 0.01) — high when inputs stay distinguishable and their codes stable.', source: 'hybrid-score GA paper (NINASWOT)' },
  maedet: { id: 'maedet', label: 'MAE-DET', better: 'higher', meaning: 'Entropy proxy: Σ over layers of log std of layer outputs under Gaussian input and weights (maximum-entropy principle).', source: 'MAE-DET (Sun et al. 2022)' },
  ntk_trace: { id: 'ntk_trace', label: 'NTK trace', better: 'higher', meaning: 'sqrt(tr Θ / m) of the empirical neural tangent kernel over a small batch.', source: 'train-free NAS for RNNs (NTK trace)' },
  ntk_cond: { id: 'ntk_cond', label: 'TE-NAS κ', better: 'lower', meaning: 'Condition number λ_max/λ_min of the empirical NTK: lower = better-conditioned, more trainable.', source: 'TE-NAS (Chen et al. 2021)' },
  hybrid: { id: 'hybrid', label: 'Hybrid', better: 'higher', meaning: 'NINASWOT/(B·ln N) + MAE-DET/L − log10(κ)/8: NINASWOT (↑), MAE-DET (↑) and NTK condition number κ (↓) brought to comparable scales and summed, as the hybrid-score GA combines them (population-free normalisation; see docs/scores.md).', source: 'hybrid-score GA paper' },
};

/**
 * Version of the score computations. Bump it whenever a score's value can change by more than float rounding
 * (the report cache keys on it, so older cached reports become misses).
 *   1 — the first engine (TF.js autodiff everywhere).
 *   2 — synflow by forward-mode tangents in float64 log space (exact slopes at saturated tanh/sigmoid units,
 *       where the float32 1 − y² of v1 lost the flow; see docs/scores.md); passes share one forward and a
 *       hand-written backward (values equal to v1 up to float32 rounding).
 */
export const ENGINE_VERSION = 2;

export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

/** Network and scoring sizes. Defaults are NAS-Bench-NLP's (see DEFAULT_SETTINGS). */
export interface ModelSizes {
  /** Vocabulary size (PTB 10000, WikiText-2 33278). */
  readonly vocab: number;
  /** Embedding size (400). The last layer's hidden size equals it (tied weights). */
  readonly embed: number;
  /** Hidden size of the inner layers (600). */
  readonly hidden: number;
  /** Number of recurrent layers (3). */
  readonly layers: number;
  /** Sequence length used for scoring. */
  readonly seqLen: number;
  /** Batch size used for scoring. */
  readonly batch: number;
}

export interface ScoreSettings extends ModelSizes {
  readonly scores: readonly ScoreId[];
  /** Base seed; repeat r uses seed + r. */
  readonly seed: number;
  /** Number of repeats (different seeds) averaged for each score. */
  readonly repeats: number;
  readonly backend: BackendChoice;
}

export const DEFAULT_SIZES: ModelSizes = { vocab: 10000, embed: 400, hidden: 600, layers: 3, seqLen: 35, batch: 16 };

export interface ScoreResult {
  readonly id: ScoreId;
  /** Mean over repeats; NaN when undefined (then `reason` says why). ±Infinity allowed where that is the honest value. */
  readonly value: number;
  /** Standard deviation over repeats (0 for a single repeat, NaN if any repeat is NaN). */
  readonly std: number;
  /** One value per repeat. */
  readonly values: readonly number[];
  /** Why the value is NaN / infinite, in plain words. */
  readonly reason?: string;
  readonly seed: number;
  readonly repeats: number;
  readonly wallMs: number;
  readonly backend: BackendName;
  /** Extra named numbers (e.g. per-parameter gradient norms, λ_max, λ_min). */
  readonly details?: Readonly<Record<string, number>>;
  /** Per-node quantities for the graph heat-map (node name → value). */
  readonly perNode?: Readonly<Record<string, number>>;
}

export interface ScoreReport {
  /** Canonical hash of the cell (see recipe/canonical). */
  readonly hash: string;
  readonly settings: ScoreSettings;
  readonly backend: BackendName;
  readonly results: readonly ScoreResult[];
  readonly totalMs: number;
  /**
   * Milliseconds per part of the computation, summed over repeats (optional; absent in reports of older
   * engines): `init` (parameter and embedding init), `forward` / `backward` (the shared LM pass), `codes`
   * (activation-code kernels), `ntk` (NTK Gram matrices), `gauss`, `synflow`, `scores` (the per-score
   * arithmetic: eigenvalues, determinants, …). Only the parts that ran are present.
   */
  readonly passMs?: Readonly<Record<string, number>>;
}

export interface ScoreProgress {
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

/**
 * Whether a report's per-node values name nodes of this cell. Reports are shared by canonical hash, and per-node
 * values are keyed by the node names of the cell that was scored: a renamed copy gets the scores, not the per-node
 * values.
 */
export function perNodeFitsNames(report: ScoreReport, names: ReadonlySet<string>): boolean {
  return report.results.every((r) => Object.keys(r.perNode ?? {}).every((k) => names.has(k)));
}
