/**
 * A pool of scoring processes: N {@link ScoringClient}s (one child process each), so many cells use every core.
 * Requests go to the first idle worker (FIFO queue otherwise); each worker serves one cell at a time. A worker
 * that dies or hangs loses only its cell, which is retried once on that slot's fresh process (the client restarts
 * it); the other workers go on. Workers idle for `idleStopMs` stop their process (memory back: a full-size process
 * keeps ≈ 1.5–2 GB) and start again on demand. Pure Node (no `vscode` import).
 */
import * as os from 'node:os';
import type { Recipe } from '../recipe/types';
import type { ScoreProgress, ScoreReport, ScoreSettings } from '../scoring/types';
import { ScoringClient, ScoringError, type ScoreOptions, type ScoringClientOptions } from './client';
import { mergeSplitReports, splitScoreSettings } from '../scoring/merge';

/** What the pool needs of a client (tests give fakes). */
export interface PoolClient {
  score(recipe: Recipe, settings: ScoreSettings, opts?: ScoreOptions): Promise<ScoreReport>;
  readonly pid: number | undefined;
  dispose(): void;
}

export interface ScoringPoolOptions extends ScoringClientOptions {
  /** Number of scoring processes (≥ 1). */
  readonly workers: number;
  /** Stop a worker's process after this long without work (default 5 min; 0 = never). */
  readonly idleStopMs?: number;
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

interface Slot {
  client?: PoolClient;
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
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

export class ScoringPool {
  private readonly slots: Slot[];
  private readonly waiters: Waiter[] = [];
  private disposed = false;
  /** score() calls not yet answered (split only when a cell is alone in the pool). */
  private active = 0;
  private readonly make: (opts: ScoringClientOptions) => PoolClient;

  private readonly opts: ScoringPoolOptions;

  constructor(opts: ScoringPoolOptions) {
    const n = Math.max(1, Math.floor(opts.workers));
    this.slots = Array.from({ length: n }, () => ({ busy: false }));
    this.make = opts.makeClient ?? ((o) => new ScoringClient(o));
    // Each process's Gram helper threads: the cores it has to itself (an explicit setting in env wins).
    const explicit = process.env.CELL_LENS_GRAM_THREADS !== undefined || opts.env?.CELL_LENS_GRAM_THREADS !== undefined;
    this.opts = explicit
      ? opts
      : { ...opts, env: { ...opts.env, CELL_LENS_GRAM_THREADS: String(gramHelpersPerProcess(n)) } };
  }

  /** Number of worker slots. */
  get size(): number {
    return this.slots.length;
  }

  /** Process ids of the running workers. */
  get pids(): number[] {
    return this.slots.map((s) => s.client?.pid).filter((p): p is number => p !== undefined);
  }

  /** Workers whose process is alive (started and not stopped for idleness). */
  get running(): number {
    return this.slots.filter((s) => s.client !== undefined).length;
  }

  /**
   * Score one cell on the first free worker; retried once on a fresh process when its worker crashes or hangs.
   * A cell alone in the pool (no other request in flight or waiting) with two idle workers is split over both
   * (see `split`): the same values in about half the time. A batch keeps one worker per cell (better throughput).
   */
  async score(recipe: Recipe, settings: ScoreSettings, opts: ScoreOptions = {}): Promise<ScoreReport> {
    this.active++;
    try {
      let halves: [ScoreSettings, ScoreSettings] | undefined;
      if (this.opts.split !== false && this.slots.length >= 2 && splitScoreSettings(settings)) {
        // Decide after the caller's synchronous burst: a batch submitted in one go is never split.
        await new Promise((r) => setImmediate(r));
        if (
          this.active === 1 &&
          !this.disposed &&
          !opts.signal?.aborted &&
          this.slots.filter((s) => !s.busy).length >= 2
        )
          halves = splitScoreSettings(settings);
      }
      if (halves) return await this.scoreSplit(recipe, settings, halves, opts);
      const slot = await this.acquire(opts.signal);
      return await this.runOn(slot, recipe, settings, opts);
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
    return scoreHalves((i, o) => this.runOn(slots[i], recipe, halves[i], o), settings, opts);
  }

  private takeFree(): Slot {
    const free = this.slots.find((s) => !s.busy && s.client) ?? this.slots.find((s) => !s.busy)!;
    this.take(free);
    return free;
  }

  /** Runs one request on a slot taken for it, retrying on that slot's fresh process; releases the slot. */
  private async runOn(slot: Slot, recipe: Recipe, settings: ScoreSettings, opts: ScoreOptions): Promise<ScoreReport> {
    const retries = this.opts.retries ?? 1;
    try {
      // The cell keeps its worker slot across a retry (the slot's client starts a fresh process for it).
      for (let attempt = 0; ; attempt++) {
        try {
          slot.client ??= this.make(this.opts);
          return await slot.client.score(recipe, settings, opts);
        } catch (e) {
          const retry =
            e instanceof ScoringError &&
            (e.kind === 'crash' || e.kind === 'timeout') &&
            attempt < retries &&
            !opts.signal?.aborted &&
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
    if (this.disposed) return Promise.reject(new ScoringError('disposed', 'The scoring pool was disposed.'));
    if (signal?.aborted) return Promise.reject(new ScoringError('cancelled', 'The scoring was cancelled.'));
    if (this.slots.some((s) => !s.busy)) return Promise.resolve(this.takeFree());
    return new Promise<Slot>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new ScoringError('cancelled', 'The scoring was cancelled.'));
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
    const next = this.waiters.shift();
    if (next) {
      if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
      this.take(slot);
      next.resolve(slot);
      return;
    }
    const idle = this.opts.idleStopMs ?? 5 * 60_000;
    if (idle > 0 && slot.client && !this.disposed) {
      slot.idleTimer = setTimeout(() => {
        slot.idleTimer = undefined;
        if (slot.busy || !slot.client) return;
        this.opts.log?.(
          'info',
          `scoring pool: stopping a worker idle for ${Math.round(idle / 1000)} s (it starts again on demand)`,
        );
        slot.client.dispose();
        slot.client = undefined;
      }, idle);
      slot.idleTimer.unref?.();
    }
  }

  /** Stops every worker; pending and waiting requests are rejected. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.waiters.splice(0)) w.reject(new ScoringError('disposed', 'The scoring pool was disposed.'));
    for (const s of this.slots) {
      if (s.idleTimer) clearTimeout(s.idleTimer);
      s.client?.dispose();
      s.client = undefined;
    }
  }
}

/**
 * Runs the two halves of one cell's scores (`run(0|1, opts)`, e.g. on two processes) at once and joins their
 * reports into one run's report (engine `mergeSplitReports`). Progress is the sum of both halves' steps once both
 * have reported; one half failing aborts the other; the caller's cancellation is reported as `cancelled`.
 */
export async function scoreHalves(
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
