import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runStudy, studyToCsv, studyToMarkdown, type StudyRecord } from '../../src/study/study';
import { makeRng } from '../../src/scoring/rng';

function records(): StudyRecord[] {
  const rng = makeRng(5).next;
  const out: StudyRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const loss = 4 + rng();
    out.push({
      hash: `h${i}`,
      testLoss: loss,
      valLoss: loss + 0.01,
      diverged: false,
      // naswot (higher better) = −loss: perfect; ntk_cond (lower better) = loss: perfect after orientation;
      // params: noise; zen missing on every 4th cell.
      scores: { naswot: -loss, ntk_cond: loss, params: rng(), ...(i % 4 ? { zen: -loss } : {}) },
    });
  }
  out.push({
    hash: 'bad1',
    testLoss: NaN,
    valLoss: NaN,
    diverged: true,
    scores: { naswot: -100, ntk_cond: 100, params: 0.5 },
  });
  return out;
}

test('study orients scores (positive τ = ranks low loss first), excludes diverged cells, counts NaN', () => {
  const s = runStudy(records(), { bootstrapSamples: 200, seed: 1 });
  assert.equal(s.nCells, 41);
  assert.equal(s.nTrained, 40);
  const row = (id: string) => s.rows.find((r) => r.id === id)!;
  assert.deepEqual(
    s.rows.map((r) => r.id),
    ['params', 'zen', 'naswot', 'ntk_cond'],
  );
  assert.equal(row('naswot').test.tau.estimate, 1);
  assert.equal(row('ntk_cond').test.tau.estimate, 1); // lower-better score oriented
  assert.equal(row('ntk_cond').val.rho.estimate, 1);
  assert.equal(row('naswot').test.topK.value, 1);
  assert.equal(row('naswot').test.topK.k, 4);
  assert.equal(row('zen').nNaN, 10);
  assert.equal(row('zen').test.tau.n, 30);
  assert.equal(row('zen').test.tau.nDropped, 10);
  assert.ok(Math.abs(row('params').test.tau.estimate) < 0.35);
  assert.ok(row('params').test.tau.lo < row('params').test.tau.hi);
  // the diverged cell is scored worst by naswot and ntk_cond
  assert.equal(s.diverged.count, 1);
  assert.deepEqual(s.diverged.hashes, ['bad1']);
  const dn = s.diverged.perScore.find((p) => p.id === 'naswot')!;
  assert.equal(dn.nScored, 1);
  assert.equal(dn.medianPercentile, 0);
  assert.equal(s.diverged.perScore.find((p) => p.id === 'zen')!.nScored, 0);
  // deterministic
  assert.deepEqual(runStudy(records(), { bootstrapSamples: 200, seed: 1 }), s);
});

test('markdown and CSV writers', () => {
  const s = runStudy(records(), { bootstrapSamples: 50, seed: 2, ensemble: true });
  const md = studyToMarkdown(s);
  assert.match(md, /^# Train-free score study/);
  assert.match(md, /\| NASWOT \| higher \| 40 \| 0 \| 1\.000 \[1\.000, 1\.000\]/);
  assert.match(md, /## Diverged cells/);
  assert.match(md, /`bad1`/);
  assert.match(md, /## Rank ensemble/);
  const csv = studyToCsv(s).trimEnd().split('\n');
  assert.equal(csv[0], 'score,target,better,n,n_nan,tau,tau_lo,tau_hi,rho,rho_lo,rho_hi,topk,k');
  assert.equal(csv.length, 1 + 4 * 2);
  const zenTest = csv.find((l) => l.startsWith('zen,test,'))!.split(',');
  assert.equal(zenTest[3], '30');
  assert.equal(zenTest[4], '10');
  assert.equal(zenTest[5], '1');
  assert.ok(s.ensemble && s.ensemble.cvTau > 0.8);
});

test('the ensemble leaves the hybrid out and reports it, the best single score and the rank hybrid on the same folds', () => {
  const rng = makeRng(9).next;
  const recs: StudyRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const loss = 4 + rng();
    recs.push({
      hash: `c${i}`,
      testLoss: loss,
      valLoss: loss,
      diverged: false,
      scores: {
        ninaswot: -loss + 0.3 * rng(),
        maedet: -loss + 0.6 * rng(),
        ntk_cond: loss + 0.6 * rng(),
        hybrid: rng(),
        zen: rng(),
      },
    });
  }
  const s = runStudy(recs, { bootstrapSamples: 20, ensemble: true, seed: 4 });
  const e = s.ensemble!;
  assert.deepEqual(e.scores, ['zen', 'ninaswot', 'maedet', 'ntk_cond']);
  assert.deepEqual(
    e.baselines.map((b) => b.id),
    ['ninaswot', 'hybrid', 'rank-hybrid'],
  );
  assert.equal(e.foldRows.length, 5);
  assert.deepEqual(
    e.foldRows.flat().sort((a, b) => a - b),
    recs.map((_, i) => i),
  );
  for (const b of e.baselines) assert.equal(b.foldTaus.length, 5);
  const hybrid = e.baselines.find((b) => b.id === 'hybrid')!;
  assert.ok(Math.abs(hybrid.cvTau) < 0.35, 'noise stays near 0');
  assert.ok(e.baselines.find((b) => b.id === 'rank-hybrid')!.cvTau > 0.4);
  assert.ok(e.cvTau > hybrid.cvTau);
  const md = studyToMarkdown(s, { title: 'T', intro: ['intro line'], plots: { ninaswot: 'images/n.svg' } });
  assert.match(md, /^# T\n\nintro line\n/);
  assert.match(md, /\| learned rank ensemble \| [\d.]+ \(in-sample\) \| \*\*[\d.]+\*\* \|/);
  assert.match(md, /\| Hybrid \| -?[\d.]+ \| -?[\d.]+ \|/);
  assert.match(md, /!\[NINASWOT vs test loss\]\(images\/n\.svg\)/);
  assert.doesNotMatch(md, /-0\.000/);
});
