/**
 * The extension host stays responsive (issue 15, defect 5: "Extension host is unresponsive" during the study and
 * right after Score All on a 2,000-cell file; "Aborted onWillSaveTextDocument-event after 1750 ms").
 *
 * - The study's statistics (bootstrap intervals, the ensemble's cross-validation: seconds for 260 cells) are
 *   computed in the scoring process: the same result as `runStudy`, and the host never runs long synchronous work.
 * - "Correlate Scores with Benchmark" in the editor asks the scoring process for them.
 * - "Score All Cells in This File" on a 2,000-cell candidates file hashes the cells in slices.
 * - Opening and editing that file: the parse runs on a worker thread (editor/parseThread), the cells come back in
 *   slices; the CodeLens provider builds in full only the cells in view (placeholders, resolved when shown, for
 *   the others). The diagnostics and lenses equal those of the synchronous parse; a parse of an older version is
 *   dropped.
 *
 * The tests assert the structure that keeps the host responsive, as events and values, never as time: where the
 * work ran (the scoring process's own report of the requests it received and answered, the scoring pool's events,
 * the analysis cache's count of worker parses), how the host's share is cut (the parse thread's slices and their
 * sizes; the hashes of Score All progressing over several turns of the event loop), and what is built lazily (lens
 * placeholders). How long the host blocks is measured by bench/host.ts (bench/results/host.json), before and after.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeVscode, Position, Range, TextDocument, Uri } from '../../testkit/fake-vscode';
import { sampleEachTurn } from '../../testkit/event-loop';
import { LineIndexedDocument } from '../../testkit/line-index-document';
import { candidateCells, rng } from '../../testkit/data';
import { REPO } from '../helpers/data';
import { recordPool } from '../helpers/pool-events';
import { FIXTURES, testClient } from '../fixtures/scoring/helpers';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { cellsFromIndex, type StudyCell } from '../../src/study/runner';
import { runStudy, type StudyRecord } from '../../src/study/study';
import { canonicalHash } from '../../src/recipe/canonical';
import { ScoreCache } from '../../src/scoring/cache';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { SCORE_IDS, SCORES, type ScoreId, type ScoreReport, type ScoreSettings } from '../../src/scoring/types';
import { parseDocument } from '../../src/recipe/parse';
import { AnalysisCache, OFF_THREAD_CHARS, type Analysis, type DiscardedParse } from '../../src/editor/analysis';
import { ParseThread, parseWorkerScript, SLICE_CHARS, type ReceivedSlice } from '../../src/editor/parseThread';
import type { CellCodeLensProvider } from '../../src/editor/providers';

const WORKER = join(REPO, 'dist/worker.js');
/** The scoring worker that reports which process received each request and sent each answer. */
const RECORDING_WORKER = join(FIXTURES, 'recording-worker.ts');

const host = installFakeVscode();
const vs = require('vscode') as Record<string, Record<string, unknown>>;
const storage = mkdtempSync(join(tmpdir(), 'cell-lens-host-'));
const ext = require('../../src/extension') as typeof import('../../src/extension');
const subscriptions: { dispose(): void }[] = [];
const api = ext.activate({
  subscriptions,
  extensionPath: REPO,
  extensionUri: Uri.file(REPO),
  globalStorageUri: { fsPath: storage },
} as never);
after(() => {
  for (const s of subscriptions) s.dispose();
  rmSync(storage, { recursive: true, force: true });
});

/**
 * Scores of the study cells: for each score a noisy function of the cell's test loss (oriented by the score's
 * direction, with a different noise per score), a few NaN, ±∞ for some NTK condition numbers; diverged cells get
 * random values. Only the statistics' inputs; their values do not change how long the study takes.
 */
function syntheticScores(cells: readonly StudyCell[]): Map<string, Record<ScoreId, number>> {
  const r = rng(15);
  const out = new Map<string, Record<ScoreId, number>>();
  for (const c of cells) {
    const scores = {} as Record<ScoreId, number>;
    SCORE_IDS.forEach((id, k) => {
      const u = r();
      const base = c.diverged
        ? 10 * r()
        : (SCORES[id].better === 'lower' ? c.testLoss : -c.testLoss) + (1 + k / 4) * (r() - 0.5);
      scores[id] = u < 0.02 ? NaN : id === 'ntk_cond' && u > 0.97 ? Infinity : base;
    });
    out.set(c.hash, scores);
  }
  return out;
}

