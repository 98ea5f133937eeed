/**
 * How long scoring will take, before it starts: from the per-cell time measured in this session for these settings,
 * else from the engine's benchmark (bench/results/scoring.json: about 7 s per cell at the NAS-Bench-NLP size and
 * 0.15 s at the proxy preset on one wasm thread), scaled for custom sizes by the work of the passes. Pure.
 */
import type { ModelSizes } from './types';
import { SIZE_PRESETS, presetOf } from './presets';

/** Benchmark per-cell times (ms, all default scores, one process): the median of RNN, GRU and LSTM. */
export const BENCH_MS_PER_CELL = { 'nas-bench-nlp': 7800, proxy: 150 } as const;

/** Relative work of a size: the recurrent products dominate (∝ hidden² · layers · T · B) plus the hidden-cov pass. */
function work(s: ModelSizes): number {
  return s.hidden * (s.hidden + s.embed) * s.layers * s.seqLen * s.batch + s.hidden * (s.hidden + s.embed) * 3500;
}

/** Expected milliseconds per cell at these sizes on one process (measured value first). */
export function msPerCell(sizes: ModelSizes, measuredMs?: number): number {
  if (measuredMs !== undefined && Number.isFinite(measuredMs) && measuredMs > 0) return measuredMs;
  const preset = presetOf(sizes);
  if (preset) return BENCH_MS_PER_CELL[preset];
  return Math.max(20, BENCH_MS_PER_CELL['nas-bench-nlp'] * (work(sizes) / work(SIZE_PRESETS['nas-bench-nlp'])));
}

/** Expected wall time (ms) for `cells` cells on `workers` processes. */
export function estimateMs(cells: number, sizes: ModelSizes, workers: number, measuredMs?: number): number {
  return (cells * msPerCell(sizes, measuredMs)) / Math.max(1, Math.min(workers, cells));
}

/**
 * Time left of a run from its observed rate: `done` items finished in `elapsedMs` since the run (or its phase)
 * began, `left` still to do. Undefined before the first item; 0 when none is left. The rate already includes the
 * parallelism, the overheads and the waits, so no per-item guess enters.
 */
export function remainingMs(done: number, left: number, elapsedMs: number): number | undefined {
  if (left <= 0) return 0;
  if (!(done > 0) || !Number.isFinite(elapsedMs) || elapsedMs < 0) return undefined;
  return (elapsedMs / done) * left;
}

/** "4 min", "12 s", "1 h 05 min". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** "about 1 h 10 min", "about 4 min", "about 40 s" (never "about 0 s"). */
export function formatEstimate(ms: number): string {
  return `about ${formatDuration(Math.max(1000, ms))}`;
}
