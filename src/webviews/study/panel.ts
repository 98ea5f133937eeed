/**
 * Editor glue of the study: the command `cellLens.correlateScores` ("Correlate Scores with Benchmark") and the
 * "Score Correlations" webview panel (webview/plots.ts, protocol src/study/protocol.ts); it also registers the
 * search command of src/webviews/study/search.ts. The work itself is pure code in src/study/ (runner, plots); this
 * file asks the questions, shows progress, and writes / opens the results. The study's statistics (seconds of
 * bootstrap and cross-validation) run in the scoring process (`deps.analyse`), never on the extension host.
 */
import * as vscode from 'vscode';
import type { Commands } from '../../editor/commands';
import { WebviewHost, openPanel, type PanelSpec } from '../host';
import { STUDY_PAGE } from '../html';
import type { BenchmarkIndex } from '../../benchmark/index';
import type { Recipe } from '../../recipe/types';
import { recipeToJson } from '../../recipe/model';
import { ScoreCache, scoreCacheDir } from '../../scoring/cache';
import { ScoringError } from '../../process/client';
import { SCORE_IDS, SCORES, type ScoreId, type ScoreReport, type ScoreSettings } from '../../scoring/types';
import {
  cellsFromIndex,
  runBenchmarkStudy,
  studyProgressText,
  studyResultsFile,
  type BenchmarkStudy,
} from '../../study/runner';
import { studyToCsv, studyToMarkdown, type StudyOptions, type StudyRecord } from '../../study/study';
import { DARK_COLOURS, LIGHT_COLOURS, plotFileName, plotsFromStudy, scatterSvg } from '../../study/plots';
import { calibrationFor, predictorSummaryFor } from '../../study/calibration';
import { activeCalibration } from '../../report/verdict';
import type { ScatterSpec } from '../../study/scatter';
import {
  STUDY_VIEW_TYPE,
  isFromStudyWebview,
  studyMessage,
  type ExportSvgMessage,
  type FromStudyWebview,
  type OpenCellMessage,
  type PredictorSummary,
  type StudyMessage,
  type ToStudyWebview,
} from '../../study/protocol';
import { searchCells } from './search';
import { editorScorer, openJson, pickSizes, sizesText, type StudyDeps } from './deps';

/** Cells of the panel, for "open recipe". */
interface PanelData {
  readonly message: StudyMessage;
  readonly specs: readonly ScatterSpec[];
  readonly cells: ReadonlyMap<string, { recipe: Recipe; label: string }>;
  /** Folder the report went to (default for exports). */
  readonly reportDir?: vscode.Uri;
}

/** The study panel's page and protocol: on `ready` (again after the page was hidden) it gets the study afresh. */
const STUDY_PANEL: PanelSpec<ToStudyWebview, FromStudyWebview> = {
  viewType: STUDY_VIEW_TYPE,
  page: STUDY_PAGE,
  label: 'study panel',
  pageLabel: 'study webview',
  isFromWebview: isFromStudyWebview,
  resentOnReady: ['study'],
};

/** The single "Score Correlations" panel. */
class StudyPanel implements vscode.Disposable {
  private static current: StudyPanel | undefined;
  private readonly host: WebviewHost<ToStudyWebview, FromStudyWebview>;

  static show(context: vscode.ExtensionContext, deps: StudyDeps, data: PanelData): StudyPanel {
    if (StudyPanel.current) {
      StudyPanel.current.data = data;
      StudyPanel.current.panel.reveal(undefined, false);
      StudyPanel.current.send();
      return StudyPanel.current;
    }
    const panel = openPanel(STUDY_PANEL, context.extensionUri, 'Score Correlations', {
      viewColumn: vscode.ViewColumn.Active,
      preserveFocus: false,
    });
    StudyPanel.current = new StudyPanel(panel, context, deps, data);
    return StudyPanel.current;
  }

