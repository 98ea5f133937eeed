/**
 * Parsed cells per document version, shared by diagnostics, CodeLens, hover, the graph and scoring.
 * Only documents that look like NAS-Bench-NLP cell files are analysed, so package.json and friends stay quiet.
 *
 * Parsing costs about 0.3 µs a character: a 2,000-cell candidates file (1.5 MB) takes half a second, which must not
 * block the extension host on open and after every typing pause. Documents of {@link OFF_THREAD_CHARS} characters
 * or more are parsed on a worker thread (`parseThread.ts`); until the new version's analysis arrives,
 * {@link AnalysisCache.get} serves the previous one, and {@link AnalysisCache.onDidChange} fires when it does.
 * Smaller documents are parsed synchronously, as they always were.
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
import { ParseThread, parseWorkerScript } from './parseThread';

/**
 * Documents at least this long (characters) are parsed on the worker thread: about 130 pretty-printed cells,
 * some 30–50 ms of parsing here. Below it the parse is quick, and synchronous (the tests rely on that).
 */
export const OFF_THREAD_CHARS = 100_000;

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

/** The text is not JSON (mid-edit): no cells, a `not-json` error. The lenses of the last valid version stay, stale. */
export function invalidJson(a: Analysis): boolean {
  return a.cells.length === 0 && a.parsed.diagnostics.some((d) => d.code === 'not-json');
}

/**
 * Whether a document looks like a cell file: a recipe (`"op"` and `"input"` keys) or a training log (`"recepie"`).
 * Looks at the first 64 kB only, so it is cheap on any file.
 */
export function looksLikeCellText(text: string): boolean {
  const head = text.length > 65536 ? text.slice(0, 65536) : text;
  return head.includes('"recepie"') || (head.includes('"op"') && head.includes('"input"'));
}

/**
 * The languages of documents that may hold cells: JSON, JSONC, and NAS-Bench-NLP training logs
 * (`log_stats_model_*.json`), which get a language of their own so that VS Code's JSON validation does not flag
 * their Python `NaN` literals as errors (package.json `languages`). Such a document is a cell file when its text
 * looks like one.
 */
const CELL_LANGUAGES: readonly string[] = ['json', 'jsonc', 'nasbench-log'];

/** The documents the cell providers (lenses, hovers, quick fixes) register for: {@link CELL_LANGUAGES}. */
export const CELL_FILE_SELECTOR: vscode.DocumentSelector = CELL_LANGUAGES.map((language) => ({ language }));

export function isJsonDocument(doc: vscode.TextDocument): boolean {
  return CELL_LANGUAGES.includes(doc.languageId);
}

export interface AnalysisCacheOptions {
  /** Documents at least this long are parsed on a worker thread (default {@link OFF_THREAD_CHARS}; Infinity: never). */
  readonly offThreadChars?: number;
  /** The worker's entry (default {@link parseWorkerScript}); null: no worker (big documents are parsed here, in one block). */
  readonly workerScript?: string | null;
  /** Where the cache says that the worker failed (it then parses here). */
  readonly log?: (message: string) => void;
}

/** A listener of {@link AnalysisCache.onDidChange}. */
export type AnalysisListener = (a: Analysis) => void;

/** A parse made on the worker and dropped: the document moved on (or closed, or the parse was aborted) meanwhile. */
export interface DiscardedParse {
  readonly uri: string;
  readonly version: number;
}

export class AnalysisCache {
  private readonly cache = new Map<string, Analysis>();
  /** URIs the user asked to analyse although they do not look like cells. */
  private readonly forced = new Set<string>();
  /** The off-thread parse under way, by URI: its version and its end (whatever became of it). */
  private readonly runs = new Map<
    string,
    { readonly version: number; readonly done: Promise<void>; readonly abort: AbortController }
  >();
  private readonly listeners = new Set<AnalysisListener>();
  private readonly discardListeners = new Set<(d: DiscardedParse) => void>();
  private readonly offThreadChars: number;
  private thread: ParseThread | undefined;
  /** Worker failures; after {@link MAX_WORKER_FAILURES} big documents are parsed here. */
  private failures = 0;
  /** Counts, for tests and the log: analyses that came from the worker; results dropped for a newer version. */
  readonly stats = { offThread: 0, discarded: 0 };

