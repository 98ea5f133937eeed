/**
 * The TensorFlow.js backend fallback chain for the scoring child process:
 *
 *   tensorflow-gpu (@tensorflow/tfjs-node-gpu, only with a visible NVIDIA GPU)
 *   → webgpu (@tensorflow/tfjs-backend-webgpu over Dawn from the `webgpu` package, only with an adapter)
 *   → tensorflow (@tensorflow/tfjs-node, native CPU)
 *   → wasm (@tensorflow/tfjs-backend-wasm, SIMD; single-threaded under Node, see the note above tryWasm)
 *   → cpu (@tensorflow/tfjs-backend-cpu, plain JS).
 *
 * Optional packages are loaded lazily with `require` inside try/catch (the bundler marks them external),
 * so a missing package is just a failed link of the chain with its reason recorded. A forced choice that
 * fails throws. Nothing heavy happens at import time.
 *
 * One engine: every copy of tfjs-core (the bundled one, the one inside tfjs-node, the one the webgpu
 * backend requires from node_modules) keeps its engine and kernel registry on the global object
 * (`globalThis._tfengine`, `_tfGlobals`), so a backend registered by another copy is visible to ours.
 * {@link initBackend} checks that after each native link and fails the link (with that reason) if not.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import type { BackendChoice, BackendName } from './types';
import { patchWasmSliceKernels } from './model/wasmKernels';
import { loadNativeKernels, patchWasmMatMul } from './model/nativeMatMul';

/** Chain order used by `auto`. */
export const BACKEND_CHAIN: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** One attempted link of the chain. */
export interface BackendAttempt {
  readonly name: BackendName;
  /** Why the link failed; absent for the link that was chosen. */
  readonly error?: string;
}

/** What {@link initBackend} settled on. */
export interface BackendInit {
  readonly name: BackendName;
  /** Every link tried, in order, with the reason of each failure. */
  readonly tried: BackendAttempt[];
  /** Human description, e.g. "wasm (threaded SIMD, 2 threads)". */
  readonly description: string;
  /** wasm only: the number of threads of the wasm thread pool (1 when not threaded). */
  readonly threads?: number;
}

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /** Folder holding tfjs-backend-wasm*.wasm (default: beside the bundle, else node_modules). */
  readonly wasmDir?: string;
  /** wasm thread-pool size (default: number of CPU cores, at most 8). */
  readonly wasmThreads?: number;
  readonly log?: (msg: string) => void;
}

let current: BackendInit | undefined;

/** The backend settled by the last successful {@link initBackend}, if any. */
export function currentBackend(): BackendInit | undefined {
  return current;
}

// `require` that esbuild leaves alone (optional native packages are external anyway).
declare const __non_webpack_require__: NodeRequire | undefined;
function lazyRequire(id: string): unknown {
  const req: NodeRequire = typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require;
  return req(id);
}

function message(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  // A first tiny op proves the kernels run.
  const t = tf.add(tf.scalar(1), tf.scalar(2));
  const v = (await t.data())[0];
  t.dispose();
  if (v !== 3) throw new Error(`backend '${name}' computed 1 + 2 = ${v}`);
}

function checkSameEngine(pkg: unknown, pkgName: string): void {
  const other = pkg as { engine?: () => unknown } | undefined;
  if (other && typeof other.engine === 'function' && other.engine() !== tf.engine()) {
    throw new Error(`${pkgName} registered its backend on a different tfjs-core engine than the scoring engine's`);
  }
}

function hasNvidiaGpu(): boolean {
  if (process.platform === 'linux') return existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0');
  // On Windows tfjs-node-gpu needs CUDA; we cannot cheaply probe it: trust that the package loaded.
  return process.platform === 'win32';
}

let tfNodeLoaded: 'gpu' | 'cpu' | undefined;

async function tryTensorflowGpu(): Promise<string> {
  if (tfNodeLoaded === 'cpu') throw new Error('@tensorflow/tfjs-node (CPU) is already loaded in this process');
  if (!hasNvidiaGpu()) throw new Error('no NVIDIA GPU device visible (/dev/nvidiactl missing)');
  const pkg = lazyRequire('@tensorflow/tfjs-node-gpu');
  tfNodeLoaded = 'gpu';
  checkSameEngine(pkg, '@tensorflow/tfjs-node-gpu');
  await activate('tensorflow');
  return 'tensorflow-gpu (libtensorflow with CUDA)';
}

