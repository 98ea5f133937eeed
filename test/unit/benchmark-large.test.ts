/**
 * Large benchmarks (the 14k PTB logs are pointed at by `cellLens.benchmark.logPaths`): an index of a synthetic
 * zip of 2,000 realistic logs finds every cell with its losses, groups repeated runs and flags diverged ones; the
 * background loader (worker threads, or slices on this thread) builds exactly the synchronous index, and
 * on this thread it reads the logs in slices with the event loop turning in between; and BenchmarkService answers
 * lookups while it loads ("loading": undefined, until the index is there) and shows progress. Speed, memory and the
 * longest pause of the event loop are measured in bench/benchmark-large.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeVscode } from '../../testkit/fake-vscode';
import { sampleEachTurn, turnCounter } from '../../testkit/event-loop';
import { syntheticZip } from '../../testkit/synthetic-logs';
import { MULTI_RUN_DIR } from '../fixtures/benchmark/helpers';
import { REPO } from '../helpers/data';
import { buildSync } from 'esbuild';
import { BenchmarkIndex } from '../../src/benchmark/index';
import { loadLogsFromZip } from '../../src/benchmark/sources';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { loadBenchmarkIndexInBackground } from '../../src/benchmark/background';

const host = installFakeVscode();
const { BenchmarkService } =
  require('../../src/editor/benchmarkService') as typeof import('../../src/editor/benchmarkService');

const LOGS = 2000;
const synth = syntheticZip({ logs: LOGS, seed: 14, level: 1 });
const dir = mkdtempSync(join(tmpdir(), 'cell-lens-large-'));
const zipPath = join(dir, 'ptb-logs.zip');
writeFileSync(zipPath, synth.zip);
after(() => rmSync(dir, { recursive: true, force: true }));

const index = BenchmarkIndex.fromLoadResult(loadLogsFromZip(synth.zip, zipPath));

// The worker as the extension ships it (dist/benchmarkWorker.js, built the way scripts/build.mjs builds it):
// from the sources every worker thread would first compile the TypeScript again. The abort test below starts
// the sources' worker.ts (under tsx), the path of a development host.
const bundledWorker = join(dir, 'benchmarkWorker.js');
buildSync({
  entryPoints: [join(REPO, 'src/benchmark/worker.ts')],
  outfile: bundledWorker,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  mainFields: ['module', 'main'],
  logLevel: 'error',
});

/** The parts of two indexes a user sees: runs in load order, warnings, and every dataset's entries. */
function assertSameIndex(actual: BenchmarkIndex, expected: BenchmarkIndex): void {
  assert.deepEqual(actual.datasets(), expected.datasets());
  assert.deepEqual(actual.runs(), expected.runs());
  assert.deepEqual(actual.warnings, expected.warnings);
  for (const d of expected.datasets()) assert.deepEqual(actual.entries(d), expected.entries(d));
}

test('the synthetic set is what the tests below rely on: distinct cells, repeated runs (some isomorphic copies), a few diverged', () => {
  assert.equal(synth.logs.length, LOGS);
  assert.equal(new Set(synth.cells.map((c) => c.hash)).size, synth.cells.length);
  const repeated = synth.cells.filter((c) => c.runs.length > 1);
  assert.ok(repeated.length > 100, `${repeated.length} cells with 2+ runs`);
  assert.ok(
    repeated.some((c) => new Set(c.runs.map((r) => r.recipe)).size > 1),
    'some runs are isomorphic copies under another recipe string',
  );
  const diverged = synth.cells.flatMap((c) => c.runs).filter((r) => r.diverged);
  assert.ok(diverged.length >= 10, `${diverged.length} diverged runs`);
  const sizes = synth.logs.map((l) => l.text.length).sort((a, b) => a - b);
  const median = sizes[sizes.length >> 1];
  assert.ok(
    median > 4000 && median < 7000 && sizes[sizes.length - 1] < 10000,
    `logs about the size of real ones (median ${median} bytes)`,
  );
});

