/** The study runner: resumable scoring through the disk cache, cancellation, NaN and failures, diverged cells apart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Recipe } from '../../src/recipe/types';
import { BenchmarkIndex } from '../../src/benchmark/index';
import type { BenchmarkRun } from '../../src/benchmark/logFormat';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { ScoreCache, decodeJson, encodeJson } from '../../src/scoring/cache';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import type { ScoreId, ScoreReport, ScoreSettings } from '../../src/scoring/types';
import {
  DIVERGED_LOSS,
  cellsFromIndex,
  runBenchmarkStudy,
  scoreCells,
  spread,
  studyProgressText,
  studyResultsFile,
  type Scorer,
  type StudyCell,
} from '../../src/study/runner';

const SCORES: ScoreId[] = ['naswot', 'zen', 'ntk_cond', 'params'];
const SETTINGS: ScoreSettings = { ...SIZE_PRESETS.proxy, scores: SCORES, seed: 0, repeats: 1, backend: 'cpu' };
const RNN: Recipe = { l: { op: 'linear', input: ['x', 'h_prev_0'] }, h_new_0: { op: 'activation_tanh', input: ['l'] } };

/** 30 cells with losses 4.0 … 5.45, two diverged. */
function cells(): StudyCell[] {
  const out: StudyCell[] = [];
  for (let i = 0; i < 30; i++) {
    out.push({
      hash: `cell${String(i).padStart(2, '0')}`,
      recipe: RNN,
      label: `cell ${i}`,
      dataset: 'Synthetic',
      testLoss: 4 + 0.05 * i,
      valLoss: 4.01 + 0.05 * i,
      diverged: false,
    });
  }
  out.push({
    hash: 'div0',
    recipe: RNN,
    label: 'div 0',
    dataset: 'Synthetic',
    testLoss: NaN,
    valLoss: NaN,
    diverged: true,
    divergedReason: 'loss is nan!',
  });
  out.push({
    hash: 'div1',
    recipe: RNN,
    label: 'div 1',
    dataset: 'Synthetic',
    testLoss: NaN,
    valLoss: NaN,
    diverged: true,
    divergedReason: 'loss is nan!',
  });
  return out;
}

function report(hash: string, settings: ScoreSettings, values: Partial<Record<ScoreId, number>>): ScoreReport {
  return {
    hash,
    settings,
    backend: 'cpu',
    totalMs: 1,
    results: settings.scores.map((id) => ({
      id,
      value: values[id] ?? NaN,
      std: 0,
      values: [values[id] ?? NaN],
      seed: settings.seed,
      repeats: 1,
      wallMs: 1,
      backend: 'cpu' as const,
    })),
  };
}

/**
 * A scorer that knows the losses: naswot = −loss (perfect), ntk_cond = loss (perfect once oriented), zen NaN
 * on every 5th cell, params noise. Diverged cells get the worst naswot. Counts its calls per hash.
 */
function fakeScorer(
  all: readonly StudyCell[],
  opts: { failOn?: Set<string>; fatalOn?: string } = {},
): Scorer & { calls: string[] } {
  const byHash = new Map(all.map((c) => [c.hash, c]));
  const calls: string[] = [];
  const f = (async (_recipe, settings, signal, hash) => {
    calls.push(hash!);
    await new Promise((r) => setTimeout(r, 1));
    if (signal.aborted) throw new Error('cancelled');
    if (opts.fatalOn === hash) throw Object.assign(new Error('the scoring process cannot start'), { fatal: true });
    if (opts.failOn?.has(hash!)) throw new Error('The scoring process crashed');
    const c = byHash.get(hash!)!;
    const i = Number(hash!.replace(/\D/g, ''));
    const loss = c.diverged ? 100 : c.testLoss;
    // the real scorer does not know the benchmark hash: it reports its own (the runner replaces it)
    return report('not-the-cell-hash', settings, {
      naswot: -loss,
      ntk_cond: loss,
      zen: i % 5 === 0 ? NaN : -loss + (i % 3) * 0.01,
      params: (i * 7919) % 13,
    });
  }) as Scorer & { calls: string[] };
  f.calls = calls;
  return f;
}

