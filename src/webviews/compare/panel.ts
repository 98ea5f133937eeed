/**
 * Editor glue of "Compare Two Cells": the commands (palette, explorer with two files selected, `compare with…`
 * CodeLens, editor title), the quick picks that choose the cells, and the one webview panel that shows a
 * comparison (webview/compare.ts, protocol src/compare/protocol.ts). The panel follows edits of either document,
 * the benchmark loading and new scores. The only file of src/compare that imports `vscode`.
 */
import * as vscode from 'vscode';
import type { Commands } from '../../editor/commands';
import { WebviewHost, openPanel, type PanelSpec } from '../host';
import { COMPARE_PAGE } from '../html';
import type { AnalysedCell } from '../../editor/analysis';
import type { DocumentFor } from '../../editor/commandDocument';
import type { LensContributor } from '../../editor/providers';
import type { BenchmarkMatch } from '../../benchmark/index';
import type { ScoreReport } from '../../scoring/types';
import { compareMessage, compareTitle, type CompareInput } from '../../compare/view';
import { cellName } from '../../report/format';
import {
  COMPARE_VIEW_TYPE,
  isFromCompareWebview,
  type CompareMessage,
  type CompareRevealMessage,
  type FromCompareWebview,
  type Side,
  type ToCompareWebview,
} from '../../compare/protocol';

/** What the comparison needs from the rest of the extension. */
export interface CompareDeps {
  /** The analysed cells of a document; undefined when it is not a cell document. */
  analyse(doc: vscode.TextDocument): readonly AnalysedCell[] | undefined;
  /** The document a compare command means (src/editor/commandDocument.ts). */
  readonly documentFor: DocumentFor;
  /** Benchmark records of a canonical hash, one per dataset; undefined while the benchmark loads. */
  lookup(hash: string): readonly BenchmarkMatch[] | undefined;
  onDidChangeBenchmark?: vscode.Event<void>;
  /** The score reports two cells are compared at (the same settings for both; ScoringService.peekPair), if cached. */
  peekScores?(a: string | undefined, b: string | undefined): [ScoreReport | undefined, ScoreReport | undefined];
  onDidChangeScores?: vscode.Event<void>;
  /** Registers a CodeLens contributor (the `compare with…` lens above every valid cell). */
  addLens?(contributor: LensContributor): void;
  log: vscode.LogOutputChannel;
}

/** A cell by document and index. */
export interface CellRef {
  readonly uri: vscode.Uri;
  readonly index: number;
}

const UPDATE_DEBOUNCE_MS = 80;

/**
 * The compare panel's page and protocol. On `ready` it gets the theme and the comparison afresh. The page is
 * discarded while the panel is hidden (no retainContextWhenHidden): it posts `ready` again when shown.
 */
const COMPARE_PANEL: PanelSpec<ToCompareWebview, FromCompareWebview> = {
  viewType: COMPARE_VIEW_TYPE,
  page: COMPARE_PAGE,
  options: { retainContextWhenHidden: false },
  icon: 'graph-icon.svg',
  label: 'compare',
  isFromWebview: isFromCompareWebview,
  theme: (kind) => ({ type: 'theme', kind }),
  resentOnReady: ['compare', 'theme'],
  queueWhileHidden: true,
};

/** A cell's one name (src/report/format.ts cellName): LSTM, recepie 1001636, cell 4. */
const nameOf = (c: AnalysedCell, matches: readonly BenchmarkMatch[] | undefined): string =>
  cellName(c.cell, c.valid ? c.hash : undefined, matches);

const baseName = (uri: vscode.Uri): string => uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();

/** The compare panel (one at a time: a new comparison replaces the shown one). */
class ComparePanel implements vscode.Disposable {
  static current: ComparePanel | undefined;

  private readonly host: WebviewHost<ToCompareWebview, FromCompareWebview>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last: CompareMessage | undefined;
  /** The last "cannot compare" warning logged: said once, not again on every score or edit that follows. */
  private lastWarning: string | undefined;

