/**
 * Loading a big benchmark without stalling the thread that asks for it (the extension host): the logs are read,
 * parsed and hashed on worker threads (`worker.ts`, one shard of the items each, see `protocol.ts`), the zip
 * archives read once into shared memory; this thread only receives batches of runs and builds the index in
 * slices between which its event loop runs. Where no worker can run (no worker script, `workers: 0`, a worker
 * that fails) the logs are read on this thread, in slices too. Every path gives the same index as the
 * synchronous {@link loadBenchmarkIndex}. Pure Node code, no `vscode` import.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadPrebuiltIndex, prebuiltIndexPath } from './compact';
import { BenchmarkIndex } from './index';
import type { LoadIndexOptions } from './load';
import {
  addOutcome,
  MAX_ZIP_BYTES,
  openLogSource,
  readZipAsync,
  type LoadResult,
  type LogOutcome,
  type LogSource,
} from './sources';
import { isLoadMessage, LOAD_PROTOCOL_VERSION, type LoadJob } from './protocol';

/** How far loading got: logs read of the logs found so far (the total grows as sources are opened). */
export interface LoadProgress {
  readonly done: number;
  readonly total: number;
}

/** Options of {@link loadBenchmarkIndexInBackground}. */
export interface BackgroundLoadOptions extends LoadIndexOptions {
  /** Worker threads to read the logs on (default {@link defaultWorkerCount}); 0 reads them on this thread, in slices. */
  readonly workers?: number;
  /** The worker entry (default {@link benchmarkWorkerScript}). */
  readonly workerScript?: string;
  /** Called as logs are read (a few times per second at most for a big source). */
  readonly onProgress?: (p: LoadProgress) => void;
  /** Aborting stops the workers; the promise then rejects with an `AbortError`. */
  readonly signal?: AbortSignal;
  /** Longest stretch of work on this thread between two turns of its event loop (default 15 ms). */
  readonly sliceMs?: number;
  /**
   * Called at each pause for the event loop while this thread reads the logs itself (mode `main-thread`), with the
   * logs read so far: how that work is cut (tests).
   */
  readonly onSlice?: (logsRead: number) => void;
}

/** What {@link loadBenchmarkIndexInBackground} did. */
export interface BackgroundLoad {
  readonly index: BenchmarkIndex;
  /** Where the logs were read: on worker threads, on this thread in slices, or nowhere (no sources). */
  readonly mode: 'workers' | 'main-thread' | 'none';
  /** Worker threads used (0 unless mode is `workers`). */
  readonly workers: number;
  /** Why the logs were read on this thread though workers were asked for. */
  readonly fallback?: string;
  /** Logs read (items of all sources). */
  readonly logs: number;
}

/** The worker entry: `benchmarkWorker.js` beside the bundle (dist/), or `worker.ts` beside this file (sources, under tsx). */
export function benchmarkWorkerScript(): string | undefined {
  return [join(__dirname, 'benchmarkWorker.js'), join(__dirname, 'worker.ts')].find((p) => existsSync(p));
}

/**
 * Default number of worker threads: one per CPU but one (left to the extension host and the window), at least 1
 * and at most 4 (reading 14k logs takes about 5 s of CPU, so 4 workers read them in less than 2 s).
 */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

