/**
 * Float64 Gram matrices G = R·Rᵀ on every core of the scoring process. The Gram matrices of the NTK (T·B × T·B per
 * linear-node source and output gradient) and of hidden covariance (H × H over B·T samples) are the float64 half
 * of a full-size score: ≈ 3 s of the LSTM's 9.5 s on one thread (bench/results/scoring.json). They are split by
 * row tiles over the process's main thread and {@link setGramThreads} helper threads (node:worker_threads, shared
 * memory), claimed dynamically from an atomic counter so a slow or busy core takes fewer tiles.
 *
 * Why threads here and not in TF.js: the wasm backend's own thread pool cannot start under Node without patching
 * the package (see backends.ts), while these threads are plain Node workers running one self-contained kernel.
 *
 * Determinism: every tile is computed by the same kernel (linalg `gramRowTile`) in the same summation order,
 * whichever thread runs it, and each entry of G is written by exactly one tile — so G is bit-identical for any
 * number of threads (tested). The call stays synchronous (the scoring passes are synchronous): the main thread
 * works through tiles too and then blocks on `Atomics.wait` until the helpers' tiles are done. A helper that dies
 * or stalls cannot hang the score: tiles not done after {@link STALL_MS} without progress are recomputed on the
 * main thread (tiles write with `=`, so a late duplicate write is harmless).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { countFlops } from './flops';
import { gramMatrix, gramRowTile } from './linalg';

/** Work below this many multiply-adds (n²/2·len) is done on the calling thread alone (a hand-off costs ≈ 0.1 ms). */
const MIN_PARALLEL_WORK = 4e6;
/** Without progress for this long, the main thread recomputes the unfinished tiles itself. */
const STALL_MS = 5_000;
/** Rows per tile (the kernel's block height). */
const TILE = 4;

/** A job's control words (Int32, shared): [next tile to claim, tiles done]; then one state per tile (2 = done). */
const NEXT = 0, DONE = 1, HEAD = 2;

/** What a helper thread runs: claim tiles from the shared counter until none is left. */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const gramRowTile = ${gramRowTile.toString()};
parentPort.on('message', (m) => {
  const { out, R, n, len, ctl, tiles } = m;
  for (;;) {
    const t = Atomics.add(ctl, ${NEXT}, 1);
    if (t >= tiles) break;
    gramRowTile(out, R, n, len, t * ${TILE});
    Atomics.store(ctl, ${HEAD} + t, 2);
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
});
`;

let wanted: number | undefined;
let helpers: Worker[] = [];

/** Helper threads the Gram matrices may use besides the calling thread (default: the cores − 1; env CELL_LENS_GRAM_THREADS overrides). */
export function gramThreads(): number {
  if (wanted !== undefined) return wanted;
  const env = process.env.CELL_LENS_GRAM_THREADS;
  const n = env !== undefined && env !== '' ? Number(env) : availableParallelism() - 1;
  return Number.isFinite(n) ? Math.max(0, Math.min(15, Math.floor(n))) : 0;
}

/** Sets the number of helper threads (0 = the calling thread only); stops helpers beyond it. */
export function setGramThreads(n: number): void {
  wanted = Math.max(0, Math.min(15, Math.floor(n)));
  for (const w of helpers.splice(wanted)) void w.terminate();
}

function ensureHelpers(k: number): Worker[] {
  while (helpers.length < k) {
    const w = new Worker(THREAD_SOURCE, { eval: true });
    w.unref(); // never keeps a CLI run or test alive
    w.on('error', () => { helpers = helpers.filter((h) => h !== w); });
    w.on('exit', () => { helpers = helpers.filter((h) => h !== w); });
    helpers.push(w);
  }
  return helpers.slice(0, k);
}

/**
 * G = R·Rᵀ (n × n, row-major, float64) for the n rows of R (`len` numbers each, row-major): bit-identical whatever
 * the number of threads. Large Gram matrices are split over the helper threads (see the module comment).
 */
export function gram(R: Float32Array | Float64Array, n: number, len: number): Float64Array {
  countFlops(n * n * len);
  const tiles = Math.ceil(n / TILE);
  const k = (n * n * len) / 2 >= MIN_PARALLEL_WORK && tiles > 1 ? gramThreads() : 0;
  if (k === 0) return gramMatrix(R, n, len);
  const out = new Float64Array(new SharedArrayBuffer(n * n * 8));
  const shared = R.buffer instanceof SharedArrayBuffer ? R : copyToShared(R);
  const ctl = new Int32Array(new SharedArrayBuffer((HEAD + tiles) * 4));
  for (const w of ensureHelpers(k)) w.postMessage({ out, R: shared, n, len, ctl, tiles });
  for (;;) {
    const t = Atomics.add(ctl, NEXT, 1);
    if (t >= tiles) break;
    gramRowTile(out, shared, n, len, t * TILE);
    Atomics.store(ctl, HEAD + t, 2);
    Atomics.add(ctl, DONE, 1);
  }
  // Wait for the tiles the helpers claimed; recompute them here if the helpers stop making progress.
  let last = Atomics.load(ctl, DONE), since = performance.now();
  while (last < tiles) {
    Atomics.wait(ctl, DONE, last, 250);
    const now = Atomics.load(ctl, DONE);
    if (now !== last) { last = now; since = performance.now(); continue; }
    if (performance.now() - since > STALL_MS) {
      for (let t = 0; t < tiles; t++) if (Atomics.load(ctl, HEAD + t) !== 2) gramRowTile(out, shared, n, len, t * TILE);
      setGramThreads(0); // a helper that stalls once is not trusted again in this process
      break;
    }
  }
  return out;
}

function copyToShared(R: Float32Array | Float64Array): Float32Array | Float64Array {
  const s = R instanceof Float32Array ? new Float32Array(new SharedArrayBuffer(R.length * 4)) : new Float64Array(new SharedArrayBuffer(R.length * 8));
  s.set(R);
  return s;
}
