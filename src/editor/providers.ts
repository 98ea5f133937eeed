/**
 * Diagnostics, quick fixes, CodeLens and hovers over the shared analysis cache.
 *
 * A big document is parsed off the extension host (see analysis.ts): until the analysis of its current version
 * arrives, diagnostics stay as they are (VS Code moves them with the edits), and lenses, hovers and quick fixes wait
 * for it rather than map the previous version's offsets into the new text.
 */
import * as vscode from 'vscode';
import { hashCells, invalidJson, type Analysis, type AnalysisCache, type AnalysedCell } from './analysis';
import type { BenchmarkService } from './benchmarkService';
import type { Diagnostic, Span } from '../recipe/types';
import type { BenchmarkMatch } from '../benchmark/index';
import {
  benchmarkHoverLine,
  benchmarkLensTitles,
  cellName,
  logLensTitles,
  nodeHoverMarkdown,
  notInBenchmarkTitles,
} from '../report/format';
import { fitLensLine, plainTitle, type LensSlot } from '../report/lens';
import { BENCHMARK_MODEL, modelParams } from '../scoring/model/params';
import { codeLensEnabled, diagnosticsDelayMs } from './config';
import { crowdedLines } from '../recipe/layout';

const SOURCE = 'Cell Lens';

export function toRange(doc: vscode.TextDocument, s: Span): vscode.Range {
  return new vscode.Range(doc.positionAt(s.start), doc.positionAt(s.end));
}

function toVsDiagnostic(doc: vscode.TextDocument, d: Diagnostic): vscode.Diagnostic {
  const sev =
    d.severity === 'error'
      ? vscode.DiagnosticSeverity.Error
      : d.severity === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
  const v = new vscode.Diagnostic(toRange(doc, d.span), d.message, sev);
  v.source = SOURCE;
  v.code = d.code;
  if (d.related?.length)
    v.relatedInformation = d.related.map(
      (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, toRange(doc, r.span)), r.message),
    );
  if (d.code === 'unreachable' || d.code === 'unread-state') v.tags = [vscode.DiagnosticTag.Unnecessary];
  return v;
}

/**
 * Every diagnostic of an analysis as the Problems panel shows it: in a file of several cells, each cell's messages
 * start with the cell's label (`cell 194: …`), so a one-line list of 200 cells says which cell a warning is about.
 */
function documentDiagnostics(a: Analysis): Diagnostic[] {
  const several = a.cells.length > 1;
  return [
    ...a.parsed.diagnostics,
    ...a.cells.flatMap((c) =>
      several
        ? c.cell.diagnostics.map((d) => ({ ...d, message: `${c.cell.label}: ${d.message}` }))
        : c.cell.diagnostics,
    ),
  ];
}

/** The dataset a parameter count is of: the loaded benchmark's (its first), WikiText-2 until one is loaded. */
function paramsDataset(bench: BenchmarkService): string | undefined {
  return bench.peek()?.datasets()[0];
}

/** Publishes diagnostics for cell documents, debounced while typing; works for saved and untitled documents. */
export class DiagnosticsController implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('cellLens');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subs: vscode.Disposable[] = [];
  /** Fires after a document's cells were re-analysed (the graph and lenses listen). */
  private readonly analysed = new vscode.EventEmitter<vscode.TextDocument>();
  readonly onDidAnalyse = this.analysed.event;

  /** Documents seen, by URI: the analysis of a big one arrives later (cache.onDidChange) and is published then. */
  private readonly docs = new Map<string, vscode.TextDocument>();

  constructor(
    private readonly cache: AnalysisCache,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        const key = d.uri.toString();
        this.docs.delete(key);
        clearTimeout(this.timers.get(key));
        this.timers.delete(key);
        this.collection.delete(d.uri);
        this.cache.delete(d.uri);
      }),
      cache.onDidChange((a) => {
        const d = this.docs.get(a.uri);
        if (d && d.version === a.version) this.update(d);
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.update(doc);
      }, diagnosticsDelayMs()),
    );
  }

  update(doc: vscode.TextDocument): void {
    if (doc.isClosed) return;
    const t0 = performance.now();
    this.docs.set(doc.uri.toString(), doc);
    const a = this.cache.get(doc);
    // Parsed off the host: published when the analysis of this version arrives.
    if (!a && this.cache.isAnalysing(doc)) return;
    if (!a) {
      this.collection.delete(doc.uri);
      return;
    }
    if (a.version !== doc.version) return;
    const ds = documentDiagnostics(a).map((d) => toVsDiagnostic(doc, d));
    this.collection.set(doc.uri, ds);
    this.log.trace(
      `analysed ${doc.uri.fsPath || doc.uri.toString()} v${doc.version}: ${a.cells.length} cell(s), ${ds.length} diagnostic(s) in ${(performance.now() - t0).toFixed(1)} ms`,
    );
    this.analysed.fire(doc);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.collection.dispose();
    this.analysed.dispose();
    for (const s of this.subs) s.dispose();
  }
}

