/**
 * Calibrations: what turns a cell's scores into percentiles and a predicted test loss — the reference population of
 * every score and the loss predictor — for ONE benchmark dataset at ONE preset (sizes, seed, repeats), made by
 * `cell-lens calibrate` on the user's own benchmark logs (./build.ts) and written as `calibration.json`. The bundled
 * WikiText-2 files (data/reference-wikitext2.json, data/predictor-<preset>.json) are made by the same code and are
 * {@link BUNDLED_CALIBRATION}, the default.
 *
 * This module is the file format, its check ({@link checkCalibration}: malformed, empty, stale or foreign files are
 * refused with the reason) and {@link Calibration}, the source the verdict (src/report/verdict.ts) reads its
 * populations and predictor from. A calibration applies only to reports of its preset's sizes, seed and repeats (the
 * one rule of `referencePresetFor`). Pure logic; no `vscode` import.
 */
import { ENGINE_VERSION, SCORES, type ScoreSettings } from '../../scoring/types';
import {
  REFERENCE,
  referencePresetFor,
  type PresetReference,
  type ReferenceFile,
  type ReferenceScore,
} from '../../scoring/reference';
import { SIZE_KEYS, SIZE_PRESETS, isPresetName, type PresetName } from '../../scoring/presets';
import type { ModelSizes } from '../../scoring/settings';
import { loadPredictor, type PredictorModel } from '../predictor';
import { PREDICTORS } from '../predictions';
import type { PredictorSummary } from '../protocol';

export const CALIBRATION_FORMAT = 'cell-lens-calibration';
export const CALIBRATION_VERSION = 1;

/** `calibration.json`. */
export interface CalibrationFile {
  readonly format: typeof CALIBRATION_FORMAT;
  readonly version: number;
  /** ENGINE_VERSION the scores were computed with: another engine's scores are other numbers. */
  readonly engineVersion: number;
  /** The benchmark dataset of the losses (e.g. `PTB`). */
  readonly dataset: string;
  readonly preset: PresetName;
  /** The scoring settings: the preset's sizes, seed, repeats and the scores computed. */
  readonly settings: ModelSizes & { readonly seed: number; readonly repeats: number; readonly scores: string[] };
  /** Cells scored (failed ones apart), of them trained (the population) and diverged. */
  readonly cells: {
    readonly scored: number;
    readonly trained: number;
    readonly diverged: number;
    readonly failed: number;
  };
  readonly createdAt?: string;
  readonly command?: string;
  /** Every score's population over the trained cells (percentiles) with its evidence. */
  readonly reference: PresetReference;
  /** The best, the median and the worst trained cell with all their values (a freshness check). */
  readonly probes: ReferenceFile['probes'];
  /** The loss predictor trained on the trained cells' losses, with its cross-validation. */
  readonly predictor: PredictorModel;
}

/** Where a verdict's population and prediction come from. */
export interface Calibration {
  /** Tells calibrations apart in caches (`bundled`, or the file and its creation time). */
  readonly id: string;
  readonly dataset: string;
  /** Populations by preset (a calibration file has one preset). */
  readonly reference: ReferenceFile;
  readonly predictors: Readonly<Partial<Record<PresetName, PredictorModel>>>;
  /** The bundled WikiText-2 one (surfaces name the dataset of any other). */
  readonly bundled: boolean;
  /** The file it was read from. */
  readonly source?: string;
}

/** The bundled WikiText-2 calibration (proxy and nas-bench-nlp presets): the default. */
export const BUNDLED_CALIBRATION: Calibration = {
  id: 'bundled',
  dataset: REFERENCE.dataset,
  reference: REFERENCE,
  predictors: PREDICTORS,
  bundled: true,
};

/** A calibration that cannot be used, with the reason. */
export class CalibrationError extends Error {}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

function checkScore(id: string, r: unknown): string | undefined {
  if (!isObject(r)) return `the population of ${id} is not an object`;
  const v = r.values;
  if (!Array.isArray(v) || v.some((x, i) => typeof x !== 'number' || !Number.isFinite(x) || (i > 0 && x < v[i - 1])))
    return `the population of ${id} is not an ascending list of finite numbers`;
  if (!isCount(r.posInf) || !isCount(r.negInf) || !isCount(r.nNaN)) return `the population of ${id} lacks its counts`;
  if (r.better !== 'higher' && r.better !== 'lower') return `the population of ${id} has no direction`;
  if (typeof r.tau !== 'number' || typeof r.tauLo !== 'number' || typeof r.tauHi !== 'number')
    return `the population of ${id} lacks its τ`;
  return undefined;
}

/** What {@link checkCalibration} may require of a file. */
export interface CalibrationExpectations {
  /** The dataset the caller calibrates (e.g. the loaded benchmark's): another one is foreign. */
  readonly dataset?: string;
}

/**
 * Checks a parsed `calibration.json`; throws a {@link CalibrationError} with the reason when it is malformed (not a
 * calibration, fields missing or of the wrong kind), empty (no trained cell, no score), stale (another format
 * version or engine version, or its preset's sizes are no longer the preset's) or foreign (another dataset than
 * expected).
 */
