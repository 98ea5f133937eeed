/**
 * Editor glue of the cells table: the webview panel (one per file, one for the workspace), its commands
 * ("Show Cells Table", "Show Workspace Cells Table", "Format as One Cell per Line"), the code action that offers the
 * two on a line holding several cells, live updates (edits, score reports, the benchmark index, settings), reveal of
 * a row's cell and the CSV / JSON exports. The only file of src/table that imports `vscode`; the rows come from the
 * pure src/table/rows.ts.
 *
 * Why a plain HTML table and not `@vscode-elements/elements` (2.5, the maintained successor of the archived
 * webview-ui-toolkit): its table, text field and button alone bundle to 73 kB minified (18 kB gzipped; Lit
 * included) against 12 kB (4 kB gzipped) for all of webview/table.ts, and its `vscode-table` has no sorting and no `aria-sort`
 * (its cells are `role="presentation"` in shadow DOM), the two things this view is for. A native `<table>` with
 * buttons in its headers is keyboard- and screen-reader-accessible as it stands, takes its colours from the
 * `--vscode-*` theme variables (media/table.css), and needs no inline style or font under the strict CSP
 * (src/webviews/html.ts: our script by nonce, our stylesheet, nothing else). No new dependency.
 */
import * as vscode from 'vscode';
import type { Commands } from '../../editor/commands';
import type { DocumentFor } from '../../editor/commandDocument';
import { WebviewHost, openPanel, type PanelSpec } from '../host';
import { TABLE_PAGE } from '../html';
import {
  analyseText,
  CELL_FILE_SELECTOR,
  looksLikeCellText,
  type AnalysedCell,
  type AnalysisCache,
} from '../../editor/analysis';
import type { BenchmarkService } from '../../editor/benchmarkService';
import type { ScoringService } from '../../editor/scoringService';
import { settingsSummary } from '../../report/scoreFormat';
import { MAX_DOCUMENT_CHARS } from '../../recipe/parse';
import { crowdedLines, oneCellPerLine } from '../../recipe/layout';
import type { ScoreReport } from '../../scoring/types';
import {
  exportRows,
  recipesOf,
  rowMemo,
  rowPages,
  tableColumns,
  tableNote,
  visibleRows,
  type CellSource,
  type RecipeOf,
  type RowLookups,
} from '../../table/rows';
import {
  TABLE_PAGE_ROWS,
  TABLE_PROTOCOL_VERSION,
  TABLE_VIEW_TYPE,
  isFromTableWebview,
  type ExportFormat,
  type FromTableWebview,
  type SortState,
  type TableCommandMessage,
  type TableExportMessage,
  type TableRevealMessage,
  type TableRow,
  type TableScope,
  type ToTableWebview,
} from '../../table/protocol';

/** What the table needs from the rest of the extension. */
export interface CellsTableDeps {
  readonly cache: AnalysisCache;
  /** The document a table command means (src/editor/commandDocument.ts). */
  readonly documentFor: DocumentFor;
  readonly benchmark: BenchmarkService;
  readonly scoring: ScoringService;
  readonly log: vscode.LogOutputChannel;
}

/** How many JSON files the workspace table reads, at most (as Score Workspace Cells). */
const MAX_WORKSPACE_FILES = 5000;
const UPDATE_DEBOUNCE_MS = 150;
/** Work on the host per page of rows, at most (then the page goes out and the event loop is served). */
const PAGE_SLICE_MS = 20;
const WORKSPACE_KEY = 'workspace:';

function baseName(uri: vscode.Uri): string {
  const p = uri.path;
  return p.slice(p.lastIndexOf('/') + 1) || uri.toString();
}

/** 0-based line of an offset, by binary search over the line starts. */
function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0,
      hi = starts.length - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (starts[m] <= offset) lo = m;
      else hi = m - 1;
    }
    return lo;
  };
}

