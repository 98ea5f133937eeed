/**
 * Loss predictor: maps a NAS-Bench-NLP recurrent cell — its train-free scores and the structure of its recipe —
 * to a predicted WikiText-2 test loss with an interval and a predicted percentile among the benchmark cells.
 *
 * Pipeline (every step fitted on the training rows only; in {@link crossValidate} that is the outer training fold,
 * and hyper-parameters are chosen by an inner cross-validation inside it):
 * 1. raw features: each score id (NaN / ±Infinity allowed; ±∞ are ordinal extremes, e.g. κ = +∞ "singular"
 *    ranks beyond every finite κ) and the structure features of src/study/features.ts;
 * 2. transforms: a score becomes the probit of its empirical CDF over the training values (stored as ≤ 65
 *    quantile knots, linearly interpolated: robust to scale and outliers, ±∞ at the ends); a missing score is
 *    imputed with the training median and, when at least `minMissing` training rows lack it, flagged in a 0/1
 *    missing column; structure features are used as they are (missing → training mean); every column is then
 *    standardised with the training mean and standard deviation;
 * 3. target: the probit of the loss's mid-rank among the training losses (robust to the long tail of bad
 *    cells); predictions map back to a loss through the training losses' quantile function;
 * 4. model: see {@link PredictorModelKind}; hyper-parameters by inner k-fold CV maximising Kendall τ.
 *
 * Folds are grouped by canonical hash (src/recipe/canonical.ts): a cell and any renamed / reordered copy always
 * land in the same fold. Fold assignment depends only on the hashes and the seed (not on the targets or the row
 * order of equal hashes), so corrupting a fold's targets cannot move rows between folds.
 *
 * Everything is deterministic for a seed (randomness only from makeRng, src/scoring/rng.ts).
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { canonicalHash } from '../recipe/canonical';
import { makeRng } from '../scoring/rng';
import { cholesky, choleskySolve } from '../shared/linalg';
import { SCORES } from '../scoring/types';
import { STRUCTURE_FEATURES, isStructureFeature, structureFeatures } from './features';
import {
  bootstrapCI,
  kendallTau,
  kendallTauClean,
  quantileSorted,
  shuffled,
  spearmanRhoClean,
  topKOverlap,
  type BootstrapResult,
} from './stats';

export const PREDICTOR_FORMAT = 'cell-lens-loss-predictor';
export const PREDICTOR_VERSION = 1;

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

/** What {@link predictLoss} needs to know about a cell. */
export interface PredictorInput {
  readonly scores: Readonly<Record<string, unknown>>;
  readonly recipe: Recipe;
}

/** The model families. */
export type PredictorModelKind =
  /** Ridge regression on the standardised columns; α by inner CV. */
  | 'ridge'
  /** Gradient-boosted shallow regression trees (least squares, shrinkage, row subsampling); rounds (and depth, when several are given) by inner CV. */
  | 'boost'
  /** The mean of the ridge and boosted predictions (target scale), each with its own inner-CV hyper-parameters. */
  | 'blend';

/** Options of {@link trainPredictor} and {@link crossValidate}. */
export interface PredictorOptions {
  /** Score ids to use (default: every score id that some training row has a value for, sorted). */
  readonly scoreIds?: readonly string[];
  /** Structure features: true = all (default), false = none, or a list of ids from STRUCTURE_FEATURES. */
  readonly structure?: boolean | readonly string[];
  /** Model family (default 'boost'). */
  readonly model?: PredictorModelKind;
  /** Outer folds of {@link crossValidate} (default 5). */
  readonly folds?: number;
  /** Inner folds for the hyper-parameter choice (default 4). */
  readonly innerFolds?: number;
  /** Seed of folds, subsampling and bootstraps (default 0). */
  readonly seed?: number;
  /** Ridge penalties tried (default 0.3 … 300, see DEFAULT_ALPHAS). */
  readonly alphas?: readonly number[];
  /** Boosting: tree depths tried (default [2]) and boosting-round counts tried (default [100, 200, 400, 800]). */
  readonly depths?: readonly number[];
  readonly rounds?: readonly number[];
  /** Boosting: shrinkage (default 0.05), smallest leaf (default 3 rows), row subsample per tree (default 0.8). */
  readonly learningRate?: number;
  readonly minLeaf?: number;
  readonly subsample?: number;
  /** Boosting: number of boosted models with different subsampling seeds that are averaged (default 1). */
  readonly bags?: number;
  /** Target of the regression: probit of the loss rank (default 'rank') or the loss itself ('loss'). */
  readonly target?: 'rank' | 'loss';
  /** Missing-value flag column when at least this many training rows lack a score (default 3). */
  readonly minMissing?: number;
  /** Bootstrap resamples of the CV statistics (default 1000). */
  readonly bootstrapSamples?: number;
  /** Top fraction of the overlap statistic (default 0.1). */
  readonly topFraction?: number;
  /** Central coverage of the prediction interval (default 0.8, i.e. the 10–90 % residual quantiles). */
  readonly intervalLevel?: number;
  /** Free-form provenance stored in the model (score settings, preset, dataset, source file). */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** Skip the outer CV in {@link trainPredictor} (no interval, no CV report); for tests and nested uses. */
  readonly skipCV?: boolean;
}

export const DEFAULT_ALPHAS: readonly number[] = [0.3, 1, 3, 10, 30, 100, 300];
const DEFAULT_DEPTHS: readonly number[] = [2];
const DEFAULT_ROUNDS: readonly number[] = [100, 200, 400, 800];
const LEARNING_RATE = 0.05;
const SUBSAMPLE = 0.8;
const MIN_LEAF = 3;
const MAX_KNOTS = 65;

// ---------------------------------------------------------------------------------------------------------------
// Values

/**
 * A score value as a number: numbers as they are, `null`/`undefined`/non-numbers → NaN, the strings "NaN",
 * "Infinity", "+Infinity", "-Infinity" and `{"$num": ...}` objects → their number.
 */
