/**
 * The float64 Gram matrices on several threads (src/scoring/model/gram.ts): bit-identical to one thread and to a
 * direct float64 sum, for shapes that split into many tiles, uneven tails and float32/float64 inputs; a process
 * that used the helper threads still exits by itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gram, gramThreads, setGramThreads } from '../../src/scoring/model/gram';
import { makeRng } from '../../src/scoring/rng';

function rows(n: number, len: number, seed: number, f32 = true): Float32Array | Float64Array {
  const v = makeRng(seed, 1).normalArray(n * len, 1);
  return f32 ? Float32Array.from(v) : Float64Array.from(v);
}

function direct(R: ArrayLike<number>, n: number, len: number): Float64Array {
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < len; k++) s += R[i * len + k] * R[j * len + k];
    G[i * n + j] = s;
  }
  return G;
}

test('gram: one thread, three threads and a direct sum agree bit for bit (float32 and float64 rows, uneven tiles)', () => {
  const before = gramThreads();
  try {
    for (const [n, len, f32] of [[7, 5, true], [130, 700, true], [203, 311, false], [1, 9, true]] as const) {
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
