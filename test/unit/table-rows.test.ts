/**
 * The cells table as data (src/table/rows.ts, view.ts, protocol.ts): rows from real cells (the ten examples and the
 * reference probes), the bundled WikiText-2 index and score reports of the probes' stored values; sorting, filtering,
 * the CSV / JSON exports and the protocol's validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvText } from '../../src/shared/escape';
import {
  buildRow,
  buildRows,
  exportRows,
  recipesOf,
  rowMemo,
  rowPages,
  filterRows,
  nextSort,
  scoreIdsOf,
  sortRows,
  tableColumns,
  tableNote,
  toCsv,
  toJson,
  visibleRows,
} from '../../src/table/rows';
import {
  TABLE_PAGE_ROWS,
  TABLE_PROTOCOL_VERSION,
  isFromTableWebview,
  isToTableWebview,
  type TableRenderMessage,
  type TableRow,
} from '../../src/table/protocol';
import { REFERENCE } from '../../src/scoring/reference';
import { SCORES, SCORE_IDS } from '../../src/scoring/types';
import { ROOT, benchmarkIndex, probeReports, reportOf, sourcesOf, tableText } from '../fixtures/table/data';

const reports = probeReports();
const text = tableText();
const sources = sourcesOf(text);
const rows = buildRows(sources, { benchmark: (h) => benchmarkIndex().lookup(h), report: (h) => reports.get(h) });
const recipes = JSON.parse(text) as Record<string, { op: string; input: string[] }>[];
const recipeOf = recipesOf(sources);

/** RFC 4180 parsing, written for this test: quoted fields, doubled quotes, CRLF records. */
function parseCsv(s: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [],
    field = '',
    quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(field);
      out.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    out.push(row);
  }
  return out;
}

test('one row per cell: nodes, benchmark loss and rank from the index, every stored score with its percentile, the prediction', () => {
  assert.equal(rows.length, recipes.length);
  assert.equal(new Set(rows.map((r) => r.key)).size, rows.length, 'keys are unique');
  const proxyProbes = REFERENCE.probes.filter((p) => p.preset === 'proxy');
  rows.forEach((r, i) => {
    assert.equal(r.index, i);
    assert.equal(r.nodes, Object.keys(recipes[i]).length);
    assert.deepEqual(r.ops, [...new Set(Object.values(recipes[i]).map((n) => n.op))].sort());
    const matches = benchmarkIndex().lookup(r.hash!);
    if (matches.length) {
      assert.equal(r.benchmark?.testLoss, matches[0].entry.meanTest);
      assert.equal(r.benchmark?.rank, matches[0].rank);
      assert.equal(r.benchmark?.size, matches[0].size);
    } else assert.equal(r.benchmark, undefined);
  });
  // The probes are trained WikiText-2 cells scored at the proxy preset: every score, a percentile, a prediction.
  for (const [i, p] of proxyProbes.entries()) {
    const r = rows[i];
    assert.equal(r.hash, p.hash);
    assert.equal(r.preset, 'proxy');
    assert.ok(r.benchmark?.testLoss !== undefined, 'the probes are trained benchmark cells');
    assert.deepEqual(
      Object.keys(r.scores),
      SCORE_IDS.filter((id) => id in p.values),
    );
    for (const [id, s] of Object.entries(r.scores)) {
      assert.equal(s.value, p.values[id]);
      // The percentile, counted here by hand over the reference population (ties count half).
      const ref = REFERENCE.presets.proxy!.scores[id];
      const v = p.values[id] as number;
      const better = SCORES[id as keyof typeof SCORES].better;
      const worse =
        ref.values.filter((x) => (better === 'higher' ? x < v : x > v)).length +
        (better === 'higher' ? ref.negInf : ref.posInf);
      const ties = ref.values.filter((x) => x === v).length;
      const n = ref.values.length + ref.posInf + ref.negInf;
      assert.ok(Math.abs(s.percentile! - (100 * (worse + ties / 2)) / n) < 1e-9, `${id} percentile`);
    }
    assert.ok(r.predicted, 'a prediction at the proxy preset');
    assert.ok(r.predicted.lo! <= r.predicted.loss && r.predicted.loss <= r.predicted.hi!);
    assert.match(r.predicted.text, /^predicted test loss \d\.\d\d \[\d\.\d\d, \d\.\d\d\] · top \d+%$/);
  }
  // A copy of a probe among the examples (same canonical hash) shares its report; the other examples are unscored.
  for (const r of rows.slice(proxyProbes.length)) {
    if (reports.has(r.hash!)) assert.deepEqual(r.scores, rows.find((x) => x.hash === r.hash)!.scores);
    else {
      assert.deepEqual(r.scores, {});
      assert.equal(r.preset, undefined);
      assert.equal(r.predicted, undefined);
    }
  }
  assert.match(
    tableNote(rows, { benchmarkLoading: false }),
    new RegExp(`^13 cells · ${rows.filter((r) => r.preset).length} of 13 scored$`),
  );
});

