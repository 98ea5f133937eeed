/**
 * The message protocol between a scoring client (extension host or CLI) and the scoring child process
 * (src/process/worker.ts). Messages travel over Node's IPC channel with `serialization: 'advanced'`
 * (V8 structured clone), so NaN and ±Infinity survive; JSON would turn them into `null`.
 *
 * Every message carries `v: PROTOCOL_VERSION`. Both sides validate each message on receipt with
 * {@link checkClientMessage} / {@link checkWorkerMessage} and drop (or fail the request of) anything
 * malformed or of another version. No `vscode` import.
 */

import type { Recipe } from '../recipe/types';
import type { StudyOptions, StudyRecord, StudyResult } from '../study/study';
import {
  isBackendChoice,
  BACKEND_NAMES,
  checkRecipe,
  checkReport,
  checkSettings,
  isInt,
  isNum,
  isObj,
  isStr,
  type Obj,
} from '../scoring/check';
import { isScoreId } from '../scoring/ids';
import {
  type BackendChoice,
  type BackendName,
  type ScoreProgress,
  type ScoreReport,
  type ScoreSettings,
} from '../scoring/types';

/** Bumped on any incompatible change to the messages below. */
export const PROTOCOL_VERSION = 1;

/** Why a request failed, as the worker reports it. */
export type WorkerErrorKind = 'cancelled' | 'invalid' | 'backend' | 'internal' | 'oom';
/** Every {@link WorkerErrorKind}, for validation. */
export const WORKER_ERROR_KINDS: readonly WorkerErrorKind[] = ['cancelled', 'invalid', 'backend', 'internal', 'oom'];

/**
 * Test-only faults a score request may ask for. The worker honours them only when its environment has
 * `CELL_LENS_TEST_FAULTS=1`; otherwise the field is ignored.
 * - `hang`: busy-loop forever without yielding (hang detection, cancel without acknowledgement);
 * - `crash`: `process.exit(3)` mid-request;
 * - `oom`: allocate until the V8 heap dies (start the child with a small `--max-old-space-size`);
 * - `slow`: yield for ~30 s while sending progress, honouring cancel (cancel with acknowledgement).
 */
export type DebugFault = 'hang' | 'crash' | 'oom' | 'slow';
/** Every {@link DebugFault}, for validation. */
export const DEBUG_FAULTS: readonly DebugFault[] = ['hang', 'crash', 'oom', 'slow'];

/** One entry of the backend fallback chain the worker tried. */
export interface TriedBackend {
  readonly name: BackendName;
  readonly error?: string;
}

// ---------------------------------------------------------------- client → worker

/** First message: pick the backend (once per process). */
export interface HelloMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'hello';
  readonly backend: BackendChoice;
  /** Directory holding the tfjs wasm binaries (dist/ when bundled). */
  readonly wasmDir?: string;
}

/** Score one recipe. `id` is unique per client; every later event about it carries it. */
export interface ScoreRequestMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'score';
  readonly id: number;
  readonly recipe: Recipe;
  readonly settings: ScoreSettings;
  readonly hash?: string;
  /** Test-only; see {@link DebugFault}. */
  readonly fault?: DebugFault;
}

/**
 * Run the correlation study (src/study/study.ts `runStudy`: bootstrap intervals, top-k, the cross-validated rank
 * ensemble) on scored records. Seconds of synchronous arithmetic for a few hundred cells, so the extension host
 * asks the worker instead of blocking its event loop. Served in turn with the score requests; needs no backend.
 * The worker answers with `studyResult` (or an `error` with the id).
 */
export interface StudyRequestMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'study';
  readonly id: number;
  readonly records: readonly StudyRecord[];
  readonly options: StudyOptions;
}

/** Cancel a running or queued request. The worker answers with an `error` of kind `cancelled`. */
export interface CancelMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'cancel';
  readonly id: number;
}

/** Ask the worker to exit. */
export interface ShutdownMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'shutdown';
}

/** Any message the client sends to the worker. */
export type ClientMessage = HelloMessage | ScoreRequestMessage | StudyRequestMessage | CancelMessage | ShutdownMessage;

// ---------------------------------------------------------------- worker → client

