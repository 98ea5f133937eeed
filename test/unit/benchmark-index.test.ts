import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BenchmarkIndex, describeEntry } from '../../src/benchmark/index';
import { parseLog } from '../../src/benchmark/logFormat';
import { loadLogSourcesSync, loadLogsFromZip } from '../../src/benchmark/sources';
import { canonicalHash } from '../../src/recipe/canonical';
import type { Recipe } from '../../src/recipe/types';
import { MULTI_RUN_DIR, WT2_ZIP, rawRecipe, rawWikiText2Logs, rng, scramble } from '../fixtures/benchmark/helpers';

const raw = rawWikiText2Logs();
const index = BenchmarkIndex.fromLoadResult(loadLogsFromZip(readFileSync(WT2_ZIP), WT2_ZIP));

test('one dataset, every run kept, runs of the same recipe string share an entry', () => {
  assert.deepEqual(index.datasets(), ['WikiText-2']);
  assert.equal(index.runs().length, 345);
  const entries = index.entries('WikiText-2');
  assert.equal(
    entries.reduce((n, e) => n + e.runs.length, 0),
    345,
  );
  const distinctStrings = new Set(raw.map((l) => l.json.recepie)).size;
  assert.equal(distinctStrings, 291);
  assert.ok(entries.length <= distinctStrings, `${entries.length} entries`);
  assert.equal(index.entryCount, entries.length);
  assert.deepEqual(index.entries('PTB'), []);
});

test("every log's recipe is found by lookup of its hash, and the entry holds that log", () => {
  for (const l of raw) {
    const matches = index.lookup(canonicalHash(rawRecipe(l)));
    assert.equal(matches.length, 1, l.name);
    const m = matches[0];
    assert.equal(m.dataset, 'WikiText-2');
    assert.ok(
      m.entry.runs.some((r) => r.experimentId === l.json.experiment_id && r.recepieId === l.json.recepie_id),
      l.name,
    );
    assert.ok(m.entry.recepieIds.includes(l.json.recepie_id));
    assert.ok(m.entry.paramCounts.includes(l.json.num_params));
  }
  assert.deepEqual(index.lookup('no-such-hash'), []);
});

test('lookup survives renaming internal nodes, shuffled keys and shuffled commutative operands', () => {
  const r = rng(20240601);
  let changed = 0;
  for (const l of raw) {
    const recipe = rawRecipe(l);
    const scrambled = scramble(recipe, r);
    if (JSON.stringify(scrambled) !== JSON.stringify(recipe)) changed++;
    const direct = index.lookup(canonicalHash(recipe));
    const viaScrambled = index.lookupRecipe(scrambled);
    assert.equal(viaScrambled.length, 1, l.name);
    assert.equal(viaScrambled[0].entry, direct[0].entry, l.name);
  }
  assert.equal(changed, raw.length, 'every recipe was actually transformed');
});

test('the 4 diverged logs are kept and flagged; all-diverged entries have no rank and say so', () => {
  const divergedRuns = index.runs().filter((r) => r.diverged);
  assert.equal(divergedRuns.length, 4);
  for (const run of divergedRuns) {
    const [m] = index.lookup(run.hash);
    assert.ok(m.entry.runs.includes(run));
    assert.ok(m.entry.divergedRuns >= 1);
  }
  // 1007257 and 1009257 are the same recipe string, both NaN; 1009703 diverged alone.
  for (const id of [1007257, 1009703]) {
    const run = divergedRuns.find((r) => r.recepieId === id)!;
    const [m] = index.lookup(run.hash);
    assert.equal(m.diverged, true);
    assert.equal(m.rank, undefined);
    assert.equal(m.percentile, undefined);
    assert.ok(Number.isNaN(m.entry.meanTest));
    assert.match(m.summary, /diverged \(loss is nan!\).*not ranked/);
  }
  assert.match(
    index.lookup(divergedRuns.find((r) => r.recepieId === 1009703)!.hash)[0].summary,
    /after 1 of 50 epochs/,
  );
  // 1009182 diverged but 1011182 (same recipe string) trained: the entry is ranked on the trained run.
  const partial = index.lookup(divergedRuns.find((r) => r.recepieId === 1009182)!.hash)[0];
  assert.equal(partial.diverged, false);
  assert.equal(partial.entry.trainedRuns, 1);
  assert.equal(partial.entry.divergedRuns, 1);
  const ok = raw.find((l) => l.json.recepie_id === 1011182)!;
  assert.equal(partial.entry.meanTest, ok.json.test_losses[49]);
  assert.match(partial.summary, /1 of 2 runs diverged/);
  // Diverged entries come last in entries().
  const list = index.entries('WikiText-2');
  const firstDiverged = list.findIndex((e) => e.diverged);
  assert.ok(firstDiverged > 0 && list.slice(firstDiverged).every((e) => e.diverged));
});