export function scoreValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'Infinity' || t === '+Infinity' || t === '∞') return Infinity;
    if (t === '-Infinity' || t === '−∞') return -Infinity;
    const x = Number(t);
    return t !== '' && Number.isFinite(x) ? x : NaN;
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && '$num' in v) return scoreValue((v as { $num: unknown }).$num);
  return NaN;
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
// Small numerics

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function probit(p: number): number {
  if (!(p > 0)) return -Infinity;
  if (!(p < 1)) return Infinity;
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** Rounds to `sig` significant digits (to keep the model file small and its JSON stable). */
function sig(x: number, digits = 6): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/** Linear interpolation of y over increasing xs (constant beyond the ends); ties in xs take the mean y. */
function interp(x: number, xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return NaN;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  let lo = 0,
    hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const w = xs[hi] - xs[lo];
  return w > 0 ? ys[lo] + ((ys[hi] - ys[lo]) * (x - xs[lo])) / w : (ys[lo] + ys[hi]) / 2;
}

// ---------------------------------------------------------------------------------------------------------------
// Features and their transforms

/** Raw feature values of a cell, by feature id (score ids and structure ids). */
function rawFeatures(
  scores: Readonly<Record<string, unknown>>,
  recipe: Recipe,
  scoreIds: readonly string[],
  structIds: readonly string[],
): number[] {
  const out: number[] = scoreIds.map((id) => scoreValue(scores?.[id]));
  if (structIds.length) {
    const s = structureFeatures(recipe) as Record<string, number>;
    for (const id of structIds) out.push(s[id] ?? NaN);
  }
  return out;
}

/** How one raw feature becomes one or two standardised design columns. */
export interface FeatureTransform {
  /** Feature id (a score id or a structure feature id). */
  readonly id: string;
  /**
   * 'ecdf': probit of the empirical CDF over `knots` (value → probability `probs`); pNegInf / pPosInf are the
   * training shares of −∞ / +∞ (they map to the ends). 'identity': the raw value.
   */
  readonly kind: 'ecdf' | 'identity';
  readonly knots?: number[];
  readonly probs?: number[];
  readonly pNegInf?: number;
  readonly pPosInf?: number;
  /** Value (after the transform) that a missing raw value is imputed with. */
  readonly impute: number;
  /** Standardisation of the transformed value. */
  readonly mean: number;
  readonly sd: number;
  /** When set, a second column: 1 if the value is missing, standardised with these. */
  readonly missing?: { readonly mean: number; readonly sd: number };
}

function fitTransform(id: string, values: readonly number[], isScore: boolean, minMissing: number): FeatureTransform {
  const present = values.filter((v) => !Number.isNaN(v));
  const nMissing = values.length - present.length;
  let t: Omit<FeatureTransform, 'impute' | 'mean' | 'sd' | 'missing'>;
  if (isScore) {
    const finite = present.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const m = present.length || 1;
    const pNegInf = present.filter((v) => v === -Infinity).length / m;
    const pPosInf = present.filter((v) => v === Infinity).length / m;
    const knots: number[] = [];
    const probs: number[] = [];
    const nf = finite.length;
    if (nf > 0) {
      // Mid-rank ECDF at up to MAX_KNOTS evenly spaced order statistics (always the min and the max).
      const k = Math.min(nf, MAX_KNOTS);
      for (let j = 0; j < k; j++) {
        const pos = k === 1 ? 0 : Math.round((j * (nf - 1)) / (k - 1));
        const v = finite[pos];
        // mid-rank of v among the finite values (ties share it)
        let lo = pos,
          hi = pos;
        while (lo > 0 && finite[lo - 1] === v) lo--;
        while (hi < nf - 1 && finite[hi + 1] === v) hi++;
        const u = (lo + hi + 1) / 2 / nf;
        if (knots.length && knots[knots.length - 1] === v) continue;
        knots.push(sig(v, 8));
        probs.push(sig(pNegInf + (1 - pNegInf - pPosInf) * u, 6));
      }
    }
    t = { id, kind: 'ecdf', knots, probs, pNegInf: sig(pNegInf), pPosInf: sig(pPosInf) };
  } else {
    t = { id, kind: 'identity' };
  }
  const tv = values.map((v) => transformValue(t as FeatureTransform, v));
  const defined = tv.filter((v) => !Number.isNaN(v));
  let impute: number;
  if (isScore) {
    const s = [...defined].sort((a, b) => a - b);
    impute = s.length ? quantileSorted(s, 0.5) : 0;
  } else impute = defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : 0;
  const filled = tv.map((v) => (Number.isNaN(v) ? impute : v));
  const { mean, sd } = meanSd(filled);
  let missing: FeatureTransform['missing'];
  if (nMissing >= minMissing && nMissing < values.length) {
    const ind = values.map((v) => (Number.isNaN(v) ? 1 : 0));
    missing = meanSd(ind);
  }
  return {
    ...t,
    impute: sig(impute, 8),
    mean: sig(mean, 8),
    sd: sig(sd, 8),
    ...(missing ? { missing: { mean: sig(missing.mean, 8), sd: sig(missing.sd, 8) } } : {}),
  };
}

function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const n = xs.length || 1;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / n;
  const sd = Math.sqrt(v);
  return { mean, sd: sd > 1e-12 ? sd : 1 };
}

/** The transformed (not yet standardised) value; NaN for a missing raw value. */
function transformValue(t: FeatureTransform, v: number): number {
  if (Number.isNaN(v)) return NaN;
  if (t.kind === 'identity') return Number.isFinite(v) ? v : NaN;
  const pNeg = t.pNegInf ?? 0;
  const pPos = t.pPosInf ?? 0;
  const knots = t.knots ?? [];
  const probs = t.probs ?? [];
  let u: number;
  if (v === -Infinity) u = pNeg / 2;
  else if (v === Infinity) u = 1 - pPos / 2;
  else if (knots.length === 0) u = 0.5;
  else if (v < knots[0]) u = Math.max(pNeg, probs[0] / 2);
  else if (v > knots[knots.length - 1]) u = Math.min(1 - pPos, (1 + probs[probs.length - 1]) / 2);
  else u = interp(v, knots, probs);
  // Keep the probit finite: clip to the resolution of the training sample.
  return probit(Math.min(1 - 1e-3, Math.max(1e-3, u)));
}