  static disposeCurrent(): void {
    StudyPanel.current?.dispose();
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly deps: StudyDeps,
    private data: PanelData,
  ) {
    this.host = new WebviewHost(
      panel,
      STUDY_PANEL,
      { extensionUri: context.extensionUri, log: deps.log },
      {
        onReady: () => this.send(),
        onMessage: (m) => this.handle(m),
        onDispose: () => {
          if (StudyPanel.current === this) StudyPanel.current = undefined;
        },
      },
    );
  }

  private send(): void {
    this.host.post(this.data.message);
  }

  private async handle(m: OpenCellMessage | ExportSvgMessage): Promise<void> {
    switch (m.type) {
      case 'openCell': {
        const c = this.data.cells.get(m.hash);
        if (!c) {
          this.deps.log.warn(`study panel: no cell ${m.hash}`);
          return;
        }
        await openJson(recipeToJson(c.recipe, 2) + '\n');
        return;
      }
      case 'exportSvg': {
        const found = this.data.specs.find((s) => s.scoreId === m.id);
        if (!found) return;
        const spec: ScatterSpec = { ...found, xScale: m.xScale ?? 'auto' }; // the axis the panel shows
        const base = this.data.reportDir ?? vscode.workspace.workspaceFolders?.[0]?.uri;
        const target = await vscode.window.showSaveDialog({
          defaultUri: base ? vscode.Uri.joinPath(base, plotFileName(m.id)) : undefined,
          filters: { 'SVG image': ['svg'] },
          title: `Export the ${SCORES[m.id].label} plot as SVG`,
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(
          target,
          new TextEncoder().encode(scatterSvg(spec, m.theme === 'light' ? LIGHT_COLOURS : DARK_COLOURS)),
        );
        this.deps.log.info(`study panel: exported ${target.toString()}`);
        return;
      }
    }
  }

  dispose(): void {
    this.host.dispose();
  }
}

/** Asks for a dataset of the index (no question when there is one). */
async function pickDataset(index: BenchmarkIndex, what: string): Promise<string | undefined> {
  const datasets = index.datasets().filter((d) => index.entries(d).length > 0);
  if (datasets.length === 0) {
    void vscode.window.showWarningMessage(
      'Cell Lens: no benchmark cells are loaded (see cellLens.benchmark.logPaths and cellLens.benchmark.includeBundledWikitext-2).',
    );
    return undefined;
  }
  if (datasets.length === 1) return datasets[0];
  const pick = await vscode.window.showQuickPick(
    datasets.map((d) => ({ label: d, description: `${index.entries(d).length} cells` })),
    { title: `${what}: benchmark dataset` },
  );
  return pick?.label;
}

async function writeReport(
  dir: vscode.Uri,
  dataset: string,
  settings: ScoreSettings,
  presetName: string,
  result: BenchmarkStudy,
  specs: readonly ScatterSpec[],
): Promise<vscode.Uri> {
  const enc = new TextEncoder();
  await vscode.workspace.fs.createDirectory(dir);
  const plots: Partial<Record<ScoreId, string>> = {};
  for (const s of specs) {
    const name = plotFileName(s.scoreId);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, name), enc.encode(scatterSvg(s)));
    plots[s.scoreId] = name;
  }
  const intro = [
    `Dataset: **${dataset}**, ${result.run.outcomes.length} cells, scored in VS Code at the ${presetName} sizes (${sizesText(settings)}), seed ${settings.seed}, ${settings.repeats} repeat(s).`,
  ];
  const md = vscode.Uri.joinPath(dir, 'report.md');
  await vscode.workspace.fs.writeFile(
    md,
    enc.encode(studyToMarkdown(result.study!, { title: `Train-free scores vs ${dataset} losses`, intro, plots })),
  );
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'report.csv'), enc.encode(studyToCsv(result.study!)));
  const json = JSON.stringify(studyResultsFile(dataset, settings, result), (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v,
  );
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'results.json'), enc.encode(json + '\n'));
  return md;
}