  static show(context: vscode.ExtensionContext, deps: CompareDeps, a: CellRef, b: CellRef): ComparePanel {
    const p = ComparePanel.current;
    if (p) {
      p.a = a;
      p.b = b;
      p.panel.reveal(undefined, false);
      void p.update();
      return p;
    }
    const panel = openPanel(COMPARE_PANEL, context.extensionUri, 'Compare Cells', {
      viewColumn: vscode.ViewColumn.Active,
      preserveFocus: false,
    });
    return new ComparePanel(panel, context, deps, a, b);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly deps: CompareDeps,
    private a: CellRef,
    private b: CellRef,
  ) {
    ComparePanel.current = this;
    this.host = new WebviewHost(
      panel,
      COMPARE_PANEL,
      { extensionUri: context.extensionUri, log: deps.log },
      {
        // The documents may have gone (a file deleted): then the last comparison is shown again.
        onReady: async () => {
          if (!(await this.update()) && this.last) this.post(this.last);
        },
        onMessage: (m) => (m.type === 'score' ? this.score(m.side) : this.reveal(m)),
        onDispose: () => this.closed(),
      },
    );
  }

  /** Whether the comparison shows a cell of this document. */
  shows(uri: vscode.Uri): boolean {
    const k = uri.toString();
    return this.a.uri.toString() === k || this.b.uri.toString() === k;
  }

  private post(m: ToCompareWebview): void {
    this.host.post(m);
  }

  scheduleUpdate(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update();
    }, UPDATE_DEBOUNCE_MS);
  }

  /** A side's cell (its report is added by {@link update}: both sides at the same settings). */
  private async input(ref: CellRef): Promise<(CompareInput & { hash?: string }) | string> {
    const doc =
      vscode.workspace.textDocuments.find((d) => d.uri.toString() === ref.uri.toString()) ??
      (await vscode.workspace.openTextDocument(ref.uri));
    const cells = this.deps.analyse(doc);
    const c = cells?.find((x) => x.cell.index === ref.index);
    if (!c) return `${baseName(ref.uri)} has no cell ${ref.index} any more`;
    const matches = c.valid ? this.deps.lookup(c.hash) : [];
    return {
      cell: { ...c.cell, label: nameOf(c, matches) },
      uri: ref.uri.toString(),
      fileName: baseName(ref.uri),
      matches,
      ...(c.valid ? { hash: c.hash } : {}),
    };
  }

  /** Rebuild the comparison from the documents as they are now; false when it could not (the last one stays). */
  async update(): Promise<boolean> {
    if (this.host.disposed) return false;
    try {
      const [a, b] = await Promise.all([this.input(this.a), this.input(this.b)]);
      if (typeof a === 'string' || typeof b === 'string') {
        const warning = `compare: ${typeof a === 'string' ? a : (b as string)}; showing the last comparison`;
        if (warning !== this.lastWarning) this.deps.log.warn(warning);
        this.lastWarning = warning;
        return false;
      }
      this.lastWarning = undefined;
      const [ra, rb] = this.deps.peekScores?.(a.hash, b.hash) ?? [];
      const t0 = Date.now();
      const m = compareMessage({ ...a, ...(ra ? { report: ra } : {}) }, { ...b, ...(rb ? { report: rb } : {}) });
      this.last = m;
      this.panel.title = compareTitle(a, b);
      this.post(m);
      this.deps.log.trace(`compare: ${m.summary} (${Date.now() - t0} ms)`);
      return true;
    } catch (e) {
      this.deps.log.error(`compare: ${String(e)}`);
      return false;
    }
  }

  /**
   * Score one side's cell at the current settings: the editor's Score This Cell for its document and index (the
   * lens's command, with its progress and messages); the new report reaches the panel through onDidChangeScores.
   */
  private async score(side: Side): Promise<void> {
    const ref = side === 'left' ? this.a : this.b;
    await vscode.commands.executeCommand('cellLens.scoreCell', ref.uri, ref.index);
  }

  /** Select a node of one side's cell in its editor (beside the panel). */
  private async reveal({ side, node: name }: CompareRevealMessage): Promise<void> {
    const ref = side === 'left' ? this.a : this.b;
    const doc = await vscode.workspace.openTextDocument(ref.uri);
    const cell = this.deps.analyse(doc)?.find((c) => c.cell.index === ref.index)?.cell;
    if (!cell) return;
    const node = cell.nodes.find((n) => n.name === name);
    const span = node?.keySpan ?? cell.nodes.flatMap((n) => n.inputs).find((r) => r.name === name)?.span;
    if (!span) return;
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: false,
    });
    const range = new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.host.dispose();
  }

  /** The panel closed. */
  private closed(): void {
    if (this.timer) clearTimeout(this.timer);
    if (ComparePanel.current === this) ComparePanel.current = undefined;
  }
}

