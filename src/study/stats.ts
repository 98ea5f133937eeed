/**
 * Rank statistics for the "Study and search" feature: Kendall τ-b (Knight's O(n log n) algorithm),
 * Spearman ρ (average ranks for ties), seeded percentile bootstrap intervals, top-k overlap,
 * rank-based score ensembles and their cross-validated weights.
 *
 * Conventions:
 * - Every correlation takes paired arrays `xs`, `ys`; a pair where either value is NaN (or not a finite
 *   number nor ±Infinity, i.e. NaN only) is dropped and counted in `nDropped`. ±Infinity are kept: they
 *   are ordinal values (an infinite score ranks above every finite one).
 * - Statistics that are undefined (fewer than 2 pairs, or one side constant) are NaN.
 * - Everything is deterministic: randomness comes only from `makeRng(seed).next` (src/scoring/rng.ts, the one
 *   PRNG of the project) seeded by the caller.
 *
 * Pure logic; no `vscode` import.
 */
import { makeRng } from '../scoring/rng';

/** A correlation value together with how many pairs it used and how many it dropped (NaN pairs). */
export interface Correlation {
  /** The statistic; NaN when undefined (n < 2 or a constant side). */
  readonly value: number;
  /** Number of pairs used. */
  readonly n: number;
  /** Number of pairs dropped because either value was NaN. */
  readonly nDropped: number;
}

/** Keeps the pairs where neither value is NaN. Throws if the lengths differ. */
export function dropNaNPairs(
  xs: readonly number[],
  ys: readonly number[],
): { xs: number[]; ys: number[]; nDropped: number } {
  if (xs.length !== ys.length) throw new Error(`paired arrays differ in length (${xs.length} vs ${ys.length})`);
  const ox: number[] = [];
  const oy: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (Number.isNaN(xs[i]) || Number.isNaN(ys[i])) continue;
    ox.push(xs[i]);
    oy.push(ys[i]);
  }
  return { xs: ox, ys: oy, nDropped: xs.length - ox.length };
}

/**
 * Average ranks (1-based; tied values share the mean of the ranks they occupy), as scipy's
 * `rankdata(method='average')`. NaN values get rank NaN and are not counted among the others.
 */
export function ranks(values: readonly number[]): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) idx.push(i);
  idx.sort((a, b) => cmp(values[a], values[b]) || a - b);
  const out = new Array<number>(values.length).fill(NaN);
  let i = 0;
  while (i < idx.length) {
    let j = i + 1;
    while (j < idx.length && values[idx[j]] === values[idx[i]]) j++;
    const r = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) out[idx[k]] = r;
    i = j;
  }
  return out;
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Number of tied pairs Σ t(t−1)/2 over runs of equal values in a sorted array. */
function tiedPairs(sorted: ArrayLike<number>): number {
  let total = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run++;
    else {
      total += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return total;
}

/** Merge sort of `a` in place (using `buf`), returning the number of inversions (swaps). */
function mergeSortCount(a: Float64Array, buf: Float64Array, lo: number, hi: number): number {
  if (hi - lo < 2) return 0;
  const mid = (lo + hi) >>> 1;
  let swaps = mergeSortCount(a, buf, lo, mid) + mergeSortCount(a, buf, mid, hi);
  let i = lo,
    j = mid,
    k = lo;
  while (i < mid && j < hi) {
    if (a[j] < a[i]) {
      buf[k++] = a[j++];
      swaps += mid - i;
    } else buf[k++] = a[i++];
  }
  while (i < mid) buf[k++] = a[i++];
  while (j < hi) buf[k++] = a[j++];
  for (let t = lo; t < hi; t++) a[t] = buf[t];
  return swaps;
}

/**
 * Kendall τ-b with ties, by Knight's O(n log n) algorithm:
 * τ_b = (n₀ − n₁ − n₂ + n₃ − 2·swaps) / √((n₀ − n₁)(n₀ − n₂)), with n₀ = n(n−1)/2, n₁/n₂ tied pairs in
 * x / y, n₃ pairs tied in both. Same definition as scipy's `kendalltau` (variant 'b').
 * NaN pairs are dropped (counted in `nDropped`).
 */
export function kendallTau(xs: readonly number[], ys: readonly number[]): Correlation {
  const p = dropNaNPairs(xs, ys);
  return { value: kendallTauClean(p.xs, p.ys), n: p.xs.length, nDropped: p.nDropped };
}

/** τ-b of NaN-free paired arrays (see {@link kendallTau}). */
export function kendallTauClean(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => cmp(xs[a], xs[b]) || cmp(ys[a], ys[b]));
  const sx = new Float64Array(n);
  const sy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sx[i] = xs[order[i]];
    sy[i] = ys[order[i]];
  }
  const n0 = (n * (n - 1)) / 2;
  const n1 = tiedPairs(sx);
  // Pairs tied in both x and y: runs of equal (x, y) in the lexicographic order.
  let n3 = 0;
  let run = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n && sx[i] === sx[i - 1] && sy[i] === sy[i - 1]) run++;
    else {
      n3 += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  const swaps = mergeSortCount(sy, new Float64Array(n), 0, n);
  const n2 = tiedPairs(sy);
  const denom = Math.sqrt((n0 - n1) * (n0 - n2));
  if (!(denom > 0)) return NaN;
  const v = (n0 - n1 - n2 + n3 - 2 * swaps) / denom;
  return Math.max(-1, Math.min(1, v));
}

