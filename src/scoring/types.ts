/**
 * The scoring contract shared by the engine (pure TF.js code), the child process, the extension and the CLI.
 * Results are data: every score carries its value (or NaN + reason), spread, seed, backend, time and settings;
 * the editor only formats them. No `vscode` import.
 */

import { SCORE_DEFS } from './scores/index';
import type { ScoreDef } from './scores/types';
import type { BackendChoice, BackendName, ModelSizes } from './settings';

export type { BackendChoice, BackendName, ModelSizes } from './settings';

import { SCORE_IDS, type ScoreId } from './ids';

export { SCORE_IDS, type ScoreId };

/** The registry declares exactly the ids of ids.ts (compile-time check, both ways). */
type RegistryId = (typeof SCORE_DEFS)[number]['id'];
const _registryMatchesIds: [RegistryId] extends [ScoreId] ? ([ScoreId] extends [RegistryId] ? true : never) : never =
  true;

/** A score's metadata (label, measured direction, meaning, formula, source); see scores/types.ts. */
export type ScoreInfo = ScoreDef<ScoreId>;
export const SCORES: Readonly<Record<ScoreId, ScoreInfo>> = Object.fromEntries(
  SCORE_DEFS.map((d) => [d.id, d]),
) as Record<ScoreId, ScoreInfo>;

/** The default score set (scores whose module says `byDefault`). */
export const DEFAULT_SCORE_IDS: readonly ScoreId[] = SCORE_DEFS.filter((d) => d.byDefault).map((d) => d.id);

/**
 * Version of the score computations. Bump it whenever a score's value can change by more than float rounding
 * (the report cache keys on it, so older cached reports become misses).
 *   1 — the first engine (TF.js autodiff everywhere).
 *   2 — synflow by forward-mode tangents in float64 log space (exact slopes at saturated tanh/sigmoid units,
 *       where the float32 1 − y² of v1 lost the flow; see docs/scores.md); passes share one forward and a
 *       hand-written backward (values equal to v1 up to float32 rounding).
 *   3 — scores of the canonical cell (every renaming / reordering gives bit-identical values); the NTK Gram in
 *       float64 (κ = +∞ for a singular NTK); grad_norm / snip on the output loss mean(y²); NINASWOT noise 0.05;
 *       hidden covariance; the hybrid from reference percentiles; the registry (scores/).
 */
export const ENGINE_VERSION = 3;

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