test('an interrupted study resumes: the rerun scores only the remaining cells, the cached ones are reused', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-study-'));
  try {
    const all = cells();
    const k = 7;
    const ctl = new AbortController();
    const first = fakeScorer(all);
    const progress: string[] = [];
    const r1 = await runBenchmarkStudy(all, first, {
      settings: SETTINGS,
      cacheDir: dir,
      signal: ctl.signal,
      onProgress: (p) => {
        progress.push(p.message);
        if (p.done === k) ctl.abort();
      },
    });
    assert.equal(r1.run.aborted, true);
    assert.equal(r1.complete, false);
    assert.equal(r1.run.outcomes.length, k);
    assert.equal(first.calls.length, k);
    assert.equal(r1.run.scored, k);
    assert.match(progress[0], /^\[1\/32\] cell 0 · \d+\.\d s · ETA /);
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.json')).length, k);
    // A new process: a fresh cache object on the same directory.
    const second = fakeScorer(all);
    const r2 = await runBenchmarkStudy(all, second, { settings: SETTINGS, cache: new ScoreCache({ dir }) });
    assert.equal(r2.complete, true);
    assert.equal(second.calls.length, all.length - k);
    assert.deepEqual(
      second.calls,
      all.slice(k).map((c) => c.hash),
    );
    assert.equal(r2.run.cached, k);
    assert.equal(r2.run.scored, all.length - k);
    // reports are stored under the cell's own hash
    assert.ok(r2.run.outcomes.every((o) => o.report?.hash === o.cell.hash));
    // a third run scores nothing
    const third = fakeScorer(all);
    const r3 = await runBenchmarkStudy(all, third, { settings: SETTINGS, cacheDir: dir });
    assert.equal(third.calls.length, 0);
    assert.equal(r3.run.cached, all.length);
    assert.deepEqual(r3.study, r2.study);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an abort while a cell is being scored leaves that cell for the next run', async () => {
  const all = cells().slice(0, 6);
  const cache = new ScoreCache();
  const ctl = new AbortController();
  let n = 0;
  const slow: Scorer = (recipe, settings, signal, hash) => {
    if (++n === 3) {
      return new Promise((_res, rej) => {
        signal.addEventListener('abort', () => rej(new Error('cancelled')), { once: true });
        setTimeout(() => ctl.abort(), 5);
      });
    }
    return fakeScorer(all)(recipe, settings, signal, hash);
  };
  const r1 = await scoreCells(all, slow, { settings: SETTINGS, cache, signal: ctl.signal });
  assert.equal(r1.aborted, true);
  assert.equal(r1.outcomes.length, 2);
  assert.equal(r1.failed, 0, 'a cancellation is not a failure');
  assert.equal(await cache.get(all[2].hash, SETTINGS), undefined);
  const again = fakeScorer(all);
  const r2 = await scoreCells(all, again, { settings: SETTINGS, cache });
  assert.deepEqual(
    again.calls,
    all.slice(2).map((c) => c.hash),
  );
  assert.equal(r2.cached, 2);
});

test('NaN scores are counted per score; failed cells are kept as NaN, not cached, and retried next time', async () => {
  const all = cells();
  const cache = new ScoreCache();
  const failing = fakeScorer(all, { failOn: new Set(['cell03']) });
  const r = await runBenchmarkStudy(all, failing, { settings: SETTINGS, cache, study: { bootstrapSamples: 100 } });
  assert.equal(r.complete, true);
  assert.equal(r.run.failed, 1);
  assert.match(r.run.outcomes[3].error!, /crashed/);
  const s = r.study!;
  const row = (id: ScoreId) => s.rows.find((x) => x.id === id)!;
  assert.equal(s.nTrained, 30);
  // zen: NaN on cells 0, 5, 10, 15, 20, 25 plus the failed cell 3
  assert.equal(row('zen').nNaN, 7);
  assert.equal(row('zen').test.tau.n, 23);
  assert.equal(row('naswot').nNaN, 1);
  assert.equal(row('naswot').test.tau.estimate, 1);
  assert.equal(row('ntk_cond').test.tau.estimate, 1, 'a lower-is-better score is oriented');
  assert.equal(row('naswot').val.rho.estimate, 1);
  assert.ok(row('naswot').test.tau.lo <= 1 && row('naswot').test.tau.hi === 1);
  assert.equal(row('naswot').test.topK.k, 3);
  // the ensemble leaves out nothing it should not, and hybrid is not a column (not studied here)
  assert.deepEqual(s.ensemble?.scores, SCORES);
  assert.ok(s.ensemble.cvTau > 0.8);
  // the failed cell is retried by the next run
  const retry = fakeScorer(all);
  const r2 = await scoreCells(all, retry, { settings: SETTINGS, cache });
  assert.deepEqual(retry.calls, ['cell03']);
  assert.equal(r2.failed, 0);
});