/** Pearson correlation of NaN-free arrays; NaN when a side is constant or n < 2. */
export function pearsonClean(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx,
      dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const d = Math.sqrt(sxx * syy);
  if (!(d > 0)) return NaN;
  return Math.max(-1, Math.min(1, sxy / d));
}

/**
 * Spearman ρ: the Pearson correlation of average ranks (ties share ranks), as scipy's `spearmanr`.
 * NaN pairs are dropped (counted in `nDropped`).
 */
export function spearmanRho(xs: readonly number[], ys: readonly number[]): Correlation {
  const p = dropNaNPairs(xs, ys);
  return { value: spearmanRhoClean(p.xs, p.ys), n: p.xs.length, nDropped: p.nDropped };
}

/** ρ of NaN-free paired arrays (see {@link spearmanRho}). */
export function spearmanRhoClean(xs: readonly number[], ys: readonly number[]): number {
  return pearsonClean(ranks(xs), ranks(ys));
}

/** A paired statistic on NaN-free arrays, e.g. {@link kendallTauClean}. */
export type PairedStat = (xs: readonly number[], ys: readonly number[]) => number;

/** Options of {@link bootstrapCI}. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 1000). */
  readonly samples?: number;
  /** PRNG seed (default 0). The same seed gives the same interval. */
  readonly seed?: number;
  /** Confidence level (default 0.95). */
  readonly level?: number;
}

/** A point estimate with a bootstrap percentile interval. */
export interface BootstrapResult {
  /** The statistic on the (NaN-dropped) data. */
  readonly estimate: number;
  /** Lower / upper percentile bounds; NaN when no resample gave a defined value. */
  readonly lo: number;
  readonly hi: number;
  /** Pairs used and pairs dropped for NaN. */
  readonly n: number;
  readonly nDropped: number;
  /** Resamples whose statistic was NaN (e.g. a constant resample) and were left out of the percentiles. */
  readonly nUndefined: number;
  readonly samples: number;
  readonly level: number;
}

/**
 * Seeded nonparametric bootstrap percentile interval of a paired statistic: resample the (NaN-dropped)
 * pairs with replacement `samples` times, compute `stat` on each, take the (1−level)/2 and (1+level)/2
 * quantiles (linear interpolation between order statistics, as numpy's default `percentile`).
 */
export function bootstrapCI(
  xs: readonly number[],
  ys: readonly number[],
  stat: PairedStat,
  options: BootstrapOptions = {},
): BootstrapResult {
  const samples = options.samples ?? 1000;
  const level = options.level ?? 0.95;
  const p = dropNaNPairs(xs, ys);
  const n = p.xs.length;
  const estimate = stat(p.xs, p.ys);
  const rng = makeRng(options.seed ?? 0).next;
  const vals: number[] = [];
  const bx = new Array<number>(n);
  const by = new Array<number>(n);
  let nUndefined = 0;
  for (let s = 0; s < samples && n > 0; s++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rng() * n);
      bx[i] = p.xs[j];
      by[i] = p.ys[j];
    }
    const v = stat(bx, by);
    if (Number.isNaN(v)) nUndefined++;
    else vals.push(v);
  }
  if (n === 0) nUndefined = samples;
  vals.sort((a, b) => a - b);
  return {
    estimate,
    lo: quantileSorted(vals, (1 - level) / 2),
    hi: quantileSorted(vals, (1 + level) / 2),
    n,
    nDropped: p.nDropped,
    nUndefined,
    samples,
    level,
  };
}

/** Quantile q ∈ [0, 1] of a sorted array with linear interpolation (numpy 'linear'); NaN when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (lo === hi) return sorted[lo];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Result of {@link topKOverlap}. */
export interface TopKOverlap {
  /** |best k by score ∩ best k by loss| / k; NaN when no pair is usable. */
  readonly value: number;
  /** k, the size of both top sets. */
  readonly k: number;
  readonly n: number;
  readonly nDropped: number;
}