/** Design columns of one cell's raw features; `missing` collects the ids that were imputed. */
function designRow(transforms: readonly FeatureTransform[], raw: readonly number[], missing?: string[]): number[] {
  const out: number[] = [];
  transforms.forEach((t, j) => {
    const tv = transformValue(t, raw[j]);
    const isMissing = Number.isNaN(tv);
    if (isMissing) missing?.push(t.id);
    out.push(((isMissing ? t.impute : tv) - t.mean) / t.sd);
    if (t.missing) out.push(((isMissing ? 1 : 0) - t.missing.mean) / t.missing.sd);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Models on the design matrix

/** Ridge regression: y ≈ intercept + Σ wⱼ xⱼ. */
export interface RidgeModel {
  readonly kind: 'ridge';
  readonly alpha: number;
  readonly intercept: number;
  readonly weights: number[];
}

/**
 * A regression tree, compactly: a leaf is its value; an inner node is `[feature, threshold, left, right]`
 * (a design row x goes left when x[feature] ≤ threshold).
 */
export type TreeNode = number | [number, number, TreeNode, TreeNode];

/** Gradient-boosted trees: y ≈ base + rate · Σ tree(x). */
export interface BoostModel {
  readonly kind: 'boost';
  readonly base: number;
  readonly rate: number;
  readonly depth: number;
  readonly trees: TreeNode[];
}

/** The mean of several fitted models. */
export interface BlendModel {
  readonly kind: 'blend';
  readonly parts: (RidgeModel | BoostModel)[];
}

export type FittedModel = RidgeModel | BoostModel | BlendModel;

function fitRidge(X: readonly number[][], y: readonly number[], alpha: number): RidgeModel {
  const n = X.length;
  const p = n ? X[0].length : 0;
  const ym = y.reduce((a, b) => a + b, 0) / (n || 1);
  const xm = new Float64Array(p);
  for (const r of X) for (let j = 0; j < p; j++) xm[j] += r[j] / n;
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const r = X[i];
    const yi = y[i] - ym;
    for (let j = 0; j < p; j++) {
      const xj = r[j] - xm[j];
      b[j] += xj * yi;
      for (let k = 0; k <= j; k++) A[j * p + k] += xj * (r[k] - xm[k]);
    }
  }
  // (A + αI)w = b by Cholesky; a pivot below 1e-12 is raised to it (A is only semi-definite).
  for (let j = 0; j < p; j++) A[j * p + j] += alpha;
  const w = choleskySolve(cholesky(A, p, 1e-12), b, p);
  let intercept = ym;
  for (let j = 0; j < p; j++) intercept -= w[j] * xm[j];
  return { kind: 'ridge', alpha, intercept, weights: Array.from(w) };
}

function predictTree(t: TreeNode, x: readonly number[]): number {
  let node = t;
  for (let guard = 0; guard < 64 && typeof node !== 'number'; guard++) node = x[node[0]] <= node[1] ? node[2] : node[3];
  return typeof node === 'number' ? node : NaN;
}

/** Least-squares regression tree of `depth` on rows `idx` (greedy, exact thresholds at midpoints). */
function fitTree(
  X: readonly number[][],
  r: readonly number[],
  idx: readonly number[],
  depth: number,
  sorted: readonly Int32Array[],
  minLeaf: number,
): TreeNode {
  const p = X.length ? X[0].length : 0;
  const member = new Uint8Array(X.length);
  const grow = (rows: number[], d: number): TreeNode => {
    let s = 0;
    for (const i of rows) s += r[i];
    const leaf = sig(rows.length ? s / rows.length : 0, 5);
    if (d >= depth || rows.length < 2 * minLeaf) return leaf;
    for (const i of rows) member[i] = 1;
    let bestGain = 1e-12,
      bestF = -1,
      bestThr = 0;
    const total = s,
      n = rows.length;
    for (let f = 0; f < p; f++) {
      let ls = 0,
        ln = 0;
      const order = sorted[f];
      let prevV = NaN;
      for (let q = 0; q < order.length; q++) {
        const i = order[q];
        if (!member[i]) continue;
        const v = X[i][f];
        if (ln >= minLeaf && n - ln >= minLeaf && v > prevV) {
          const rs = total - ls,
            rn = n - ln;
          const gain = (ls * ls) / ln + (rs * rs) / rn - (total * total) / n;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestThr = (prevV + v) / 2;
          }
        }
        ls += r[i];
        ln++;
        prevV = v;
      }
    }
    for (const i of rows) member[i] = 0;
    if (bestF < 0) return leaf;
    const thr = sig(bestThr, 6); // the stored threshold is the one the rows are split by
    const L: number[] = [],
      R: number[] = [];
    for (const i of rows) (X[i][bestF] <= thr ? L : R).push(i);
    if (!L.length || !R.length) return leaf;
    return [bestF, thr, grow(L, d + 1), grow(R, d + 1)];
  };
  return grow([...idx], 0);
}

/** Boosting settings. */
interface BoostParams {
  readonly depth: number;
  readonly rate: number;
  readonly minLeaf: number;
  readonly subsample: number;
  readonly bags: number;
}

/**
 * Boosting with snapshots at each of `rounds` (sorted): one fit gives the models for every round count.
 * With bags > 1, that many boosted sequences with different subsampling streams are averaged (one model with
 * all their trees and rate / bags).
 */
function fitBoostPath(
  X: readonly number[][],
  y: readonly number[],
  bp: BoostParams,
  rounds: readonly number[],
  seed: number,
): BoostModel[] {
  const n = X.length;
  const p = n ? X[0].length : 0;
  const base = y.reduce((a, b) => a + b, 0) / (n || 1);
  const sorted: Int32Array[] = [];
  for (let f = 0; f < p; f++)
    sorted.push(Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => X[a][f] - X[b][f] || a - b)));
  const all = Array.from({ length: n }, (_, i) => i);
  const maxR = Math.max(0, ...rounds);
  const perBag: TreeNode[][] = [];
  for (let b = 0; b < bp.bags; b++) {
    const F = new Float64Array(n).fill(base);
    const rng = makeRng(seed, 7 + b).next;
    const trees: TreeNode[] = [];
    const r = new Array<number>(n);
    for (let m = 1; m <= maxR; m++) {
      for (let i = 0; i < n; i++) r[i] = y[i] - F[i];
      const sub =
        bp.subsample >= 1
          ? all
          : shuffled(all, rng)
              .slice(0, Math.max(2 * bp.minLeaf, Math.round(bp.subsample * n)))
              .sort((a, c) => a - c);
      const tree = fitTree(X, r, sub, bp.depth, sorted, bp.minLeaf);
      trees.push(tree);
      for (let i = 0; i < n; i++) F[i] += bp.rate * predictTree(tree, X[i]);
    }
    perBag.push(trees);
  }
  return rounds.map((R) => ({
    kind: 'boost' as const,
    base: sig(base, 8),
    rate: bp.rate / bp.bags,
    depth: bp.depth,
    trees: perBag.flatMap((t) => t.slice(0, R)),
  }));
}