const studyData = (async () => {
  const { cells } = cellsFromIndex(await loadBenchmarkIndex(), { dataset: 'WikiText-2' });
  const scores = syntheticScores(cells);
  const records: StudyRecord[] = cells.map((c) => ({
    hash: c.hash,
    testLoss: c.testLoss,
    valLoss: c.valLoss,
    diverged: c.diverged,
    scores: scores.get(c.hash)!,
    label: c.label,
  }));
  return { cells, scores, records };
})();

test(
  "the study's statistics run in the scoring process: the same result as runStudy, computed there and sent back as a message",
  { timeout: 300_000 },
  async () => {
    const { records } = await studyData;
    assert.ok(records.filter((r) => !r.diverged).length >= 250, 'the WikiText-2 study: about 258 trained cells');
    const options = { ensemble: true, seed: 0, scores: [...SCORE_IDS] };
    const { client, logs } = testClient({ timeoutMs: 60_000, workerPath: RECORDING_WORKER });
    try {
      const remote = await client.study(records, options);
      const direct = runStudy(records, options);
      assert.deepEqual(remote, direct, `the worker's study is runStudy's (log: ${logs.join(' | ')})`);
      assert.ok(direct.ensemble, 'with the ensemble');
      // Where it ran: the scoring process received the request and sent the answer (its notes come before it).
      const notes = (what: RegExp) =>
        logs
          .map((l) => what.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1], Number(m[2])]);
      const received = notes(/recording-worker: received study (\d+) in process (\d+)/);
      const sent = notes(/recording-worker: sent studyResult (\d+) from process (\d+)/);
      assert.equal(received.length, 1, `one study request reached the scoring process: ${logs.join(' | ')}`);
      assert.deepEqual(sent, received, 'and the same process sent its result back');
      assert.notEqual(received[0][1], process.pid, 'another process than this one');
    } finally {
      client.dispose();
    }
  },
);

test('a malformed study request is refused by the worker with a reason', { timeout: 60_000 }, async () => {
  const { client } = testClient();
  try {
    const bad = [{ hash: 'h', testLoss: 1, valLoss: 1, diverged: 'no', scores: {} }] as unknown as StudyRecord[];
    await assert.rejects(
      client.study(bad, {}),
      (e: Error & { kind?: string }) => e.kind === 'invalid' && /diverged is not a boolean/.test(e.message),
    );
  } finally {
    client.dispose();
  }
});

