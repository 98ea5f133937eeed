/**
 * A pool of scoring processes: N {@link ScoringClient}s (one child process each), so many cells use every core.
 * Requests go to the first idle worker (FIFO queue otherwise); each worker serves one cell at a time. A worker
 * that dies or hangs loses only its cell, which is retried once on that slot's fresh process (the client restarts
 * it); the other workers go on. Workers idle for `idleStopMs` stop their process (memory back: a full-size process
 * keeps ≈ 1.5–2 GB) and start again on demand. The CLI and the editor share it: the editor changes its size and
 * settings as the user's change ({@link ScoringPool.configure}), restarts it, and shows its events. Pure Node (no
 * `vscode` import).
 */
import * as os from 'node:os';
import type { Recipe } from '../recipe/types';
import type { ScoreId, ScoreProgress, ScoreReport, ScoreSettings } from '../scoring/types';
import type { StudyOptions, StudyRecord, StudyResult } from '../study/study';
import {
  ScoringClient,
  ScoringError,
  type Disposable,
  type ScoreOptions,
  type ScoringClientOptions,
  type ScoringErrorKind,
  type ScoringStatus,
} from './client';
import { mergeSplitReports, splitScoreSettings } from '../scoring/merge';

/**
 * What the pool needs of a client: a {@link ScoringClient}'s `score`, `pid` and `dispose`; the rest is used when
 * there (tests give fakes without it).
 */
export type PoolClient = Pick<ScoringClient, 'score' | 'pid' | 'dispose'> &
  Partial<Pick<ScoringClient, 'study' | 'status' | 'onStateChange' | 'setBackend' | 'restart' | 'kill'>>;

export interface ScoringPoolOptions extends ScoringClientOptions {
  /** Number of scoring processes (≥ 1). */
  readonly workers: number;
  /** Stop a worker's process after this long without work (default 5 min; 0 = never). */
  readonly idleStopMs?: number;
  /** The first this many workers keep their process when idle (the editor keeps one; default 0). */
  readonly keepAlive?: number;
  /** Retries of a cell whose worker crashed or hung (default 1). */
  readonly retries?: number;
  /**
   * Split one cell over two idle workers (its LM-pass scores on one, the rest on the other; see engine
   * `splitScoreSettings`) when nothing else is waiting — so a single cell uses two cores. Default true.
   */
  readonly split?: boolean;
  /** Makes a client (tests); default: a ScoringClient. */
  readonly makeClient?: (opts: ScoringClientOptions) => PoolClient;
}

/** Per-request options of {@link ScoringPool.score}. */
export interface PoolScoreOptions extends ScoreOptions {
  /** false: keep this cell on one worker even when it is alone (a batch: one worker per cell scores more per hour). */
  readonly split?: false;
}

/** What a worker served: a whole cell, one half of a split cell (see `split`), or the study. */
export type PoolJob = 'cell' | 'half 1' | 'half 2' | 'study';

/**
 * What the pool did, in order (tests assert on these instead of watching process ids; the editor's status bar
 * shows the `state` of the first worker).
 */
export type PoolEvent =
  /** A worker took a request; `pid` is its process (started for it when none ran). */
  | {
      readonly type: 'job-start';
      readonly slot: number;
      readonly pid: number | undefined;
      readonly job: PoolJob;
      readonly hash?: string;
      readonly scores?: readonly ScoreId[];
    }
  /** A worker answered a request (`pid`: the process it went to): `error` is the failure's kind, absent on success. */
  | {
      readonly type: 'job-end';
      readonly slot: number;
      readonly pid: number | undefined;
      readonly job: PoolJob;
      readonly hash?: string;
      readonly error?: ScoringErrorKind | 'other';
    }
  /** A worker's process changed state (its client's status). */
  | { readonly type: 'state'; readonly slot: number; readonly status: ScoringStatus }
  /** A worker idle for `idleStopMs` stopped its process. */
  | { readonly type: 'idle-stop'; readonly slot: number; readonly pid: number | undefined };

interface Slot {
  client?: PoolClient;
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
  /** Its process runs with settings that changed: it is replaced when its request ends. */
  stale?: boolean;
  /** The pool shrank below it: it goes when its request ends. */
  retired?: boolean;
}