  constructor(private readonly options: AnalysisCacheOptions = {}) {
    this.offThreadChars = options.offThreadChars ?? OFF_THREAD_CHARS;
  }

  isCellDocument(doc: vscode.TextDocument): boolean {
    if (!isJsonDocument(doc)) return false;
    return this.forced.has(doc.uri.toString()) || looksLikeCellText(doc.getText());
  }

  force(uri: vscode.Uri): void {
    this.forced.add(uri.toString());
  }

  /**
   * The analysis of the document (undefined when it is not a cell document). Small documents: the current
   * version's, parsed now if need be. Big ones: the current version's when known; else the parse of the current
   * version starts on the worker and this returns the last analysis of an earlier version (its spans are those
   * of that version), or undefined before the first one. {@link onDidChange} fires when the new one arrives;
   * {@link analyse} waits for it.
   */
  get(doc: vscode.TextDocument): Analysis | undefined {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit;
    if (this.runs.get(key)?.version === doc.version) return hit; // being parsed (no need to read the text again)
    if (!this.isCellDocument(doc)) {
      this.cache.delete(key);
      return undefined;
    }
    const text = doc.getText();
    if (!this.offThread(text)) return this.store(analyseText(key, doc.version, text));
    void this.analyse(doc);
    return hit;
  }

  /** The analysis of the document's current version, parsed here whatever its size (one block on a big document). */
  getNow(doc: vscode.TextDocument): Analysis | undefined {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit;
    if (!this.isCellDocument(doc)) {
      this.cache.delete(key);
      return undefined;
    }
    return this.store(analyseText(key, doc.version, doc.getText()));
  }

  /**
   * The analysis of the document's current version (undefined when it is not a cell document or it was closed),
   * parsed on the worker when it is big: what callers that need exact spans of a big document wait for. If the
   * document changes meanwhile, the analysis of its newest version.
   */
  async analyse(doc: vscode.TextDocument): Promise<Analysis | undefined> {
    const key = doc.uri.toString();
    for (;;) {
      if (doc.isClosed) return undefined;
      const hit = this.cache.get(key);
      if (hit && hit.version === doc.version) return hit;
      const running = this.runs.get(key);
      if (running?.version === doc.version) {
        await running.done;
        continue;
      }
      if (!this.isCellDocument(doc)) {
        this.cache.delete(key);
        return undefined;
      }
      const text = doc.getText();
      if (!this.offThread(text)) return this.store(analyseText(key, doc.version, text));
      running?.abort.abort(); // an older version: its result would be dropped anyway
      await this.startRun(doc, text).done;
    }
  }

  /** Whether an off-thread parse of the document is under way (its diagnostics and lenses are coming). */
  isAnalysing(doc: vscode.TextDocument): boolean {
    return this.runs.has(doc.uri.toString());
  }

  /** Fires when an analysis parsed on the worker thread becomes the current one of its document. */
  onDidChange(listener: AnalysisListener): { dispose(): void } {
    this.listeners.add(listener);
    return {
      dispose: () => {
        this.listeners.delete(listener);
      },
    };
  }

  /** Fires when a parse made on the worker is dropped for a newer version (see {@link stats}.discarded). */
  onDidDiscard(listener: (d: DiscardedParse) => void): { dispose(): void } {
    this.discardListeners.add(listener);
    return {
      dispose: () => {
        this.discardListeners.delete(listener);
      },
    };
  }

  /** The last analysis, whatever its version (for "keep the last good graph"). */
  peek(uri: vscode.Uri): Analysis | undefined {
    return this.cache.get(uri.toString());
  }

  delete(uri: vscode.Uri): void {
    const key = uri.toString();
    this.cache.delete(key);
    this.runs.get(key)?.abort.abort();
  }

  dispose(): void {
    for (const r of this.runs.values()) r.abort.abort();
    this.thread?.dispose();
    this.thread = undefined;
    this.listeners.clear();
    this.discardListeners.clear();
  }

  private offThread(text: string): boolean {
    return (
      text.length >= this.offThreadChars && this.options.workerScript !== null && this.failures < MAX_WORKER_FAILURES
    );
  }

  private store(a: Analysis): Analysis {
    this.cache.set(a.uri, a);
    return a;
  }