/** The backend is initialised; requests are served from now on. */
export interface ReadyMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'ready';
  readonly backend: BackendName;
  readonly tried: readonly TriedBackend[];
  /** Human description, e.g. "wasm (threaded SIMD, 2 threads)". */
  readonly description?: string;
  readonly pid: number;
}

/** Progress of a running request (also resets the client's hang timer). */
export interface ProgressMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'progress';
  readonly id: number;
  readonly progress: ScoreProgress;
}

/** The request finished: its report. */
export interface ResultMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'result';
  readonly id: number;
  readonly report: ScoreReport;
}

/** A `study` request finished: the study, exactly as `runStudy` returns it (NaN kept by structured clone). */
export interface StudyResultMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'studyResult';
  readonly id: number;
  readonly study: StudyResult;
}

/**
 * A failure. With `id`: that request failed (it is finished). Without `id`: a process-level failure,
 * e.g. the backend could not be initialised (`kind: 'backend'`, with `tried`).
 */
export interface ErrorMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'error';
  readonly id?: number;
  readonly kind: WorkerErrorKind;
  /** Plain words, shown to the user. */
  readonly message: string;
  /** Technical detail (stack), for the log. */
  readonly detail?: string;
  readonly tried?: readonly TriedBackend[];
}

/** A log line from the worker (forwarded to the client's log). */
export interface LogMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

/** Any message the worker sends to the client. */
export type WorkerMessage =
  ReadyMessage | ProgressMessage | ResultMessage | StudyResultMessage | ErrorMessage | LogMessage;

// ---------------------------------------------------------------- validation

const isId = (x: unknown): x is number => isInt(x) && x >= 0;

function checkVersion(x: unknown): string | undefined {
  if (!isObj(x)) return 'not an object';
  if (x.v !== PROTOCOL_VERSION) {
    return x.v === undefined
      ? 'no protocol version'
      : `protocol version ${JSON.stringify(x.v)} (expected ${PROTOCOL_VERSION})`;
  }
  if (!isStr(x.type)) return 'no message type';
  return undefined;
}

const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
/** Most records a study request may carry (the largest NAS-Bench-NLP dataset has 14 322 cells). */
export const MAX_STUDY_RECORDS = 100_000;

function checkScoreIds(x: unknown, what: string): string | undefined {
  if (x === undefined) return undefined;
  return Array.isArray(x) && x.every((s) => isStr(s) && isScoreId(s))
    ? undefined
    : `${what} is not a list of known score ids`;
}

/** Why `x` is not a list of {@link StudyRecord}s, or undefined. */
export function checkStudyRecords(x: unknown): string | undefined {
  if (!Array.isArray(x)) return 'records is not a list';
  if (x.length > MAX_STUDY_RECORDS) return `records has more than ${MAX_STUDY_RECORDS} entries`;
  for (let i = 0; i < x.length; i++) {
    const r: unknown = x[i];
    const at = `records[${i}]`;
    if (!isObj(r)) return `${at} is not an object`;
    if (!isStr(r.hash)) return `${at}.hash is not a string`;
    if (!isNum(r.testLoss) || !isNum(r.valLoss)) return `${at} has no numeric test / validation loss`;
    if (!isBool(r.diverged)) return `${at}.diverged is not a boolean`;
    if (r.label !== undefined && !isStr(r.label)) return `${at}.label is not a string`;
    if (!isObj(r.scores)) return `${at}.scores is not an object`;
    for (const [k, v] of Object.entries(r.scores)) {
      if (!isScoreId(k)) return `${at}.scores has an unknown score "${k}"`;
      if (v !== undefined && !isNum(v)) return `${at}.scores.${k} is not a number`;
    }
  }
  return undefined;
}