test(
  'Correlate Scores with Benchmark asks the scoring process for the statistics: a scoring process computes them',
  { skip: existsSync(WORKER) ? false : 'dist/worker.js is missing: run `node scripts/build.mjs`', timeout: 300_000 },
  async () => {
    const { cells, scores, records } = await studyData;
    // Every study cell is in the score cache at the proxy sizes: the command scores nothing, only the statistics remain.
    const settings: ScoreSettings = {
      ...SIZE_PRESETS.proxy,
      seed: 0,
      repeats: 1,
      backend: 'auto',
      scores: [...SCORE_IDS],
    };
    const cache = new ScoreCache({ dir: join(storage, 'scores') });
    for (const c of cells) {
      const report: ScoreReport = {
        hash: c.hash,
        settings,
        backend: 'cpu',
        totalMs: 1,
        results: SCORE_IDS.map((id) => ({
          id,
          value: scores.get(c.hash)![id],
          std: 0,
          values: [scores.get(c.hash)![id]],
          seed: 0,
          repeats: 1,
          wallMs: 0,
          backend: 'cpu' as const,
        })),
      };
      await cache.put(report);
    }
    const window = vs.window;
    window.showQuickPick = (items: { label: string }[]) =>
      Promise.resolve(items.find((i) => i.label === 'Proxy sizes'));
    window.showOpenDialog = () => Promise.resolve(undefined);
    const pool = recordPool({ onEvent: (l) => api.scoring.onPoolEvent(l) });
    try {
      await host.commands.get('cellLens.correlateScores')!();
    } finally {
      pool.dispose();
    }
    const errors = host.messages.filter((m) => m.level === 'error');
    assert.deepEqual(errors, [], 'no error');
    assert.ok(
      host.logs.some((l) => /study: 260\/260 cells, 0 scored .* 260 cached/.test(l)),
      `every cell from the cache: ${host.logs.filter((l) => /study:/.test(l)).join(' | ')}`,
    );
    // Nothing was scored: the one request the scoring processes served was the statistics, answered by a process.
    assert.deepEqual(
      pool.events.filter((e) => e.type === 'job-start' || e.type === 'job-end').map((e) => `${e.type} ${e.job}`),
      ['job-start study', 'job-end study'],
      'the study was computed by a scoring process',
    );
    const end = pool.ends()[0];
    assert.equal(end.error, undefined, 'and answered');
    assert.ok(end.pid !== undefined && end.pid !== process.pid, `by another process: ${end.pid}`);
    const panel = host.panels.find((p) => p.viewType === 'cellLens.scoreCorrelations');
    assert.ok(panel, 'the Score Correlations panel opened');
    // The panel, once its page is ready, shows every score's plot over every cell.
    panel.receive({ type: 'ready' });
    const shown = await host.when(() =>
      panel.webview.posted.find(
        (m): m is { plots: { id: string; points: unknown[] }[] } => (m as { type?: string }).type === 'study',
      ),
    );
    assert.deepEqual(
      shown.plots.map((p) => p.id),
      [...SCORE_IDS],
    );
    for (const p of shown.plots) assert.equal(p.points.length, records.length);
    // At the proxy preset, seed 0: the bundled predictor's cross-validated τ beside the best single score.
    const summary = shown as unknown as { predictor?: string; bestLine?: string };
    assert.match(
      summary.predictor ?? '',
      /^Loss predictor \(cross-validated\): τ 0\.566 .* 258 WikiText-2 cells at the proxy preset/,
    );
    assert.match(summary.bestLine ?? '', /^Best single score: /);
  },
);

test(
  'Score All on a 2,000-cell candidates file: the hashes are computed in slices, over many turns of the event loop',
  { timeout: 300_000 },
  async () => {
    // A candidates file like the user's: 2,000 cells of the NAS-Bench-NLP space, many drawn more than once.
    const cells = candidateCells();
    const expected = new Set(cells.map((c) => canonicalHash(c))).size;
    const doc = new TextDocument(Uri.file('/ws/candidates.json'), 'json', 1, JSON.stringify(cells, null, 2));
    host.open(doc); // parsed (on the worker thread) before the command
    const analysis = (await api.cache.analyse(doc as never))!;
    assert.equal(analysis.cells.length, 2000);
    const hashed = () => analysis.cells.reduce((n, c) => n + (c.hashed ? 1 : 0), 0);
    const before = hashed();
    assert.equal(before, 0, 'no cell of the file is hashed before Score All');
    host.config['scoring.preset'] = 'nas-bench-nlp';
    host.messages.length = 0;
    try {
      // Full size: the estimate asks first (the fake dismisses the question, so nothing is scored).
      const run = await sampleEachTurn(
        () => host.commands.get('cellLens.scoreFile')!(doc.uri) as Promise<{ cancelled: boolean }>,
        hashed,
      );
      assert.equal(run.value.cancelled, true);
      const ask = host.messages.find((m) => m.level === 'warn' && /takes about/.test(m.text));
      assert.ok(ask, `the long-batch question: ${JSON.stringify(host.messages)}`);
      assert.match(ask.text, new RegExp(`scoring ${expected} cells at this size`), 'every distinct cell counted');
      // The hashing (seconds of work) yields between slices: the event loop turned while it was partly done, and
      // no turn saw half of it done at once.
      const all = run.samples.at(-1)!;
      assert.equal(all, 2000, 'every cell hashed');
      const partly = run.samples.filter((n) => n > before && n < all);
      assert.ok(partly.length >= 2, `hashes seen at the turns of the event loop: ${run.samples.join(' ')}`);
      const steps = run.samples.slice(1).map((n, i) => n - run.samples[i]);
      assert.ok(
        Math.max(...steps) <= all / 2,
        `cells hashed between two turns of the event loop: at most ${Math.max(...steps)} of ${all}`,
      );
    } finally {
      delete host.config['scoring.preset'];
    }
  },
);

