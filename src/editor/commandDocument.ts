/**
 * THE document a Cell Lens command acts on when it is run without one (the palette, a keybinding, a walkthrough
 * button). A lens, a menu or the explorer passes the document's URI; otherwise it is the active text editor's
 * document — and when no text editor has the focus (the walkthrough page, a graph or table panel, the output), the
 * cell document whose editor was active last, while it is open. So the walkthrough's "Show Cell Graph" and "Score
 * This Cell" act on the example cells its first step opened (an untitled JSON document), not on nothing.
 * Whether a document is a cell document is the analysis cache's one predicate ({@link AnalysisCache.isCellDocument}:
 * by language and content, whatever the URI's scheme).
 */
import * as vscode from 'vscode';
import type { AnalysisCache } from './analysis';

/** The document a command means, from its first argument (a URI, or anything else: none given). */
export type DocumentFor = (arg?: unknown) => Promise<vscode.TextDocument | undefined>;

export class CommandDocuments implements vscode.Disposable {
  private last: vscode.TextDocument | undefined;
  private readonly sub: vscode.Disposable;

  constructor(private readonly cache: AnalysisCache) {
    this.note(vscode.window.activeTextEditor);
    this.sub = vscode.window.onDidChangeActiveTextEditor((e) => this.note(e));
  }

  private note(editor: vscode.TextEditor | undefined): void {
    if (editor && this.cache.isCellDocument(editor.document)) this.last = editor.document;
  }

  /** The active text editor's document; with no text editor focused, the cell document active last (if open). */
  active(): vscode.TextDocument | undefined {
    const active = vscode.window.activeTextEditor?.document;
    if (active) return active;
    return this.last && !this.last.isClosed ? this.last : undefined;
  }

  /** The document of a URI argument, else {@link active}. */
  readonly documentFor: DocumentFor = async (arg) =>
    arg instanceof vscode.Uri ? vscode.workspace.openTextDocument(arg) : this.active();

  dispose(): void {
    this.sub.dispose();
  }
}
