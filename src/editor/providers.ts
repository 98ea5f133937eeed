/** Diagnostics, quick fixes, CodeLens and hovers over the shared analysis cache. */
import * as vscode from 'vscode';
import type { AnalysisCache, AnalysedCell } from './analysis';
import type { BenchmarkService } from './benchmarkService';
import type { Diagnostic, Span } from '../recipe/types';
import { benchmarkHoverMarkdown, benchmarkLensTitle, logLensTitle, nodeHoverMarkdown, notInBenchmarkTitle } from './format';
import { codeLensEnabled, diagnosticsDelayMs } from './config';
import { crowdedLines } from '../recipe/layout';

const SOURCE = 'Cell Lens';

export function toRange(doc: vscode.TextDocument, s: Span): vscode.Range {
  return new vscode.Range(doc.positionAt(s.start), doc.positionAt(s.end));
}

function toVsDiagnostic(doc: vscode.TextDocument, d: Diagnostic): vscode.Diagnostic {
  const sev = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const v = new vscode.Diagnostic(toRange(doc, d.span), d.message, sev);
  v.source = SOURCE;
  v.code = d.code;
  if (d.related?.length) v.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, toRange(doc, r.span)), r.message));
  if (d.code === 'unreachable' || d.code === 'unread-state') v.tags = [vscode.DiagnosticTag.Unnecessary];
  return v;
}

/** Publishes diagnostics for cell documents, debounced while typing; works for saved and untitled documents. */
export class DiagnosticsController implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('cellLens');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subs: vscode.Disposable[] = [];
  /** Fires after a document's cells were re-analysed (the graph and lenses listen). */
  private readonly analysed = new vscode.EventEmitter<vscode.TextDocument>();
  readonly onDidAnalyse = this.analysed.event;

  constructor(private readonly cache: AnalysisCache, private readonly log: vscode.LogOutputChannel) {
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => { this.collection.delete(d.uri); this.cache.delete(d.uri); }),
    );
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); this.update(doc); }, diagnosticsDelayMs()));
  }

  update(doc: vscode.TextDocument): void {
    if (doc.isClosed) return;
    const t0 = performance.now();
    const a = this.cache.get(doc);
    if (!a) { this.collection.delete(doc.uri); return; }
    const ds = [...a.parsed.diagnostics, ...a.cells.flatMap((c) => c.cell.diagnostics)].map((d) => toVsDiagnostic(doc, d));
    this.collection.set(doc.uri, ds);
    this.log.trace(`analysed ${doc.uri.fsPath || doc.uri.toString()} v${doc.version}: ${a.cells.length} cell(s), ${ds.length} diagnostic(s) in ${(performance.now() - t0).toFixed(1)} ms`);
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

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    const a = this.cache.get(doc);
    if (!a) return [];
    const out: vscode.CodeAction[] = [];
    for (const d of [...a.parsed.diagnostics, ...a.cells.flatMap((c) => c.cell.diagnostics)]) {
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

/** Extra lenses per cell contributed by other features (scores). */
export type LensContributor = (doc: vscode.TextDocument, cell: AnalysedCell, range: vscode.Range) => vscode.CodeLens[];

export class CellCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly contributors: LensContributor[] = [];

  constructor(private readonly cache: AnalysisCache, private readonly bench: BenchmarkService, private readonly paramsOf: (cell: AnalysedCell) => number | undefined) {
    bench.onDidChange(() => this.changed.fire());
  }

  addContributor(c: LensContributor): void { this.contributors.push(c); }
  refresh(): void { this.changed.fire(); }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!codeLensEnabled()) return [];
    const a = this.cache.get(doc);
    if (!a) return [];
    const lenses: vscode.CodeLens[] = [];
    // Several cells starting on one line (a list written on one line, like the shipped recepies_example.json):
    // their lenses would stack above that line, so the line gets one short lens that opens the cells table; each
    // cell's details stay in the hover on its opening brace.
    const lines = a.cells.map((c) => doc.positionAt(c.cell.anchor.start).line);
    const crowded = crowdedLines(lines);
    for (const [line, n] of crowded) {
      const first = a.cells[lines.indexOf(line)];
      const errors = a.cells.filter((c, i) => !c.valid && lines[i] === line).length;
      lenses.push(new vscode.CodeLens(toRange(doc, first.cell.anchor), {
        title: `$(table) ${n} cells on this line${errors ? ` (${errors} with errors)` : ''} · open table`, command: 'cellLens.showCellsTable', arguments: [doc.uri],
        tooltip: 'One row per cell: benchmark loss and rank, every score with its percentile, the predicted loss. Hover a cell\'s opening brace for its details; "Cell Lens: Format as One Cell per Line" gives each cell its own lenses.',
      }));
    }
    for (const [i, c] of a.cells.entries()) {
      if (crowded.has(lines[i])) continue;
      const range = toRange(doc, c.cell.anchor);
      if (!c.valid) {
        const errors = c.cell.diagnostics.filter((d) => d.severity === 'error').length;
        lenses.push(new vscode.CodeLens(range, { title: `$(warning) ${c.cell.label}: ${errors} error${errors === 1 ? '' : 's'}`, command: 'workbench.actions.view.problems', tooltip: 'Show the Problems panel' }));
        continue;
      }
      const index = this.bench.peek();
      const matches = index?.lookup(c.hash);
      const args = [doc.uri, c.cell.index];
      if (c.cell.log && (c.cell.log.testLosses !== undefined || c.cell.log.status !== undefined)) lenses.push(new vscode.CodeLens(range, { title: logLensTitle(c.cell.log), command: 'cellLens.showBenchmarkRecord', arguments: args, tooltip: 'The run this training log holds; the benchmark lens beside it summarises all runs of the cell' }));
      if (matches && matches.length) {
        for (const m of matches) lenses.push(new vscode.CodeLens(range, { title: benchmarkLensTitle(m, c.cell.log), command: 'cellLens.showBenchmarkRecord', arguments: args, tooltip: m.summary }));
      } else {
        lenses.push(new vscode.CodeLens(range, { title: notInBenchmarkTitle(c.cell, this.paramsOf(c), !index), command: 'cellLens.showBenchmarkRecord', arguments: args, tooltip: 'No trained cell of the loaded benchmark computes the same function (canonical hash match). Parameters: the NAS-Bench-NLP language model around this cell (embedding 400, hidden 600, 3 layers, tied, vocabulary 10k).' }));
      }
      for (const contribute of this.contributors) lenses.push(...contribute(doc, c, range));
    }
    return lenses;
  }
}

