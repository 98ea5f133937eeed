/**
 * Parsed cells per document version, shared by diagnostics, CodeLens, hover, the graph and scoring.
 * Only documents that look like NAS-Bench-NLP cell files are analysed, so package.json and friends stay quiet.
 *
 * Canonical hashes cost about a millisecond a cell, so a 2,000-cell candidates file takes seconds to hash: they are
 * computed lazily, remembered by the cell's recipe across versions and documents (typing re-hashes only the edited
 * cell), and commands that need every hash get them with {@link hashCells}, in slices that yield to the event loop.
 */
import type * as vscode from 'vscode';
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { canonicalHash } from '../recipe/canonical';
import type { Cell, ParsedDocument, Recipe } from '../recipe/types';

export interface AnalysedCell {
  readonly cell: Cell;
  readonly recipe: Recipe;
  /** Canonical hash (computed lazily, remembered by recipe; see {@link hashCells} for many cells). */
  readonly hash: string;
  /** Whether {@link hash} is known without computing it (hashed before, here or in another version). */
  readonly hashed: boolean;
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

/** Hashes remembered, at most (a recipe key is a few hundred characters: a few MB at most). */
const HASH_MEMO_MAX = 20_000;
/** Canonical hash by recipe JSON, across documents and versions (oldest forgotten first). */
const hashMemo = new Map<string, string>();

function memoHash(key: string, recipe: Recipe): string {
  let h = hashMemo.get(key);
  if (h === undefined) {
    h = canonicalHash(recipe);
    hashMemo.set(key, h);
    if (hashMemo.size > HASH_MEMO_MAX) hashMemo.delete(hashMemo.keys().next().value as string);
  }
  return h;
}

export function analyseText(uri: string, version: number, text: string): Analysis {
  const parsed = parseDocument(text);
  const cells = parsed.cells.map((cell): AnalysedCell => {
    const recipe = toRecipe(cell);
    let hash: string | undefined;
    let key: string | undefined;
    return {
      cell, recipe,
      get hash() { return (hash ??= memoHash((key ??= JSON.stringify(recipe)), recipe)); },
      get hashed() { return hash !== undefined || hashMemo.has((key ??= JSON.stringify(recipe))); },
      valid: cell.nodes.length > 0 && !cell.diagnostics.some((d) => d.severity === 'error'),
    };
  });
  return { uri, version, parsed, cells };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The canonical hashes of these cells, in order, computed in slices of about `sliceMs` (default 15 ms) with the
 * event loop served in between: hashing a 2,000-cell file takes seconds, which must not freeze the extension host
 * (typing, auto-save participants). Cells hashed before cost nothing. Rejects with an AbortError when `signal` aborts.
 */
export async function hashCells(cells: readonly AnalysedCell[], options: { signal?: AbortSignal; sliceMs?: number } = {}): Promise<string[]> {
  const sliceMs = options.sliceMs ?? 15;
  let t0 = performance.now();
  for (const c of cells) {
    if (c.hashed) continue;
    void c.hash;
    if (performance.now() - t0 >= sliceMs) {
      await yieldToEventLoop();
      options.signal?.throwIfAborted();
      t0 = performance.now();
    }
  }
  return cells.map((c) => c.hash);
}

/** Like {@link analyseText}, then every cell's hash with {@link hashCells} (the parse itself is one block). */
export async function analyseTextSliced(uri: string, version: number, text: string, options: { signal?: AbortSignal } = {}): Promise<Analysis> {
  const a = analyseText(uri, version, text);
  await hashCells(a.cells, options);
  return a;
}