  /** Parses this version of the document on the worker; the result is dropped if the document moved on meanwhile. */
  private startRun(
    doc: vscode.TextDocument,
    text: string,
  ): { version: number; done: Promise<void>; abort: AbortController } {
    const key = doc.uri.toString();
    const version = doc.version;
    const abort = new AbortController();
    // Stale: the document changed or closed, a newer (or this) version was analysed meanwhile, or it was dropped.
    const stale = () =>
      abort.signal.aborted ||
      doc.isClosed ||
      doc.version !== version ||
      (this.cache.get(key)?.version ?? -Infinity) >= version;
    const done = (async () => {
      let parsed: ParsedDocument | undefined;
      try {
        parsed = await this.parseThread().parse(text, abort.signal);
      } catch (e) {
        if ((e as Error).name !== 'AbortError') {
          this.failures++;
          this.options.log?.(`parse worker failed (${(e as Error).message}): parsing ${key} on the extension host`);
          if (!stale()) parsed = parseDocument(text);
        }
      }
      if (parsed && !stale()) {
        const a = await analyseParsedInSlices(key, version, parsed, abort.signal).catch(() => undefined);
        if (a && !stale()) {
          this.store(a);
          this.stats.offThread++;
          this.notify(this.listeners, a);
          return;
        }
      }
      this.stats.discarded++;
      this.notify(this.discardListeners, { uri: key, version });
    })().finally(() => {
      if (this.runs.get(key) === run) this.runs.delete(key);
    });
    const run = { version, done, abort };
    this.runs.set(key, run);
    return run;
  }

  private notify<E>(listeners: ReadonlySet<(e: E) => void>, e: E): void {
    for (const l of [...listeners]) {
      try {
        l(e);
      } catch (err) {
        this.options.log?.(`analysis listener failed: ${String(err)}`);
      }
    }
  }

  private parseThread(): ParseThread {
    if (!this.thread) {
      const script = this.options.workerScript ?? parseWorkerScript();
      if (!script) throw new Error('no parse worker script found');
      this.thread = new ParseThread(script);
    }
    return this.thread;
  }
}

/** Worker failures after which big documents are parsed on the extension host (a broken install, a crash loop). */
const MAX_WORKER_FAILURES = 3;

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
  return analyseParsed(uri, version, parseDocument(text));
}

function analysedCell(cell: Cell): AnalysedCell {
  const recipe = toRecipe(cell);
  let hash: string | undefined;
  let key: string | undefined;
  return {
    cell,
    recipe,
    get hash() {
      return (hash ??= memoHash((key ??= JSON.stringify(recipe)), recipe));
    },
    get hashed() {
      return hash !== undefined || hashMemo.has((key ??= JSON.stringify(recipe)));
    },
    valid: cell.nodes.length > 0 && !cell.diagnostics.some((d) => d.severity === 'error'),
  };
}

/** The analysis of a parse (recipe/parse `parseDocument`'s output, here or from the worker). */
export function analyseParsed(uri: string, version: number, parsed: ParsedDocument): Analysis {
  return { uri, version, parsed, cells: parsed.cells.map(analysedCell) };
}

/** {@link analyseParsed} in slices of about `sliceMs` that yield to the event loop (2,000 recipes take tens of ms). */
async function analyseParsedInSlices(
  uri: string,
  version: number,
  parsed: ParsedDocument,
  signal?: AbortSignal,
  sliceMs = 10,
): Promise<Analysis> {
  const cells: AnalysedCell[] = [];
  let t0 = performance.now();
  for (const c of parsed.cells) {
    cells.push(analysedCell(c));
    if (performance.now() - t0 >= sliceMs) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
      t0 = performance.now();
    }
  }
  return { uri, version, parsed, cells };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The canonical hashes of these cells, in order, computed in slices of about `sliceMs` (default 15 ms) with the
 * event loop served in between: hashing a 2,000-cell file takes seconds, which must not freeze the extension host
 * (typing, auto-save participants). Cells hashed before cost nothing. Rejects with an AbortError when `signal` aborts.
 */
export async function hashCells(
  cells: readonly AnalysedCell[],
  options: { signal?: AbortSignal; sliceMs?: number } = {},
): Promise<string[]> {
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
