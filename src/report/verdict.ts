/**
 * THE verdict on a scored cell, computed once per report and formatted by every surface (lens, hover, graph side
 * panel, table, compare, CLI): each score's value text, its percentile within a NAMED reference population ("of 258
 * WikiText-2 cells, proxy preset"), the measured direction with its evidence (Kendall τ), and the predicted test loss
 * with its interval and the dataset it is for. Population and predictor come from a calibration
 * (src/study/calibration: the bundled WikiText-2 one by default, or the user's, see {@link useCalibration}); its
 * reference is read once per verdict and its predictor (src/study/predictions.ts) runs once per verdict (one
 * structure analysis of the recipe), so no two surfaces can show different numbers for the same cell. A calibration
 * applies only to reports of its preset's sizes, seed and repeats (`referencePresetFor`). Pure; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { percentileIn, referencePresetFor, withDerivedScores } from '../scoring/reference';
import type { PresetName } from '../scoring/presets';
import { settingsKey } from '../scoring/cache';
import { SCORES, SCORE_IDS, type ScoreId, type ScoreReport, type ScoreResult } from '../scoring/types';
import { predictionFor, type CellPrediction } from '../study/predictions';
import { BUNDLED_CALIBRATION, type Calibration } from '../study/calibration';
import {
  formatPredictedLoss,
  formatStat,
  formatValue,
  formatInteger,
  formatWithSpread,
  ordinal,
  type ValueKind,
} from '../shared/format';

/** A score's measured rank correlation with −test loss over the reference population (95 % interval). */
export interface Evidence {
  readonly tau: number;
  readonly tauLo: number;
  readonly tauHi: number;
  /** `τ 0.37 [0.33, 0.41]`. */
  readonly text: string;
}

/** The reference population a percentile is counted in. */
export interface Population {
  readonly dataset: string;
  readonly preset: PresetName;
  /** Trained cells in it. */
  readonly nCells: number;
  /** `of 258 WikiText-2 cells, proxy preset`. */
  readonly text: string;
  /** From a calibration of the user's (not the bundled one): the short titles name the dataset too. */
  readonly calibrated: boolean;
  /** Evidence of every score the population has (also those a report lacks: table and compare columns). */
  readonly evidence: Readonly<Partial<Record<ScoreId, Evidence>>>;
}

/** One score of the verdict. */
export interface ScoreVerdict {
  readonly id: ScoreId;
  readonly result: ScoreResult;
  readonly label: string;
  /** The declared direction (measured on the benchmark, see ScoreDef.better). */
  readonly better: 'higher' | 'lower';
  readonly kind: ValueKind;
  /** The value as the lens title shows it: `12.3`, `20.4M`, `NaN`. */
  readonly value: string;
  /** With its spread after repeats: `12.3 ± 0.5` (lens tooltip, table, compare, side panel). */
  readonly text: string;
  /** The same with counts in full: `20,352,000` (hover, CLI). */
  readonly exactText: string;
  /** Oriented percentile (0 … 100, 100 = best) in the population; absent for NaN or without a population. */
  readonly percentile?: number;
  /** `82nd`. */
  readonly percentileText?: string;
  readonly evidence?: Evidence;
}

/** The predicted test loss, with its texts. */
export interface PredictionVerdict extends CellPrediction {
  /** `4.93 [4.71, 5.18]` (the 80 % interval when finite). */
  readonly lossText: string;
  /** `top 20%`. */
  readonly topText: string;
  /** From a calibration of the user's (not the bundled one): the short titles name the dataset too. */
  readonly calibrated: boolean;
}

/** Everything the surfaces show about a scored cell. */
export interface CellVerdict {
  readonly report: ScoreReport;
  /** The reference population of the report's settings; absent when none applies (custom sizes, seed, repeats). */
  readonly population?: Population;
  /** One per result, in the report's order. */
  readonly scores: readonly ScoreVerdict[];
  readonly byId: ReadonlyMap<ScoreId, ScoreVerdict>;
  /** Whether a recipe was given (the prediction needs it). */
  readonly predicted: boolean;
  /** Absent without a recipe or without a predictor for the settings. */
  readonly prediction?: PredictionVerdict;
}

/** How a score's value reads: the parameter count is a count, every other score a score. */
export function valueKind(id: string): ValueKind {
  return id === 'params' ? 'count' : 'score';
}

function evidenceOf(r: { tau: number; tauLo: number; tauHi: number }): Evidence | undefined {
  if (!Number.isFinite(r.tau)) return undefined;
  const f = (x: number) => formatStat(x, 2);
  return { tau: r.tau, tauLo: r.tauLo, tauHi: r.tauHi, text: `τ ${f(r.tau)} [${f(r.tauLo)}, ${f(r.tauHi)}]` };
}

function populationOf(preset: PresetName | undefined, cal: Calibration): Population | undefined {
  const ref = cal.reference;
  const p = preset ? ref.presets[preset] : undefined;
  if (!preset || !p) return undefined;
  const evidence: Partial<Record<ScoreId, Evidence>> = {};
  for (const id of SCORE_IDS) {
    const r = p.scores[id];
    const e = r && evidenceOf(r);
    if (e) evidence[id] = e;
  }
  return {
    dataset: ref.dataset,
    preset,
    nCells: p.nCells,
    text: `of ${formatInteger(p.nCells)} ${ref.dataset} cells, ${preset} preset`,
    calibrated: !cal.bundled,
    evidence,
  };
}

