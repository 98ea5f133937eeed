/**
 * The scoring child process (bundled to dist/worker.js). Forked by {@link ScoringClient} with
 * `serialization: 'advanced'`; speaks the protocol of ./protocol.ts over the IPC channel.
 *
 * - Picks the TF.js backend once (on `hello`) and reports it with `ready` (or an id-less `error` of
 *   kind `backend` when it cannot load; every request then fails with that error).
 * - Serves one request at a time from a FIFO queue; `cancel` aborts the running request through its
 *   AbortController, or drops a queued one. Every request ends in exactly one `result` / `studyResult` or `error`.
 * - A `study` request runs the correlation study (src/study/study.ts) here, so its seconds of bootstrap and
 *   cross-validation never block the extension host. It needs no backend and cannot be interrupted once
 *   started (the client kills the process when a cancel is not acknowledged in time).
 * - Errors become `error` events, never a crash. When the IPC channel goes away, the process exits.
 * - With `CELL_LENS_TEST_FAULTS=1` in the environment, a score request's `fault` field injects a
 *   hang, crash, out-of-memory or slow run (tests only); without it the field is ignored.
 *
 * Nothing is written to stdout on purpose (the client pipes and logs it; TF.js may print there).
 */

import { initBackend } from '../scoring/backends';
import { scoreCell } from '../scoring/engine';
import { validateRecipe } from '../recipe/validate';
import { runStudy } from '../study/study';
import {
  PROTOCOL_VERSION,
  checkClientMessage,
  type ClientMessage,
  type DebugFault,
  type ScoreRequestMessage,
  type StudyRequestMessage,
  type TriedBackend,
  type WorkerErrorKind,
  type WorkerMessage,
} from './protocol';
import type { BackendChoice } from '../scoring/types';

/** A request being served. */
interface Running {
  readonly id: number;
  readonly controller: AbortController;
  /** Set once its terminal event (result / error) was sent. */
  finished: boolean;
}

const faultsEnabled = process.env.CELL_LENS_TEST_FAULTS === '1';
const queue: (ScoreRequestMessage | StudyRequestMessage)[] = [];
let running: Running | undefined;
/** Resolves to true when the backend is ready, false when it failed (then `backendFailure` says why). */
let init: Promise<boolean> | undefined;
let backendFailure: { message: string; tried?: readonly TriedBackend[] } | undefined;

type Outgoing = WorkerMessage extends infer M ? (M extends WorkerMessage ? Omit<M, 'v'> : never) : never;

function send(m: Outgoing): void {
  if (!process.send || !process.connected) return;
  try {
    process.send({ v: PROTOCOL_VERSION, ...m }, undefined, undefined, () => {
      /* channel closed: exit follows */
    });
  } catch {
    /* channel closed */
  }
}

function log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
  send({ type: 'log', level, message });
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** Kind and plain-words message of an error thrown while scoring. */
function classify(e: unknown, aborted: boolean): { kind: WorkerErrorKind; message: string } {
  if (aborted) return { kind: 'cancelled', message: 'The scoring was cancelled.' };
  const text = errorText(e);
  const name = e instanceof Error ? e.name : '';
  if (
    /array buffer allocation failed|invalid typed array length|invalid array length|out of memory|\boom\b|cannot enlarge memory|allocation failed/i.test(
      `${name} ${text}`,
    )
  ) {
    return { kind: 'oom', message: `The scoring process ran out of memory (${text}).` };
  }
  if (/backend/i.test(name)) return { kind: 'backend', message: text };
  return { kind: 'internal', message: `Scoring failed: ${text}` };
}

function finish(job: Running, m: Outgoing): void {
  if (job.finished) return;
  job.finished = true;
  send(m);
}

async function startBackend(choice: BackendChoice, wasmDir: string | undefined): Promise<boolean> {
  try {
    const r = await initBackend(choice, { wasmDir, log: (msg) => log('debug', msg) });
    send({ type: 'ready', backend: r.name, tried: r.tried, description: r.description, pid: process.pid });
    return true;
  } catch (e) {
    const tried = (e as { tried?: unknown }).tried;
    backendFailure = {
      message: `Could not load the TensorFlow.js backend "${choice}": ${errorText(e)}`,
      tried: Array.isArray(tried) ? (tried as TriedBackend[]) : undefined,
    };
    send({
      type: 'error',
      kind: 'backend',
      message: backendFailure.message,
      tried: backendFailure.tried,
      detail: e instanceof Error ? e.stack : undefined,
    });
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Test-only faults (see DebugFault). Returns normally only for `slow` (after its delay). */
async function runFault(fault: DebugFault, job: Running): Promise<void> {
  send({ type: 'progress', id: job.id, progress: { done: 0, total: 1, message: `test fault: ${fault}` } });
  switch (fault) {
    case 'hang':
      await sleep(20); // let the progress message leave, then block the event loop for good
      for (;;) {
        /* busy-loop without yielding */
      }
    case 'crash':
      await sleep(20);
      return process.exit(3);
    case 'oom': {
      await sleep(20);
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 20).fill(1.5));
    }
    case 'slow':
      for (let i = 0; i < 300; i++) {
        if (job.controller.signal.aborted) throw new Error('aborted');
        await sleep(100);
        send({ type: 'progress', id: job.id, progress: { done: i, total: 300, message: 'test fault: slow' } });
      }
  }
}

