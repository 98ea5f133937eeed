/**
 * Extension-host responsiveness (issue 15, defect 5): the longest synchronous block on the host's thread, before
 * (the old direct computation) and after (the work in the scoring process, or in slices that yield), for
 * - the study's statistics on the 260 WikiText-2 cells (losses of the bundled index; seeded synthetic scores:
 *   the values do not change the cost of the bootstrap and the cross-validation);
 * - the same statistics through the extension's command, Correlate Scores with Benchmark (every cell's scores
 *   in the score cache: only the statistics are computed);
 * - a 2,000-cell candidates file (942 distinct cells of the search space, drawn again to 2,000): hashing every cell
 *   (Score All, the score warm-up), a re-hash after an edit, the parse itself (one block wherever it runs), and the
 *   editor on that file through the extension (`editor`): open, the first lens call, an edit, a lens refresh during
 *   a batch, and the command Score All Cells in This File on another such file (its cells not hashed yet, up to the
 *   long-batch question). `--label before` records a run of older code beside the current one (`after`);
 * - the cells table of a 5,000-cell file (5,000 random cells of the search space, none hashed yet; `table5000`):
 *   the command Show Cells Table through the extension, up to the first rows posted and up to the last, the longest
 *   block of the host meanwhile; then in headless Chromium (the table page of that checkout, dist/table.js) the
 *   messages the host posted, replayed: the first rows drawn, the rows in the page, and a click on a column header
 *   (sort and redraw, layout included); `sortRows` alone in Node. `--only table` runs just this part (in a process
 *   of its own: the full run starts one), keeping the rest of host.json; with `--label before` in a checkout of older
 *   code (its src and webview, this bench), the two runs sit side by side.
 * Measure: a 5 ms timer notes the wall time (`maxGapMs`) and this process's CPU time (`maxCpuMs`) between two of
 * its ticks (testkit/event-loop.ts). Run: `npx tsx bench/host.ts` (uses dist/worker.js when built, else the
 * worker from source); writes bench/results/host.json. Goal: no block above ~50 ms.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureBlocking, sleep } from '../testkit/event-loop';
import { candidateCells, rng } from '../testkit/data';
import { chromiumMissing, launch } from '../testkit/graph-browser';
import { randomCell } from '../src/search/space';
import { sortRows } from '../src/table/view';
import type { TableRow } from '../src/table/protocol';
import { ScoringClient } from '../src/process/client';
import { loadBenchmarkIndex } from '../src/benchmark/load';
import { cellsFromIndex } from '../src/study/runner';
import { runStudy, type StudyRecord } from '../src/study/study';
import { SCORE_IDS, SCORES, type ScoreId, type ScoreSettings } from '../src/scoring/types';
import { SIZE_PRESETS } from '../src/scoring/presets';
import { canonicalHash } from '../src/recipe/canonical';
import { analyseText, hashCells } from '../src/editor/analysis';
import { installFakeVscode, Position, Range, Uri } from '../testkit/fake-vscode';
import { LineIndexedDocument } from '../testkit/line-index-document';
import { ScoreCache } from '../src/scoring/cache';
import type { ScoreReport } from '../src/scoring/types';

const root = join(__dirname, '..');
const round = (x: number) => Math.round(x);
const row = (b: { maxGapMs: number; maxCpuMs: number; wallMs: number }) => ({
  maxGapMs: round(b.maxGapMs),
  maxCpuMs: round(b.maxCpuMs),
  wallMs: round(b.wallMs),
});

/**
 * The editor on the 2,000-cell file, through the extension on the fake VS Code host (a document with VS Code's
 * line index, so positionAt costs what it costs there): open (diagnostics published for the document), the first
 * CodeLens call, an edit (the diagnostics of the new version published after the typing pause), the lenses after
 * it, and a lens refresh during a batch (all cells hashed, 500 of them with a report in memory, the settings' size).
 * Then two commands: Score All on `scoreAllText` (cells not hashed yet) and Correlate Scores with Benchmark on the
 * study's `records` (their scores put in the score cache first).
 */
