/**
 * Sorting and filtering of table rows: what the webview does on a header click or a keystroke in the filter box,
 * and what the host does before an export (so the file holds what the user sees). Pure, and imports nothing but
 * the protocol's types: the webview bundle stays small (rows.ts, which reads the score references and the
 * predictors, never reaches the webview).
 */
import type { SortState, TableRow } from './protocol';

/** The order a table starts in: the cells as they stand in their files. */
export const DEFAULT_SORT: SortState = { column: 'cell', dir: 'asc' };

/** A sortable value: numbers compare numerically (±∞ included), strings by locale; undefined sorts last. */
type Key = number | string | undefined;

/** The value a row sorts by in a column (undefined: no value, sorted last in both directions). */
export function sortKey(row: TableRow, column: string): Key {
  switch (column) {
    case 'cell':
      return row.index;
    case 'file':
      return row.file;
    case 'nodes':
      return row.nodes;
    case 'testLoss':
      return row.benchmark?.testLoss;
    case 'valLoss':
      return row.benchmark?.valLoss;
    case 'rank':
      return row.benchmark?.rank;
    case 'predicted':
      return row.predicted?.loss;
    case 'preset':
      return row.preset;
    default: {
      if (!column.startsWith('score:')) return undefined;
      const s = row.scores[column.slice('score:'.length)];
      if (!s) return undefined;
      // NaN has no place in an order: last, with the unscored cells. ±∞ are the honest extremes.
      return s.kind === 'finite'
        ? (s.value ?? undefined)
        : s.kind === 'inf'
          ? Infinity
          : s.kind === '-inf'
            ? -Infinity
            : undefined;
    }
  }
}

/** THE string order of the table: one collator, built once (`localeCompare` with options builds one per call). */
const COLLATOR = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  return COLLATOR.compare(String(a), String(b));
}

/** Where the rows stand in their files: by file, then by cell index (the tie-breaker of every sort). */
function position(a: TableRow, b: TableRow): number {
  return compareKeys(a.file, b.file) || a.index - b.index || compareKeys(a.key, b.key);
}

/**
 * The rows sorted by one column. Rows without a value (not scored, NaN, not in the benchmark) come last in both
 * directions; ties keep the file order. Returns a new array.
 *
 * Cheap on thousands of rows: the file order is computed once (one sort by position), then each row's key is read
 * once and the comparisons compare precomputed numbers and strings (no formatting, no lookup per comparison).
 */
export function sortRows(rows: readonly TableRow[], sort: SortState = DEFAULT_SORT): TableRow[] {
  const sign = sort.dir === 'desc' ? -1 : 1;
  const inFileOrder = [...rows].sort(position);
  // Sorting by cell means: in file order (by file first when the table spans the workspace).
  if (sort.column === 'cell') return sign === 1 ? inFileOrder : inFileOrder.reverse();
  const keyed = inFileOrder.map((r, at) => ({ r, at, k: sortKey(r, sort.column) }));
  keyed.sort((x, y) => {
    const mx = x.k === undefined,
      my = y.k === undefined;
    if (mx || my) return mx && my ? x.at - y.at : mx ? 1 : -1;
    return sign * compareKeys(x.k, y.k) || x.at - y.at;
  });
  return keyed.map((x) => x.r);
}

/** The text a filter term is looked for in: label, file, hash, dataset, preset, ops, and "invalid" for cells with errors. */
export function rowHaystack(row: TableRow): string {
  let h = haystacks.get(row);
  if (h === undefined) haystacks.set(row, (h = haystackOf(row)));
  return h;
}

/** Haystacks by row (rows are immutable: a row's text is built once, not at every keystroke of the filter). */
const haystacks = new WeakMap<TableRow, string>();

function haystackOf(row: TableRow): string {
  return [
    row.label,
    row.file,
    row.hash ?? '',
    row.benchmark?.dataset ?? '',
    row.benchmark?.diverged ? 'diverged' : '',
    row.preset ?? 'unscored',
    row.ops.join(' '),
    row.valid ? '' : 'invalid error',
    row.benchmark ? '' : 'not-in-benchmark',
  ]
    .join(' ')
    .toLowerCase();
}

/** The terms of a filter: whitespace-separated words, or "quoted phrases" (lower-cased). */
export function filterTerms(query: string): string[] {
  return [...query.toLowerCase().matchAll(/"([^"]*)"?|(\S+)/g)]
    .map((m) => m[1] ?? m[2])
    .filter((t) => t.trim().length > 0);
}

/** The rows whose haystack contains every term of `query` (words or "quoted phrases", case-insensitive). */
export function filterRows(rows: readonly TableRow[], query: string): TableRow[] {
  const terms = filterTerms(query);
  if (!terms.length) return [...rows];
  return rows.filter((r) => {
    const h = rowHaystack(r);
    return terms.every((t) => h.includes(t));
  });
}

/** Filter, then sort: the rows as the table shows them. */
export function visibleRows(rows: readonly TableRow[], filter: string, sort?: SortState): TableRow[] {
  return sortRows(filterRows(rows, filter), sort ?? DEFAULT_SORT);
}

/** The next sort after a click on a column header: a new column starts ascending (text, losses, ranks) or descending
 * for a score whose higher values are better, so the best cells come first; the same column flips. */
export function nextSort(current: SortState | undefined, column: string, better?: 'higher' | 'lower'): SortState {
  if (current?.column === column) return { column, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { column, dir: better === 'higher' ? 'desc' : 'asc' };
}
