/**
 * Float64 Gram matrices G = R·Rᵀ on every core of the scoring process, by a WebAssembly SIMD kernel. The Gram
 * matrices of the NTK (T·B × T·B per linear-node source and output gradient) and of hidden covariance (H × H over
 * B·T samples) are the float64 half of a full-size score: ≈ 3 s of the LSTM's 10 s on one thread with the former
 * JavaScript kernel (bench/results/single-cell.json), ≈ 1.8 GFLOP/s.
 *
 * The kernel (gram.wat, compiled into gramWasm.ts by scripts/build-wasm.ts) computes 8 × 2 blocks of G with f64x2
 * multiplies and adds. The rows are first packed k-major into panels (8 rows for the left operand, 2 for the right)
 * so that its inner loop reads memory sequentially; without the packing the same kernel was slower than JavaScript
 * (strided loads). Each entry is still summed over k in order with one multiply and one add per term, so G is
 * bit-identical to linalg `gramMatrix`, the textbook loop (tested).
 *
 * Work is split by left panels (8 rows of G each) over the process's main thread and {@link setGramThreads} helper
 * threads (node:worker_threads, one shared WebAssembly.Memory), claimed dynamically from an atomic counter so a
 * slow or busy core takes fewer panels. Every entry is written by exactly one panel and computed by the same kernel
 * in the same order, so G is bit-identical for any number of threads (tested). The call stays synchronous (the
 * scoring passes are synchronous): the main thread works through panels too and then blocks on `Atomics.wait`
 * until the helpers' panels are done. A helper that dies or stalls cannot hang the score: panels not done after
 * {@link STALL_MS} without progress are recomputed on the main thread (a late duplicate write stores the same bits).
 *
 * Why threads here and not in TF.js: the wasm backend's own thread pool cannot start under Node without patching
 * the package (see backends.ts), while these threads are plain Node workers running one self-contained kernel.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { countFlops } from './flops';
import { gramMatrix } from '../../shared/linalg';
import { GRAM_WASM_BASE64 } from './gramWasm';

/** Work below this many multiply-adds (n²/2·len) is done on the calling thread alone (a hand-off costs ≈ 0.1 ms). */
const MIN_PARALLEL_WORK = 4e6;
/** Without progress for this long, the main thread recomputes the unfinished panels itself. */
const STALL_MS = 5_000;
/** Rows of G per left panel (the kernel's block height). */
const ROWS = 8;
/** The kernel memory's maximum (gram.wat declares it): 2 GiB in 64 KiB pages. Bigger jobs use the JavaScript kernel. */
const MAX_PAGES = 32768;
const PAGE = 65536;

/** A job's control words (Int32, shared): [next panel to claim, panels done]; then one state per panel (2 = done). */
const DONE = 1,
  HEAD = 2; // NEXT = 0: the claim counter, read only in claimPanels

/** The kernel's export: 8 × 2 blocks of G for `nq` column pairs (see gram.wat). */
type PanelFn = (len: number, x: number, y: number, nq: number, out: number, rowBytes: number) => void;

/**
 * Left panel p of a packed job (np rows, len columns; X, Y, O byte offsets of the two packings and of G): the
 * column pairs from 8p on, i.e. the upper triangle's blocks of rows 8p … 8p + 7. Helper threads run its source.
 */
function runPanel(panel: PanelFn, p: number, len: number, np: number, X: number, Y: number, O: number): void {
  panel(len, X + p * len * 64, Y + p * len * 64, np / 2 - 4 * p, O + 8 * p * (np + 1) * 8, np * 8);
}

/**
 * Claims the panels of a job from its shared counter until none is left, running each and marking it done: the one
 * loop of the main thread and of the helpers (they run its source, so it names nothing outside itself: the control
 * words NEXT = 0, DONE = 1, HEAD = 2 are written out). `hang` (tests): never finish the first claimed panel.
 */
function claimPanels(ctl: Int32Array, tiles: number, run: (p: number) => void, hang: boolean): void {
  for (;;) {
    const t = Atomics.add(ctl, 0, 1);
    if (t >= tiles) return;
    if (hang) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    run(t);
    Atomics.store(ctl, 2 + t, 2);
    Atomics.add(ctl, 1, 1);
    Atomics.notify(ctl, 1);
  }
}