async function editorBench(text: string, edited: string, scoreAllText: string, records: readonly StudyRecord[]) {
  const host = installFakeVscode();
  const storage = mkdtempSync(join(tmpdir(), 'cell-lens-bench-host-'));
  const ext = require('../src/extension') as typeof import('../src/extension');
  const subscriptions: { dispose(): void }[] = [];
  const api = ext.activate({
    subscriptions,
    extensionPath: root,
    extensionUri: Uri.file(root),
    globalStorageUri: { fsPath: storage },
  } as never);
  const cache = api.cache as typeof api.cache & { analyse?: (d: unknown) => Promise<unknown> };
  try {
    const doc = new LineIndexedDocument(Uri.file('/ws/candidates.json'), 'json', 1, text);
    const key = doc.uri.toString();
    const lenses = host.codeLensProviders[0] as unknown as { provideCodeLenses(d: unknown, t?: unknown): unknown };
    const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
    const countLenses = async () => {
      const l = (await lenses.provideCodeLenses(doc, token)) as { command?: unknown }[];
      return { lenses: l.length, resolved: l.filter((x) => x.command).length };
    };
    // Open: the diagnostics of version 1 published.
    const open = await measureBlocking(async () => {
      host.open(doc);
      if (cache.analyse) await cache.analyse(doc);
      await host.when(() => host.diagnostics.has(key));
    });
    // The editor shows the top of the file (VS Code asks for the lenses of the whole document, shows those in view).
    host.activeEditor = { document: doc, visibleRanges: [new Range(new Position(0, 0), new Position(60, 0))] } as never;
    const lensFirst = await measureBlocking(countLenses);
    await sleep(100);
    // An edit, then the typing pause: the diagnostics of version 2 published.
    const shown = host.diagnostics.get(key);
    const edit = await measureBlocking(async () => {
      host.change(doc, edited);
      await host.when(
        () => host.diagnostics.get(key) !== shown && cache.peek(doc.uri as never)?.version === doc.version,
      );
    });
    const lensAfterEdit = await measureBlocking(countLenses);
    // A batch: every cell hashed, reports of 500 cells in memory (what the lenses of a running batch show).
    const a = api.cache.peek(doc.uri as never)!;
    const hashes = [...new Set(await hashCells(a.cells.filter((c) => c.valid)))];
    const settings = api.scoring.settings();
    const scores = new ScoreCache({ dir: join(storage, 'scores') });
    const g = rng(7);
    for (const hash of hashes.slice(0, 500)) {
      const report: ScoreReport = {
        hash,
        settings,
        backend: 'cpu',
        totalMs: 1,
        results: settings.scores.map((id) => {
          const v = g();
          return { id, value: v, std: 0, values: [v], seed: 0, repeats: 1, wallMs: 0, backend: 'cpu' as const };
        }),
      };
      await scores.put(report);
    }
    await api.scoring.warm(hashes.slice(0, 500));
    await sleep(50);
    const lensRefresh = await measureBlocking(countLenses);
    const lensRefreshAgain = await measureBlocking(countLenses);

    // Score All on another 2,000-cell file, its cells hashed by the command (full size: the fake host dismisses
    // the long-batch question, so nothing is scored).
    const other = new LineIndexedDocument(Uri.file('/ws/candidates-2.json'), 'json', 1, scoreAllText);
    host.open(other);
    if (cache.analyse) await cache.analyse(other);
    host.config['scoring.preset'] = 'nas-bench-nlp';
    const scoreAll = await measureBlocking(() => host.commands.get('cellLens.scoreFile')!(other.uri));
    delete host.config['scoring.preset'];

    // Correlate Scores with Benchmark at the proxy sizes, every cell's scores in the score cache.
    const proxy: ScoreSettings = {
      ...SIZE_PRESETS.proxy,
      seed: 0,
      repeats: 1,
      backend: 'auto',
      scores: [...SCORE_IDS],
    };
    for (const rec of records) {
      await scores.put({
        hash: rec.hash,
        settings: proxy,
        backend: 'cpu',
        totalMs: 1,
        results: SCORE_IDS.map((id) => {
          const v = rec.scores[id] ?? NaN;
          return { id, value: v, std: 0, values: [v], seed: 0, repeats: 1, wallMs: 0, backend: 'cpu' as const };
        }),
      });
    }

    const window = (require('vscode') as { window: Record<string, unknown> }).window;
    window.showQuickPick = (items: { label: string }[]) =>
      Promise.resolve(items.find((i) => i.label === 'Proxy sizes'));
    window.showOpenDialog = () => Promise.resolve(undefined);
    const correlate = await measureBlocking(() => host.commands.get('cellLens.correlateScores')!());
    const studied = host.logs.filter((l) => /study:/.test(l)).at(-1);
    return {
      correlate: {
        what: `Correlate Scores with Benchmark (the command; statistics in the scoring process): ${studied ?? 'no study log'}`,
        ...row(correlate),
      },
      open: { what: 'open the document: analysed and its diagnostics published', ...row(open) },
      lensFirst: { what: 'CodeLens provider, first call after open', ...row(lensFirst), ...lensFirst.value },
      edit: {
        what: 'an edit of one cell, then the typing pause: the new version analysed and its diagnostics published',
        ...row(edit),
      },
      lensAfterEdit: { what: 'CodeLens provider after the edit', ...row(lensAfterEdit), ...lensAfterEdit.value },
      lensRefreshBatch: {
        what: 'CodeLens provider during a batch (every cell hashed, 500 reports in memory)',
        ...row(lensRefresh),
        ...lensRefresh.value,
      },
      lensRefreshBatchAgain: {
        what: 'the same, the next refresh',
        ...row(lensRefreshAgain),
        ...lensRefreshAgain.value,
      },
      scoreAll: {
        what: 'Score All Cells in This File on another 2,000-cell file (cells not hashed yet), up to the long-batch question',
        ...row(scoreAll),
      },
    };
  } finally {
    for (const s of subscriptions) s.dispose();
    rmSync(storage, { recursive: true, force: true });
  }
}

