/**
 * Parsed cells per document version, shared by diagnostics, CodeLens, hover, the graph and scoring.
 * Only documents that look like NAS-Bench-NLP cell files are analysed, so package.json and friends stay quiet.
 */
import type * as vscode from 'vscode';
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { canonicalHash } from '../recipe/canonical';
import type { Cell, ParsedDocument, Recipe } from '../recipe/types';

export interface AnalysedCell {
  readonly cell: Cell;
  readonly recipe: Recipe;
  /** Canonical hash (computed lazily, cached). */
  readonly hash: string;
  readonly valid: boolean;
}

export interface Analysis {
  readonly uri: string;
  readonly version: number;
  readonly parsed: ParsedDocument;
  readonly cells: readonly AnalysedCell[];
}

/**
 * Whether a document looks like a cell file: a recipe (`"op"` and `"input"` keys) or a training log (`"recepie"`).
 * Looks at the first 64 kB only, so it is cheap on any file.
 */
export function looksLikeCellText(text: string): boolean {
  const head = text.length > 65536 ? text.slice(0, 65536) : text;
  return head.includes('"recepie"') || (head.includes('"op"') && head.includes('"input"'));
}

export function isJsonDocument(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'json' || doc.languageId === 'jsonc' || doc.languageId === 'nasbench-log';
}

export class AnalysisCache {
  private readonly cache = new Map<string, Analysis>();
  /** URIs the user asked to analyse although they do not look like cells. */
  private readonly forced = new Set<string>();

  isCellDocument(doc: vscode.TextDocument): boolean {
    if (!isJsonDocument(doc)) return false;
    return this.forced.has(doc.uri.toString()) || looksLikeCellText(doc.getText());
  }

  force(uri: vscode.Uri): void {
    this.forced.add(uri.toString());
  }

  /** The analysis of the document's current version (undefined when it is not a cell document). */
  get(doc: vscode.TextDocument): Analysis | undefined {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit;
    if (!this.isCellDocument(doc)) { this.cache.delete(key); return undefined; }
    const a = analyseText(key, doc.version, doc.getText());
    this.cache.set(key, a);
    return a;
  }

  /** The last analysis, whatever its version (for "keep the last good graph"). */
  peek(uri: vscode.Uri): Analysis | undefined {
    return this.cache.get(uri.toString());
  }

  delete(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }
}

export function analyseText(uri: string, version: number, text: string): Analysis {
  const parsed = parseDocument(text);
  const cells = parsed.cells.map((cell) => {
    const recipe = toRecipe(cell);
    let hash: string | undefined;
    return {
      cell, recipe,
      get hash() { return (hash ??= canonicalHash(recipe)); },
      valid: cell.nodes.length > 0 && !cell.diagnostics.some((d) => d.severity === 'error'),
    };
  });
  return { uri, version, parsed, cells };
}