/** Quick fixes carried by diagnostics (nearest op, nearest node name). */
export class QuickFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly cache: AnalysisCache) {}

  provideCodeActions(
    doc: vscode.TextDocument,
    range: vscode.Range,
    _context?: vscode.CodeActionContext,
    token?: vscode.CancellationToken,
  ): vscode.CodeAction[] | Promise<vscode.CodeAction[]> {
    return withCurrent(this.cache, doc, [], (a) => this.actionsOf(doc, range, a), token);
  }

  private actionsOf(doc: vscode.TextDocument, range: vscode.Range, a: Analysis): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of documentDiagnostics(a)) {
      const r = toRange(doc, d.span);
      if (!r.intersection(range) && !r.contains(range)) continue;
      for (const f of d.fixes ?? []) {
        const act = new vscode.CodeAction(f.title, vscode.CodeActionKind.QuickFix);
        act.edit = new vscode.WorkspaceEdit();
        act.edit.replace(doc.uri, toRange(doc, f.span), f.text);
        act.isPreferred = true;
        act.diagnostics = [toVsDiagnostic(doc, d)];
        out.push(act);
      }
    }
    return out;
  }
}

/**
 * One lens of a cell: its slot in THE order of a cell's lenses (src/report/lens.ts) and its shorter titles, longest
 * first, for a line that would not fit the width otherwise (the lens's own title is its longest).
 */
export interface CellLens {
  readonly slot: LensSlot;
  readonly lens: vscode.CodeLens;
  readonly shorter?: readonly string[];
}

/** Extra lenses per cell contributed by other features (scores and prediction, graph, compare). */
export type LensContributor = (doc: vscode.TextDocument, cell: AnalysedCell, range: vscode.Range) => CellLens[];

/**
 * The analysis of the document's current version: now, or, for a big document parsed off the host, once it
 * arrives (`empty` when the document is no cell document or changed again meanwhile: VS Code asks again then).
 */
function withCurrent<T>(
  cache: AnalysisCache,
  doc: vscode.TextDocument,
  empty: T,
  f: (a: Analysis) => T,
  token?: vscode.CancellationToken,
): T | Promise<T> {
  const a = cache.get(doc);
  if (a && a.version === doc.version) return f(a);
  if (!cache.isAnalysing(doc)) return empty;
  return cache
    .analyse(doc)
    .then((b) => (b && b.version === doc.version && !token?.isCancellationRequested ? f(b) : empty));
}

/** Options of {@link CellCodeLensProvider} (the defaults suit the editor; tests change them). */
export interface CellLensOptions {
  /** Documents with at most this many cells get every cell's lenses on each call (default 200). */
  readonly allCellsUpTo?: number;
  /** Cells not hashed yet that a call hashes itself, at most (default 24, ~1 ms each); more are hashed in slices. */
  readonly hashNow?: number;
  /** Lines above and below the visible ranges whose cells get their lenses in full (default 150). */
  readonly marginLines?: number;
}

/** Where each cell's lenses go, per analysis (one version of one document). */
interface Layout {
  readonly lines: readonly number[];
  readonly ranges: readonly vscode.Range[];
  readonly crowded: ReadonlyMap<number, number>;
}

/** What a placeholder lens stands for: resolveCodeLens fills in the cell's first lens when VS Code shows it. */
interface Pending {
  readonly doc: vscode.TextDocument;
  readonly analysis: Analysis;
  readonly at: number;
}

/** Why kept lenses are stale (their tooltip): the JSON is invalid, or their cell has errors. */
const STALE_JSON =
  'The JSON is invalid (see Problems): these lenses are from the last valid version and update when the JSON is valid again.';
const STALE_CELL =
  'This cell has errors (see Problems): these lenses are from its last valid version and update when it is valid again.';