/**
 * The cells table of a 5,000-cell file, through the extension on the fake VS Code host (issue "What a new user
 * met", item 1), then the page in headless Chromium fed the messages the host posted. Times in ms.
 */
async function tableBench() {
  const host = installFakeVscode();
  const storage = mkdtempSync(join(tmpdir(), 'cell-lens-bench-table-'));

  const ext = require('../src/extension') as typeof import('../src/extension');
  const subscriptions: { dispose(): void }[] = [];
  const api = ext.activate({
    subscriptions,
    extensionPath: root,
    extensionUri: Uri.file(root),
    globalStorageUri: { fsPath: storage },
  } as never);
  try {
    const r = rng(5000);
    const text = JSON.stringify(
      Array.from({ length: 5000 }, () => randomCell(r)),
      null,
      2,
    );
    const doc = new LineIndexedDocument(Uri.file('/ws/cells-5000.json'), 'json', 1, text);
    host.open(doc);
    await (api.cache as { analyse(d: unknown): Promise<unknown> }).analyse(doc);
    await api.benchmark.get();
    type Posted = { type: string; rows?: TableRow[]; total?: number; note?: string };
    let t0 = 0,
      firstRowsMs = NaN;
    const open = await measureBlocking(async () => {
      t0 = performance.now();
      await host.commands.get('cellLens.showCellsTable')!(doc.uri);
      const panel = host.panels.find((p) => p.viewType === 'cellLens.cellsTable')!;
      panel.receive({ type: 'ready' });
      const table = () => panel.webview.posted as Posted[];
      await host.when(() => table().some((m) => m.type === 'render'));
      firstRowsMs = performance.now() - t0;
      await host.when(() => table().reduce((n, m) => n + (m.rows?.length ?? 0), 0) >= 5000);
      return table().filter((m) => m.rows);
    });
    const messages = open.value;
    const rows = messages.flatMap((m) => m.rows ?? []);
    const sortMs = (column: string) => {
      const t = performance.now();
      sortRows(rows, { column, dir: 'desc' });
      return performance.now() - t;
    };
    return {
      what: 'Show Cells Table on a 5,000-cell file (none hashed yet): the host; the page in headless Chromium',
      cells: 5000,
      chars: text.length,
      hostFirstRowsMs: round(firstRowsMs),
      hostAllRowsMs: round(open.wallMs),
      maxGapMs: round(open.maxGapMs),
      maxCpuMs: round(open.maxCpuMs),
      messages: messages.length,
      largestMessageRows: Math.max(...messages.map((m) => m.rows!.length)),
      sortRowsNodeMs: {
        nodes: round(sortMs('nodes')),
        cell: round(sortMs('cell')),
        testLoss: round(sortMs('testLoss')),
      },
      page: await tablePage(messages),
    };
  } finally {
    for (const s of subscriptions) s.dispose();
    rmSync(storage, { recursive: true, force: true });
  }
}

