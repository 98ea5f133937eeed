/**
 * Building a calibration (./index.ts) from the scored cells of one benchmark dataset at one preset — what
 * `cell-lens calibrate` writes, and THE code that makes the shipped WikiText-2 reference population
 * (data/reference-wikitext2.json, scripts/build-reference.ts) and the shipped predictors (data/predictor-<preset>.json,
 * scripts/build-predictor.ts):
 * - {@link buildReference}: every score's values on the trained (non-diverged) cells, its Kendall τ (95 % bootstrap
 *   interval) and Spearman ρ against −test loss, the measured direction, and three probe cells; derived scores
 *   (hybrid) recomputed from their components against the component populations just built, exactly as
 *   withDerivedScores does for a single cell against a reference;
 * - {@link trainCalibrationPredictor}: the loss predictor on the same cells and values, with its cross-validation and
 *   (`cvRepeats` > 1) the CV repeated over fold seeds seed … seed + R − 1;
 * - {@link buildCalibration}: both, with the dataset, settings, counts and engine version.
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../../recipe/types';
import { SCORE_DEFS } from '../../scoring/scores/index';
import { percentileIn, type PresetReference, type ReferenceFile, type ReferenceScore } from '../../scoring/reference';
import { SIZE_KEYS, SIZE_PRESETS, type PresetName } from '../../scoring/presets';
import { ENGINE_VERSION, SCORES, type ScoreSettings } from '../../scoring/types';
import { bootstrapCI, kendallTauClean, spearmanRhoClean } from '../stats';
import type { PredictorModel } from '../predictor';
import { repeatedCV } from '../predictor/cv';
import type { PredictorOptions } from '../predictor/fit';
import type { PredictorRow } from '../predictor/rows';
import { trainPredictor } from '../predictor/train';
import { CALIBRATION_FORMAT, CALIBRATION_VERSION, type CalibrationFile } from './index';

/** One scored benchmark cell (a `cell-lens study` results.json cell, decoded: NaN / ±Infinity as numbers). */
export interface CalibrationCell {
  readonly hash: string;
  readonly recipe: Recipe;
  readonly testLoss: number;
  readonly diverged: boolean;
  /** Set when scoring failed: the cell is left out of the calibration. */
  readonly error?: string;
  readonly scores: Readonly<Partial<Record<string, number>>>;
}

/** What a calibration is built from: a study's results (`StudyResultsFile`, decoded). */
export interface CalibrationInput {
  readonly dataset: string;
  readonly settings: ScoreSettings;
  readonly cells: readonly CalibrationCell[];
  readonly command?: string;
  readonly createdAt?: string;
}

/** Folds, bootstrap and fold-seed repeats of the predictor's cross-validation (the shipped files' defaults). */
export interface CalibrationOptions {
  /** The CV repeated over this many fold seeds (default 5, as the shipped predictors). */
  readonly cvRepeats?: number;
  /** Bootstrap resamples of the CV statistics (default 1000). */
  readonly bootstrapSamples?: number;
  /** Predictor options beyond the defaults (scripts/build-predictor.ts's experiments). */
  readonly predictor?: Omit<PredictorOptions, 'seed' | 'meta'>;
  /** Provenance stored in the predictor's `meta` besides preset, settings and dataset. */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** The clock of `createdAt` (tests). */
  readonly now?: Date;
}

function dropNaN(xs: readonly number[], ys: readonly number[]): [number[], number[]] {
  const a: number[] = [],
    b: number[] = [];
  xs.forEach((x, i) => {
    if (!Number.isNaN(x) && !Number.isNaN(ys[i])) {
      a.push(x);
      b.push(ys[i]);
    }
  });
  return [a, b];
}

/** One score's population and evidence over the trained cells. */
function population(values: readonly number[], losses: readonly number[]): ReferenceScore {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const negLoss = losses.map((l) => -l);
  const ci = bootstrapCI(values, negLoss, kendallTauClean, { samples: 1000, seed: 0 });
  const rho = spearmanRhoClean(...dropNaN(values, negLoss));
  return {
    values: finite,
    posInf: values.filter((v) => v === Infinity).length,
    negInf: values.filter((v) => v === -Infinity).length,
    nNaN: values.filter((v) => Number.isNaN(v)).length,
    tau: ci.estimate,
    tauLo: ci.lo,
    tauHi: ci.hi,
    rho,
    better: ci.estimate >= 0 ? 'higher' : 'lower',
  };
}

