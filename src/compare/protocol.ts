/**
 * THE message protocol between the extension host and the "Compare Cells" webview (webview/compare.ts), versioned.
 * Both sides validate what they receive (`isToCompareWebview` / `isFromCompareWebview`) and drop the rest.
 * The two graphs travel as the graph panel's CellView (src/graph/protocol.ts), with `onlyHere` set on the nodes and
 * edges that have no counterpart in the other cell, and are drawn by the graph view's own renderer.
 * Numbers travel already formatted (the extension owns the formatting, src/report/scoreFormat.ts); a row also
 * carries its raw values (null: absent / not finite) so a test or a sort can read them.
 * Pure: no `vscode`, no DOM.
 */
import { isCellView, type CellView, type ThemeKind } from '../graph/protocol';

/** Bumped on any incompatible change; the webview ignores `compare` messages of another version. */
export const COMPARE_PROTOCOL_VERSION = 2;

/** The view type of the panel. */
export const COMPARE_VIEW_TYPE = 'cellLens.compare';

export type Side = 'left' | 'right';

/** One compared cell. */
export interface CompareSide {
  /** `A` / `B` and the cell's label, e.g. `A · cell 2 (examples.json)`. */
  readonly title: string;
  /** URI of the document the cell is in. */
  readonly uri: string;
  readonly cellIndex: number;
  /** Canonical hash (32 hex digits). */
  readonly hash: string;
  /** The graph, with `onlyHere` marks. */
  readonly cell: CellView;
  /** Nodes (inputs included) and edges with no counterpart in the other cell. */
  readonly onlyNodes: readonly string[];
  readonly onlyEdges: number;
  /** Whether the cell has a score report at the current settings (if not, the page offers to score it). */
  readonly scored: boolean;
}

/** Which side a row favours: by the quantity's declared direction; `tie` when equal; absent when not comparable. */
export type Better = Side | 'tie';

/** One row of the table under the graphs. */
export interface CompareRow {
  /** Section: `Benchmark · WikiText-2`, `Scores (proxy preset)`, `Prediction`. */
  readonly group: string;
  readonly label: string;
  /** Formatted values (`—` when absent). */
  readonly left: string;
  readonly right: string;
  /** Raw values (null when absent or not finite). */
  readonly leftValue: number | null;
  readonly rightValue: number | null;
  /** Percentile / share notes under the value, e.g. `82nd pct`. */
  readonly leftNote?: string;
  readonly rightNote?: string;
  /** Formatted B − A (empty when either value is missing). */
  readonly delta: string;
  readonly better?: Better;
  /** Declared direction of the quantity (absent for counts such as runs). */
  readonly direction?: 'higher' | 'lower';
  /** Tooltip: meaning, direction and its evidence. */
  readonly title?: string;
}

/** Show a comparison. */
export interface CompareMessage {
  readonly type: 'compare';
  readonly version: number;
  readonly left: CompareSide;
  readonly right: CompareSide;
  /** Equal canonical hashes. */
  readonly isomorphic: boolean;
  /** False when a cell could not be compared node by node (see `summary`). */
  readonly comparable: boolean;
  /** One line: `isomorphic: …` or `2 nodes only in A, 12 only in B`. */
  readonly summary: string;
  readonly rows: readonly CompareRow[];
  /** Lines under the table (e.g. why there are no scores yet). */
  readonly notes: readonly string[];
}

export interface CompareThemeMessage {
  readonly type: 'theme';
  readonly kind: ThemeKind;
}

export type ToCompareWebview = CompareMessage | CompareThemeMessage;

export interface CompareReadyMessage {
  readonly type: 'ready';
}
/** Select a node of one side's cell in its editor. */
export interface CompareRevealMessage {
  readonly type: 'reveal';
  readonly side: Side;
  readonly node: string;
}
export interface CompareLogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

/** Score one side's cell at the current settings (its "Score this side" button): the editor's Score This Cell. */
export interface CompareScoreMessage {
  readonly type: 'score';
  readonly side: Side;
}

export type FromCompareWebview = CompareReadyMessage | CompareRevealMessage | CompareScoreMessage | CompareLogMessage;

// ---- validators -------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const optional = (v: unknown, f: (v: unknown) => boolean): boolean => v === undefined || f(v);
const numOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
const SIDES: readonly unknown[] = ['left', 'right'];
const THEMES: readonly unknown[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];

function isSide(s: unknown): s is CompareSide {
  return (
    isObj(s) &&
    isStr(s.title) &&
    isStr(s.uri) &&
    isIndex(s.cellIndex) &&
    isStr(s.hash) &&
    isCellView(s.cell) &&
    Array.isArray(s.onlyNodes) &&
    s.onlyNodes.every(isStr) &&
    isIndex(s.onlyEdges) &&
    typeof s.scored === 'boolean'
  );
}

function isRow(r: unknown): r is CompareRow {
  return (
    isObj(r) &&
    isStr(r.group) &&
    isStr(r.label) &&
    isStr(r.left) &&
    isStr(r.right) &&
    numOrNull(r.leftValue) &&
    numOrNull(r.rightValue) &&
    isStr(r.delta) &&
    optional(r.leftNote, isStr) &&
    optional(r.rightNote, isStr) &&
    optional(r.title, isStr) &&
    optional(r.better, (b) => b === 'left' || b === 'right' || b === 'tie') &&
    optional(r.direction, (d) => d === 'higher' || d === 'lower')
  );
}

/** Whether `m` is a well-formed extension → compare webview message of this protocol version. */
export function isToCompareWebview(m: unknown): m is ToCompareWebview {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'compare':
      return (
        m.version === COMPARE_PROTOCOL_VERSION &&
        isSide(m.left) &&
        isSide(m.right) &&
        typeof m.isomorphic === 'boolean' &&
        typeof m.comparable === 'boolean' &&
        isStr(m.summary) &&
        Array.isArray(m.rows) &&
        m.rows.every(isRow) &&
        Array.isArray(m.notes) &&
        m.notes.every(isStr)
      );
    case 'theme':
      return THEMES.includes(m.kind);
    default:
      return false;
  }
}

/** Whether `m` is a well-formed compare webview → extension message. */
export function isFromCompareWebview(m: unknown): m is FromCompareWebview {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'reveal':
      return SIDES.includes(m.side) && isStr(m.node) && m.node.length > 0;
    case 'score':
      return SIDES.includes(m.side);
    case 'log':
      return isStr(m.message) && ['info', 'warn', 'error'].includes(m.level as string);
    default:
      return false;
  }
}
