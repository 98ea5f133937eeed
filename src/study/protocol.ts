/**
 * THE message protocol between the extension host and the "Score Correlations" webview (webview/plots.ts),
 * versioned. Both sides validate what they receive (`isToStudyWebview` / `isFromStudyWebview`) and drop the rest.
 * Pure: no `vscode`, no DOM. Numbers that may be NaN / ±∞ travel as `null` (JSON-safe; the webview reads null as
 * "not finite").
 */
import { SCORE_IDS, isScoreId, type ScoreId } from '../scoring/ids';
import { formatStat } from '../shared/format';
import type { StudyResult } from './study';
import { bestSingleScore } from './best';
import { isXScaleChoice, type ScatterSpec, type XScaleChoice } from './scatter';
import type { PredictorModel } from './predictor';

/** Bumped on any incompatible change; the webview ignores `study` messages of another version. */
export const STUDY_PROTOCOL_VERSION = 1;

/** The view type of the panel. */
export const STUDY_VIEW_TYPE = 'cellLens.scoreCorrelations';

/** One cell of a plot. */
export interface PlotPoint {
  readonly hash: string;
  readonly label: string;
  /** Score value; null when NaN / ±∞. */
  readonly x: number | null;
  /** Final test loss; null for a diverged cell. */
  readonly y: number | null;
}

/** One score's plot and its statistics (τ, ρ vs test loss, oriented). */
export interface PlotPayload {
  readonly id: ScoreId;
  readonly label: string;
  readonly better: 'higher' | 'lower';
  readonly tau: number | null;
  readonly tauLo: number | null;
  readonly tauHi: number | null;
  readonly rho: number | null;
  readonly topK: number | null;
  /** Cells used for τ and cells with a NaN score. */
  readonly n: number;
  readonly nNaN: number;
  readonly points: readonly PlotPoint[];
  /** The cells of the open file at their score (null: NaN / ±∞), drawn as labelled lines. */
  readonly marks?: readonly { readonly label: string; readonly hash: string; readonly x: number | null }[];
}

/** Show a study. */
export interface StudyMessage {
  readonly type: 'study';
  readonly version: number;
  readonly title: string;
  /** e.g. "WikiText-2 · 260 cells · proxy preset · seed 0". */
  readonly subtitle: string;
  readonly dataset: string;
  readonly plots: readonly PlotPayload[];
  /** One line about the ensemble, e.g. "Learned rank ensemble: cross-validated τ 0.366 (…; same folds: …)". */
  readonly ensemble?: string;
  /** The best single score ({@link bestSingleScore}): its id (the plot shown first) and its line (table's τ). */
  readonly best?: ScoreId;
  readonly bestLine?: string;
  /** The bundled loss predictor's cross-validated τ, ρ and top-k, on which cells, dataset and preset. */
  readonly predictor?: string;
  /** False when the study covers only part of the cells (cancelled). */
  readonly complete: boolean;
}

export type ToStudyWebview = StudyMessage;

export interface StudyReadyMessage {
  readonly type: 'ready';
}
/** Open a cell's recipe (as an untitled JSON document). */
export interface OpenCellMessage {
  readonly type: 'openCell';
  readonly hash: string;
}
/** Export one score's plot as SVG; `theme` picks the colours. */
export interface ExportSvgMessage {
  readonly type: 'exportSvg';
  readonly id: ScoreId;
  readonly theme: 'light' | 'dark';
  /** The x axis shown (the SVG draws the same); absent: 'auto'. */
  readonly xScale?: XScaleChoice;
}
export interface StudyLogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FromStudyWebview = StudyReadyMessage | OpenCellMessage | ExportSvgMessage | StudyLogMessage;

/** What the webview persists (re-rendered when the panel becomes visible again). */
export interface StudyWebviewState {
  readonly study?: StudyMessage;
  readonly selected?: ScoreId;
  /** The x axis picked (absent: 'auto'). */
  readonly xScale?: XScaleChoice;
}

// ---- builders ---------------------------------------------------------------------------------------------

const finiteOrNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/**
 * The cross-validation of a loss predictor — a bundled one (study/predictions.ts) or a user's calibration's
 * (study/calibration: `predictorSummaryFor`) — and what it was fitted on.
 */
export interface PredictorSummary {
  readonly cv: NonNullable<PredictorModel['cv']>;
  readonly dataset: string;
  readonly preset: string;
  /** A user's calibration: its file as the panel names it (absent: the bundled predictor). */
  readonly calibration?: string;
}

/** A τ as the table writes it (its cell starts with this): THE one formatting of a τ in the panel. */
export const tauText = (tau: number | null | undefined): string => formatStat(tau);

/**
 * "Loss predictor (cross-validated): τ 0.566 [0.502, 0.628] · ρ 0.742 · top-10% 0.62 — 5-fold CV on 258 WikiText-2
 * cells at the proxy preset (the bundled predictor: …)", or "… on 14322 PTB cells at the proxy preset (from
 * calibration cal-ptb/calibration.json: …)".
 */
export function predictorLine(p: PredictorSummary): string {
  const s = p.cv.predictor;
  const top = Math.round(p.cv.topFraction * 100);
  const from =
    p.calibration === undefined
      ? 'the bundled predictor'
      : `from calibration${p.calibration ? ` ${p.calibration}` : ` of ${p.dataset}`}`;
  return `Loss predictor (cross-validated): τ ${tauText(s.tau.estimate)} [${tauText(s.tau.lo)}, ${tauText(s.tau.hi)}] · ρ ${formatStat(s.rho.estimate)} · top-${top}% ${formatStat(s.topK.estimate, 2)} — ${p.cv.folds}-fold CV on ${p.cv.n} ${p.dataset} cells at the ${p.preset} preset (${from}: scores and cell structure)`;
}