/** The preset whose sizes `settings` has; throws when none (a calibration is made at a preset). */
export function presetOfSettings(settings: ScoreSettings, preset?: PresetName): PresetName {
  const names = preset ? [preset] : (Object.keys(SIZE_PRESETS) as PresetName[]);
  for (const name of names) {
    const sizes = SIZE_PRESETS[name];
    const diff = SIZE_KEYS.find((k) => settings[k] !== sizes[k]);
    if (diff === undefined) return name;
    if (preset) throw new Error(`the study's ${diff} is ${settings[diff]}, the ${preset} preset's ${sizes[diff]}`);
  }
  throw new Error('the study was scored at sizes of no preset (proxy, nas-bench-nlp): it cannot be a calibration');
}

/** The trained cells (not diverged, finite loss, scored) and their values with derived scores against their populations. */
export interface CalibrationPopulation {
  readonly preset: PresetName;
  readonly reference: PresetReference;
  readonly probes: ReferenceFile['probes'];
  /** The trained cells, in the input's order, with every value the reference counts (derived ones recomputed). */
  readonly cells: readonly CalibrationCell[];
}

/**
 * The reference population of one preset: every non-derived score present in some trained cell, then the derived
 * scores against those populations; probes: the best, the median and the worst trained cell with all their values.
 */
export function buildReference(input: CalibrationInput, preset?: PresetName): CalibrationPopulation {
  const name = presetOfSettings(input.settings, preset);
  const cells = input.cells.filter((c) => !c.error && !c.diverged && Number.isFinite(c.testLoss));
  if (cells.length === 0) throw new Error(`no trained cell of ${input.dataset} was scored`);
  const losses = cells.map((c) => c.testLoss);
  const val = (c: CalibrationCell, id: string) => (typeof c.scores[id] === 'number' ? c.scores[id] : NaN);
  const scores: Record<string, ReferenceScore> = {};
  for (const d of SCORE_DEFS.filter((x) => !x.derive)) {
    if (!cells.some((c) => c.scores[d.id] !== undefined)) continue;
    scores[d.id] = population(
      cells.map((c) => val(c, d.id)),
      losses,
    );
  }
  // Derived scores against the component populations just built (directions from the registry).
  const pct = (cid: string, v: number) => {
    const r = scores[cid];
    const def = SCORE_DEFS.find((x) => x.id === cid);
    return r && def ? percentileIn(r, v, def.better) : undefined;
  };
  const derivedValues = new Map<string, number[]>();
  for (const d of SCORE_DEFS.filter((x) => x.derive)) {
    const vals = cells.map((c) => d.derive!(new Map((d.combines ?? []).map((cid) => [cid, val(c, cid)])), pct).value);
    derivedValues.set(d.id, vals);
    scores[d.id] = population(vals, losses);
  }
  const withDerived = cells.map((c, i) =>
    derivedValues.size
      ? { ...c, scores: { ...c.scores, ...Object.fromEntries([...derivedValues].map(([id, v]) => [id, v[i]])) } }
      : c,
  );
  const ranked = [...withDerived].sort((a, b) => a.testLoss - b.testLoss);
  const probes = [ranked[0], ranked[Math.floor(ranked.length / 2)], ranked[ranked.length - 1]].map((c) => ({
    preset: name,
    hash: c.hash,
    recipe: c.recipe,
    values: Object.fromEntries(
      Object.keys(scores).map((sid) => {
        const v = val(c, sid);
        return [sid, Number.isFinite(v) ? v : String(v)];
      }),
    ),
  }));
  return {
    preset: name,
    reference: {
      settings: { ...SIZE_PRESETS[name], seed: input.settings.seed, repeats: input.settings.repeats },
      nCells: cells.length,
      scores,
    },
    probes,
    cells: withDerived,
  };
}