function abortError(): Error {
  const e = new Error('benchmark loading aborted');
  e.name = 'AbortError';
  return e;
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * The prebuilt index (unless switched off) merged with the logs of `sources`, read off this thread (see the
 * module comment). Equal to `loadBenchmarkIndex(sources, options)`. Rejects only when aborted.
 */
export async function loadBenchmarkIndexInBackground(
  sources: readonly LogSource[],
  options: BackgroundLoadOptions = {},
): Promise<BackgroundLoad> {
  const prebuilt = options.prebuilt ?? true;
  const base =
    prebuilt === false
      ? BenchmarkIndex.empty()
      : loadPrebuiltIndex(typeof prebuilt === 'string' ? prebuilt : prebuiltIndexPath());
  if (sources.length === 0) return { index: base, mode: 'none', workers: 0, logs: 0 };
  const sliceMs = options.sliceMs ?? 15;
  const wanted = Math.max(0, Math.floor(options.workers ?? defaultWorkerCount()));
  const script = options.workerScript ?? benchmarkWorkerScript();
  let read: { result: LoadResult; logs: number } | undefined;
  let fallback: string | undefined;
  if (wanted > 0 && script) {
    try {
      read = await readInWorkers(sources, script, wanted, options);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      fallback = `worker threads failed (${(err as Error).message})`;
    }
  } else if (wanted > 0) {
    fallback = 'no worker script found';
  }
  const mode = read ? 'workers' : 'main-thread';
  read ??= await readInSlices(sources, sliceMs, options);
  if (options.signal?.aborted) throw abortError();
  // The same runs and warnings, in the same order, as base.merge(BenchmarkIndex.fromLoadResult(result)).
  const index = await BenchmarkIndex.buildInSlices(
    [...base.runs(), ...read.result.runs],
    [...base.warnings, ...read.result.warnings],
    sliceMs,
  );
  if (options.signal?.aborted) throw abortError();
  return { index, mode, workers: mode === 'workers' ? wanted : 0, ...(fallback ? { fallback } : {}), logs: read.logs };
}

/** A zip source's bytes in shared memory (one copy for all workers), read asynchronously; undefined otherwise. */
async function readZipShared(s: LogSource): Promise<SharedArrayBuffer | undefined> {
  const path = resolve(s.path);
  if (!path.toLowerCase().endsWith('.zip')) return undefined;
  let fh;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_ZIP_BYTES) return undefined; // the worker says why
    const sab = new SharedArrayBuffer(st.size);
    const view = new Uint8Array(sab);
    for (let off = 0; off < st.size;) {
      const { bytesRead } = await fh.read(view, off, Math.min(8 << 20, st.size - off), off);
      if (bytesRead === 0) return undefined;
      off += bytesRead;
    }
    return sab;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

function startWorker(script: string, data: LoadJob): Worker {
  // A worker may use a lot of memory on a malformed source: the limit turns that into an error of the worker
  // (and a fallback) instead of taking the whole extension host down.
  const resourceLimits = { maxOldGenerationSizeMb: 1024 };
  if (script.endsWith('.ts')) {
    // From the sources (tests, benches under tsx): the worker registers tsx's require hook before loading the entry.
    // (The name is not a literal so that bundlers leave it alone: a bundle never starts a .ts worker.)
    const tsxCjs = require.resolve(['tsx', 'cjs'].join('/'));
    return new Worker(script, { workerData: data, resourceLimits, execArgv: ['--require', tsxCjs] });
  }
  return new Worker(script, { workerData: data, resourceLimits });
}

/** The logs of `sources` read by `count` worker threads, merged in item order. */
async function readInWorkers(
  sources: readonly LogSource[],
  script: string,
  count: number,
  options: BackgroundLoadOptions,
): Promise<{ result: LoadResult; logs: number }> {
  const zips = await Promise.all(sources.map(readZipShared));
  if (options.signal?.aborted) throw abortError();
  const perSource = sources.map(() => ({ items: -1, prelude: [] as LogOutcome[], slots: [] as LogOutcome[] }));
  let done = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastReport < 100)) return;
    lastReport = now;
    options.onProgress({ done, total: perSource.reduce((n, s) => n + Math.max(0, s.items), 0) });
  };
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolveAll, reject) => {
      let finished = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const onAbort = () => fail(abortError());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      for (let shard = 0; shard < count; shard++) {
        const w = startWorker(script, { version: LOAD_PROTOCOL_VERSION, sources, shard, shards: count, zips });
        workers.push(w);
        let over = false;
        w.on('message', (m: unknown) => {
          if (failed) return;
          if (!isLoadMessage(m)) return fail(new Error('a worker sent a malformed message'));
          switch (m.type) {
            case 'source': {
              const s = perSource[m.source];
              if (!s) return fail(new Error(`a worker sent source ${m.source} of ${sources.length}`));
              if (s.items < 0) {
                s.items = m.items;
                s.slots = new Array<LogOutcome>(m.items);
              }
              report();
              return;
            }
            case 'outcomes': {
              const s = perSource[m.source];
              if (!s || s.items < 0)
                return fail(new Error(`a worker sent outcomes of source ${m.source} before opening it`));
              for (const o of m.outcomes) {
                if (o.pos < 0) s.prelude.push(o);
                else if (o.pos < s.items) {
                  s.slots[o.pos] = o;
                  done++;
                }
              }
              report();
              return;
            }
            case 'done':
              over = true;
              if (++finished === count) {
                options.signal?.removeEventListener('abort', onAbort);
                resolveAll();
              }
              return;
            case 'error':
              return fail(new Error(m.message));
          }
        });
        w.on('error', (err) => fail(err));
        w.on('exit', (code) => {
          if (!over) fail(new Error(`a worker stopped (exit code ${code})`));
        });
      }
    });
  } finally {
    for (const w of workers) void w.terminate();
  }
  report(true);
  const result: LoadResult = { runs: [], warnings: [], ignored: [] };
  let logs = 0;
  for (const s of perSource) {
    for (const o of s.prelude) addOutcome(result, o);
    for (let pos = 0; pos < s.items; pos++) {
      const o = s.slots[pos];
      if (!o) throw new Error(`no worker read item ${pos}`);
      addOutcome(result, o);
    }
    logs += Math.max(0, s.items);
  }
  return { result, logs };
}

/** The logs of `sources` read on this thread, pausing for the event loop every `sliceMs`. */
async function readInSlices(
  sources: readonly LogSource[],
  sliceMs: number,
  options: BackgroundLoadOptions,
): Promise<{ result: LoadResult; logs: number }> {
  const result: LoadResult = { runs: [], warnings: [], ignored: [] };
  let done = 0,
    total = 0,
    logs = 0;
  let start = performance.now();
  let lastReport = 0;
  for (const s of sources) {
    const opened = openLogSource(s, await readZipAsync(s));
    total += opened.items;
    logs += opened.items;
    for (const o of opened.prelude) addOutcome(result, o);
    for (let pos = 0; pos < opened.items; pos++) {
      addOutcome(result, opened.read(pos));
      done++;
      const now = performance.now();
      if (now - start >= sliceMs) {
        if (options.onProgress && now - lastReport >= 100) {
          lastReport = now;
          options.onProgress({ done, total });
        }
        options.onSlice?.(done);
        await nextTurn();
        if (options.signal?.aborted) throw abortError();
        start = performance.now();
      }
    }
  }
  options.onProgress?.({ done, total });
  return { result, logs };
}
