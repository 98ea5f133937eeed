/**
 * The wasm backend's matrix product, run by native code when Cell Lens's optional addon is built
 * (`native/`, compiled by `npm install` through node-gyp; see native/sgemm.c).
 *
 * Why the results do not change: tfjs-backend-wasm multiplies with XNNPACK's wasm-SIMD GEMM, which sums every
 * output over k in order with a separate multiply and add, starting from +0. The addon does exactly that with
 * AVX registers (no FMA, no reordering), so it returns the same bits — the unit test compares both on random
 * shapes and on ±0, ±∞, NaN and overflow, and the engine's scores are unchanged. Only the speed differs:
 * WebAssembly SIMD is 128 bits wide with no more registers than the tile needs, native AVX2 is not.
 *
 * Scope: float32 `BatchMatMul` without transposes, where both operands are one matrix (rank 2, or rank 3
 * with a batch of 1) — every product the scoring passes make. Anything else (transposed operands, real
 * batches), a CPU without AVX2, or `CELL_LENS_NATIVE=0` goes to the package's own kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The addon's functions (native/binding.c). */
export interface NativeKernels {
  /** out[m,n] = a[m,k]·b[k,n], row-major float32; out must not overlap a or b. */
  sgemm(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number): void;
  /** True when the AVX2 path runs on this CPU (else the scalar one, which is correct but slow). */
  avx(): boolean;
}

/** What {@link loadNativeKernels} found: the kernels, or why there are none. */
export type NativeLoad = { kernels: NativeKernels; path: string } | { kernels?: undefined; reason: string };

const ADDON = 'cell_lens_native.node';

/**
 * Where the addon may be: beside the bundle (scripts/build.mjs copies it into dist/), or, running the sources
 * (tsx), node-gyp's output in native/.
 */
function nativeCandidates(here: string = typeof __dirname === 'string' ? __dirname : process.cwd()): string[] {
  return [join(here, ADDON), join(here, '..', '..', '..', 'native', 'build', 'Release', ADDON)];
}

let loaded: NativeLoad | undefined;

/** Loads the addon once; never throws (a missing or broken addon is a reason, and wasm runs alone). */
export function loadNativeKernels(): NativeLoad {
  if (loaded) return loaded;
  if (process.env.CELL_LENS_NATIVE === '0') return (loaded = { reason: 'turned off (CELL_LENS_NATIVE=0)' });
  const path = nativeCandidates().find((p) => existsSync(p));
  if (!path)
    return (loaded = { reason: 'not built (npm install builds native/ with node-gyp when a C compiler is present)' });
  try {
    // A plain `require` of a run-time path: esbuild must not try to bundle the binary.
    const req = typeof require === 'function' ? require : ((0, eval)('require') as NodeRequire);
    const kernels = req(path) as NativeKernels;
    if (typeof kernels.sgemm !== 'function' || typeof kernels.avx !== 'function')
      return (loaded = { reason: `${path} is not Cell Lens's addon` });
    if (!kernels.avx())
      return (loaded = { reason: 'this CPU has no AVX2 (the scalar native path is slower than wasm)' });
    return (loaded = { kernels, path });
  } catch (e) {
    return (loaded = { reason: `could not load ${path}: ${(e as Error).message.split('\n')[0]}` });
  }
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Whether the package's BatchMatMul has been wrapped (once per process). */
let wrapped = false;
/** The kernels the wrapped BatchMatMul calls; undefined sends every product to the package's kernel. */
let active: NativeKernels | undefined;

/**
 * Routes the wasm backend's plain float32 matrix products to `kernels` (the kernel is swapped once; later
 * calls only change which kernels it calls). Returns false, and changes nothing, when the wasm backend has no
 * BatchMatMul kernel to wrap.
 */
export function patchWasmMatMul(kernels: NativeKernels): boolean {
  if (!wrapped) {
    const orig = tf.getKernel(tf.BatchMatMul, 'wasm');
    if (!orig) return false;
    const fallback = orig.kernelFunc;
    const single = (s: number[]) => s.length === 2 || (s.length === 3 && s[0] === 1);
    const kernelFunc: tf.KernelFunc = (args) => {
      const native = active;
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      const r = a.shape.length;
      if (
        !native ||
        transposeA ||
        transposeB ||
        a.dtype !== 'float32' ||
        b.dtype !== 'float32' ||
        b.shape.length !== r ||
        !single(a.shape) ||
        !single(b.shape) ||
        a.shape[r - 1] !== b.shape[r - 2]
      ) {
        return fallback(args);
      }
      const m = a.shape[r - 2],
        k = a.shape[r - 1],
        n = b.shape[r - 1];
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(r === 3 ? [1, m, n] : [m, n], 'float32');
      if (m * n === 0) return out;
      // Views only now: makeOutput may have grown (and so replaced) the heap.
      native.sgemm(
        backend.typedArrayFromHeap(a) as Float32Array,
        backend.typedArrayFromHeap(b) as Float32Array,
        backend.typedArrayFromHeap(out) as Float32Array,
        m,
        k,
        n,
      );
      return out;
    };
    tf.unregisterKernel(tf.BatchMatMul, 'wasm');
    tf.registerKernel({ ...orig, kernelFunc });
    wrapped = true;
  }
  active = kernels;
  return true;
}

/** Sends every product back to the package's own kernel (tests compare both; `patchWasmMatMul` undoes it). */
export function unpatchWasmMatMul(): void {
  active = undefined;
}

/** The kernels products currently go to, if any. */
export function activeNativeKernels(): NativeKernels | undefined {
  return active;
}
