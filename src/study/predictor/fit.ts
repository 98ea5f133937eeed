/**
 * Fitting the loss predictor's pipeline on some training rows — the same procedure for the shipped model and for
 * each outer fold of the cross-validation: the feature transforms (probit of the empirical CDF, imputation, missing
 * flags, standardisation), the target transform, ridge regression (the Cholesky of src/shared/linalg.ts), gradient-
 * boosted regression trees, and the hyper-parameters chosen by inner k-fold CV maximising Kendall τ.
 *
 * Deterministic for a seed (randomness only from makeRng, src/scoring/rng.ts). Pure logic; no `vscode` import.
 */
import { makeRng } from '../../scoring/rng';
import { cholesky, choleskySolve } from '../../shared/linalg';
import { kendallTau, quantileSorted, shuffled } from '../stats';
import {
  designRow,
  predictModel,
  predictTree,
  probit,
  transformValue,
  type BoostModel,
  type FeatureTransform,
  type FittedModel,
  type PredictorModelKind,
  type RidgeModel,
  type TreeNode,
} from './index';
import { groupFolds, type FeatureChoice, type Prepared } from './rows';

/** Options of {@link trainPredictor} and {@link crossValidate}. */
export interface PredictorOptions extends FeatureChoice {
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

const DEFAULT_ALPHAS: readonly number[] = [0.3, 1, 3, 10, 30, 100, 300];
const DEFAULT_DEPTHS: readonly number[] = [2];
const DEFAULT_ROUNDS: readonly number[] = [100, 200, 400, 800];
const LEARNING_RATE = 0.05;
const SUBSAMPLE = 0.8;
const MIN_LEAF = 3;
const MAX_KNOTS = 65;

/** Rounds to `sig` significant digits (to keep the model file small and its JSON stable). */
export function sig(x: number, digits = 6): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

// ---------------------------------------------------------------------------------------------------------------
// Features

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

// ---------------------------------------------------------------------------------------------------------------
// Models

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

// ---------------------------------------------------------------------------------------------------------------
// The pipeline, with hyper-parameters by inner CV

/** A fitted pipeline (transforms + model) with the hyper-parameters chosen and the inner-CV τ of each choice. */
export interface Fit {
  readonly transforms: FeatureTransform[];
  readonly model: FittedModel;
  readonly sortedLoss: number[];
  readonly choice: Record<string, number>;
  readonly innerTau: Record<string, number>;
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

/** Fits the whole pipeline of `o.model` on rows `idx` of `P`. */
export function fitOn(P: Prepared, idx: readonly number[], o: PredictorOptions, seed: number): Fit {
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
