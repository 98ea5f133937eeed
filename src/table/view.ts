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

function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  return String(a).localeCompare(String(b), 'en', { numeric: true, sensitivity: 'base' });
}

/** Where the rows stand in their files: by file, then by cell index (the tie-breaker of every sort). */
function position(a: TableRow, b: TableRow): number {
  return compareKeys(a.file, b.file) || a.index - b.index || compareKeys(a.key, b.key);
}

/**
 * The rows sorted by one column. Rows without a value (not scored, NaN, not in the benchmark) come last in both
 * directions; ties keep the file order. Returns a new array.
 */
export function sortRows(rows: readonly TableRow[], sort: SortState = DEFAULT_SORT): TableRow[] {
  const sign = sort.dir === 'desc' ? -1 : 1;
  // Sorting by cell means: in file order (by file first when the table spans the workspace).
  if (sort.column === 'cell') return [...rows].sort((a, b) => sign * position(a, b));
  const keyed = rows.map((r) => ({ r, k: sortKey(r, sort.column) }));
  keyed.sort((x, y) => {
    const mx = x.k === undefined,
      my = y.k === undefined;
    if (mx || my) return mx && my ? position(x.r, y.r) : mx ? 1 : -1;
    return sign * compareKeys(x.k, y.k) || position(x.r, y.r);
  });
  return keyed.map((x) => x.r);
}

/** The text a filter term is looked for in: label, file, hash, dataset, preset, ops, and "invalid" for cells with errors. */
export function rowHaystack(row: TableRow): string {
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
