import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Recipe } from '../../src/recipe/types';
import { countParams, paramShapes } from '../../src/scoring/model/params';
import {
  initParams,
  disposeParams,
  forward,
  makeTaps,
  disposeTaps,
  initEmbedding,
  embeddingTable,
  embedTokens,
  randomTokens,
  crossEntropy,
  targetTokens,
  weightGradients,
  type NetParams,
  type LayerParams,
  type LinearParams,
} from '../../src/scoring/model/network';
import { makeRng } from '../../src/scoring/rng';

const SHARED = join(__dirname, '../../../shared/nas-bench-nlp');
const examples = JSON.parse(readFileSync(join(SHARED, 'recepies_example.json'), 'utf8')) as Recipe[];
const RNN = examples[0],
  LSTM = examples[1],
  GRU = examples[2];

test('setup: cpu backend', async () => {
  await tf.setBackend('cpu');
});

test('#params: vanilla RNN on WikiText-2 is 15,066,078', () => {
  assert.equal(countParams(RNN, { vocab: 33278, embed: 400, hidden: 600, layers: 3 }), 15066078);
  // By hand: embedding + decoder bias + 3 layers of linear(x, h) + bias.
  const byHand =
    33278 * 400 + 33278 + (600 * 400 + 600 * 600 + 600) + (600 * 600 * 2 + 600) + (400 * 600 + 400 * 400 + 400);
  assert.equal(byHand, 15066078);
  const b = paramShapes(RNN, { vocab: 33278, embed: 400, hidden: 600, layers: 3 });
  assert.equal(b.recurrent, 1721600);
  assert.equal(b.perNode.f, 1721600);
});

test('#params equals num_params for all 345 WikiText-2 logs', () => {
  const files = unzipSync(new Uint8Array(readFileSync(join(SHARED, 'wikitext-2-logs.zip'))));
  let n = 0;
  for (const [name, data] of Object.entries(files)) {
    if (!/log_stats_model_.*\.json$/.test(name)) continue;
    const log = JSON.parse(strFromU8(data).replace(/\bNaN\b|-?\bInfinity\b/g, 'null')) as {
      recepie: string;
      num_params: number;
      emsize: number;
      nhid: number;
      nlayers: number;
    };
    const recipe = JSON.parse(log.recepie) as Recipe;
    assert.equal(
      countParams(recipe, { vocab: 33278, embed: log.emsize, hidden: log.nhid, layers: log.nlayers }),
      log.num_params,
      name,
    );
    n++;
  }
  assert.equal(n, 345);
});

/** Builds NetParams from explicit numbers: w[layer][node] = { W: number[][][] ([in][H] per input), b: number[] }. */
function manualParams(
  recipe: Recipe,
  layers: { inputSize: number; hidden: number; lin: Record<string, { W: number[][][]; b: number[] }> }[],
): NetParams {
  const list: NetParams['list'][number][] = [];
  const ls: LayerParams[] = layers.map((l, layer) => {
    const linears = new Map<string, LinearParams>();
    for (const [node, p] of Object.entries(l.lin)) {
      const W = p.W.map((m) => tf.tensor2d(m));
      const b = tf.tensor1d(p.b);
      linears.set(node, { node, inputs: recipe[node].input, W, b });
      W.forEach((t, i) => list.push({ name: `L${layer}.${node}.W${i}`, layer, node, index: i, tensor: t }));
      list.push({ name: `L${layer}.${node}.b`, layer, node, index: -1, tensor: b });
    }
    return { layer, inputSize: l.inputSize, hidden: l.hidden, linears };
  });
  return { layers: ls, list };
}

test('tiny cell forward matches hand-computed numbers', () => {
  // hidden = embed = 1, one layer, two steps, one example.
  const cell: Recipe = {
    l: { op: 'linear', input: ['x', 'h_prev_0'] },
    s: { op: 'activation_sigm', input: ['l'] },
    r: { op: 'activation_leaky_relu', input: ['l'] },
    p: { op: 'elementwise_prod', input: ['s', 'r', 'x'] },
    q: { op: 'elementwise_sum', input: ['p', 'h_prev_0', 'l'] },
    h_new_0: { op: 'blend', input: ['s', 'q', 'h_prev_0'] },
  };
  const params = manualParams(cell, [{ inputSize: 1, hidden: 1, lin: { l: { W: [[[0.5]], [[-2]]], b: [-0.3] } } }]);
  const x = tf.tensor2d([[0.4], [-1.0]]);
  const out = tf.tidy(() => forward(cell, params, x, 2, 1).outputs[0].arraySync());
  // Step 0 (h = 0): l = 0.5·0.4 − 0.3 = −0.1; s = σ(−0.1); r = −0.001; p = s·r·0.4; q = p + 0 + l; h1 = s·q + (1 − s)·0.
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const s0 = sig(-0.1),
    r0 = -0.001,
    p0 = s0 * r0 * 0.4,
    q0 = p0 - 0.1,
    h1 = s0 * q0;
  // Step 1: l = 0.5·(−1) − 2·h1 − 0.3.
  const l1 = -0.5 - 2 * h1 - 0.3,
    s1 = sig(l1),
    r1 = l1 > 0 ? l1 : 0.01 * l1,
    p1 = s1 * r1 * -1,
    q1 = p1 + h1 + l1;
  const h2 = s1 * q1 + (1 - s1) * h1;
  assert.ok(Math.abs(out[0][0] - h1) < 1e-6, `${out[0][0]} vs ${h1}`);
  assert.ok(Math.abs(out[1][0] - h2) < 1e-6, `${out[1][0]} vs ${h2}`);
  disposeParams(params);
  x.dispose();
});

