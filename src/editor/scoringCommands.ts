/**
 * The scoring commands and surfaces: "Score This Cell", "Score All Cells in This File", "Score Workspace Cells",
 * "Restart Scoring Process", "Clear Score Cache", the scoring actions menu (status bar), the score CodeLens and
 * the score part of the cell hover.
 */
import * as vscode from 'vscode';
import type { Commands } from './commands';
import type { DocumentFor } from './commandDocument';
import { walkthroughDone } from './examples';
import { AnalysisCache, analyseText, hashCells, looksLikeCellText, type AnalysedCell } from './analysis';
import { commandLink, type CellCodeLensProvider, type CellHoverPart, type CellLens } from './providers';
import { ScoringService, type ScoreTarget } from './scoringService';
import {
  nodeScoreMarkdown,
  notScoredMarkdown,
  predictionLensTitles,
  predictionText,
  predictionTooltip,
  notCurrentText,
  presetLabel,
  scoreAtCurrentTitle,
  scoreLensTitles,
  scoreLensTooltip,
  scoringHoverMarkdown,
  scoringLensTitle,
  settingsSummary,
  verdictHoverMarkdown,
} from '../report/scoreFormat';
import { cellReportMarkdown } from '../report/cellReport';
import { cellName } from '../report/format';
import type { BenchmarkService } from './benchmarkService';
import { cellVerdict } from '../report/verdict';
import { lensScores, readSetting, writeSetting, type WritableSettings } from './config';
import { BACKEND_CHOICES } from '../scoring/check';
import { MAX_DOCUMENT_CHARS } from '../recipe/parse';
import { PRESET_NAMES, SIZE_PRESETS, type PresetName } from '../scoring/presets';
import { perNodeFitsNames } from '../scoring/types';
import { PREDICTORS } from '../study/predictions';

/** Quick-pick titles of the settings the scoring menu changes. */
const SETTING_TITLES: Readonly<Record<string, string>> = {
  'scoring.preset': 'Model size for scoring',
  'scoring.backend': 'TensorFlow.js backend of the scoring process',
};

/** A line describing a choice of a scoring setting (sizes of a preset, what a backend needs). */
function describeChoice(key: string, v: string): string | undefined {
  if (key === 'scoring.preset') {
    if (v === 'custom') return 'the sizes in cellLens.scoring.customSizes';
    const p = SIZE_PRESETS[v as PresetName];
    return p
      ? `${v === 'proxy' ? 'fast stand-in' : "the benchmark's own model"}: vocab ${p.vocab}, embed ${p.embed}, hidden ${p.hidden}, ${p.layers} layers, T ${p.seqLen}, B ${p.batch} · percentiles and predicted loss${v === 'nas-bench-nlp' && !PREDICTORS['nas-bench-nlp'] ? ' (percentiles only)' : ''}`
      : undefined;
  }
  return undefined;
}

/** How many JSON files "Score Workspace Cells" looks at, at most. */
const MAX_WORKSPACE_FILES = 5000;

function baseName(uri: vscode.Uri): string {
  const p = uri.path;
  return p.slice(p.lastIndexOf('/') + 1) || uri.toString();
}

/** A cell of a document as the scoring service takes it (its label names the file). */
export function targetOf(uri: vscode.Uri, c: AnalysedCell): ScoreTarget {
  return { hash: c.hash, recipe: c.recipe, label: `${c.cell.label} (${baseName(uri)})` };
}

/**
 * The scoring lenses of a cell: its predicted loss and best score (slots `prediction` and `score`) and `▸ more`, the
 * full report; while it is scored, the progress; before, the `Score` action (none in an untrusted workspace). A
 * report at other settings than the current ones (ScoringService.peek) is labelled so on every title, with a lens that
 * scores at the current ones right after the score (its slot; behind `▸ more` when the line is too wide).
 */