/** Why `x` is not a {@link StudyOptions}, or undefined. */
export function checkStudyOptions(x: unknown): string | undefined {
  if (!isObj(x)) return 'options is not an object';
  for (const k of ['bootstrapSamples', 'ensembleFolds'] as const) {
    if (x[k] !== undefined && !(isInt(x[k]) && x[k] >= 1 && x[k] <= 1_000_000))
      return `options.${k} is not a positive integer`;
  }
  if (x.seed !== undefined && !isInt(x.seed)) return 'options.seed is not an integer';
  for (const k of ['level', 'topFraction'] as const) {
    if (x[k] !== undefined && !(isNum(x[k]) && x[k] > 0 && x[k] < 1)) return `options.${k} is not a fraction`;
  }
  if (x.ensemble !== undefined && !isBool(x.ensemble)) return 'options.ensemble is not a boolean';
  return checkScoreIds(x.scores, 'options.scores') ?? checkScoreIds(x.ensembleScores, 'options.ensembleScores');
}

function checkBootstrap(x: unknown, at: string): string | undefined {
  if (!isObj(x)) return `${at} is not an object`;
  for (const k of ['estimate', 'lo', 'hi', 'level'] as const) if (!isNum(x[k])) return `${at}.${k} is not a number`;
  for (const k of ['n', 'nDropped', 'nUndefined', 'samples'] as const)
    if (!isInt(x[k])) return `${at}.${k} is not an integer`;
  return undefined;
}

function checkTarget(x: unknown, at: string): string | undefined {
  if (!isObj(x)) return `${at} is not an object`;
  const t = x.topK;
  if (!isObj(t) || !isNum(t.value) || !isInt(t.k) || !isInt(t.n) || !isInt(t.nDropped))
    return `${at}.topK is not {value, k, n, nDropped}`;
  return checkBootstrap(x.tau, `${at}.tau`) ?? checkBootstrap(x.rho, `${at}.rho`);
}

const isNumList = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNum);

/** Why `x` is not a {@link StudyResult}, or undefined. Checks every field the editor reads. */
export function checkStudyResult(x: unknown): string | undefined {
  if (!isObj(x)) return 'study is not an object';
  if (!isInt(x.nCells) || !isInt(x.nTrained)) return 'study has no cell counts';
  if (!Array.isArray(x.rows)) return 'study.rows is not a list';
  for (let i = 0; i < x.rows.length; i++) {
    const r: unknown = x.rows[i];
    const at = `study.rows[${i}]`;
    if (!isObj(r) || !isStr(r.id) || !isScoreId(r.id)) return `${at}.id is not a score id`;
    if (!isStr(r.label) || (r.better !== 'higher' && r.better !== 'lower')) return `${at} has no label / direction`;
    if (!isInt(r.nScored) || !isInt(r.nNaN)) return `${at} has no counts`;
    const why = checkTarget(r.test, `${at}.test`) ?? checkTarget(r.val, `${at}.val`);
    if (why) return why;
  }
  const d = x.diverged;
  if (!isObj(d) || !isInt(d.count) || !Array.isArray(d.hashes) || !d.hashes.every(isStr) || !Array.isArray(d.perScore))
    return 'study.diverged is not {count, hashes, perScore}';
  if (
    !d.perScore.every(
      (p: unknown) => isObj(p) && isStr(p.id) && isScoreId(p.id) && isInt(p.nScored) && isNum(p.medianPercentile),
    )
  )
    return 'study.diverged.perScore is malformed';
  const s = x.settings;
  if (!isObj(s) || !isInt(s.samples) || !isInt(s.seed) || !isNum(s.level) || !isNum(s.topFraction))
    return 'study.settings is malformed';
  const e = x.ensemble;
  if (e !== undefined) {
    if (!isObj(e) || !isNumList(e.weights) || !isNum(e.trainTau) || !isNum(e.cvTau) || !isNumList(e.foldTaus))
      return 'study.ensemble is malformed';
    if (
      !Array.isArray(e.foldWeights) ||
      !e.foldWeights.every(isNumList) ||
      !Array.isArray(e.foldRows) ||
      !e.foldRows.every(isNumList)
    )
      return 'study.ensemble folds are malformed';
    if (checkScoreIds(e.scores, 'study.ensemble.scores') || !Array.isArray(e.scores))
      return 'study.ensemble.scores is not a list of known score ids';
    if (
      !Array.isArray(e.baselines) ||
      !e.baselines.every(
        (b: unknown) =>
          isObj(b) && isStr(b.id) && isStr(b.label) && isNum(b.tau) && isNum(b.cvTau) && isNumList(b.foldTaus),
      )
    )
      return 'study.ensemble.baselines is malformed';
  }
  return undefined;
}

