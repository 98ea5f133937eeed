/**
 * THE message protocol between the extension host and the cells-table webview (both directions), versioned.
 * Both sides validate what they receive with `isToTableWebview` / `isFromTableWebview`; anything else is dropped
 * (and logged). Pure: no `vscode`, no DOM.
 *
 * The host builds the rows (src/table/rows.ts: cells + benchmark + scores → rows) and sends them ready to show;
 * the webview sorts and filters them with the same pure functions the host uses for the exports, so an export holds
 * exactly the rows, in the order, the user sees.
 *
 * Numbers cross the boundary as JSON, where NaN and ±∞ do not exist: a score carries `kind` besides its `value`
 * (null unless finite), so "NaN" is never confused with "not computed".
 */

/** Bumped on any incompatible change; a webview ignores `render` messages of another version. */
export const TABLE_PROTOCOL_VERSION = 2;

/**
 * Rows per message, at most: a big table (a 5,000-cell file) goes over in pages, the first page first, so the
 * webview shows the first rows at once and no message takes long to build, send or validate.
 */
export const TABLE_PAGE_ROWS = 200;

/** The view type of the cells-table panel. */
export const TABLE_VIEW_TYPE = 'cellLens.cellsTable';

/** One score of one row. */
export interface RowScore {
  /** The value when finite; null for NaN / ±∞ (see `kind`). */
  readonly value: number | null;
  readonly kind: 'finite' | 'nan' | 'inf' | '-inf';
  /** The value as the lens and hover show it (the cell's verdict, src/report/verdict.ts). */
  readonly text: string;
  /** Percentile (0 … 100, 100 = best) among the benchmark's trained cells at the same settings; absent without a reference. */
  readonly percentile?: number;
  /** The percentile as the lens shows it (`82nd`) and its population (`of 258 WikiText-2 cells, proxy preset`). */
  readonly percentileText?: string;
  readonly population?: string;
  /** Why the value is NaN / infinite. */
  readonly reason?: string;
}

/** Benchmark facts of one row (the first dataset that knows the cell). */
export interface RowBenchmark {
  readonly dataset: string;
  /** Mean final test loss over the trained runs; absent when every run diverged. */
  readonly testLoss?: number;
  readonly valLoss?: number;
  /** Rank by test loss among the dataset's trained cells (1 = best) and their number. */
  readonly rank?: number;
  readonly size: number;
  readonly diverged: boolean;
  /** Other datasets that also know the cell (shown in the tooltip and the exports). */
  readonly others?: readonly string[];
}

/** The predicted test loss of a scored cell (src/study/predictions.ts). */
export interface RowPrediction {
  readonly loss: number;
  /** 80 % interval; absent when not finite. */
  readonly lo?: number;
  readonly hi?: number;
  readonly topPercent: number;
  readonly dataset: string;
  /** The one-line text of the lens, e.g. `predicted test loss 4.93 [4.71, 5.18] · top 20%`. */
  readonly text: string;
}

/** One cell of the table. */
export interface TableRow {
  /** Unique in a table: `<uri>#<cell index>`. */
  readonly key: string;
  readonly uri: string;
  /** The file's name relative to the workspace (or its base name). */
  readonly file: string;
  /** Index of the cell in its document (0-based) and its label ("cell 3", "log 1000000", "recipe"). */
  readonly index: number;
  readonly label: string;
  /** 0-based line of the cell's first character. */
  readonly line: number;
  readonly valid: boolean;
  /** Error diagnostics of the cell (invalid cells are listed, greyed, with their count). */
  readonly errors: number;
  readonly nodes: number;
  /** Distinct ops of the cell (for the filter). */
  readonly ops: readonly string[];
  /** Canonical hash (valid cells only). */
  readonly hash?: string;
  readonly benchmark?: RowBenchmark;
  /** Score id → score (absent: not scored at the current settings). */
  readonly scores: Readonly<Record<string, RowScore>>;
  readonly predicted?: RowPrediction;
  /** Which preset produced the scores: `proxy`, `nas-bench-nlp` or `custom` (absent: not scored). */
  readonly preset?: string;
  /** Long form of the scoring settings (tooltip). */
  readonly settings?: string;
}