async function serve(req: ScoreRequestMessage, job: Running): Promise<void> {
  const signal = job.controller.signal;
  try {
    const ok = await (init ??= startBackend('auto', undefined));
    if (!ok) {
      finish(job, {
        type: 'error',
        id: job.id,
        kind: 'backend',
        message: backendFailure?.message ?? 'The TensorFlow.js backend could not be loaded.',
      });
      return;
    }
    if (signal.aborted) throw new Error('aborted');
    if (faultsEnabled && req.fault) await runFault(req.fault, job);
    const invalid = validateRecipe(req.recipe).filter((d) => d.severity === 'error');
    if (invalid.length > 0) {
      const more =
        invalid.length > 1 ? ` (and ${invalid.length - 1} more problem${invalid.length > 2 ? 's' : ''})` : '';
      finish(job, {
        type: 'error',
        id: job.id,
        kind: 'invalid',
        message: `The cell cannot be scored: ${invalid[0].message}${more}`,
      });
      return;
    }
    const report = await scoreCell(req.recipe, req.settings, {
      signal,
      hash: req.hash,
      onProgress: (progress) => {
        if (!job.finished) send({ type: 'progress', id: job.id, progress });
      },
    });
    if (signal.aborted)
      finish(job, { type: 'error', id: job.id, kind: 'cancelled', message: 'The scoring was cancelled.' });
    else finish(job, { type: 'result', id: job.id, report });
  } catch (e) {
    const { kind, message } = classify(e, signal.aborted);
    finish(job, { type: 'error', id: job.id, kind, message, detail: e instanceof Error ? e.stack : undefined });
  }
}

/** A `study` request: the study of the records (synchronous; a cancel that arrived while queued was handled). */
async function serveStudy(req: StudyRequestMessage, job: Running): Promise<void> {
  await new Promise<void>((r) => setImmediate(r)); // a cancel already on the channel is read first
  try {
    if (job.controller.signal.aborted) throw new Error('aborted');
    const study = runStudy(req.records, req.options);
    finish(job, { type: 'studyResult', id: job.id, study });
  } catch (e) {
    const { kind, message } = classify(e, job.controller.signal.aborted);
    finish(job, {
      type: 'error',
      id: job.id,
      kind,
      message: kind === 'internal' ? `The study failed: ${errorText(e)}` : message,
      detail: e instanceof Error ? e.stack : undefined,
    });
  }
}

function pump(): void {
  if (running || queue.length === 0) return;
  const req = queue.shift()!;
  const job: Running = { id: req.id, controller: new AbortController(), finished: false };
  running = job;
  void (req.type === 'study' ? serveStudy(req, job) : serve(req, job)).finally(() => {
    if (running === job) running = undefined;
    pump();
  });
}

function onMessage(raw: unknown): void {
  const why = checkClientMessage(raw);
  if (why) {
    const id = (raw as { id?: unknown } | null)?.id;
    const type = (raw as { type?: unknown }).type;
    if (Number.isSafeInteger(id) && (id as number) >= 0 && (type === 'score' || type === 'study')) {
      send({
        type: 'error',
        id: id as number,
        kind: 'invalid',
        message: `The ${type === 'study' ? 'study' : 'scoring'} request was malformed: ${why}.`,
      });
    } else {
      log('error', `ignored a malformed message: ${why}`);
    }
    return;
  }
  const m = raw as ClientMessage;
  switch (m.type) {
    case 'hello':
      if (init) log('warn', 'ignored a second hello: the backend is picked once per process');
      else init = startBackend(m.backend, m.wasmDir);
      return;
    case 'score':
    case 'study':
      queue.push(m);
      pump();
      return;
    case 'cancel': {
      if (running && running.id === m.id) {
        running.controller.abort();
        return;
      }
      const i = queue.findIndex((q) => q.id === m.id);
      if (i >= 0) {
        queue.splice(i, 1);
        send({ type: 'error', id: m.id, kind: 'cancelled', message: 'The scoring was cancelled.' });
      }
      return;
    }
    case 'shutdown':
      running?.controller.abort();
      process.exit(0);
  }
}

function onFatal(e: unknown): void {
  // An error escaped the engine: fail the running request instead of crashing, and go on.
  const job = running;
  const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
  if (job && !job.finished) {
    const { kind, message } = classify(e, job.controller.signal.aborted);
    finish(job, { type: 'error', id: job.id, kind, message, detail: text });
    job.controller.abort();
    running = undefined;
    pump();
  } else {
    log('error', `uncaught error in the scoring process: ${text}`);
  }
}

if (!process.send) {
  process.stderr.write(
    'cell-lens worker: this is the scoring child process; it is started by the extension or the CLI.\n',
  );
  process.exit(2);
}
process.on('message', onMessage);
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal reaches the whole process group: let the parent cancel and shut us down instead.
process.on('SIGINT', () => undefined);
process.on('uncaughtException', onFatal);
process.on('unhandledRejection', onFatal);
