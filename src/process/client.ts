/**
 * ScoringClient: runs the scoring worker (src/process/worker.ts → dist/worker.js) as a child process
 * and serves score requests through it, one at a time, in order. Used by the extension and the CLI;
 * no `vscode` import. It also runs the correlation study there ({@link ScoringClient.study}), so the extension
 * host never spends seconds in the bootstrap.
 *
 * Failure handling: a crash (exit / signal), a hang (no result or progress within `timeoutMs` → SIGKILL)
 * and running out of memory are detected; the request in flight is rejected with a {@link ScoringError}
 * whose message a person understands; the worker is restarted lazily for the next request. A cancel
 * (AbortSignal) rejects the request at once and sends `cancel`; a worker that does not acknowledge
 * within `cancelGraceMs` is killed and restarted. Restart storms are bounded: after `maxCrashes`
 * crashes within `crashWindowMs`, the next start waits (back-off, doubling up to 60 s).
 */

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Recipe } from '../recipe/types';
import type { StudyOptions, StudyRecord, StudyResult } from '../study/study';
import {
  PROTOCOL_VERSION,
  checkWorkerMessage,
  type ClientMessage,
  type DebugFault,
  type TriedBackend,
  type WorkerErrorKind,
  type WorkerMessage,
} from './protocol';
import {
  DEFAULT_SIZES,
  type BackendChoice,
  type BackendName,
  type ScoreProgress,
  type ScoreReport,
  type ScoreSettings,
} from '../scoring/types';

/** Why a request failed: the worker's kinds plus what the client itself detects. */
export type ScoringErrorKind = WorkerErrorKind | 'crash' | 'timeout' | 'start' | 'disposed';