function sourcesOf(
  uri: vscode.Uri,
  file: string,
  cells: readonly AnalysedCell[],
  lineOf: (offset: number) => number,
): CellSource[] {
  return cells.map((c) => ({
    uri: uri.toString(),
    file,
    cell: c.cell,
    recipe: c.recipe,
    valid: c.valid,
    line: lineOf(c.cell.anchor.start),
    get hash() {
      return c.hash;
    },
  }));
}

/**
 * The table panel's page and protocol (the find widget on). The latest render and every page after it wait for
 * `ready` (pages of an older render are ignored by the page: they carry its id); with none waiting, `ready` reads
 * the cells.
 */
const TABLE_PANEL: PanelSpec<ToTableWebview, FromTableWebview> = {
  viewType: TABLE_VIEW_TYPE,
  page: TABLE_PAGE,
  options: { enableFindWidget: true },
  label: 'cells table',
  isFromWebview: isFromTableWebview,
  queueAll: ['rows'],
};

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One table panel: the cells of one file, or of the whole workspace. */
class CellsTablePanel implements vscode.Disposable {
  private static readonly panels = new Map<string, CellsTablePanel>();
  private readonly host: WebviewHost<ToTableWebview, FromTableWebview>;
  private rows: TableRow[] = [];
  /** The recipes of the rows' cells, for the exports (see src/table/rows.ts RecipeOf). */
  private recipeOf: RecipeOf = () => undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped per update: a slow workspace scan that was overtaken does not post. */
  private generation = 0;
  /** The update under way (reading the cells, then posting the rows page by page), if any. */
  private running: Promise<void> | undefined;
  /** An update was asked for while one ran: it starts when that one ends (pages are never cut off midway). */
  private again = false;
  /** The id of the last table posted (its pages carry it). */
  private tableId = 0;
  /** Rows by cell: an update for a score or the benchmark rebuilds only the rows that changed. */
  private readonly memo = rowMemo();

  static show(
    context: vscode.ExtensionContext,
    deps: CellsTableDeps,
    scope: TableScope,
    uri?: vscode.Uri,
  ): CellsTablePanel {
    const key = scope === 'workspace' ? WORKSPACE_KEY : uri!.toString();
    const existing = CellsTablePanel.panels.get(key);
    if (existing) {
      existing.panel.reveal(undefined, true);
      existing.update();
      return existing;
    }
    const title = scope === 'workspace' ? 'Cells: workspace' : `Cells: ${baseName(uri!)}`;
    const panel = openPanel(TABLE_PANEL, context.extensionUri, title, {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: false,
    });
    return new CellsTablePanel(panel, context, deps, scope, key, uri);
  }

  static all(): CellsTablePanel[] {
    return [...CellsTablePanel.panels.values()];
  }

  /** Panels that show this document (its own, and the workspace table). */
  static showing(uri: vscode.Uri): CellsTablePanel[] {
    return CellsTablePanel.all().filter((p) => p.scope === 'workspace' || p.uri?.toString() === uri.toString());
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly deps: CellsTableDeps,
    readonly scope: TableScope,
    private readonly key: string,
    readonly uri: vscode.Uri | undefined,
  ) {
    CellsTablePanel.panels.set(key, this);
    this.host = new WebviewHost(
      panel,
      TABLE_PANEL,
      { extensionUri: context.extensionUri, log: deps.log },
      {
        onReady: (queued) => {
          if (queued.length === 0) this.update();
        },
        onMessage: (m) => this.handle(m),
        onDispose: () => this.closed(),
      },
    );
  }

  private get title(): string {
    return this.scope === 'workspace' ? 'workspace' : baseName(this.uri!);
  }

