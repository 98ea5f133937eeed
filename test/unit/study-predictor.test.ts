import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPrebuiltIndex } from '../../src/benchmark/compact';
import { canonicalHash } from '../../src/recipe/canonical';
import type { Recipe } from '../../src/recipe/types';
import { makeRng } from '../../src/scoring/rng';
import { SCORE_IDS } from '../../src/scoring/types';
import { STRUCTURE_FEATURES, structureFeatures } from '../../src/study/features';
import { loadPredictor, predictLoss, scoreValue } from '../../src/study/predictor';
import { crossValidate } from '../../src/study/predictor/cv';
import type { PredictorOptions } from '../../src/study/predictor/fit';
import { groupFolds, presentScoreIds, rowsFromResults, type PredictorRow } from '../../src/study/predictor/rows';
import { trainPredictor } from '../../src/study/predictor/train';
import { cellsFromIndex } from '../../src/study/runner';
import { REPO, scramble } from '../helpers/data';

/** Small settings so each CV takes well under a second. */
const FAST: PredictorOptions = { folds: 3, innerFolds: 2, rounds: [10, 30], alphas: [1, 10], bootstrapSamples: 50 };

/**
 * Real benchmark cells (recipes and WikiText-2 test losses from the bundled index) with synthetic, seeded scores:
 * `strong` follows the loss with noise, `kappa` is lower-better with +Infinity for every 9th cell, `noise` is
 * pure noise with NaN for every 7th cell, `rare` exists for half of the cells only.
 */
function benchmarkRows(limit?: number): PredictorRow[] {
  const { cells } = cellsFromIndex(loadPrebuiltIndex());
  const trained = cells.filter((c) => !c.diverged && Number.isFinite(c.testLoss));
  const rng = makeRng(5);
  const rows = trained.map((c, i): PredictorRow => ({
    recipe: c.recipe,
    hash: c.hash,
    label: c.label,
    testLoss: c.testLoss,
    scores: {
      strong: -Math.log(c.testLoss - 4) + 0.4 * rng.normal(),
      kappa: i % 9 === 0 ? Infinity : Math.exp(c.testLoss + rng.normal()),
      noise: i % 7 === 0 ? NaN : rng.normal(),
      ...(i % 2 === 0 ? { rare: rng.normal() } : {}),
    },
  }));
  if (limit === undefined) return rows;
  // every k-th so the subset spans the loss range
  const step = rows.length / limit;
  return Array.from({ length: limit }, (_, j) => rows[Math.floor(j * step)]);
}

const LSTM_LIKE: Recipe = {
  i: { op: 'linear', input: ['x', 'h_prev_0'] },
  i_act: { op: 'activation_sigm', input: ['i'] },
  g: { op: 'linear', input: ['x', 'h_prev_0'] },
  g_act: { op: 'activation_tanh', input: ['g'] },
  f: { op: 'linear', input: ['x', 'h_prev_0'] },
  f_act: { op: 'activation_sigm', input: ['f'] },
  c1: { op: 'elementwise_prod', input: ['f_act', 'h_prev_1'] },
  c2: { op: 'elementwise_prod', input: ['i_act', 'g_act'] },
  h_new_1: { op: 'elementwise_sum', input: ['c1', 'c2'] },
  c_act: { op: 'activation_tanh', input: ['h_new_1'] },
  h_new_0: { op: 'elementwise_prod', input: ['c_act', 'i_act'] },
  dead: { op: 'activation_tanh', input: ['x'] },
};

test('scoreValue reads numbers, null, strings and {$num} objects', () => {
  assert.equal(scoreValue(1.5), 1.5);
  assert.ok(Number.isNaN(scoreValue(null)));
  assert.ok(Number.isNaN(scoreValue(undefined)));
  assert.ok(Number.isNaN(scoreValue('NaN')));
  assert.equal(scoreValue('Infinity'), Infinity);
  assert.equal(scoreValue('-Infinity'), -Infinity);
  assert.equal(scoreValue({ $num: 'Infinity' }), Infinity);
  assert.ok(Number.isNaN(scoreValue({ $num: 'NaN' })));
  assert.equal(scoreValue('2.5'), 2.5);
  assert.ok(Number.isNaN(scoreValue({})));
});