function predictModel(m: FittedModel, x: readonly number[]): number {
  switch (m.kind) {
    case 'ridge': {
      let s = m.intercept;
      for (let j = 0; j < m.weights.length; j++) s += m.weights[j] * x[j];
      return s;
    }
    case 'boost': {
      let s = m.base;
      for (const t of m.trees) s += m.rate * predictTree(t, x);
      return s;
    }
    case 'blend': {
      let s = 0;
      for (const part of m.parts) s += predictModel(part, x);
      return m.parts.length ? s / m.parts.length : NaN;
    }
  }
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

/** The canonical hash of a row (computed from its recipe: a stored hash is not trusted for grouping). */
function rowHash(r: PredictorRow): string {
  return canonicalHash(r.recipe);
}

// ---------------------------------------------------------------------------------------------------------------
// Fitting (the same procedure for the final model and for each outer fold)

interface Prepared {
  readonly scoreIds: string[];
  readonly structIds: string[];
  readonly raw: number[][];
  readonly loss: number[];
  readonly hash: string[];
}

function resolveOptions(
  rows: readonly PredictorRow[],
  o: PredictorOptions,
): { scoreIds: string[]; structIds: string[] } {
  const scoreIds = o.scoreIds ? [...o.scoreIds].filter((id) => !isStructureFeature(id)) : presentScoreIds(rows);
  const structIds =
    o.structure === false
      ? []
      : o.structure === true || o.structure === undefined
        ? [...STRUCTURE_FEATURES]
        : o.structure.filter(isStructureFeature);
  return { scoreIds, structIds };
}

function prepare(rows: readonly PredictorRow[], o: PredictorOptions): Prepared {
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

/** Target transform: probit of the mid-rank of each loss among `sortedLoss`. */
function targetOf(loss: number, sortedLoss: readonly number[]): number {
  const n = sortedLoss.length;
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (sortedLoss[m] < loss) lo = m + 1;
    else hi = m;
  }
  let eq = lo;
  while (eq < n && sortedLoss[eq] === loss) eq++;
  const u = (lo + eq) / 2 / n; // share below + half the ties
  return probit(Math.min(1 - 0.5 / n, Math.max(0.5 / n, u)));
}

/** A model output → a loss (the inverse of the target transform). */
function toLoss(z: number, target: 'rank' | 'loss', sortedLoss: readonly number[]): number {
  return target === 'rank' ? lossOf(z, sortedLoss) : z;
}

/** Inverse of {@link targetOf}: a target-scale value → a loss through the quantile function of `sortedLoss`. */
function lossOf(z: number, sortedLoss: readonly number[]): number {
  const n = sortedLoss.length;
  if (n === 0) return NaN;
  const u = normCdf(z);
  // mid-rank positions: the i-th smallest (0-based) sits at u = (i + 0.5) / n
  const pos = u * n - 0.5;
  if (pos <= 0) return sortedLoss[0];
  if (pos >= n - 1) return sortedLoss[n - 1];
  const i = Math.floor(pos);
  return sortedLoss[i] + (sortedLoss[i + 1] - sortedLoss[i]) * (pos - i);
}

/** A fitted pipeline (transforms + model) with the hyper-parameters chosen and the inner-CV τ of each choice. */
interface Fit {
  readonly transforms: FeatureTransform[];
  readonly model: FittedModel;
  readonly sortedLoss: number[];
  readonly choice: Record<string, number>;
  readonly innerTau: Record<string, number>;
}

function fitTransforms(
  raw: readonly number[][],
  idx: readonly number[],
  ids: readonly string[],
  nScores: number,
  minMissing: number,
): FeatureTransform[] {
  return ids.map((id, j) =>
    fitTransform(
      id,
      idx.map((i) => raw[i][j]),
      j < nScores,
      minMissing,
    ),
  );
}

/** Fits transforms and the model family with given hyper-parameters; returns one model per candidate. */
function fitCandidates(
  P: Prepared,
  idx: readonly number[],
  kind: 'ridge' | 'boost',
  o: PredictorOptions,
  seed: number,
): { transforms: FeatureTransform[]; sortedLoss: number[]; models: { key: string; model: FittedModel }[] } {
  const ids = [...P.scoreIds, ...P.structIds];
  const transforms = fitTransforms(P.raw, idx, ids, P.scoreIds.length, o.minMissing ?? 3);
  const X = idx.map((i) => designRow(transforms, P.raw[i]));
  // Rounded as the model file stores them, so a shipped model predicts exactly what the CV measured.
  const sortedLoss = idx.map((i) => sig(P.loss[i], 7)).sort((a, b) => a - b);
  const y = idx.map((i) => ((o.target ?? 'rank') === 'rank' ? targetOf(sig(P.loss[i], 7), sortedLoss) : P.loss[i]));
  const models: { key: string; model: FittedModel }[] = [];
  if (kind === 'ridge') {
    for (const a of o.alphas ?? DEFAULT_ALPHAS) models.push({ key: `alpha=${a}`, model: fitRidge(X, y, a) });
  } else {
    const rounds = [...(o.rounds ?? DEFAULT_ROUNDS)].sort((a, b) => a - b);
    for (const depth of o.depths ?? DEFAULT_DEPTHS) {
      const bp: BoostParams = {
        depth,
        rate: o.learningRate ?? LEARNING_RATE,
        minLeaf: o.minLeaf ?? MIN_LEAF,
        subsample: o.subsample ?? SUBSAMPLE,
        bags: Math.max(1, o.bags ?? 1),
      };
      fitBoostPath(X, y, bp, rounds, seed).forEach((m, r) =>
        models.push({ key: `depth=${depth},rounds=${rounds[r]}`, model: m }),
      );
    }
  }
  return { transforms, sortedLoss, models };
}

/** Chooses the hyper-parameters of one family by inner CV (pooled out-of-fold τ) on rows `idx`. */
function chooseByInnerCV(
  P: Prepared,
  idx: readonly number[],
  kind: 'ridge' | 'boost',
  o: PredictorOptions,
  seed: number,
): { key: string; taus: Record<string, number> } {
  const k = o.innerFolds ?? 4;
  const folds = groupFolds(
    idx.map((i) => P.hash[i]),
    k,
    seed + 1000,
  );
  const preds = new Map<string, number[]>();
  for (let f = 0; f < k; f++) {
    const train = idx.filter((_, q) => folds[q] !== f);
    const test = idx.map((i, q) => [i, q] as const).filter(([, q]) => folds[q] === f);
    if (!train.length || !test.length) continue;
    const c = fitCandidates(P, train, kind, o, seed + 17 * (f + 1));
    for (const { key, model } of c.models) {
      let arr = preds.get(key);
      if (!arr) {
        arr = new Array<number>(idx.length).fill(NaN);
        preds.set(key, arr);
      }
      for (const [i, q] of test) arr[q] = predictModel(model, designRow(c.transforms, P.raw[i]));
    }
  }
  const target = idx.map((i) => P.loss[i]);
  const taus: Record<string, number> = {};
  // Fallback when the inner CV cannot rank the candidates (too few distinct cells, constant predictions):
  // the strongest regularisation, i.e. the largest α or the fewest rounds at the smallest depth.
  let bestKey =
    kind === 'ridge'
      ? `alpha=${Math.max(...(o.alphas ?? DEFAULT_ALPHAS))}`
      : `depth=${Math.min(...(o.depths ?? DEFAULT_DEPTHS))},rounds=${Math.min(...(o.rounds ?? DEFAULT_ROUNDS))}`;
  let best = -Infinity;
  for (const [key, arr] of preds) {
    // predictions are on the target scale (higher = higher loss), so τ(pred, loss) > 0 is good
    const t = kendallTau(arr, target).value;
    taus[key] = sig(t, 4);
    if (t > best + 1e-9) {
      best = t;
      bestKey = key;
    }
  }
  return { key: bestKey, taus };
}

function fitFamily(
  P: Prepared,
  idx: readonly number[],
  kind: 'ridge' | 'boost',
  o: PredictorOptions,
  seed: number,
): {
  transforms: FeatureTransform[];
  sortedLoss: number[];
  model: FittedModel;
  key: string;
  taus: Record<string, number>;
} {
  const { key, taus } = chooseByInnerCV(P, idx, kind, o, seed);
  const oo: PredictorOptions =
    kind === 'ridge'
      ? { ...o, alphas: [Number(key.split('=')[1])] }
      : { ...o, depths: [Number(/depth=(\d+)/.exec(key)![1])], rounds: [Number(/rounds=(\d+)/.exec(key)![1])] };
  const c = fitCandidates(P, idx, kind, oo, seed);
  return { transforms: c.transforms, sortedLoss: c.sortedLoss, model: c.models[0].model, key, taus };
}

function fitOn(P: Prepared, idx: readonly number[], o: PredictorOptions, seed: number): Fit {
  const kind = o.model ?? 'boost';
  if (kind === 'ridge' || kind === 'boost') {
    const f = fitFamily(P, idx, kind, o, seed);
    return {
      transforms: f.transforms,
      model: f.model,
      sortedLoss: f.sortedLoss,
      choice: parseKey(f.key),
      innerTau: f.taus,
    };
  }
  const r = fitFamily(P, idx, 'ridge', o, seed);
  const b = fitFamily(P, idx, 'boost', o, seed);
  // Both families use the same transforms (fitted on the same rows with the same options).
  return {
    transforms: r.transforms,
    model: { kind: 'blend', parts: [r.model as RidgeModel, b.model as BoostModel] },
    sortedLoss: r.sortedLoss,
    choice: { ...parseKey(r.key), ...parseKey(b.key) },
    innerTau: { ...r.taus, ...b.taus },
  };
}

function parseKey(key: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of key.split(',')) {
    const [k, v] = part.split('=');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Prediction intervals

/**
 * Interval of a prediction from out-of-fold residuals (true − predicted loss): the residual quantiles at
 * (1 ∓ level) / 2 within bins of the predicted loss (bins at the terciles of the predictions, because bad cells
 * are predicted much less precisely than good ones). The interval of a prediction ŷ in bin b is
 * [ŷ + lo[b], ŷ + hi[b]].
 */
export interface IntervalModel {
  readonly level: number;
  /** Upper edges of all bins but the last (increasing predicted loss). */
  readonly edges: number[];
  readonly lo: number[];
  readonly hi: number[];
}

const INTERVAL_BINS = 3;

function fitInterval(pairs: readonly { loss: number; predicted: number }[], level: number): IntervalModel {
  const ok = pairs
    .filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.predicted))
    .sort((a, b) => a.predicted - b.predicted);
  const bins = ok.length >= 10 * INTERVAL_BINS ? INTERVAL_BINS : 1;
  const edges: number[] = [],
    lo: number[] = [],
    hi: number[] = [];
  for (let b = 0; b < bins; b++) {
    const part = ok.slice(Math.floor((b * ok.length) / bins), Math.floor(((b + 1) * ok.length) / bins));
    const res = part.map((p) => p.loss - p.predicted).sort((x, y) => x - y);
    lo.push(sig(quantileSorted(res, (1 - level) / 2), 5));
    hi.push(sig(quantileSorted(res, (1 + level) / 2), 5));
    if (b < bins - 1)
      edges.push(
        sig((part[part.length - 1].predicted + ok[Math.floor(((b + 1) * ok.length) / bins)].predicted) / 2, 7),
      );
  }
  return { level, edges, lo, hi };
}

