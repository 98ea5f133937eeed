/**
 * Cell Lens — activation builds the parts and registers them; it owns every disposable.
 * Nothing heavy happens here: the benchmark index loads on first use, TensorFlow.js only ever runs in the
 * scoring child process.
 */
import * as vscode from 'vscode';
import { AnalysisCache, CELL_FILE_SELECTOR, type AnalysedCell } from './editor/analysis';
import { CommandDocuments } from './editor/commandDocument';
import type { Cell } from './recipe/types';
import { BenchmarkService } from './editor/benchmarkService';
import {
  CellCodeLensProvider,
  CellHoverProvider,
  DiagnosticsController,
  QuickFixProvider,
  toRange,
} from './editor/providers';
import { benchmarkRecordMarkdown, cellName } from './report/format';
import { modelParams } from './scoring/model/params';
import { toRecipe } from './recipe/model';
import { registerGraphView } from './webviews/graph/panel';
import { scoreCacheDir } from './scoring/cache';
import { ScoringService, workerLocation } from './editor/scoringService';
import { nodeScoreHover, registerScoring, scoreHover } from './editor/scoringCommands';
import { LiveScoring, type LiveScheduler } from './editor/liveScoring';
import { registerStudyCommands } from './webviews/study/panel';
import { scoreSettings } from './editor/config';
import { exampleCommands } from './editor/examples';
import { registerCommands, type Commands } from './editor/commands';
import { showLossChart } from './webviews/lossCurves/panel';
import { registerCompare } from './webviews/compare/panel';
import { registerCellsTable } from './webviews/table/panel';
import { registerSuggestEdits } from './editor/suggestEdits';

export interface CellLensApi {
  /** For tests: the analysis of a document. */
  readonly cache: AnalysisCache;
  readonly benchmark: BenchmarkService;
  readonly scoring: ScoringService;
  /** Live scoring of edited cells (cellLens.scoring.live). */
  readonly live: LiveScoring;
  /** Milliseconds activate() took. */
  readonly activationMs: number;
}

/** What tests change in the activation (VS Code passes the context only). */
export interface ActivateOptions {
  /** When live scoring's pause in typing is over (default: a timer of LIVE_DELAY_MS). */
  readonly liveScheduler?: LiveScheduler;
}