// ---- direct implementations in plain JS (float64), reading the same weights ----
type Mat = number[][];
const mv = (v: number[], W: Mat): number[] => W[0].map((_, j) => v.reduce((s, vi, i) => s + vi * W[i][j], 0));
const add = (...vs: number[][]) => vs[0].map((_, j) => vs.reduce((s, v) => s + v[j], 0));
const mul = (a: number[], b: number[]) => a.map((v, j) => v * b[j]);
const sigm = (a: number[]) => a.map((v) => 1 / (1 + Math.exp(-v)));
const tanh = (a: number[]) => a.map(Math.tanh);

function weightsOf(params: NetParams, layer: number, node: string): { W: Mat[]; b: number[] } {
  const p = params.layers[layer].linears.get(node)!;
  return { W: p.W.map((w) => w.arraySync()), b: Array.from(p.b.dataSync()) };
}
const lin = (w: { W: Mat[]; b: number[] }, ...ins: number[][]) => add(w.b, ...ins.map((v, i) => mv(v, w.W[i])));

/** Runs `step(layer, x_t, state) → {out, state}` over layers, steps and examples of a [T·B, E] input. */
function runDirect(
  x: number[][],
  T: number,
  B: number,
  layers: number,
  hidden: (l: number) => number,
  tuple: number,
  step: (l: number, xt: number[], st: number[][]) => number[][],
): number[][] {
  let input = x;
  for (let l = 0; l < layers; l++) {
    const out = new Array<number[]>(T * B);
    for (let b = 0; b < B; b++) {
      let st = Array.from({ length: tuple }, () => new Array<number>(hidden(l)).fill(0));
      for (let t = 0; t < T; t++) {
        st = step(l, input[t * B + b], st);
        out[t * B + b] = st[0];
      }
    }
    input = out;
  }
  return input;
}

const sizes = { vocab: 50, embed: 8, hidden: 12, layers: 2 };
const T = 5,
  B = 3;
const hid = (l: number) => (l === sizes.layers - 1 ? sizes.embed : sizes.hidden);

function compare(
  recipe: Recipe,
  tuple: number,
  step: (params: NetParams) => (l: number, xt: number[], st: number[][]) => number[][],
) {
  const params = initParams(recipe, sizes, 7);
  const rng = makeRng(3);
  const xArr = Array.from({ length: T * B }, () => Array.from({ length: sizes.embed }, () => rng.normal()));
  const x = tf.tensor2d(xArr);
  for (const mode of ['plain', 'fast'] as const) {
    const got = tf.tidy(() => forward(recipe, params, x, T, B, { mode }).outputs[1].arraySync());
    const want = runDirect(xArr, T, B, sizes.layers, hid, tuple, step(params));
    let maxErr = 0;
    for (let r = 0; r < T * B; r++)
      for (let j = 0; j < sizes.embed; j++) maxErr = Math.max(maxErr, Math.abs(got[r][j] - want[r][j]));
    assert.ok(maxErr < 1e-5, `${mode}: max error ${maxErr}`);
    assert.ok(
      want.flat().some((v) => Math.abs(v) > 1e-3),
      'outputs are not trivially zero',
    );
  }
  disposeParams(params);
  x.dispose();
}

test('RNN recipe = direct tanh RNN with the same weights (2 layers)', () => {
  compare(RNN, 1, (p) => (l, xt, st) => [tanh(lin(weightsOf(p, l, 'f'), xt, st[0]))]);
});

test('LSTM recipe = direct LSTM equations with the same weights (2 layers)', () => {
  compare(LSTM, 2, (p) => (l, xt, [h, c]) => {
    const g = (n: string) => lin(weightsOf(p, l, n), xt, h);
    const cNew = add(mul(sigm(g('f')), c), mul(tanh(g('i')), sigm(g('j'))));
    return [mul(tanh(cNew), tanh(g('o'))), cNew];
  });
});

test('GRU recipe = direct GRU equations with the same weights (2 layers)', () => {
  compare(GRU, 1, (p) => (l, xt, [h]) => {
    const r = sigm(lin(weightsOf(p, l, 'r'), xt, h));
    const z = sigm(lin(weightsOf(p, l, 'z'), xt, h));
    const ht = tanh(lin(weightsOf(p, l, 'h_tilde'), xt, mul(r, h)));
    return [
      add(
        mul(z, h),
        mul(
          z.map((v) => 1 - v),
          ht,
        ),
      ),
    ];
  });
});