/** The table page of this checkout (webview/table.ts, built) fed `messages`: first rows drawn, rows in the DOM, sort. */
async function tablePage(messages: readonly unknown[]) {
  const missing = chromiumMissing();
  if (missing) return { skipped: missing };
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'cell-lens-bench-page-'));
  const browser = await launch();
  try {
    await esbuild.build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      logLevel: 'warning',
      entryPoints: [join(root, 'webview/table.ts')],
      outfile: join(dir, 'table.js'),
    });
    // The webview API stubbed (what the page posts is kept), the table's stylesheet, the bundle.
    writeFileSync(
      join(dir, 'page.html'),
      `<!DOCTYPE html><html><head><meta charset="UTF-8"><link rel="stylesheet" href="${pathToFileURL(join(root, 'media/table.css')).href}">
<script>window.__posted=[];window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState:()=>undefined,setState:()=>{}});</script>
</head><body class="vscode-dark"><div id="cell-lens-table"></div><script src="table.js"></script></body></html>`,
    );
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(pathToFileURL(join(dir, 'page.html')).href);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.length > 0);
    // Each message delivered as VS Code delivers it (a message event), timed with a forced layout after it.
    const deliver = (m: unknown) =>
      page.evaluate((x) => {
        const t = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: x }));
        void document.body.offsetHeight;
        return performance.now() - t;
      }, m as never);
    const first = await deliver(messages[0]);
    const firstRows = await page.locator('tbody tr').count();
    let restMs = 0;
    for (const m of messages.slice(1)) restMs += await deliver(m);
    const domRows = await page.locator('tbody tr').count();
    const sort = () =>
      page.evaluate(() => {
        const b = document.querySelector<HTMLButtonElement>('th[data-column="nodes"] button')!;
        const t = performance.now();
        b.click();
        void document.body.offsetHeight;
        return performance.now() - t;
      });
    const sortMs = [await sort(), await sort(), await sort()];
    return {
      firstMessageDrawMs: round(first),
      rowsAfterFirstMessage: firstRows,
      otherMessagesDrawMs: round(restMs),
      domRows,
      sortClickMs: sortMs.map(round),
    };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `--only table`: the table scenario alone, merged into host.json under its label. */
async function tableOnly(file: string, label: string): Promise<void> {
  const run = await tableBench();
  const old = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const table = (old.table5000 ?? {}) as Record<string, unknown>;
  const result = { ...old, table5000: { ...table, [label]: { date: new Date().toISOString(), ...run } } };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result.table5000, null, 2));
}