test('a cell with errors is a row with its error count and no numbers; NaN and ±∞ keep their kind and reason', () => {
  const broken = readFileSync(join(ROOT, 'test/fixtures/workspace/broken.json'), 'utf8');
  const [row] = buildRows(sourcesOf(broken), { benchmark: () => [], report: () => undefined });
  assert.equal(row.valid, false);
  assert.equal(row.errors, sourcesOf(broken)[0].cell.diagnostics.filter((d) => d.severity === 'error').length);
  assert.ok(row.errors > 0);
  assert.equal(row.hash, undefined);
  assert.deepEqual(row.scores, {});
  const h = rows[0].hash!;
  const odd = reportOf(
    h,
    { naswot: 'NaN', ntk_cond: 'Infinity', zen: -3 },
    { naswot: 'two inputs share an activation code', ntk_cond: 'singular NTK' },
  );
  const [r] = buildRows([sources[0]], { benchmark: () => undefined, report: () => odd });
  assert.deepEqual(r.scores.naswot, {
    value: null,
    kind: 'nan',
    text: 'NaN',
    reason: 'two inputs share an activation code',
  });
  assert.equal(r.scores.ntk_cond.kind, 'inf');
  assert.equal(r.scores.ntk_cond.text, '∞');
  assert.equal(r.scores.ntk_cond.reason, 'singular NTK');
  assert.equal(r.scores.zen.kind, 'finite');
  assert.equal(r.benchmark, undefined, 'the index is still loading');
  assert.match(tableNote([r], { benchmarkLoading: true }), /loading the benchmark/);
});

test('sorting: numbers in order, rows without a value last in both directions, ties in file order; the cell column restores the file order', () => {
  const losses = (rs: TableRow[]) => rs.map((r) => r.benchmark?.testLoss);
  const asc = sortRows(rows, { column: 'testLoss', dir: 'asc' });
  const desc = sortRows(rows, { column: 'testLoss', dir: 'desc' });
  const known = rows.filter((r) => r.benchmark?.testLoss !== undefined).length;
  assert.ok(known > 3 && known < rows.length, 'some cells are in the benchmark, some are not');
  for (const [list, sign] of [
    [asc, 1],
    [desc, -1],
  ] as const) {
    const l = losses(list);
    for (let i = 1; i < known; i++) assert.ok(sign * (l[i]! - l[i - 1]!) >= 0, `sorted at ${i}`);
    assert.ok(
      l.slice(known).every((x) => x === undefined),
      'cells without a loss come last',
    );
    // Equal losses (copies of one cell) stay in file order.
    for (let i = 1; i < known; i++) if (l[i] === l[i - 1]) assert.ok(list[i].index > list[i - 1].index);
  }
  assert.deepEqual(
    sortRows(asc, { column: 'cell', dir: 'asc' }).map((r) => r.index),
    rows.map((r) => r.index),
  );
  assert.deepEqual(
    sortRows(rows, { column: 'cell', dir: 'desc' }).map((r) => r.index),
    rows.map((r) => r.index).reverse(),
  );
  const byNaswot = sortRows(rows, { column: 'score:naswot', dir: 'desc' }).map((r) => r.scores.naswot?.value);
  const scored = byNaswot.filter((v) => v !== undefined) as number[];
  assert.deepEqual(
    scored,
    [...scored].sort((a, b) => b - a),
  );
  assert.ok(byNaswot.slice(scored.length).every((v) => v === undefined));
  // NaN after every number, +∞ above every number.
  const odd = buildRows(sources.slice(0, 3), {
    benchmark: () => undefined,
    report: (h) => reportOf(h, { ntk_cond: h === sources[0].hash ? 'NaN' : h === sources[1].hash ? 'Infinity' : 5 }),
  });
  assert.deepEqual(
    sortRows(odd, { column: 'score:ntk_cond', dir: 'desc' }).map((r) => r.index),
    [1, 2, 0],
  );
  assert.deepEqual(
    sortRows(odd, { column: 'score:ntk_cond', dir: 'asc' }).map((r) => r.index),
    [2, 1, 0],
  );
  // A header click: a new column starts with the best first for a higher-is-better score, the same column flips.
  assert.deepEqual(nextSort(undefined, 'score:naswot', 'higher'), { column: 'score:naswot', dir: 'desc' });
  assert.deepEqual(nextSort({ column: 'testLoss', dir: 'asc' }, 'testLoss'), { column: 'testLoss', dir: 'desc' });
  assert.deepEqual(nextSort({ column: 'testLoss', dir: 'desc' }, 'rank'), { column: 'rank', dir: 'asc' });
});

