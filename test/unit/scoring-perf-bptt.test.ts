// The fast scoring paths against plain references: the hand-written backward through time (model/bptt) against
// TF.js autodiff, and the forward-mode log-space synflow against a float64 finite difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Recipe } from '../../src/recipe/types';
import { hPrevIndex } from '../../src/recipe/ops';
import {
  initParams,
  disposeParams,
  forward,
  initEmbedding,
  embedTokens,
  randomTokens,
  buildPlan,
  type NetParams,
} from '../../src/scoring/model/network';
import { ScoreContext, type LmNeed } from '../../src/scoring/model/passes';
import { synflowPass } from '../../src/scoring/model/synflow';
import { makeRng } from '../../src/scoring/rng';
import { SCORE_IDS, type ScoreSettings } from '../../src/scoring/types';

const examples = JSON.parse(
  readFileSync(join(__dirname, '../../../shared/nas-bench-nlp/recepies_example.json'), 'utf8'),
) as Recipe[];
const [RNN, LSTM, GRU] = examples;
/** Every op, x read by elementwise ops, a 3-input product, a repeated input, a dead linear node, two states. */
const MIXED: Recipe = {
  a: { op: 'linear', input: ['x', 'h_prev_0', 'h_prev_0'] },
  s: { op: 'activation_sigm', input: ['a'] },
  t: { op: 'activation_tanh', input: ['x'] },
  p: { op: 'elementwise_prod', input: ['s', 't', 'h_prev_1'] },
  dead: { op: 'linear', input: ['h_prev_0'] },
  q: { op: 'elementwise_sum', input: ['p', 'x', 'a'] },
  l: { op: 'activation_leaky_relu', input: ['q'] },
  c: { op: 'linear', input: ['h_prev_1', 'l'] },
  h_new_1: { op: 'activation_tanh', input: ['c'] },
  h_new_0: { op: 'blend', input: ['s', 'l', 'h_prev_0'] },
};
const sizes = { vocab: 30, embed: 10, hidden: 10, layers: 2, seqLen: 5, batch: 3 };
const settings: ScoreSettings = { ...sizes, scores: SCORE_IDS, seed: 4, repeats: 1, backend: 'cpu' };

test('setup: cpu backend', async () => {
  await tf.setBackend('cpu');
});

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0,
    scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / Math.max(scale, 1e-30);
}

test('LM pass (shared forward + hand-written backward) equals TF.js autodiff: mean(y²) weight gradients and Σy input Jacobians', () => {
  for (const recipe of [LSTM, GRU, MIXED]) {
    const needSets: LmNeed[][] = [['grad', 'sum', 'codes'], ['grad'], ['sum']];
    for (const needs of needSets) {
      const before = tf.memory().numTensors;
      const ctx = new ScoreContext(recipe, settings, settings.seed, undefined, needs);
      const { seqLen: T, batch: B } = sizes;
      const params = ctx.uniformParams();
      const emb = initEmbedding(sizes, settings.seed);
      const toks = randomTokens(makeRng(settings.seed, 10), sizes.vocab, B, T + 1);
      const x = embedTokens(emb, toks, B, T + 1, T);
      if (needs.includes('grad'))
        tf.tidy(() => {
          const ce = ctx.grad();
          const xs = params.list.map((p) => p.tensor);
          // allowNoGradients: the dead node's parameters get none (→ zeros).
          const res = tf.engine().gradients(
            () => {
              const o = forward(recipe, params, x, T, B).outputs;
              return tf.mean(tf.square(o[o.length - 1]));
            },
            xs,
            undefined,
            true,
          );
          const value = res.value;
          const grads = xs.map((t, i) => (res.grads[i] as tf.Tensor | undefined) ?? tf.zerosLike(t));
          assert.ok(
            Math.abs(ce.loss - value.dataSync()[0]) < 1e-5 * Math.abs(ce.loss),
            `${ce.loss} vs ${value.dataSync()[0]}`,
          );
          params.list.forEach((p, i) => {
            const sq = tf.sum(tf.square(grads[i])).dataSync()[0];
            const snip = tf.sum(tf.abs(tf.mul(grads[i], p.tensor))).dataSync()[0];
            const got = ce.perParam[i];
            assert.equal(got.name, p.name);
            assert.ok(Math.abs(got.sq - sq) <= 1e-4 * sq + 1e-12, `${p.name}: Σg² ${got.sq} vs ${sq}`);
            assert.ok(Math.abs(got.snip - snip) <= 1e-4 * snip + 1e-12, `${p.name}: snip ${got.snip} vs ${snip}`);
          });
          assert.ok(ce.perParam.some((p) => p.sq > 0));
        });
      if (needs.includes('sum'))
        tf.tidy(() => {
          const sum = ctx.sum();
          const dx = tf.grad((xx: tf.Tensor) => {
            const o = forward(recipe, params, xx as tf.Tensor2D, T, B).outputs;
            return tf.sum(o[o.length - 1]);
          })(x);
          const d = dx.dataSync();
          const E = sizes.embed;
          for (let b = 0; b < B; b++) {
            const want = new Float64Array(T * E);
            for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) want[t * E + e] = d[(t * B + b) * E + e];
            assert.ok(maxRelErr(sum.jacobians[b], want) < 1e-4, `jacobian ${b}`);
          }
        });
      ctx.dispose();
      tf.dispose([emb, x]);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    }
  }
});