test('every synthetic cell is found by its hash, with all its runs and their losses; diverged runs are flagged', () => {
  assert.deepEqual(index.warnings, []);
  assert.deepEqual(index.datasets(), ['PTB']);
  assert.equal(index.runs().length, LOGS);
  assert.equal(index.entryCount, synth.cells.length);
  let allDiverged = 0;
  for (const cell of synth.cells) {
    const matches = index.lookup(cell.hash);
    assert.equal(matches.length, 1, cell.hash);
    const e = matches[0].entry;
    assert.equal(e.runs.length, cell.runs.length, cell.hash);
    for (const want of cell.runs) {
      const got = e.runs.find((r) => r.experimentId === want.experimentId);
      assert.ok(got, `${cell.hash}: run ${want.name}`);
      assert.equal(got.recepieId, want.recepieId);
      assert.equal(got.recipe, want.recipe);
      assert.equal(got.numParams, want.numParams);
      assert.equal(got.status, want.status);
      assert.equal(got.diverged, want.diverged, want.name);
      assert.deepEqual(got.testLosses, want.testLosses);
      assert.deepEqual(got.valLosses, want.valLosses);
    }
    const trained = cell.runs.filter((r) => !r.diverged);
    assert.equal(e.divergedRuns, cell.runs.length - trained.length);
    if (trained.length === 0) {
      allDiverged++;
      assert.ok(e.diverged && e.rank === undefined, 'a cell whose every run diverged is not ranked');
    } else {
      const finals = trained.map((r) => r.testLosses[r.testLosses.length - 1]);
      assert.ok(Math.abs(e.meanTest - finals.reduce((a, b) => a + b, 0) / finals.length) < 1e-12);
      assert.ok(e.rank !== undefined && e.rank >= 1 && e.rank <= e.size);
    }
  }
  assert.ok(allDiverged > 0, 'some cells diverged in every run');
});

// Both a zip and a folder, so that the merge of the workers' shards keeps the order of items and of sources.
const sources = [{ path: zipPath }, { path: MULTI_RUN_DIR }];
let syncIndex: Promise<BenchmarkIndex> | undefined;
/** The synchronous build of `sources` with the bundled index (what the CLI does), once. */
const synchronous = () => (syncIndex ??= loadBenchmarkIndex(sources));

test('the background loader on worker threads builds exactly the synchronous index, and reports progress to the end', async () => {
  const progress: { done: number; total: number }[] = [];
  const inWorkers = await loadBenchmarkIndexInBackground(sources, {
    workers: 3,
    workerScript: bundledWorker,
    onProgress: (p) => progress.push(p),
  });
  assert.equal(inWorkers.mode, 'workers');
  assert.equal(inWorkers.workers, 3);
  assert.ok(inWorkers.logs > LOGS);
  assert.deepEqual(
    progress.at(-1),
    { done: inWorkers.logs, total: inWorkers.logs },
    'the last progress report is complete',
  );
  assertSameIndex(inWorkers.index, await synchronous());
});

test("without a worker script the logs are read on this thread (in slices), the same index, and the reason is given; the sources' worker.ts runs under tsx", async () => {
  const small = [{ path: MULTI_RUN_DIR }];
  const noScript = await loadBenchmarkIndexInBackground(small, {
    workers: 2,
    workerScript: join(dir, 'missing-worker.js'),
  });
  assert.equal(noScript.mode, 'main-thread');
  assert.match(noScript.fallback ?? '', /worker/);
  assertSameIndex(noScript.index, await loadBenchmarkIndex(small));
  // From the sources (worker.ts, tsx registered in the worker thread), as a development host runs it.
  const fromSources = await loadBenchmarkIndexInBackground(small, { workers: 1 });
  assert.equal(fromSources.mode, 'workers', fromSources.fallback);
  assertSameIndex(fromSources.index, noScript.index);
});

