/**
 * The cells table as data: cells + benchmark + scores → one row per cell, the columns they need, and the CSV / JSON
 * exports. Pure (no `vscode`): the panel (src/webviews/table/panel.ts) hands in the analysed cells and two lookups, the unit
 * tests hand in real cells, the bundled benchmark index and real score reports.
 *
 * Every number shown here is the cell's verdict (src/report/verdict.ts), the one the CodeLens and the hover format, so
 * the table never disagrees with them.
 */
import type { BenchmarkMatch } from '../benchmark/index';
import type { Cell, Recipe } from '../recipe/types';
import { recipeToJson } from '../recipe/model';
import { SCORES, SCORE_IDS, type ScoreReport } from '../scoring/types';
import { presetOf } from '../scoring/presets';
import { populationCells, predictionText, settingsSummary } from '../report/scoreFormat';
import { cellName } from '../report/format';
import { activeCalibration, cellVerdict, type CellVerdict, type ScoreVerdict } from '../report/verdict';
import type { RowBenchmark, RowPrediction, RowScore, SortState, TableColumn, TableRow, TableScope } from './protocol';
import { visibleRows } from './view';
import { csvText } from '../shared/escape';

export { DEFAULT_SORT, filterRows, nextSort, sortKey, sortRows, visibleRows } from './view';

/** One analysed cell of a file (the shape of src/editor/analysis.ts's AnalysedCell, plus where it is). */
export interface CellSource {
  readonly uri: string;
  /** Shown in the File column and the exports: the path relative to the workspace, or the base name. */
  readonly file: string;
  readonly cell: Cell;
  readonly recipe: Recipe;
  readonly valid: boolean;
  /** Canonical hash; read only for valid cells (it is computed lazily by the analysis cache). */
  readonly hash: string;
  /** 0-based line of the cell's first character. */
  readonly line: number;
}

/** Where the numbers come from. */
export interface RowLookups {
  /** Benchmark matches of a canonical hash (undefined: the index is still loading). */
  benchmark(hash: string): readonly BenchmarkMatch[] | undefined;
  /** The score report shown for a cell, if any (ScoringService.peek: at the current settings, else at others). */
  report(hash: string): ScoreReport | undefined;
}

function rowScore(s: ScoreVerdict, v: CellVerdict): RowScore {
  const x = s.result.value;
  const kind: RowScore['kind'] = Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : 'finite';
  return {
    value: kind === 'finite' ? x : null,
    kind,
    text: s.text,
    ...(s.percentile !== undefined && Number.isFinite(s.percentile)
      ? {
          percentile: s.percentile,
          percentileText: s.percentileText!,
          ...(v.population ? { population: v.population.text } : {}),
        }
      : {}),
    ...(s.result.reason !== undefined && kind !== 'finite' ? { reason: s.result.reason } : {}),
  };
}

function rowBenchmark(matches: readonly BenchmarkMatch[]): RowBenchmark | undefined {
  if (!matches.length) return undefined;
  // The first dataset where the cell trained; a diverged record only when no dataset trained it.
  const m = matches.find((x) => !x.diverged) ?? matches[0];
  const others = matches.filter((x) => x !== m).map((x) => x.dataset);
  const e = m.entry;
  return {
    dataset: m.dataset,
    size: m.size,
    diverged: m.diverged,
    ...(Number.isFinite(e.meanTest) ? { testLoss: e.meanTest } : {}),
    ...(Number.isFinite(e.meanVal) ? { valLoss: e.meanVal } : {}),
    ...(m.rank !== undefined ? { rank: m.rank } : {}),
    ...(others.length ? { others } : {}),
  };
}

function rowPrediction(v: CellVerdict): RowPrediction | undefined {
  const p = v.prediction;
  if (!p) return undefined;
  return {
    loss: p.loss,
    topPercent: p.topPercent,
    dataset: p.dataset,
    text: predictionText(p),
    ...(Number.isFinite(p.lo) && Number.isFinite(p.hi) ? { lo: p.lo, hi: p.hi } : {}),
  };
}

/** What a row was built from (a row is built again only when one of these changed). */
interface RowInputs {
  /** The calibration its percentiles and prediction were read from (`activeCalibration().id`). */
  readonly calibration: string;
  readonly uri: string;
  readonly file: string;
  readonly line: number;
  readonly valid: boolean;
  readonly matches: readonly BenchmarkMatch[] | undefined;
  readonly report: ScoreReport | undefined;
  readonly row: TableRow;
}

/**
 * Rows remembered by cell (the analysis's `Cell` object: the same while the document does not change), so an update
 * for a score report or the benchmark index rebuilds only the rows whose report or matches changed, not every
 * verdict of a 5,000-cell file.
 */