interface CellItem extends vscode.QuickPickItem {
  readonly ref?: CellRef;
  readonly editors?: readonly [CellRef, CellRef];
}

/** The cell the cursor of `editor` is in (undefined: between cells). */
function cellAtCursor(editor: vscode.TextEditor, cells: readonly AnalysedCell[]): AnalysedCell | undefined {
  const off = editor.document.offsetAt(editor.selection.active);
  return (
    cells.find((c) => off >= c.cell.span.start && off <= c.cell.span.end) ?? (cells.length === 1 ? cells[0] : undefined)
  );
}

/**
 * Register `cellLens.compareCells` (Compare Two Cells) and `cellLens.compareWith` (Compare with…), the
 * `compare with…` lens and the listeners that keep the panel current. Returns the disposables, the commands and
 * `open` (the panel of two cells, for other features: Suggest Edits' preview).
 */
export function registerCompare(
  context: vscode.ExtensionContext,
  deps: CompareDeps,
): { disposables: vscode.Disposable[]; commands: Commands; open: (a: CellRef, b: CellRef) => void } {
  const open = (a: CellRef, b: CellRef) => ComparePanel.show(context, deps, a, b);

  const describe = (c: AnalysedCell): string => {
    if (!c.valid) return 'has errors';
    const m = deps.lookup(c.hash)?.[0];
    const bench = m
      ? m.rank !== undefined
        ? `${m.dataset} test loss ${m.entry.meanTest.toFixed(3)} · rank ${m.rank}/${m.size}`
        : `${m.dataset}: diverged`
      : 'not in benchmark';
    return `${c.cell.nodes.length} nodes · ${bench}`;
  };

  /** Every valid cell of the open cell documents, as quick-pick items (documents in tab order). */
  const openCells = (exclude?: CellRef): CellItem[] => {
    const items: CellItem[] = [];
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isClosed) continue;
      const cells = deps.analyse(doc);
      if (!cells) continue;
      for (const c of cells) {
        if (!c.valid) continue;
        const ref = { uri: doc.uri, index: c.cell.index };
        if (exclude && exclude.uri.toString() === ref.uri.toString() && exclude.index === ref.index) continue;
        items.push({ label: nameOf(c, deps.lookup(c.hash)), description: baseName(doc.uri), detail: describe(c), ref });
      }
    }
    return items;
  };

  /** The cells under the cursors of two visible cell editors, when there are exactly two. */
  const editorPair = (): readonly [CellRef, CellRef] | undefined => {
    const refs: CellRef[] = [];
    for (const ed of vscode.window.visibleTextEditors) {
      const cells = deps.analyse(ed.document);
      const c = cells && cellAtCursor(ed, cells);
      if (c?.valid) refs.push({ uri: ed.document.uri, index: c.cell.index });
    }
    return refs.length === 2 ? [refs[0], refs[1]] : undefined;
  };

  const pick = async (items: CellItem[], title: string): Promise<CellItem | undefined> => {
    if (items.length === 0) {
      void vscode.window.showWarningMessage(
        'Cell Lens: open a file with NAS-Bench-NLP cells (valid ones) to compare them.',
      );
      return undefined;
    }
    return vscode.window.showQuickPick(items, {
      title,
      placeHolder: 'Type to filter by cell or file name',
      matchOnDescription: true,
      matchOnDetail: true,
    });
  };

  /** A cell of a file: the only valid one, or one picked from its cells. */
  const cellIn = async (uri: vscode.Uri, title: string): Promise<CellRef | undefined> => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const cells = (deps.analyse(doc) ?? []).filter((c) => c.valid);
    if (cells.length === 0) {
      void vscode.window.showWarningMessage(`Cell Lens: ${baseName(uri)} holds no valid cell to compare.`);
      return undefined;
    }
    if (cells.length === 1) return { uri, index: cells[0].cell.index };
    const it = await pick(
      cells.map((c) => ({
        label: nameOf(c, deps.lookup(c.hash)),
        description: baseName(uri),
        detail: describe(c),
        ref: { uri, index: c.cell.index },
      })),
      title,
    );
    return it?.ref;
  };

  const compareWith = async (a: CellRef): Promise<void> => {
    const b = await pick(openCells(a), 'Compare with… (B)');
    if (b?.ref) open(a, b.ref);
  };

  if (deps.addLens) {
    deps.addLens((doc, c, range) =>
      c.valid
        ? [
            {
              slot: 'compare',
              lens: new vscode.CodeLens(range, {
                title: '$(diff) compare with…',
                command: 'cellLens.compareWith',
                arguments: [doc.uri, c.cell.index],
                tooltip:
                  'Compare this cell with another: both graphs with their differences marked, benchmark records and scores side by side',
              }),
            },
          ]
        : [],
    );
  }

  const commands: Commands = {
    'cellLens.compareCells': async (arg?: unknown, selected?: unknown) => {
      const uris = Array.isArray(selected)
        ? selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri)
        : arg instanceof vscode.Uri
          ? [arg]
          : [];
      if (uris.length > 2) {
        void vscode.window.showWarningMessage(
          'Cell Lens: select two cell files to compare (or one, to pick the other cell).',
        );
        return;
      }
      if (uris.length === 2) {
        const a = await cellIn(uris[0], `Compare: a cell of ${baseName(uris[0])} (A)`);
        const b = a && (await cellIn(uris[1], `Compare: a cell of ${baseName(uris[1])} (B)`));
        if (a && b) open(a, b);
        return;
      }
      if (uris.length === 1) {
        const a = await cellIn(uris[0], `Compare: a cell of ${baseName(uris[0])} (A)`);
        if (a) await compareWith(a);
        return;
      }
      const pair = editorPair();
      const first: CellItem[] = pair
        ? [
            {
              label: '$(split-horizontal) The cells at the cursors of the two editors',
              detail: `${baseName(pair[0].uri)} ↔ ${baseName(pair[1].uri)}`,
              editors: pair,
            },
          ]
        : [];
      const a = await pick([...first, ...openCells()], 'Compare Two Cells: the first cell (A)');
      if (!a) return;
      if (a.editors) {
        open(a.editors[0], a.editors[1]);
        return;
      }
      if (a.ref) await compareWith(a.ref);
    },
    'cellLens.compareWith': async (arg?: unknown, index?: unknown) => {
      const uri = arg instanceof vscode.Uri ? arg : (await deps.documentFor())?.uri;
      if (!uri) {
        void vscode.window.showWarningMessage('Cell Lens: open a cell file to compare one of its cells.');
        return;
      }
      let a: CellRef | undefined;
      if (typeof index === 'number') a = { uri, index };
      else {
        const doc = await vscode.workspace.openTextDocument(uri);
        const cells = deps.analyse(doc) ?? [];
        const ed = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
        const at = ed ? cellAtCursor(ed, cells) : undefined;
        a = at?.valid ? { uri, index: at.cell.index } : await cellIn(uri, `Compare: a cell of ${baseName(uri)} (A)`);
      }
      if (a) await compareWith(a);
    },
  };
  return {
    disposables: [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && ComparePanel.current?.shows(e.document.uri))
          ComparePanel.current.scheduleUpdate();
      }),
      ...(deps.onDidChangeBenchmark ? [deps.onDidChangeBenchmark(() => ComparePanel.current?.scheduleUpdate())] : []),
      ...(deps.onDidChangeScores ? [deps.onDidChangeScores(() => ComparePanel.current?.scheduleUpdate())] : []),
      new vscode.Disposable(() => ComparePanel.current?.dispose()),
    ],
    commands,
    open,
  };
}
