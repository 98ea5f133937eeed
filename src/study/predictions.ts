/**
 * The bundled loss predictors (data/predictor-<preset>.json, built by scripts/build-predictor.ts from the WikiText-2
 * study at that preset) and the one question the verdict (src/report/verdict.ts) asks them: what test loss does this
 * scored cell predict? A predictor applies only to a report of its own preset, seed and repeats (its features are the scores at
 * those settings). Pure; the JSON is bundled.
 */
import type { Recipe } from '../recipe/types';
import type { ScoreReport } from '../scoring/types';
import { referencePresetFor } from '../scoring/reference';
import type { PresetName } from '../scoring/presets';
import { loadPredictor, predictLoss, type LossPrediction, type PredictorModel } from './predictor';
import proxyJson from '../../data/predictor-proxy.json';
import fullJson from '../../data/predictor-nas-bench-nlp.json';

function tryLoad(json: unknown): PredictorModel | undefined {
  if (json === null || json === undefined) return undefined;
  try {
    return loadPredictor(json);
  } catch {
    return undefined;
  }
}

/** The bundled predictor of each preset (absent: none shipped for it). */
export const PREDICTORS: Readonly<Partial<Record<PresetName, PredictorModel>>> = Object.fromEntries(
  (
    [
      ['proxy', tryLoad(proxyJson)],
      ['nas-bench-nlp', tryLoad(fullJson)],
    ] as const
  ).filter(([, m]) => m !== undefined),
);

/** The dataset a predictor was fitted on. */
const datasetOf = (model: PredictorModel): string =>
  typeof model.meta.dataset === 'string' ? model.meta.dataset : 'WikiText-2';

/** A prediction with what it rests on. */
export interface CellPrediction extends LossPrediction {
  readonly preset: PresetName;
  /** Cross-validated Kendall τ of the predictor (predicted vs true test loss over the benchmark cells), if recorded. */
  readonly cvTau?: number;
  readonly nCells: number;
  readonly dataset: string;
}

/**
 * The predicted test loss of a scored cell, or undefined when no predictor applies to the report's settings.
 * `preset`: the report's reference preset when the caller already looked it up (src/report/verdict.ts does);
 * `predictors`: the predictors of a calibration (src/study/calibration) instead of the bundled ones.
 */
export function predictionFor(
  report: ScoreReport,
  recipe: Recipe,
  preset: PresetName | undefined = referencePresetFor(report.settings),
  predictors: Readonly<Partial<Record<PresetName, PredictorModel>>> = PREDICTORS,
): CellPrediction | undefined {
  const model = preset ? predictors[preset] : undefined;
  if (!preset || !model) return undefined;
  const scores = Object.fromEntries(report.results.map((r) => [r.id, r.value]));
  const p = predictLoss(model, { scores, recipe });
  if (!Number.isFinite(p.loss)) return undefined;
  return {
    ...p,
    preset,
    nCells: model.losses.length,
    dataset: datasetOf(model),
    ...(model.cv ? { cvTau: model.cv.predictor.tau.estimate } : {}),
  };
}
