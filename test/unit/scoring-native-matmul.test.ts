/**
 * The optional native matrix product (native/sgemm.c through src/scoring/model/nativeMatMul.ts): it is built by
 * `npm install` on x64 Linux (where CI runs), it returns the same bits as tfjs-backend-wasm's own BatchMatMul on
 * every tile shape and on awkward numbers, products it does not cover still go to the package, the engine's
 * scores do not change with it, and bad arguments get a clear TypeError instead of a crash.
 * On a machine without a C compiler, run with CELL_LENS_NATIVE=0: these tests are then skipped, with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../src/recipe/types';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell } from '../../src/scoring/engine';
import {
  activeNativeKernels,
  loadNativeKernels,
  patchWasmMatMul,
  unpatchWasmMatMul,
  type NativeKernels,
} from '../../src/scoring/model/nativeMatMul';
import { setGramThreads } from '../../src/scoring/model/gram';
import { makeRng } from '../../src/scoring/rng';
import { SCORE_IDS, type ScoreReport } from '../../src/scoring/types';
import { exampleText } from '../helpers/data';

const ROOT = join(__dirname, '..', '..');
const expected = process.platform === 'linux' && process.arch === 'x64' && process.env.CELL_LENS_NATIVE !== '0';
const load = loadNativeKernels();
const skip = load.kernels ? false : `native kernel not loaded: ${load.reason}`;

test(
  'the native kernel is built and loads where CI runs (x64 Linux, a C compiler, CELL_LENS_NATIVE unset)',
  { skip: !expected && 'not x64 Linux, or CELL_LENS_NATIVE=0' },
  () => {
    assert.ok(
      load.kernels,
      `npm install should have built native/ (scripts/build-native.mjs): ${'reason' in load ? load.reason : ''}`,
    );
    assert.equal(load.kernels.avx(), true);
  },
);

/**
 * Bits of a float32 array, so -0 and +0 (and every finite value) are compared exactly. NaNs count as one value:
 * WebAssembly leaves a NaN's sign and payload unspecified (x86 makes inf·0 a negative NaN), and no arithmetic or
 * comparison can tell them apart.
 */
const bits = (x: ArrayLike<number>) =>
  Array.from(new Uint32Array(Float32Array.from(x).buffer), (u) =>
    (u & 0x7f800000) === 0x7f800000 && u & 0x7fffff ? 0x7fc00000 : u,
  );

function randomMatrix(rows: number, cols: number, seed: number, special = false): Float32Array {
  const v = Float32Array.from(makeRng(seed, 7).normalArray(rows * cols, 1));
  if (special) {
    const odd = [NaN, Infinity, -Infinity, 0, -0, 3e38, -3e38, 1e-45, -1e-40, 1e-30];
    for (let i = 0; i < v.length; i += 3) v[i] = odd[(i / 3) % odd.length];
  }
  return v;
}

/** tf.matMul on the wasm backend, with the package's kernel (native off) or the patched one. */
function product(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  native: boolean,
  rank3 = false,
): { out: Float32Array; shape: number[] } {
  if (native) patchWasmMatMul(load.kernels!);
  else unpatchWasmMatMul();
  return tf.tidy(() => {
    const A = rank3 ? tf.tensor3d(a, [1, m, k]) : tf.tensor2d(a, [m, k]);
    const B = rank3 ? tf.tensor3d(b, [1, k, n]) : tf.tensor2d(b, [k, n]);
    const C = tf.matMul(A, B);
    return { out: C.dataSync() as Float32Array, shape: C.shape };
  });
}

test('setup: the wasm backend (with the native products when built)', async () => {
  await initBackend('wasm');
  setGramThreads(0);
});

test(
  'native and package products agree bit for bit: every tile tail (rows 1–13, columns 1–49), k blocks, awkward numbers',
  { skip },
  () => {
    const shapes: [number, number, number][] = [];
    for (let m = 1; m <= 13; m++)
      for (const n of [1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 49]) shapes.push([m, 1 + ((m * n) % 37), n]);
    shapes.push(
      [6, 256, 16],
      [7, 257, 17],
      [63, 600, 48],
      [64, 300, 40],
      [65, 513, 23],
      [97, 400, 600],
      [16, 600, 600],
      [3, 1000, 5],
    );
    let seed = 0;
    for (const [m, k, n] of shapes) {
      for (const special of [false, true]) {
        const a = randomMatrix(m, k, ++seed, special),
          b = randomMatrix(k, n, ++seed, special);
        const pkg = product(a, b, m, k, n, false),
          nat = product(a, b, m, k, n, true);
        assert.deepEqual(nat.shape, pkg.shape);
        assert.deepEqual(
          bits(nat.out),
          bits(pkg.out),
          `${m}x${k}x${n}${special ? ' with ±0, ±∞, NaN, overflow, subnormals' : ''}`,
        );
      }
    }
    // A batch of one, as rank 3, keeps its rank.
    const a = randomMatrix(5, 33, 90),
      b = randomMatrix(33, 20, 91);
    const pkg = product(a, b, 5, 33, 20, false, true),
      nat = product(a, b, 5, 33, 20, true, true);
    assert.deepEqual(nat.shape, [1, 5, 20]);
    assert.deepEqual(bits(nat.out), bits(pkg.out));
  },
);

