/**
 * Faster `Slice`, `SplitV` and `Unpack` kernels for the tfjs-backend-wasm 4.22 backend.
 *
 * The package's own kernels call `backend.readSync(x.dataId)` for every slice, which copies the WHOLE input
 * out of the wasm heap before copying the slice: splitting a [T·B, H] tensor into T steps costs T full copies
 * (measured: 1.8 s of a 3.8 s forward pass at the default sizes went into `tf.split`). These replacements
 * produce exactly the same values but read the input through a view of the heap (`typedArrayFromHeap`,
 * taken after the output is allocated, since an allocation may grow and replace the heap), copying only the
 * slice. String tensors go to the original kernels. {@link patchWasmSliceKernels} swaps them in once; it is
 * called by the backend chain after the wasm backend is activated.
 */
import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type Heap = Float32Array | Int32Array | Uint8Array;
interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(t: Info): Heap;
}

/** Copies x[begin … begin + size) into a new output (numeric dtypes). */
function sliceInto(backend: WasmLike, x: Info, begin: number[], size: number[]): Info {
  const out = backend.makeOutput(size, x.dtype);
  const n = tf.util.sizeFromShape(size);
  if (n === 0) return out;
  // Views only now: makeOutput may have grown the heap.
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  if (rank === 0) {
    ov[0] = xv[0];
    return out;
  }
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = tf.slice_util.computeFlatOffset(begin, strides);
    ov.set(xv.subarray(off, off + n));
    return out;
  }
  // Copy contiguous innermost runs, walking the outer indices like an odometer.
  const run = size[rank - 1];
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  let o = 0;
  for (;;) {
    let off = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) off += (begin[d] + idx[d]) * strides[d];
    ov.set(xv.subarray(off, off + run), o);
    o += run;
    let d = rank - 2;
    while (d >= 0 && ++idx[d] === size[d]) idx[d--] = 0;
    if (d < 0) break;
  }
  return out;
}

let patched = false;

/** Replaces the wasm backend's Slice / SplitV / Unpack kernels with the view-based ones (once; idempotent). */
export function patchWasmSliceKernels(): void {
  if (patched) return;
  const orig = new Map<string, tf.KernelConfig>();
  for (const name of [tf.Slice, tf.SplitV, tf.Unpack]) {
    const k = tf.getKernel(name, 'wasm');
    if (!k) return; // not the backend we know: leave it alone
    orig.set(name, k);
  }
  const fallback = (name: string, args: Parameters<tf.KernelFunc>[0]) => orig.get(name)!.kernelFunc(args);

  const slice: tf.KernelFunc = (args) => {
    const x = args.inputs.x as Info;
    if (x.dtype === 'string') return fallback(tf.Slice, args);
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
    return sliceInto(args.backend as unknown as WasmLike, x, b, s);
  };
  const splitV: tf.KernelFunc = (args) => {
    const x = args.inputs.x as Info;
    if (x.dtype === 'string') return fallback(tf.SplitV, args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = x.shape.slice();
    return sizes.map((s) => {
      const sz = [...size];
      sz[ax] = s;
      const out = sliceInto(args.backend as unknown as WasmLike, x, [...begin], sz);
      begin[ax] += s;
      return out;
    });
  };
  const unpack: tf.KernelFunc = (args) => {
    const x = args.inputs.value as Info;
    if (x.dtype === 'string') return fallback(tf.Unpack, args);
    let { axis } = args.attrs as unknown as tf.UnpackAttrs;
    if (axis < 0) axis += x.shape.length;
    const outShape = x.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = x.shape.slice();
    size[axis] = 1;
    const outs: Info[] = [];
    for (let i = 0; i < x.shape[axis]; i++) {
      begin[axis] = i;
      const o = sliceInto(args.backend as unknown as WasmLike, x, [...begin], size);
      outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
    }
    return outs;
  };
  for (const [name, kernelFunc] of [
    [tf.Slice, slice],
    [tf.SplitV, splitV],
    [tf.Unpack, unpack],
  ] as const) {
    const k = orig.get(name)!;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...k, kernelFunc });
  }
  patched = true;
}