interface Waiter {
  resolve: (slot: Slot) => void;
  reject: (e: ScoringError) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Bytes a scoring process needs at a model size (measured peak RSS: ≈ 1.5–2 GB at NAS-Bench-NLP size, < 0.2 GB at proxy). */
export function processMemoryBytes(settings: Pick<ScoreSettings, 'embed' | 'hidden' | 'vocab'>): number {
  return settings.hidden >= 300 || settings.vocab >= 5000 ? 2 * 2 ** 30 : 0.25 * 2 ** 30;
}

/** Default worker count: the cores, at most as many processes as the memory holds (free memory / what one needs). */
export function defaultWorkers(
  settings: Pick<ScoreSettings, 'embed' | 'hidden' | 'vocab'>,
  cores = os.availableParallelism?.() ?? os.cpus().length,
  freeBytes = os.freemem(),
): number {
  return Math.max(1, Math.min(cores, Math.floor(freeBytes / processMemoryBytes(settings))));
}

/**
 * Gram helper threads per scoring process (model/gram) when `processes` share `cores`: the cores a process has to
 * itself, minus its own thread. With every core busy scoring cells, helper threads only contend: full size, 10
 * cells, 2 workers on 2 cores, 48.2 s with one helper each vs 45.4 s without (bench/results/pool.json).
 */
export function gramHelpersPerProcess(
  processes: number,
  cores = os.availableParallelism?.() ?? os.cpus().length,
): number {
  return Math.max(0, Math.floor(cores / Math.max(1, processes)) - 1);
}

/** Options of the pool itself, and the backend (sent to running workers): not how a process is started. */
const POOL_ONLY = new Set(['workers', 'idleStopMs', 'keepAlive', 'retries', 'split', 'makeClient', 'log', 'backend']);

/** How the workers' processes are started: when it changes, the processes are replaced. */
function processKey(o: ScoringPoolOptions): string {
  const entries = Object.entries(o).filter(([k, v]) => !POOL_ONLY.has(k) && v !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => a.localeCompare(b)));
}

const cancelledError = () => new ScoringError('cancelled', 'The scoring was cancelled.');
const disposedError = () => new ScoringError('disposed', 'The scoring pool was disposed.');

