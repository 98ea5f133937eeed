/**
 * Suggested edits: the single edits of a cell (src/search/suggest.ts) scored at a preset that has a predictor in the
 * calibration (the bundled WikiText-2 one, or the user's: see `useCalibration`), each given its predicted test loss
 * by THE verdict (./verdict.ts: the loss with its 80 % interval and its predicted percentile among the calibration's
 * trained cells, the same numbers the lens shows for that cell), ranked by predicted loss, with Δ against the
 * original cell's predicted loss. The scorer is the caller's (the process pool in the CLI and the editor, a fake
 * in tests); this module decides what to score, in which order, and how to rank. Cancellable (AbortSignal: no
 * further cell is started, what was scored is ranked) with progress events. Pure; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { canonicalHash } from '../recipe/canonical';
import { SIZE_PRESETS, type PresetName } from '../scoring/presets';
import { SCORE_IDS, type BackendChoice, type ScoreId, type ScoreReport, type ScoreSettings } from '../scoring/types';
import { singleEdits, type SingleEdit } from '../search/suggest';
import type { Scorer } from '../study/runner';
import type { Calibration } from '../study/calibration';
import { formatLoss } from '../shared/format';
import { activeCalibration, cellVerdict, type PredictionVerdict } from './verdict';

/** Default number of suggestions shown. */
export const DEFAULT_TOP = 5;
/** Default cap on the edits scored (the goal: ≈ 60 candidates in ≤ 3 s on 2 cores at the proxy preset). */
export const DEFAULT_CANDIDATES = 60;

/** A calibration's predictor in words: `bundled predictor`, `predictor of the PTB calibration`. */
const predictorName = (cal: Calibration): string =>
  cal.bundled ? 'bundled predictor' : `predictor of the ${cal.dataset} calibration`;

/**
 * The settings edits are scored at: the preset's sizes, the scores the calibration's predictor of the preset reads
 * (no other), and the seed and repeats it was trained on (the bundled ones: seed 0, one repeat). The predictor reads
 * nothing else of a report, so a report of the same cell with more scores gives the same prediction. Throws when
 * the calibration has no predictor for the preset.
 */
export function suggestSettings(
  preset: PresetName,
  backend: BackendChoice = 'auto',
  cal: Calibration = activeCalibration(),
): ScoreSettings {
  const model = cal.predictors[preset];
  const trained = cal.reference.presets[preset]?.settings;
  const scores = (model?.scoreIds ?? []).filter((id): id is ScoreId => (SCORE_IDS as readonly string[]).includes(id));
  if (!trained || scores.length === 0) throw new Error(`no ${predictorName(cal)} for the ${preset} preset`);
  return { ...SIZE_PRESETS[preset], scores, seed: trained.seed, repeats: trained.repeats, backend };
}

/** One suggested edit, scored and predicted. */
export interface Suggestion {
  readonly edit: SingleEdit;
  readonly report: ScoreReport;
  /** The verdict's prediction of the edited cell (loss, 80 % interval, percentile, texts). */
  readonly prediction: PredictionVerdict;
  /** Predicted loss of the edited cell − predicted loss of the original (negative: predicted to help). */
  readonly delta: number;
}

/** What {@link suggestEdits} found. */
export interface SuggestResult {
  readonly hash: string;
  readonly settings: ScoreSettings;
  /** Whose predictor ranked the edits and whose trained cells the percentiles are among. */
  readonly calibration: Calibration;
  /** The original cell's report and prediction. */
  readonly report: ScoreReport;
  readonly prediction: PredictionVerdict;
  /** The best `top` edits by predicted loss (lowest first; ties in enumeration order). */
  readonly suggestions: Suggestion[];
  /** Edits scored and predicted. */
  readonly scored: number;
  /** Of those, predicted to lower the loss (Δ < 0). */
  readonly improving: number;
  /** Edits whose scoring failed (left out). */
  readonly failed: number;
  /** Single edits of the cell before the cap, and whether the cap drew a subset. */
  readonly enumerated: number;
  readonly capped: boolean;
  /** Cancelled: the ranking is of what was scored before. */
  readonly aborted: boolean;
}