test('filtering: every word must match the label, file, ops, hash, dataset or preset, case-insensitively', () => {
  const withBlend = recipes
    .map((r, i) => (Object.values(r).some((n) => n.op === 'blend') ? i : -1))
    .filter((i) => i >= 0);
  assert.ok(withBlend.length > 0 && withBlend.length < rows.length);
  assert.deepEqual(
    filterRows(rows, 'BLEND').map((r) => r.index),
    withBlend,
  );
  const blendScored = withBlend.filter((i) => rows[i].preset === 'proxy');
  assert.deepEqual(
    filterRows(rows, '  blend   proxy ').map((r) => r.index),
    blendScored,
  );
  assert.deepEqual(
    filterRows(rows, rows[5].hash!.slice(0, 10)).map((r) => r.hash),
    rows.filter((r) => r.hash === rows[5].hash).map((r) => r.hash),
  );
  // Words each match somewhere ("1" is in most hashes); a quoted phrase matches as written.
  assert.ok(filterRows(rows, 'cell 1').length > 4);
  // Cells the benchmark knows are named by their recipe id (src/report/format.ts cellName), the others by position.
  assert.deepEqual(
    filterRows(rows, '"recepie 100"').map((r) => r.label),
    ['recepie 1001393', 'recepie 1001794', 'recepie 1001636', 'recepie 1003119'],
  );
  assert.deepEqual(
    filterRows(rows, '"recepie 100').map((r) => r.label),
    ['recepie 1001393', 'recepie 1001794', 'recepie 1001636', 'recepie 1003119'],
    'an unclosed quote runs to the end',
  );
  assert.deepEqual(
    filterRows(rows, '"cell 1"').map((r) => r.label),
    ['cell 10', 'cell 11'],
  );
  assert.equal(filterRows(rows, '').length, rows.length);
  assert.equal(filterRows(rows, 'no-such-thing').length, 0);
  assert.deepEqual(
    visibleRows(rows, 'blend', { column: 'nodes', dir: 'desc' }).map((r) => r.nodes),
    withBlend.map((i) => rows[i].nodes).sort((a, b) => b - a),
  );
});