/** The open file's cells with their reports at the study's settings (from the cache, else scored now; ≤ 20 cells). */
async function markOpenCells(
  deps: StudyDeps,
  settings: ScoreSettings,
  cacheDir: string,
): Promise<{ label: string; hash: string; report: ScoreReport }[]> {
  const cells = (deps.openCells?.() ?? []).slice(0, 20);
  if (!cells.length) return [];
  const cache = new ScoreCache({ dir: cacheDir });
  let label = '';
  const scorer = editorScorer(deps, () => label);
  const out: { label: string; hash: string; report: ScoreReport }[] = [];
  for (const c of cells) {
    label = `Study: open file's ${c.label}`;
    try {
      const report =
        (await cache.get(c.hash, settings)) ?? (await scorer(c.recipe, settings, new AbortController().signal, c.hash));
      await cache.put(report);
      out.push({ label: c.label, hash: c.hash, report });
    } catch (e) {
      deps.log.warn(`study: ${c.label} of the open file could not be scored for the plots: ${String(e)}`);
    }
  }
  return out;
}

/** `cellLens.correlateScores`. */
/**
 * The predictor line's summary: the cross-validation of the predictor the verdicts read — the user's calibration
 * active in the editor when the study is of its dataset (its file named relative to the workspace), else the bundled
 * WikiText-2 one — at the study's settings.
 */
function studyPredictor(settings: ScoreSettings, dataset: string): PredictorSummary | undefined {
  const p = predictorSummaryFor(settings, calibrationFor([dataset], [activeCalibration()]));
  return p?.calibration ? { ...p, calibration: vscode.workspace.asRelativePath(p.calibration) } : p;
}