test('rank and percentile agree with an independent sort of mean final test losses', () => {
  // Group the raw logs by the hash of their recipe, average the final test loss of the OK runs.
  const groups = new Map<string, number[]>();
  for (const l of raw) {
    const h = canonicalHash(rawRecipe(l));
    const list = groups.get(h) ?? [];
    if (l.json.status === 'OK') list.push(l.json.test_losses[l.json.test_losses.length - 1] as number);
    groups.set(h, list);
  }
  const means = [...groups]
    .filter(([, xs]) => xs.length > 0)
    .map(([h, xs]) => [h, xs.reduce((a, b) => a + b, 0) / xs.length] as const);
  const sorted = means.map(([, m]) => m).sort((a, b) => a - b);
  const n = sorted.length;
  assert.equal(n, groups.size - 2, 'two cells never trained');
  for (const [h, m] of means) {
    const [match] = index.lookup(h);
    const expectedRank = sorted.filter((x) => x < m).length + 1;
    const expectedPct = (100 * sorted.filter((x) => x > m).length) / n;
    assert.equal(match.size, n);
    assert.equal(match.rank, expectedRank, h);
    assert.ok(Math.abs(match.percentile! - expectedPct) < 1e-9, h);
    assert.ok(Math.abs(match.entry.meanTest - m) < 1e-12);
  }
  const best = index.entries('WikiText-2')[0];
  assert.equal(best.rank, 1);
  assert.equal(best.meanTest, sorted[0]);
  assert.ok(Math.abs(best.percentile! - (100 * (n - 1)) / n) < 1e-9);
});

test('three runs of one cell (written three isomorphic ways) aggregate: mean and sample std by hand', () => {
  const loaded = loadLogSourcesSync([{ path: MULTI_RUN_DIR }]);
  assert.equal(loaded.warnings.length, 0);
  assert.equal(new Set(loaded.runs.map((r) => r.recipe)).size, 3, 'three different recipe strings');
  const idx = BenchmarkIndex.fromLoadResult(loaded);
  assert.deepEqual(idx.datasets(), ['PTB']);
  const [e] = idx.entries('PTB');
  assert.equal(idx.entries('PTB').length, 1);
  assert.deepEqual(e.recepieIds, [7000, 7001, 7002]);
  assert.deepEqual(e.paramCounts, [5000000]);
  assert.equal(e.runs.length, 3);
  assert.equal(e.trainedRuns, 3);
  // Final test 5.0, 5.2, 5.6: mean 15.8/3; deviations −0.8/3, −0.2/3, 1.0/3 → Σd² = 1.68/9; sample var = Σd²/2.
  assert.ok(Math.abs(e.meanTest - 15.8 / 3) < 1e-12);
  assert.ok(Math.abs(e.stdTest - Math.sqrt(1.68 / 9 / 2)) < 1e-12);
  assert.ok(Math.abs(e.stdTest - 0.305505) < 1e-6);
  // Final val 5.1, 5.3, 5.5: mean 5.3, sample std 0.2.
  assert.ok(Math.abs(e.meanVal - 5.3) < 1e-12);
  assert.ok(Math.abs(e.stdVal - 0.2) < 1e-12);
  assert.equal(e.bestTest, 5.0);
  assert.equal(e.bestVal, 5.1);
  assert.equal(e.rank, 1);
  assert.equal(e.size, 1);
  assert.equal(e.percentile, 0);
  assert.equal(
    describeEntry(e),
    'PTB: test loss 5.267 ± 0.306 (ppl 193.8) over 3 runs · rank 1 of 1 trained cells (beats 0.0%)',
  );
});

test('merge: datasets side by side, one match per dataset, duplicate runs kept once', () => {
  const ptb = BenchmarkIndex.fromLoadResult(loadLogSourcesSync([{ path: MULTI_RUN_DIR }]));
  const merged = index.merge(ptb, index);
  assert.deepEqual(merged.datasets(), ['PTB', 'WikiText-2']);
  assert.equal(merged.runs().length, 345 + 3);
  assert.equal(merged.entries('WikiText-2').length, index.entries('WikiText-2').length);
  // The fixture cell under WikiText-2 labels too: lookup answers once per dataset.
  const ptbAsWt2 = BenchmarkIndex.fromLoadResult(loadLogSourcesSync([{ path: MULTI_RUN_DIR, dataset: 'WikiText-2' }]));
  const both = ptb.merge(ptbAsWt2);
  const hash = ptb.entries('PTB')[0].hash;
  assert.deepEqual(
    both.lookup(hash).map((m) => m.dataset),
    ['PTB', 'WikiText-2'],
  );
  // Ties share a rank: two cells with equal mean final loss.
  const mk = (id: number, recipe: object, loss: number) => {
    const r = parseLog(
      JSON.stringify({
        data: 'd/x',
        recepie_id: id,
        experiment_id: id,
        recepie: JSON.stringify(recipe),
        test_losses: [loss],
        val_losses: [loss],
        status: 'OK',
      }),
      `${id}.json`,
    );
    assert.ok('run' in r);
    return r.run;
  };
  const tie = BenchmarkIndex.fromRuns([
    mk(1, { h_new_0: { op: 'activation_tanh', input: ['x'] } }, 5),
    mk(2, { h_new_0: { op: 'activation_sigm', input: ['x'] } }, 5),
    mk(3, { h_new_0: { op: 'activation_leaky_relu', input: ['x'] } }, 6),
  ]);
  assert.deepEqual(
    tie.entries('x').map((e) => [e.rank, e.percentile]),
    [
      [1, 100 / 3],
      [1, 100 / 3],
      [3, 0],
    ],
  );
});

test('bad input to the index never throws', () => {
  assert.deepEqual(index.lookup(undefined as unknown as string), []);
  assert.deepEqual(index.lookupRecipe(null as unknown as Recipe), []);
  assert.deepEqual(BenchmarkIndex.empty().datasets(), []);
});