export class ScoringPool {
  private readonly slots: Slot[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly listeners = new Set<(e: PoolEvent) => void>();
  private disposed = false;
  /** score() and study() calls not yet answered (split only when a cell is alone in the pool). */
  private active = 0;
  private readonly make: (opts: ScoringClientOptions) => PoolClient;
  private opts: ScoringPoolOptions;

  constructor(opts: ScoringPoolOptions) {
    this.opts = opts;
    this.make = opts.makeClient ?? ((o) => new ScoringClient(o));
    this.resize(opts.workers);
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.filter((s) => !s.retired).length;
  }

  /** Process ids of the running workers. */
  get pids(): number[] {
    return this.slots.map((s) => s.client?.pid).filter((p): p is number => p !== undefined);
  }

  /** Workers whose process is alive (started and not stopped for idleness). */
  get running(): number {
    return this.slots.filter((s) => s.client !== undefined).length;
  }

  /** The status of a worker's process (default: the first, which the editor keeps); undefined before it started. */
  statusOf(slot = 0): ScoringStatus | undefined {
    return this.slots[slot]?.client?.status;
  }

  /** Called with each {@link PoolEvent}, in order. */
  onEvent(listener: (e: PoolEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(e: PoolEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.opts.log?.('warn', `scoring pool: an event listener threw: ${String(err)}`);
      }
    }
  }

  /**
   * New settings (the editor passes the user's current ones before each request): `workers` grows or shrinks the
   * pool (a busy worker beyond the new count goes when its request ends); `idleStopMs` and `retries` apply from now;
   * `backend` reaches each running process (ScoringClient.setBackend); a change of how processes start (node
   * binary, flags, timeouts, environment) replaces them: idle ones now, busy ones when their request ends, each
   * started again on demand. A resize changes the Gram helper threads of processes started later only.
   */
  configure(patch: Partial<Omit<ScoringPoolOptions, 'makeClient' | 'log' | 'keepAlive'>>): void {
    if (this.disposed) return;
    const prev = this.opts;
    this.opts = { ...prev, ...patch };
    if (patch.workers !== undefined) this.resize(patch.workers);
    if (patch.backend !== undefined) for (const s of this.slots) s.client?.setBackend?.(patch.backend);
    if (processKey(this.opts) === processKey(prev)) return;
    const running = this.slots.filter((s) => s.client);
    if (running.length)
      this.opts.log?.('info', 'scoring pool: process settings changed; the scoring processes start again on demand');
    for (const s of running) {
      if (s.busy) s.stale = true;
      else this.stop(s);
    }
  }

  /** Grows (a waiting request takes a new worker at once) or shrinks the workers; at least one. */
  private resize(workers: number): void {
    const n = Math.max(1, Math.floor(workers));
    let live = this.size;
    for (const s of this.slots)
      if (live < n && s.retired) {
        s.retired = false;
        live++;
      }
    for (; live < n; live++) {
      const s: Slot = { busy: false };
      this.slots.push(s);
      this.offer(s);
    }
    for (let i = this.slots.length - 1; i >= 0 && live > n; i--) {
      const s = this.slots[i];
      if (s.retired) continue;
      live--;
      if (s.busy) s.retired = true;
      else {
        this.stop(s);
        this.slots.splice(i, 1);
      }
    }
  }

  /**
   * Score one cell on the first free worker; retried once on a fresh process when its worker crashes or hangs.
   * A cell alone in the pool (no other request in flight or waiting) with two idle workers is split over both
   * (see `split`): the same values in about half the time. A batch keeps one worker per cell (better throughput).
   */
  async score(recipe: Recipe, settings: ScoreSettings, opts: PoolScoreOptions = {}): Promise<ScoreReport> {
    const { split, ...o } = opts;
    this.active++;
    try {
      let halves: [ScoreSettings, ScoreSettings] | undefined;
      if (split !== false && this.opts.split !== false && this.size >= 2 && splitScoreSettings(settings)) {
        // Decide after the caller's synchronous burst: a batch submitted in one go is never split.
        await new Promise((r) => setImmediate(r));
        if (this.active === 1 && !this.disposed && !o.signal?.aborted && this.slots.filter((s) => !s.busy).length >= 2)
          halves = splitScoreSettings(settings);
      }
      if (halves) return await this.scoreSplit(recipe, settings, halves, o);
      const slot = await this.acquire(o.signal);
      const what = { hash: o.hash, scores: settings.scores };
      return await this.runOn(slot, 'cell', what, (c) => c.score(recipe, settings, o), o.signal);
    } finally {
      this.active--;
    }
  }

  /** Scores the two halves of one cell on two slots taken now, and joins their reports. */
  private scoreSplit(
    recipe: Recipe,
    settings: ScoreSettings,
    halves: [ScoreSettings, ScoreSettings],
    opts: ScoreOptions,
  ): Promise<ScoreReport> {
    const slots = [this.takeFree(), this.takeFree()];
    const jobs = ['half 1', 'half 2'] as const;
    return scoreHalves(
      (i, o) =>
        this.runOn(
          slots[i],
          jobs[i],
          { hash: o.hash, scores: halves[i].scores },
          (c) => c.score(recipe, halves[i], o),
          o.signal,
        ),
      settings,
      opts,
    );
  }

  /**
   * Runs the correlation study (ScoringClient.study) on the first free worker, off the caller's event loop. Not
   * retried: a crash is the caller's to report.
   */
  async study(
    records: readonly StudyRecord[],
    options: StudyOptions,
    opts: { readonly signal?: AbortSignal } = {},
  ): Promise<StudyResult> {
    this.active++;
    try {
      const slot = await this.acquire(opts.signal);
      const run = (c: PoolClient) =>
        c.study?.(records, options, opts) ??
        Promise.reject(new ScoringError('start', 'This scoring process cannot run the study.'));
      return await this.runOn(slot, 'study', {}, run, opts.signal, 0);
    } finally {
      this.active--;
    }
  }

  private takeFree(): Slot {
    const free = this.slots.find((s) => !s.busy && s.client) ?? this.slots.find((s) => !s.busy)!;
    this.take(free);
    return free;
  }

  /** The slot's client, made (and its state changes passed on as events) when it has none. */
  private clientOf(slot: Slot): PoolClient {
    if (slot.client) return slot.client;
    // Each process's Gram helper threads: the cores it has to itself (an explicit setting in env wins).
    const o = this.opts;
    const explicit = process.env.CELL_LENS_GRAM_THREADS !== undefined || o.env?.CELL_LENS_GRAM_THREADS !== undefined;
    const c = this.make(
      explicit ? o : { ...o, env: { ...o.env, CELL_LENS_GRAM_THREADS: String(gramHelpersPerProcess(this.size)) } },
    );
    c.onStateChange?.((status) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0 && slot.client === c) this.emit({ type: 'state', slot: i, status });
    });
    slot.client = c;
    return c;
  }

  /**
   * Runs one request on a slot taken for it, retrying (`retries`, default the pool's) on that slot's fresh process
   * when the process crashed or hung; releases the slot.
   */
  private async runOn<T>(
    slot: Slot,
    job: PoolJob,
    what: { readonly hash?: string; readonly scores?: readonly ScoreId[] },
    run: (client: PoolClient) => Promise<T>,
    signal: AbortSignal | undefined,
    retries = this.opts.retries ?? 1,
  ): Promise<T> {
    try {
      // The cell keeps its worker slot across a retry (the slot's client starts a fresh process for it).
      for (let attempt = 0; ; attempt++) {
        const client = this.clientOf(slot);
        // The process the request went to (a client in back-off starts it later).
        let pid: number | undefined;
        const at = () => ({ slot: this.slots.indexOf(slot), pid: (pid ??= client.pid), job, ...what });
        try {
          const answer = run(client);
          this.emit({ type: 'job-start', ...at() });
          const r = await answer;
          this.emit({ type: 'job-end', ...at() });
          return r;
        } catch (e) {
          this.emit({ type: 'job-end', ...at(), error: e instanceof ScoringError ? e.kind : 'other' });
          const retry =
            e instanceof ScoringError &&
            (e.kind === 'crash' || e.kind === 'timeout') &&
            attempt < retries &&
            !signal?.aborted &&
            !this.disposed;
          if (!retry) throw e;
          this.opts.log?.('warn', `scoring pool: ${e.message} — retrying the cell on a fresh process`);
        }
      }
    } finally {
      this.release(slot);
    }
  }

  private acquire(signal?: AbortSignal): Promise<Slot> {
    if (this.disposed) return Promise.reject(disposedError());
    if (signal?.aborted) return Promise.reject(cancelledError());
    if (this.slots.some((s) => !s.busy)) return Promise.resolve(this.takeFree());
    return new Promise<Slot>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(cancelledError());
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
    });
  }

  private take(slot: Slot): void {
    slot.busy = true;
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    if (slot.retired) {
      this.stop(slot);
      this.slots.splice(this.slots.indexOf(slot), 1);
      return;
    }
    if (slot.stale) this.stop(slot);
    this.offer(slot);
  }

  /** A free slot goes to the first waiting request; else, past the kept ones, it stops after `idleStopMs`. */
  private offer(slot: Slot): void {
    const next = this.waiters.shift();
    if (next) {
      if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
      this.take(slot);
      next.resolve(slot);
      return;
    }
    const idle = this.opts.idleStopMs ?? 5 * 60_000;
    if (idle > 0 && slot.client && !this.disposed && this.slots.indexOf(slot) >= (this.opts.keepAlive ?? 0)) {
      slot.idleTimer = setTimeout(() => {
        slot.idleTimer = undefined;
        if (slot.busy || !slot.client) return;
        this.opts.log?.(
          'info',
          `scoring pool: stopping a worker idle for ${Math.round(idle / 1000)} s (it starts again on demand)`,
        );
        const pid = slot.client.pid;
        this.stop(slot);
        this.emit({ type: 'idle-stop', slot: this.slots.indexOf(slot), pid });
      }, idle);
      slot.idleTimer.unref?.();
    }
  }

  /** Stops a slot's process (its client); a later request on the slot makes a new one. */
  private stop(slot: Slot): void {
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
    slot.client?.dispose();
    slot.client = undefined;
    slot.stale = false;
  }

  /**
   * Starts the processes again now (the "Restart Scoring Process" command): every running worker's, and the first
   * worker's in any case; their requests in flight are cancelled.
   */
  restart(): void {
    if (this.disposed) return;
    for (const [i, s] of this.slots.entries()) if (i === 0 || s.client) this.clientOf(s).restart?.();
  }

  /** Kills every running process (SIGKILL): their requests in flight fail; later requests start fresh ones. */
  kill(): void {
    for (const s of this.slots) s.client?.kill?.();
  }

  /** Stops every worker; pending and waiting requests are rejected. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.waiters.splice(0)) w.reject(disposedError());
    for (const s of this.slots) this.stop(s);
    this.listeners.clear();
  }
}

/**
 * Runs the two halves of one cell's scores (`run(0|1, opts)`, e.g. on two processes) at once and joins their
 * reports into one run's report (engine `mergeSplitReports`). Progress is the sum of both halves' steps once both
 * have reported; one half failing aborts the other; the caller's cancellation is reported as `cancelled`.
 */
async function scoreHalves(
  run: (half: 0 | 1, opts: ScoreOptions) => Promise<ScoreReport>,
  settings: ScoreSettings,
  opts: ScoreOptions = {},
): Promise<ScoreReport> {
  const t0 = performance.now();
  const both = new AbortController();
  const onAbort = () => both.abort();
  if (opts.signal?.aborted) both.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const progress: (ScoreProgress | undefined)[] = [undefined, undefined];
  const half = (i: 0 | 1) =>
    run(i, {
      ...opts,
      signal: both.signal,
      onProgress:
        opts.onProgress &&
        ((p) => {
          progress[i] = p;
          const [a, b] = progress;
          if (a && b) opts.onProgress!({ done: a.done + b.done, total: a.total + b.total, message: p.message });
        }),
    }).catch((e: unknown) => {
      both.abort();
      throw e;
    });
  try {
    const parts = await Promise.all([half(0), half(1)]);
    return mergeSplitReports(settings, parts, performance.now() - t0);
  } catch (e) {
    if (opts.signal?.aborted) throw new ScoringError('cancelled', 'The scoring was cancelled.');
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