  scheduleUpdate(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, UPDATE_DEBOUNCE_MS);
  }

  /**
   * Re-read the cells (the file, or every JSON file of the workspace) and post the rows, page by page. While an
   * update posts its pages, another one waits for it to end (then runs once, however often it was asked for).
   */
  update(): void {
    if (this.host.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const gen = ++this.generation;
    this.running = this.collect()
      .then(
        async (r) => {
          if (gen === this.generation) await this.render(r.sources, r.crowded, r.problem);
        },
        (e: unknown) => this.deps.log.error(`cells table: reading the cells failed: ${String(e)}`),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.update();
        }
      });
  }

  /** Resolves when the rows of the update under way (if any) have all been built and posted. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async collect(): Promise<{ sources: CellSource[]; crowded: number; problem?: string }> {
    if (this.scope === 'file') {
      const doc =
        vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.uri!.toString()) ??
        (await vscode.workspace.openTextDocument(this.uri!));
      const a = await this.deps.cache.analyse(doc);
      if (!a)
        return {
          sources: [],
          crowded: 0,
          problem: `${baseName(doc.uri)} does not look like a NAS-Bench-NLP cell file.`,
        };
      const lineOf = (o: number) => doc.positionAt(o).line;
      const sources = sourcesOf(doc.uri, baseName(doc.uri), a.cells, lineOf);
      return {
        sources,
        crowded: crowdedLines(sources.map((s) => s.line)).size,
        ...(a.cells.length ? {} : { problem: 'No cell in this file.' }),
      };
    }
    const files = await vscode.workspace.findFiles('**/*.json', '**/{node_modules,.git}/**', MAX_WORKSPACE_FILES);
    const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    const sources: CellSource[] = [];
    for (const uri of files) {
      const doc = open.get(uri.toString());
      let text: string;
      if (doc) text = doc.getText();
      else {
        try {
          const stat = await vscode.workspace.fs.stat(uri);
          if (stat.size > MAX_DOCUMENT_CHARS) continue;
          text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        } catch (e) {
          this.deps.log.warn(`cells table: cannot read ${uri.toString()}: ${String(e)}`);
          continue;
        }
      }
      if (!looksLikeCellText(text)) continue;
      const cells = (doc && this.deps.cache.get(doc)?.cells) || analyseText(uri.toString(), 0, text).cells;
      sources.push(...sourcesOf(uri, vscode.workspace.asRelativePath(uri, false), cells, lineFinder(text)));
    }
    sources.sort((a, b) => a.file.localeCompare(b.file) || a.cell.index - b.cell.index);
    return { sources, crowded: 0, ...(files.length ? {} : { problem: 'No JSON file in the workspace.' }) };
  }

  /**
   * Build the rows in pages (src/table/rows.ts `rowPages`: at most {@link TABLE_PAGE_ROWS} rows or
   * {@link PAGE_SLICE_MS} of work each) and post them as they come: the columns and the first page in a `render`,
   * the others in `rows` messages, one turn of the event loop apart. The note of the whole table goes with the last.
   */
  private async render(sources: readonly CellSource[], crowded: number, problem?: string): Promise<void> {
    const reports: ScoreReport[] = [];
    const index = this.deps.benchmark.peek();
    const lookups: RowLookups = {
      benchmark: (h) => index?.lookup(h),
      report: (h) => {
        const r = this.deps.scoring.peek(h)?.report;
        if (r && reports.length === 0) reports.push(r);
        return r;
      },
    };
    const settings = settingsSummary(this.deps.scoring.settings());
    const id = ++this.tableId;
    const rows: TableRow[] = [];
    this.rows = rows;
    this.recipeOf = recipesOf(sources);
    let sent = 0;
    for (const page of rowPages(sources, lookups, {
      maxRows: TABLE_PAGE_ROWS,
      sliceMs: PAGE_SLICE_MS,
      memo: this.memo,
    })) {
      if (this.host.disposed) return;
      rows.push(...page);
      const last = rows.length === sources.length;
      const note = last ? (problem ?? tableNote(rows, { benchmarkLoading: !index, settings })) : undefined;
      const columns = tableColumns(rows, this.scope, reports);
      const common = { version: TABLE_PROTOCOL_VERSION, id, columns, rows: page, ...(note ? { note } : {}) };
      this.host.post(
        sent === 0
          ? {
              type: 'render',
              ...common,
              scope: this.scope,
              title: this.title,
              total: sources.length,
              ...(crowded ? { crowdedLines: crowded } : {}),
            }
          : { type: 'rows', ...common },
      );
      sent++;
      if (!last) await nextTurn();
    }
  }

  private async handle(m: TableRevealMessage | TableExportMessage | TableCommandMessage): Promise<void> {
    switch (m.type) {
      case 'reveal':
        return this.reveal(m.key);
      case 'export':
        return this.saveExport(m.format, m.filter, m.sort);
      case 'command':
        if (m.command === 'refresh') return this.update();
        if (m.command === 'formatOnePerLine') {
          if (this.uri) await vscode.commands.executeCommand('cellLens.formatOnePerLine', this.uri);
          return;
        }
        await (this.scope === 'workspace'
          ? vscode.commands.executeCommand('cellLens.scoreWorkspace')
          : vscode.commands.executeCommand('cellLens.scoreFile', this.uri));
        return;
    }
  }

  /** Open the row's file beside the table (or where it is shown) and select its cell. */
  private async reveal(key: string): Promise<void> {
    const find = () => this.rows.find((r) => r.key === key);
    const row = find() ?? (await this.settled(), find());
    if (!row) return;
    const uri = vscode.Uri.parse(row.uri);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === row.uri);
    const doc = visible?.document ?? (await vscode.workspace.openTextDocument(uri));
    const column =
      visible?.viewColumn ??
      (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false });
    const cell = (await this.deps.cache.analyse(doc))?.cells.find((c) => c.cell.index === row.index)?.cell;
    if (!cell) return;
    // A recipe: the whole object; a training log: its opening brace (the recipe is a string inside it).
    const span = cell.source === 'log' ? cell.anchor : cell.span;
    const range = new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async saveExport(format: ExportFormat, filter: string, sort: SortState | undefined): Promise<void> {
    await this.settled();
    const text = exportRows(
      this.rows,
      format,
      { filter, ...(sort ? { sort } : {}), scope: this.scope, title: this.title },
      this.recipeOf,
    );
    const base = this.scope === 'workspace' ? 'workspace' : baseName(this.uri!).replace(/\.[^.]+$/, '');
    const dir =
      this.scope === 'file' && this.uri!.scheme !== 'untitled'
        ? vscode.Uri.joinPath(this.uri!, '..')
        : vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${base}-cells.${format}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: dir ? vscode.Uri.joinPath(dir, name) : undefined,
      filters: format === 'csv' ? { 'CSV (comma-separated)': ['csv'] } : { JSON: ['json'] },
      title: `Export the cells table as ${format.toUpperCase()}`,
    });
    if (!target) return;
    const bytes = new TextEncoder().encode(text);
    await vscode.workspace.fs.writeFile(target, bytes);
    const n = visibleRows(this.rows, filter, sort).length;
    this.deps.log.info(
      `cells table: exported ${n} row(s) as ${format.toUpperCase()} to ${target.toString()} (${bytes.length} bytes)`,
    );
    void vscode.window
      .showInformationMessage(
        `Cell Lens: ${n} row${n === 1 ? '' : 's'} exported to ${vscode.workspace.asRelativePath(target)}.`,
        'Open',
      )
      .then((c) => {
        if (c) void vscode.commands.executeCommand('vscode.open', target);
      });
  }

  dispose(): void {
    this.host.dispose();
  }

  /** The panel closed. */
  private closed(): void {
    if (this.timer) clearTimeout(this.timer);
    CellsTablePanel.panels.delete(this.key);
  }
}

