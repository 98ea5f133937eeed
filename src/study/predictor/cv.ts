/**
 * Cross-validation of the loss predictor: k-fold CV grouped by canonical hash with everything fitted inside each
 * training fold (./fit), the out-of-fold τ, ρ and top-k overlap with bootstrap intervals beside the best single
 * score on the same folds, the interval model from out-of-fold residuals, the CV repeated over fold seeds, and a
 * one-line summary. Pure logic; no `vscode` import.
 */
import { SCORES } from '../../scoring/types';
import {
  bootstrapCI,
  kendallTau,
  kendallTauClean,
  quantileSorted,
  spearmanRhoClean,
  topKOverlap,
  type BootstrapResult,
} from '../stats';
import {
  designRow,
  intervalOf,
  predictModel,
  toLoss,
  transformValue,
  type CVRepeats,
  type CVReport,
  type CVStats,
  type IntervalModel,
  type StatWithCI,
} from './index';
import { fitOn, sig, type PredictorOptions } from './fit';
import { groupFolds, prepare, type PredictorRow } from './rows';

// ---------------------------------------------------------------------------------------------------------------
// Prediction intervals

const INTERVAL_BINS = 3;

/** The {@link IntervalModel} of out-of-fold (loss, predicted loss) pairs at central coverage `level`. */
export function fitInterval(pairs: readonly { loss: number; predicted: number }[], level: number): IntervalModel {
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

// ---------------------------------------------------------------------------------------------------------------
// Cross-validation

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