export function activate(context: vscode.ExtensionContext, options: ActivateOptions = {}): CellLensApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Cell Lens', { log: true });
  const status = vscode.window.createStatusBarItem('cellLens.benchmark', vscode.StatusBarAlignment.Right, 100);
  // Big documents are parsed on a worker thread (stopped with the cache).
  const cache = new AnalysisCache({ log: (m) => log.warn(m) });
  // The document a command run without one acts on (also when the walkthrough or a panel has the focus).
  const documents = new CommandDocuments(cache);
  const { documentFor } = documents;
  const benchmark = new BenchmarkService(log, status);
  const diagnostics = new DiagnosticsController(cache, log);
  const lenses = new CellCodeLensProvider(cache, benchmark);
  // Scoring: the child process starts on the first request; reports are cached under global storage.
  const storage = (context as Partial<vscode.ExtensionContext>).globalStorageUri?.fsPath;
  const cacheDir = storage ? scoreCacheDir(storage) : undefined;
  const scoring = new ScoringService({
    ...workerLocation(context.extensionPath ?? __dirname + '/..'),
    ...(cacheDir ? { cacheDir } : {}),
    log,
  });
  const updateStatusVisibility = () => {
    const doc = vscode.window.activeTextEditor?.document;
    const isCell = !!doc && cache.isCellDocument(doc);
    if (isCell) {
      status.show();
      benchmark.peek();
    } else status.hide();
    scoring.setVisible(isCell);
    // Menus and title buttons are gated on this key: they never show on settings.json or other JSON files.
    void vscode.commands.executeCommand('setContext', 'cellLens.isCellFile', isCell);
  };

  // "Show graph" lens of every cell, after its numbers and `▸ more`.
  lenses.addContributor((doc, c, range) => [
    {
      slot: 'graph',
      lens: new vscode.CodeLens(range, {
        title: '$(type-hierarchy) graph',
        command: 'cellLens.showGraph',
        arguments: [doc.uri],
        tooltip: 'Show the cell graph beside the editor',
      }),
    },
  ]);

  /** The benchmark lens's command: a known cell's loss curves, otherwise the benchmark hover at the cell. */
  const showBenchmarkRecord = async (uri?: vscode.Uri, cellIndex?: number): Promise<void> => {
    const doc = await documentFor(uri);
    if (!doc) return;
    const a = await cache.analyse(doc);
    const cell = a?.cells[cellIndex ?? 0] ?? a?.cells[0];
    if (!cell) {
      void vscode.window.showWarningMessage('Cell Lens: this file holds no NAS-Bench-NLP cell.');
      return;
    }
    if (!cell.valid) {
      void vscode.window.showWarningMessage(`Cell Lens: ${cell.cell.label} has errors; fix them to look it up.`);
      return;
    }
    const index = await benchmark.get();
    const matches = index.lookup(cell.hash);
    const name = cellName(cell.cell, cell.hash, matches);
    // A known cell: its loss curves over epochs, every run (the hover already has the numbers).
    const withCurves = matches.find((m) => m.entry.runs.some((r) => r.testLosses.length > 0));
    if (withCurves) {
      showLossChart(
        context.extensionUri ?? vscode.Uri.file(context.extensionPath ?? __dirname + '/..'),
        withCurves.entry,
        name,
      );
      return;
    }
    const md = benchmarkRecordMarkdown(
      matches,
      { hash: cell.hash, recipe: cell.recipe, ...(cell.cell.log ? { log: cell.cell.log } : {}) },
      index.datasets()[0],
    );
    log.debug(`${name} (${cell.hash}):\n${md}`);
    const ed = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    if (ed) {
      ed.selection = new vscode.Selection(toRange(doc, cell.cell.anchor).start, toRange(doc, cell.cell.anchor).start);
      await vscode.commands.executeCommand('editor.action.showHover');
    } else {
      log.show(true);
    }
  };

  /**
   * A cell under its one name (known name, benchmark recipe id, or position). Naming needs the canonical hash; a
   * cell not hashed yet keeps its position label rather than being hashed here (a 5,000-cell file would block the
   * host: hashing is done in slices by the commands that need it).
   */
  const namedCell = (c: AnalysedCell): Cell => {
    if (!c.valid || !c.hashed) return c.cell;
    return { ...c.cell, label: cellName(c.cell, c.hash, benchmark.lookup(c.hash)) };
  };
  const graph = registerGraphView(context, {
    // Each cell under its one name (the side panel's title): LSTM, recepie 1001636, cell 4.
    getCells: (doc) => cache.get(doc)?.cells.map(namedCell) ?? [],
    documentFor,
    analyse: async (doc) => (await cache.analyse(doc))?.cells.map(namedCell) ?? [],
    log,
    getScores: (hash) => scoring.peek(hash)?.report,
    onDidChangeScores: scoring.onDidChangeReports,
    getBenchmark: (cell, hash) => {
      const m = benchmark.lookup(hash)?.[0];
      if (!m) return undefined;
      const e = m.entry;
      return {
        dataset: m.dataset,
        testLoss: e.meanTest,
        valLoss: e.meanVal,
        epochs: e.runs[0]?.epochs,
        numParams: modelParams(toRecipe(cell), m.dataset).count,
        status: e.diverged ? e.runs[0]?.status : 'OK',
        recepieId: e.recepieIds[0],
      };
    },
  });
  // The editor's providers, registered right after the graph view (hosts ask providers in registration order).
  const providers = [
    vscode.languages.registerCodeActionsProvider(CELL_FILE_SELECTOR, new QuickFixProvider(cache), {
      providedCodeActionKinds: QuickFixProvider.kinds,
    }),
    vscode.languages.registerCodeLensProvider(CELL_FILE_SELECTOR, lenses),
    vscode.languages.registerHoverProvider(
      CELL_FILE_SELECTOR,
      new CellHoverProvider(
        cache,
        benchmark,
        [(doc, c) => scoreHover(scoring, doc, c)],
        [(c, node) => nodeScoreHover(scoring, c, node)],
      ),
    ),
  ];
  const scoringParts = registerScoring({ cache, documentFor, service: scoring, benchmark, lenses, log });
  // An edited cell is re-scored at the proxy preset after a pause in typing (cellLens.scoring.live).
  const live = new LiveScoring({ cache, service: scoring, log, scheduler: options.liveScheduler });
  const compare = registerCompare(context, {
    analyse: (doc) => cache.get(doc)?.cells,
    documentFor,
    lookup: (hash) => benchmark.lookup(hash),
    onDidChangeBenchmark: benchmark.onDidChange,
    peekScores: (a, b) => {
      const [ca, cb] = scoring.peekPair(a, b);
      return [ca?.report, cb?.report];
    },
    onDidChangeScores: scoring.onDidChangeReports,
    addLens: (c) => lenses.addContributor(c),
    log,
  });
  const table = registerCellsTable(context, { cache, documentFor, benchmark, scoring, log });
  const suggest = registerSuggestEdits({ cache, documentFor, service: scoring, lenses, log, compare: compare.open });
  const study = registerStudyCommands(context, {
    getBenchmark: () => benchmark.get(),
    score: (recipe, settings, token, label) => scoring.scoreQuiet(recipe, settings, token, label),
    analyse: (records, options, token) => scoring.study(records, options, token),
    scoreSettings,
    log,
    ...(cacheDir ? { cacheDir } : {}),
    openCells: () => {
      const doc = documents.active();
      const a = doc && cache.isCellDocument(doc) ? cache.get(doc) : undefined;
      const base = doc ? doc.uri.path.slice(doc.uri.path.lastIndexOf('/') + 1) : '';
      return (a?.cells ?? [])
        .filter((c) => c.valid)
        .map((c) => ({ label: `${c.cell.label}${base ? ` (${base})` : ''}`, hash: c.hash, recipe: c.recipe }));
    },
  });

  // THE command table: every contributed command, id → handler (src/editor/commands.ts registers it).
  const commands: Commands = {
    ...graph.commands,
    ...scoringParts.commands,
    ...compare.commands,
    ...table.commands,
    ...suggest.commands,
    ...study.commands,
    ...exampleCommands(context.extensionPath ?? __dirname + '/..', log),
    'cellLens.analyseFile': () => {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) return;
      cache.force(doc.uri);
      diagnostics.update(doc);
      updateStatusVisibility();
    },
    'cellLens.reloadBenchmark': () => benchmark.reload(),
    'cellLens.showLog': () => log.show(),
    'cellLens.showBenchmarkInfo': async () => {
      const index = await benchmark.get();
      const lines = index.datasets().map((d) => `${d}: ${index.entries(d).length} cells`);
      void vscode.window
        .showInformationMessage(
          `Cell Lens benchmark — ${lines.join('; ') || 'no datasets loaded'}. Add your own logs with the setting cellLens.benchmark.logPaths.`,
          'Open Settings',
        )
        .then((c) => {
          if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'cellLens.benchmark');
        });
    },
    'cellLens.showBenchmarkRecord': (uri?: vscode.Uri, cellIndex?: number) => showBenchmarkRecord(uri, cellIndex),
  };

  context.subscriptions.push(
    log,
    status,
    benchmark,
    diagnostics,
    cache,
    documents,
    lenses,
    ...graph.disposables,
    ...providers,
    ...scoringParts.disposables,
    live,
    ...compare.disposables,
    ...table.disposables,
    ...suggest.disposables,
    ...study.disposables,
    ...registerCommands(commands),
    vscode.window.onDidChangeActiveTextEditor(updateStatusVisibility),
    diagnostics.onDidAnalyse(() => lenses.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cellLens.benchmark')) benchmark.reload();
      else if (e.affectsConfiguration('cellLens.calibrations')) void benchmark.recalibrate();
      if (e.affectsConfiguration('cellLens')) lenses.refresh();
    }),
  );
  updateStatusVisibility();
  const activationMs = performance.now() - t0;
  log.info(`Cell Lens activated in ${activationMs.toFixed(1)} ms`);
  return { cache, benchmark, scoring, live, activationMs };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