async function correlateScores(context: vscode.ExtensionContext, deps: StudyDeps): Promise<void> {
  const what = 'Correlate Scores with Benchmark';
  const index = await deps.getBenchmark();
  const dataset = await pickDataset(index, what);
  if (!dataset) return;
  const sizes = await pickSizes(deps, what);
  if (!sizes) return;
  const { cells } = cellsFromIndex(index, { dataset });
  const user = deps.scoreSettings();
  const settings: ScoreSettings = { ...user, ...sizes.sizes, scores: [...SCORE_IDS] };
  const cacheDir = deps.cacheDir ?? scoreCacheDir(context.globalStorageUri.fsPath);
  deps.log.info(`study: ${cells.length} cells of ${dataset} at ${sizes.name} sizes, cache ${cacheDir}`);
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Cell Lens: scoring ${cells.length} ${dataset} cells`,
      cancellable: true,
    },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      const analyse = deps.analyse;
      try {
        let done = 0;
        const label = () => `Study: cell ${done + 1} of ${cells.length}`;
        return await runBenchmarkStudy(cells, editorScorer(deps, label), {
          settings,
          cacheDir,
          signal: controller.signal,
          onProgress: (p) => {
            done = p.done;
            progress.report({
              message: studyProgressText(p),
              increment: 100 / p.total,
            });
          },
          shouldStop: (e) => e instanceof ScoringError && (e.kind === 'start' || e.kind === 'disposed'),
          study: { seed: settings.seed, ensemble: true },
          // The statistics in the scoring process: the host stays responsive while they take seconds.
          ...(analyse
            ? {
                analyse: (records: StudyRecord[], options: StudyOptions) => {
                  progress.report({ message: `statistics of ${records.length} cells (bootstrap, ensemble)…` });
                  return analyse(records, options, token);
                },
              }
            : {}),
        });
      } catch (e) {
        if (token.isCancellationRequested && e instanceof ScoringError && e.kind === 'cancelled') return undefined;
        throw e;
      } finally {
        sub.dispose();
      }
    },
  );
  if (!result) {
    void vscode.window.showInformationMessage(
      'Cell Lens: study cancelled while computing the statistics. The scored cells are cached: run the command again to continue.',
    );
    return;
  }
  const { run } = result;
  deps.log.info(
    `study: ${run.outcomes.length}/${run.total} cells, ${run.scored} scored (${(run.scoringMs / 1000).toFixed(1)} s), ${run.cached} cached, ${run.failed} failed${run.aborted ? ', cancelled' : ''}`,
  );
  if (run.stopped !== undefined) {
    void vscode.window.showErrorMessage(`Cell Lens: the study stopped: ${run.stopped}`);
    return;
  }
  if (!result.study) return;
  // Your cells among the benchmark's: the open file's cells at their scores (scored now if needed, at most 20).
  const mine = await markOpenCells(deps, settings, cacheDir);
  const specs = plotsFromStudy(result.records, result.study, { dataset }).map((sp) => ({
    ...sp,
    marks: mine.map((c) => ({
      label: c.label,
      hash: c.hash,
      x: c.report.results.find((r) => r.id === sp.scoreId)?.value ?? NaN,
    })),
  }));
  const cellMap = new Map(run.outcomes.map((o) => [o.cell.hash, { recipe: o.cell.recipe, label: o.cell.label }]));
  const subtitle = `${dataset} · ${run.outcomes.length} of ${run.total} cells · ${sizes.name} sizes · seed ${settings.seed}`;
  const message = studyMessage(result.study, specs, {
    title: `Train-free scores vs ${dataset} test loss`,
    subtitle,
    dataset,
    complete: result.complete,
    predictor: studyPredictor(settings, dataset),
  });
  if (!result.complete) {
    const choice = await vscode.window.showInformationMessage(
      `Cell Lens: study cancelled after ${run.outcomes.length} of ${run.total} cells. The scored cells are cached: run the command again to continue.`,
      'Show Partial Results',
    );
    if (choice) StudyPanel.show(context, deps, { message, specs, cells: cellMap });
    return;
  }
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri;
  let dir = ws ? vscode.Uri.joinPath(ws, '.cell-lens', 'study') : undefined;
  if (!dir) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Save Report Here',
      title: 'Folder for the study report',
    });
    dir = picked?.[0];
  }
  StudyPanel.show(context, deps, { message, specs, cells: cellMap, reportDir: dir });
  if (!dir) return;
  const md = await writeReport(dir, dataset, settings, sizes.name, result, specs);
  const rel = vscode.workspace.asRelativePath(dir);
  const choice = await vscode.window.showInformationMessage(
    `Cell Lens: study report written to ${rel} (report.md, report.csv, ${specs.length} SVG plots, results.json).`,
    'Open Report',
    'Save Elsewhere…',
  );
  if (choice === 'Open Report') await vscode.commands.executeCommand('vscode.open', md);
  else if (choice === 'Save Elsewhere…') {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Save Report Here',
    });
    if (picked?.[0]) {
      await writeReport(picked[0], dataset, settings, sizes.name, result, specs);
      void vscode.window.showInformationMessage(
        `Cell Lens: study report written to ${vscode.workspace.asRelativePath(picked[0])}.`,
      );
    }
  }
}

/**
 * Registers `cellLens.correlateScores` and `cellLens.searchCells`. Returns the disposables (the caller adds them
 * to `context.subscriptions`).
 */
export function registerStudyCommands(
  context: vscode.ExtensionContext,
  deps: StudyDeps,
): { disposables: vscode.Disposable[]; commands: Commands } {
  const guard = (name: string, f: () => Promise<void>) => async (): Promise<void> => {
    try {
      await f();
    } catch (e) {
      deps.log.error(`${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      void vscode.window.showErrorMessage(`Cell Lens: ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const commands: Commands = {
    'cellLens.correlateScores': guard('Correlate Scores with Benchmark', () => correlateScores(context, deps)),
    'cellLens.searchCells': guard('Search Cells', () => searchCells(context, deps)), // src/webviews/study/search.ts
  };
  return { disposables: [new vscode.Disposable(() => StudyPanel.disposeCurrent())], commands };
}