test('columns: cell, nodes, test loss, the predicted loss beside it, rank, one per score present (registry order, evidence in the title), preset; file only for the workspace', () => {
  const cols = tableColumns(rows, 'file', [...reports.values()]);
  const ids = cols.map((c) => c.id);
  assert.deepEqual(ids.slice(0, 5), ['cell', 'nodes', 'testLoss', 'predicted', 'rank']);
  assert.deepEqual(
    ids.filter((c) => c.startsWith('score:')),
    scoreIdsOf(rows).map((id) => `score:${id}`),
  );
  assert.deepEqual(
    scoreIdsOf(rows),
    SCORE_IDS.filter((id) => id in REFERENCE.probes[0].values),
  );
  assert.deepEqual(ids.slice(-1), ['preset']);
  assert.equal(ids.filter((c) => c === 'predicted').length, 1);
  assert.match(cols.find((c) => c.id === 'score:hidden_cov')!.title!, /Higher is better \(τ 0\.\d\d \[/);
  assert.equal(cols.find((c) => c.id === 'score:hidden_cov')!.better, 'higher');
  assert.ok(tableColumns(rows, 'workspace').some((c) => c.id === 'file'));
  const unscored = buildRows(sources, { benchmark: () => undefined, report: () => undefined });
  assert.deepEqual(
    tableColumns(unscored, 'file').map((c) => c.id),
    ['cell', 'nodes', 'testLoss', 'rank', 'preset'],
  );
});

test('CSV export: RFC 4180, full precision, NaN / Infinity by name, a percentile column per score, formulas neutralised, the recipe as JSON', () => {
  const csv = toCsv(rows, recipeOf);
  const table = parseCsv(csv);
  const [header, ...body] = table;
  assert.equal(body.length, rows.length);
  assert.ok(body.every((r) => r.length === header.length));
  const col = (name: string) => header.indexOf(name);
  for (const [i, r] of rows.entries()) {
    assert.equal(body[i][col('cell')], r.label);
    assert.equal(body[i][col('nodes')], String(r.nodes));
    assert.equal(
      body[i][col('test_loss')] === '' ? undefined : Number(body[i][col('test_loss')]),
      r.benchmark?.testLoss,
    );
    // The cell's recipe, one field: parsed back, the cell as written (node order included).
    assert.deepEqual(JSON.parse(body[i][col('recipe')]), recipes[i], `${r.label} recipe`);
    assert.equal(body[i][col('recipe')], JSON.stringify(recipes[i]));
    for (const id of scoreIdsOf(rows)) {
      const s = r.scores[id];
      assert.equal(
        body[i][col(id)] === '' ? undefined : Number(body[i][col(id)]),
        s?.value ?? undefined,
        `${r.label} ${id}`,
      );
      assert.equal(
        body[i][col(`${id}_percentile`)] === '' ? undefined : Number(body[i][col(`${id}_percentile`)]),
        s?.percentile,
      );
    }
  }
  const oddSources = sourcesOf(
    readFileSync(join(ROOT, 'test/fixtures/workspace/lstm.json'), 'utf8'),
    'file:///ws/x.json',
    '=HYPERLINK("x"),y.json',
  );
  const odd = buildRows(oddSources, {
    benchmark: () => undefined,
    report: (h) => reportOf(h, { naswot: 'NaN', ntk_cond: 'Infinity' }),
  });
  const [h2, row2] = parseCsv(toCsv(odd, recipesOf(oddSources)));
  assert.deepEqual(
    JSON.parse(row2[h2.indexOf('recipe')]),
    JSON.parse(readFileSync(join(ROOT, 'test/fixtures/workspace/lstm.json'), 'utf8')),
  );
  assert.equal(row2[h2.indexOf('file')], `'=HYPERLINK("x"),y.json`);
  assert.equal(row2[h2.indexOf('naswot')], 'NaN');
  assert.equal(row2[h2.indexOf('ntk_cond')], 'Infinity');
  assert.equal(csvText('plain'), 'plain');
  assert.equal(csvText('a,b'), '"a,b"');
  assert.equal(csvText('-1+1'), `'-1+1`);
});

test('JSON export: what the table shows as data; the export of a view is its filter and its order', () => {
  const json = JSON.parse(toJson(rows, { scope: 'file', title: 'cells.json' }, recipeOf)) as {
    format: string;
    scores: string[];
    rows: {
      recipe: unknown;
      cell: string;
      line: number;
      scores: Record<string, { value: number | string; percentile?: number }>;
      benchmark?: { testLoss?: number };
    }[];
  };
  assert.equal(json.format, 'cell-lens-cells-table');
  assert.deepEqual(json.scores, scoreIdsOf(rows));
  assert.equal(json.rows.length, rows.length);
  for (const [i, r] of rows.entries()) {
    assert.equal(json.rows[i].cell, r.label);
    assert.equal(json.rows[i].line, r.line + 1);
    assert.deepEqual(json.rows[i].recipe, recipes[i], `${r.label} recipe`);
    assert.equal(json.rows[i].benchmark?.testLoss, r.benchmark?.testLoss);
    for (const [id, s] of Object.entries(r.scores)) assert.equal(json.rows[i].scores[id].value, s.value);
  }
  const view = {
    filter: 'activation_sigm',
    sort: { column: 'testLoss', dir: 'desc' as const },
    scope: 'file' as const,
    title: 'cells.json',
  };
  const shown = visibleRows(rows, view.filter, view.sort);
  assert.ok(shown.length < rows.length);
  const exported = JSON.parse(exportRows(rows, 'json', view, recipeOf)) as { rows: { cell: string }[] };
  assert.deepEqual(
    exported.rows.map((r) => r.cell),
    shown.map((r) => r.label),
  );
  const csvRows = parseCsv(exportRows(rows, 'csv', view, recipeOf)).slice(1);
  assert.deepEqual(
    csvRows.map((r) => r[1]),
    shown.map((r) => r.label),
  );
  const nan = buildRows([sources[0]], {
    benchmark: () => undefined,
    report: (h) => reportOf(h, { naswot: 'NaN', ntk_cond: '-Infinity' }),
  });
  const j = JSON.parse(toJson(nan, { scope: 'file', title: 'x' }, recipeOf)) as {
    rows: { scores: Record<string, { value: unknown }> }[];
  };
  assert.equal(j.rows[0].scores.naswot.value, 'NaN');
  assert.equal(j.rows[0].scores.ntk_cond.value, '-Infinity');
});

test('protocol: a render of real rows survives JSON and validates; malformed messages are rejected both ways', () => {
  const msg: TableRenderMessage = {
    type: 'render',
    version: TABLE_PROTOCOL_VERSION,
    id: 1,
    total: rows.length,
    scope: 'file',
    title: 'cells.json',
    columns: tableColumns(rows, 'file'),
    rows,
    note: 'x',
    crowdedLines: 1,
  };
  const wire = JSON.parse(JSON.stringify(msg)) as unknown;
  assert.ok(isToTableWebview(wire));
  assert.ok(!isToTableWebview({ ...msg, version: TABLE_PROTOCOL_VERSION + 1 }));
  assert.ok(!isToTableWebview({ ...msg, rows: [rows[0], rows[0]] }), 'duplicate keys');
  assert.ok(
    !isToTableWebview({
      ...msg,
      rows: [{ ...rows[0], scores: { naswot: { value: null, kind: 'finite', text: '1' } } }],
    }),
    'a finite score needs a number',
  );
  assert.ok(
    !isToTableWebview({ ...msg, rows: [{ ...rows[0], scores: { naswot: { value: 3, kind: 'nan', text: 'NaN' } } }] }),
    'NaN carries no number',
  );
  assert.ok(!isToTableWebview({ ...msg, columns: [{ id: '', label: 'x', kind: 'text' }] }));
  assert.ok(!isToTableWebview({ ...msg, rows: [{ ...rows[0], index: -1 }] }));
  assert.ok(isFromTableWebview({ type: 'ready' }));
  assert.ok(isFromTableWebview({ type: 'reveal', key: rows[0].key }));
  assert.ok(
    isFromTableWebview({ type: 'export', format: 'csv', filter: 'blend', sort: { column: 'testLoss', dir: 'asc' } }),
  );
  assert.ok(!isFromTableWebview({ type: 'export', format: 'xlsx', filter: '' }));
  assert.ok(!isFromTableWebview({ type: 'export', format: 'csv', filter: 'x'.repeat(1001) }));
  assert.ok(!isFromTableWebview({ type: 'export', format: 'csv', filter: '', sort: { column: 'x', dir: 'up' } }));
  assert.ok(isFromTableWebview({ type: 'command', command: 'formatOnePerLine' }));
  assert.ok(!isFromTableWebview({ type: 'command', command: 'workbench.action.terminal.new' }));
  assert.ok(!isFromTableWebview({ type: 'reveal', key: '' }));
  assert.ok(!isFromTableWebview(null));
});

/** A big table's rows (5,000 in two files), made up: only their order and their sort keys matter here. */
function manyRows(n = 5000): TableRow[] {
  return Array.from({ length: n }, (_, i): TableRow => {
    const file = i % 2 ? 'b/cells 10.json' : 'a/cells 9.json';
    return {
      key: `file:///ws/${file}#${i}`,
      uri: `file:///ws/${file}`,
      file,
      index: i,
      label: `cell ${i}`,
      line: i,
      valid: true,
      errors: 0,
      nodes: 3 + ((i * 7) % 11),
      ops: ['linear'],
      scores: i % 5 ? { naswot: { value: Math.sin(i), kind: 'finite', text: String(Math.sin(i)) } } : {},
      ...(i % 3 ? { benchmark: { dataset: 'WikiText-2', size: 100, diverged: false, testLoss: 5 + Math.cos(i) } } : {}),
    };
  });
}

test('a big table is built in pages: at most the page size each, in file order, the first page first; joined, they are buildRows', () => {
  const many = Array.from({ length: 7 }, () => sources)
    .flat()
    .map((s, i) => ({ ...s, cell: { ...s.cell, index: i } }));
  const lookups = { benchmark: (h: string) => benchmarkIndex().lookup(h), report: (h: string) => reports.get(h) };
  const pages = [...rowPages(many, lookups, { maxRows: 20 })];
  assert.ok(pages.length >= Math.ceil(many.length / 20), `${pages.length} pages`);
  assert.ok(pages.every((p) => p.length > 0 && p.length <= 20));
  assert.deepEqual(
    pages[0].map((r) => r.index),
    many.slice(0, 20).map((c) => c.cell.index),
    'the first page holds the first cells',
  );
  assert.deepEqual(pages.flat(), buildRows(many, lookups));
  // A page also ends when its time is up (here: after every row), never above the page size.
  assert.ok([...rowPages(many, lookups, { maxRows: 20, sliceMs: 0 })].every((p) => p.length === 1));
  assert.deepEqual([...rowPages([], lookups, { maxRows: 20 })], [[]], 'an empty table is one empty page');
  assert.ok(TABLE_PAGE_ROWS <= 500, 'pages small enough to build, send and validate in a few milliseconds');
});

test('rows are remembered by cell: an update rebuilds only the rows whose report or benchmark matches changed', () => {
  const memo = rowMemo();
  const lookups = { benchmark: (h: string) => benchmarkIndex().lookup(h), report: (h: string) => reports.get(h) };
  const first = sources.map((s) => buildRow(s, lookups, memo));
  assert.deepEqual(first, rows);
  const again = sources.map((s) => buildRow(s, lookups, memo));
  assert.ok(
    again.every((r, i) => r === first[i]),
    'nothing changed: the same row objects',
  );
  // One cell gets a new report: its row alone is built again.
  const target = sources.findIndex((s) => s.valid && !reports.has(s.hash));
  const fresh = reportOf(sources[target].hash, { naswot: 1 });
  const third = sources.map((s, i) =>
    buildRow(s, { ...lookups, report: (h) => (i === target ? fresh : reports.get(h)) }, memo),
  );
  assert.deepEqual(
    third.map((r, i) => r !== first[i]),
    sources.map((_, i) => i === target),
  );
  assert.equal(third[target].scores.naswot.value, 1);
});

test('sorting thousands of rows: one collator, no localeCompare per comparison, each sort key read once per row', () => {
  const many = manyRows();
  // Count the reads of the fields the sorts and the filter look at.
  let reads = 0;
  const counted = many.map((r) => {
    const { benchmark, label, ...rest } = r;
    return Object.defineProperties(
      { ...rest },
      {
        benchmark: { get: () => (reads++, benchmark), enumerable: benchmark !== undefined },
        label: { get: () => (reads++, label), enumerable: true },
      },
    ) as TableRow;
  });
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was
  const original = String.prototype.localeCompare;
  let compares = 0;
  String.prototype.localeCompare = function (this: string, ...a: Parameters<typeof original>) {
    compares++;
    return original.apply(this, a);
  };
  try {
    for (const sort of [
      { column: 'cell', dir: 'asc' },
      { column: 'cell', dir: 'desc' },
      { column: 'file', dir: 'asc' },
      { column: 'nodes', dir: 'desc' },
      { column: 'score:naswot', dir: 'desc' },
    ] as const)
      sortRows(many, sort);
    reads = 0;
    sortRows(counted, { column: 'testLoss', dir: 'asc' });
    assert.equal(reads, counted.length, 'the benchmark of each row read once');
    filterRows(counted, 'cell');
    reads = 0;
    filterRows(counted, 'cell 12');
    filterRows(counted, 'cell 123');
    assert.equal(reads, 0, "a row's filter text is built once, not at every keystroke");
  } finally {
    String.prototype.localeCompare = original;
  }
  assert.equal(compares, 0, 'strings compare with one Intl.Collator');
  // The same order as before: file (numeric-aware), then index; missing values last; ties in file order.
  const byCell = sortRows(many, { column: 'cell', dir: 'asc' });
  assert.deepEqual(
    byCell.slice(0, 3).map((r) => r.key),
    ['file:///ws/a/cells 9.json#0', 'file:///ws/a/cells 9.json#2', 'file:///ws/a/cells 9.json#4'],
  );
  assert.deepEqual(sortRows(many, { column: 'cell', dir: 'desc' }), [...byCell].reverse());
  const byLoss = sortRows(many, { column: 'testLoss', dir: 'desc' });
  const known = byLoss.filter((r) => r.benchmark?.testLoss !== undefined);
  assert.deepEqual(byLoss.slice(0, known.length), known, 'unknown losses last');
  assert.ok(known.every((r, i) => i === 0 || known[i - 1].benchmark!.testLoss! >= r.benchmark!.testLoss!));
  const unknown = byLoss.slice(known.length);
  assert.deepEqual(
    unknown,
    byCell.filter((r) => r.benchmark?.testLoss === undefined),
    'in file order',
  );
});