export function scoreLenses(
  service: ScoringService,
  doc: vscode.TextDocument,
  c: AnalysedCell,
  range: vscode.Range,
): CellLens[] {
  if (!c.valid) return [];
  const args = [doc.uri, c.cell.index];
  const running = service.progressOf(c.hash);
  if (running)
    return [
      {
        slot: 'score',
        lens: new vscode.CodeLens(range, {
          title: scoringLensTitle(running.percent),
          command: 'cellLens.scoringActions',
          tooltip: 'Scoring this cell — cancel from the notification',
        }),
      },
    ];
  const choice = service.peek(c.hash);
  if (choice) {
    const { report } = choice;
    const otherThan = choice.current ? undefined : service.settings();
    const verdict = cellVerdict(report, c.recipe);
    const [score, ...shorterScore] = scoreLensTitles(verdict, lensScores(), otherThan);
    const lenses: CellLens[] = [
      {
        slot: 'score',
        lens: new vscode.CodeLens(range, {
          title: score,
          command: 'cellLens.showScores',
          arguments: args,
          tooltip: scoreLensTooltip(verdict, otherThan),
        }),
        shorter: shorterScore,
      },
      {
        slot: 'more',
        lens: new vscode.CodeLens(range, {
          title: '▸ more',
          command: 'cellLens.showScores',
          arguments: args,
          tooltip:
            'The full report: every score with its percentile, direction and meaning, the prediction, the benchmark record',
        }),
      },
    ];
    // The action that scores at the current settings: in the score slot, after the score (stable within a slot).
    if (otherThan && service.trusted)
      lenses.push({
        slot: 'score',
        lens: new vscode.CodeLens(range, {
          title: `$(beaker) ${scoreAtCurrentTitle(report.settings, otherThan)}`,
          command: 'cellLens.scoreCell',
          arguments: args,
          tooltip: `Compute the train-free scores of this cell at the current settings (${settingsSummary(otherThan)})`,
        }),
      });
    const pred = verdict.prediction;
    if (pred) {
      // At other settings: which preset it is from, as the CLI writes it (`… · top 20% (proxy)`).
      const [title, ...shorter] = predictionLensTitles(pred, otherThan ? presetLabel(report.settings) : undefined);
      lenses.push({
        slot: 'prediction',
        lens: new vscode.CodeLens(range, {
          title,
          command: 'cellLens.showScores',
          arguments: args,
          tooltip: predictionTooltip(pred),
        }),
        shorter,
      });
    }
    return lenses;
  }
  if (!service.trusted) return [];
  return [
    {
      slot: 'score',
      lens: new vscode.CodeLens(range, {
        title: '$(beaker) Score',
        command: 'cellLens.scoreCell',
        arguments: args,
        tooltip: `Compute the train-free scores of this cell (${settingsSummary(service.settings())})`,
      }),
    },
  ];
}

/** The score part of the hover on a cell: its short verdict and the link to the full report. */
export function scoreHover(
  service: ScoringService,
  doc: vscode.TextDocument,
  c: AnalysedCell,
): CellHoverPart | undefined {
  if (!c.valid) return undefined;
  const args = [doc.uri, c.cell.index];
  const choice = service.peek(c.hash);
  if (choice) {
    const { report } = choice;
    const otherThan = choice.current ? undefined : service.settings();
    const links = [commandLink('Full report', 'cellLens.showScores', args)];
    if (otherThan && service.trusted) {
      const title = scoreAtCurrentTitle(report.settings, otherThan);
      links.push(commandLink(title[0].toUpperCase() + title.slice(1), 'cellLens.scoreCell', args));
    }
    return { markdown: verdictHoverMarkdown(cellVerdict(report, c.recipe), lensScores(), otherThan), links };
  }
  const running = service.progressOf(c.hash);
  if (running) return { markdown: scoringHoverMarkdown(running.percent) };
  return {
    markdown: notScoredMarkdown(service.trusted),
    ...(service.trusted ? { links: [commandLink('Score this cell', 'cellLens.scoreCell', args)] } : {}),
  };
}

/** The per-node part of the hover on a node of a scored cell. */
export function nodeScoreHover(service: ScoringService, c: AnalysedCell, node: string): string | undefined {
  const report = service.peek(c.hash)?.report;
  if (!report) return undefined;
  if (!perNodeFitsNames(report, new Set(c.cell.nodes.map((n) => n.name)))) return undefined;
  return nodeScoreMarkdown(report, node);
}

