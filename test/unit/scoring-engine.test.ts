import { perExampleGradients } from '../helpers/ntk';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../src/recipe/types';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell, AbortError } from '../../src/scoring/engine';
import { SCORE_IDS, type ScoreSettings } from '../../src/scoring/types';
import { synflowPass } from '../../src/scoring/model/synflow';
import { initParams, disposeParams, forward } from '../../src/scoring/model/network';
import { symmetricEigenvalues, slogdet } from '../../src/shared/linalg';
import { makeRng } from '../../src/scoring/rng';

const examples = JSON.parse(
  readFileSync(join(__dirname, '../../../shared/nas-bench-nlp/recepies_example.json'), 'utf8'),
) as Recipe[];
const [RNN, LSTM, GRU] = examples;
const small = { vocab: 50, embed: 8, hidden: 12, layers: 2, seqLen: 5, batch: 4 };
const settings = (over: Partial<ScoreSettings> = {}): ScoreSettings => ({
  ...small,
  scores: SCORE_IDS,
  seed: 0,
  repeats: 1,
  backend: 'cpu',
  ...over,
});

test('setup: cpu backend through the chain', async () => {
  const r = await initBackend('cpu');
  assert.equal(r.name, 'cpu');
  assert.deepEqual(r.tried, [{ name: 'cpu' }]);
});

test('a forced backend that cannot load is an error with the reason', async () => {
  await assert.rejects(initBackend('tensorflow'), /Scoring backend 'tensorflow' is not available: .*tfjs-node/);
  assert.equal(tf.getBackend(), 'cpu');
});

test('rng: deterministic per seed, normals have mean ≈ 0 and std ≈ 1', () => {
  const a = makeRng(5).normalArray(20000),
    b = makeRng(5).normalArray(20000);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, makeRng(6).normalArray(20000));
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
  assert.ok(Math.abs(m) < 0.03 && Math.abs(sd - 1) < 0.03, `${m} ${sd}`);
});

test('linalg: Jacobi eigenvalues and slogdet of a known matrix', () => {
  // [[2,1],[1,2]] has eigenvalues 1 and 3, det 3.
  assert.deepEqual(
    symmetricEigenvalues([
      [2, 1],
      [1, 2],
    ]).map((v) => +v.toFixed(10)),
    [1, 3],
  );
  const { sign, logAbsDet } = slogdet([
    [2, 1],
    [1, 2],
  ]);
  assert.equal(sign, 1);
  assert.ok(Math.abs(logAbsDet - Math.log(3)) < 1e-12);
  assert.equal(
    slogdet([
      [1, 2],
      [2, 4],
    ]).sign,
    0,
  );
  const d = slogdet([
    [0, 1],
    [1, 0],
  ]);
  assert.equal(d.sign, -1);
});

