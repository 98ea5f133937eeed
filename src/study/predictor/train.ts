/**
 * Training the shipped loss predictor (data/predictor-<preset>.json, built by scripts/build-predictor.ts): the
 * pipeline of ./fit on all usable rows, and the cross-validation of ./cv for its interval and its CV summary.
 * Pure logic; no `vscode` import.
 */
import { PREDICTOR_FORMAT, PREDICTOR_VERSION, type PredictorModel } from './index';
import { fitOn, type PredictorOptions } from './fit';
import { crossValidate, fitInterval } from './cv';
import { prepare, type PredictorRow } from './rows';

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