interface Deps {
  readonly cache: AnalysisCache;
  /** The document a scoring command means (src/editor/commandDocument.ts). */
  readonly documentFor: DocumentFor;
  readonly service: ScoringService;
  readonly benchmark: BenchmarkService;
  readonly lenses: CellCodeLensProvider;
  readonly log: vscode.LogOutputChannel;
}

/** URI scheme of the cells' full reports: read-only Markdown documents that "Show Scores" previews. */
const REPORT_SCHEME = 'cell-lens-report';
/** Reports kept for their previews, at most (the oldest goes first). */
const MAX_REPORTS = 50;

/** The full reports shown, by URI path: the documents of the report scheme. */
class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /** The document of a report with this title, now holding `text`. */
  put(title: string, text: string): vscode.Uri {
    const uri = vscode.Uri.parse(`${REPORT_SCHEME}:/${encodeURIComponent(`${title}.md`)}`);
    this.texts.delete(uri.path);
    this.texts.set(uri.path, text);
    if (this.texts.size > MAX_REPORTS) this.texts.delete(this.texts.keys().next().value!);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '_This report is no longer kept: run **Cell Lens: Show Scores** again._';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The cell a command means: the given index, else the one under the cursor, else the first. */
export function pickCell(
  cells: readonly AnalysedCell[],
  doc: vscode.TextDocument,
  index: unknown,
): AnalysedCell | undefined {
  if (typeof index === 'number') return cells.find((c) => c.cell.index === index);
  const ed = vscode.window.activeTextEditor;
  if (ed && ed.document === doc && ed.selection) {
    const off = doc.offsetAt(ed.selection.active);
    const at = cells.find((c) => off >= c.cell.span.start && off <= c.cell.span.end);
    if (at) return at;
  }
  return cells[0];
}

export function registerScoring(deps: Deps): { disposables: vscode.Disposable[]; commands: Commands } {
  const { cache, service, benchmark, lenses, log, documentFor } = deps;
  const reports = new ReportDocuments();
  lenses.addContributor((doc, c, range) => scoreLenses(service, doc, c, range));

  const noCell = () =>
    void vscode.window.showWarningMessage(
      'Cell Lens: open a NAS-Bench-NLP cell file (JSON recipe or training log) to score it.',
    );

  const scoreCell = async (arg?: unknown, index?: unknown) => {
    const doc = await documentFor(arg);
    const a = doc && (await cache.analyse(doc));
    if (!doc || !a || a.cells.length === 0) return noCell();
    const c = pickCell(a.cells, doc, index);
    if (!c) return noCell();
    if (!c.valid) {
      void vscode.window.showWarningMessage(
        `Cell Lens: ${c.cell.label} has errors; fix them (see Problems) to score it.`,
      );
      return;
    }
    const r = await service.score([targetOf(doc.uri, c)], { title: `Cell Lens: scoring ${c.cell.label}` });
    if (!r.cancelled && r.failed === 0 && r.scored + r.cached > 0) {
      walkthroughDone('score');
      const report = service.peek(c.hash)?.report;
      const pred = report ? cellVerdict(report, c.recipe).prediction : undefined;
      void vscode.window.setStatusBarMessage(
        `$(check) Cell Lens: ${c.cell.label} ${r.cached ? 'scores from the cache' : 'scored'}${pred ? ` · ${predictionText(pred)}` : ''}`,
        8000,
      );
    }
    return r;
  };

  const scoreFile = async (arg?: unknown) => {
    const doc = await documentFor(arg);
    const a = doc && (await cache.analyse(doc));
    if (!doc || !a || a.cells.length === 0) return noCell();
    const valid = a.cells.filter((c) => c.valid);
    const invalid = a.cells.length - valid.length;
    if (invalid)
      void vscode.window.showWarningMessage(
        `Cell Lens: ${invalid} cell${invalid === 1 ? ' has' : 's have'} errors and ${invalid === 1 ? 'is' : 'are'} skipped.`,
      );
    if (!valid.length) return;
    // Thousands of cells take seconds to hash: in slices, so typing and saving go on meanwhile.
    await hashCells(valid);
    // The progress counts distinct cells (copies share one report), so the title does too.
    const distinct = new Set(valid.map((c) => c.hash)).size;
    const r = await service.score(
      valid.map((c) => targetOf(doc.uri, c)),
      {
        title: `Cell Lens: scoring ${distinct} distinct cell${distinct === 1 ? '' : 's'} of ${baseName(doc.uri)}`,
        confirmLong: true,
      },
    );
    if (!r.cancelled)
      void vscode.window.showInformationMessage(
        `Cell Lens: ${baseName(doc.uri)}: ${r.scored} cell${r.scored === 1 ? '' : 's'} scored, ${r.cached} from the cache${r.failed ? `, ${r.failed} failed (see the Output)` : ''}.`,
      );
    return r;
  };

  const scoreWorkspace = async () => {
    if (!service.trusted) return service.score([], { title: '' }); // explains and offers trust
    const files = await vscode.workspace.findFiles('**/*.json', '**/{node_modules,.git}/**', MAX_WORKSPACE_FILES);
    const targets: ScoreTarget[] = [];
    let invalid = 0,
      filesWithCells = 0;
    const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Cell Lens: finding cells' },
      async () => {
        for (const uri of files) {
          let text: string;
          const d = open.get(uri.toString());
          // One file at a time with the event loop served in between (its cells' hashes in slices below).
          await new Promise<void>((r) => setImmediate(r));
          if (d) text = d.getText();
          else {
            try {
              const stat = await vscode.workspace.fs.stat(uri);
              if (stat.size > MAX_DOCUMENT_CHARS) continue;
              text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
            } catch (e) {
              log.warn(`score workspace: cannot read ${uri.toString()}: ${String(e)}`);
              continue;
            }
          }
          if (!looksLikeCellText(text)) continue;
          const a = analyseText(uri.toString(), 0, text);
          if (a.cells.length) filesWithCells++;
          await hashCells(a.cells.filter((c) => c.valid));
          for (const c of a.cells) {
            if (c.valid) targets.push(targetOf(uri, c));
            else invalid++;
          }
        }
      },
    );
    if (!targets.length) {
      void vscode.window.showInformationMessage(
        `Cell Lens: no valid cells found in ${files.length} JSON file${files.length === 1 ? '' : 's'} of the workspace${invalid ? ` (${invalid} with errors)` : ''}.`,
      );
      return;
    }
    const unique = new Set(targets.map((t) => t.hash)).size;
    log.info(
      `score workspace: ${targets.length} valid cells (${unique} distinct) in ${filesWithCells} files; ${invalid} invalid skipped`,
    );
    const r = await service.score(targets, {
      title: `Cell Lens: scoring ${unique} distinct cell${unique === 1 ? '' : 's'} of the workspace`,
      confirmLong: true,
    });
    if (!r.cancelled && r.failed === 0)
      void vscode.window.showInformationMessage(
        `Cell Lens: scored ${r.scored} cell${r.scored === 1 ? '' : 's'} (${r.cached} from the cache).`,
      );
    return r;
  };

  const showScores = async (arg?: unknown, index?: unknown) => {
    const doc = await documentFor(arg);
    const a = doc && (await cache.analyse(doc));
    const c = a && doc ? pickCell(a.cells, doc, index) : undefined;
    if (!doc || !c) return noCell();
    const choice = service.peek(c.hash);
    if (!choice) {
      void vscode.window
        .showInformationMessage(
          `Cell Lens: ${c.cell.label} has no scores yet for the current settings.`,
          'Score This Cell',
        )
        .then((x) => {
          if (x) void scoreCell(doc.uri, c.cell.index);
        });
      return;
    }
    const { report } = choice;
    const otherThan = choice.current ? undefined : service.settings();
    const matches = benchmark.lookup(c.hash);
    const name = cellName(c.cell, c.hash, matches);
    if (otherThan) {
      // The scores shown are at other settings: say so, and offer to score at the current ones.
      const title = scoreAtCurrentTitle(report.settings, otherThan);
      const action = title[0].toUpperCase() + title.slice(1);
      void vscode.window
        .showInformationMessage(
          `Cell Lens: the scores shown for ${name} are at ${notCurrentText(report.settings, otherThan)}.`,
          action,
        )
        .then((x) => {
          if (x) void scoreCell(doc.uri, c.cell.index);
        });
    }
    // The full report, previewed beside the editor (as text where the Markdown preview is missing).
    const title = `${name} (${baseName(doc.uri)})`;
    const uri = reports.put(
      title,
      cellReportMarkdown({
        title,
        cell: { hash: c.hash, recipe: c.recipe, ...(c.cell.log ? { log: c.cell.log } : {}) },
        verdict: cellVerdict(report, c.recipe),
        matches,
        ...(benchmark.peek() ? { dataset: benchmark.peek()!.datasets()[0] } : {}),
        ...(otherThan ? { otherThan } : {}),
      }),
    );
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch (e) {
      log.warn(`Markdown preview: ${String(e)}`);
      await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
    return uri;
  };

  const actions = async () => {
    const s = service.processStatus;
    const items: (vscode.QuickPickItem & { run: () => unknown })[] = [
      { label: '$(beaker) Score This Cell', run: () => scoreCell() },
      {
        label: '$(debug-restart) Restart Scoring Process',
        description: s ? `${s.state}${s.backend ? ` · ${s.backend}` : ''}` : 'not started',
        run: () => service.restart(),
      },
      {
        label: '$(server-process) Choose Backend…',
        description: service.settings().backend,
        run: () => chooseSetting('scoring.backend', BACKEND_CHOICES),
      },
      {
        label: '$(symbol-ruler) Choose Model Size…',
        description: settingsSummary(service.settings()),
        run: () => chooseSetting('scoring.preset', [...PRESET_NAMES, 'custom']),
      },
      { label: '$(trash) Clear Score Cache', run: () => service.clearCache() },
      { label: '$(output) Show Log', run: () => log.show(true) },
      {
        label: '$(gear) Open Scoring Settings',
        run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'cellLens.scoring'),
      },
    ];
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Cell Lens scoring',
      placeHolder: s?.backendDescription ? `Backend: ${s.backendDescription}` : 'Scoring process not started yet',
    });
    await pick?.run();
  };

  const chooseSetting = async <K extends keyof WritableSettings>(key: K, values: readonly WritableSettings[K][]) => {
    const current = readSetting(key);
    const pick = await vscode.window.showQuickPick(
      values.map((v) => ({
        label: v,
        value: v,
        description:
          [v === current ? 'current' : undefined, describeChoice(key, v)].filter(Boolean).join(' · ') || undefined,
      })),
      { title: SETTING_TITLES[key] ?? `cellLens.${key}` },
    );
    if (pick) log.info(await writeSetting(key, pick.value));
  };

  // Re-opening a scored file shows its scores at once: load cached reports of the cells shown.
  const warmDoc = (doc: vscode.TextDocument | undefined) => {
    const a = doc && cache.get(doc);
    if (a)
      void hashCells(a.cells.filter((c) => c.valid)).then(
        (hashes) => service.warm(hashes),
        (e: unknown) => log.warn(`warm: ${String(e)}`),
      );
  };
  warmDoc(vscode.window.activeTextEditor?.document);

  const commands: Commands = {
    'cellLens.scoreCell': scoreCell,
    'cellLens.scoreFile': scoreFile,
    'cellLens.scoreWorkspace': scoreWorkspace,
    'cellLens.showScores': showScores,
    'cellLens.restartScoring': () => service.restart(),
    'cellLens.clearScoreCache': async () => {
      await service.clearCache();
      void vscode.window.showInformationMessage('Cell Lens: score cache cleared.');
    },
    'cellLens.scoringActions': actions,
  };
  return {
    disposables: [
      service,
      reports,
      vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, reports),
      service.onDidChange(() => lenses.refresh()),
      vscode.window.onDidChangeActiveTextEditor((e) => warmDoc(e?.document)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('cellLens.scoring')) {
          lenses.refresh();
          warmDoc(vscode.window.activeTextEditor?.document);
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()),
    ],
    commands,
  };
}
