/**
 * The compare webview's protocol (src/compare/protocol.ts), the message builder (src/compare/view.ts) on real
 * cells and the bundled WikiText-2 benchmark, and the panel HTML's Content Security Policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { SCORES, type ScoreReport, type ScoreId } from '../../src/scoring/types';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { betterSide, compareMessage, compareTitle, type CompareInput } from '../../src/compare/view';
import {
  COMPARE_PROTOCOL_VERSION,
  isFromCompareWebview,
  isToCompareWebview,
  type CompareMessage,
} from '../../src/compare/protocol';
import { COMPARE_PAGE, makeNonce, pageHtml } from '../../src/webviews/html';
import { compareArrangement, COMPARE_PANE_CHROME } from '../../src/compare/arrangement';
import { fitTransform } from '../../src/graph/viewport';
import { exampleText } from '../helpers/data';

const CELLS = parseDocument(exampleText()).cells;

async function inputs(withScores: boolean): Promise<[CompareInput, CompareInput]> {
  const index = await loadBenchmarkIndex([], { prebuilt: true });
  const input = (i: number, values: Partial<Record<ScoreId, number>>): CompareInput => {
    const cell = CELLS[i];
    const hash = canonicalHash(toRecipe(cell));
    const report: ScoreReport = {
      hash,
      backend: 'cpu',
      totalMs: 1,
      settings: {
        ...SIZE_PRESETS.proxy,
        scores: Object.keys(values) as ScoreId[],
        seed: 0,
        repeats: 1,
        backend: 'auto',
      },
      results: Object.entries(values).map(([id, v]) => ({
        id: id as ScoreId,
        value: v,
        std: 0,
        values: [v],
        seed: 0,
        repeats: 1,
        wallMs: 1,
        backend: 'cpu' as const,
        ...(Number.isNaN(v) ? { reason: 'test: undefined' } : {}),
      })),
    };
    return {
      cell,
      uri: 'file:///w/examples.json',
      fileName: 'examples.json',
      matches: index.lookup(hash),
      ...(withScores ? { report } : {}),
    };
  };
  // Test data for the score rows (not real scores): NASWOT higher in B, TE-NAS κ infinite in B, synflow NaN in A.
  return [
    input(0, { naswot: 10, ntk_cond: 500, synflow: NaN }),
    input(1, { naswot: 12, ntk_cond: Infinity, synflow: 3 }),
  ];
}

test('betterSide follows the declared direction; ±∞ compare, NaN does not', () => {
  assert.equal(betterSide(1, 2, 'higher'), 'right');
  assert.equal(betterSide(1, 2, 'lower'), 'left');
  assert.equal(betterSide(2, 2, 'lower'), 'tie');
  assert.equal(betterSide(500, Infinity, 'lower'), 'left');
  assert.equal(betterSide(NaN, 3, 'higher'), undefined);
  assert.equal(betterSide(undefined, 3, 'higher'), undefined);
});

test('RNN vs LSTM: a valid message with marked nodes, benchmark rows from the bundled index, score rows by direction', async () => {
  const [a, b] = await inputs(true);
  const m = compareMessage(a, b);
  assert.ok(isToCompareWebview(m), 'the message validates');
  assert.ok(isToCompareWebview(JSON.parse(JSON.stringify(m))), 'and survives postMessage-like serialisation');
  assert.equal(m.isomorphic, false);
  assert.deepEqual(m.left.onlyNodes, ['h_new_0']);
  const marked = (side: CompareMessage['left']) =>
    side.cell.model.nodes
      .filter((n) => n.onlyHere)
      .map((n) => n.name)
      .sort();
  assert.deepEqual(marked(m.left), ['h_new_0']);
  assert.deepEqual(marked(m.right), [...m.right.onlyNodes].sort());
  assert.equal(m.left.cell.model.edges.filter((e) => e.onlyHere).length, m.left.onlyEdges);
  assert.equal(m.right.cell.model.edges.filter((e) => e.onlyHere).length, m.right.onlyEdges);
  assert.match(m.summary, /1 node only in A, \d+ nodes only in B/);

  // Benchmark: both cells are WikiText-2 cells; the rows carry the index's numbers and the lower loss wins.
  const index = await loadBenchmarkIndex([], { prebuilt: true });
  const ea = index.lookup(m.left.hash)[0]?.entry,
    eb = index.lookup(m.right.hash)[0]?.entry;
  assert.ok(ea && eb, 'both example cells are in the bundled WikiText-2 index');
  const row = (label: string) => m.rows.find((r) => r.label === label)!;
  const test = row('test loss (mean final)');
  assert.equal(test.group, 'Benchmark · WikiText-2');
  assert.equal(test.leftValue, ea.meanTest);
  assert.equal(test.rightValue, eb.meanTest);
  assert.equal(test.better, ea.meanTest < eb.meanTest ? 'left' : 'right');
  const rank = row('rank');
  assert.equal(rank.left, `${ea.rank} / ${ea.size}`);
  assert.equal(rank.better, ea.rank! < eb.rank! ? 'left' : 'right');
  assert.equal(rank.better, test.better, 'rank and test loss agree');
  assert.equal(row('runs').leftValue, ea.runs.length);

  // Scores: direction from the registry, percentiles at the proxy preset, Δ = B − A.
  const naswot = row(SCORES.naswot.label);
  assert.equal(naswot.better, 'right');
  assert.equal(naswot.delta, '+2');
  assert.match(naswot.leftNote ?? '', /^\d+(st|nd|rd|th) pct$/);
  const kappa = row(SCORES.ntk_cond.label);
  assert.equal(kappa.better, 'left', 'lower κ is better; +∞ loses');
  assert.equal(kappa.right, '∞');
  assert.equal(kappa.rightValue, null);
  assert.equal(kappa.delta, '');
  const synflow = row(SCORES.synflow.label);
  assert.equal(synflow.left, 'NaN');
  assert.equal(synflow.better, undefined);
  assert.match(synflow.title ?? '', /A: test: undefined/);
  // Predicted loss (the proxy predictor applies to proxy-preset reports).
  const pred = m.rows.find((r) => r.label === 'predicted test loss');
  assert.ok(pred && pred.leftValue !== null && pred.rightValue !== null, 'both cells get a predicted loss');
  assert.match(pred.left, /^\d\.\d\d \[\d\.\d\d, \d\.\d\d\]$/);
});

test('without scores: benchmark rows only and a note saying how to get scores; a cell with itself is isomorphic', async () => {
  const [a] = await inputs(false);
  const m = compareMessage(a, { ...a });
  assert.ok(isToCompareWebview(m));
  assert.equal(m.isomorphic, true);
  assert.match(m.summary, /^Isomorphic/);
  assert.ok(m.rows.every((r) => r.group.startsWith('Benchmark')));
  assert.ok(m.rows.filter((r) => r.direction).every((r) => r.better === 'tie'));
  assert.ok(m.notes.some((n) => /Not scored yet/.test(n)));
  const loading = compareMessage({ ...a, matches: undefined }, { ...a, matches: undefined });
  assert.ok(loading.notes.some((n) => /loading/.test(n)));
  // Each side says whether it is scored (the page offers "Score this side" where not).
  assert.deepEqual([m.left.scored, m.right.scored], [false, false]);
  const [sa] = await inputs(true);
  const half = compareMessage(sa, { ...a });
  assert.deepEqual([half.left.scored, half.right.scored], [true, false]);
});

test('the tab title names both files and both cells', () => {
  const side = (fileName: string, label: string) => ({ fileName, cell: { label } });
  assert.equal(compareTitle(side('a.json', 'cell 3'), side('b.json', 'LSTM')), 'Compare: a.json cell 3 ↔ b.json LSTM');
  // Two single-recipe files (the parser labels each `recipe`): the files tell them apart.
  assert.equal(
    compareTitle(side('mine.json', 'recipe'), side('theirs.json', 'recipe')),
    'Compare: mine.json recipe ↔ theirs.json recipe',
  );
});

test('at half width the two graphs go side by side when that shows them larger, one above the other when not', () => {
  // A half-width panel (626 px) of a 1600 × 900 window: the panes share about 626 × 470 px under the summary and
  // above the table. Before, below 700 px they always stacked: two strips of 470 / 2 − 56 = 179 px.
  const area = { w: 626, h: 470 };
  const lstm = { width: 600, height: 594 },
    gru = { width: 352, height: 594 };
  assert.equal(compareArrangement(area, [lstm, gru]), 'columns');
  const fit = (pane: { w: number; h: number }, g: { width: number; height: number }) =>
    fitTransform(g, { x: 0, y: 0, ...pane }).k;
  const cols = fit({ w: 626 / 2 - 1, h: 470 - COMPARE_PANE_CHROME }, lstm);
  const rows = fit({ w: 626, h: 470 / 2 - 1 - COMPARE_PANE_CHROME }, lstm);
  assert.ok(cols > 0.5 && rows < 0.31, `the LSTM at ${cols.toFixed(2)} side by side, ${rows.toFixed(2)} stacked`);
  // Two wide, flat graphs stack.
  const flat = { width: 980, height: 300 };
  assert.equal(compareArrangement(area, [flat, flat]), 'rows');
  // A wide panel: side by side.
  assert.equal(compareArrangement({ w: 1500, h: 600 }, [lstm, gru]), 'columns');
});

test('isToCompareWebview rejects malformed messages; isFromCompareWebview accepts only ready / reveal / score / log', async () => {
  const [a, b] = await inputs(true);
  const good = compareMessage(a, b);
  const clone = () => JSON.parse(JSON.stringify(good)) as CompareMessage & Record<string, unknown>;
  const bad: unknown[] = [null, 42, 'compare', {}, { type: 'theme', kind: 'neon' }];
  bad.push({ ...clone(), version: COMPARE_PROTOCOL_VERSION + 1 });
  bad.push({ ...clone(), rows: 'none' });
  let c = clone();
  (c.left.cell.model.nodes[0] as { onlyHere: unknown }).onlyHere = 'yes';
  bad.push(c);
  c = clone();
  (c.right.cell.model.edges[0] as { onlyHere: unknown }).onlyHere = 1;
  bad.push(c);
  c = clone();
  delete (c.right.cell.layout.nodes as Record<string, unknown>)[c.right.cell.model.nodes[0].id];
  bad.push(c);
  c = clone();
  (c.rows[0] as { better: unknown }).better = 'both';
  bad.push(c);
  c = clone();
  (c.rows[0] as { leftValue: unknown }).leftValue = 'NaN';
  bad.push(c);
  c = clone();
  (c.left as { onlyNodes: unknown }).onlyNodes = [1];
  bad.push(c);
  c = clone();
  delete (c as { summary?: string }).summary;
  bad.push(c);
  c = clone();
  delete (c.left as { scored?: boolean }).scored;
  bad.push(c);
  for (const [i, x] of bad.entries()) assert.equal(isToCompareWebview(x), false, `bad message #${i} rejected`);
  assert.ok(isToCompareWebview({ type: 'theme', kind: 'dark' }));

  assert.ok(isFromCompareWebview({ type: 'ready' }));
  assert.ok(isFromCompareWebview({ type: 'reveal', side: 'right', node: 'o_act' }));
  assert.ok(isFromCompareWebview({ type: 'log', level: 'warn', message: 'x' }));
  assert.ok(isFromCompareWebview({ type: 'score', side: 'left' }));
  for (const x of [
    { type: 'score', side: 'both' },
    { type: 'score' },
    { type: 'reveal', side: 'middle', node: 'a' },
    { type: 'reveal', side: 'left', node: '' },
    { type: 'export' },
    { type: 'log', level: 'fatal', message: 'x' },
    null,
  ]) {
    assert.equal(isFromCompareWebview(x), false, JSON.stringify(x));
  }
});

test("the compare HTML has the graph panel's strict CSP: no inline script or style, our script by nonce", () => {
  const nonce = makeNonce();
  const asset = (folder: string, file: string) => `https://webview.test/${folder}/${file}`;
  const html = pageHtml(COMPARE_PAGE, { cspSource: 'https://webview.test', nonce, asset });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'(;|$)`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, new RegExp(`<script nonce="${nonce}" src="https://webview.test/dist/compare.js">`));
  assert.doesNotMatch(html, /<style|style="/);
  assert.match(
    html,
    /media\/graph\.css[\s\S]*media\/compare\.css/,
    'the graph styles first, the compare layout over them',
  );
  assert.throws(() => pageHtml(COMPARE_PAGE, { cspSource: 'x', nonce: 'short', asset: () => '' }));
});
