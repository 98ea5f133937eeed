/**
 * The loss predictor's training rows: study records (a `cell-lens study` results.json) → {@link PredictorRow}s →
 * the raw feature matrix ({@link prepare}), and the folds ({@link groupFolds}).
 *
 * Folds are grouped by canonical hash (src/recipe/canonical.ts): a cell and any renamed / reordered copy always
 * land in the same fold. Fold assignment depends only on the hashes and the seed (not on the targets or the row
 * order of equal hashes), so corrupting a fold's targets cannot move rows between folds.
 *
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../../recipe/types';
import { canonicalHash } from '../../recipe/canonical';
import { makeRng } from '../../scoring/rng';
import { STRUCTURE_FEATURES, isStructureFeature } from '../features';
import { shuffled } from '../stats';
import { rawFeatures, scoreValue } from './index';

/** One benchmark cell to learn from. */
export interface PredictorRow {
  readonly recipe: Recipe;
  /**
   * Score values by score id. Numbers (NaN / ±Infinity allowed), `null` (= missing), the strings "NaN",
   * "Infinity", "-Infinity", or `{"$num": "Infinity"}` as results.json writes them.
   */
  readonly scores: Readonly<Record<string, unknown>>;
  /** Final test loss (a row with a non-finite loss is left out of training). */
  readonly testLoss: number;
  /** Informational: folds always use the canonical hash recomputed from the recipe (a stored hash is not trusted). */
  readonly hash?: string;
  readonly label?: string;
}

/** The score ids that at least one row has a non-NaN value for, sorted. */
export function presentScoreIds(rows: readonly { scores: Readonly<Record<string, unknown>> }[]): string[] {
  const ids = new Set<string>();
  for (const r of rows)
    for (const [k, v] of Object.entries(r.scores ?? {})) if (!Number.isNaN(scoreValue(v))) ids.add(k);
  return [...ids].filter((id) => !isStructureFeature(id)).sort();
}

/**
 * Training rows of a study `results.json` document (as `cell-lens study` writes it, already JSON-parsed):
 * cells that did not diverge and have a finite test loss. Tolerates `{"$num": ...}`, strings and null.
 */
export function rowsFromResults(doc: unknown): {
  rows: PredictorRow[];
  scoreIds: string[];
  dropped: number;
  settings?: unknown;
  dataset?: string;
} {
  const d = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  const cells = Array.isArray(d.cells) ? (d.cells as unknown[]) : [];
  const rows: PredictorRow[] = [];
  let dropped = 0;
  for (const c of cells) {
    const cell = (c && typeof c === 'object' ? c : {}) as Record<string, unknown>;
    const loss = scoreValue(cell.testLoss);
    const recipe = cell.recipe;
    if (
      cell.diverged === true ||
      !Number.isFinite(loss) ||
      !recipe ||
      typeof recipe !== 'object' ||
      Array.isArray(recipe)
    ) {
      dropped++;
      continue;
    }
    const scores = (cell.scores && typeof cell.scores === 'object' ? cell.scores : {}) as Record<string, unknown>;
    rows.push({
      recipe: recipe as Recipe,
      scores,
      testLoss: loss,
      ...(typeof cell.hash === 'string' ? { hash: cell.hash } : {}),
      ...(typeof cell.label === 'string' ? { label: cell.label } : {}),
    });
  }
  return {
    rows,
    scoreIds: presentScoreIds(rows),
    dropped,
    ...(d.settings !== undefined ? { settings: d.settings } : {}),
    ...(typeof d.dataset === 'string' ? { dataset: d.dataset } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Raw features

/** Which features a predictor reads (part of its options). */
export interface FeatureChoice {
  /** Score ids to use (default: every score id that some training row has a value for, sorted). */
  readonly scoreIds?: readonly string[];
  /** Structure features: true = all (default), false = none, or a list of ids from STRUCTURE_FEATURES. */
  readonly structure?: boolean | readonly string[];
}

/** The rows of a fit as numbers: raw features (score ids, then structure ids), losses and canonical hashes. */
export interface Prepared {
  readonly scoreIds: string[];
  readonly structIds: string[];
  readonly raw: number[][];
  readonly loss: number[];
  readonly hash: string[];
}

function resolveOptions(rows: readonly PredictorRow[], o: FeatureChoice): { scoreIds: string[]; structIds: string[] } {
  const scoreIds = o.scoreIds ? [...o.scoreIds].filter((id) => !isStructureFeature(id)) : presentScoreIds(rows);
  const structIds =
    o.structure === false
      ? []
      : o.structure === true || o.structure === undefined
        ? [...STRUCTURE_FEATURES]
        : o.structure.filter(isStructureFeature);
  return { scoreIds, structIds };
}

/** The canonical hash of a row (computed from its recipe: a stored hash is not trusted for grouping). */
function rowHash(r: PredictorRow): string {
  return canonicalHash(r.recipe);
}

/** The usable rows (finite loss, a recipe) as the raw feature matrix, losses and canonical hashes. */
export function prepare(rows: readonly PredictorRow[], o: FeatureChoice): Prepared {
  const usable = rows.filter((r) => Number.isFinite(r.testLoss) && r.recipe && typeof r.recipe === 'object');
  const { scoreIds, structIds } = resolveOptions(usable, o);
  return {
    scoreIds,
    structIds,
    raw: usable.map((r) => rawFeatures(r.scores, r.recipe, scoreIds, structIds)),
    loss: usable.map((r) => r.testLoss),
    hash: usable.map(rowHash),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Folds

/**
 * Assigns each row a fold in [0, k): rows with the same group key (canonical hash) share a fold. The distinct
 * keys are sorted, shuffled with the seed and dealt round-robin, so the assignment depends only on the set of
 * keys and the seed.
 */
export function groupFolds(keys: readonly string[], k: number, seed: number): number[] {
  const uniq = [...new Set(keys)].sort();
  const kk = Math.max(1, Math.min(k, uniq.length));
  const order = shuffled(uniq, makeRng(seed, 11).next);
  const fold = new Map<string, number>();
  order.forEach((key, i) => fold.set(key, i % kk));
  return keys.map((key) => fold.get(key)!);
}