test('on this thread the logs are read in slices with a turn of the event loop between two (none holds half the logs)', async () => {
  const turns = turnCounter();
  const slices: { read: number; turn: number }[] = [];
  let onThread;
  try {
    onThread = await loadBenchmarkIndexInBackground(sources, {
      workers: 0,
      onSlice: (read) => slices.push({ read, turn: turns.turns }),
    });
  } finally {
    turns.stop();
  }
  assert.equal(onThread.mode, 'main-thread');
  assertSameIndex(onThread.index, await synchronous());
  const logs = onThread.logs;
  assert.ok(slices.length >= 2, `${slices.length} slices for ${logs} logs`);
  const sizes = slices.map((s, i) => s.read - (i ? slices[i - 1].read : 0)).concat(logs - slices.at(-1)!.read);
  assert.ok(
    sizes.every((n) => n >= 0 && n <= logs / 2),
    `logs read between two pauses: ${sizes.join(' ')} (of ${logs})`,
  );
  assert.ok(
    slices.every((s, i) => i === 0 || s.turn > slices[i - 1].turn),
    'the event loop turned between two slices',
  );
});

test('an aborted background load (workers from the sources, under tsx) rejects with AbortError', async () => {
  const abort = new AbortController();
  const p = loadBenchmarkIndexInBackground([{ path: zipPath }], {
    workers: 1,
    signal: abort.signal,
    onProgress: () => abort.abort(),
  });
  await assert.rejects(p, { name: 'AbortError' });
});

function recordingStatus() {
  const texts: string[] = [];
  const item = { name: '', command: '', tooltip: undefined as unknown, _text: '', show() {}, hide() {}, dispose() {} };
  Object.defineProperty(item, 'text', {
    get: () => item._text,
    set: (t: string) => {
      item._text = t;
      texts.push(t);
    },
  });
  return { item: item as typeof item & { text: string }, texts };
}

// The fake host's own output channel (its lines in host.logs as `level: message`).
const log = () => (require('vscode') as typeof import('vscode')).window.createOutputChannel('Cell Lens', { log: true });

for (const workers of [2, 0]) {
  test(`BenchmarkService (${workers ? 'worker threads' : 'slices on the host thread'}): lookups are answered ("loading") at turns of the event loop while 2,000 logs load; progress in the status bar`, async () => {
    host.config['benchmark.logPaths'] = sources.map((x) => x.path);
    host.config['benchmark.includeBundledWikiText2'] = true;
    const status = recordingStatus();
    const service = new BenchmarkService(log(), status.item as never, {
      workers,
      workerScript: bundledWorker,
    });
    const cell = synth.cells[0];
    // A lookup at every turn of the event loop while the service loads: each says "loading".
    const { value: loaded, samples } = await sampleEachTurn(
      () => {
        assert.equal(service.lookup(cell.hash), undefined, 'a lookup before the load completes says "loading"');
        assert.ok(service.isLoading);
        return service.get();
      },
      () => (service.lastLoad ? 'loaded' : service.lookup(cell.hash)),
    );
    const during = samples.slice(0, samples.indexOf('loaded'));
    assert.ok(during.length >= 2, `lookups answered while loading: ${during.length}`);
    assert.ok(
      during.every((x) => x === undefined),
      'each says "loading"',
    );
    // Where the logs were read: on worker threads, or on this thread in slices (the test of onSlice above).
    assert.equal(service.lastLoad?.mode, workers ? 'workers' : 'main-thread');
    assert.ok((service.lastLoad?.logs ?? 0) > LOGS);
    assert.ok(
      status.texts.some((t) => /loading benchmark \d+%/.test(t)),
      `progress shown: ${status.texts.join(' | ')}`,
    );
    assert.equal(status.item.text, '$(database) PTB · WikiText-2');
    assert.equal(service.lookup(cell.hash)?.[0].entry.runs.length, cell.runs.length);
    assertSameIndex(loaded, await synchronous());
    service.dispose();
  });
}

test('BenchmarkService: a reload while loading aborts the stale load; callers of the first load get the new index', async () => {
  host.config['benchmark.logPaths'] = [zipPath];
  const status = recordingStatus();
  const service = new BenchmarkService(log(), status.item as never, {
    workers: 2,
    workerScript: bundledWorker,
  });
  const first = service.get();
  host.config['benchmark.logPaths'] = [];
  service.reload();
  const [a, b] = await Promise.all([first, service.get()]);
  assert.equal(a, b);
  assert.deepEqual(a.datasets(), ['WikiText-2'], 'the new settings (no log paths) are the ones loaded');
  service.dispose();
});