test('init is deterministic per seed and uniform(±1/sqrt(hidden))', () => {
  const a = initParams(LSTM, sizes, 11),
    b = initParams(LSTM, sizes, 11),
    c = initParams(LSTM, sizes, 12);
  const av = a.list.map((p) => Array.from(p.tensor.dataSync()));
  assert.deepEqual(
    av,
    b.list.map((p) => Array.from(p.tensor.dataSync())),
  );
  assert.notDeepEqual(
    av,
    c.list.map((p) => Array.from(p.tensor.dataSync())),
  );
  for (const p of a.list) {
    const bound = 1 / Math.sqrt(p.layer === sizes.layers - 1 ? sizes.embed : sizes.hidden);
    assert.ok(
      p.tensor.dataSync().every((v) => Math.abs(v) <= bound),
      p.name,
    );
  }
  const e = initEmbedding(sizes, 5);
  assert.ok(e.dataSync().every((v) => Math.abs(v) <= 0.1));
  [a, b, c].forEach(disposeParams);
  e.dispose();
});

test('embedding table: the JavaScript row copy equals tf.gather bit for bit; one table per seed and size, kept', () => {
  const e = initEmbedding(sizes, 7);
  const table = embeddingTable(sizes, 7);
  assert.equal(embeddingTable(sizes, 7), table, 'the same table for the same seed and sizes');
  assert.notDeepEqual(Array.from(embeddingTable(sizes, 8).values.slice(0, 8)), Array.from(table.values.slice(0, 8)));
  const again = embeddingTable(sizes, 7);
  assert.deepEqual(Array.from(again.values), Array.from(e.dataSync()), "initEmbedding holds the table's values");
  const tokens = randomTokens(makeRng(9), sizes.vocab, B, T + 1);
  const viaGather = embedTokens(e, tokens, B, T + 1, T);
  const viaTable = embedTokens(again, tokens, B, T + 1, T);
  assert.deepEqual(viaTable.shape, viaGather.shape);
  const g = viaGather.dataSync(),
    j = viaTable.dataSync();
  for (let i = 0; i < g.length; i++) assert.ok(Object.is(g[i], j[i]), `entry ${i}`);
  const bad = Int32Array.from(tokens);
  bad[3] = sizes.vocab;
  assert.throws(() => embedTokens(again, bad, B, T + 1, T), /outside the vocabulary/);
  tf.dispose([e, viaGather, viaTable]);
});

test('fast mode: tap-derived weight gradients equal autodiff gradients (CE loss)', () => {
  for (const recipe of [LSTM, GRU]) {
    const params = initParams(recipe, sizes, 2);
    const emb = initEmbedding(sizes, 2);
    const tokens = randomTokens(makeRng(4), sizes.vocab, B, T + 1);
    const x = embedTokens(emb, tokens, B, T + 1, T);
    const tg = targetTokens(tokens, B, T + 1, T);
    const Et = tf.transpose<tf.Tensor2D>(emb);
    // Reference: plain mode, autodiff w.r.t. every weight.
    const ref = tf.grads((...ws: tf.Tensor[]) => {
      void ws;
      const out = forward(recipe, params, x, T, B).outputs;
      return crossEntropy(out[out.length - 1], emb, tg);
    })(params.list.map((p) => p.tensor));
    // Fast: taps + custom gradients.
    const taps = makeTaps(recipe, sizes, T, B);
    let kept: { sources: Map<string, tf.Tensor2D>[] } = { sources: [] };
    const g = tf.grads(() => {
      const r = forward(recipe, params, x, T, B, { mode: 'fast', taps, keepSources: true });
      r.sources.forEach((m) => m.forEach((t) => tf.keep(t)));
      kept = r;
      return crossEntropy(r.outputs[r.outputs.length - 1], emb, tg, Et);
    })(taps.flat as tf.Tensor[]);
    const D = taps.byLayer.map((m) => {
      const d = new Map<string, tf.Tensor2D>();
      for (const [node, arr] of m)
        d.set(
          node,
          tf.concat(
            arr.map((t) => g[taps.flat.indexOf(t)]),
            0,
          ) as tf.Tensor2D,
        );
      return d;
    });
    const wg = weightGradients(params, kept.sources, D);
    params.list.forEach((p, i) => {
      const want = ref[i].dataSync(),
        got = wg.get(p.name)!.dataSync();
      let err = 0,
        scale = 0;
      for (let k = 0; k < want.length; k++) {
        err = Math.max(err, Math.abs(want[k] - got[k]));
        scale = Math.max(scale, Math.abs(want[k]));
      }
      assert.ok(err <= 1e-4 * scale + 1e-7, `${p.name}: err ${err} scale ${scale}`);
    });
    assert.ok(
      ref.some((r) => tf.max(tf.abs(r)).dataSync()[0] > 1e-6),
      'gradients are not all zero',
    );
    tf.dispose([
      ...ref,
      ...g,
      ...wg.values(),
      ...D.flatMap((m) => [...m.values()]),
      ...kept.sources.flatMap((m) => [...m.values()].filter((t) => t !== x)),
    ]);
    disposeTaps(taps);
    disposeParams(params);
    tf.dispose([emb, x, tg, Et]);
  }
});
