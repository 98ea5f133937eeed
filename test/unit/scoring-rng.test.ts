/**
 * Kept random draws (src/scoring/rng.ts keptStream): a reader returns exactly what a fresh makeRng(seed, stream)
 * returns for the same calls — whatever the lengths and scales, read again by a second reader, with draws past the
 * kept limit, and with Box–Muller's spare normal falling between calls — and it refuses to mix kinds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptStream, keptStreamLimit, makeRng } from '../../src/scoring/rng';

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

test('keptStream equals makeRng for uniform and normal draws, fresh and kept, below and past the limit', () => {
  const before = keptStreamLimit();
  try {
    for (const limit of [1_000_000, 1000, 7, 0]) {
      keptStreamLimit(limit);
      for (const seed of [0, 5, -3]) {
        for (const stream of [1, 2, 12]) {
          for (let reader = 0; reader < 3; reader++) {
            // the first reader draws, the next ones read what was kept
            const r = makeRng(seed, stream),
              k = keptStream(seed, stream);
            // Odd lengths put Box–Muller's spare normal at the start of the next call.
            for (const n of [3, 1, 600, 2047, 0, 5, 999, 4000]) {
              const uniform = stream === 1;
              const want = uniform ? r.uniformArray(n, -0.04, 0.04) : r.normalArray(n, 0.03 * ((n % 3) + 1));
              const got = uniform ? k.uniformArray(n, -0.04, 0.04) : k.normalArray(n, 0.03 * ((n % 3) + 1));
              assert.deepEqual(
                bitsOf(got),
                bitsOf(want),
                `limit ${limit}, seed ${seed}, stream ${stream}, reader ${reader}, n ${n}`,
              );
            }
          }
        }
      }
    }
  } finally {
    keptStreamLimit(before);
  }
});

test('a keptStream reader refuses uniform draws after normal ones (they would differ from makeRng)', () => {
  const k = keptStream(1, 2);
  k.normalArray(4);
  assert.throws(() => k.uniformArray(4, 0, 1), /uniform draws after normal ones/);
});