/** What a column holds and how it sorts: text columns compare as strings, number columns numerically. */
export type ColumnKind = 'text' | 'number';

export interface TableColumn {
  /** `cell`, `file`, `nodes`, `testLoss`, `rank`, `predicted`, `preset`, or `score:<id>`. */
  readonly id: string;
  readonly label: string;
  readonly kind: ColumnKind;
  /** Header tooltip: meaning, measured direction and its evidence. */
  readonly title?: string;
  /** For score columns: the measured better direction. */
  readonly better?: 'higher' | 'lower';
}

export type SortDirection = 'asc' | 'desc';

export interface SortState {
  readonly column: string;
  readonly dir: SortDirection;
}

export type TableScope = 'file' | 'workspace';

/**
 * Show a table: its columns and its first page of rows; `total` rows in all, the others follow in `rows` messages
 * of the same `id`, in order.
 */
export interface TableRenderMessage {
  readonly type: 'render';
  readonly version: number;
  /** This table's number: the pages that follow carry it (pages of an older table are ignored). */
  readonly id: number;
  /** How many rows the table holds once every page has arrived. */
  readonly total: number;
  readonly scope: TableScope;
  /** `examples.json` or `workspace`. */
  readonly title: string;
  readonly columns: readonly TableColumn[];
  /** The first page (at most {@link TABLE_PAGE_ROWS} rows). */
  readonly rows: readonly TableRow[];
  /** One line under the toolbar: settings of the scores, what is loading, how many cells are scored. */
  readonly note?: string;
  /** Lines of the file (0-based) where several cells start: the webview offers "One cell per line". */
  readonly crowdedLines?: number;
}

/** The next page of the table `id`: appended to its rows; the columns of the rows so far (a score may appear). */
export interface TableRowsMessage {
  readonly type: 'rows';
  readonly version: number;
  readonly id: number;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TableRow[];
  /** With the last page: the note of the whole table. */
  readonly note?: string;
}

export type ToTableWebview = TableRenderMessage | TableRowsMessage;

export type ExportFormat = 'csv' | 'json';

export interface TableReadyMessage {
  readonly type: 'ready';
}
/** Reveal this row's cell in its editor. */
export interface TableRevealMessage {
  readonly type: 'reveal';
  readonly key: string;
}
/** Export the rows the user sees (the host applies the same filter and sort to its rows). */
export interface TableExportMessage {
  readonly type: 'export';
  readonly format: ExportFormat;
  readonly filter: string;
  readonly sort?: SortState;
}
/** Buttons of the toolbar that run an editor command. */
export interface TableCommandMessage {
  readonly type: 'command';
  readonly command: 'score' | 'formatOnePerLine' | 'refresh';
}
/** A problem in the webview worth logging in the extension's output channel. */
export interface TableLogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FromTableWebview =
  TableReadyMessage | TableRevealMessage | TableExportMessage | TableCommandMessage | TableLogMessage;

/** What the webview persists with `setState`: the user's sort and filter. */
export interface TableWebviewState {
  readonly sort?: SortState;
  readonly filter?: string;
}

// ---- validators -------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const optional = (v: unknown, f: (v: unknown) => boolean): boolean => v === undefined || f(v);
const KINDS = ['finite', 'nan', 'inf', '-inf'];

/** Longest filter string accepted from the webview. */
export const MAX_FILTER_CHARS = 1000;

function isRowScore(s: unknown): boolean {
  if (!isObj(s) || !KINDS.includes(s.kind as string) || !isStr(s.text)) return false;
  if (s.kind === 'finite' ? !isNum(s.value) : s.value !== null) return false;
  return (
    optional(s.percentile, isNum) &&
    optional(s.percentileText, isStr) &&
    optional(s.population, isStr) &&
    optional(s.reason, isStr)
  );
}