/** The 2,000-cell candidates file of the user (942 distinct cells of the search space, drawn again to 2,000), or its first `count` cells. */
function candidatesText(count = 2000): string {
  return JSON.stringify(candidateCells(count), null, 2);
}

type Lens = { range: Range; command?: { title: string; command: string; arguments?: unknown[] } };
type LensProvider = {
  provideCodeLenses(d: unknown, t?: unknown): Lens[] | Promise<Lens[]>;
  resolveCodeLens(l: Lens): Lens;
};
type Diag = {
  range: Range;
  message: string;
  severity: number;
  code?: string;
  tags?: number[];
  relatedInformation?: { location: { range: Range }; message: string }[];
};

/** A lens as plain data, the document's URI left out of its arguments (two documents with the same text compare equal). */
const lensData = (l: Lens) => ({
  range: l.range,
  title: l.command?.title,
  command: l.command?.command,
  args: l.command?.arguments?.filter((a) => !(a instanceof Uri)),
});
const diagData = (d: Diag) => ({
  range: d.range,
  message: d.message,
  severity: d.severity,
  code: d.code,
  tags: d.tags,
  related: d.relatedInformation?.map((r) => [r.location.range, r.message]),
});

test(
  'opening and editing a 2,000-cell file: parsed on a worker thread, lenses of the cells out of view as placeholders; diagnostics and lenses equal the synchronous ones',
  { timeout: 300_000 },
  async () => {
    const text = candidatesText();
    // An edit of one cell: an op changed, so that cell's hash (and its diagnostics, maybe) change.
    const edited = text.replace('"activation_tanh"', '"activation_sigm"');
    assert.notEqual(edited, text);
    const doc = new LineIndexedDocument(Uri.file('/ws/big-candidates.json'), 'json', 1, text);
    const key = doc.uri.toString();
    const provider = host.codeLensProviders[0] as unknown as LensProvider;
    const offThread = api.cache.stats.offThread;

    host.open(doc);
    assert.equal(api.cache.isAnalysing(doc as never), true, 'a big document is parsed off the host');
    assert.equal(host.diagnostics.has(key), false, 'its diagnostics come with the analysis');
    await api.cache.analyse(doc as never);
    await host.when(() => host.diagnostics.has(key));
    assert.equal(api.cache.stats.offThread, offThread + 1, 'the analysis came from the worker');
    assert.equal(api.cache.get(doc as never)!.version, 1);

    const first = await provider.provideCodeLenses(doc);
    assert.equal(
      first.filter((l) => !l.command).length,
      2000,
      'nothing in view in the fake editor: one placeholder per cell',
    );

    const shown = host.diagnostics.get(key);
    host.change(doc, edited);
    await host.when(() => host.diagnostics.get(key) !== shown);
    assert.equal(api.cache.get(doc as never)!.version, 2, 'the diagnostics published are those of the new version');
    assert.equal(api.cache.stats.offThread, offThread + 2, "the edited version's analysis came from the worker");

    // The same text analysed synchronously (another document): the same parse, diagnostics and lenses.
    const twin = new LineIndexedDocument(Uri.file('/ws/big-candidates-sync.json'), 'json', 1, edited);
    const sync = api.cache.getNow(twin as never)!;
    const async = api.cache.get(doc as never)!;
    assert.deepStrictEqual(async.parsed, sync.parsed, 'the parse from the worker equals parseDocument here');
    assert.deepStrictEqual(async.parsed, parseDocument(edited));
    assert.deepStrictEqual(
      async.cells.map((c) => [c.recipe, c.valid]),
      sync.cells.map((c) => [c.recipe, c.valid]),
    );
    assert.ok(
      async.cells.every((c) => c.valid),
      'cells of the search space are valid (warnings at most)',
    );
    host.open(twin); // current already: published at once
    const diags = (d: TextDocument) => (host.diagnostics.get(d.uri.toString()) as unknown as Diag[]).map(diagData);
    assert.ok(diags(doc).length > 100, `the random cells have warnings: ${diags(doc).length}`);
    assert.deepStrictEqual(diags(doc), diags(twin));

    // Lenses with the top of each document in view: the cells there in full, placeholders for the rest.
    const inView = (d: TextDocument) => {
      host.activeEditor = { document: d, visibleRanges: [new Range(new Position(0, 0), new Position(60, 0))] } as never;
    };
    inView(doc);
    const lenses = await provider.provideCodeLenses(doc);
    inView(twin);
    const twinLenses = await provider.provideCodeLenses(twin);
    assert.deepStrictEqual(lenses.map(lensData), twinLenses.map(lensData));
    const built = lenses.filter((l) => l.command);
    assert.ok(built.length >= 2 * 5, `the cells in view have their lenses: ${built.length}`);
    assert.ok(
      built.every((l) => l.range.start.line <= 60 + 150),
      'only cells near the visible lines are built',
    );

    // Every lens of a full build: the provider's own and the score lens, whose slot comes first in a cell's line
    // (src/report/lens.ts: here "Score"; graph and compare come after them).
    const fullProvider = new (
      require('../../src/editor/providers') as typeof import('../../src/editor/providers')
    ).CellCodeLensProvider(api.cache, api.benchmark, {
      allCellsUpTo: Infinity,
      hashNow: Infinity,
    });
    const { scoreLenses } =
      require('../../src/editor/scoringCommands') as typeof import('../../src/editor/scoringCommands');
    fullProvider.addContributor((d, c, range) => scoreLenses(api.scoring, d, c, range));
    const full = fullProvider as unknown as LensProvider;
    // The cells' reports at other settings (an earlier study cached them at the proxy size) are read from the disk on
    // a cell's first peek: read them now, so that the full build and the resolved placeholders see the same reports.
    await api.scoring.warm(api.cache.get(doc as never)!.cells.map((c) => c.hash));
    const all = await full.provideCodeLenses(doc);
    const firstByLine = new Map<number, Lens>();
    for (const l of all) if (!firstByLine.has(l.range.start.line)) firstByLine.set(l.range.start.line, l);
    assert.equal(firstByLine.size, 2000);
    // Placeholders coming into view resolve to the cell's first lens; the provider then builds those cells in full.
    const placeholders = lenses.filter((l) => !l.command);
    const sample = placeholders.filter((_, i) => i % 97 === 0);
    for (const l of sample)
      assert.deepStrictEqual(lensData(provider.resolveCodeLens(l)), lensData(firstByLine.get(l.range.start.line)!));
    const refreshed = new Promise<void>((resolve) => {
      const sub = (provider as unknown as CellCodeLensProvider).onDidChangeCodeLenses(() => {
        sub.dispose();
        resolve();
      });
    });
    await refreshed;
    inView(doc);
    const after = await provider.provideCodeLenses(doc);
    for (const l of sample) {
      const at = after.filter((x) => x.range.start.line === l.range.start.line);
      assert.ok(
        at.length >= 3 && at.every((x) => x.command),
        `line ${l.range.start.line}: every lens of the cell (benchmark, graph, score): ${at.length}`,
      );
      assert.deepStrictEqual(lensData(at[0]), lensData(firstByLine.get(l.range.start.line)!));
    }
    host.activeEditor = undefined;
  },
);