async function tryTensorflow(): Promise<string> {
  if (tfNodeLoaded === undefined) {
    const pkg = lazyRequire('@tensorflow/tfjs-node');
    tfNodeLoaded = 'cpu';
    checkSameEngine(pkg, '@tensorflow/tfjs-node');
  }
  await activate('tensorflow');
  return `tensorflow (libtensorflow${tfNodeLoaded === 'gpu' ? ' GPU build, no GPU found' : ''})`;
}

interface WebGpuModule {
  create(flags: string[]): { requestAdapter(opts?: unknown): Promise<unknown> };
  globals: Record<string, unknown>;
}

async function loadWebgpuPackage(): Promise<WebGpuModule> {
  try {
    return lazyRequire('webgpu') as WebGpuModule;
  } catch (e) {
    // `webgpu` is an ES module; Node < 20.19 cannot require it.
    if ((e as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw e;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a real import(), out of reach of the CommonJS build's transforms
    const dynImport = new Function('s', 'return import(s)') as (s: string) => Promise<WebGpuModule>;
    return dynImport('webgpu');
  }
}

async function tryWebgpu(): Promise<string> {
  const mod = await loadWebgpuPackage();
  const gpu = mod.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (no usable GPU driver)');
  // Only now touch the globals: tfjs-backend-webgpu registers itself when navigator.gpu exists.
  Object.assign(globalThis, mod.globals);
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (!g.navigator.gpu) {
    try {
      Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    } catch {
      /* read-only */
    }
  }
  const pkg = lazyRequire('@tensorflow/tfjs-backend-webgpu');
  checkSameEngine(lazyRequire('@tensorflow/tfjs-core'), '@tensorflow/tfjs-core (as seen by tfjs-backend-webgpu)');
  void pkg;
  if (!tf.findBackendFactory('webgpu'))
    throw new Error('tfjs-backend-webgpu did not register (navigator.gpu not seen)');
  await activate('webgpu');
  const info = (adapter as { info?: { vendor?: string; architecture?: string; description?: string } }).info;
  return `webgpu (${[info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'adapter'})`;
}

function defaultWasmDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  if (existsSync(join(here, 'tfjs-backend-wasm.wasm'))) return here; // bundled: dist/
  try {
    return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  } catch {
    return join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  }
}

let wasmConfigured = false;

/*
 * Why wasm runs single-threaded under Node (investigated with tfjs-backend-wasm 4.22.0, Node 20.20, 2 cores).
 *
 * The threaded SIMD build CAN be started under Node's worker_threads, but only by working around five things in
 * the package, so it is deliberately not enabled:
 *  1. `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false when `IS_NODE` (tfjs issue #3830); overridable with
 *     `tf.env().set(...)` before the backend initialises.
 *  2. The pthread worker script is handed to Emscripten as a `blob:` URL (`URL.createObjectURL(new Blob(...))`),
 *     which Node's `Worker` cannot load. Emscripten assigns `global.Worker = worker_threads.Worker` itself, so a
 *     replacement has to be forced in with a getter on `globalThis.Worker` during init, creating the worker from
 *     `wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`'s `wasmWorkerContents` (with `\n` re-escaped, as
 *     tfjs does for the Blob) and `{ eval: true }`.
 *  3. The main script reaches each worker as a `Blob` (`mainScriptUrlOrBlob`) that the worker `importScripts` by
 *     file name; it must be swapped (in the 'load' message) for the path of the standalone
 *     `wasm-out/tfjs-backend-wasm-threaded-simd.js`. Passing the Blob's text instead does not work: it is
 *     `wasmFactoryThreadedSimd.toString()`, whose free variables are the bundler's names (`require$$0` = fs, … in
 *     the package's Node build; other names in our esbuild bundle), undefined in the worker. The standalone file
 *     is not in our bundle (dist/ only carries the .wasm binaries).
 *  4. The C++ side caps the pool at `emscripten_num_logical_cores() / 2` (= os.cpus().length / 2, assuming
 *     hyper-threading): on 2 cores that is 1 thread whatever `setThreadsCount` says, unless `os.cpus` is faked
 *     during init.
 *  5. Emscripten pre-spawns 8 workers that keep the event loop alive: a CLI run or bench that finishes its work
 *     no longer exits (measured: it hung until killed) unless the backend is disposed explicitly.
 * Measured with all of that patched (a throw-away experiment, same values to the last bit): on the idle machine,
 * 2 threads made a [560,600]·[600,2400] product 2.3× faster (39 vs 91 ms) and a [16,600]·[600,2400] one about
 * equal (1.6–3.0 vs 2.3–3.1 ms); whole default-size scoring runs 15–25 % faster (LSTM 4.5–5.6 s vs 5.7–6.6 s).
 * Under the usual load of this shared machine (load average 5–7) the small per-step products became 3–5× slower
 * (7–13 ms vs 2–3 ms). A 15–25 % gain that turns into a loss under load is not worth five monkey-patches of
 * package internals. `setThreadsCount` below is kept: it is what a tfjs with Node thread support would read.
 */
async function tryWasm(opts: BackendOptions): Promise<{ description: string; threads: number }> {
  if (!wasmConfigured) {
    const dir = opts.wasmDir ?? defaultWasmDir();
    if (!existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) throw new Error(`tfjs-backend-wasm.wasm not found in ${dir}`);
    tfwasm.setWasmPaths(dir.endsWith('/') || dir.endsWith('\\') ? dir : dir + '/');
    const cores = (await import('node:os')).availableParallelism?.() ?? 1;
    tfwasm.setThreadsCount(Math.max(1, Math.min(8, opts.wasmThreads ?? cores)));
    wasmConfigured = true;
  }
  await activate('wasm');
  patchWasmSliceKernels(); // the package's Slice copies the whole input per slice (see model/wasmKernels)
  // Matrix products in native AVX2 code when the optional addon is built: same bits (see model/nativeMatMul).
  const native = loadNativeKernels();
  const nativeOn = native.kernels ? patchWasmMatMul(native.kernels) : false;
  if (!nativeOn)
    opts.log?.(
      `native matrix products off: ${native.kernels ? 'the wasm backend has no BatchMatMul kernel to wrap' : native.reason}`,
    );
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const mt = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const threads = mt ? tfwasm.getThreadsCount() : 1;
  return {
    description: `wasm (${mt ? 'threaded ' : ''}${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${nativeOn ? '; native AVX2 matrix products' : ''})`,
    threads,
  };
}

/**
 * Sets the TF.js backend for scoring. `auto` walks {@link BACKEND_CHAIN} and takes the first link that
 * loads and runs a test op; a named choice tries only that link and throws a clear error when it fails.
 * Safe to call again (e.g. to switch backends); returns the links tried with their failure reasons.
 */
export async function initBackend(choice: BackendChoice, opts: BackendOptions = {}): Promise<BackendInit> {
  const log = opts.log ?? (() => undefined);
  const links = choice === 'auto' ? BACKEND_CHAIN : [choice];
  const tried: BackendAttempt[] = [];
  for (const name of links) {
    try {
      let description: string;
      let threads: number | undefined;
      switch (name) {
        case 'tensorflow-gpu':
          description = await tryTensorflowGpu();
          break;
        case 'webgpu':
          description = await tryWebgpu();
          break;
        case 'tensorflow':
          description = await tryTensorflow();
          break;
        case 'wasm':
          ({ description, threads } = await tryWasm(opts));
          break;
        case 'cpu':
          await activate('cpu');
          description = 'cpu (plain JavaScript)';
          break;
        default:
          throw new Error(`unknown backend '${String(name)}'`);
      }
      tried.push({ name });
      log(`scoring backend: ${description}`);
      current = { name, tried, description, threads };
      return current;
    } catch (e) {
      const error = message(e);
      tried.push({ name, error });
      log(`scoring backend ${name} unavailable: ${error}`);
    }
  }
  if (choice !== 'auto') {
    throw Object.assign(
      new Error(`Scoring backend '${choice}' is not available: ${tried[tried.length - 1]?.error ?? 'unknown error'}`),
      { tried },
    );
  }
  throw Object.assign(
    new Error(`No TensorFlow.js backend could start: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`),
    { tried },
  );
}