test('rowsFromResults keeps trained cells with a finite loss and decodes non-finite values', () => {
  const doc: unknown = JSON.parse(
    JSON.stringify({
      settings: { vocab: 1000 },
      dataset: 'WikiText-2',
      cells: [
        {
          hash: 'a',
          testLoss: 5,
          diverged: false,
          scores: { zen: 1, ntk_cond: { $num: 'Infinity' } },
          recipe: LSTM_LIKE,
        },
        { hash: 'b', testLoss: { $num: 'NaN' }, diverged: true, scores: { zen: 2 }, recipe: LSTM_LIKE },
        { hash: 'c', testLoss: { $num: 'NaN' }, diverged: false, scores: { zen: 2 }, recipe: LSTM_LIKE },
        { hash: 'd', testLoss: 6, diverged: false, scores: { zen: null, hidden_cov: 3 }, recipe: LSTM_LIKE },
      ],
    }),
  );
  const r = rowsFromResults(doc);
  assert.equal(r.rows.length, 2);
  assert.equal(r.dropped, 2);
  assert.deepEqual(r.scoreIds, ['hidden_cov', 'ntk_cond', 'zen']);
  assert.equal(scoreValue(r.rows[0].scores.ntk_cond), Infinity);
  assert.equal(r.dataset, 'WikiText-2');
  assert.deepEqual(presentScoreIds([{ scores: { a: NaN, b: 1, s_nodes: 3 } }]), ['b']);
});

test('structure features: hand-checked values, invariant under renaming and key order', () => {
  const f = structureFeatures(LSTM_LIKE);
  assert.equal(f.s_nodes, 11);
  assert.equal(f.s_dead, 1);
  assert.equal(f.s_linear, 3);
  assert.equal(f.s_weights, 6);
  assert.equal(f.s_prod, 3);
  assert.equal(f.s_sum, 1);
  assert.equal(f.s_sigm, 2);
  assert.equal(f.s_tanh, 2);
  assert.equal(f.s_states, 2);
  assert.equal(f.s_read_states, 2);
  assert.equal(f.s_depth, 6); // g → g_act → c2 → h_new_1 → c_act → h_new_0
  assert.equal(f.s_x_min_depth, 3); // i → i_act → h_new_0
  assert.equal(f.s_skip, 1); // h_prev_1 → c1 → h_new_1 without a linear
  assert.equal(f.s_rec_lin_min, 0);
  assert.equal(f.s_out_prod, 1);
  assert.equal(f.s_out_act, 0);
  assert.equal(f.s_gates, 3); // i_act in c2 and h_new_0, f_act in c1
  assert.equal(f.s_out_bounded, 1); // tanh(c) · σ(i) stays in [−1, 1] ...
  assert.equal(f.s_state_bounded, 0); // ... but the cell state c = f·c + i·g does not
  for (let s = 1; s <= 5; s++) assert.deepEqual(structureFeatures(scramble(LSTM_LIKE, s)), f);
  // A recipe that is not a cell does not throw; depth-type features are NaN then.
  const bad = structureFeatures({ a: { op: 'linear', input: ['b'] }, b: { op: 'linear', input: ['a'] } });
  assert.ok(Number.isNaN(bad.s_depth));
  for (const id of STRUCTURE_FEATURES) assert.equal(typeof bad[id], 'number');
});

test('structure features are finite for every benchmark cell', () => {
  const { cells } = cellsFromIndex(loadPrebuiltIndex());
  assert.ok(cells.length >= 250);
  for (const c of cells) {
    const f = structureFeatures(c.recipe);
    for (const id of STRUCTURE_FEATURES) assert.ok(Number.isFinite(f[id]), `${c.label} ${id}`);
  }
});

