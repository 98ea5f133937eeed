/**
 * A pool of scoring processes: N {@link ScoringClient}s (one child process each), so many cells use every core.
 * Requests go to the first idle worker (FIFO queue otherwise); each worker serves one cell at a time. A worker
 * that dies or hangs loses only its cell, which is retried once on that slot's fresh process (the client restarts
 * it); the other workers go on. Workers idle for `idleStopMs` stop their process (memory back: a full-size process
 * keeps ≈ 1.5–2 GB) and start again on demand. Pure Node (no `vscode` import).
 */
import * as os from 'node:os';
import type { Recipe } from '../recipe/types';
import type { ScoreReport, ScoreSettings } from './types';
import { ScoringClient, ScoringError, type ScoreOptions, type ScoringClientOptions } from './client';

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
  /** Makes a client (tests); default: a ScoringClient. */
  readonly makeClient?: (opts: ScoringClientOptions) => PoolClient;
}

interface Slot {
  client?: PoolClient;
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
}

interface Waiter { resolve: (slot: Slot) => void; reject: (e: ScoringError) => void; signal?: AbortSignal; onAbort?: () => void }

/** Bytes a scoring process needs at a model size (measured peak RSS: ≈ 1.5–2 GB at NAS-Bench-NLP size, < 0.2 GB at proxy). */
export function processMemoryBytes(settings: Pick<ScoreSettings, 'embed' | 'hidden' | 'vocab'>): number {
  return settings.hidden >= 300 || settings.vocab >= 5000 ? 2 * 2 ** 30 : 0.25 * 2 ** 30;
}

/** Default worker count: the cores, at most as many processes as the memory holds (free memory / what one needs). */
export function defaultWorkers(settings: Pick<ScoreSettings, 'embed' | 'hidden' | 'vocab'>, cores = os.availableParallelism?.() ?? os.cpus().length, freeBytes = os.freemem()): number {
  return Math.max(1, Math.min(cores, Math.floor(freeBytes / processMemoryBytes(settings))));
}

export class ScoringPool {
  private readonly slots: Slot[];
  private readonly waiters: Waiter[] = [];
  private disposed = false;
  private readonly make: (opts: ScoringClientOptions) => PoolClient;

  constructor(private readonly opts: ScoringPoolOptions) {
    const n = Math.max(1, Math.floor(opts.workers));
    this.slots = Array.from({ length: n }, () => ({ busy: false }));
    this.make = opts.makeClient ?? ((o) => new ScoringClient(o));
  }

  /** Number of worker slots. */
  get size(): number { return this.slots.length; }

  /** Process ids of the running workers. */
  get pids(): number[] {
    return this.slots.map((s) => s.client?.pid).filter((p): p is number => p !== undefined);
  }

  /** Workers whose process is alive (started and not stopped for idleness). */
  get running(): number { return this.slots.filter((s) => s.client !== undefined).length; }

  /** Score one cell on the first free worker; retried once on a fresh process when its worker crashes or hangs. */
  async score(recipe: Recipe, settings: ScoreSettings, opts: ScoreOptions = {}): Promise<ScoreReport> {
    const retries = this.opts.retries ?? 1;
    const slot = await this.acquire(opts.signal);
    try {
      // The cell keeps its worker slot across a retry (the slot's client starts a fresh process for it).
      for (let attempt = 0; ; attempt++) {
        try {
          slot.client ??= this.make(this.opts);
          return await slot.client.score(recipe, settings, opts);
        } catch (e) {
          const retry = e instanceof ScoringError && (e.kind === 'crash' || e.kind === 'timeout') && attempt < retries && !opts.signal?.aborted && !this.disposed;
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
    const free = this.slots.find((s) => !s.busy && s.client) ?? this.slots.find((s) => !s.busy);
    if (free) { this.take(free); return Promise.resolve(free); }
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
    if (slot.idleTimer) { clearTimeout(slot.idleTimer); slot.idleTimer = undefined; }
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
        this.opts.log?.('info', `scoring pool: stopping a worker idle for ${Math.round(idle / 1000)} s (it starts again on demand)`);
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