function isBenchmark(b: unknown): boolean {
  return (
    isObj(b) &&
    isStr(b.dataset) &&
    optional(b.testLoss, isNum) &&
    optional(b.valLoss, isNum) &&
    optional(b.rank, isIndex) &&
    isIndex(b.size) &&
    typeof b.diverged === 'boolean' &&
    optional(b.others, (o) => Array.isArray(o) && o.every(isStr))
  );
}

function isPrediction(p: unknown): boolean {
  return (
    isObj(p) &&
    isNum(p.loss) &&
    optional(p.lo, isNum) &&
    optional(p.hi, isNum) &&
    isNum(p.topPercent) &&
    isStr(p.dataset) &&
    isStr(p.text)
  );
}

function isRow(r: unknown): r is TableRow {
  return (
    isObj(r) &&
    isStr(r.key) &&
    isStr(r.uri) &&
    isStr(r.file) &&
    isIndex(r.index) &&
    isStr(r.label) &&
    isIndex(r.line) &&
    typeof r.valid === 'boolean' &&
    isIndex(r.errors) &&
    isIndex(r.nodes) &&
    Array.isArray(r.ops) &&
    r.ops.every(isStr) &&
    optional(r.hash, isStr) &&
    optional(r.benchmark, isBenchmark) &&
    isObj(r.scores) &&
    Object.values(r.scores).every(isRowScore) &&
    optional(r.predicted, isPrediction) &&
    optional(r.preset, isStr) &&
    optional(r.settings, isStr)
  );
}

function isColumn(c: unknown): c is TableColumn {
  return (
    isObj(c) &&
    isStr(c.id) &&
    c.id.length > 0 &&
    isStr(c.label) &&
    (c.kind === 'text' || c.kind === 'number') &&
    optional(c.title, isStr) &&
    optional(c.better, (b) => b === 'higher' || b === 'lower')
  );
}

export function isSortState(s: unknown): s is SortState {
  return isObj(s) && isStr(s.column) && s.column.length > 0 && (s.dir === 'asc' || s.dir === 'desc');
}

/** Columns and a page of rows: well-formed, at most {@link TABLE_PAGE_ROWS} rows, keys unique. */
function isPage(m: Obj): boolean {
  if (!Array.isArray(m.columns) || !m.columns.every(isColumn) || !Array.isArray(m.rows)) return false;
  if (m.rows.length > TABLE_PAGE_ROWS || !m.rows.every(isRow)) return false;
  const keys = new Set(m.rows.map((r) => r.key));
  return keys.size === m.rows.length && optional(m.note, isStr);
}

/** Whether `m` is a well-formed extension → webview message of this protocol version. */
export function isToTableWebview(m: unknown): m is ToTableWebview {
  if (!isObj(m) || m.version !== TABLE_PROTOCOL_VERSION || !isIndex(m.id) || !isPage(m)) return false;
  if (m.type === 'rows') return true;
  if (m.type !== 'render' || (m.scope !== 'file' && m.scope !== 'workspace') || !isStr(m.title)) return false;
  return isIndex(m.total) && m.total >= (m.rows as unknown[]).length && optional(m.crowdedLines, isIndex);
}

/** Whether `m` is a well-formed webview → extension message. */
export function isFromTableWebview(m: unknown): m is FromTableWebview {
  if (!isObj(m) || !isStr(m.type)) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'reveal':
      return isStr(m.key) && m.key.length > 0;
    case 'export':
      return (
        (m.format === 'csv' || m.format === 'json') &&
        isStr(m.filter) &&
        m.filter.length <= MAX_FILTER_CHARS &&
        optional(m.sort, isSortState)
      );
    case 'command':
      return m.command === 'score' || m.command === 'formatOnePerLine' || m.command === 'refresh';
    case 'log':
      return isStr(m.message) && ['info', 'warn', 'error'].includes(m.level as string);
    default:
      return false;
  }
}
