import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootstrapCI,
  fitEnsembleWeights,
  kendallTau,
  kendallTauClean,
  normalisedRanks,
  quantileSorted,
  rankEnsemble,
  ranks,
  spearmanRho,
  spearmanRhoClean,
  topKOverlap,
} from '../../src/study/stats';
import { makeRng } from '../../src/scoring/rng';

/** Independent O(n²) τ-b straight from the definition: (C − D) / √((n₀ − n₁)(n₀ − n₂)). */
function bruteTauB(x: number[], y: number[]): number {
  let c = 0,
    d = 0,
    tx = 0,
    ty = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const sx = Math.sign(x[i] - x[j]);
      const sy = Math.sign(y[i] - y[j]);
      if (sx === 0) tx++;
      if (sy === 0) ty++;
      if (sx !== 0 && sy !== 0) {
        if (sx === sy) c++;
        else d++;
      }
    }
  }
  const n0 = (n * (n - 1)) / 2;
  return (c - d) / Math.sqrt((n0 - tx) * (n0 - ty));
}

/** Independent Spearman: Pearson of average ranks computed by counting (rank = #less + (#equal + 1) / 2). */
function bruteRho(x: number[], y: number[]): number {
  const rk = (v: number[]) => v.map((a) => v.filter((b) => b < a).length + (v.filter((b) => b === a).length + 1) / 2);
  const rx = rk(x),
    ry = rk(y);
  const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const mx = mean(rx),
    my = mean(ry);
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('Kendall τ-b and Spearman ρ with ties match scipy', () => {
  // python3 -c "from scipy.stats import kendalltau, spearmanr; x=[12,2,1,12,2]; y=[1,4,7,1,0]; print(kendalltau(x,y).statistic, spearmanr(x,y).statistic)"
  // (scipy 1.17.1; the τ value is also the worked example of scipy's kendalltau documentation)
  close(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]).value, -0.4714045207910316);
  close(spearmanRho([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]).value, -0.5407380704358752);
  // python3 -c "from scipy.stats import kendalltau, spearmanr; x=[1,2,2,3,4,4,4,5,6,7]; y=[2,1,3,3,5,4,4,6,6,5]; print(kendalltau(x,y).statistic, spearmanr(x,y).statistic)"
  const x = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7];
  const y = [2, 1, 3, 3, 5, 4, 4, 6, 6, 5];
  close(kendallTau(x, y).value, 0.7804878048780488);
  close(spearmanRho(x, y).value, 0.9003158952168534);
});

test('hand-computed τ-b: 3 concordant, 0 discordant, one x-tie', () => {
  // x = [1,1,2], y = [1,2,3]: pairs (0,1) tied in x, (0,2) C, (1,2) C → (2 − 0)/√((3−1)(3−0)) = 2/√6
  close(kendallTau([1, 1, 2], [1, 2, 3]).value, 2 / Math.sqrt(6));
  close(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]).value, -1);
});

test('Knight τ-b and ranks-based ρ equal the brute-force definitions on random data with many ties', () => {
  const rng = makeRng(42).next;
  for (let trial = 0; trial < 60; trial++) {
    const n = 2 + Math.floor(rng() * 80);
    const levels = 1 + Math.floor(rng() * 8);
    const x = Array.from({ length: n }, () => Math.floor(rng() * levels));
    const y = x.map((v) => (rng() < 0.5 ? v : Math.floor(rng() * levels)));
    const t = kendallTauClean(x, y);
    const b = bruteTauB(x, y);
    if (Number.isNaN(b)) assert.ok(Number.isNaN(t));
    else close(t, b, 1e-9);
    const r = spearmanRhoClean(x, y);
    const br = bruteRho(x, y);
    if (Number.isNaN(br)) assert.ok(Number.isNaN(r));
    else close(r, br, 1e-9);
  }
});

test('NaN pairs are dropped and counted; degenerate input gives NaN', () => {
  const c = kendallTau([1, NaN, 2, 3, 4], [1, 5, NaN, 3, 4]);
  assert.equal(c.n, 3);
  assert.equal(c.nDropped, 2);
  close(c.value, 1);
  assert.equal(spearmanRho([1, NaN], [2, 3]).n, 1);
  assert.ok(Number.isNaN(spearmanRho([1, NaN], [2, 3]).value));
  assert.ok(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3]).value));
  assert.throws(() => kendallTau([1], [1, 2]));
});

test('ranks: average ranks for ties, NaN kept as NaN', () => {
  assert.deepEqual(ranks([10, 20, 10, 30]), [1.5, 3, 1.5, 4]);
  const r = ranks([3, NaN, 1]);
  assert.equal(r[0], 2);
  assert.ok(Number.isNaN(r[1]));
  assert.equal(r[2], 1);
  assert.deepEqual(normalisedRanks([1, 2, 3], 'lower'), [1, 0.5, 0]);
});