test('all scores of LSTM/GRU/RNN: finite or NaN with a reason; no tensor leak across calls', async () => {
  const before = tf.memory().numTensors;
  for (const r of [RNN, LSTM, GRU]) {
    const rep = await scoreCell(r, settings({ repeats: 2 }));
    assert.equal(rep.results.length, SCORE_IDS.length);
    assert.equal(rep.backend, 'cpu');
    for (const x of rep.results) {
      assert.equal(x.values.length, 2, x.id);
      if (!Number.isFinite(x.value)) assert.ok(x.reason, `${x.id} has no reason`);
      assert.ok(
        Math.abs(x.value - (x.values[0] + x.values[1]) / 2) < 1e-9 * Math.max(1, Math.abs(x.value)) ||
          !Number.isFinite(x.value),
      );
    }
    const byId = Object.fromEntries(rep.results.map((x) => [x.id, x]));
    for (const id of ['naswot', 'grad_norm', 'snip', 'zen', 'maedet', 'ntk_trace', 'jacob_cov'] as const) {
      assert.ok(Number.isFinite(byId[id].value), `${id} of a standard cell is finite: ${byId[id].reason}`);
    }
  }
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

test('determinism: same seed → same values; another seed → different values', async () => {
  const s = settings({ scores: ['naswot', 'grad_norm', 'zen', 'ntk_cond'] });
  const a = await scoreCell(LSTM, s),
    b = await scoreCell(LSTM, s),
    c = await scoreCell(LSTM, { ...s, seed: 9 });
  assert.deepEqual(
    a.results.map((x) => x.value),
    b.results.map((x) => x.value),
  );
  assert.notDeepEqual(
    a.results.map((x) => x.value),
    c.results.map((x) => x.value),
  );
});

test('params score needs no tensors and equals the count', async () => {
  const rep = await scoreCell(RNN, settings({ scores: ['params'], vocab: 33278, embed: 400, hidden: 600, layers: 3 }));
  assert.equal(rep.results[0].value, 15066078);
});

test('NaN with reason: identical inputs share an activation code (naswot); output ignores input (jacob_cov)', async () => {
  const rep = await scoreCell(LSTM, settings({ scores: ['naswot'], vocab: 1 }));
  assert.ok(Number.isNaN(rep.results[0].value));
  assert.match(rep.results[0].reason ?? '', /share an activation code/);
  const blind: Recipe = { a: { op: 'linear', input: ['h_prev_0'] }, h_new_0: { op: 'activation_tanh', input: ['a'] } };
  const r2 = await scoreCell(blind, settings({ scores: ['jacob_cov'] }));
  assert.ok(Number.isNaN(r2.results[0].value));
  assert.match(r2.results[0].reason ?? '', /does not depend on the input/);
});

test('abort: throws AbortError and leaks no tensors', async () => {
  const before = tf.memory().numTensors;
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(
    scoreCell(LSTM, settings(), {
      signal: ac.signal,
      onProgress: () => {
        if (++calls === 2) ac.abort();
      },
    }),
    AbortError,
  );
  assert.equal(tf.memory().numTensors, before);
});

test('ntk_trace matches a direct per-example Jacobian computation', async () => {
  // Θ_bb = ‖∂s_b/∂θ‖² with s_b = Σ outputs of example b; compare tr Θ with per-example autodiff.
  const s = settings({ scores: ['ntk_trace'], seed: 3 });
  const rep = await scoreCell(GRU, s);
  // Θ_bb = ‖g_b‖²: the trace from per-example autodiff gradients.
  const tr = perExampleGradients(GRU, s, 3).reduce((acc, g) => acc + g.reduce((q, v) => q + v * v, 0), 0);
  const want = Math.sqrt(tr / s.batch);
  assert.ok(Math.abs(rep.results[0].value - want) < 1e-3 * want, `${rep.results[0].value} vs ${want}`);
});

test('synflow in log space equals log Σ θ·∂R/∂θ computed plainly (no overflow case)', () => {
  const sizes = { ...small, seqLen: 4 };
  for (const cell of [
    RNN,
    LSTM,
    {
      a: { op: 'linear', input: ['x', 'h_prev_0'] },
      b: { op: 'activation_leaky_relu', input: ['a'] },
      h_new_0: { op: 'elementwise_sum', input: ['b', 'h_prev_0'] },
    } as Recipe,
  ]) {
    const got = synflowPass(cell, sizes, 1);
    const params = initParams(cell, sizes, 1);
    const abs = params.list.map((p) => tf.abs(p.tensor));
    // Plain reference: swap the weights for |θ| by building the forward on copies.
    const absParams = {
      layers: params.layers.map((lp) => ({
        ...lp,
        linears: new Map(
          [...lp.linears].map(([n, l]) => [
            n,
            {
              ...l,
              W: l.W.map((w) => abs[params.list.findIndex((p) => p.tensor === w)] as tf.Tensor2D),
              b: abs[params.list.findIndex((p) => p.tensor === l.b)] as tf.Tensor1D,
            },
          ]),
        ),
      })),
      list: [],
    };
    const g = tf.grads(() =>
      tf.sum(forward(cell, absParams, tf.ones<tf.Rank.R2>([sizes.seqLen, sizes.embed]), sizes.seqLen, 1).outputs[1]),
    )(abs);
    const S = abs.reduce((acc, t, i) => acc + tf.sum(tf.mul(t, g[i])).dataSync()[0], 0);
    assert.ok(S > 0);
    assert.ok(Math.abs(got.logS - Math.log(S)) < 1e-3, `${got.logS} vs ${Math.log(S)}`);
    tf.dispose([...abs, ...g]);
    disposeParams(params);
  }
});

test('synflow stays finite where float32 overflows (long chain of linears)', () => {
  const chain: Recipe = {
    a: { op: 'linear', input: ['x', 'h_prev_0'] },
    b: { op: 'linear', input: ['a', 'h_prev_0'] },
    h_new_0: { op: 'elementwise_prod', input: ['a', 'b'] },
  };
  const r = synflowPass(chain, { vocab: 50, embed: 64, hidden: 96, layers: 3, seqLen: 30 }, 0);
  assert.ok(Number.isFinite(r.logS) && r.sS > 0, `log S = ${r.logS}`);
  assert.ok(r.logS > Math.log(3.4e38), `log S = ${r.logS} is beyond float32`);
});
