/**
 * What a search can rank cells by: every train-free score (oriented by its declared direction, SCORES[id].better),
 * and the predicted test loss (src/study/predictions.ts: the bundled predictor of the report's preset; lower is
 * better, so the fitness is −loss). One vocabulary for the CLI (`cell-lens search --score`) and the editor's
 * Search Cells, with the evidence that orders the choice: each fitness's measured Kendall τ against −test loss on
 * the benchmark's trained WikiText-2 cells (data/reference-wikitext2.json; the predictor's cross-validated τ).
 * Pure; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { REFERENCE, referencePresetFor, type ReferenceFile } from '../scoring/reference';
import type { PresetName } from '../scoring/presets';
import { SCORE_IDS, SCORES, type ScoreId, type ScoreReport, type ScoreSettings } from '../scoring/types';
import { PREDICTORS, predictionFor } from '../study/predictions';
import type { PredictorModel } from '../study/predictor';
import type { Fitness } from './types';

/** The predicted test loss as a fitness. */
export const PREDICTED_LOSS = 'predicted_loss';

export type FitnessId = ScoreId | typeof PREDICTED_LOSS;

/** Every fitness: the predicted loss, then the scores in registry order. */
export const FITNESS_IDS: readonly FitnessId[] = [PREDICTED_LOSS, ...SCORE_IDS];

export function isFitnessId(x: unknown): x is FitnessId {
  return typeof x === 'string' && (FITNESS_IDS as readonly string[]).includes(x);
}

/** A fitness's name, direction and meaning. */
export interface FitnessInfo {
  readonly label: string;
  readonly better: 'higher' | 'lower';
  readonly meaning: string;
}

const PREDICTED_INFO: FitnessInfo = {
  label: 'Predicted loss',
  better: 'lower',
  meaning:
    "Test loss predicted from the cell's train-free scores and its structure by the bundled predictor of the preset (docs/predictor.md); needs every score the predictor reads, at the proxy or NAS-Bench-NLP preset.",
};

export function fitnessInfo(id: FitnessId): FitnessInfo {
  if (id === PREDICTED_LOSS) return PREDICTED_INFO;
  const { label, better, meaning } = SCORES[id];
  return { label, better, meaning };
}

/** The predictor that applies to reports of these settings (same sizes, seed and repeats as its study), if any. */
function predictorFor(settings: ScoreSettings): PredictorModel | undefined {
  const preset = referencePresetFor(settings);
  return preset ? PREDICTORS[preset] : undefined;
}

/**
 * Why a search cannot use this fitness at these settings (undefined: it can). The predicted loss needs the bundled
 * predictor of the settings' preset, which was trained on reports of seed 0 and one repeat.
 */
export function fitnessProblem(id: FitnessId, settings: ScoreSettings): string | undefined {
  if (id !== PREDICTED_LOSS || predictorFor(settings)) return undefined;
  const ps = Object.values(PREDICTORS).map((m) => `${String(m.meta.preset)} (seed ${m.seed}, 1 repeat)`);
  return `the predicted loss needs the sizes, seed and repeats of a bundled predictor: ${ps.join(' or ')}`;
}

/** The scores each report must hold for this fitness at these settings (the predicted loss: all its predictor reads). */
export function fitnessScores(id: FitnessId, settings: ScoreSettings): ScoreId[] {
  if (id !== PREDICTED_LOSS) return [id];
  return (predictorFor(settings)?.scoreIds ?? []).filter((s): s is ScoreId =>
    (SCORE_IDS as readonly string[]).includes(s),
  );
}

/** The predicted loss of a cell through a report source, as a fitness: −loss; NaN when no prediction applies. */
export function predictedLossFitness(
  source: (recipe: Recipe, hash: string) => Promise<ScoreReport | undefined>,
): Fitness {
  return async (recipe, hash) => {
    const report = await source(recipe, hash);
    const p = report ? predictionFor(report, recipe) : undefined;
    return p ? -p.loss : NaN;
  };
}

/** A fitness with its measured evidence at one preset. */
export interface RankedFitness extends FitnessInfo {
  readonly id: FitnessId;
  /**
   * Kendall τ of the fitness as the search orients it against −test loss over the benchmark's trained cells (a
   * score whose declared direction the benchmark contradicts gets a negative τ); the predicted loss: its
   * cross-validated τ. Undefined when not measured at this preset.
   */
  readonly tau?: number;
}

/** The fitnesses, best measured τ first (unmeasured last, in {@link FITNESS_IDS} order). */
export function rankedFitnesses(
  preset: PresetName,
  ref: ReferenceFile = REFERENCE,
  predictors: Readonly<Partial<Record<PresetName, PredictorModel>>> = PREDICTORS,
): RankedFitness[] {
  const tauOf = (id: FitnessId): number | undefined => {
    if (id === PREDICTED_LOSS) return predictors[preset]?.cv?.predictor.tau.estimate;
    const r = ref.presets[preset]?.scores[id];
    if (!r || !Number.isFinite(r.tau)) return undefined;
    return SCORES[id].better === 'higher' ? r.tau : -r.tau;
  };
  const all = FITNESS_IDS.map((id, order) => ({ id, order, tau: tauOf(id) }));
  return all
    .sort((a, b) => (b.tau ?? -Infinity) - (a.tau ?? -Infinity) || a.order - b.order)
    .map(({ id, tau }) => ({ id, ...fitnessInfo(id), ...(tau !== undefined ? { tau } : {}) }));
}
