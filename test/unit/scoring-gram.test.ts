/**
 * The float64 Gram matrices on several threads (src/scoring/model/gram.ts): the WebAssembly SIMD kernel is
 * bit-identical to one thread, to the JavaScript kernel and to a direct float64 sum, for shapes that split into
 * many panels, uneven tails, float32/float64 inputs and awkward numbers; its committed bytes are gram.wat's; a
 * process that used the helper threads still exits by itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gram, gramThreads, setGramKernel, setGramTestHooks, setGramThreads } from '../../src/scoring/model/gram';
import { gramMatrix } from '../../src/shared/linalg';
import { GRAM_WASM_BASE64 } from '../../src/scoring/model/gramWasm';
import { compileWat } from '../../scripts/build-wasm';
import { makeRng } from '../../src/scoring/rng';

function rows(n: number, len: number, seed: number, f32 = true): Float32Array | Float64Array {
  const v = makeRng(seed, 1).normalArray(n * len, 1);
  return f32 ? Float32Array.from(v) : Float64Array.from(v);
}

function direct(R: ArrayLike<number>, n: number, len: number): Float64Array {
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < len; k++) s += R[i * len + k] * R[j * len + k];
      G[i * n + j] = s;
    }
  return G;
}

test('gram: one thread, three threads and a direct sum agree bit for bit (float32 and float64 rows, uneven tiles)', () => {
  const before = gramThreads();
  try {
    for (const [n, len, f32] of [
      [7, 5, true],
      [130, 700, true],
      [203, 311, false],
      [1, 9, true],
    ] as const) {
      const R = rows(n, len, n + len, f32);
      setGramThreads(0);
      const one = gram(R, n, len);
      setGramThreads(3);
      const three = gram(R, n, len);
      const ref = direct(R, n, len);
      assert.equal(one.length, n * n);
      for (let i = 0; i < n * n; i++) {
        assert.ok(Object.is(one[i], three[i]), `n=${n} len=${len} entry ${i}: ${one[i]} vs ${three[i]}`);
        // The same products summed in the same order: identical to the textbook triple loop.
        assert.ok(Object.is(one[i], ref[i]), `n=${n} len=${len} entry ${i}: ${one[i]} vs direct ${ref[i]}`);
      }
      // Symmetric by construction.
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.ok(Object.is(one[i * n + j], one[j * n + i]));
    }
  } finally {
    setGramThreads(before);
  }
});

test('gram: a process that used the helper threads exits on its own', () => {
  const script = `
    const { gram, setGramThreads } = require(${JSON.stringify(join(__dirname, '../../src/scoring/model/gram.ts'))});
    setGramThreads(2);
    const R = new Float32Array(200 * 400).map((_, i) => Math.sin(i));
    const G = gram(R, 200, 400);
    console.log('diag0', G[0].toFixed(3));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined, `the process did not exit: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /diag0 \d/);
});

function sameBits(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what} entry ${i}: ${a[i]} vs ${b[i]}`);
}

test("gram: the WebAssembly kernel gives the JavaScript kernel's bits for every tail of its 8 × 2 blocks", () => {
  const before = gramThreads();
  try {
    setGramThreads(0);
    for (let n = 1; n <= 19; n++) {
      for (const len of [1, 2, 3, 17]) {
        const R = rows(n, len, 100 * n + len, n % 2 === 0);
        sameBits(gram(R, n, len), gramMatrix(R, n, len), `n=${n} len=${len}`);
      }
    }
  } finally {
    setGramThreads(before);
  }
});

test("gram: awkward numbers (−0, subnormal, huge, cancelling, Inf, NaN) give the JavaScript kernel's bits", () => {
  const special = [-0, 0, 5e-324, -2.2e-308, 1e300, -1e300, 1e-300, 3, -3, 1 + 2 ** -52, Infinity, -Infinity, NaN];
  const n = 11,
    len = 29;
  const R = new Float64Array(n * len);
  for (let i = 0; i < R.length; i++) R[i] = special[(i * 7 + (i >> 3)) % special.length];
  sameBits(gram(R, n, len), gramMatrix(R, n, len), 'special');
  // No NaN/Inf: then exact agreement entry by entry with the textbook loop too.
  const F = R.map((v) => (Number.isFinite(v) ? v : 1));
  sameBits(gram(F, n, len), direct(F, n, len), 'finite');
});

test('gram: a big job after a small one (the kernel memory grows), then a small one again, with helper threads', () => {
  const before = gramThreads();
  try {
    setGramThreads(2);
    for (const [n, len] of [
      [9, 4],
      [210, 900],
      [13, 3],
      [64, 1500],
    ] as const) {
      const R = rows(n, len, 7 * n + len);
      sameBits(gram(R, n, len), gramMatrix(R, n, len), `n=${n} len=${len}`);
    }
  } finally {
    setGramThreads(before);
  }
});

test("gram: setGramKernel('js') switches to the JavaScript kernel and back", () => {
  const R = rows(40, 50, 3);
  const wasm = gram(R, 40, 50);
  const prev = setGramKernel('js');
  try {
    assert.equal(prev, 'wasm');
    sameBits(gram(R, 40, 50), wasm, 'js vs wasm');
  } finally {
    setGramKernel(prev);
  }
});

test('gram: the committed kernel bytes (gramWasm.ts) are what scripts/build-wasm.ts compiles from gram.wat', async () => {
  const bytes: Buffer = await compileWat('src/scoring/model/gram.wat');
  assert.equal(
    GRAM_WASM_BASE64,
    bytes.toString('base64'),
    'gram.wat changed: run `npx tsx scripts/build-wasm.ts` and commit gramWasm.ts',
  );
});

test('gram: helper threads that hang are given up after the stall time, their panels recomputed: same bits, no hang', () => {
  const before = gramThreads();
  setGramThreads(0); // no helper from an earlier test: the next ones start with the hook
  const hooks = setGramTestHooks({ stallMs: 200, helpersHang: true });
  try {
    setGramThreads(2);
    const R = rows(200, 400, 11); // 8e6 multiply-adds: enough to be shared with the helpers
    const G = gram(R, 200, 400);
    sameBits(G, gramMatrix(R, 200, 400), 'after the recovery');
    assert.equal(gramThreads(), 0, 'helpers that stalled are not used again');
    setGramTestHooks(hooks);
    // The next job (fresh kernel memory: a late write of a hung helper cannot reach it) is right too.
    const R2 = rows(64, 500, 12);
    sameBits(gram(R2, 64, 500), gramMatrix(R2, 64, 500), 'the next job');
  } finally {
    setGramTestHooks(hooks);
    setGramThreads(before);
  }
});