export type RowMemo = WeakMap<Cell, RowInputs>;

export function rowMemo(): RowMemo {
  return new WeakMap();
}

/** Whether two lookups found the same benchmark records (a lookup builds new match objects each time). */
function sameMatches(a: readonly BenchmarkMatch[] | undefined, b: readonly BenchmarkMatch[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((m, i) => m.entry === b[i].entry && m.dataset === b[i].dataset && m.rank === b[i].rank);
}

/** The row of one cell (from `memo` when nothing it was built from changed). */
export function buildRow(c: CellSource, lookups: RowLookups, memo?: RowMemo): TableRow {
  const matches = c.valid ? lookups.benchmark(c.hash) : undefined;
  const report = c.valid ? lookups.report(c.hash) : undefined;
  const old = memo?.get(c.cell);
  const calibration = activeCalibration().id;
  if (
    old &&
    old.calibration === calibration &&
    old.uri === c.uri &&
    old.file === c.file &&
    old.line === c.line &&
    old.valid === c.valid &&
    sameMatches(old.matches, matches) &&
    old.report === report
  )
    return old.row;
  const row = rowOf(c, matches, report);
  memo?.set(c.cell, { calibration, uri: c.uri, file: c.file, line: c.line, valid: c.valid, matches, report, row });
  return row;
}

function rowOf(
  c: CellSource,
  matches: readonly BenchmarkMatch[] | undefined,
  report: ScoreReport | undefined,
): TableRow {
  const errors = c.cell.diagnostics.filter((d) => d.severity === 'error').length;
  const base = {
    key: rowKey(c),
    uri: c.uri,
    file: c.file,
    index: c.cell.index,
    label: cellName(c.cell, c.valid ? c.hash : undefined, matches),
    line: c.line,
    valid: c.valid,
    errors,
    nodes: c.cell.nodes.length,
    ops: [...new Set(c.cell.nodes.map((n) => n.op))].sort(),
  };
  if (!c.valid) return { ...base, scores: {} };
  const benchmark = matches ? rowBenchmark(matches) : undefined;
  const verdict = report ? cellVerdict(report, c.recipe) : undefined;
  const scores: Record<string, RowScore> = {};
  for (const s of verdict?.scores ?? []) scores[s.id] = rowScore(s, verdict!);
  const predicted = verdict ? rowPrediction(verdict) : undefined;
  return {
    ...base,
    hash: c.hash,
    scores,
    ...(benchmark ? { benchmark } : {}),
    ...(predicted ? { predicted } : {}),
    ...(report ? { preset: presetOf(report.settings) ?? 'custom', settings: settingsSummary(report.settings) } : {}),
  };
}

/** A row's key: unique in a table (`<uri>#<cell index>`). */
function rowKey(c: CellSource): string {
  return `${c.uri}#${c.cell.index}`;
}

/**
 * The recipe of a row, for the exports: the rows that go to the webview do not carry it (a 5,000-cell table would
 * send every recipe again with each page); the host keeps the cells the rows were built from.
 */
export type RecipeOf = (row: TableRow) => Recipe | undefined;

/** The {@link RecipeOf} of the cells a table's rows were built from. */
export function recipesOf(cells: readonly CellSource[]): RecipeOf {
  const byKey = new Map(cells.map((c) => [rowKey(c), c.recipe]));
  return (row) => byKey.get(row.key);
}

/** One row per cell, in the order given. */
export function buildRows(cells: readonly CellSource[], lookups: RowLookups): TableRow[] {
  return cells.map((c) => buildRow(c, lookups));
}

/**
 * The rows of these cells in pages, in order: each page holds at most `maxRows` rows and ends early once its
 * building took `sliceMs` (a canonical hash, a verdict and a prediction per scored cell: a 5,000-cell file takes
 * seconds in all). The panel posts each page and yields to the event loop before asking for the next, so the
 * first rows show at once and the extension host never blocks for long. The pages, joined, are `buildRows`.
 */
export function* rowPages(
  cells: readonly CellSource[],
  lookups: RowLookups,
  options: { readonly maxRows: number; readonly sliceMs?: number; readonly memo?: RowMemo },
): Generator<TableRow[], void, void> {
  const maxRows = Math.max(1, options.maxRows);
  const sliceMs = options.sliceMs ?? Infinity;
  let page: TableRow[] = [];
  let t0 = performance.now();
  for (const c of cells) {
    page.push(buildRow(c, lookups, options.memo));
    if (page.length >= maxRows || performance.now() - t0 >= sliceMs) {
      yield page;
      page = [];
      t0 = performance.now();
    }
  }
  if (page.length || cells.length === 0) yield page;
}

/** Score ids present in any row, in the registry's order. */
export function scoreIdsOf(rows: readonly TableRow[]): string[] {
  const present = new Set(rows.flatMap((r) => Object.keys(r.scores)));
  return SCORE_IDS.filter((id) => present.has(id));
}

/**
 * The columns of a table: cell (and file for the workspace), nodes, benchmark test loss, the predicted loss beside it
 * when any row has one, rank, one column per score any row has (header tooltip: meaning, measured direction and its
 * evidence at the rows' settings), and the preset.
 */
export function tableColumns(
  rows: readonly TableRow[],
  scope: TableScope,
  reports: readonly ScoreReport[] = [],
): TableColumn[] {
  const cols: TableColumn[] = [
    {
      id: 'cell',
      label: 'Cell',
      kind: 'text',
      title: 'The cell and its position in the file (sorting by it restores the file order)',
    },
  ];
  if (scope === 'workspace') cols.push({ id: 'file', label: 'File', kind: 'text' });
  cols.push(
    { id: 'nodes', label: 'Nodes', kind: 'number', title: 'Nodes of the recipe (cell inputs not counted)' },
    {
      id: 'testLoss',
      label: 'Test loss',
      kind: 'number',
      title: 'Benchmark mean final test loss over the trained runs (lower is better)',
    },
  );
  // A user's calibration: the predicted column and the percentiles name its dataset and population.
  const population = reports[0] ? cellVerdict(reports[0]).population : undefined;
  const cal = activeCalibration();
  // The predicted loss beside the measured one: the number a cell the benchmark does not know is read by.
  if (rows.some((r) => r.predicted))
    cols.push(
      cal.bundled
        ? {
            id: 'predicted',
            label: 'Predicted loss',
            kind: 'number',
            title:
              'Test loss predicted from the train-free scores and the structure (docs/predictor.md), 80 % interval',
          }
        : {
            id: 'predicted',
            label: `Predicted ${cal.dataset} loss`,
            kind: 'number',
            title: `${cal.dataset} test loss predicted from the train-free scores and the structure by the predictor of calibration ${cal.source ?? cal.dataset} (docs/predictor.md), 80 % interval; top k% among its trained ${cal.dataset} cells`,
          },
    );
  cols.push({
    id: 'rank',
    label: 'Rank',
    kind: 'number',
    title: "Rank by test loss among the benchmark's trained cells (1 = best)",
  });
  const among = population?.calibrated
    ? `the trained ${population.dataset} cells (${populationCells(population)}, ${population.preset} preset)`
    : "the benchmark's trained cells";
  for (const id of scoreIdsOf(rows)) {
    const info = SCORES[id as keyof typeof SCORES];
    const ev = population?.evidence[info.id]?.text;
    cols.push({
      id: `score:${id}`,
      label: info.label,
      kind: 'number',
      better: info.better,
      title: `${info.label}: ${info.meaning} ${info.better === 'higher' ? 'Higher' : 'Lower'} is better${ev ? ` (${ev} vs −test loss)` : ''}. Percentile: share of ${among} this cell scores better than, at the same settings.`,
    });
  }
  cols.push({ id: 'preset', label: 'Preset', kind: 'text', title: 'The model size the scores were computed at' });
  return cols;
}

// ---- exports ----------------------------------------------------------------------------------------------------

/** A number as an export writes it: full precision; NaN and ±∞ by name (neither CSV nor JSON has them). */
function num(x: number | undefined): string {
  if (x === undefined) return '';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return String(x);
}

function scoreNumber(s: RowScore): number {
  return s.kind === 'finite' ? (s.value as number) : s.kind === 'nan' ? NaN : s.kind === 'inf' ? Infinity : -Infinity;
}

const CSV_FIXED = [
  'file',
  'cell',
  'index',
  'line',
  'valid',
  'errors',
  'nodes',
  'hash',
  'dataset',
  'test_loss',
  'val_loss',
  'rank',
  'ranked_cells',
  'predicted_loss',
  'predicted_lo',
  'predicted_hi',
  'predicted_top_percent',
  'preset',
  'recipe',
] as const;

/**
 * The CSV of these rows (header, then one line per row, CRLF as RFC 4180 says): every score with its percentile, and
 * the cell's recipe as JSON (one field).
 */
export function toCsv(rows: readonly TableRow[], recipeOf: RecipeOf): string {
  const ids = scoreIdsOf(rows);
  const header = [...CSV_FIXED, ...ids.flatMap((id) => [id, `${id}_percentile`])];
  const lines = [header.join(',')];
  for (const r of rows) {
    const b = r.benchmark,
      p = r.predicted;
    const fixed = [
      csvText(r.file),
      csvText(r.label),
      String(r.index),
      String(r.line + 1),
      String(r.valid),
      String(r.errors),
      String(r.nodes),
      r.hash ?? '',
      b ? csvText(b.dataset) : '',
      num(b?.testLoss),
      num(b?.valLoss),
      num(b?.rank),
      b ? String(b.size) : '',
      num(p?.loss),
      num(p?.lo),
      num(p?.hi),
      num(p?.topPercent),
      r.preset ?? '',
      recipeField(recipeOf(r)),
    ];
    const scores = ids.flatMap((id) => {
      const s = r.scores[id];
      return s ? [num(scoreNumber(s)), num(s.percentile)] : ['', ''];
    });
    lines.push([...fixed, ...scores].join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** The recipe as one CSV field: its JSON, escaped. */
function recipeField(recipe: Recipe | undefined): string {
  return recipe ? csvText(recipeToJson(recipe)) : '';
}

/** A number for JSON: NaN and ±∞ as the strings "NaN", "Infinity", "-Infinity". */
function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : num(x);
}

/** The JSON export: what the table shows, as data (values unformatted, full precision). */
export function toJson(
  rows: readonly TableRow[],
  meta: { scope: TableScope; title: string },
  recipeOf: RecipeOf,
): string {
  const out = {
    format: 'cell-lens-cells-table',
    version: 1,
    scope: meta.scope,
    title: meta.title,
    scores: scoreIdsOf(rows),
    rows: rows.map((r) => ({
      file: r.file,
      uri: r.uri,
      cell: r.label,
      index: r.index,
      line: r.line + 1,
      valid: r.valid,
      errors: r.errors,
      nodes: r.nodes,
      ...(r.hash ? { hash: r.hash } : {}),
      ...(r.benchmark ? { benchmark: r.benchmark } : {}),
      scores: Object.fromEntries(
        Object.entries(r.scores).map(([id, s]) => [
          id,
          {
            value: jsonNumber(scoreNumber(s)),
            ...(s.percentile !== undefined ? { percentile: s.percentile } : {}),
            ...(s.reason !== undefined ? { reason: s.reason } : {}),
          },
        ]),
      ),
      ...(r.predicted
        ? {
            predicted: {
              loss: r.predicted.loss,
              ...(r.predicted.lo !== undefined ? { lo: r.predicted.lo, hi: r.predicted.hi } : {}),
              topPercent: r.predicted.topPercent,
              dataset: r.predicted.dataset,
            },
          }
        : {}),
      ...(r.preset ? { preset: r.preset, settings: r.settings } : {}),
      ...recipeEntry(recipeOf(r)),
    })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}

/** The recipe as a JSON export holds it (a node named `__proto__` stays a key). */
function recipeEntry(recipe: Recipe | undefined): { recipe?: unknown } {
  return recipe ? { recipe: JSON.parse(recipeToJson(recipe)) as unknown } : {};
}

/** The export of what the user sees: the same filter and sort as the webview, then CSV or JSON. */
export function exportRows(
  rows: readonly TableRow[],
  format: 'csv' | 'json',
  view: { filter: string; sort?: SortState; scope: TableScope; title: string },
  recipeOf: RecipeOf,
): string {
  const shown = visibleRows(rows, view.filter, view.sort);
  return format === 'csv' ? toCsv(shown, recipeOf) : toJson(shown, view, recipeOf);
}

/** The note under the toolbar: how many cells are scored, at which settings; what is still loading. */
export function tableNote(rows: readonly TableRow[], opts: { benchmarkLoading: boolean; settings?: string }): string {
  const valid = rows.filter((r) => r.valid).length;
  const scored = rows.filter((r) => r.preset !== undefined);
  // Rows show a report at other settings when the cell has none at the current ones (report/choice.ts).
  const atCurrent = opts.settings ? scored.filter((r) => r.settings === opts.settings).length : scored.length;
  const invalid = rows.length - valid;
  const parts = [`${rows.length} cell${rows.length === 1 ? '' : 's'}`];
  if (invalid) parts.push(`${invalid} with errors`);
  parts.push(`${atCurrent} of ${valid} scored${opts.settings ? ` at ${opts.settings}` : ''}`);
  if (scored.length > atCurrent) parts.push(`${scored.length - atCurrent} at other settings (see the Preset column)`);
  if (opts.benchmarkLoading) parts.push('loading the benchmark…');
  return parts.join(' · ');
}