/** What a helper thread runs: instantiate the kernel on the shared memory once, then claim panels until none is left. */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const runPanel = ${runPanel.toString()};
const claimPanels = ${claimPanels.toString()};
let panel, hang = false;
parentPort.on('message', (m) => {
  if (m.init) {
    panel = new WebAssembly.Instance(m.init.module, { env: { memory: m.init.memory } }).exports.panel;
    hang = m.init.hang === true;
    return;
  }
  const { ctl, tiles, len, np, X, Y, O } = m;
  claimPanels(ctl, tiles, (t) => runPanel(panel, t, len, np, X, Y, O), hang);
});
`;

let wanted: number | undefined;
let stallMs = STALL_MS;
let helpersHang = false;

/**
 * Tests only: a shorter stall timeout, and helper threads (those started from now on) that hang on the first panel
 * they claim while the main thread leaves every panel to them — so the recovery of {@link gram} runs whatever the
 * threads' timing. Returns the previous hooks.
 */
export function setGramTestHooks(h: { stallMs?: number; helpersHang?: boolean }): {
  stallMs: number;
  helpersHang: boolean;
} {
  const before = { stallMs, helpersHang };
  stallMs = h.stallMs ?? STALL_MS;
  helpersHang = h.helpersHang ?? false;
  return before;
}
let helpers: Worker[] = [];
/** The kernel: WebAssembly unless env CELL_LENS_GRAM_KERNEL=js asks for the former JavaScript one (for measuring). */
let kernel: 'wasm' | 'js' = process.env.CELL_LENS_GRAM_KERNEL === 'js' ? 'js' : 'wasm';

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

/**
 * Which kernel {@link gram} uses: 'wasm' (the default) or 'js' (linalg `gramMatrix` on the calling thread, the
 * former engine; for the bench and tests: both give the same bits). Returns the previous choice.
 */
export function setGramKernel(k: 'wasm' | 'js'): 'wasm' | 'js' {
  const before = kernel;
  kernel = k;
  return before;
}

/** The compiled kernel, its instance on the shared memory (grown as needed, never shrunk while the process lives). */
let ws: { module: WebAssembly.Module; memory: WebAssembly.Memory; panel: PanelFn } | null | undefined;

function workspace(bytes: number): typeof ws {
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) return null;
  if (ws === undefined) {
    try {
      const module = new WebAssembly.Module(Buffer.from(GRAM_WASM_BASE64, 'base64'));
      const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
      ws = { module, memory, panel: new WebAssembly.Instance(module, { env: { memory } }).exports.panel as PanelFn };
    } catch {
      ws = null; // no WebAssembly SIMD / shared memory here: the JavaScript kernel
    }
  }
  if (ws && ws.memory.buffer.byteLength < pages * PAGE) {
    try {
      ws.memory.grow(pages - ws.memory.buffer.byteLength / PAGE);
    } catch {
      return null;
    }
  }
  return ws;
}

function ensureHelpers(k: number, init: { module: WebAssembly.Module; memory: WebAssembly.Memory }): Worker[] {
  while (helpers.length < k) {
    const w = new Worker(THREAD_SOURCE, { eval: true });
    w.unref(); // never keeps a CLI run or test alive
    w.on('error', () => {
      helpers = helpers.filter((h) => h !== w);
    });
    w.on('exit', () => {
      helpers = helpers.filter((h) => h !== w);
    });
    w.postMessage({ init: { module: init.module, memory: init.memory, hang: helpersHang } });
    helpers.push(w);
  }
  return helpers.slice(0, k);
}

/**
 * G = R·Rᵀ (n × n, row-major, float64) for the n rows of R (`len` numbers each, row-major): bit-identical to
 * linalg `gramMatrix` whatever the number of threads. Large Gram matrices are split over the helper threads.
 */
export function gram(R: Float32Array | Float64Array, n: number, len: number): Float64Array {
  countFlops(n * n * len);
  const np = Math.ceil(n / ROWS) * ROWS;
  const X = 0,
    Y = np * len * 8,
    O = 2 * np * len * 8;
  const w = kernel === 'wasm' && n > 0 && len > 0 ? workspace(O + np * np * 8) : null;
  if (!w) return gramMatrix(R, n, len);

  // Pack: X panels of 8 rows and Y panels of 2 rows, k-major; the padding rows n … np − 1 are zero.
  const f = new Float64Array(w.memory.buffer, 0, O / 8);
  for (let i = 0; i < np; i++) {
    const xo = X / 8 + (i >> 3) * len * 8 + (i & 7),
      yo = Y / 8 + (i >> 1) * len * 2 + (i & 1);
    if (i >= n) {
      for (let k = 0; k < len; k++) {
        f[xo + 8 * k] = 0;
        f[yo + 2 * k] = 0;
      }
      continue;
    }
    for (let k = 0, src = i * len; k < len; k++) {
      const v = R[src + k];
      f[xo + 8 * k] = v;
      f[yo + 2 * k] = v;
    }
  }

  const tiles = np / ROWS;
  const k = (n * n * len) / 2 >= MIN_PARALLEL_WORK && tiles > 1 ? gramThreads() : 0;
  const ctl = new Int32Array(new SharedArrayBuffer((HEAD + tiles) * 4));
  if (k > 0) for (const h of ensureHelpers(k, w)) h.postMessage({ ctl, tiles, len, np, X, Y, O });
  // The main thread takes panels too (in the tests' hang mode it leaves them all to the helpers).
  if (!(helpersHang && k > 0)) claimPanels(ctl, tiles, (t) => runPanel(w.panel, t, len, np, X, Y, O), false);
  // Wait for the panels the helpers claimed; recompute them here if the helpers stop making progress.
  let last = Atomics.load(ctl, DONE),
    since = performance.now();
  while (last < tiles) {
    Atomics.wait(ctl, DONE, last, 250);
    const now = Atomics.load(ctl, DONE);
    if (now !== last) {
      last = now;
      since = performance.now();
      continue;
    }
    if (performance.now() - since > stallMs) {
      for (let t = 0; t < tiles; t++) if (Atomics.load(ctl, HEAD + t) !== 2) runPanel(w.panel, t, len, np, X, Y, O);
      // A helper that stalls once is not trusted again in this process; a late write of its would land in the
      // next job's memory, so that job gets a fresh one.
      setGramThreads(0);
      ws = undefined;
      break;
    }
  }

  // The upper triangle of the padded np × np result, mirrored.
  const G = new Float64Array(w.memory.buffer, O, np * np);
  const out = new Float64Array(n * n);
  for (let b = 0; b < n; b++) {
    for (let c = b, o = b * np; c < n; c++) {
      const v = G[o + c];
      out[b * n + c] = v;
      out[c * n + b] = v;
    }
  }
  return out;
}