test('folds are grouped by canonical hash: renamed / reordered copies never land in another fold', () => {
  const base = benchmarkRows(60);
  const copies: PredictorRow[] = [];
  base.slice(0, 30).forEach((r, i) => {
    // a scrambled copy, with a different (wrong) stored hash and a slightly different loss
    copies.push({ ...r, recipe: scramble(r.recipe, 100 + i), hash: `bogus${i}`, testLoss: r.testLoss + 0.01 });
  });
  const rows = [...copies.slice(15), ...base, ...copies.slice(0, 15)];
  const report = crossValidate(rows, { ...FAST, seed: 3 });
  assert.equal(report.rows.length, rows.length);
  const foldOf = new Map<string, number>();
  for (const [i, r] of report.rows.entries()) {
    assert.equal(r.hash, canonicalHash(rows[i].recipe));
    const f = foldOf.get(r.hash);
    if (f === undefined) foldOf.set(r.hash, r.fold);
    else assert.equal(r.fold, f, `copies of ${r.hash} in folds ${f} and ${r.fold}`);
  }
  assert.equal(foldOf.size, 60);
  // groupFolds itself: depends only on the set of keys and the seed, not on their order
  const keys = ['a', 'b', 'c', 'd', 'e', 'a', 'f', 'b'];
  const g1 = groupFolds(keys, 3, 1);
  const g2 = groupFolds([...keys].reverse(), 3, 1).reverse();
  assert.deepEqual(g1, g2);
  assert.equal(g1[0], g1[5]);
  assert.equal(g1[1], g1[7]);
});

test('deterministic for a seed: two fits give identical JSON; another seed gives other folds', () => {
  const rows = benchmarkRows(90);
  const a = JSON.stringify(trainPredictor(rows, { ...FAST, seed: 7 }));
  const b = JSON.stringify(trainPredictor(rows, { ...FAST, seed: 7 }));
  assert.equal(a, b);
  const c1 = crossValidate(rows, { ...FAST, seed: 7 }).rows.map((r) => r.fold);
  const c2 = crossValidate(rows, { ...FAST, seed: 8 }).rows.map((r) => r.fold);
  assert.notDeepEqual(c1, c2);
});

test("no leakage: held-out targets and held-out feature values never reach their own fold's predictions", () => {
  const rows = benchmarkRows(90);
  const opts: PredictorOptions = { ...FAST, seed: 2, scoreIds: ['strong', 'kappa', 'noise', 'rare'] };
  const ref = crossValidate(rows, opts);
  const fold = 1;
  const held = ref.rows.map((r, i) => (r.fold === fold ? i : -1)).filter((i) => i >= 0);
  assert.ok(held.length > 10);
  // (1) Sentinel targets on the held-out fold: its out-of-fold predictions must not move.
  const corrupted = rows.map((r, i) => (held.includes(i) ? { ...r, testLoss: 100 + i } : r));
  const c = crossValidate(corrupted, opts);
  for (const i of held) assert.equal(c.rows[i].predicted, ref.rows[i].predicted);
  // (2) Rescale the scores of the other held-out cells (a transform fitted on all data would then change the
  // first held-out cell's standardised value): its prediction must not move.
  const keep = held[0];
  const moved = rows.map((r, i) =>
    held.includes(i) && i !== keep
      ? { ...r, scores: { ...r.scores, strong: 1e6 * scoreValue(r.scores.strong), noise: NaN } }
      : r,
  );
  const m = crossValidate(moved, opts);
  assert.equal(m.rows[keep].predicted, ref.rows[keep].predicted);
  // (3) The out-of-fold prediction equals a model trained on the other folds only, asked through predictLoss.
  const model = trainPredictor(
    rows.filter((_, i) => !held.includes(i)),
    { ...opts, skipCV: true },
  );
  for (const i of held) assert.equal(predictLoss(model, rows[i]).loss, ref.rows[i].predicted);
});

test('the predictor learns a real signal and beats noise; the CV report is complete', () => {
  const rows = benchmarkRows();
  const rep = crossValidate(rows, { ...FAST, folds: 4, seed: 0 });
  assert.equal(rep.n, rows.length);
  assert.ok(rep.predictor.tau.estimate > 0.3, `τ ${rep.predictor.tau.estimate}`);
  assert.ok(rep.predictor.tau.lo <= rep.predictor.tau.estimate && rep.predictor.tau.estimate <= rep.predictor.tau.hi);
  assert.ok(rep.predictor.rho.estimate > rep.predictor.tau.estimate);
  assert.ok(rep.predictor.topK.k === Math.round(rows.length * 0.1));
  assert.equal(rep.predictor.foldTaus.length, 4);
  assert.ok(rep.bestSingle.chosen.every((id) => id.replace(/^-/, '') === 'strong'));
  assert.ok(rep.singleScores.find((s) => s.id === 'strong')!.tau > 0.3);
  assert.ok(rep.interval.coverage > 0.6 && rep.interval.coverage < 0.95, `coverage ${rep.interval.coverage}`);
  // Shuffled targets: nothing to learn.
  const perm = rows.map((r) => r.testLoss);
  const rng = makeRng(1).next;
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const shuffledRep = crossValidate(
    rows.map((r, i) => ({ ...r, testLoss: perm[i] })),
    { ...FAST, folds: 4, seed: 0 },
  );
  assert.ok(Math.abs(shuffledRep.predictor.tau.estimate) < 0.12, `τ ${shuffledRep.predictor.tau.estimate}`);
});