/**
 * Top-k overlap: the fraction of the `fraction`·n best cells by score that are also among the
 * `fraction`·n best cells by loss (lowest loss = best). `better` says which score direction is better.
 * k = max(1, round(fraction·n)) over the NaN-dropped pairs. Ties at the cut are broken by the original
 * index (earlier first), so the result is deterministic.
 */
export function topKOverlap(
  scores: readonly number[],
  losses: readonly number[],
  fraction: number,
  better: 'higher' | 'lower',
): TopKOverlap {
  if (scores.length !== losses.length) throw new Error('paired arrays differ in length');
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i]) && !Number.isNaN(losses[i])) idx.push(i);
  const n = idx.length;
  const nDropped = scores.length - n;
  if (n === 0) return { value: NaN, k: 0, n, nDropped };
  const k = Math.max(1, Math.min(n, Math.round(fraction * n)));
  const sgn = better === 'higher' ? -1 : 1;
  const byScore = [...idx].sort((a, b) => sgn * cmp(scores[a], scores[b]) || a - b).slice(0, k);
  const byLoss = new Set([...idx].sort((a, b) => cmp(losses[a], losses[b]) || a - b).slice(0, k));
  let hit = 0;
  for (const i of byScore) if (byLoss.has(i)) hit++;
  return { value: hit / k, k, n, nDropped };
}

/** One score column of an ensemble: values per cell and which direction is better. */
export interface EnsembleColumn {
  readonly values: readonly number[];
  readonly better: 'higher' | 'lower';
}

/** How {@link rankEnsemble} treats a NaN score of a cell. */
export type NaNPolicy =
  /** Leave that score out for that cell and renormalise the remaining weights (default). */
  | 'ignore'
  /** Give that cell the worst normalised rank (0) for that score. */
  | 'worst';

/**
 * Rank-based ensemble of several scores: each column is turned into normalised average ranks in [0, 1]
 * oriented so that 1 = best (`better` respected; n = 1 gives 0.5), then combined as the weighted mean
 * Σ wᵢ·rᵢ / Σ wᵢ over the columns the cell has (see {@link NaNPolicy}). Higher = better.
 * A cell with no usable column (or zero total weight) gets NaN. Weights must be ≥ 0.
 */
export function rankEnsemble(
  columns: readonly EnsembleColumn[],
  weights: readonly number[],
  nanPolicy: NaNPolicy = 'ignore',
): number[] {
  if (columns.length !== weights.length) throw new Error('one weight per column');
  if (columns.length === 0) return [];
  const n = columns[0].values.length;
  const norm = columns.map((c) => {
    if (c.values.length !== n) throw new Error('columns differ in length');
    return normalisedRanks(c.values, c.better);
  });
  return combineNormalised(norm, weights, nanPolicy);
}

/** Normalised oriented ranks in [0, 1] (1 = best); NaN stays NaN. */
export function normalisedRanks(values: readonly number[], better: 'higher' | 'lower'): number[] {
  const r = ranks(values);
  let m = 0;
  for (const v of values) if (!Number.isNaN(v)) m++;
  return r.map((x) => {
    if (Number.isNaN(x)) return NaN;
    if (m < 2) return 0.5;
    const u = (x - 1) / (m - 1);
    return better === 'higher' ? u : 1 - u;
  });
}

function combineNormalised(
  norm: readonly (readonly number[])[],
  weights: readonly number[],
  nanPolicy: NaNPolicy,
): number[] {
  const n = norm.length ? norm[0].length : 0;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = 0,
      w = 0;
    for (let c = 0; c < norm.length; c++) {
      const wc = weights[c];
      if (!(wc > 0)) continue;
      let v = norm[c][i];
      if (Number.isNaN(v)) {
        if (nanPolicy === 'ignore') continue;
        v = 0;
      }
      s += wc * v;
      w += wc;
    }
    out[i] = w > 0 ? s / w : NaN;
  }
  return out;
}

/** Options of {@link fitEnsembleWeights}. */
export interface FitEnsembleOptions {
  /** Number of cross-validation folds (default 5; clamped to [2, n]). */
  readonly folds?: number;
  /** Seed of the fold assignment (default 0). */
  readonly seed?: number;
  /** Initial step of the coordinate search on the simplex (default 0.2); halved until `minStep`. */
  readonly step?: number;
  /** Smallest step (default 0.025). */
  readonly minStep?: number;
  readonly nanPolicy?: NaNPolicy;
}

/** Result of {@link fitEnsembleWeights}. */
export interface FitEnsembleResult {
  /** Weights (sum 1) fitted on all data. */
  readonly weights: number[];
  /** τ-b of the ensemble (fitted on all data) vs −loss on all data: optimistic, in-sample. */
  readonly trainTau: number;
  /** Mean over folds of the held-out τ-b (weights fitted on the other folds): the honest estimate. */
  readonly cvTau: number;
  /** Held-out τ-b per fold. */
  readonly foldTaus: number[];
  /** Weights fitted in each fold. */
  readonly foldWeights: number[][];
  /**
   * The held-out rows of each fold as indices into the input arrays (`losses`, `columns[i].values`), so another
   * predictor can be scored on exactly the same folds (see `runStudy`'s ensemble baselines).
   */
  readonly foldRows: number[][];
}