export class CellHoverProvider implements vscode.HoverProvider {
  constructor(private readonly cache: AnalysisCache, private readonly bench: BenchmarkService, private readonly extra: ((cell: AnalysedCell) => string | undefined)[] = [],
    private readonly nodeExtra: ((cell: AnalysedCell, node: string) => string | undefined)[] = []) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const a = this.cache.get(doc);
    if (!a) return undefined;
    const off = doc.offsetAt(pos);
    for (const c of a.cells) {
      // Hover on the cell's first character / its log's opening brace: benchmark record.
      if (off >= c.cell.anchor.start && off <= c.cell.anchor.end) {
        const parts = [`### ${c.cell.label}`, this.benchmarkPart(c)];
        for (const e of this.extra) { const s = e(c); if (s) parts.push(s); }
        return new vscode.Hover(new vscode.MarkdownString(parts.join('\n\n')), toRange(doc, c.cell.anchor));
      }
      for (const n of c.cell.nodes) {
        if (off >= n.keySpan.start && off <= n.keySpan.end || off >= n.opSpan.start && off <= n.opSpan.end) {
          const parts = [nodeHoverMarkdown(n, c.recipe, { embed: 400, hidden: 600 })];
          if (c.valid) for (const e of this.nodeExtra) { const x = e(c, n.name); if (x) parts.push(x); }
          const md = new vscode.MarkdownString(parts.join('\n\n'));
          return new vscode.Hover(md, toRange(doc, off <= n.keySpan.end ? n.keySpan : n.opSpan));
        }
      }
    }
    return undefined;
  }

  private benchmarkPart(c: AnalysedCell): string {
    if (!c.valid) return 'Fix the errors to look this cell up in the benchmark.';
    const matches = this.bench.lookup(c.hash);
    if (matches === undefined) return '_Loading the benchmark…_';
    return benchmarkHoverMarkdown(matches, c.hash);
  }
}