/** The indentation of the editor showing `doc` (two spaces when none does). */
function indentFor(doc: vscode.TextDocument): string {
  const ed = vscode.window.visibleTextEditors.find((e) => e.document === doc);
  const o = ed?.options;
  if (o && o.insertSpaces === false) return '\t';
  return ' '.repeat(typeof o?.tabSize === 'number' ? o.tabSize : 2);
}

/** The edit that puts each cell of `doc` on its own line, or why there is none. */
function onePerLineEdit(doc: vscode.TextDocument): { edit?: vscode.WorkspaceEdit; count: number; reason?: string } {
  const r = oneCellPerLine(doc.getText(), { indent: indentFor(doc) });
  if (!r.ok) return { count: 0, reason: r.reason };
  if (!r.edits.length) return { count: 0 };
  const edit = new vscode.WorkspaceEdit();
  for (const e of r.edits)
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
  return { edit, count: r.edits.length };
}

/** On a line where several cells start: "Format as One Cell per Line" and "Show Cells Table". */
class CrowdedLineActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.RefactorRewrite];
  constructor(private readonly cache: AnalysisCache) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    const a = this.cache.get(doc);
    if (!a || a.cells.length < 2) return [];
    const crowded = crowdedLines(a.cells.map((c) => doc.positionAt(c.cell.anchor.start).line));
    if (![...crowded.keys()].some((l) => l >= range.start.line && l <= range.end.line)) return [];
    const out: vscode.CodeAction[] = [];
    const { edit } = onePerLineEdit(doc);
    if (edit) {
      const fmt = new vscode.CodeAction('Format as One Cell per Line', CrowdedLineActions.kinds[0]);
      fmt.edit = edit;
      out.push(fmt);
    }
    const table = new vscode.CodeAction('Show Cells Table', CrowdedLineActions.kinds[0]);
    table.command = { title: 'Show Cells Table', command: 'cellLens.showCellsTable', arguments: [doc.uri] };
    out.push(table);
    return out;
  }
}

