import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildPrebuiltText,
  fromCompact,
  licenseCopyText,
  loadPrebuiltIndex,
  prebuiltIndexPath,
  PREBUILT_FILE,
} from '../../src/benchmark/compact';
import { BenchmarkIndex } from '../../src/benchmark/index';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { loadLogsFromZip } from '../../src/benchmark/sources';
import { MULTI_RUN_DIR, ROOT, SHARED, WT2_ZIP, rawWikiText2Logs } from '../fixtures/benchmark/helpers';

const committedPath = join(ROOT, 'data', PREBUILT_FILE);

test('the committed prebuilt index equals what scripts/build-index.ts produces now', () => {
  const built = buildPrebuiltText(readFileSync(WT2_ZIP));
  assert.equal(built.runs, 345);
  assert.deepEqual(built.warnings, []);
  const committed = readFileSync(committedPath, 'utf8');
  assert.ok(committed === built.text, 'data/wikitext-2.index.json is stale: run `npx tsx scripts/build-index.ts`');
});

test("the committed licence copy is NAS-Bench-NLP's LICENSE under a NOTICE header", () => {
  const license = readFileSync(join(SHARED, 'LICENSE'), 'utf8');
  const copy = readFileSync(join(ROOT, 'data', 'LICENSE-NAS-Bench-NLP.txt'), 'utf8');
  assert.equal(copy, licenseCopyText(license));
  assert.ok(copy.startsWith('NOTICE'));
  assert.ok(copy.endsWith(license));
  assert.match(copy, /Apache License/);
});

test('the prebuilt index rebuilds the same entries as loading the zip', () => {
  assert.equal(prebuiltIndexPath(), committedPath);
  const pre = loadPrebuiltIndex();
  const full = BenchmarkIndex.fromLoadResult(loadLogsFromZip(readFileSync(WT2_ZIP), WT2_ZIP));
  assert.deepEqual(pre.warnings, []);
  assert.deepEqual(pre.datasets(), ['WikiText-2']);
  const a = pre.entries('WikiText-2');
  const b = full.entries('WikiText-2');
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i],
      y = b[i];
    assert.equal(x.hash, y.hash);
    assert.equal(x.recipe, y.recipe);
    assert.deepEqual(x.recepieIds, y.recepieIds);
    assert.equal(x.numParams, y.numParams);
    assert.equal(x.rank, y.rank);
    assert.equal(x.size, y.size);
    assert.equal(x.percentile, y.percentile);
    assert.deepEqual(
      [x.meanTest, x.stdTest, x.meanVal, x.stdVal, x.bestTest, x.bestVal],
      [y.meanTest, y.stdTest, y.meanVal, y.stdVal, y.bestTest, y.bestVal],
    );
    assert.equal(x.diverged, y.diverged);
    for (let j = 0; j < x.runs.length; j++) {
      const p = x.runs[j],
        q = y.runs[j];
      assert.equal(p.status, q.status);
      assert.equal(p.diverged, q.diverged);
      assert.equal(p.epochs, q.epochs);
      assert.equal(p.testLosses.length, q.testLosses.length);
      // Curves are rounded to 4 decimals.
      p.testLosses.forEach((v, k) =>
        assert.ok(Number.isNaN(v) ? Number.isNaN(q.testLosses[k]) : Math.abs(v - q.testLosses[k]) <= 5e-5 + 1e-12),
      );
      p.valLosses.forEach((v, k) =>
        assert.ok(Number.isNaN(v) ? Number.isNaN(q.valLosses[k]) : Math.abs(v - q.valLosses[k]) <= 5e-5 + 1e-12),
      );
    }
  }
});

test('the prebuilt file keeps the raw final losses exactly and is compact', () => {
  const json = JSON.parse(readFileSync(committedPath, 'utf8')) as {
    runs: { recepieId: number; experimentId: number; finalTest: number | null }[];
  };
  const byKey = new Map(json.runs.map((r) => [`${r.recepieId}/${r.experimentId}`, r]));
  for (const l of rawWikiText2Logs()) {
    const r = byKey.get(`${l.json.recepie_id}/${l.json.experiment_id}`);
    assert.ok(r);
    assert.equal(r.finalTest, l.json.test_losses[l.json.test_losses.length - 1]);
  }
  assert.ok(
    readFileSync(committedPath).length < 700_000,
    'the bundled index stays small (test, validation and training loss per epoch, 4 decimals)',
  );
});

test('fromCompact / loadPrebuiltIndex never throw on bad input', () => {
  for (const bad of [null, 3, 'x', [], {}, { format: 'cell-lens-benchmark-index', version: 99, runs: [] }]) {
    const idx = fromCompact(bad, 'bad');
    assert.equal(idx.runs().length, 0);
    assert.equal(idx.warnings.length, 1);
  }
  const partlyBad = fromCompact(
    { format: 'cell-lens-benchmark-index', version: 1, runs: [null, { dataset: 'd' }] },
    'p',
  );
  assert.equal(partlyBad.warnings.length, 2);
  const dir = mkdtempSync(join(tmpdir(), 'cell-lens-pre-'));
  try {
    writeFileSync(join(dir, 'broken.json'), '{');
    assert.equal(loadPrebuiltIndex(join(dir, 'broken.json')).warnings.length, 1);
    assert.equal(loadPrebuiltIndex(join(dir, 'missing.json')).warnings.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadBenchmarkIndex: prebuilt plus user sources; the same logs loaded twice count once', async () => {
  const onlyPrebuilt = await loadBenchmarkIndex();
  assert.equal(onlyPrebuilt.runs().length, 345);
  const again = await loadBenchmarkIndex([{ path: WT2_ZIP }, { path: MULTI_RUN_DIR }]);
  assert.equal(again.runs().length, 345 + 3);
  assert.deepEqual(again.datasets(), ['PTB', 'WikiText-2']);
  assert.equal(again.entries('WikiText-2').length, onlyPrebuilt.entries('WikiText-2').length);
  const userOnly = await loadBenchmarkIndex([{ path: MULTI_RUN_DIR }, { path: '/no/such/folder' }], {
    prebuilt: false,
  });
  assert.deepEqual(userOnly.datasets(), ['PTB']);
  assert.equal(userOnly.warnings.length, 1);
});