function predictionVerdict(p: CellPrediction | undefined, cal: Calibration): PredictionVerdict | undefined {
  return (
    p && {
      ...p,
      lossText: formatPredictedLoss(p.loss, p.lo, p.hi),
      topText: `top ${p.topPercent}%`,
      calibrated: !cal.bundled,
    }
  );
}

/** The verdict of a report, computed now (see {@link cellVerdict} for the cached one). */
export function computeVerdict(report: ScoreReport, recipe?: Recipe, cal: Calibration = active): CellVerdict {
  return build(report, cal, recipe ? { recipe } : undefined);
}

/** The verdict; its prediction from the recipe, or one already made for the same cell and values (`known`). */
function build(
  given: ScoreReport,
  cal: Calibration,
  predict?: { recipe: Recipe } | { known: PredictionVerdict | undefined },
): CellVerdict {
  const ref = cal.reference;
  const preset = referencePresetFor(given.settings, ref);
  // Derived scores (hybrid) are percentiles of their components: against a user's calibration, they are its.
  const report = preset && !cal.bundled ? withDerivedScores(given, ref) : given;
  const population = populationOf(preset, cal);
  const refScores = preset ? ref.presets[preset]?.scores : undefined;
  const scores = report.results.map((r): ScoreVerdict => {
    const info = SCORES[r.id];
    const kind = valueKind(r.id);
    const better = info?.better ?? 'higher';
    const pop = refScores?.[r.id];
    const percentile = pop ? percentileIn(pop, r.value, better) : undefined;
    const evidence = population?.evidence[r.id];
    return {
      id: r.id,
      result: r,
      label: info?.label ?? r.id,
      better,
      kind,
      value: formatValue(r.value, kind),
      text: formatWithSpread(r, kind),
      exactText: formatWithSpread(r, kind, true),
      ...(percentile !== undefined ? { percentile, percentileText: ordinal(percentile) } : {}),
      ...(evidence ? { evidence } : {}),
    };
  });
  const prediction = !predict
    ? undefined
    : 'known' in predict
      ? predict.known
      : preset
        ? predictionVerdict(predictionFor(report, predict.recipe, preset, cal.predictors), cal)
        : undefined;
  return {
    report,
    ...(population ? { population } : {}),
    scores,
    byId: new Map(scores.map((s) => [s.id, s])),
    predicted: predict !== undefined,
    ...(prediction ? { prediction } : {}),
  };
}

/** Whether two reports have the same values (the verdict reads nothing else of the results). */
function sameResults(a: ScoreReport, b: ScoreReport): boolean {
  if (a === b) return true;
  if (a.results.length !== b.results.length) return false;
  return a.results.every((r, i) => {
    const s = b.results[i];
    return (
      r.id === s.id &&
      Object.is(r.value, s.value) &&
      Object.is(r.std, s.std) &&
      r.repeats === s.repeats &&
      r.reason === s.reason
    );
  });
}

const MAX_CACHED = 2000;
/** By calibration, cell and settings: the report asked about and its verdict (whose report may re-derive it). */
const cache = new Map<string, { given: ScoreReport; verdict: CellVerdict }>();

let active: Calibration = BUNDLED_CALIBRATION;

/**
 * The calibration every verdict reads from now on (the editor: the one of the loaded benchmark's dataset, see
 * `calibrationFor`; undefined: the bundled WikiText-2 one). Returns whether it changed (surfaces then refresh).
 */
export function useCalibration(cal: Calibration | undefined): boolean {
  const next = cal ?? BUNDLED_CALIBRATION;
  if (next.id === active.id) return false;
  active = next;
  return true;
}

/** The calibration verdicts read now. */
export function activeCalibration(): Calibration {
  return active;
}

/**
 * The verdict of a report, cached by (report hash, settings key): the lens, the hover, the side panel and the table
 * ask for the same cell again and again. A report's hash is its cell's canonical hash, so any recipe of the cell (an
 * isomorphic copy included) has the same structure features and the same prediction: a report with the same values
 * reuses the cached prediction (the percentiles, binary searches, are recounted for a new report object). A verdict
 * made without a recipe gains its prediction when a later caller gives one.
 */
export function cellVerdict(report: ScoreReport, recipe?: Recipe, cal: Calibration = active): CellVerdict {
  const key = `${cal.id}|${report.hash}|${settingsKey(report.settings)}`;
  const hit = cache.get(key);
  if (hit && hit.given === report && (hit.verdict.predicted || !recipe)) return hit.verdict;
  const same = hit !== undefined && sameResults(hit.given, report);
  const v =
    same && hit.verdict.predicted
      ? build(report, cal, { known: hit.verdict.prediction })
      : build(report, cal, recipe ? { recipe } : undefined);
  cache.delete(key);
  cache.set(key, { given: report, verdict: v });
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return v;
}