async function main(): Promise<void> {
  // `--label before` records a run of the code before a change beside the current one (`after`, the default).
  const label = process.argv.includes('--label') ? process.argv[process.argv.indexOf('--label') + 1] : 'after';
  const file = join(root, 'bench', 'results', 'host.json');
  if (process.argv.includes('--only')) return tableOnly(file, label);
  // The table first, in a process of its own (its own fake host and analysis cache); it writes its part of host.json.
  spawnSync(process.execPath, ['--import', 'tsx', __filename, '--only', 'table', '--label', label], {
    stdio: 'inherit',
  });

  // --- the study's statistics
  const { cells } = cellsFromIndex(await loadBenchmarkIndex(), { dataset: 'WikiText-2' });
  const r = rng(15);
  const records: StudyRecord[] = cells.map((c) => {
    const scores: Partial<Record<ScoreId, number>> = {};
    SCORE_IDS.forEach((id, k) => {
      scores[id] = c.diverged
        ? 10 * r()
        : (SCORES[id].better === 'lower' ? c.testLoss : -c.testLoss) + (1 + k / 4) * (r() - 0.5);
    });
    return { hash: c.hash, testLoss: c.testLoss, valLoss: c.valLoss, diverged: c.diverged, scores, label: c.label };
  });
  const options = { ensemble: true, seed: 0, scores: [...SCORE_IDS] };
  const bundled = join(root, 'dist', 'worker.js');
  const client = new ScoringClient(
    existsSync(bundled)
      ? { workerPath: bundled, backend: 'cpu' }
      : { workerPath: join(root, 'src', 'process', 'worker.ts'), execArgv: ['--import', 'tsx'], backend: 'cpu' },
  );
  const studyBefore = await measureBlocking(() => runStudy(records, options));
  const studyAfter = await measureBlocking(() => client.study(records, options)); // includes starting the process
  const studyAfterWarm = await measureBlocking(() => client.study(records, options));
  client.dispose();

  // --- a 2,000-cell candidates file
  const recipes = candidateCells();
  const text = JSON.stringify(recipes, null, 2);
  const parse = await measureBlocking(() => analyseText('file:///candidates.json', 1, text));
  const hashBefore = await measureBlocking(() => parse.value.cells.map((c) => canonicalHash(c.recipe)));
  const hashAfter = await measureBlocking(() => hashCells(parse.value.cells));
  // An edit: one cell changes, the document is analysed again (new version); only that cell is hashed again.
  const edited = text.replace('"activation_tanh"', '"activation_sigm"');
  const reparse = analyseText('file:///candidates.json', 2, edited);
  const rehash = await measureBlocking(() => hashCells(reparse.cells));
  const { correlate, ...editor } = await editorBench(
    text,
    edited,
    JSON.stringify(candidateCells(2000, 943), null, 2),
    records,
  );
  const saved = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as {
        candidates2000?: { editor?: Record<string, unknown> };
        table5000?: Record<string, unknown>;
      })
    : {};
  const previous = saved.candidates2000?.editor ?? {};

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    note: 'maxGapMs: longest wall time between two ticks of a 5 ms timer on the host thread (grown by a busy machine: this one has 2 cores shared by several jobs); maxCpuMs: the most CPU the main thread spent between two ticks (the longest synchronous stretch, hardly changed by other load; worker threads not counted). Goal: under ~50 ms. The parse of a big document (recipe/parse, parseValidate) runs on a worker thread (editor/parseThread) and comes back in slices; the CodeLens provider builds in full only the cells in view and gives the others placeholders that resolveCodeLens fills in.',
    study: {
      cells: records.length,
      trained: records.filter((x) => !x.diverged).length,
      scores: SCORE_IDS.length,
      bootstrapSamples: 1000,
      before: { what: 'runStudy on the host', ...row(studyBefore) },
      after: { what: 'ScoringClient.study (the scoring process), first call (starts the process)', ...row(studyAfter) },
      afterWarm: { what: 'ScoringClient.study, process running', ...row(studyAfterWarm) },
      correlateCommand: correlate,
    },
    candidates2000: {
      cells: recipes.length,
      distinctRecipes: new Set(recipes.map((c) => canonicalHash(c))).size,
      chars: text.length,
      parseValidate: {
        what: 'analyseText: the parse in one block (what the parse worker now does; the host parses only documents under 100 kB)',
        ...row(parse),
      },
      hashBefore: { what: 'every canonical hash at once (the old lazy getters read in one loop)', ...row(hashBefore) },
      hashAfter: { what: 'hashCells: slices of 15 ms that yield', ...row(hashAfter) },
      rehashAfterEdit: { what: 'hashCells after an edit of one cell (hashes remembered by recipe)', ...row(rehash) },
      editor: { ...previous, [label]: { date: new Date().toISOString(), ...editor } },
    },
    table5000: saved.table5000 ?? {},
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}
void main().then(() => process.exit(0));
