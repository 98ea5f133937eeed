/**
 * Editor glue of the cell graph: the webview panel, its commands, the serializer that restores it after a
 * reload, live update on edits, cursor → highlight and webview `reveal` → selection.
 * The only file of src/graph that imports `vscode`.
 *
 * One panel follows the active editor: when another cell file becomes active it shows that file (and the cell
 * under the cursor), so graph panels do not pile up one per file. `Cell Lens: Pin Cell Graph` fixes a panel on
 * its file; the next Show Cell Graph then opens a new following panel beside it.
 */
import * as vscode from 'vscode';
import type { Commands } from '../../editor/commands';
import type { DocumentFor } from '../../editor/commandDocument';
import { walkthroughDone } from '../../editor/examples';
import { WebviewHost, openPanel, registerPanelSerializer, type PanelSpec } from '../host';
import { GRAPH_PAGE } from '../html';
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { humanParseError } from '../../recipe/parse';
import type { Cell } from '../../recipe/types';
import { toRecipe } from '../../recipe/model';
import { canonicalHash } from '../../recipe/canonical';
import { perNodeFitsNames, type ScoreReport } from '../../scoring/types';
import { nodeAtOffset, type GraphSizes } from '../../graph/model';
import { cellView } from '../../graph/views';
import {
  GRAPH_VIEW_TYPE,
  PROTOCOL_VERSION,
  isFromWebview,
  type BenchmarkSummary,
  type CellView,
  type ExportFormat,
  type ExportMessage,
  type FromWebview,
  type PinMessage,
  type RenderMessage,
  type RevealMessage,
  type SelectCellMessage,
  type ToWebview,
  type WebviewState,
} from '../../graph/protocol';

/** What the graph needs from the rest of the extension. */
export interface GraphDeps {
  /**
   * The parsed cells of a document (cached by the caller); none for a document that is not a cell file, and none
   * yet (or an older version's) for a big document being parsed off the host.
   */
  getCells(document: vscode.TextDocument): readonly Cell[];
  /** The document a graph command means (src/editor/commandDocument.ts). */
  readonly documentFor: DocumentFor;
  /** The cells of the document's current version once parsed (a big document is parsed on a worker thread). */
  analyse?(document: vscode.TextDocument): Promise<readonly Cell[]>;
  log: vscode.LogOutputChannel;
  /** Scores of a cell by canonical hash, for the side panel and the heat-map. */
  readonly getScores?: (hash: string) => ScoreReport | undefined;
  /** Fires when scores arrive or change (the open panels redraw with them). */
  onDidChangeScores?: vscode.Event<void>;
  /** Benchmark facts of a cell that has no training log of its own (e.g. from the benchmark index). */
  readonly getBenchmark?: (cell: Cell, hash: string) => BenchmarkSummary | undefined;
  /** Layer sizes for the parameter counts (default NAS-Bench-NLP: embed 400, hidden 600). */
  getSizes?(): GraphSizes;
}

const UPDATE_DEBOUNCE_MS = 50;
/**
 * Documents with more cells than this send the views (graph, layout, scores) of the cells around the selected one
 * only, with an outline of every cell for the picker: a view costs a layout, and 5,000 of them took seconds of
 * the host and a message of tens of MB.
 */
export const MAX_CELLS_SENT = 25;
/** Cells sent on each side of the selected one in a big document (the neighbours the picker's arrows reach). */
const WINDOW_CELLS = 2;
/** A document this long (characters) and no cells yet: its parse is under way on the worker thread. */
const BIG_DOCUMENT_CHARS = 100_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The graph panel's page and protocol. On `ready` the panel sends the theme and a fresh render (queued ones are
 * dropped), then what waited (every export request, the latest highlight), then the highlight of the active editor.
 */
const GRAPH_PANEL: PanelSpec<ToWebview, FromWebview> = {
  viewType: GRAPH_VIEW_TYPE,
  page: GRAPH_PAGE,
  icon: 'graph-icon.svg',
  label: 'graph',
  isFromWebview,
  theme: (kind) => ({ type: 'theme', kind }),
  resentOnReady: ['render', 'theme'],
  queueAll: ['exportRequest'],
};

