/**
 * The event loop of this thread, seen two ways.
 * - For the benchmarks, how long a task blocks it (`measureBlocking`): a 5 ms interval timer notes, between two of
 *   its ticks, the wall time (`maxGapMs`, what a user feels, but also grown by a busy machine descheduling the
 *   process) and this thread's CPU time (`maxCpuMs`: the longest stretch of synchronous work).
 * - For the tests, which assert on events and values and never on time: how a task's work is interleaved with the
 *   turns of the loop (`turnCounter`, `sampleEachTurn`: a chain of setImmediate callbacks, one per turn). Work cut
 *   in slices that yield shows as progress spread over several turns; work done in one block shows in none.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * CPU time of the main thread in ms. On Linux from its schedstat (nanoseconds on the CPU), so that worker threads
 * busy beside the event loop (the parse worker, the benchmark loaders) are not counted as blocking it; elsewhere
 * the whole process's (Node 20 has no per-thread CPU clock).
 */
const threadCpuMs: () => number = (() => {
  const file = `/proc/self/task/${process.pid}/schedstat`;
  try {
    const read = () => Number(readFileSync(file, 'utf8').split(' ')[0]) / 1e6;
    if (Number.isFinite(read()) && read() > 0) return read;
  } catch {
    /* not Linux */
  }
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
})();

export interface Blocking<T> {
  readonly value: T;
  /** Longest wall time between two ticks, minus the interval. */
  readonly maxGapMs: number;
  /** Most CPU time of this (the main) thread spent between two ticks (see `threadCpuMs`). */
  readonly maxCpuMs: number;
  readonly wallMs: number;
}

export async function measureBlocking<T>(task: () => Promise<T> | T, intervalMs = 5): Promise<Blocking<T>> {
  const cpuMs = threadCpuMs;
  let lastWall = performance.now();
  let lastCpu = cpuMs();
  let maxGapMs = 0,
    maxCpuMs = 0;
  const note = () => {
    const wall = performance.now(),
      cpu = cpuMs();
    maxGapMs = Math.max(maxGapMs, wall - lastWall - intervalMs);
    maxCpuMs = Math.max(maxCpuMs, cpu - lastCpu);
    lastWall = wall;
    lastCpu = cpu;
  };
  const timer = setInterval(note, intervalMs);
  const t0 = performance.now();
  lastWall = t0;
  lastCpu = cpuMs();
  try {
    const value = await task();
    note(); // the task's last synchronous stretch
    return { value, maxGapMs: Math.max(0, maxGapMs), maxCpuMs, wallMs: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts the turns of the event loop from now until `stop()` (one setImmediate callback per turn). */
export function turnCounter(): { readonly turns: number; stop(): void } {
  let turns = 0;
  let timer: NodeJS.Immediate | undefined;
  const tick = () => {
    turns++;
    timer = setImmediate(tick);
  };
  timer = setImmediate(tick);
  return {
    get turns() {
      return turns;
    },
    stop() {
      if (timer) clearImmediate(timer);
      timer = undefined;
    },
  };
}

/** Runs `task`, calling `sample` at every turn of the event loop meanwhile (and once at the start and the end). */
export async function sampleEachTurn<T, S>(
  task: () => Promise<T>,
  sample: () => S,
): Promise<{ value: T; samples: S[] }> {
  const samples: S[] = [sample()];
  let timer: NodeJS.Immediate | undefined;
  const tick = () => {
    samples.push(sample());
    timer = setImmediate(tick);
  };
  timer = setImmediate(tick);
  try {
    const value = await task();
    samples.push(sample());
    return { value, samples };
  } finally {
    if (timer) clearImmediate(timer);
  }
}