/** The `study` message of a study and its plot specs (see plots.ts `plotsFromStudy`). */
export function studyMessage(
  study: StudyResult,
  specs: readonly ScatterSpec[],
  meta: { title: string; subtitle: string; dataset: string; complete: boolean; predictor?: PredictorSummary },
): StudyMessage {
  const { predictor, ...head } = meta;
  const plots: PlotPayload[] = specs.map((s) => {
    const row = study.rows.find((r) => r.id === s.scoreId);
    return {
      id: s.scoreId,
      label: row?.label ?? s.scoreId,
      better: row?.better ?? 'higher',
      tau: finiteOrNull(row?.test.tau.estimate),
      tauLo: finiteOrNull(row?.test.tau.lo),
      tauHi: finiteOrNull(row?.test.tau.hi),
      rho: finiteOrNull(row?.test.rho.estimate),
      topK: finiteOrNull(row?.test.topK.value),
      n: row?.test.tau.n ?? 0,
      nNaN: row?.nNaN ?? 0,
      points: s.points.map((p) => ({ hash: p.hash, label: p.label, x: finiteOrNull(p.x), y: finiteOrNull(p.y) })),
      ...(s.marks?.length
        ? { marks: s.marks.map((m) => ({ label: m.label, hash: m.hash ?? '', x: finiteOrNull(m.x) })) }
        : {}),
    };
  });
  // The best single score as the table shows it: its τ on all trained cells, formatted as the table's cell.
  const bestRow = bestSingleScore(study.rows);
  const best = plots.find((p) => p.id === bestRow?.id);
  const bestLine = best
    ? `Best single score: ${best.label}, τ ${tauText(best.tau)} on ${best.n} cells (oriented: + = ranks low-loss cells first)`
    : undefined;
  // The ensemble's cross-validation: mean held-out τ over the folds, the fixed predictors on the same folds (each
  // by its own name: the best single score's τ is the table's, above, not this one).
  const e = study.ensemble;
  const name = (b: { id: string; label: string }) => study.rows.find((r) => r.id === b.id)?.label ?? b.label;
  const ensemble = e
    ? `Learned rank ensemble: cross-validated τ ${formatStat(e.cvTau)} (mean over ${e.foldTaus.length} held-out folds; on the same folds: ${e.baselines.map((b) => `${name(b)} ${formatStat(b.cvTau)}`).join(' · ')})`
    : undefined;
  return {
    type: 'study',
    version: STUDY_PROTOCOL_VERSION,
    ...head,
    plots,
    ...(ensemble ? { ensemble } : {}),
    ...(best && bestLine ? { best: best.id, bestLine } : {}),
    ...(predictor ? { predictor: predictorLine(predictor) } : {}),
  };
}

// ---- validators -------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNumOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
const MAX_POINTS = 100_000;

function isPoint(p: unknown): boolean {
  return isObj(p) && isStr(p.hash) && isStr(p.label) && isNumOrNull(p.x) && isNumOrNull(p.y);
}

function isPlot(p: unknown): boolean {
  return (
    isObj(p) &&
    isScoreId(p.id) &&
    isStr(p.label) &&
    (p.better === 'higher' || p.better === 'lower') &&
    isNumOrNull(p.tau) &&
    isNumOrNull(p.tauLo) &&
    isNumOrNull(p.tauHi) &&
    isNumOrNull(p.rho) &&
    isNumOrNull(p.topK) &&
    isCount(p.n) &&
    isCount(p.nNaN) &&
    Array.isArray(p.points) &&
    p.points.length <= MAX_POINTS &&
    p.points.every(isPoint) &&
    (p.marks === undefined ||
      (Array.isArray(p.marks) &&
        p.marks.length <= 200 &&
        p.marks.every((m) => isObj(m) && isStr(m.label) && isStr(m.hash) && isNumOrNull(m.x))))
  );
}

/** Whether `m` is a well-formed host → webview message (of any version; check `version` before rendering). */
export function isToStudyWebview(m: unknown): m is ToStudyWebview {
  if (!isObj(m) || m.type !== 'study') return false;
  return (
    Number.isInteger(m.version) &&
    isStr(m.title) &&
    isStr(m.subtitle) &&
    isStr(m.dataset) &&
    typeof m.complete === 'boolean' &&
    (m.ensemble === undefined || isStr(m.ensemble)) &&
    (m.best === undefined || isScoreId(m.best)) &&
    (m.bestLine === undefined || isStr(m.bestLine)) &&
    (m.predictor === undefined || isStr(m.predictor)) &&
    Array.isArray(m.plots) &&
    m.plots.length <= SCORE_IDS.length &&
    m.plots.every(isPlot)
  );
}

/** Whether `m` is a well-formed webview → host message. */
export function isFromStudyWebview(m: unknown): m is FromStudyWebview {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'openCell':
      return isStr(m.hash) && /^[0-9a-f]{8,64}$/.test(m.hash);
    case 'exportSvg':
      return (
        isScoreId(m.id) &&
        (m.theme === 'light' || m.theme === 'dark') &&
        (m.xScale === undefined || isXScaleChoice(m.xScale))
      );
    case 'log':
      return (
        (m.level === 'info' || m.level === 'warn' || m.level === 'error') &&
        isStr(m.message) &&
        m.message.length <= 10_000
      );
    default:
      return false;
  }
}