/** Progress: `done` of `total` cells (the original first, then the edits) scored or failed. */
export interface SuggestProgress {
  readonly done: number;
  readonly total: number;
  /** The edit just finished (absent for the original). */
  readonly edit?: SingleEdit;
}

export interface SuggestOptions {
  readonly preset?: PresetName;
  readonly backend?: BackendChoice;
  /** Suggestions returned (default {@link DEFAULT_TOP}). */
  readonly top?: number;
  /** Edits scored at most (default {@link DEFAULT_CANDIDATES}). */
  readonly candidates?: number;
  /** Seed of the draw of the edits when there are more than `candidates` (default 0). */
  readonly seed?: number;
  /** Cells scored at once (default 1); the result is the same for any value. */
  readonly parallel?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SuggestProgress) => void;
  /** The original's report at the suggest settings (or with more scores), when the caller has it. */
  readonly report?: ScoreReport;
  /** Whose predictor and population (default: the active one, as the lens's, see `useCalibration`). */
  readonly calibration?: Calibration;
}

/** Δ as the surfaces show it: `−0.042`, `+0.013`. */
export function formatDelta(delta: number): string {
  if (!Number.isFinite(delta)) return '—';
  const t = formatLoss(Math.abs(delta));
  return `${delta < 0 ? '−' : '+'}${t}`;
}

/** The prediction of a report, or an error saying why there is none. */
function predictionOf(report: ScoreReport, recipe: Recipe, cal: Calibration): PredictionVerdict {
  const p = cellVerdict(report, recipe, cal).prediction;
  if (!p) throw new Error(`no predicted loss for this report (no ${predictorName(cal)} applies to its settings)`);
  return p;
}

/**
 * Scores the single edits of `recipe` and ranks them by predicted loss (see the module comment). Rejects when the
 * original cannot be scored or predicted (nothing to compare with); an edit that fails is left out and counted.
 */
export async function suggestEdits(recipe: Recipe, scorer: Scorer, opts: SuggestOptions = {}): Promise<SuggestResult> {
  const cal = opts.calibration ?? activeCalibration();
  const settings = suggestSettings(opts.preset ?? 'proxy', opts.backend, cal);
  const hash = canonicalHash(recipe);
  const { edits, enumerated, capped } = singleEdits(recipe, {
    max: opts.candidates ?? DEFAULT_CANDIDATES,
    seed: opts.seed ?? 0,
  });
  const signal = opts.signal ?? new AbortController().signal;
  const total = edits.length + 1;
  let done = 0;
  const report = opts.report ?? (await scorer(recipe, settings, signal, hash));
  const prediction = predictionOf(report, recipe, cal);
  opts.onProgress?.({ done: ++done, total });
  const scored = new Array<Suggestion | undefined>(edits.length);
  let failed = 0,
    next = 0;
  const worker = async (): Promise<void> => {
    while (next < edits.length && !signal.aborted) {
      const i = next++;
      const edit = edits[i];
      try {
        const r = await scorer(edit.recipe, settings, signal, edit.hash);
        const p = predictionOf(r, edit.recipe, cal);
        scored[i] = { edit, report: r, prediction: p, delta: p.loss - prediction.loss };
      } catch {
        if (signal.aborted) return;
        failed++;
      }
      opts.onProgress?.({ done: ++done, total, edit });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, edits.length)) }, worker));
  const all = scored
    .map((s, i) => ({ s, i }))
    .filter((x): x is { s: Suggestion; i: number } => x.s !== undefined)
    .sort((a, b) => a.s.prediction.loss - b.s.prediction.loss || a.i - b.i)
    .map((x) => x.s);
  return {
    hash,
    settings,
    calibration: cal,
    report,
    prediction,
    suggestions: all.slice(0, opts.top ?? DEFAULT_TOP),
    scored: all.length,
    improving: all.filter((s) => s.delta < 0).length,
    failed,
    enumerated,
    capped,
    aborted: signal.aborted,
  };
}