/**
 * The lenses of the last valid version while the JSON (or the cell) is invalid: the first of each line says
 * "(stale)", each opens the Problems panel (where the error is); placeholders never resolved are left out.
 */
function staleLenses(kept: readonly vscode.CodeLens[], tooltip = STALE_JSON): vscode.CodeLens[] {
  const seen = new Set<number>();
  return kept
    .filter((l) => l.command)
    .map((l) => {
      const line = l.range.start.line;
      const first = !seen.has(line);
      seen.add(line);
      return new vscode.CodeLens(l.range, {
        title: first ? `${l.command!.title} (stale)` : l.command!.title,
        command: 'workbench.actions.view.problems',
        tooltip,
      });
    });
}

/** An edit as {@link lineAfterEdit} reads it (a text document's content change; no range: the whole text). */
export interface LineEdit {
  readonly range?: { readonly start: { readonly line: number }; readonly end: { readonly line: number } };
  readonly text: string;
}

/**
 * Where a line is after edits: below an edit it moves by the lines the edit added or removed; inside the lines an edit
 * replaced it stays within what replaced them; above, and for a whole-text replacement, it stays.
 */
export function lineAfterEdit(line: number, edits: readonly LineEdit[]): number {
  for (const e of edits) {
    if (!e.range) continue;
    const from = e.range.start.line,
      to = e.range.end.line;
    const added = e.text.split('\n').length - 1;
    line = line > to ? line + added - (to - from) : line > from ? Math.min(line, from + added) : line;
  }
  return line;
}

/** Cells (by index) whose lenses VS Code showed recently, per document: built in full on the next calls. */
const MAX_WANTED = 400;

/**
 * The lenses of each cell: its benchmark record (or why there is none), its training log, and what contributors
 * add (scores, prediction, graph).
 *
 * On a big document (thousands of cells) building every cell's lenses on each refresh (a batch refreshes after
 * each report) costs seconds: the hash lookups, score titles and predictions of 2,000 cells. VS Code shows only the
 * lenses in view, and resolves only those (`resolveCodeLens`). So beyond {@link CellLensOptions.allCellsUpTo}
 * cells, only cells near the visible ranges and cells VS Code showed recently get their lenses in full; every other
 * cell gets one placeholder lens that resolveCodeLens turns into the cell's first lens when it comes into view,
 * asking for a refresh that then builds that cell in full (lenses of one line share a row, so nothing moves).
 * Cells not hashed yet are not hashed here in one block: they get placeholders while {@link hashCells} runs in
 * slices, and a refresh follows.
 */