test(
  'only plain float32 products go native: transposed operands and real batches stay with the package',
  { skip },
  () => {
    let calls = 0;
    const counting: NativeKernels = {
      sgemm: (...args) => {
        calls++;
        load.kernels!.sgemm(...args);
      },
      avx: () => true,
    };
    patchWasmMatMul(counting);
    try {
      tf.tidy(() => {
        const a = tf.randomNormal([8, 12], 0, 1, 'float32', 1),
          b = tf.randomNormal([12, 20], 0, 1, 'float32', 2);
        tf.matMul(a, b).dataSync();
        assert.equal(calls, 1);
        tf.matMul(tf.transpose(a), b, true, false).dataSync();
        tf.matMul(a, tf.transpose(b), false, true).dataSync();
        tf.matMul(tf.stack([a, a]) as tf.Tensor3D, tf.stack([b, b]) as tf.Tensor3D).dataSync();
        assert.equal(calls, 1, 'transposed or batched products reached the native kernel');
      });
    } finally {
      patchWasmMatMul(load.kernels!);
    }
    assert.equal(activeNativeKernels(), load.kernels);
  },
);

test('the engine gives the same report with native products as without, and uses them', { skip }, async () => {
  const examples = JSON.parse(exampleText()) as Recipe[];
  const settings = {
    vocab: 60,
    embed: 24,
    hidden: 40,
    layers: 2,
    seqLen: 6,
    batch: 8,
    scores: SCORE_IDS,
    seed: 3,
    repeats: 1,
    backend: 'wasm' as const,
  };
  const strip = (r: ScoreReport) =>
    JSON.stringify(r.results.map((x) => [x.id, x.values.map(String), x.reason ?? null]));
  let calls = 0;
  const counting: NativeKernels = {
    sgemm: (...args) => {
      calls++;
      load.kernels!.sgemm(...args);
    },
    avx: () => true,
  };
  for (const recipe of [examples[1], examples[2]]) {
    unpatchWasmMatMul();
    const pkg = await scoreCell(recipe, settings);
    patchWasmMatMul(counting);
    const nat = await scoreCell(recipe, settings);
    assert.equal(strip(nat), strip(pkg));
  }
  patchWasmMatMul(load.kernels!);
  assert.ok(calls > 100, `the engine's products went native ${calls} times`);
});

test('bad arguments to the addon are TypeErrors, not crashes', { skip }, () => {
  const k = load.kernels!;
  const a = new Float32Array(6),
    b = new Float32Array(6),
    out = new Float32Array(4);
  k.sgemm(a, b, out, 2, 3, 2); // fits
  assert.throws(
    () => k.sgemm(a, b, out, 3, 3, 2),
    (e: Error) => e instanceof TypeError && /shorter than its shape/.test(e.message),
  );
  assert.throws(() => k.sgemm(a, b, out, 2, 3, 3), TypeError);
  assert.throws(() => k.sgemm(new Float64Array(6) as unknown as Float32Array, b, out, 2, 3, 2), /Float32Arrays/);
  assert.throws(() => k.sgemm(a, b, out, -1, 3, 2), /non-negative integers/);
  assert.throws(() => k.sgemm(a, b, out, 1.5, 3, 2), /non-negative integers/);
  assert.throws(() => (k.sgemm as (...x: unknown[]) => void)(a, b), /six arguments/);
  const heap = new Float32Array(20);
  assert.throws(() => k.sgemm(heap.subarray(0, 6), heap.subarray(6, 12), heap.subarray(4, 8), 2, 3, 2), /overlaps/);
  const zero = new Float32Array([7, 7, 7, 7]);
  k.sgemm(new Float32Array(0), new Float32Array(0), zero, 2, 0, 2); // k = 0: an empty sum is +0
  assert.deepEqual(bits(zero), bits([0, 0, 0, 0]));
});

test('scripts/build-native.mjs never fails an install: CELL_LENS_NATIVE=0 skips with a message and exit 0', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-native.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, CELL_LENS_NATIVE: '0' },
  });
  assert.equal(r.status, 0);
  assert.match(r.stderr, /native matrix kernel not built \(CELL_LENS_NATIVE=0\); scoring runs in WebAssembly only/);
});
