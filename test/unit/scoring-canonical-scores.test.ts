/**
 * Scores are functions of the canonical cell (engine 3): every renaming / key order / commutative operand order of
 * a cell gives bit-identical values for a seed; κ is defined (finite or +∞ with a reason) on the cells whose float32
 * NTK made it NaN in engine 2; hidden covariance and κ agree with direct computations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../src/recipe/types';
import { canonicalCell, canonicalHash } from '../../src/recipe/canonical';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell } from '../../src/scoring/engine';
import { SCORE_IDS, type ScoreReport, type ScoreSettings } from '../../src/scoring/types';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import {
  initParams,
  disposeParams,
  forward,
  embedTokens,
  initEmbedding,
  randomTokens,
} from '../../src/scoring/model/network';
import { symmetricEigenvalues, toMatrix } from '../../src/shared/linalg';
import { HIDDEN_COV_BATCH, HIDDEN_COV_STEPS } from '../../src/scoring/model/constants';
import { makeRng } from '../../src/scoring/rng';
import { recipeFromString } from '../../src/benchmark/logFormat';
import { loadLogsFromZip } from '../../src/benchmark/sources';
import { readFileSync } from 'node:fs';
import { exampleText, scramble, WT2_ZIP } from '../helpers/data';
import { perExampleGradients } from '../helpers/ntk';

const examples = JSON.parse(exampleText()) as Recipe[];
const tiny = { vocab: 40, embed: 6, hidden: 8, layers: 2, seqLen: 4, batch: 4 };
const all = (over: Partial<ScoreSettings> = {}): ScoreSettings => ({
  ...tiny,
  scores: SCORE_IDS,
  seed: 0,
  repeats: 1,
  backend: 'cpu',
  ...over,
});

const runs = loadLogsFromZip(readFileSync(WT2_ZIP), 'wikitext-2-logs.zip').runs;
const byHash = new Map<string, Recipe>();
for (const r of runs) {
  const parsed = recipeFromString(r.recipe);
  if (!byHash.has(r.hash) && 'recipe' in parsed) byHash.set(r.hash, parsed.recipe);
}

test('setup: cpu backend', async () => {
  await initBackend('cpu');
});

/** The values of a report, per score (NaN compared with Object.is). */
function values(rep: ScoreReport): Record<string, unknown> {
  return Object.fromEntries(rep.results.map((r) => [r.id, { values: r.values, details: r.details, reason: r.reason }]));
}

test('example cells 0 and 3 (the same cell written two ways) get bit-identical reports', async () => {
  assert.equal(canonicalHash(examples[0]), canonicalHash(examples[3]));
  const a = await scoreCell(examples[0], all());
  const b = await scoreCell(examples[3], all());
  assert.deepEqual(values(a), values(b));
});

test('every score is invariant under renaming, key order and commutative operand order (examples + WikiText-2 cells)', async () => {
  const cells = [...examples, ...[...byHash.values()].filter((_, i) => i % 40 === 0)];
  assert.ok(cells.length >= 16);
  for (const [i, cell] of cells.entries()) {
    const ref = await scoreCell(cell, all({ seed: i }));
    for (const s of [1, 2]) {
      const copy = scramble(cell, 100 * i + s);
      assert.equal(canonicalHash(copy), canonicalHash(cell));
      const got = await scoreCell(copy, all({ seed: i }));
      assert.deepEqual(values(got), values(ref), `cell ${i}, scramble ${s}`);
      // Per-node values come back under the copy's own node names.
      for (const r of got.results)
        for (const k of Object.keys(r.perNode ?? {}))
          assert.ok(k in copy, `${r.id}: per-node key ${k} not in the copy`);
    }
  }
});

test('canonicalCell: every scramble gives the same canonical recipe, which has the same hash', () => {
  for (const cell of [...examples, ...[...byHash.values()].slice(0, 60)]) {
    const c = canonicalCell(cell)!;
    assert.equal(canonicalHash(c.recipe), canonicalHash(cell));
    assert.deepEqual(canonicalCell(scramble(cell, 7))!.recipe, c.recipe);
  }
});