test(
  "a big parse's cells come back from the worker in slices of about SLICE_CHARS source characters, one reply each",
  { timeout: 120_000 },
  async () => {
    const text = candidatesText();
    const expected = parseDocument(text);
    const size = (c: { span: { start: number; end: number } }) => Math.max(1, c.span.end - c.span.start);
    const largest = Math.max(...expected.cells.map(size));
    const source = expected.cells.reduce((n, c) => n + size(c), 0);
    const thread = new ParseThread(parseWorkerScript()!);
    const slices: ReceivedSlice[] = [];
    thread.onDidReceiveSlice((s) => slices.push(s));
    try {
      assert.deepStrictEqual(await thread.parse(text), expected, 'the parse of the worker is parseDocument here');
    } finally {
      thread.dispose();
    }
    // Receiving a slice is the host's only share of the parse: each is bounded, whatever the document's size.
    let next = 0;
    for (const s of slices) {
      assert.equal(s.start, next, 'the slices follow each other');
      assert.ok(s.chars < SLICE_CHARS + largest, `a slice of ${s.chars} characters (${s.cells} cells)`);
      next += s.cells;
    }
    assert.equal(next, 2000, 'every cell came in a slice');
    assert.ok(
      slices.length >= Math.floor(source / (SLICE_CHARS + largest)),
      `${slices.length} slices for ${source} characters of cells`,
    );
  },
);