/** Plain float64 R(θ·(1 + ε)) with |θ|, all-ones input, batch 1 (no log space: only for moderate sizes). */
function R64(recipe: Recipe, p: NetParams, T: number, eps: number): number {
  const { order, tuple } = buildPlan(recipe);
  let inputs: Float64Array[] = Array.from({ length: T }, () => new Float64Array(p.layers[0].inputSize).fill(1));
  for (const lp of p.layers) {
    const H = lp.hidden;
    const lin = new Map(
      [...lp.linears].map(([n, l]) => [
        n,
        {
          W: l.W.map((w) => Float64Array.from(w.dataSync(), (v) => Math.abs(v) * (1 + eps))),
          b: Float64Array.from(l.b.dataSync(), (v) => Math.abs(v) * (1 + eps)),
        },
      ]),
    );
    let state: Float64Array[] = Array.from({ length: tuple }, () => new Float64Array(H));
    const outs: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const vals = new Map<string, Float64Array>();
      const get = (n: string) =>
        n === 'x' ? inputs[t] : hPrevIndex(n) !== undefined ? state[hPrevIndex(n)!] : vals.get(n)!;
      for (const n of order) {
        const s = recipe[n];
        const xs = s.input.map(get);
        let v: Float64Array = new Float64Array(H);
        if (s.op === 'linear') {
          const w = lin.get(n)!;
          v.set(w.b);
          xs.forEach((a, i) => {
            for (let r = 0; r < a.length; r++) for (let h = 0; h < H; h++) v[h] += a[r] * w.W[i][r * H + h];
          });
        } else if (s.op === 'elementwise_sum') for (const a of xs) for (let h = 0; h < H; h++) v[h] += a[h];
        else if (s.op === 'elementwise_prod') {
          v.fill(1);
          for (const a of xs) for (let h = 0; h < H; h++) v[h] *= a[h];
        } else if (s.op === 'blend') for (let h = 0; h < H; h++) v[h] = xs[0][h] * xs[1][h] + (1 - xs[0][h]) * xs[2][h];
        else if (s.op === 'activation_tanh') v = xs[0].map(Math.tanh);
        else if (s.op === 'activation_sigm') v = xs[0].map((z) => 1 / (1 + Math.exp(-z)));
        else v = xs[0].map((z) => (z > 0 ? z : 0.01 * z));
        vals.set(n, v);
      }
      state = state.map((_, i) => vals.get(`h_new_${i}`)!);
      outs.push(state[0]);
    }
    inputs = outs;
  }
  return inputs.reduce((s, o) => s + o.reduce((a, b) => a + b, 0), 0);
}

test('synflow (forward-mode tangents, float64 log space) equals a float64 finite difference of R((1 + ε)·|θ|)', () => {
  // The RNN case at E64/H96 saturates tanh: the float32 1 − y² of the first engine lost ~2 % of the flow there.
  const cases: [Recipe, { vocab: number; embed: number; hidden: number; layers: number; seqLen: number }][] = [
    [RNN, { vocab: 50, embed: 64, hidden: 96, layers: 3, seqLen: 30 }],
    [LSTM, { vocab: 50, embed: 16, hidden: 24, layers: 2, seqLen: 8 }],
    [MIXED, { vocab: 50, embed: 12, hidden: 12, layers: 3, seqLen: 6 }],
  ];
  for (const [recipe, sz] of cases) {
    const p = initParams(recipe, sz, 0);
    const got = synflowPass(recipe, sz, 0, p);
    const e = 1e-5;
    const S = (R64(recipe, p, sz.seqLen, e) - R64(recipe, p, sz.seqLen, -e)) / (2 * e);
    const R = R64(recipe, p, sz.seqLen, 0);
    assert.ok(Math.abs(got.logR - Math.log(R)) < 1e-6, `log R ${got.logR} vs ${Math.log(R)}`);
    assert.ok(Math.abs(got.logS - Math.log(S)) < 1e-4, `log S ${got.logS} vs ${Math.log(S)}`);
    const fractions = Object.values(got.share);
    assert.ok(Math.abs(fractions.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'perNode fractions sum to 1');
    disposeParams(p);
  }
});

test('synflow: a dead linear node gets zero flow (and is no error)', () => {
  const r = synflowPass(MIXED, { vocab: 50, embed: 12, hidden: 12, layers: 2, seqLen: 4 }, 1);
  assert.ok(Number.isFinite(r.logS) && r.sS > 0, `log S = ${r.logS}`);
  assert.equal(r.share.dead, 0);
});