function checkTried(x: unknown): string | undefined {
  if (!Array.isArray(x)) return 'tried is not a list';
  for (const t of x) {
    if (!isObj(t) || !isStr(t.name) || !BACKEND_NAMES.includes(t.name as BackendName))
      return 'tried has an entry without a backend name';
    if (t.error !== undefined && !isStr(t.error)) return 'tried has a non-string error';
  }
  return undefined;
}

/** Why `x` is not a valid {@link ClientMessage} of this protocol version, or undefined when it is. */
export function checkClientMessage(x: unknown): string | undefined {
  const v = checkVersion(x);
  if (v) return v;
  const m = x as Obj;
  switch (m.type) {
    case 'hello':
      if (!isBackendChoice(m.backend)) return 'hello.backend is not a backend choice';
      if (m.wasmDir !== undefined && !isStr(m.wasmDir)) return 'hello.wasmDir is not a string';
      return undefined;
    case 'score':
      if (!isId(m.id)) return 'score.id is not a non-negative integer';
      if (m.hash !== undefined && !isStr(m.hash)) return 'score.hash is not a string';
      if (m.fault !== undefined && !DEBUG_FAULTS.includes(m.fault as DebugFault))
        return 'score.fault is not a known fault';
      return checkRecipe(m.recipe) ?? checkSettings(m.settings);
    case 'study':
      if (!isId(m.id)) return 'study.id is not a non-negative integer';
      return checkStudyRecords(m.records) ?? checkStudyOptions(m.options);
    case 'cancel':
      return isId(m.id) ? undefined : 'cancel.id is not a non-negative integer';
    case 'shutdown':
      return undefined;
    default:
      return `unknown message type "${String(m.type)}"`;
  }
}

/** Why `x` is not a valid {@link WorkerMessage} of this protocol version, or undefined when it is. */
export function checkWorkerMessage(x: unknown): string | undefined {
  const v = checkVersion(x);
  if (v) return v;
  const m = x as Obj;
  switch (m.type) {
    case 'ready':
      if (!isStr(m.backend) || !BACKEND_NAMES.includes(m.backend as BackendName))
        return 'ready.backend is not a backend';
      if (!isInt(m.pid)) return 'ready.pid is not an integer';
      if (m.description !== undefined && !isStr(m.description)) return 'ready.description is not a string';
      return checkTried(m.tried);
    case 'progress': {
      if (!isId(m.id)) return 'progress.id is not a non-negative integer';
      const p = m.progress;
      if (!isObj(p) || !isNum(p.done) || !isNum(p.total) || !isStr(p.message))
        return 'progress.progress is not {done, total, message}';
      return undefined;
    }
    case 'result':
      if (!isId(m.id)) return 'result.id is not a non-negative integer';
      return checkReport(m.report);
    case 'studyResult':
      if (!isId(m.id)) return 'studyResult.id is not a non-negative integer';
      return checkStudyResult(m.study);
    case 'error':
      if (m.id !== undefined && !isId(m.id)) return 'error.id is not a non-negative integer';
      if (!isStr(m.kind) || !WORKER_ERROR_KINDS.includes(m.kind as WorkerErrorKind))
        return 'error.kind is not a known kind';
      if (!isStr(m.message)) return 'error.message is not a string';
      if (m.detail !== undefined && !isStr(m.detail)) return 'error.detail is not a string';
      return m.tried === undefined ? undefined : checkTried(m.tried);
    case 'log':
      if (!isStr(m.level) || !['debug', 'info', 'warn', 'error'].includes(m.level)) return 'log.level is not a level';
      return isStr(m.message) ? undefined : 'log.message is not a string';
    default:
      return `unknown message type "${String(m.type)}"`;
  }
}

/** Type guard: `x` is a well-formed {@link ClientMessage} of this protocol version. */
export function isClientMessage(x: unknown): x is ClientMessage {
  return checkClientMessage(x) === undefined;
}

/** Type guard: `x` is a well-formed {@link WorkerMessage} of this protocol version. */
export function isWorkerMessage(x: unknown): x is WorkerMessage {
  return checkWorkerMessage(x) === undefined;
}