test('diverged cells are scored but reported apart, with where the scores place them', async () => {
  const all = cells();
  const r = await runBenchmarkStudy(all, fakeScorer(all), { settings: SETTINGS, study: { bootstrapSamples: 50 } });
  const s = r.study!;
  assert.equal(s.nCells, 32);
  assert.equal(s.diverged.count, 2);
  assert.deepEqual(s.diverged.hashes, ['div0', 'div1']);
  const naswot = s.diverged.perScore.find((p) => p.id === 'naswot')!;
  assert.equal(naswot.nScored, 2);
  assert.ok(naswot.medianPercentile < 5, 'naswot scores them worst');
  for (const row of s.rows) assert.ok(row.test.tau.n <= 30, 'no diverged cell in a correlation');
  const file = studyResultsFile('Synthetic', SETTINGS, r, { command: 'cell-lens study', now: new Date(0) });
  assert.equal(file.timing.cells, 32);
  assert.equal(file.cells.filter((c) => c.diverged).length, 2);
  // NaN survives the JSON round trip of the cache encoding
  const back = decodeJson(encodeJson(file)) as typeof file;
  assert.ok(Number.isNaN(back.cells[30].testLoss));
  assert.ok(Number.isNaN(back.cells[0].scores.zen!));
});

test('a fatal scorer error ends the run (shouldStop)', async () => {
  const all = cells();
  const fatal = fakeScorer(all, { fatalOn: 'cell02' });
  const r = await scoreCells(all, fatal, {
    settings: SETTINGS,
    shouldStop: (e) => (e as { fatal?: boolean }).fatal === true,
  });
  assert.equal(r.stopped, 'the scoring process cannot start');
  assert.equal(r.outcomes.length, 3);
  assert.equal(fatal.calls.length, 3);
});

function run(hash: string, recipe: string, finalTest: number, status = 'OK'): BenchmarkRun {
  const diverged = /nan/i.test(status) || !Number.isFinite(finalTest);
  return {
    recepieId: Number(hash.replace(/\D/g, '')) || 1,
    experimentId: 1,
    dataset: 'Toy',
    file: `${hash}.json`,
    hash,
    recipe,
    numParams: 100,
    epochs: 3,
    plannedEpochs: 3,
    finalTest,
    finalVal: finalTest + 0.01,
    bestTest: finalTest,
    bestVal: finalTest,
    status,
    diverged,
    testLosses: [finalTest],
    valLosses: [finalTest + 0.01],
  };
}