function intervalOf(m: IntervalModel, loss: number): [number, number] {
  let b = 0;
  while (b < m.edges.length && loss > m.edges[b]) b++;
  return [loss + m.lo[b], loss + m.hi[b]];
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-validation

/** A statistic with its bootstrap interval. */
export interface StatWithCI {
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
}

/** Out-of-fold quality of a predictor (or of a baseline on the same folds). */
export interface CVStats {
  /** Kendall τ-b between out-of-fold predicted loss and true test loss (positive = good), with a bootstrap CI. */
  readonly tau: StatWithCI;
  /** Spearman ρ, same orientation. */
  readonly rho: StatWithCI;
  /** Overlap of the predicted best `topFraction` with the truly best `topFraction` (by loss), with a bootstrap CI. */
  readonly topK: StatWithCI & { readonly k: number };
  /** Mean over folds of the within-fold τ. */
  readonly meanFoldTau: number;
  readonly foldTaus: number[];
}

/** Result of {@link crossValidate}. */
export interface CVReport {
  readonly n: number;
  readonly folds: number;
  readonly innerFolds: number;
  readonly seed: number;
  readonly model: PredictorModelKind;
  readonly scoreIds: string[];
  readonly structure: string[];
  readonly topFraction: number;
  readonly level: number;
  readonly samples: number;
  /** The predictor's out-of-fold statistics. */
  readonly predictor: CVStats;
  /**
   * The best single score, chosen inside each outer training fold by its τ there (direction included) and
   * evaluated on the held-out fold as the fold's probit-ECDF (globally comparable across folds).
   */
  readonly bestSingle: CVStats & { readonly chosen: string[] };
  /** Each score alone on all rows (τ of the oriented score vs −loss, i.e. positive = good), no fitting. */
  readonly singleScores: { id: string; tau: number }[];
  /** Hyper-parameters chosen in each outer fold. */
  readonly foldChoices: Record<string, number>[];
  /**
   * The interval of {@link IntervalModel} checked by cross-fitting: for each fold, the bins and residual
   * quantiles come from the other folds' out-of-fold rows; coverage = share of rows whose true loss lies inside.
   */
  readonly interval: { readonly level: number; readonly coverage: number; readonly meanWidth: number };
  /** Every row: its canonical hash, outer fold, true loss and out-of-fold predicted loss. */
  readonly rows: { hash: string; fold: number; loss: number; predicted: number }[];
}

function stats(
  pred: readonly number[],
  loss: readonly number[],
  foldOf: readonly number[],
  k: number,
  o: PredictorOptions,
  seed: number,
): CVStats {
  const samples = o.bootstrapSamples ?? 1000;
  const frac = o.topFraction ?? 0.1;
  const ci = (s: BootstrapResult): StatWithCI => ({ estimate: sig(s.estimate, 4), lo: sig(s.lo, 4), hi: sig(s.hi, 4) });
  const topStat = (p: readonly number[], l: readonly number[]): number => topKOverlap(p, l, frac, 'lower').value;
  const tk = topKOverlap(pred, loss, frac, 'lower');
  const foldTaus: number[] = [];
  for (let f = 0; f < k; f++) {
    const ii = foldOf.map((g, i) => (g === f ? i : -1)).filter((i) => i >= 0);
    foldTaus.push(
      sig(
        kendallTau(
          ii.map((i) => pred[i]),
          ii.map((i) => loss[i]),
        ).value,
        4,
      ),
    );
  }
  const d = foldTaus.filter((t) => !Number.isNaN(t));
  return {
    tau: ci(bootstrapCI(pred, loss, kendallTauClean, { samples, seed })),
    rho: ci(bootstrapCI(pred, loss, spearmanRhoClean, { samples, seed: seed + 1 })),
    topK: { ...ci(bootstrapCI(pred, loss, topStat, { samples, seed: seed + 2 })), estimate: sig(tk.value, 4), k: tk.k },
    meanFoldTau: sig(d.length ? d.reduce((a, b) => a + b, 0) / d.length : NaN, 4),
    foldTaus,
  };
}

/**
 * K-fold cross-validation grouped by canonical hash. In each outer fold, everything (transforms, imputation,
 * missing flags, hyper-parameters by inner CV, the model) is fitted on the training folds only, by the same
 * procedure as {@link trainPredictor}. Reports τ, ρ and top-k overlap of the pooled out-of-fold predictions with
 * bootstrap intervals, and the best single score on the same folds.
 */
export function crossValidate(rows: readonly PredictorRow[], opts: PredictorOptions = {}): CVReport {
  const P = prepare(rows, opts);
  const seed = opts.seed ?? 0;
  const k = Math.max(2, Math.min(opts.folds ?? 5, new Set(P.hash).size));
  const foldOf = groupFolds(P.hash, k, seed);
  const n = P.loss.length;
  const pred = new Array<number>(n).fill(NaN);
  const single = new Array<number>(n).fill(NaN);
  const chosen: string[] = [];
  const foldChoices: Record<string, number>[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [],
      test: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    const fit = fitOn(P, train, opts, seed);
    foldChoices.push(fit.choice);
    for (const i of test)
      pred[i] = toLoss(
        predictModel(fit.model, designRow(fit.transforms, P.raw[i])),
        opts.target ?? 'rank',
        fit.sortedLoss,
      );
    // Best single score of the training fold (its oriented probit-ECDF, so folds are comparable).
    let best = -1,
      bestTau = -Infinity,
      bestSign = 1;
    for (let j = 0; j < P.scoreIds.length; j++) {
      const t = kendallTau(
        train.map((i) => P.raw[i][j]),
        train.map((i) => P.loss[i]),
      ).value;
      if (Math.abs(t) > bestTau) {
        bestTau = Math.abs(t);
        best = j;
        bestSign = t >= 0 ? 1 : -1;
      }
    }
    if (best >= 0) {
      const tr = fit.transforms[best];
      chosen.push((bestSign > 0 ? '' : '-') + P.scoreIds[best]);
      for (const i of test) {
        const v = transformValue(tr, P.raw[i][best]);
        single[i] = Number.isNaN(v) ? tr.impute * bestSign : v * bestSign; // higher = higher predicted loss
      }
    }
  }
  const singleScores = P.scoreIds.map((id, j) => {
    const better =
      (SCORES as Readonly<Record<string, { better: 'higher' | 'lower' } | undefined>>)[id]?.better ?? 'higher';
    const xs = P.raw.map((r) => (better === 'lower' ? -r[j] : r[j]));
    return {
      id,
      tau: sig(
        kendallTau(
          xs,
          P.loss.map((l) => -l),
        ).value,
        4,
      ),
    };
  });
  const level = opts.intervalLevel ?? 0.8;
  let inside = 0,
    width = 0,
    counted = 0;
  for (let f = 0; f < k; f++) {
    const other: { loss: number; predicted: number }[] = [];
    for (let i = 0; i < n; i++) if (foldOf[i] !== f) other.push({ loss: P.loss[i], predicted: pred[i] });
    const im = fitInterval(other, level);
    for (let i = 0; i < n; i++) {
      if (foldOf[i] !== f || !Number.isFinite(pred[i])) continue;
      const [lo, hi] = intervalOf(im, pred[i]);
      if (P.loss[i] >= lo && P.loss[i] <= hi) inside++;
      width += hi - lo;
      counted++;
    }
  }
  return {
    n,
    folds: k,
    innerFolds: opts.innerFolds ?? 4,
    seed,
    model: opts.model ?? 'boost',
    scoreIds: P.scoreIds,
    structure: P.structIds,
    topFraction: opts.topFraction ?? 0.1,
    level: 0.95,
    samples: opts.bootstrapSamples ?? 1000,
    predictor: stats(pred, P.loss, foldOf, k, opts, seed),
    bestSingle: { ...stats(single, P.loss, foldOf, k, opts, seed), chosen },
    singleScores,
    foldChoices,
    interval: {
      level,
      coverage: sig(counted ? inside / counted : NaN, 4),
      meanWidth: sig(counted ? width / counted : NaN, 4),
    },
    rows: P.hash.map((h, i) => ({ hash: h, fold: foldOf[i], loss: P.loss[i], predicted: pred[i] })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The shipped model

/** A trained predictor: plain JSON data. */
export interface PredictorModel {
  readonly format: typeof PREDICTOR_FORMAT;
  readonly version: number;
  readonly seed: number;
  /** Score ids the model reads, in column order. */
  readonly scoreIds: string[];
  /** Structure features the model reads, in column order (after the scores). */
  readonly structure: string[];
  readonly transforms: FeatureTransform[];
  readonly model: FittedModel;
  /** What the model outputs: 'rank' = probit of the loss rank (mapped back through `losses`), 'loss' = the loss. */
  readonly target: 'rank' | 'loss';
  /** Hyper-parameters chosen by inner CV on all training rows, and the inner-CV τ of each candidate. */
  readonly choice: Record<string, number>;
  readonly innerTau: Record<string, number>;
  /** Test losses of the training cells, sorted (percentiles and the target's quantile function). */
  readonly losses: number[];
  /** Residual quantiles of the out-of-fold predictions of the CV, by bin of predicted loss (see {@link IntervalModel}). */
  readonly interval?: IntervalModel;
  /** Summary of the cross-validation of this procedure (without the per-row table). */
  readonly cv?: Omit<CVReport, 'rows'>;
  /** Optional: the same CV repeated with other fold seeds (set by scripts/build-predictor.ts --repeats). */
  readonly cvRepeats?: CVRepeats;
  /** Provenance: score settings / preset / dataset / source the scores were computed with. */
  readonly meta: Readonly<Record<string, unknown>>;
}

/**
 * Trains the predictor on all usable rows (non-finite losses dropped), with hyper-parameters chosen by inner
 * CV, and (unless `skipCV`) cross-validates the same procedure for the CV report and the interval.
 */
export function trainPredictor(rows: readonly PredictorRow[], opts: PredictorOptions = {}): PredictorModel {
  const P = prepare(rows, opts);
  if (P.loss.length < 8) throw new Error(`need at least 8 cells with a finite test loss (have ${P.loss.length})`);
  const seed = opts.seed ?? 0;
  const all = P.loss.map((_, i) => i);
  const fit = fitOn(P, all, opts, seed);
  let interval: PredictorModel['interval'];
  let cv: PredictorModel['cv'];
  if (!opts.skipCV) {
    const report = crossValidate(rows, opts);
    interval = fitInterval(report.rows, opts.intervalLevel ?? 0.8);
    const { rows: _rows, ...summary } = report;
    void _rows;
    cv = summary;
  }
  return {
    format: PREDICTOR_FORMAT,
    version: PREDICTOR_VERSION,
    seed,
    scoreIds: P.scoreIds,
    structure: P.structIds,
    transforms: fit.transforms,
    model: fit.model,
    target: opts.target ?? 'rank',
    choice: fit.choice,
    innerTau: fit.innerTau,
    losses: fit.sortedLoss,
    ...(interval ? { interval } : {}),
    ...(cv ? { cv } : {}),
    meta: { ...(opts.meta ?? {}) },
  };
}

/** The CV repeated over several fold seeds: the spread of the estimate over fold splits. */
export interface CVRepeats {
  readonly seeds: number[];
  readonly tau: number[];
  readonly rho: number[];
  readonly topK: number[];
  readonly bestSingleTau: number[];
  readonly meanTau: number;
  readonly meanRho: number;
  readonly meanTopK: number;
  readonly meanBestSingleTau: number;
}

/** Runs {@link crossValidate} for each seed (other options as given) and summarises the spread. */
export function repeatedCV(
  rows: readonly PredictorRow[],
  seeds: readonly number[],
  opts: PredictorOptions = {},
): { repeats: CVRepeats; reports: CVReport[] } {
  const reports = seeds.map((seed) => crossValidate(rows, { ...opts, seed }));
  const mean = (xs: readonly number[]): number => sig(xs.reduce((a, b) => a + b, 0) / (xs.length || 1), 4);
  const tau = reports.map((r) => r.predictor.tau.estimate);
  const rho = reports.map((r) => r.predictor.rho.estimate);
  const topK = reports.map((r) => r.predictor.topK.estimate);
  const bestSingleTau = reports.map((r) => r.bestSingle.tau.estimate);
  return {
    repeats: {
      seeds: [...seeds],
      tau,
      rho,
      topK,
      bestSingleTau,
      meanTau: mean(tau),
      meanRho: mean(rho),
      meanTopK: mean(topK),
      meanBestSingleTau: mean(bestSingleTau),
    },
    reports,
  };
}

/** One line summarising a CV report, e.g. for the build script's output. */
export function formatCVRow(cv: Omit<CVReport, 'rows'>): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  const ci = (s: StatWithCI): string => `${f(s.estimate)} [${f(s.lo)}, ${f(s.hi)}]`;
  const top = Math.round(cv.topFraction * 100);
  const best = [...cv.singleScores].sort((a, b) => (b.tau || -Infinity) - (a.tau || -Infinity))[0];
  return [
    `${cv.model}, ${cv.folds}-fold CV grouped by canonical hash (inner ${cv.innerFolds}-fold), seed ${cv.seed}, n=${cv.n}, ${cv.scoreIds.length} scores + ${cv.structure.length} structure features:`,
    `  predictor          τ ${ci(cv.predictor.tau)}  ρ ${ci(cv.predictor.rho)}  top-${top}% ${ci(cv.predictor.topK)} (k=${cv.predictor.topK.k})  mean fold τ ${f(cv.predictor.meanFoldTau)}`,
    `  best single score  τ ${ci(cv.bestSingle.tau)}  ρ ${ci(cv.bestSingle.rho)}  top-${top}% ${ci(cv.bestSingle.topK)}  (chosen per fold: ${[...new Set(cv.bestSingle.chosen)].join(', ')})`,
    best ? `  best score on all cells: ${best.id} τ ${f(best.tau)}` : '',
    `  ${Math.round(cv.interval.level * 100)}% interval: cross-fitted coverage ${f(cv.interval.coverage)}, mean width ${f(cv.interval.meanWidth)}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** What {@link predictLoss} returns. */
export interface LossPrediction {
  /** Predicted test loss. */
  readonly loss: number;
  /** Interval from the out-of-fold residual quantiles (NaN when the model has none). */
  readonly lo: number;
  readonly hi: number;
  /** Share (0..100) of the benchmark's training cells whose test loss is higher (worse) than `loss`. */
  readonly percentile: number;
  /** "Top x %": 100 − percentile, rounded up, at least 1. */
  readonly topPercent: number;
  /** Features that were missing (or NaN) and imputed. */
  readonly missing: string[];
}

/** Predicts the test loss of a cell. Cheap: a few microseconds plus the structure analysis of the recipe. */
export function predictLoss(model: PredictorModel, input: PredictorInput): LossPrediction {
  const raw = rawFeatures(input.scores ?? {}, input.recipe, model.scoreIds, model.structure);
  const missing: string[] = [];
  const z = predictModel(model.model, designRow(model.transforms, raw, missing));
  const loss = toLoss(z, model.target, model.losses);
  const n = model.losses.length;
  let worse = 0;
  for (const l of model.losses) if (l > loss) worse++;
  const percentile = n ? (100 * worse) / n : NaN;
  const [lo, hi] = model.interval ? intervalOf(model.interval, loss) : [NaN, NaN];
  return {
    loss,
    lo,
    hi,
    percentile,
    topPercent: Math.max(1, Math.min(100, Math.ceil(100 - percentile - 1e-9))),
    missing,
  };
}

/** Checks that a parsed JSON value is a predictor model this code can use; throws with the reason otherwise. */
export function loadPredictor(json: unknown): PredictorModel {
  const m = json as Partial<PredictorModel> | null;
  if (!m || typeof m !== 'object') throw new Error('predictor model: not an object');
  if (m.format !== PREDICTOR_FORMAT) throw new Error(`predictor model: format is not ${PREDICTOR_FORMAT}`);
  if (m.version !== PREDICTOR_VERSION)
    throw new Error(`predictor model: version ${String(m.version)}, expected ${PREDICTOR_VERSION}`);
  if (
    !Array.isArray(m.scoreIds) ||
    !Array.isArray(m.structure) ||
    !Array.isArray(m.transforms) ||
    !Array.isArray(m.losses) ||
    !m.model
  ) {
    throw new Error('predictor model: missing fields');
  }
  if (m.transforms.length !== m.scoreIds.length + m.structure.length)
    throw new Error('predictor model: transforms do not match the features');
  if (m.structure.some((s) => !isStructureFeature(s))) throw new Error('predictor model: unknown structure feature');
  return m as PredictorModel;
}