/** The first JSON syntax error of `text` with its line:column, or undefined when the text parses. */
export function jsonSyntaxError(text: string): string | undefined {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: false, disallowComments: false, allowEmptyContent: true });
  if (errors.length === 0) return undefined;
  const e = errors[0];
  const before = text.slice(0, e.offset);
  const line = before.split('\n').length;
  const col = e.offset - before.lastIndexOf('\n');
  return `not valid JSON: ${humanParseError(printParseErrorCode(e.error))} at line ${line}, column ${col}`;
}

/** Context key: the graph panel that has the focus is pinned (picks Pin or Unpin for its title bar). */
export const PINNED_CONTEXT = 'cellLens.graphPinned';

/** One graph panel, showing one document at a time. */
export class CellGraphPanel implements vscode.Disposable {
  private static readonly panels = new Set<CellGraphPanel>();
  private static lastActive: CellGraphPanel | undefined;
  /** The cell file whose editor was active last (an unpinned panel goes there: its webview has the focus then). */
  private static lastCellUri: vscode.Uri | undefined;

  private readonly host: WebviewHost<ToWebview, FromWebview>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastGood: CellView[] = [];
  private lastHighlight = '';
  /** The cell the webview shows (the cursor's, or the one picked), for the window of a big document. */
  private selected: number | undefined;
  /** Bumped per render: an analysis that finishes after a newer render does not post. */
  private renders = 0;
  private currentUri: vscode.Uri;
  private isPinned: boolean;

  /**
   * Show the graph of `document` beside the editor: in a panel pinned to it if there is one, else in the
   * following panel (switched to this document), else in a new following panel.
   */
  static show(context: vscode.ExtensionContext, deps: GraphDeps, document: vscode.TextDocument): CellGraphPanel {
    const key = document.uri.toString();
    CellGraphPanel.lastCellUri = document.uri;
    const pinned = CellGraphPanel.all().find((p) => p.pinned && p.uri.toString() === key);
    const existing = pinned ?? CellGraphPanel.following();
    if (existing) {
      if (existing.uri.toString() !== key) existing.showDocument(document.uri);
      else existing.update();
      existing.panel.reveal(undefined, true);
      return existing;
    }
    const panel = openPanel(GRAPH_PANEL, context.extensionUri, CellGraphPanel.title(document.uri, false), {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: true,
    });
    return new CellGraphPanel(panel, context, deps, document.uri, false);
  }

  /**
   * Re-attach a panel restored by VS Code after a reload. It stays pinned if it was; an unpinned one becomes
   * pinned when another panel already follows the editor (there is only one following panel).
   */
  static revive(
    panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    deps: GraphDeps,
    uri: vscode.Uri,
    pinned = false,
  ): CellGraphPanel {
    return new CellGraphPanel(panel, context, deps, uri, pinned || CellGraphPanel.following() !== undefined);
  }

  /** The panel that follows the active editor (at most one), if open. */
  static following(): CellGraphPanel | undefined {
    return CellGraphPanel.all().find((p) => !p.pinned);
  }

  /** A panel showing this document (the following one first), if any. */
  static forDocument(uri: vscode.Uri): CellGraphPanel | undefined {
    return CellGraphPanel.showing(uri)[0];
  }

  /** Every panel showing this document: the following one first, then the pinned ones. */
  static showing(uri: vscode.Uri): CellGraphPanel[] {
    const key = uri.toString();
    return CellGraphPanel.all()
      .filter((p) => p.uri.toString() === key)
      .sort((a, b) => Number(a.pinned) - Number(b.pinned));
  }