test('cells of a benchmark index: diverged (status, non-finite or huge loss) last, limit spreads over the ranking', async () => {
  const rs = JSON.stringify(RNN);
  const index = BenchmarkIndex.fromRuns([
    run('h1', rs, 5.2),
    run('h2', rs, 4.7),
    run('h3', rs, NaN, 'loss is nan!'),
    run('h4', rs, 42),
    run('h5', rs, 6.1),
    run('h6', '[1, 2]', 5),
  ]);
  const { dataset, cells: cs, skipped } = cellsFromIndex(index);
  assert.equal(dataset, 'Toy');
  assert.equal(skipped, 1);
  assert.deepEqual(
    cs.map((c) => c.hash),
    ['h2', 'h1', 'h5', 'h4', 'h3'],
  );
  assert.deepEqual(
    cs.map((c) => c.diverged),
    [false, false, false, true, true],
  );
  assert.equal(cs[3].divergedReason, `test loss 42.00 > ${DIVERGED_LOSS}`);
  assert.equal(cs[4].divergedReason, 'loss is nan!');
  assert.ok(Number.isNaN(cs[3].testLoss));
  assert.equal(cs[3].rank, undefined);
  assert.equal(cs[0].rank, 1);
  assert.deepEqual(
    cellsFromIndex(index, { limit: 3 }).cells.map((c) => c.hash),
    ['h2', 'h5', 'h3'],
  );
  assert.throws(() => cellsFromIndex(index, { dataset: 'PTB' }), /no dataset "PTB".*Toy/);
  assert.deepEqual(spread([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4), [1, 4, 7, 10]);
  assert.deepEqual(spread([1, 2, 3], 10), [1, 2, 3]);
  assert.deepEqual(spread([1, 2, 3], 1), [1]);
  // the bundled WikiText-2 index: 260 cells, the 2 that diverged in every run come last
  const wt2 = cellsFromIndex(await loadBenchmarkIndex());
  assert.equal(wt2.dataset, 'WikiText-2');
  assert.equal(wt2.cells.length, 260);
  assert.deepEqual(wt2.cells.map((c) => c.diverged).lastIndexOf(false), 257);
  assert.ok(wt2.cells.slice(0, 258).every((c, i, a) => i === 0 || a[i - 1].testLoss <= c.testLoss));
});

test('the ETA is the observed rate of the scoring phase (injected clock): cached cells before it and queueing count right', async () => {
  const all = cells().slice(0, 12);
  // A fake clock and a scorer with one process behind four cells in flight: each call waits for the previous one,
  // then takes 100 ms. The per-cell wall time then includes the queue (100, 200, 300, 400 ms …) while the run
  // finishes one cell per 100 ms.
  let clock = 1_000;
  let queue: Promise<void> = Promise.resolve();
  const scorer: Scorer = (_recipe, settings, _signal, hash) => {
    // (the next call's time passes on a later turn of the event loop, after this cell's progress is reported)
    const run = queue.then(async () => {
      await new Promise((r) => setImmediate(r));
      clock += 100;
    });
    queue = run;
    return run.then(() => report(hash!, settings, { naswot: 1 }));
  };
  // The first three cells are in the cache: they take no time and come before the scoring phase.
  const cache = new ScoreCache({});
  for (const c of all.slice(0, 3)) await cache.put(report(c.hash, SETTINGS, { naswot: 1 }));
  const seen: { done: number; etaMs?: number; elapsedMs: number }[] = [];
  await scoreCells(all, scorer, {
    settings: SETTINGS,
    cache,
    concurrency: 4,
    now: () => clock,
    onProgress: (p) =>
      seen.push({ done: p.done, elapsedMs: p.elapsedMs, ...(p.etaMs !== undefined ? { etaMs: p.etaMs } : {}) }),
  });
  assert.deepEqual(
    seen.map((s) => s.done),
    all.map((_, i) => i + 1),
  );
  // No estimate while only cached cells are done; then (cells left) × 100 ms, exactly.
  assert.deepEqual(
    seen.slice(0, 3).map((s) => s.etaMs),
    [undefined, undefined, undefined],
  );
  for (const s of seen.slice(3)) assert.equal(s.etaMs, (all.length - s.done) * 100, `at ${s.done}/${all.length}`);
  assert.equal(seen[seen.length - 1].elapsedMs, 900, 'nine cells scored, one after the other');
});

test("the editor's progress line says the time left in seconds when under a minute (not “about 1 min”)", () => {
  const cell = cells()[0];
  const p = {
    done: 30,
    total: 260,
    cached: 0,
    scored: 30,
    failed: 0,
    cell,
    outcome: 'scored' as const,
    elapsedMs: 1_300,
    etaMs: 9_000,
    message: '',
  };
  assert.equal(studyProgressText(p), '30/260 (0 cached) · about 9 s left');
  assert.equal(
    studyProgressText({ ...p, etaMs: 200_000, failed: 2, cached: 5 }),
    '30/260 (5 cached, 2 failed) · about 3 min left',
  );
  assert.equal(studyProgressText({ ...p, etaMs: undefined }), '30/260 (0 cached)');
  assert.equal(studyProgressText({ ...p, done: 260, etaMs: 0 }), '260/260 (0 cached)');
});