/** A failed score request. `message` is plain words for the user; `detail` is for the log. */
export class ScoringError extends Error {
  override readonly name = 'ScoringError';
  constructor(
    readonly kind: ScoringErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** What the worker is doing: starting (first start), idle, busy, crashed (died; restarts lazily), restarting. */
export type ScoringState = 'starting' | 'idle' | 'busy' | 'crashed' | 'restarting';

/** Snapshot passed to state listeners. */
export interface ScoringStatus {
  readonly state: ScoringState;
  /** The backend the current worker uses (known after it is ready). */
  readonly backend?: BackendName;
  /** The fallback chain it tried. */
  readonly tried?: readonly TriedBackend[];
  /** Human description of the backend, e.g. "wasm (threaded SIMD, 2 threads)". */
  readonly backendDescription?: string;
  /** How many times a worker was started again after the first. */
  readonly restarts: number;
  /** The last failure, in plain words. */
  readonly lastError?: string;
  /** Process id of the current worker, if one runs. */
  readonly pid?: number;
}

/** Log levels of {@link ScoringClientOptions.log}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options of {@link ScoringClient}. */
export interface ScoringClientOptions {
  /** The worker script: dist/worker.js (bundled) or src/process/worker.ts (with execArgv ['--import', 'tsx']). */
  readonly workerPath: string;
  /** Run the worker on this `node` instead of the current runtime (e.g. a system Node with tfjs-node). */
  readonly nodePath?: string;
  /** Node flags for the worker (default none; e.g. ['--max-old-space-size=4096']). */
  readonly execArgv?: readonly string[];
  /** Backend choice sent to each new worker (default 'auto'). */
  readonly backend?: BackendChoice;
  /** Directory of the tfjs wasm binaries; default: the worker's directory when they lie there. */
  readonly wasmDir?: string;
  /** Per request: no result or progress for this long → the worker is killed (default 60 000). */
  readonly timeoutMs?: number;
  /** Before the worker reports ready (loading TF.js), allow at least this long (default 30 000). */
  readonly startTimeoutMs?: number;
  /** How long a cancelled request may take to acknowledge before the worker is killed (default 2000). */
  readonly cancelGraceMs?: number;
  /**
   * A study request is one synchronous computation without progress: no answer for this long → the worker is
   * killed (default 10 min; at least `timeoutMs`).
   */
  readonly studyTimeoutMs?: number;
  /** Crash storm bound: this many crashes within `crashWindowMs` start a back-off (default 3 in 60 s). */
  readonly maxCrashes?: number;
  readonly crashWindowMs?: number;
  /** First back-off delay; doubles per further crash, at most 60 s (default 5000). */
  readonly backoffMs?: number;
  readonly log?: (level: LogLevel, msg: string) => void;
  /** Extra environment for the worker (added to process.env). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Per-request options. */
export interface ScoreOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ScoreProgress) => void;
  /** Canonical hash of the recipe (recorded in the report). */
  readonly hash?: string;
  /** Test-only fault injection; honoured only by a worker started with CELL_LENS_TEST_FAULTS=1. */
  readonly fault?: DebugFault;
}

/** Something to dispose (shaped like vscode.Disposable, without importing vscode). */
export interface Disposable {
  dispose(): void;
}

/** What a request asks the worker: score a cell, or run the study on scored records. */
type Payload =
  | { readonly type: 'score'; readonly recipe: Recipe; readonly settings: ScoreSettings }
  | { readonly type: 'study'; readonly records: readonly StudyRecord[]; readonly options: StudyOptions };

interface Job {
  readonly id: number;
  readonly payload: Payload;
  readonly opts: ScoreOptions;
  readonly resolve: (r: ScoreReport | StudyResult) => void;
  readonly reject: (e: ScoringError) => void;
  /** The caller was answered already (cancelled); the worker still owes an acknowledgement. */
  settled: boolean;
  removeAbort?: () => void;
}

/** Why the current worker is going away, when the client itself stops it. */
type ExitReason = 'timeout' | 'cancel-grace' | 'restart' | 'kill' | 'dispose';

interface Worker {
  readonly proc: ChildProcess;
  ready: boolean;
  backend?: BackendName;
  tried?: readonly TriedBackend[];
  description?: string;
  /** Set when the client kills it on purpose. */
  exitReason?: ExitReason;
  /** The last few KiB of its stderr (V8 prints "heap out of memory" there). */
  stderrTail: string;
  exited: boolean;
  killTimer?: NodeJS.Timeout;
}

const STDERR_TAIL = 8192;
const OOM_PATTERN = /heap out of memory|Reached heap limit|Allocation failed|out of memory|\bOOM\b/i;

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(1))} s`;
}

/** The plain-words out-of-memory message, naming the size most above its default. */
export function outOfMemoryMessage(settings: ScoreSettings | undefined): string {
  if (!settings) return 'The scoring process ran out of memory; try smaller sizes.';
  const keys = ['hidden', 'embed', 'vocab', 'batch', 'seqLen', 'layers'] as const;
  let worst: (typeof keys)[number] = 'hidden';
  let ratio = -Infinity;
  for (const k of keys) {
    const r = settings[k] / DEFAULT_SIZES[k];
    if (r > ratio) {
      ratio = r;
      worst = k;
    }
  }
  return `The scoring process ran out of memory (${worst} ${settings[worst]} may be too large; try a smaller size).`;
}

/** The score settings of a score request (for the out-of-memory message); undefined for a study. */
function settingsOf(job: Job): ScoreSettings | undefined {
  return job.payload.type === 'score' ? job.payload.settings : undefined;
}

/** Serves score requests through a restartable child process. See the module comment. */
export class ScoringClient {
  private readonly opts: ScoringClientOptions;
  private backendChoice: BackendChoice;
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private nextId = 1;
  private restarts = 0;
  private started = 0;
  private lastError: string | undefined;
  private crashed = false;
  private readonly crashTimes: number[] = [];
  private backoffUntil = 0;
  private backoffTimer: NodeJS.Timeout | undefined;
  private hangTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly listeners = new Set<(s: ScoringStatus) => void>();
  private lastStatusKey = '';
  private pendingBackendRestart = false;

  constructor(opts: ScoringClientOptions) {
    this.opts = opts;
    this.backendChoice = opts.backend ?? 'auto';
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 60_000;
  }

  private log(level: LogLevel, msg: string): void {
    try {
      this.opts.log?.(level, msg);
    } catch {
      /* a logger must not break scoring */
    }
  }

  /** Current status snapshot. */
  get status(): ScoringStatus {
    const w = this.worker && !this.worker.exited ? this.worker : undefined;
    let state: ScoringState;
    if (this.crashed && !w) state = 'crashed';
    else if (w && !w.ready) state = this.started > 1 ? 'restarting' : 'starting';
    else if (this.current) state = 'busy';
    else if (this.crashed && this.queue.length > 0) state = 'restarting';
    else state = 'idle';
    return {
      state,
      backend: w?.backend,
      tried: w?.tried,
      backendDescription: w?.description,
      restarts: this.restarts,
      lastError: this.lastError,
      pid: w?.proc.pid,
    };
  }

  /** Process id of the running worker, if any (tests kill it from outside). */
  get pid(): number | undefined {
    return this.worker && !this.worker.exited ? this.worker.proc.pid : undefined;
  }

  /** Called with a status snapshot whenever the state, backend, restart count or last error changes. */
  onStateChange(listener: (s: ScoringStatus) => void): Disposable {
    this.listeners.add(listener);
    return {
      dispose: () => {
        this.listeners.delete(listener);
      },
    };
  }

  private emitState(): void {
    const s = this.status;
    const key = `${s.state}|${s.backend}|${s.restarts}|${s.lastError}|${s.pid}`;
    if (key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    for (const l of [...this.listeners]) {
      try {
        l(s);
      } catch (e) {
        this.log('warn', `state listener threw: ${String(e)}`);
      }
    }
  }

  /**
   * Score one recipe. Requests are served one at a time, in order. Rejects with a {@link ScoringError}
   * (kind `cancelled` when the signal aborts, `crash` / `timeout` / `oom` when the worker dies, ...).
   */
  score(recipe: Recipe, settings: ScoreSettings, opts: ScoreOptions = {}): Promise<ScoreReport> {
    return this.enqueue({ type: 'score', recipe, settings }, opts) as Promise<ScoreReport>;
  }

  /**
   * Runs the correlation study (`runStudy` of src/study/study.ts) on these records in the worker, in turn with the
   * score requests: the same result as calling it here, without blocking this process's event loop. Rejects with
   * a {@link ScoringError} like {@link score} (cancelling a running study restarts the worker).
   */
  study(
    records: readonly StudyRecord[],
    options: StudyOptions = {},
    opts: { readonly signal?: AbortSignal } = {},
  ): Promise<StudyResult> {
    return this.enqueue({ type: 'study', records, options }, opts) as Promise<StudyResult>;
  }

  private enqueue(payload: Payload, opts: ScoreOptions): Promise<ScoreReport | StudyResult> {
    if (this.disposed) return Promise.reject(new ScoringError('disposed', 'The scoring client was disposed.'));
    return new Promise<ScoreReport | StudyResult>((resolve, reject) => {
      const job: Job = { id: this.nextId++, payload, opts, resolve, reject, settled: false };
      const signal = opts.signal;
      if (signal?.aborted) {
        reject(new ScoringError('cancelled', 'The scoring was cancelled.'));
        return;
      }
      if (signal) {
        const onAbort = () => this.cancel(job);
        signal.addEventListener('abort', onAbort, { once: true });
        job.removeAbort = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Change the backend; the worker is restarted (now if idle, else after the running request). */
  setBackend(choice: BackendChoice): void {
    if (choice === this.backendChoice) return;
    this.backendChoice = choice;
    if (this.worker && !this.current) this.stopWorker('restart');
    else if (this.worker) this.pendingBackendRestart = true;
  }

  /**
   * Stop the worker and start a fresh one now (the "Restart scoring process" command). The request in
   * flight is rejected (kind `cancelled`); queued requests are served by the new worker.
   */
  restart(): void {
    if (this.disposed) return;
    this.clearBackoff();
    this.crashTimes.length = 0;
    this.failCurrent(new ScoringError('cancelled', 'The scoring process was restarted; the request was cancelled.'));
    if (this.worker && !this.worker.exited) this.stopWorker('restart');
    else this.spawn();
  }

  /** Kill the worker (SIGKILL). The request in flight is rejected; a later request starts a new worker. */
  kill(): void {
    this.failCurrent(new ScoringError('cancelled', 'The scoring process was stopped; the request was cancelled.'));
    if (this.worker && !this.worker.exited) this.stopWorker('kill');
  }

  /** Reject everything, stop the worker, and refuse further requests. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearBackoff();
    const err = () => new ScoringError('disposed', 'The scoring client was disposed.');
    this.failCurrent(err());
    for (const j of this.queue.splice(0)) this.settle(j, err());
    const w = this.worker;
    if (w && !w.exited) {
      w.exitReason = 'dispose';
      this.post(w, { v: PROTOCOL_VERSION, type: 'shutdown' });
      // A worker busy in a long synchronous op reads `shutdown` late: kill it if it is not gone in 1 s.
      w.killTimer = setTimeout(() => {
        if (!w.exited) w.proc.kill('SIGKILL');
      }, 1000);
    }
    this.listeners.clear();
  }

  // ------------------------------------------------------------------ internals

  private settle(job: Job, result: ScoreReport | StudyResult | ScoringError): void {
    if (job.settled) return;
    job.settled = true;
    job.removeAbort?.();
    if (result instanceof ScoringError) job.reject(result);
    else job.resolve(result);
  }

  private cancel(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.settle(job, new ScoringError('cancelled', 'The scoring was cancelled.'));
      return;
    }
    if (this.current !== job || job.settled) return;
    // Answer the caller now; the worker slot stays taken until the worker acknowledges or is killed.
    this.settle(job, new ScoringError('cancelled', 'The scoring was cancelled.'));
    const w = this.worker;
    if (!w || w.exited) return;
    this.post(w, { v: PROTOCOL_VERSION, type: 'cancel', id: job.id });
    this.clearHang();
    this.graceTimer = setTimeout(() => {
      if (this.current === job && this.worker === w && !w.exited) {
        this.log(
          'warn',
          `the scoring process did not acknowledge a cancel within ${seconds(this.opts.cancelGraceMs ?? 2000)}; killing it`,
        );
        this.stopWorker('cancel-grace');
      }
    }, this.opts.cancelGraceMs ?? 2000);
  }

  /** Reject the request in flight (if not answered yet) and free the slot. */
  private failCurrent(err: ScoringError): void {
    const job = this.current;
    if (!job) return;
    this.current = undefined;
    this.clearHang();
    this.clearGrace();
    this.settle(job, err);
  }

  private clearHang(): void {
    if (this.hangTimer) clearTimeout(this.hangTimer);
    this.hangTimer = undefined;
  }
  private clearGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }
  private clearBackoff(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.backoffUntil = 0;
  }

  private armHang(): void {
    this.clearHang();
    const job = this.current;
    const w = this.worker;
    if (!job || job.settled || !w) return;
    // Before the worker is ready (loading TF.js and the backend) allow at least startTimeoutMs.
    const starting = !w.ready;
    const base =
      job.payload.type === 'study' ? Math.max(this.timeoutMs, this.opts.studyTimeoutMs ?? 10 * 60_000) : this.timeoutMs;
    const ms = starting ? Math.max(base, this.opts.startTimeoutMs ?? 30_000) : base;
    this.hangTimer = setTimeout(() => {
      if (this.current !== job || this.worker !== w || w.exited) return;
      const msg = starting
        ? `The scoring process did not start within ${seconds(ms)} and was stopped; it restarts for the next request.`
        : `The scoring process stopped responding after ${seconds(ms)} and was restarted.`;
      this.log('warn', msg);
      this.lastError = msg;
      this.noteCrash();
      this.failCurrent(new ScoringError('timeout', msg));
      this.stopWorker('timeout');
    }, ms);
  }

  private post(w: Worker, m: ClientMessage): void {
    if (w.exited || !w.proc.connected) return;
    try {
      w.proc.send(m, (err) => {
        if (err) this.log('debug', `send to the scoring process failed: ${err.message}`);
      });
    } catch (e) {
      this.log('debug', `send to the scoring process failed: ${String(e)}`);
    }
  }

  private stopWorker(reason: ExitReason): void {
    const w = this.worker;
    if (!w || w.exited) return;
    w.exitReason ??= reason;
    w.proc.kill('SIGKILL');
    this.emitState();
  }

  private noteCrash(): void {
    const now = Date.now();
    const window = this.opts.crashWindowMs ?? 60_000;
    this.crashTimes.push(now);
    while (this.crashTimes.length > 0 && this.crashTimes[0] < now - window) this.crashTimes.shift();
    const max = this.opts.maxCrashes ?? 3;
    if (this.crashTimes.length >= max) {
      const delay = Math.min(60_000, (this.opts.backoffMs ?? 5000) * 2 ** (this.crashTimes.length - max));
      this.backoffUntil = now + delay;
      this.log(
        'warn',
        `the scoring process failed ${this.crashTimes.length} times within ${seconds(window)}; waiting ${seconds(delay)} before starting it again`,
      );
    }
  }

  private resolveWasmDir(): string | undefined {
    if (this.opts.wasmDir) return this.opts.wasmDir;
    const dir = path.dirname(this.opts.workerPath);
    return existsSync(path.join(dir, 'tfjs-backend-wasm.wasm')) ? dir : undefined;
  }

  private spawn(): void {
    if (this.disposed || (this.worker && !this.worker.exited)) return;
    const env: Record<string, string | undefined> = { ...process.env, ...this.opts.env };
    if (!this.opts.nodePath && process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
    let proc: ChildProcess;
    try {
      proc = fork(this.opts.workerPath, [], {
        execPath: this.opts.nodePath ?? process.execPath,
        execArgv: [...(this.opts.execArgv ?? [])],
        env,
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
    } catch (e) {
      this.startFailed(`Could not start the scoring process: ${String(e)}`);
      return;
    }
    this.pendingBackendRestart = false; // a new worker gets the current backend choice anyway
    if (this.started > 0) this.restarts++;
    this.started++;
    const w: Worker = { proc, ready: false, stderrTail: '', exited: false };
    this.worker = w;
    this.log(
      'info',
      `starting the scoring process (${this.opts.nodePath ?? process.execPath} ${this.opts.workerPath}), backend ${this.backendChoice}`,
    );

    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (d: string) => {
      for (const line of d.split('\n')) if (line.trim()) this.log('debug', `[worker] ${line}`);
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (d: string) => {
      w.stderrTail = (w.stderrTail + d).slice(-STDERR_TAIL);
      for (const line of d.split('\n')) if (line.trim()) this.log('debug', `[worker stderr] ${line}`);
    });
    proc.on('message', (m: unknown) => {
      if (this.worker === w) this.onMessage(w, m);
    });
    proc.on('error', (err: NodeJS.ErrnoException) => {
      this.log('error', `scoring process error: ${err.message}`);
      if (proc.pid === undefined && this.worker === w && !w.exited) {
        w.exited = true;
        this.worker = undefined;
        this.startFailed(
          `Could not start the scoring process with ${this.opts.nodePath ?? process.execPath}: ${err.message}`,
        );
      }
    });
    proc.on('close', (code, signal) => this.onExit(w, code, signal));

    this.post(w, { v: PROTOCOL_VERSION, type: 'hello', backend: this.backendChoice, wasmDir: this.resolveWasmDir() });
    this.emitState();
  }

  private startFailed(msg: string): void {
    this.lastError = msg;
    this.crashed = true;
    const err = () => new ScoringError('start', msg);
    this.failCurrent(err());
    for (const j of this.queue.splice(0)) this.settle(j, err());
    this.emitState();
  }

  private onMessage(w: Worker, raw: unknown): void {
    const why = checkWorkerMessage(raw);
    if (why) {
      this.log('error', `malformed message from the scoring process: ${why}`);
      const id = (raw as { id?: unknown } | null)?.id;
      if (this.current && id === this.current.id) {
        const job = this.current;
        this.failCurrent(new ScoringError('internal', `The scoring process sent a malformed reply (${why}).`));
        if (job.settled) this.pump();
      }
      return;
    }
    const m = raw as WorkerMessage;
    switch (m.type) {
      case 'ready':
        w.ready = true;
        w.backend = m.backend;
        w.tried = m.tried;
        w.description = m.description;
        this.crashed = false;
        this.log(
          'info',
          `scoring process ${m.pid} ready on backend ${m.description ?? m.backend}` +
            (m.tried.some((t) => t.error)
              ? ` (tried: ${m.tried.map((t) => (t.error ? `${t.name}: ${t.error}` : t.name)).join('; ')})`
              : ''),
        );
        if (this.current && !this.current.settled) this.armHang();
        this.emitState();
        return;
      case 'log':
        this.log(m.level, `[worker] ${m.message}`);
        return;
      case 'progress':
        if (this.current && this.current.id === m.id && !this.current.settled) {
          this.armHang();
          try {
            this.current.opts.onProgress?.(m.progress);
          } catch (e) {
            this.log('warn', `progress listener threw: ${String(e)}`);
          }
        }
        return;
      case 'result':
      case 'studyResult':
      case 'error': {
        if (m.type === 'error' && m.id === undefined) {
          // Process-level failure (backend could not load); requests will fail with it one by one.
          w.ready = true;
          w.tried = m.tried;
          this.lastError = m.message;
          this.log('error', m.message + (m.detail ? `\n${m.detail}` : ''));
          this.emitState();
          return;
        }
        const job = this.current;
        if (!job || job.id !== m.id) {
          this.log('debug', `ignored a late ${m.type} for request ${m.id}`);
          return;
        }
        this.current = undefined;
        this.clearHang();
        this.clearGrace();
        if (m.type !== 'error' && m.type !== (job.payload.type === 'score' ? 'result' : 'studyResult')) {
          this.log('error', `the scoring process answered a ${job.payload.type} request with a ${m.type}`);
          this.settle(
            job,
            new ScoringError(
              'internal',
              `The scoring process sent a malformed reply (a ${m.type} to a ${job.payload.type} request).`,
            ),
          );
        } else if (m.type === 'result') {
          this.settle(job, m.report);
        } else if (m.type === 'studyResult') {
          this.settle(job, m.study);
        } else {
          if (m.detail) this.log('debug', m.detail);
          const message = m.kind === 'oom' ? outOfMemoryMessage(settingsOf(job)) : m.message;
          if (m.kind !== 'cancelled') this.lastError = message;
          this.settle(job, new ScoringError(m.kind, message, m.detail));
        }
        if (this.pendingBackendRestart) {
          this.pendingBackendRestart = false;
          this.stopWorker('restart');
        }
        this.emitState();
        this.pump();
        return;
      }
    }
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (w.exited && this.worker !== w) return;
    w.exited = true;
    if (w.killTimer) clearTimeout(w.killTimer);
    if (this.worker === w) this.worker = undefined;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const reason = w.exitReason;
    this.log(reason ? 'info' : 'warn', `scoring process ${w.proc.pid} ended (${how})${reason ? ` — ${reason}` : ''}`);
    if (reason === 'dispose') return;
    if (!reason) {
      // Unexpected: a crash, the OS killer, or V8 running out of heap.
      const oom = OOM_PATTERN.test(w.stderrTail);
      const job = this.current;
      let msg: string;
      let kind: ScoringErrorKind;
      if (oom) {
        kind = 'oom';
        msg = outOfMemoryMessage(job && settingsOf(job));
      } else {
        kind = 'crash';
        msg = signal
          ? `The scoring process was killed (${signal}) and will be restarted for the next request.`
          : `The scoring process stopped unexpectedly (exit code ${code}) and will be restarted for the next request.`;
      }
      this.lastError = msg;
      this.crashed = true;
      this.noteCrash();
      const lines = w.stderrTail.trim().split('\n');
      const detail = (oom ? lines.find((l) => OOM_PATTERN.test(l)) : undefined) ?? lines.slice(-5).join('\n');
      this.failCurrent(new ScoringError(kind, msg, detail || undefined));
    } else {
      // Killed on purpose (timeout, cancel grace, restart, kill): the request, if any, was answered.
      if (reason === 'timeout') this.crashed = true;
      this.failCurrent(new ScoringError('cancelled', 'The scoring was cancelled.'));
    }
    this.emitState();
    if (reason === 'restart') this.spawn();
    this.pump();
  }

  private pump(): void {
    if (this.disposed || this.current || this.queue.length === 0) {
      this.emitState();
      return;
    }
    if (this.worker && (this.worker.exited || this.worker.exitReason)) return; // wait for it to go
    const wait = this.backoffUntil - Date.now();
    if (wait > 0) {
      if (!this.backoffTimer) {
        this.backoffTimer = setTimeout(() => {
          this.backoffTimer = undefined;
          this.backoffUntil = 0;
          this.pump();
        }, wait);
      }
      this.emitState();
      return;
    }
    if (!this.worker) this.spawn();
    const w = this.worker;
    if (!w) return; // could not start: the queue was rejected
    const job = this.queue.shift()!;
    this.current = job;
    const p = job.payload;
    if (p.type === 'study')
      this.post(w, { v: PROTOCOL_VERSION, type: 'study', id: job.id, records: p.records, options: p.options });
    else {
      this.post(w, {
        v: PROTOCOL_VERSION,
        type: 'score',
        id: job.id,
        recipe: p.recipe,
        settings: p.settings,
        ...(job.opts.hash !== undefined ? { hash: job.opts.hash } : {}),
        ...(job.opts.fault !== undefined ? { fault: job.opts.fault } : {}),
      });
    }
    this.armHang();
    this.emitState();
  }
}