test('predictLoss: missing scores are imputed and listed; +Infinity is a value, not missing', () => {
  const rows = benchmarkRows(120);
  const model = trainPredictor(rows, { ...FAST, seed: 1 });
  assert.deepEqual(model.scoreIds, ['kappa', 'noise', 'rare', 'strong']);
  const full = predictLoss(model, { recipe: LSTM_LIKE, scores: { strong: 0.5, kappa: 300, noise: 0.1, rare: 0 } });
  assert.deepEqual(full.missing, []);
  const none = predictLoss(model, { recipe: LSTM_LIKE, scores: {} });
  assert.deepEqual(none.missing, ['kappa', 'noise', 'rare', 'strong']);
  for (const p of [full, none]) {
    assert.ok(Number.isFinite(p.loss));
    assert.ok(p.lo < p.loss && p.loss < p.hi);
    assert.ok(p.percentile >= 0 && p.percentile <= 100);
    assert.ok(p.topPercent >= 1 && p.topPercent <= 100);
    assert.ok(p.loss >= model.losses[0] && p.loss <= model.losses[model.losses.length - 1]);
  }
  const inf = predictLoss(model, {
    recipe: LSTM_LIKE,
    scores: { strong: 0.5, kappa: 'Infinity', noise: null, rare: { $num: 'NaN' } },
  });
  assert.deepEqual(inf.missing, ['noise', 'rare']);
  // A much stronger `strong` score predicts a lower loss and a better percentile.
  const good = predictLoss(model, { recipe: LSTM_LIKE, scores: { strong: 3, kappa: 300, noise: 0.1, rare: 0 } });
  const bad = predictLoss(model, { recipe: LSTM_LIKE, scores: { strong: -3, kappa: 300, noise: 0.1, rare: 0 } });
  assert.ok(good.loss < bad.loss);
  assert.ok(good.percentile > bad.percentile);
  assert.equal(good.topPercent, Math.max(1, Math.ceil(100 - good.percentile)));
  // Scores the model does not know are ignored; a broken recipe still gives a prediction.
  const odd = predictLoss(model, {
    recipe: { h_new_0: { op: 'nope', input: [] } },
    scores: { strong: 0.5, kappa: 300, noise: 0.1, rare: 0, other: 1 },
  });
  assert.ok(Number.isFinite(odd.loss));
});

test('the shipped data/predictor-proxy.json loads, reads known features and predicts every trained cell', () => {
  const json = JSON.parse(readFileSync(join(REPO, 'data', 'predictor-proxy.json'), 'utf8')) as unknown;
  const model = loadPredictor(json);
  const known = new Set<string>(SCORE_IDS);
  for (const id of model.scoreIds) assert.ok(known.has(id), `unknown score id ${id}`);
  for (const id of model.structure) assert.ok((STRUCTURE_FEATURES as readonly string[]).includes(id));
  assert.ok(model.cv, 'the shipped model carries its CV report');
  assert.ok(model.cv.predictor.tau.estimate > model.cv.bestSingle.tau.estimate);
  assert.ok(model.interval && model.interval.lo.length === model.interval.hi.length);
  assert.equal(model.meta.preset, 'proxy');
  assert.ok(readFileSync(join(REPO, 'data', 'predictor-proxy.json')).length < 300 * 1024);
  // The CV numbers cannot be re-derived here: the scored training cells (a study's results.json) are not bundled.
  const { cells } = cellsFromIndex(loadPrebuiltIndex());
  // (Its speed is a benchmark figure, bench/editor.ts, not a test: this machine's load varies.)
  for (const c of cells) {
    const p = predictLoss(model, { recipe: c.recipe, scores: {} });
    assert.equal(p.missing.length, model.scoreIds.length);
    assert.ok(Number.isFinite(p.loss));
  }
  assert.throws(() => loadPredictor({ ...model, format: 'x' }));
  assert.throws(() => loadPredictor({ ...model, version: 99 }));
});