/** Options of {@link trainCalibrationPredictor}. */
export interface CalibrationPredictorOptions extends PredictorOptions {
  /** The CV repeated over fold seeds seed … seed + R − 1 (R > 1), stored as `cvRepeats`. */
  readonly cvRepeats?: number;
}

/**
 * The predictor of a calibration: {@link trainPredictor} on the rows (its own CV at `seed`) and, with `cvRepeats` R
 * > 1, the CV at the fold seeds seed + 1 … seed + R − 1 beside it (the spread over fold splits).
 */
export function trainCalibrationPredictor(
  rows: readonly PredictorRow[],
  opts: CalibrationPredictorOptions = {},
): PredictorModel {
  const { cvRepeats = 1, ...popts } = opts;
  const model = trainPredictor(rows, popts);
  if (cvRepeats <= 1 || !model.cv) return model;
  const seed = popts.seed ?? 0;
  const seeds = Array.from({ length: cvRepeats }, (_, i) => seed + i);
  // The first seed's report is the model's own CV; the others are new splits.
  const { repeats: rep } = repeatedCV(rows, seeds.slice(1), popts);
  const first = model.cv;
  const all = {
    seeds,
    tau: [first.predictor.tau.estimate, ...rep.tau],
    rho: [first.predictor.rho.estimate, ...rep.rho],
    topK: [first.predictor.topK.estimate, ...rep.topK],
    bestSingleTau: [first.bestSingle.tau.estimate, ...rep.bestSingleTau],
  };
  const mean = (xs: number[]): number => Number((xs.reduce((a, b) => a + b, 0) / xs.length).toPrecision(4));
  return {
    ...model,
    cvRepeats: {
      ...all,
      meanTau: mean(all.tau),
      meanRho: mean(all.rho),
      meanTopK: mean(all.topK),
      meanBestSingleTau: mean(all.bestSingleTau),
    },
  };
}

/** The predictor's training rows: the trained cells with the values the reference counts. */
export function predictorRows(cells: readonly CalibrationCell[]): PredictorRow[] {
  return cells.map((c) => ({ hash: c.hash, recipe: c.recipe, scores: c.scores, testLoss: c.testLoss }));
}

/**
 * A calibration of a study's results: the reference population of its preset and the predictor trained on its
 * trained cells (features: the default scores the study computed, and the structure; seed: the study's), with the
 * CV repeated over `cvRepeats` fold seeds. Throws with the reason when the study cannot be one (no preset's sizes,
 * no trained cell, fewer than 8 cells with a finite loss).
 */
export function buildCalibration(input: CalibrationInput, options: CalibrationOptions = {}): CalibrationFile {
  const pop = buildReference(input);
  const s = input.settings;
  const predictor = trainCalibrationPredictor(predictorRows(pop.cells), {
    scoreIds: s.scores.filter((id) => SCORES[id]?.byDefault),
    ...options.predictor,
    seed: s.seed,
    cvRepeats: options.cvRepeats ?? 5,
    ...(options.bootstrapSamples !== undefined ? { bootstrapSamples: options.bootstrapSamples } : {}),
    meta: { preset: pop.preset, settings: s, dataset: input.dataset, ...options.meta },
  });
  const scored = input.cells.filter((c) => !c.error);
  return {
    format: CALIBRATION_FORMAT,
    version: CALIBRATION_VERSION,
    engineVersion: ENGINE_VERSION,
    dataset: input.dataset,
    preset: pop.preset,
    settings: { ...SIZE_PRESETS[pop.preset], seed: s.seed, repeats: s.repeats, scores: [...s.scores] },
    cells: {
      scored: scored.length,
      trained: pop.reference.nCells,
      diverged: scored.filter((c) => c.diverged).length,
      failed: input.cells.length - scored.length,
    },
    createdAt: (options.now ?? new Date()).toISOString(),
    ...(input.command !== undefined ? { command: input.command } : {}),
    reference: pop.reference,
    probes: pop.probes,
    predictor,
  };
}