/**
 * Register the cells-table commands (`cellLens.showCellsTable`, `cellLens.showWorkspaceCellsTable`,
 * `cellLens.formatOnePerLine`), the crowded-line code action and the listeners that keep open tables live.
 * Returns the disposables (the caller adds them to the context).
 */
export function registerCellsTable(
  context: vscode.ExtensionContext,
  deps: CellsTableDeps,
): { disposables: vscode.Disposable[]; commands: Commands } {
  const docFor = deps.documentFor;
  const updateAll = () => {
    for (const p of CellsTablePanel.all()) p.scheduleUpdate();
  };
  const commands: Commands = {
    'cellLens.showCellsTable': async (arg?: unknown) => {
      const doc = await docFor(arg);
      if (!doc || !deps.cache.isCellDocument(doc)) {
        void vscode.window.showWarningMessage(
          'Cell Lens: open a NAS-Bench-NLP cell file (JSON) to see its cells table.',
        );
        return;
      }
      CellsTablePanel.show(context, deps, 'file', doc.uri);
    },
    'cellLens.showWorkspaceCellsTable': () => {
      CellsTablePanel.show(context, deps, 'workspace');
    },
    'cellLens.formatOnePerLine': async (arg?: unknown) => {
      const doc = await docFor(arg);
      if (!doc || !deps.cache.isCellDocument(doc)) {
        void vscode.window.showWarningMessage('Cell Lens: open a list of NAS-Bench-NLP cells (JSON) to format it.');
        return false;
      }
      const { edit, reason } = onePerLineEdit(doc);
      if (reason) {
        void vscode.window.showWarningMessage(`Cell Lens: cannot format ${baseName(doc.uri)}: ${reason}.`);
        return false;
      }
      if (!edit) {
        void vscode.window.showInformationMessage(`Cell Lens: ${baseName(doc.uri)} already has one cell per line.`);
        return false;
      }
      return vscode.workspace.applyEdit(edit);
    },
  };
  return {
    disposables: [
      vscode.languages.registerCodeActionsProvider(CELL_FILE_SELECTOR, new CrowdedLineActions(deps.cache), {
        providedCodeActionKinds: CrowdedLineActions.kinds,
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) for (const p of CellsTablePanel.showing(e.document.uri)) p.scheduleUpdate();
      }),
      vscode.workspace.onDidSaveTextDocument?.((d) => {
        for (const p of CellsTablePanel.showing(d.uri)) p.scheduleUpdate();
      }) ?? new vscode.Disposable(() => undefined),
      deps.scoring.onDidChangeReports(updateAll),
      deps.benchmark.onDidChange(updateAll),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('cellLens')) updateAll();
      }),
      new vscode.Disposable(() => {
        for (const p of CellsTablePanel.all()) p.dispose();
      }),
    ],
    commands,
  };
}