export function checkCalibration(json: unknown, expect: CalibrationExpectations = {}): CalibrationFile {
  const fail = (why: string): never => {
    throw new CalibrationError(why);
  };
  if (!isObject(json)) return fail('not a calibration: not a JSON object');
  if (json.format !== CALIBRATION_FORMAT) return fail(`not a calibration: format is not "${CALIBRATION_FORMAT}"`);
  if (json.version !== CALIBRATION_VERSION)
    return fail(
      `stale: calibration format version ${String(json.version)}, this Cell Lens reads ${CALIBRATION_VERSION}`,
    );
  if (json.engineVersion !== ENGINE_VERSION)
    return fail(
      `stale: scored with engine version ${String(json.engineVersion)}, this Cell Lens scores with engine ${ENGINE_VERSION} (other numbers): calibrate again`,
    );
  if (typeof json.dataset !== 'string' || !json.dataset.trim()) return fail('malformed: no dataset name');
  if (!isPresetName(json.preset)) return fail(`malformed: unknown preset ${JSON.stringify(json.preset)}`);
  const preset = json.preset;
  const s = json.settings;
  if (!isObject(s) || !isCount(s.seed) || !isCount(s.repeats) || !Array.isArray(s.scores))
    return fail('malformed: settings (seed, repeats, scores) missing');
  const sizes = SIZE_PRESETS[preset];
  const stale = SIZE_KEYS.find((k) => s[k] !== sizes[k]);
  if (stale)
    return fail(
      `stale: made at ${stale} ${String(s[stale])}, the ${preset} preset is now ${stale} ${sizes[stale]}: calibrate again`,
    );
  const ref = json.reference;
  if (!isObject(ref) || !isObject(ref.settings) || !isObject(ref.scores) || !isCount(ref.nCells))
    return fail('malformed: no reference population');
  const rs = ref.settings;
  if (SIZE_KEYS.some((k) => rs[k] !== sizes[k]) || rs.seed !== s.seed || rs.repeats !== s.repeats)
    return fail("malformed: the reference population's settings are not the calibration's");
  if (ref.nCells === 0) return fail(`empty: no trained ${json.dataset} cell in the population`);
  const ids = Object.keys(ref.scores);
  if (ids.length === 0) return fail('empty: no score in the population');
  for (const id of ids) {
    if (!(id in SCORES)) return fail(`malformed: unknown score "${id}" (made by another Cell Lens?)`);
    const why = checkScore(id, ref.scores[id]);
    if (why) return fail(`malformed: ${why}`);
    const r = ref.scores[id] as ReferenceScore;
    if (r.values.length + r.posInf + r.negInf + r.nNaN !== ref.nCells)
      return fail(`malformed: the population of ${id} does not count ${ref.nCells} cells`);
  }
  if (!isObject(json.cells) || !isCount(json.cells.trained) || json.cells.trained !== ref.nCells)
    return fail('malformed: cell counts missing or not the population');
  if (!Array.isArray(json.probes)) return fail('malformed: no probes');
  let predictor: PredictorModel;
  try {
    predictor = loadPredictor(json.predictor);
  } catch (e) {
    return fail(`malformed: ${(e as Error).message}`);
  }
  if (predictor.losses.length === 0) return fail('empty: the predictor has no training losses');
  if (predictor.meta.dataset !== json.dataset)
    return fail(`malformed: the predictor is of ${String(predictor.meta.dataset)}, the population of ${json.dataset}`);
  if (expect.dataset !== undefined && expect.dataset !== json.dataset)
    return fail(`foreign: a calibration of ${json.dataset}, not of ${expect.dataset}`);
  return json as unknown as CalibrationFile;
}

/** The verdict's source of a checked calibration file. */
export function calibrationOf(file: CalibrationFile, source?: string): Calibration {
  return {
    id: `${source ?? file.dataset}|${file.createdAt ?? ''}`,
    dataset: file.dataset,
    reference: {
      version: 1,
      engineVersion: file.engineVersion,
      dataset: file.dataset,
      ...(file.createdAt !== undefined ? { createdAt: file.createdAt } : {}),
      ...(file.command !== undefined ? { command: file.command } : {}),
      presets: { [file.preset]: file.reference },
      probes: file.probes,
    },
    predictors: { [file.preset]: file.predictor },
    bundled: false,
    ...(source !== undefined ? { source } : {}),
  };
}

/** A calibration of a file's text (JSON): checked ({@link checkCalibration}), or a CalibrationError with the reason. */
export function parseCalibration(text: string, source?: string, expect?: CalibrationExpectations): Calibration {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CalibrationError(`not a calibration: not JSON (${(e as Error).message})`);
  }
  return calibrationOf(checkCalibration(json, expect), source);
}

/**
 * The cross-validation of a calibration's predictor that applies to scores at `settings` (the verdict's rule: its
 * preset's sizes, seed and repeats), with its dataset, preset and, for a user's calibration, its file (what the study
 * panel's predictor line states); undefined when none applies. Default: the bundled WikiText-2 predictors.
 */
export function predictorSummaryFor(
  settings: ScoreSettings,
  cal: Calibration = BUNDLED_CALIBRATION,
): PredictorSummary | undefined {
  const preset = referencePresetFor(settings, cal.reference);
  const model = preset ? cal.predictors[preset] : undefined;
  if (!preset || !model?.cv) return undefined;
  return { cv: model.cv, dataset: cal.dataset, preset, ...(cal.bundled ? {} : { calibration: cal.source ?? '' }) };
}

/**
 * The calibration for a benchmark of `datasets` (the loaded logs' datasets): the first of `calibrations` whose
 * dataset is one of them, else the bundled one.
 */
export function calibrationFor(datasets: readonly string[], calibrations: readonly Calibration[]): Calibration {
  return calibrations.find((c) => datasets.includes(c.dataset)) ?? BUNDLED_CALIBRATION;
}