export class CellCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** The lenses last shown per document, kept (moved with the edits) while its JSON is invalid. */
  private readonly lastShown = new WeakMap<vscode.TextDocument, vscode.CodeLens[]>();
  /** The lenses last built per valid cell (by index), per document: kept, stale, while that cell has errors. */
  private readonly lastOfCell = new WeakMap<vscode.TextDocument, Map<number, readonly vscode.CodeLens[]>>();
  private readonly subs: vscode.Disposable[] = [];
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly contributors: LensContributor[] = [];
  private readonly layouts = new WeakMap<Analysis, Layout>();
  private readonly pending = new WeakMap<vscode.CodeLens, Pending>();
  /** Analyses whose cells are being hashed in the background. */
  private readonly hashing = new WeakSet<Analysis>();
  private readonly wanted = new Map<string, Set<number>>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly allCellsUpTo: number;
  private readonly hashNow: number;
  private readonly marginLines: number;

  constructor(
    private readonly cache: AnalysisCache,
    private readonly bench: BenchmarkService,
    options: CellLensOptions = {},
  ) {
    this.allCellsUpTo = options.allCellsUpTo ?? 200;
    this.hashNow = options.hashNow ?? 24;
    this.marginLines = options.marginLines ?? 150;
    this.subs.push(
      bench.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeTextDocument((e) => this.moveLastShown(e)),
    );
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.changed.dispose();
    for (const s of this.subs) s.dispose();
  }

  addContributor(c: LensContributor): void {
    this.contributors.push(c);
  }
  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(
    doc: vscode.TextDocument,
    token?: vscode.CancellationToken,
  ): vscode.CodeLens[] | Promise<vscode.CodeLens[]> {
    if (!codeLensEnabled()) return [];
    return withCurrent(this.cache, doc, [], (a) => this.lensesOf(doc, a), token);
  }

  /** A placeholder lens coming into view: the cell's first lens now, all of them after the refresh it asks for. */
  resolveCodeLens(lens: vscode.CodeLens): vscode.CodeLens {
    const p = this.pending.get(lens);
    if (!p || lens.command) return lens;
    const current = this.cache.peek(p.doc.uri);
    const c = p.analysis.cells[p.at];
    if (current !== p.analysis || !c) {
      lens.command = { title: '…', command: '' };
      return lens;
    }
    const built = this.cellLenses(p.doc, c, lens.range);
    lens.command = built[0]?.command ?? { title: '', command: '' };
    this.want(p.doc, c.cell.index);
    return lens;
  }

  private lensesOf(doc: vscode.TextDocument, a: Analysis): vscode.CodeLens[] {
    // Invalid JSON (mid-edit): the last lenses stay where they were, marked stale, so the code does not jump a line.
    if (invalidJson(a)) return staleLenses(this.lastShown.get(doc) ?? []);
    const lenses = this.currentLenses(doc, a);
    this.lastShown.set(doc, lenses);
    return lenses;
  }

  /** Moves the lenses kept for a document with an edit, as VS Code moves decorations. */
  private moveLastShown(e: vscode.TextDocumentChangeEvent): void {
    const kept = this.lastShown.get(e.document);
    if (!kept) return;
    this.lastShown.set(
      e.document,
      kept.map((l) => {
        const line = lineAfterEdit(l.range.start.line, e.contentChanges);
        if (line === l.range.start.line) return l;
        const at = new vscode.Position(line, 0);
        return new vscode.CodeLens(new vscode.Range(at, at), l.command);
      }),
    );
  }

  private currentLenses(doc: vscode.TextDocument, a: Analysis): vscode.CodeLens[] {
    const { lines, ranges, crowded } = this.layoutOf(doc, a);
    const lenses: vscode.CodeLens[] = [];
    // Several cells starting on one line (a list written on one line, like the shipped recepies_example.json):
    // their lenses would stack above that line, so the line gets one short lens that opens the cells table; each
    // cell's details stay in the hover on its opening brace.
    for (const [line, n] of crowded) {
      const first = a.cells[lines.indexOf(line)];
      const errors = a.cells.filter((c, i) => !c.valid && lines[i] === line).length;
      lenses.push(
        new vscode.CodeLens(toRange(doc, first.cell.anchor), {
          title: `$(table) ${n} cells on this line${errors ? ` (${errors} with errors)` : ''} · open table`,
          command: 'cellLens.showCellsTable',
          arguments: [doc.uri],
          tooltip:
            'One row per cell: benchmark loss and rank, every score with its percentile, the predicted loss. Hover a cell\'s opening brace for its details; "Cell Lens: Format as One Cell per Line" gives each cell its own lenses.',
        }),
      );
    }
    const full = this.fullCells(doc, a, lines);
    // Cells to build in full that were never hashed: a few are hashed now; more wait for hashCells (in slices).
    // (`hashed` reads the recipe's key: asked of the cells to build only.)
    const unhashed = a.cells.filter(
      (c, i) => (full === undefined || full.has(i)) && !crowded.has(lines[i]) && c.valid && !c.hashed,
    );
    const waitForHashes = unhashed.length > this.hashNow;
    if (waitForHashes && !this.hashing.has(a)) {
      this.hashing.add(a);
      void hashCells(unhashed).then(
        () => {
          if (this.cache.peek(doc.uri) === a) this.changed.fire();
        },
        () => undefined,
      );
    }
    for (const [i, c] of a.cells.entries()) {
      if (crowded.has(lines[i])) continue;
      if ((full && !full.has(i)) || (waitForHashes && c.valid && !c.hashed)) {
        const lens = new vscode.CodeLens(ranges[i]);
        this.pending.set(lens, { doc, analysis: a, at: i });
        lenses.push(lens);
      } else {
        lenses.push(...this.cellLenses(doc, c, ranges[i]));
      }
    }
    return lenses;
  }

  /** Every lens of one cell (hashes it if need be), in slot order and fitted to the width. */
  private cellLenses(doc: vscode.TextDocument, c: AnalysedCell, range: vscode.Range): vscode.CodeLens[] {
    const lenses: CellLens[] = [];
    const add = (slot: LensSlot, titles: readonly string[], command: Omit<vscode.Command, 'title'>) =>
      lenses.push({
        slot,
        lens: new vscode.CodeLens(range, { ...command, title: titles[0] }),
        shorter: titles.slice(1),
      });
    let kept = this.lastOfCell.get(doc);
    if (!kept) this.lastOfCell.set(doc, (kept = new Map<number, readonly vscode.CodeLens[]>()));
    if (!c.valid) {
      // Its errors, and the lenses of its last valid version marked stale (the other lenses need a valid cell).
      const errors = c.cell.diagnostics.filter((d) => d.severity === 'error').length;
      const last = kept.get(c.cell.index) ?? [];
      return [
        new vscode.CodeLens(range, {
          title: `$(error) ${c.cell.label}: ${errors} error${errors === 1 ? '' : 's'}`,
          command: 'workbench.actions.view.problems',
          tooltip: 'Show the Problems panel',
        }),
        ...staleLenses(
          last.map((l) => new vscode.CodeLens(range, l.command)),
          STALE_CELL,
        ),
      ];
    }
    const index = this.bench.peek();
    const matches = index?.lookup(c.hash);
    const args = [doc.uri, c.cell.index];
    if (c.cell.log && (c.cell.log.testLosses !== undefined || c.cell.log.status !== undefined))
      add('benchmark', logLensTitles(c.cell.log), {
        command: 'cellLens.showBenchmarkRecord',
        arguments: args,
        tooltip: 'The run this training log holds; the benchmark lens beside it summarises all runs of the cell',
      });
    if (matches && matches.length) {
      for (const m of matches)
        add('benchmark', benchmarkLensTitles(m, c.recipe, c.cell.log, matches.length), {
          command: 'cellLens.showBenchmarkRecord',
          arguments: args,
          tooltip: m.summary,
        });
    } else {
      const params = modelParams(c.recipe, paramsDataset(this.bench));
      add('benchmark', notInBenchmarkTitles(c.cell, params, !index), {
        command: 'cellLens.showBenchmarkRecord',
        arguments: args,
        tooltip: `No trained cell of the loaded benchmark computes the same function (canonical hash match). Parameters: the NAS-Bench-NLP language model around this cell on ${params.dataset} (embedding ${BENCHMARK_MODEL.embed}, hidden ${BENCHMARK_MODEL.hidden}, ${BENCHMARK_MODEL.layers} layers, tied, vocabulary ${params.vocab.toLocaleString('en-US')}).`,
      });
    }
    for (const contribute of this.contributors) lenses.push(...contribute(doc, c, range));
    const built = fitLensLine(
      lenses.map((l) => ({ slot: l.slot, titles: [l.lens.command!.title, ...(l.shorter ?? [])] })),
    ).map((f) => {
      const { lens } = lenses[f.at];
      const command = lens.command!;
      if (!f.shortened) return lens;
      // A shorter title: the tooltip starts with the full one.
      const tooltip = [plainTitle(command.title), command.tooltip].filter(Boolean).join('\n\n');
      return new vscode.CodeLens(lens.range, { ...command, title: f.title, tooltip });
    });
    kept.set(c.cell.index, built);
    return built;
  }

  private layoutOf(doc: vscode.TextDocument, a: Analysis): Layout {
    let l = this.layouts.get(a);
    if (!l) {
      const ranges = a.cells.map((c) => toRange(doc, c.cell.anchor));
      const lines = ranges.map((r) => r.start.line);
      l = { lines, ranges, crowded: crowdedLines(lines) };
      this.layouts.set(a, l);
    }
    return l;
  }

  /** Positions of the cells to build in full: undefined for all (a small document). */
  private fullCells(doc: vscode.TextDocument, a: Analysis, lines: readonly number[]): Set<number> | undefined {
    if (a.cells.length <= this.allCellsUpTo) return undefined;
    const views = vscode.window.visibleTextEditors
      .filter((e) => e.document === doc)
      .flatMap((e) => e.visibleRanges ?? []);
    const wanted = this.wanted.get(doc.uri.toString());
    const full = new Set<number>();
    for (const [i, c] of a.cells.entries()) {
      const line = lines[i];
      if (
        wanted?.has(c.cell.index) ||
        views.some((r) => line >= r.start.line - this.marginLines && line <= r.end.line + this.marginLines)
      )
        full.add(i);
    }
    return full;
  }

  /** Build this cell in full from now on (VS Code shows it), and refresh soon (once for many resolved lenses). */
  private want(doc: vscode.TextDocument, index: number): void {
    const key = doc.uri.toString();
    let set = this.wanted.get(key);
    if (!set) this.wanted.set(key, (set = new Set()));
    set.delete(index);
    set.add(index);
    if (set.size > MAX_WANTED) set.delete(set.values().next().value as number);
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire();
    }, 50);
  }
}

