/**
 * Loss predictor: maps a NAS-Bench-NLP recurrent cell — its train-free scores and the structure of its recipe —
 * to a predicted WikiText-2 test loss with an interval and a predicted percentile among the benchmark cells.
 *
 * This module is the model, all that the editor needs: the format of a trained predictor (plain JSON data),
 * {@link loadPredictor}, {@link predictLoss}, and the feature transforms and model families they apply. Training
 * is beside it: ./rows (study records → rows, raw features, folds), ./fit (transforms, ridge, boosted trees,
 * hyper-parameters by inner CV), ./cv (cross-validation, intervals, figures) and ./train (the shipped model).
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
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../../recipe/types';
import { isStructureFeature, structureFeatures } from '../features';

export const PREDICTOR_FORMAT = 'cell-lens-loss-predictor';
export const PREDICTOR_VERSION = 1;

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
  if (v && typeof v === 'object' && !Array.isArray(v) && '$num' in v) return scoreValue(v.$num);
  return NaN;
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
export function rawFeatures(
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

/** The transformed (not yet standardised) value; NaN for a missing raw value. */
export function transformValue(t: FeatureTransform, v: number): number {
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
export function designRow(
  transforms: readonly FeatureTransform[],
  raw: readonly number[],
  missing?: string[],
): number[] {
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

export function predictTree(t: TreeNode, x: readonly number[]): number {
  let node = t;
  for (let guard = 0; guard < 64 && typeof node !== 'number'; guard++) node = x[node[0]] <= node[1] ? node[2] : node[3];
  return typeof node === 'number' ? node : NaN;
}

export function predictModel(m: FittedModel, x: readonly number[]): number {
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
// Target

/** A model output → a loss (the inverse of the target transform). */
export function toLoss(z: number, target: 'rank' | 'loss', sortedLoss: readonly number[]): number {
  return target === 'rank' ? lossOf(z, sortedLoss) : z;
}

/**
 * Inverse of the target transform (`targetOf` in ./fit): a target-scale value → a loss through the quantile function
 * of `sortedLoss`.
 */
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

export function intervalOf(m: IntervalModel, loss: number): [number, number] {
  let b = 0;
  while (b < m.edges.length && loss > m.edges[b]) b++;
  return [loss + m.lo[b], loss + m.hi[b]];
}

// ---------------------------------------------------------------------------------------------------------------
// The model file

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
