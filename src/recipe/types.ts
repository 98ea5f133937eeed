/**
 * The recipe model: what the parser produces and every other part consumes.
 * Offsets are UTF-16 code-unit offsets into the document text (what VS Code's `positionAt` takes).
 * Pure data, no `vscode` import.
 */

export interface Span {
  /** Start offset (inclusive) in the document text. */
  readonly start: number;
  /** End offset (exclusive). */
  readonly end: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** Stable diagnostic codes (shown in the Problems panel, used by quick fixes and tests). */
export type DiagnosticCode =
  | 'not-json' // the text is not valid JSON
  | 'not-a-cell' // valid JSON but not a recipe / log / list of recipes
  | 'bad-node' // a node value is not an object {op, input}
  | 'missing-op' // node has no "op" string
  | 'unknown-op' // "op" is not one of the seven NAS-Bench-NLP ops
  | 'bad-input-list' // "input" missing or not an array of strings
  | 'arity' // wrong number of inputs for the op
  | 'dangling-input' // an input names no node and no cell input
  | 'x-not-linear' // x read by an op other than linear (x has the embedding width, the nodes the hidden width)
  | 'reserved-name' // a node is named like a cell input (x, h_prev_i)
  | 'cycle' // the nodes form a cycle (within one time step)
  | 'missing-output' // no h_new_0
  | 'missing-hidden' // h_new_i missing although a larger index exists / h_prev_i read without h_new_i
  | 'unread-state' // h_new_i is produced but h_prev_i is never read (warning)
  | 'unreachable' // node does not reach any output (warning)
  | 'duplicate-key' // the same key twice in one object
  | 'empty-cell' // no nodes at all
  | 'bad-log' // a training log whose `recepie` is not a JSON string of a recipe
  | 'too-large'; // the document is too large to analyse in the editor

export interface RelatedSpan {
  readonly span: Span;
  readonly message: string;
}

/** A machine-applicable quick fix: replace `span` with `text`. */
export interface Fix {
  readonly title: string;
  readonly span: Span;
  readonly text: string;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related?: readonly RelatedSpan[];
  readonly fixes?: readonly Fix[];
  /** Node names the diagnostic is about (for the graph overlay). */
  readonly nodes?: readonly string[];
}

export interface InputRef {
  readonly name: string;
  readonly span: Span;
}

/** One node of a recipe: `"name": {"op": ..., "input": [...]}`. */
export interface CellNode {
  readonly name: string;
  /** The op string as written (may be invalid; validation reports it). */
  readonly op: string;
  readonly inputs: readonly InputRef[];
  /** The key `"name"` including quotes. */
  readonly keySpan: Span;
  /** The whole `{...}` value of the node. */
  readonly valueSpan: Span;
  /** The `"op"` value; the key span when the value is missing. */
  readonly opSpan: Span;
  /** The `[...]` of the inputs; the value span when missing. */
  readonly inputListSpan: Span;
}

/** Facts of a NAS-Bench-NLP training log that accompany a cell read from a log file. */
export interface LogInfo {
  readonly recepieId?: number;
  readonly status?: string;
  readonly dataset?: string;
  readonly numParams?: number;
  readonly epochs?: number;
  readonly testLosses?: readonly number[];
  readonly valLosses?: readonly number[];
  readonly trainLosses?: readonly number[];
}

export type CellSource = 'recipe' | 'log' | 'list';

/** One cell found in a document. A document may hold several (a list of recipes). */
export interface Cell {
  /** 0-based position of the cell in the document. */
  readonly index: number;
  /** Human label: "cell 3", "log 1000000", or "recipe". */
  readonly label: string;
  readonly source: CellSource;
  /** The whole recipe object (for a log: the `recepie` string literal). */
  readonly span: Span;
  /** Where a CodeLens goes: the start of the cell's object (or of the log). */
  readonly anchor: Span;
  /** Nodes in document order (duplicates removed: the last one wins, as in JSON.parse). */
  readonly nodes: readonly CellNode[];
  readonly log?: LogInfo;
  /** All diagnostics of this cell (parse + validation). */
  readonly diagnostics: readonly Diagnostic[];
}

/** The result of analysing one document. Never throws. */
export interface ParsedDocument {
  readonly cells: readonly Cell[];
  /** Diagnostics that belong to no cell (e.g. the text is not JSON at all). */
  readonly diagnostics: readonly Diagnostic[];
}

/** A recipe as plain data, `{ name: { op, input } }`: what the model builder and the search use. */
export type Recipe = Record<string, { op: string; input: string[] }>;