test('TE-NAS κ is finite or +∞ with a reason on cells whose float32 NTK made it NaN (proxy preset)', async () => {
  // Engine 2 (float32 Gram) reported NaN "NTK is singular" for these trained cells at the proxy preset.
  const hashes = [
    '0e2c2d45acec24178cbac383b30f1844',
    '08c37d9b63b5af10e74c39f1f01f0b09',
    '153a73f5b235681374841f4afda01ac4',
    '1fe60dc93975421ae8bf4e6bc174120f',
  ];
  for (const h of hashes) {
    const recipe = byHash.get(h);
    assert.ok(recipe, h);
    const rep = await scoreCell(recipe, {
      ...SIZE_PRESETS.proxy,
      scores: ['ntk_cond'],
      seed: 0,
      repeats: 1,
      backend: 'cpu',
    });
    const k = rep.results[0];
    assert.ok(!Number.isNaN(k.value), `${h}: κ NaN (${k.reason})`);
    assert.ok(k.value > 1e6, `${h}: κ ${k.value} — these NTKs are badly conditioned`);
    if (k.value === Infinity) assert.ok(k.reason);
  }
});

test('κ: +∞ with a reason for an NTK that is zero; NaN only for a cell without parameters', async () => {
  // The output is identically 0 (blend of zero states): no parameter moves it.
  const dead: Recipe = {
    a: { op: 'linear', input: ['x', 'h_prev_0'] },
    h_new_0: { op: 'elementwise_prod', input: ['a', 'h_prev_0'] },
  };
  const r1 = (await scoreCell(dead, all({ scores: ['ntk_cond'] }))).results[0];
  assert.equal(r1.value, Infinity);
  assert.match(r1.reason ?? '', /zero/);
  const noParams: Recipe = { h_new_0: { op: 'activation_tanh', input: ['x'] } };
  const r2 = (await scoreCell(noParams, all({ scores: ['ntk_cond'], embed: 8 }))).results[0];
  assert.ok(Number.isNaN(r2.value));
  assert.match(r2.reason ?? '', /no parameters/);
});

test('κ equals λ_max/λ_min of the float64 Gram of per-example autodiff gradients', async () => {
  const s = all({ scores: ['ntk_cond'], seed: 5 });
  const rep = await scoreCell(examples[2], s);
  const grads = perExampleGradients(examples[2], s, 5);
  const B = s.batch;
  const G = new Float64Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      let d = 0;
      for (let k = 0; k < grads[i].length; k++) d += grads[i][k] * grads[j][k];
      G[i * B + j] = d;
    }
  const l = symmetricEigenvalues(toMatrix(G, B));
  const want = l[B - 1] / l[0];
  const got = rep.results.find((r) => r.id === 'ntk_cond')!.value;
  assert.ok(Math.abs(got - want) < 1e-4 * want, `${got} vs ${want}`);
});

test('hidden covariance equals a direct computation (layer-1 forward, Pearson matrix, eigenvalues)', async () => {
  const s = all({ scores: ['hidden_cov'], seed: 2 });
  for (const original of [examples[0], examples[2]]) {
    const cell = canonicalCell(original)!.recipe;
    const got = (await scoreCell(original, s)).results[0].value;
    const params = initParams(cell, s, 2);
    const first = { layers: [params.layers[0]], list: params.list.filter((p) => p.layer === 0) };
    const emb = initEmbedding(s, 2);
    const Bh = HIDDEN_COV_BATCH,
      Th = HIDDEN_COV_STEPS,
      H = s.hidden;
    const toks = randomTokens(makeRng(2, 13), s.vocab, Bh, Th);
    const x = embedTokens(emb, toks, Bh, Th, Th);
    const out = forward(cell, first, x, Th, Bh).outputs[0].arraySync();
    // Rows = hidden units, columns = (t, b): the incoming state h_prev_0 of step t (zeros at t = 0).
    const rows = Array.from({ length: H }, (_, h) => {
      const r: number[] = [];
      for (let t = 0; t < Th; t++) for (let b = 0; b < Bh; b++) r.push(t === 0 ? 0 : out[(t - 1) * Bh + b][h]);
      return r;
    });
    const mean = rows.map((r) => r.reduce((a, v) => a + v, 0) / r.length);
    const cov = (i: number, j: number) => rows[i].reduce((a, v, k) => a + (v - mean[i]) * (rows[j][k] - mean[j]), 0);
    const C = Array.from({ length: H }, (_, i) =>
      Array.from({ length: H }, (_, j) => cov(i, j) / Math.sqrt(cov(i, i) * cov(j, j))),
    );
    const lam = symmetricEigenvalues(C);
    const want = -lam.reduce((a, l) => a + Math.log(l + 1e-5) + 1 / (l + 1e-5), 0);
    assert.ok(Math.abs(got - want) < 1e-6 * Math.abs(want), `${got} vs ${want}`);
    disposeParams(params);
    tf.dispose([emb, x]);
  }
});