test(
  'a parse of an older version is dropped; the previous analysis is served until the new one arrives',
  { timeout: 120_000 },
  async () => {
    const text = candidatesText(200); // ~160 kB: parsed on the worker
    assert.ok(text.length >= OFF_THREAD_CHARS);
    const edited = text.replace('"activation_tanh"', '"activation_leaky_relu"');
    const cache = new AnalysisCache();
    try {
      const seen: number[] = [];
      cache.onDidChange((a) => seen.push(a.version));
      const discarded = new Promise<DiscardedParse>((resolve) => {
        const sub = cache.onDidDiscard((d) => {
          sub.dispose();
          resolve(d);
        });
      });
      const doc = new LineIndexedDocument(Uri.file('/ws/stale.json'), 'json', 1, text);
      assert.equal(cache.get(doc as never), undefined, 'nothing yet: the first parse runs on the worker');
      assert.equal(cache.isAnalysing(doc as never), true);
      doc.setText(edited); // version 2, while version 1 is being parsed
      // Version 1's result arrives, finds the document at version 2 and is dropped; the parse of version 2 follows.
      assert.deepEqual(await discarded, { uri: doc.uri.toString(), version: 1 }, 'the result of version 1 was dropped');
      assert.equal(cache.stats.discarded, 1);
      assert.equal(cache.peek(doc.uri as never), undefined, 'nothing of version 1 was kept');
      const a2 = (await cache.analyse(doc as never))!;
      assert.equal(a2.version, 2);
      assert.deepStrictEqual(a2.parsed, parseDocument(edited));
      assert.deepEqual(seen, [2], 'one change event, for version 2: version 1 never became current');
      // Another edit: version 2's analysis is served while version 3 is parsed.
      doc.setText(text);
      assert.equal(cache.get(doc as never), a2, "the previous version's analysis until the new one arrives");
      const a3: Analysis = (await cache.analyse(doc as never))!;
      assert.equal(a3.version, 3);
      assert.deepStrictEqual(a3.parsed, parseDocument(text));
      assert.deepEqual(seen, [2, 3]);
      assert.equal(cache.get(doc as never), a3);
    } finally {
      cache.dispose();
    }
  },
);

test('without a working parse worker a big document is still analysed (on the host)', { timeout: 60_000 }, async () => {
  const text = candidatesText(200);
  const logs: string[] = [];
  const cache = new AnalysisCache({ workerScript: join(storage, 'no-such-worker.js'), log: (m) => logs.push(m) });
  try {
    const doc = new LineIndexedDocument(Uri.file('/ws/no-worker.json'), 'json', 1, text);
    const a = (await cache.analyse(doc as never))!;
    assert.deepStrictEqual(a.parsed, parseDocument(text));
    assert.ok(a.cells.length > 50);
    assert.match(logs.join('\n'), /parse worker failed/);
  } finally {
    cache.dispose();
  }
});

test(
  'the bundled parse worker (dist/parseWorker.js as scripts/build.mjs builds it) gives the same analysis',
  { timeout: 60_000 },
  async () => {
    const bundled = join(storage, 'parseWorker.js');
    buildSync({
      entryPoints: [join(REPO, 'src/editor/parseWorker.ts')],
      outfile: bundled,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      mainFields: ['module', 'main'],
      logLevel: 'error',
    });
    const text = candidatesText(300);
    const cache = new AnalysisCache({ workerScript: bundled });
    try {
      const doc = new LineIndexedDocument(Uri.file('/ws/bundled.json'), 'json', 1, text);
      const a = (await cache.analyse(doc as never))!;
      assert.equal(cache.stats.offThread, 1);
      assert.equal(a.cells.length, 300);
      assert.deepStrictEqual(a.parsed, parseDocument(text));
    } finally {
      cache.dispose();
    }
  },
);