test('bootstrap CI is deterministic per seed, varies with the seed and contains the estimate', () => {
  const rng = makeRng(7).next;
  const x = Array.from({ length: 120 }, () => rng());
  const y = x.map((v) => v + 0.5 * rng());
  const a = bootstrapCI(x, y, kendallTauClean, { samples: 400, seed: 3 });
  const b = bootstrapCI(x, y, kendallTauClean, { samples: 400, seed: 3 });
  const c = bootstrapCI(x, y, kendallTauClean, { samples: 400, seed: 4 });
  assert.deepEqual(a, b);
  assert.notEqual(a.lo, c.lo);
  assert.ok(a.lo < a.estimate && a.estimate < a.hi, `${a.lo} ${a.estimate} ${a.hi}`);
  close(a.estimate, kendallTau(x, y).value);
  assert.ok(a.hi - a.lo < 0.3 && a.hi - a.lo > 0.01);
  assert.equal(a.n, 120);
  assert.equal(a.nUndefined, 0);
});

test('quantileSorted interpolates like numpy', () => {
  // numpy.percentile([1,2,3,4], 25) = 1.75
  close(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  close(quantileSorted([5], 0.9), 5);
});

test('top-k overlap by hand, direction-aware', () => {
  // 10 cells, k = 20% → 2. Lowest losses: cells 0 (0.1) and 1 (0.2).
  const loss = [0.1, 0.2, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.35];
  // higher-better score: best two are cells 0 (9) and 5 (8) → overlap 1/2
  const s = [9, 1, 2, 3, 4, 8, 5, 6, 7, 0];
  assert.deepEqual(topKOverlap(s, loss, 0.2, 'higher'), { value: 0.5, k: 2, n: 10, nDropped: 0 });
  // lower-better view of the same score: best two are cells 9 (0) and 1 (1) → overlap 1/2 (cell 1)
  assert.equal(topKOverlap(s, loss, 0.2, 'lower').value, 0.5);
  // negated loss as a higher-better score → perfect overlap
  assert.equal(
    topKOverlap(
      loss.map((v) => -v),
      loss,
      0.3,
      'higher',
    ).value,
    1,
  );
  const d = topKOverlap([1, NaN, 3], [1, 2, NaN], 0.5, 'higher');
  assert.equal(d.n, 1);
  assert.equal(d.nDropped, 2);
  assert.equal(d.k, 1);
});

test('rankEnsemble combines oriented normalised ranks with weights and NaN policy', () => {
  const a = { values: [1, 2, 3], better: 'higher' as const }; // normalised [0, .5, 1]
  const b = { values: [1, 2, 3], better: 'lower' as const }; // normalised [1, .5, 0]
  assert.deepEqual(rankEnsemble([a, b], [1, 0]), [0, 0.5, 1]);
  assert.deepEqual(rankEnsemble([a, b], [1, 1]), [0.5, 0.5, 0.5]);
  assert.deepEqual(rankEnsemble([a, b], [3, 1]), [0.25, 0.5, 0.75]);
  const c = { values: [NaN, 2, 3], better: 'higher' as const }; // normalised [NaN, 0, 1]
  assert.deepEqual(rankEnsemble([c, b], [1, 1], 'ignore'), [1, 0.25, 0.5]);
  assert.deepEqual(rankEnsemble([c, b], [1, 1], 'worst'), [0.5, 0.25, 0.5]);
});

test('fitEnsembleWeights puts the weight on the informative score and reports a cross-validated τ', () => {
  const rng = makeRng(11).next;
  const n = 150;
  const loss = Array.from({ length: n }, () => rng());
  const good = loss.map((l) => -l + 0.05 * rng()); // higher = better, strongly informative
  const noise = loss.map(() => rng());
  const inverted = loss.map((l) => l + 0.3 * rng()); // lower = better, informative but noisier
  const r = fitEnsembleWeights(
    [
      { values: noise, better: 'higher' },
      { values: good, better: 'higher' },
      { values: inverted, better: 'lower' },
    ],
    loss,
    { folds: 5, seed: 1 },
  );
  assert.equal(r.foldTaus.length, 5);
  close(
    r.weights.reduce((s, w) => s + w, 0),
    1,
    1e-5,
  );
  assert.ok(r.weights[1] > r.weights[0], JSON.stringify(r.weights));
  assert.ok(r.weights[0] <= 0.1, JSON.stringify(r.weights));
  assert.ok(r.cvTau > 0.8 && r.cvTau <= r.trainTau + 0.05, `${r.cvTau} ${r.trainTau}`);
  const again = fitEnsembleWeights(
    [
      { values: noise, better: 'higher' },
      { values: good, better: 'higher' },
      { values: inverted, better: 'lower' },
    ],
    loss,
    { folds: 5, seed: 1 },
  );
  assert.deepEqual(again, r);
});