/**
 * Chooses ensemble weights on the simplex that maximise Kendall τ-b between {@link rankEnsemble} and
 * −loss (i.e. the ensemble ranks low-loss cells high), by coordinate search: starting from uniform
 * weights, repeatedly move `step` of weight from one column to another while that raises the training τ;
 * when no move helps, halve the step, down to `minStep`. Cells with NaN loss are left out.
 * The generalisation estimate is k-fold cross-validation: fit on k−1 folds, τ on the held-out fold
 * (ranks normalised within the fold), averaged over folds.
 */
export function fitEnsembleWeights(
  columns: readonly EnsembleColumn[],
  losses: readonly number[],
  options: FitEnsembleOptions = {},
): FitEnsembleResult {
  const m = columns.length;
  if (m === 0) throw new Error('no columns');
  const nanPolicy = options.nanPolicy ?? 'ignore';
  const keep: number[] = [];
  for (let i = 0; i < losses.length; i++) if (!Number.isNaN(losses[i])) keep.push(i);
  const cols = columns.map((c) => ({ better: c.better, values: keep.map((i) => c.values[i]) }));
  const loss = keep.map((i) => losses[i]);
  const n = loss.length;
  const fit = (rows: readonly number[]): number[] => {
    const sub = cols.map((c) => ({ better: c.better, values: rows.map((r) => c.values[r]) }));
    const target = rows.map((r) => -loss[r]);
    const norm = sub.map((c) => normalisedRanks(c.values, c.better));
    const tauOf = (w: readonly number[]): number => {
      const e = combineNormalised(norm, w, nanPolicy);
      const v = kendallTau(e, target).value;
      return Number.isNaN(v) ? -Infinity : v;
    };
    return coordinateSearch(m, tauOf, options.step ?? 0.2, options.minStep ?? 0.025);
  };
  const all = Array.from({ length: n }, (_, i) => i);
  const weights = fit(all);
  const tauOn = (rows: readonly number[], w: readonly number[]): number =>
    kendallTau(
      rankEnsemble(
        cols.map((c) => ({ better: c.better, values: rows.map((r) => c.values[r]) })),
        w,
        nanPolicy,
      ),
      rows.map((r) => -loss[r]),
    ).value;
  const trainTau = tauOn(all, weights);
  const k = Math.max(2, Math.min(n, options.folds ?? 5));
  const rng = makeRng(options.seed ?? 0).next;
  const perm = shuffled(all, rng);
  const foldTaus: number[] = [];
  const foldWeights: number[][] = [];
  const foldRows: number[][] = [];
  if (n >= 4) {
    for (let f = 0; f < k; f++) {
      const test = perm.filter((_, i) => i % k === f);
      const train = perm.filter((_, i) => i % k !== f);
      const w = fit(train);
      foldWeights.push(w);
      foldTaus.push(tauOn(test, w));
      foldRows.push(test.map((r) => keep[r]));
    }
  }
  return { weights, trainTau, cvTau: meanDefined(foldTaus), foldTaus, foldWeights, foldRows };
}

/** Mean of the non-NaN values; NaN when there are none. */
function meanDefined(xs: readonly number[]): number {
  const d = xs.filter((t) => !Number.isNaN(t));
  return d.length ? d.reduce((a, b) => a + b, 0) / d.length : NaN;
}

function coordinateSearch(
  m: number,
  objective: (w: readonly number[]) => number,
  step0: number,
  minStep: number,
): number[] {
  let w = new Array<number>(m).fill(1 / m);
  let best = objective(w);
  if (m === 1) return [1];
  for (let step = step0; step >= minStep - 1e-12; step /= 2) {
    let improved = true;
    let guard = 0;
    while (improved && guard++ < 200) {
      improved = false;
      for (let to = 0; to < m; to++) {
        for (let from = 0; from < m; from++) {
          if (from === to || w[from] <= 1e-12) continue;
          const d = Math.min(step, w[from]);
          const cand = w.slice();
          cand[from] -= d;
          cand[to] += d;
          const v = objective(cand);
          if (v > best + 1e-12) {
            best = v;
            w = cand;
            improved = true;
          }
        }
      }
    }
  }
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => Math.round((x / s) * 1e6) / 1e6);
}

/** Fisher–Yates shuffle into a new array with the given PRNG. */
export function shuffled<T>(xs: readonly T[], rng: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
