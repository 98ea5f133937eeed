// The wasm backend as scoring uses it: the replacement slice kernels, tensor hygiene across consecutive
// scoring runs, the per-part timing in the report, and the engine version in the cache key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../src/recipe/types';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell } from '../../src/scoring/engine';
import { settingsKey } from '../../src/scoring/cache';
import { ENGINE_VERSION, SCORE_IDS, type ScoreSettings } from '../../src/scoring/types';

const examples = JSON.parse(
  readFileSync(join(__dirname, '../../../shared/nas-bench-nlp/recepies_example.json'), 'utf8'),
) as Recipe[];
const small = { vocab: 200, embed: 16, hidden: 24, layers: 2, seqLen: 6, batch: 5 };

test('setup: wasm backend', async () => {
  const r = await initBackend('wasm');
  assert.equal(r.name, 'wasm');
});

test('wasm Slice / SplitV / Unpack (replaced kernels) give the same values as plain index arithmetic', () => {
  const shape = [3, 4, 5];
  const data = Float32Array.from({ length: 60 }, (_, i) => i * 0.5 - 7);
  const at = (i: number, j: number, k: number) => data[(i * 4 + j) * 5 + k];
  tf.tidy(() => {
    const x = tf.tensor3d(data, shape as [number, number, number]);
    // contiguous, non-contiguous, and 2-D slices
    assert.deepEqual(Array.from(tf.slice(x, [1, 0, 0], [2, 4, 5]).dataSync()), Array.from(data.slice(20)));
    const s = tf.slice(x, [0, 1, 2], [3, 2, 2]).dataSync();
    let n = 0;
    for (let i = 0; i < 3; i++)
      for (let j = 1; j < 3; j++) for (let k = 2; k < 4; k++) assert.equal(s[n++], at(i, j, k));
    const m = tf.tensor2d(data, [6, 10]);
    assert.deepEqual(
      Array.from(tf.slice(m, [2, 3], [3, 4]).dataSync()),
      [2, 3, 4].flatMap((r) => Array.from(data.slice(r * 10 + 3, r * 10 + 7))),
    );
    // split along rows and columns, unstack along every axis
    const rows = tf.split(m, [1, 2, 3], 0);
    assert.deepEqual(
      rows.map((r) => r.shape),
      [
        [1, 10],
        [2, 10],
        [3, 10],
      ],
    );
    assert.deepEqual(Array.from(rows[2].dataSync()), Array.from(data.slice(30)));
    const cols = tf.split(m, 2, 1);
    assert.deepEqual(
      Array.from(cols[1].dataSync()),
      [0, 1, 2, 3, 4, 5].flatMap((r) => Array.from(data.slice(r * 10 + 5, r * 10 + 10))),
    );
    for (let axis = 0; axis < 3; axis++) {
      const parts = tf.unstack(x, axis);
      assert.equal(parts.length, shape[axis]);
      parts.forEach((p, q) => {
        const v = p.dataSync();
        let c = 0;
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 4; j++)
            for (let k = 0; k < 5; k++) {
              if ([i, j, k][axis] === q) assert.equal(v[c++], at(i, j, k));
            }
      });
    }
  });
});

test('two consecutive scoreCell runs leave tf.memory().numTensors unchanged and give the same values', async () => {
  const s: ScoreSettings = { ...small, scores: SCORE_IDS, seed: 2, repeats: 1, backend: 'wasm' };
  for (const recipe of examples.slice(0, 3)) {
    const n0 = tf.memory().numTensors;
    const a = await scoreCell(recipe, s);
    const n1 = tf.memory().numTensors;
    const b = await scoreCell(recipe, s);
    const n2 = tf.memory().numTensors;
    assert.equal(n1, n0, 'first run leaked tensors');
    assert.equal(n2, n1, 'second run leaked tensors');
    assert.deepEqual(
      b.results.map((r) => r.values),
      a.results.map((r) => r.values),
    );
    // The report breaks its time down by part.
    for (const part of ['init', 'forward', 'backward', 'codes', 'ntk', 'gauss', 'synflow', 'scores']) {
      assert.ok(typeof a.passMs?.[part] === 'number' && a.passMs[part] >= 0, `passMs.${part}`);
    }
  }
});

test('a subset of scores runs only the parts it needs', async () => {
  const rep = await scoreCell(examples[1], { ...small, scores: ['naswot'], seed: 0, repeats: 1, backend: 'wasm' });
  assert.deepEqual(Object.keys(rep.passMs ?? {}).sort(), ['codes', 'forward', 'init', 'scores']);
});

test('the cache key carries the engine version', () => {
  const key = JSON.parse(settingsKey({ ...small, scores: ['zen'], seed: 0, repeats: 1, backend: 'auto' })) as {
    engine: number;
  };
  assert.equal(key.engine, ENGINE_VERSION);
});