  /**
   * The active editor changed: the following panel switches to its document when that is a cell file (another
   * JSON file, the output channel or a settings editor leave it as it is).
   */
  static follow(editor: vscode.TextEditor | undefined, deps: GraphDeps): void {
    if (!editor) return;
    let cells: readonly Cell[] = [];
    try {
      cells = deps.getCells(editor.document);
    } catch {
      /* not a cell file */
    }
    if (cells.length === 0) {
      // A big document whose parse is under way (on the worker thread): follow it once its cells are known.
      if (deps.analyse && editor.document.getText().length >= BIG_DOCUMENT_CHARS)
        void deps.analyse(editor.document).then((parsed) => {
          if (parsed.length && vscode.window.activeTextEditor?.document === editor.document)
            CellGraphPanel.follow(editor, deps);
        });
      return;
    }
    CellGraphPanel.lastCellUri = editor.document.uri;
    const f = CellGraphPanel.following();
    if (!f || f.uri.toString() === editor.document.uri.toString()) return;
    f.showDocument(editor.document.uri);
  }

  /** The panel the user looked at last (or the one of the active editor). */
  static active(): CellGraphPanel | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    const forDoc = doc ? CellGraphPanel.forDocument(doc.uri) : undefined;
    if (CellGraphPanel.lastActive?.panel.active) return CellGraphPanel.lastActive;
    return forDoc ?? CellGraphPanel.lastActive;
  }

  /** Every open panel. */
  static all(): CellGraphPanel[] {
    return [...CellGraphPanel.panels];
  }

  private static title(uri: vscode.Uri, pinned: boolean): string {
    const base = uri.path.split('/').pop() || 'cell';
    return `Graph: ${base}${pinned ? ' (pinned)' : ''}`;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly deps: GraphDeps,
    uri: vscode.Uri,
    pinned: boolean,
  ) {
    this.currentUri = uri;
    this.isPinned = pinned;
    CellGraphPanel.panels.add(this);
    CellGraphPanel.lastActive = this;
    panel.title = CellGraphPanel.title(uri, pinned);
    this.host = new WebviewHost(
      panel,
      GRAPH_PANEL,
      { extensionUri: context.extensionUri, log: deps.log },
      {
        onReady: () => this.update(),
        afterReady: () => {
          const ed = vscode.window.activeTextEditor;
          if (!ed) return;
          this.lastHighlight = '';
          this.highlightFrom(ed);
        },
        onMessage: (m) => this.handle(m),
        onDispose: () => this.closed(),
      },
    );
    this.host.track(
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.active) return;
        CellGraphPanel.lastActive = this;
        void vscode.commands.executeCommand('setContext', PINNED_CONTEXT, this.isPinned);
      }),
    );
  }

  /** The document shown. */
  get uri(): vscode.Uri {
    return this.currentUri;
  }

  /** Pinned panels stay on their document; the one unpinned panel follows the active editor. */
  get pinned(): boolean {
    return this.isPinned;
  }

  /** Show another document in this panel (its cell under the cursor when it is in an editor). */
  showDocument(uri: vscode.Uri): void {
    if (this.host.disposed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.currentUri = uri;
    this.lastGood = [];
    this.lastHighlight = '';
    this.selected = undefined;
    this.panel.title = CellGraphPanel.title(uri, this.isPinned);
    this.update();
    const ed = this.editorShowing();
    if (ed) this.highlightFrom(ed);
  }

  /** Pin this panel to its document; another following panel opens with the next Show Cell Graph. */
  pin(): void {
    this.setPinned(true);
  }

  /**
   * Let this panel follow the active editor again. Another following panel, if any, is closed (both would show
   * the same file), and this one switches to the active cell file.
   */
  unpin(): void {
    if (!this.isPinned) return;
    for (const p of CellGraphPanel.all()) if (p !== this && !p.pinned) p.dispose();
    this.setPinned(false);
    // The active editor, or (the pin button gave this webview the focus) the cell file active last.
    CellGraphPanel.follow(vscode.window.activeTextEditor, this.deps);
    const last = CellGraphPanel.lastCellUri;
    if (last && last.toString() !== this.uri.toString()) this.showDocument(last);
  }

  private setPinned(pinned: boolean): void {
    if (this.host.disposed) return;
    this.isPinned = pinned;
    this.panel.title = CellGraphPanel.title(this.currentUri, pinned);
    if (this.panel.active) void vscode.commands.executeCommand('setContext', PINNED_CONTEXT, pinned);
    // Re-render so the webview persists the pin (restored after a reload).
    this.update();
  }

  /** A visible editor showing this panel's document. */
  private editorShowing(): vscode.TextEditor | undefined {
    const key = this.uri.toString();
    const active = vscode.window.activeTextEditor;
    if (active?.document.uri.toString() === key) return active;
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === key);
  }

  private document(): vscode.TextDocument | undefined {
    const key = this.uri.toString();
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  }

  private post(m: ToWebview): void {
    this.host.post(m);
  }

  /** Debounced update after an edit. */
  scheduleUpdate(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, UPDATE_DEBOUNCE_MS);
  }

  /** Re-read the document and send a `render` message. */
  update(): void {
    if (this.host.disposed) return;
    const doc = this.document();
    if (!doc) {
      void vscode.workspace.openTextDocument(this.uri).then(
        (d) => {
          if (!this.host.disposed) this.renderDocument(d);
        },
        (e: unknown) =>
          this.post(this.renderMessage(this.lastGood, true, `Cannot open ${this.uri.toString()}: ${String(e)}`)),
      );
      return;
    }
    this.renderDocument(doc);
  }

  private renderDocument(doc: vscode.TextDocument): void {
    const render = ++this.renders;
    let cells: readonly Cell[];
    try {
      cells = this.deps.getCells(doc);
    } catch (e) {
      this.deps.log.error(`graph: reading the cells of ${doc.uri.toString()} failed: ${String(e)}`);
      cells = [];
    }
    // The webview shows this document's graph (lastGood is emptied when the panel switches documents).
    const showing = this.lastGood.length > 0;
    if (cells.length === 0 && this.deps.analyse && doc.getText().length >= BIG_DOCUMENT_CHARS) {
      // A big document still being parsed (on the worker): say so at once, draw when its cells are known.
      if (!showing) this.post(this.busyMessage(`Analysing ${CellGraphPanel.fileName(doc.uri)}…`));
      void this.deps.analyse(doc).then(
        (parsed) => {
          if (render === this.renders && !this.host.disposed && parsed.length) this.renderCells(doc, parsed);
        },
        (e: unknown) => this.deps.log.error(`graph: analysing ${doc.uri.toString()} failed: ${String(e)}`),
      );
      return;
    }
    if (cells.length === 0) {
      const text = doc.getText();
      const syntax = text.trim().length > 0 ? jsonSyntaxError(text) : undefined;
      const error = syntax ?? 'No NAS-Bench-NLP cell in this document.';
      this.post(this.renderMessage(this.lastGood, this.lastGood.length > 0 || syntax !== undefined, error));
      return;
    }
    if (cells.length > MAX_CELLS_SENT && !showing) {
      // Another big document: the previous one's graph gives way to what is happening, then the cell at the cursor.
      this.post(this.busyMessage(`Analysing ${cells.length.toLocaleString('en-US')} cells…`));
      void nextTurn().then(() => {
        if (render === this.renders && !this.host.disposed) this.renderCells(doc, cells);
      });
      return;
    }
    this.renderCells(doc, cells);
  }

  /** The render of a document whose cells are not known yet: no cell, what the host is doing. */
  private busyMessage(busy: string): ToWebview {
    this.lastGood = [];
    return { ...this.renderMessage([], false), busy };
  }

  /**
   * Send the views of the cells; in a big document, of the selected cell and its neighbours only: cell `at`, else
   * the cell under the cursor, else the one shown before, else the first.
   */
  private renderCells(doc: vscode.TextDocument, cells: readonly Cell[], at?: number): void {
    const t0 = Date.now();
    const sizes = this.deps.getSizes?.();
    const big = cells.length > MAX_CELLS_SENT;
    this.selected = at ?? this.cursorCell() ?? this.selected;
    let sent = cells;
    if (big) {
      const i = Math.max(
        0,
        cells.findIndex((c) => c.index === this.selected),
      );
      this.selected = cells[i].index;
      sent = cells.slice(Math.max(0, i - WINDOW_CELLS), i + WINDOW_CELLS + 1);
    }
    const views: CellView[] = [];
    for (const cell of sent) {
      try {
        views.push(this.cellView(cell, sizes));
      } catch (e) {
        this.deps.log.error(`graph: ${cell.label}: ${String(e)}`);
      }
    }
    this.lastGood = views;
    const outline = big ? cells.map((c) => ({ index: c.index, label: c.label })) : undefined;
    this.post(this.renderMessage(views, false, undefined, outline));
    this.deps.log.trace(
      `graph: rendered ${views.length} of ${cells.length} cell(s) of ${doc.uri.toString()} in ${Date.now() - t0} ms`,
    );
  }

  /** In a big document, make sure the webview has the view of cell `index` (a render around it when it has not). */
  private ensureSent(doc: vscode.TextDocument, index: number): void {
    // No views sent yet (the document is being analysed): the render under way opens at this cell.
    if (!this.lastGood.length || this.lastGood.some((c) => c.index === index)) {
      this.selected = index;
      return;
    }
    let cells: readonly Cell[];
    try {
      cells = this.deps.getCells(doc);
    } catch {
      return;
    }
    if (cells.some((c) => c.index === index)) {
      this.renders++;
      this.renderCells(doc, cells, index);
    }
  }

  private static fileName(uri: vscode.Uri): string {
    return uri.path.split('/').pop() || uri.toString();
  }

  private cellView(cell: Cell, sizes: GraphSizes | undefined): CellView {
    const wantsHash = this.deps.getScores || (this.deps.getBenchmark && !cell.log);
    const hash = wantsHash ? canonicalHash(toRecipe(cell)) : '';
    const shared = hash && this.deps.getScores ? this.deps.getScores(hash) : undefined;
    // The heat-map uses per-node values only when they name this cell's nodes (see perNodeFitsNames).
    const scores =
      shared && !perNodeFitsNames(shared, new Set(cell.nodes.map((n) => n.name)))
        ? { ...shared, results: shared.results.map(({ perNode: _p, ...r }) => r) }
        : shared;
    const benchmark = hash && !cell.log && this.deps.getBenchmark ? this.deps.getBenchmark(cell, hash) : undefined;
    return cellView(cell, {
      ...(scores ? { scores } : {}),
      ...(benchmark ? { benchmark } : {}),
      ...(sizes ? { options: { sizes } } : {}),
    });
  }

  private renderMessage(
    cells: CellView[],
    stale: boolean,
    error?: string,
    outline?: RenderMessage['outline'],
  ): RenderMessage {
    const selectedCell = outline ? this.selected : this.cursorCell();
    return {
      type: 'render',
      version: PROTOCOL_VERSION,
      uri: this.uri.toString(),
      title: CellGraphPanel.title(this.uri, this.isPinned),
      cells,
      stale,
      ...(error !== undefined && stale ? { error } : {}),
      ...(selectedCell !== undefined ? { selectedCell } : {}),
      ...(this.isPinned ? { pinned: true } : {}),
      ...(outline ? { outline } : {}),
    };
  }

  /** The index of the cell under the cursor of an editor showing this document (the webview starts there). */
  private cursorCell(): number | undefined {
    const ed = this.editorShowing();
    if (!ed?.selection) return undefined;
    let cells: readonly Cell[];
    try {
      cells = this.deps.getCells(ed.document);
    } catch {
      return undefined;
    }
    const offset = ed.document.offsetAt(ed.selection.active);
    return (
      cells.find((c) => offset >= c.span.start && offset <= c.span.end) ?? (cells.length === 1 ? cells[0] : undefined)
    )?.index;
  }

  /** Outline the node under the cursor of `editor` (when it shows this panel's document). */
  highlightFrom(editor: vscode.TextEditor): void {
    if (editor.document.uri.toString() !== this.uri.toString() || !editor.selection) return;
    let cells: readonly Cell[];
    try {
      cells = this.deps.getCells(editor.document);
    } catch {
      return;
    }
    const offset = editor.document.offsetAt(editor.selection.active);
    const cell =
      cells.find((c) => offset >= c.span.start && offset <= c.span.end) ?? (cells.length === 1 ? cells[0] : undefined);
    if (!cell) return;
    const node = nodeAtOffset(cell, offset);
    const key = `${cell.index}\u0000${node ?? ''}`;
    if (key === this.lastHighlight) return;
    this.lastHighlight = key;
    if (cells.length > MAX_CELLS_SENT) this.ensureSent(editor.document, cell.index);
    this.post({ type: 'highlight', cellIndex: cell.index, ...(node !== undefined ? { node } : {}) });
  }

  /** Ask the webview for an export; the answer arrives as an `export` message. */
  requestExport(format: ExportFormat): void {
    this.post({ type: 'exportRequest', format });
  }

  private async handle(m: RevealMessage | SelectCellMessage | PinMessage | ExportMessage): Promise<void> {
    switch (m.type) {
      case 'reveal':
        return this.reveal(m.cellIndex, m.node);
      case 'selectCell':
        return this.revealCell(m.cellIndex);
      case 'pin':
        if (m.pinned) this.pin();
        else this.unpin();
        return;
      case 'export':
        return this.saveExport(m.format, m.cellIndex, m.data);
    }
  }

  private async editorForDocument(): Promise<vscode.TextEditor> {
    const key = this.uri.toString();
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === key);
    const doc = visible?.document ?? (await vscode.workspace.openTextDocument(this.uri));
    const column =
      visible?.viewColumn ??
      (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
    return vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false });
  }

  private async reveal(cellIndex: number, name: string): Promise<void> {
    const editor = await this.editorForDocument();
    const cell = this.deps.getCells(editor.document).find((c) => c.index === cellIndex);
    if (!cell) return;
    const node = cell.nodes.find((n) => n.name === name);
    const span = node?.keySpan ?? cell.nodes.flatMap((n) => n.inputs).find((r) => r.name === name)?.span;
    if (!span) return;
    const range = new vscode.Range(editor.document.positionAt(span.start), editor.document.positionAt(span.end));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private revealCell(cellIndex: number): void {
    const key = this.uri.toString();
    const doc = this.document();
    // A cell picked in a big document: its view, if the webview does not have it.
    if (doc && this.lastGood.length && !this.lastGood.some((c) => c.index === cellIndex))
      this.ensureSent(doc, cellIndex);
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === key);
    if (!editor) return;
    const cell = this.deps.getCells(editor.document).find((c) => c.index === cellIndex);
    if (!cell) return;
    const pos = editor.document.positionAt(cell.anchor.start);
    this.lastHighlight = `${cellIndex}\u0000`;
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async saveExport(format: ExportFormat, cellIndex: number, data: string): Promise<void> {
    const base = (this.uri.path.split('/').pop() || 'cell').replace(/\.[^.]+$/, '');
    const label = this.lastGood.find((c) => c.index === cellIndex)?.label ?? `cell ${cellIndex}`;
    const suffix = this.lastGood.length > 1 ? `-${label.replace(/[^A-Za-z0-9_-]+/g, '-')}` : '';
    const dir =
      this.uri.scheme === 'untitled'
        ? vscode.workspace.workspaceFolders?.[0]?.uri
        : vscode.Uri.joinPath(this.uri, '..');
    const fileName = `${base}${suffix}-graph.${format}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: dir ? vscode.Uri.joinPath(dir, fileName) : undefined,
      filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
      title: `Export the cell graph as ${format.toUpperCase()}`,
    });
    if (!target) return;
    const bytes =
      format === 'svg'
        ? new TextEncoder().encode(data)
        : Uint8Array.from(Buffer.from(data.slice('data:image/png;base64,'.length), 'base64'));
    await vscode.workspace.fs.writeFile(target, bytes);
    this.deps.log.info(`graph: exported ${format.toUpperCase()} to ${target.toString()} (${bytes.length} bytes)`);
    void vscode.window
      .showInformationMessage(`Cell graph exported to ${vscode.workspace.asRelativePath(target)}.`, 'Open')
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
    CellGraphPanel.panels.delete(this);
    if (CellGraphPanel.lastActive === this) CellGraphPanel.lastActive = undefined;
  }
}

/**
 * Register the graph commands (`cellLens.showGraph`, `cellLens.exportGraphSvg`, `cellLens.exportGraphPng`,
 * `cellLens.pinGraph`, `cellLens.unpinGraph`), the panel serializer and the editor listeners (the following
 * panel switches with the active editor). Returns the disposables (the caller adds them to the context).
 */
export function registerGraphView(
  context: vscode.ExtensionContext,
  deps: GraphDeps,
): { disposables: vscode.Disposable[]; commands: Commands } {
  const docFor = deps.documentFor;
  const exportCmd =
    (format: ExportFormat) =>
    async (arg?: unknown): Promise<void> => {
      let panel = arg instanceof vscode.Uri ? CellGraphPanel.forDocument(arg) : CellGraphPanel.active();
      if (!panel) {
        const doc = await docFor(arg);
        if (!doc) {
          void vscode.window.showWarningMessage('Cell Lens: open a cell file to export its graph.');
          return;
        }
        panel = CellGraphPanel.show(context, deps, doc);
      }
      panel.requestExport(format);
    };
  // Pin / Unpin act on the graph panel that has the focus (title-bar button), else on the following panel.
  const focused = (): CellGraphPanel | undefined => CellGraphPanel.all().find((p) => p.panel.active);
  const commands: Commands = {
    'cellLens.showGraph': async (arg?: unknown) => {
      const doc = await docFor(arg);
      if (!doc) {
        void vscode.window.showWarningMessage('Cell Lens: open a NAS-Bench-NLP cell file (JSON) to see its graph.');
        return;
      }
      CellGraphPanel.show(context, deps, doc);
      if (deps.getCells(doc).length) walkthroughDone('graph');
    },
    'cellLens.exportGraphSvg': exportCmd('svg'),
    'cellLens.exportGraphPng': exportCmd('png'),
    'cellLens.pinGraph': () => {
      const p = focused() ?? CellGraphPanel.following();
      if (!p) {
        void vscode.window.showInformationMessage(
          'Cell Lens: no cell graph is open to pin (Show Cell Graph opens one).',
        );
        return;
      }
      p.pin();
    },
    'cellLens.unpinGraph': () => {
      const p = focused() ?? CellGraphPanel.all().find((x) => x.pinned);
      p?.unpin();
    },
  };
  return {
    disposables: [
      registerPanelSerializer(GRAPH_PANEL, context.extensionUri, (panel, state) => {
        const uri =
          typeof state === 'object' && state !== null && typeof (state as WebviewState).uri === 'string'
            ? ((state as WebviewState).uri as string)
            : undefined;
        if (!uri) {
          deps.log.warn('graph: a restored panel had no document; closing it');
          panel.dispose();
          return;
        }
        CellGraphPanel.revive(panel, context, deps, vscode.Uri.parse(uri), (state as WebviewState).pinned === true);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) for (const p of CellGraphPanel.showing(e.document.uri)) p.scheduleUpdate();
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        for (const p of CellGraphPanel.showing(e.textEditor.document.uri)) p.highlightFrom(e.textEditor);
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => CellGraphPanel.follow(e, deps)),
      ...(deps.onDidChangeScores
        ? [
            deps.onDidChangeScores(() => {
              for (const p of CellGraphPanel.all()) p.scheduleUpdate();
            }),
          ]
        : []),
      new vscode.Disposable(() => {
        for (const p of CellGraphPanel.all()) p.dispose();
      }),
    ],
    commands,
  };
}