/** What a feature adds to the hover on a cell: Markdown (its verdict) and links to more (command links). */
export interface CellHoverPart {
  readonly markdown?: string;
  readonly links?: readonly string[];
}

/** A Markdown link that runs a command with these arguments (the hover enables the commands its links name). */
export function commandLink(label: string, command: string, args: readonly unknown[]): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}

/** The hover's Markdown, trusted to run the commands of its own links only. */
function hoverMarkdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(text);
  md.isTrusted = { enabledCommands: [...new Set([...text.matchAll(/\]\(command:([\w.]+)\?/g)].map((m) => m[1]))] };
  return md;
}

/**
 * Hovers: on a cell's opening brace a short verdict (what contributors add: the predicted loss, the best scores),
 * the benchmark line and links to the full report; on a node its op, shapes and per-node scores.
 */
export class CellHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly cache: AnalysisCache,
    private readonly bench: BenchmarkService,
    private readonly extra: ((doc: vscode.TextDocument, cell: AnalysedCell) => CellHoverPart | undefined)[] = [],
    private readonly nodeExtra: ((cell: AnalysedCell, node: string) => string | undefined)[] = [],
  ) {}

  provideHover(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    token?: vscode.CancellationToken,
  ): vscode.Hover | undefined | Promise<vscode.Hover | undefined> {
    return withCurrent<vscode.Hover | undefined>(this.cache, doc, undefined, (a) => this.hoverOf(doc, pos, a), token);
  }

  private hoverOf(doc: vscode.TextDocument, pos: vscode.Position, a: Analysis): vscode.Hover | undefined {
    const off = doc.offsetAt(pos);
    for (const c of a.cells) {
      // Hover on the cell's first character / its log's opening brace: the verdict, the benchmark, links.
      if (off >= c.cell.anchor.start && off <= c.cell.anchor.end) {
        const matches = c.valid ? this.bench.lookup(c.hash) : undefined;
        const parts = [`### ${cellName(c.cell, c.valid ? c.hash : undefined, matches)}`];
        const links: string[] = [];
        for (const e of this.extra) {
          const x = e(doc, c);
          if (x?.markdown) parts.push(x.markdown);
          links.push(...(x?.links ?? []));
        }
        parts.push(this.benchmarkPart(doc, c, matches, links));
        if (links.length) parts.push(links.join(' · '));
        return new vscode.Hover(hoverMarkdown(parts.join('\n\n')), toRange(doc, c.cell.anchor));
      }
      for (const n of c.cell.nodes) {
        if ((off >= n.keySpan.start && off <= n.keySpan.end) || (off >= n.opSpan.start && off <= n.opSpan.end)) {
          const parts = [nodeHoverMarkdown(n, c.recipe, BENCHMARK_MODEL)];
          if (c.valid)
            for (const e of this.nodeExtra) {
              const x = e(c, n.name);
              if (x) parts.push(x);
            }
          const md = new vscode.MarkdownString(parts.join('\n\n'));
          return new vscode.Hover(md, toRange(doc, off <= n.keySpan.end ? n.keySpan : n.opSpan));
        }
      }
    }
    return undefined;
  }

  /** The benchmark line of the hover; a known cell adds the link to its loss curves. */
  private benchmarkPart(
    doc: vscode.TextDocument,
    c: AnalysedCell,
    matches: readonly BenchmarkMatch[] | undefined,
    links: string[],
  ): string {
    if (!c.valid) return 'Fix the errors to look this cell up in the benchmark.';
    if (matches === undefined) return '_Loading the benchmark…_';
    if (matches.length) links.push(commandLink('Loss curves', 'cellLens.showBenchmarkRecord', [doc.uri, c.cell.index]));
    return benchmarkHoverLine(
      matches,
      { hash: c.hash, recipe: c.recipe, ...(c.cell.log ? { log: c.cell.log } : {}) },
      paramsDataset(this.bench),
    );
  }
}
