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
 *   long-batch question). `--label before` records a run of older code beside the current one (`after`).
 * Measure: a 5 ms timer notes the wall time (`maxGapMs`) and this process's CPU time (`maxCpuMs`) between two of
 * its ticks (testkit/event-loop.ts). Run: `npx tsx bench/host.ts` (uses dist/worker.js when built, else the
 * worker from source); writes bench/results/host.json. Goal: no block above ~50 ms.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureBlocking, sleep } from '../testkit/event-loop';
import { candidateCells, rng } from '../testkit/data';
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

async function main(): Promise<void> {
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
  // `--label before` records a run of the code before a change beside the current one (`after`, the default).
  const label = process.argv.includes('--label') ? process.argv[process.argv.indexOf('--label') + 1] : 'after';
  const file = join(root, 'bench', 'results', 'host.json');
  const previous = existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { candidates2000?: { editor?: Record<string, unknown> } })
        .candidates2000?.editor ?? {})
    : {};

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
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}
void main().then(() => process.exit(0));
