/**
 * One verdict per cell, one number formatter: a real scored cell (a reference probe, proxy preset, its stored values)
 * goes through every surface — lens title and tooltip, hover, graph side panel, table, compare, CLI, the study plot
 * and the search progress — and each shows the same digits for its scores, the same percentile string (in a named
 * population) and the same predicted loss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import type { Cell, Recipe } from '../../src/recipe/types';
import { REFERENCE, percentileOf } from '../../src/scoring/reference';
import { SCORES, type ScoreId, type ScoreReport } from '../../src/scoring/types';
import { cellVerdict, computeVerdict, type CellVerdict } from '../../src/report/verdict';
import {
  notCurrentText,
  predictionLensTitles,
  predictionMarkdown,
  predictionText,
  scoreAtCurrentTitle,
  scoreLensTitles,
  scoreLensTooltip,
  scoreTableMarkdown,
  verdictHoverMarkdown,
} from '../../src/report/scoreFormat';
import { lossFacts } from '../../webview/graph/sidePanel';
import { choosePair, chooseReport } from '../../src/report/choice';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { cellView } from '../../src/graph/views';
import { buildRows } from '../../src/table/rows';
import { compareMessage } from '../../src/compare/view';
import { verdictTable } from '../../src/cli/score';
import { predictionLine } from '../../src/cli/predict';
import { scatterSvg } from '../../src/study/plots';
import { formatScore, formatWithSpread, ordinal } from '../../src/shared/format';
import { reportOf } from '../fixtures/table/data';

const probe = REFERENCE.probes.find((p) => p.preset === 'proxy')!;
const text = JSON.stringify(probe.recipe);
const cell: Cell = parseDocument(text).cells[0];
const recipe: Recipe = toRecipe(cell);
const hash = canonicalHash(recipe);
const report: ScoreReport = reportOf(hash, probe.values);
const finiteIds = report.results.filter((r) => Number.isFinite(r.value)).map((r) => r.id);

function surfaces(v: CellVerdict) {
  const view = cellView(cell, { scores: report });
  const [row] = buildRows([{ uri: 'file:///ws/a.json', file: 'a.json', cell, recipe, valid: true, hash, line: 0 }], {
    benchmark: () => [],
    report: () => report,
  });
  const side = { cell, uri: 'file:///ws/a.json', fileName: 'a.json', matches: [], report };
  const compare = compareMessage(side, { ...side });
  return { view, row, compare, cli: verdictTable(v) };
}

test('the same score report reads with the same digits on every surface', () => {
  const v = cellVerdict(report, recipe);
  const { view, row, compare, cli } = surfaces(v);
  const tooltip = scoreLensTooltip(v);
  const table = scoreTableMarkdown(v);
  assert.ok(finiteIds.length >= 5, 'a probe with several finite scores');
  for (const id of finiteIds) {
    const s = v.byId.get(id)!;
    const r = s.result;
    const label = SCORES[id].label;
    // The verdict's texts are the one formatter's (the lens's rounding).
    assert.equal(s.value, id === 'params' ? s.value : formatScore(r.value), id);
    assert.equal(s.text, formatWithSpread(r, s.kind), id);
    const title = scoreLensTitles(v, [id])[0];
    assert.ok(title.includes(`${label} ${s.value}`), `lens title: ${label} ${s.value} in ${title}`);
    assert.ok(tooltip.includes(`${label}: ${s.text}`), `lens tooltip ${id}`);
    assert.ok(verdictHoverMarkdown(v, [id]).includes(`${label} **${s.value}**`), `hover ${id}`);
    assert.ok(table.includes(`| ${label} | ${s.exactText}`), `full report ${id}`);
    assert.equal(view.scores!.find((x) => x.id === id)!.text, s.text, `side panel ${id}`);
    assert.equal(row.scores[id].text, s.text, `table ${id}`);
    const cmp = compare.rows.find((x) => x.label === label)!;
    assert.equal(cmp.left, s.text, `compare ${id}`);
    assert.match(
      cli,
      new RegExp(
        `\\n  ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${s.exactText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`,
      ),
      `CLI ${id}`,
    );
    if (s.kind === 'score') {
      // The study plot's tooltip and the search progress (formatScore of the fitness) show the lens's digits too.
      const svg = scatterSvg({ scoreId: id, points: [{ x: r.value, y: 5, hash, label: 'probe' }] });
      assert.ok(svg.includes(`probe · ${label} ${s.value} · test loss 5.000`), `plot ${id}`);
    }
  }
  // A count: short on the lens, the hover, the side panel, the table and compare; in full in the report and the CLI.
  const params = v.byId.get('params');
  if (params) {
    assert.match(params.value, /^\d+(\.\d)?[kM]?$/);
    assert.match(params.exactText, /^\d{1,3}(,\d{3})*$/);
  }
});

test('one verdict: lens, hover, side panel, table, compare and CLI show the same percentile and predicted loss', () => {
  const v = cellVerdict(report, recipe);
  assert.equal(v.population?.text, `of ${REFERENCE.presets.proxy!.nCells} WikiText-2 cells, proxy preset`);
  const p = v.prediction!;
  assert.ok(p, 'a prediction at the proxy preset');
  assert.match(p.lossText, /^\d\.\d\d \[\d\.\d\d, \d\.\d\d\]$/);
  assert.equal(p.dataset, 'WikiText-2');
  const { view, row, compare, cli } = surfaces(v);
  const ids = finiteIds.filter((id) => v.byId.get(id)!.percentileText !== undefined);
  assert.ok(ids.length >= 5);
  for (const id of ids) {
    const s = v.byId.get(id)!;
    const pct = s.percentileText!;
    // The reference's own percentile, rounded as an ordinal.
    assert.equal(pct, ordinal(percentileOf(id, s.result.value, report.settings)!), id);
    const label = SCORES[id].label;
    assert.deepEqual(
      scoreLensTitles(v, [id]),
      [`$(beaker) ${label} ${s.value} (${pct} pct)`, `$(beaker) ${label} ${pct} pct`],
      `lens ${id}`,
    );
    assert.ok(scoreLensTooltip(v).includes(`${label}: ${s.text}, ${pct} percentile`), `tooltip ${id}`);
    assert.ok(verdictHoverMarkdown(v, [id]).includes(`${label} **${s.value}** (${pct} pct)`), `hover ${id}`);
    const reportRow = scoreTableMarkdown(v)
      .split('\n')
      .find((l) => l.startsWith(`| ${label} | ${s.exactText}`))!;
    assert.equal(reportRow.split(' | ')[2], pct, `full report ${id}`);
    const sum = view.scores!.find((x) => x.id === id)!;
    assert.equal(sum.percentileText, pct, `side panel ${id}`);
    assert.equal(sum.population, v.population.text);
    assert.equal(row.scores[id].percentileText, pct, `table ${id}`);
    assert.equal(row.scores[id].population, v.population.text);
    const cmp = compare.rows.find((x) => x.label === label)!;
    assert.equal(cmp.leftNote, `${pct} pct`, `compare ${id}`);
    assert.ok(
      cli.split('\n').some((l) => l.startsWith(`  ${label} `) && l.includes(` ${pct} `)),
      `CLI ${id}: ${pct}`,
    );
  }
  assert.match(cli, /pct: percentile of 258 WikiText-2 cells, proxy preset/);
  assert.match(scoreLensTooltip(v), /^Percentiles of 258 WikiText-2 cells, proxy preset\.$/m);
  // The predicted loss.
  assert.equal(predictionText(p), `predicted test loss ${p.lossText} · ${p.topText}`);
  assert.deepEqual(
    predictionLensTitles(p),
    [`$(target) ${predictionText(p)}`, `$(target) predicted ${p.lossText}`, `$(target) predicted ${p.loss.toFixed(2)}`],
    'lens',
  );
  assert.ok(predictionMarkdown(p).includes(`test loss: ${p.lossText}**`), 'full report');
  assert.ok(verdictHoverMarkdown(v, []).includes(`test loss: ${p.lossText}** (80 % interval) · ${p.topText}`), 'hover');
  assert.deepEqual(view.prediction, { dataset: 'WikiText-2', text: p.lossText, top: p.topText }, 'side panel');
  assert.equal(row.predicted!.text, predictionText(p), 'table');
  const cmp = compare.rows.find((x) => x.label === 'predicted test loss')!;
  assert.equal(cmp.left, p.lossText, 'compare');
  assert.equal(cmp.leftNote, p.topText);
  assert.equal(predictionLine(p), `${predictionText(p)} (proxy)`, 'CLI');
});

test('verdicts are cached by (report hash, settings key) and made once per report and recipe', () => {
  const v = cellVerdict(report, recipe);
  assert.equal(cellVerdict(report, recipe), v, 'the same report: the same verdict');
  assert.equal(cellVerdict(report), v, 'without a recipe: the cached one (with its prediction)');
  // A copy with the same values (the graph panel sends such copies) keeps the prediction already made.
  const copy: ScoreReport = { ...report, results: report.results.map(({ perNode: _p, ...r }) => r) };
  const w = cellVerdict(copy, recipe);
  assert.equal(w.report, copy);
  assert.equal(w.prediction, v.prediction);
  // Other values: a new verdict.
  const other: ScoreReport = {
    ...report,
    results: report.results.map((r) => (r.id === finiteIds[0] ? { ...r, value: r.value + 1 } : r)),
  };
  assert.notEqual(cellVerdict(other, recipe).byId.get(finiteIds[0])!.value, undefined);
  assert.notEqual(cellVerdict(other, recipe).prediction, v.prediction);
  // A verdict first made without a recipe gains its prediction when a caller gives one.
  const fresh: ScoreReport = { ...report, hash: 'f'.repeat(40) };
  assert.equal(cellVerdict(fresh).prediction, undefined);
  assert.deepEqual(cellVerdict(fresh, recipe).prediction, computeVerdict(report, recipe).prediction);
});

test('no population, no percentiles: other settings name none, and every surface says so', () => {
  const custom: ScoreReport = { ...report, settings: { ...report.settings, seed: 5 } };
  const v = cellVerdict(custom, recipe);
  assert.equal(v.population, undefined);
  assert.equal(v.prediction, undefined);
  assert.ok(v.scores.every((s) => s.percentileText === undefined));
  assert.match(verdictTable(v), /no reference population/);
  assert.match(scoreTableMarkdown(v), /No reference population for these settings/);
  const ids: ScoreId[] = [finiteIds[0]];
  assert.doesNotMatch(scoreLensTitles(v, ids).join(' '), /pct/);
  assert.match(verdictHoverMarkdown(v, ids), /no reference population/);
});

test('the graph side panel shows the predicted loss right under the benchmark test loss, with the lens digits', () => {
  const v = cellVerdict(report, recipe);
  const p = v.prediction!;
  const view = cellView(cell, { scores: report, benchmark: { dataset: 'WikiText-2', testLoss: 4.5208, valLoss: 4.6 } });
  const loss = lossFacts(view)!;
  assert.equal(loss.heading, 'Benchmark · WikiText-2');
  assert.deepEqual(
    loss.facts.slice(0, 2).map(([k, value]) => [k, value]),
    [
      ['Test loss', '4.521'],
      ['Predicted loss', `${p.lossText} · ${p.topText}`],
    ],
  );
  // A cell the benchmark does not know: the prediction alone, before the scores.
  const alone = lossFacts(cellView(cell, { scores: report }))!;
  assert.equal(alone.heading, 'Prediction · WikiText-2');
  assert.deepEqual(
    alone.facts.map(([k, value]) => [k, value]),
    [['Predicted loss', `${p.lossText} · ${p.topText}`]],
  );
});

test('THE report choice: the current settings first, else the most useful other one, which every label marks', () => {
  // The user's setting is the full size; a search scored the cell at the proxy size (the report above).
  const full = { ...report.settings, ...SIZE_PRESETS['nas-bench-nlp'] };
  const atFull: ScoreReport = { ...report, settings: full };
  const proxySeed3: ScoreReport = { ...report, settings: { ...report.settings, seed: 3 } };
  const fullFewer: ScoreReport = {
    ...report,
    settings: { ...full, seed: 3, scores: [finiteIds[0]] },
    results: report.results.slice(0, 1),
  };
  assert.equal(chooseReport([], full), undefined);
  assert.deepEqual(chooseReport([report, atFull], full), { report: atFull, current: true });
  assert.deepEqual(chooseReport([report], full), { report, current: false });
  // Same seed and repeats first (proxy, seed 0 over full size, seed 3), then a reference population (proxy seed 0
  // has one, proxy seed 3 none), then the same sizes; ties keep the given (most recent first) order.
  assert.equal(chooseReport([fullFewer, proxySeed3, report], full)!.report, report);
  assert.equal(chooseReport([proxySeed3, fullFewer], full)!.report, fullFewer);
  assert.equal(chooseReport([proxySeed3, { ...proxySeed3 }], full)!.report, proxySeed3);

  // The labels: the lens names the preset and says it is not the current setting; the action scores at it.
  const v = cellVerdict(report, recipe);
  assert.equal(notCurrentText(report.settings, full), 'proxy, not the current full size');
  assert.equal(notCurrentText(proxySeed3.settings, report.settings), 'proxy, seed 3, not the current seed 0');
  assert.equal(
    notCurrentText({ ...full, scores: ['params'] }, full),
    'full size, other scores, not the current settings',
  );
  assert.equal(scoreAtCurrentTitle(report.settings, full), 'score at full size');
  assert.equal(scoreAtCurrentTitle(proxySeed3.settings, report.settings), 'score at the current settings');
  // Every title of the score lens (longest first) carries the label, the shortest as `(proxy)`; without it, the
  // same scores.
  const titles = scoreLensTitles(v, finiteIds, full);
  const plain = scoreLensTitles(v, finiteIds);
  for (const title of titles.slice(0, -1)) assert.match(title, / · proxy, not the current full size$/);
  assert.equal(titles[titles.length - 1], `${plain[plain.length - 1]} (proxy)`);
  assert.deepEqual(
    titles.slice(0, -1).map((t) => t.replace(' · proxy, not the current full size', '')),
    plain,
    'the same scores',
  );
  assert.match(scoreLensTooltip(v, full), /^Scored at proxy size .*; not at the current settings \(NAS-Bench-NLP size/);
  // The full report's score table and the short hover both say so.
  for (const hover of [scoreTableMarkdown(v, [], full), verdictHoverMarkdown(v, finiteIds, full)]) {
    assert.match(hover, /^\*\*Train-free scores · proxy, not the current full size\*\*/);
    assert.match(
      hover,
      /"score at full size" \(the lens, or Cell Lens: Score This Cell\) scores it at the current settings/,
    );
    // The verdict's population still names the preset the percentiles are counted in.
    assert.match(hover, /proxy preset/);
  }
  assert.match(scoreTableMarkdown(v, [], full), /\(proxy preset\)/);
  // The prediction lens names the preset of a report at other settings, in every title.
  for (const t of predictionLensTitles(v.prediction!, 'proxy'))
    assert.match(t, /^\$\(target\) predicted .* \(proxy\)$/);
  // At the current settings, no such line.
  assert.doesNotMatch(
    scoreTableMarkdown(v) +
      scoreLensTooltip(v) +
      scoreLensTitles(v, finiteIds).join(' ') +
      verdictHoverMarkdown(v, finiteIds) +
      predictionLensTitles(v.prediction!).join(' '),
    /not the current|\(proxy\)/,
  );
});

test('compare: two cells at the same settings (the best both have), else one side only, never across settings', () => {
  const full = { ...report.settings, ...SIZE_PRESETS['nas-bench-nlp'] };
  const aFull: ScoreReport = { ...report, settings: full };
  const bProxy: ScoreReport = { ...report, hash: 'b'.repeat(32) };
  const bFull: ScoreReport = { ...bProxy, settings: full };
  const bSeed3: ScoreReport = { ...bProxy, settings: { ...bProxy.settings, seed: 3 } };
  assert.deepEqual(choosePair([report, aFull], [bProxy, bFull], full), [
    { report: aFull, current: true },
    { report: bFull, current: true },
  ]);
  // A at both sizes, B at the proxy size only: both at the proxy size (labelled: not current).
  assert.deepEqual(choosePair([aFull, report], [bProxy], full), [
    { report, current: false },
    { report: bProxy, current: false },
  ]);
  // Nothing in common: the side at the current settings alone; else A's.
  assert.deepEqual(choosePair([aFull], [bProxy], full), [{ report: aFull, current: true }, undefined]);
  assert.deepEqual(choosePair([report], [bFull], full), [undefined, { report: bFull, current: true }]);
  assert.deepEqual(choosePair([report], [bSeed3], full), [{ report, current: false }, undefined]);
  assert.deepEqual(choosePair([], [bSeed3], full), [undefined, { report: bSeed3, current: false }]);
  // What compare then shows: one side "not scored yet at these settings", no difference across sizes.
  const side = { cell, uri: 'file:///ws/a.json', fileName: 'a.json', matches: [] };
  const [ra, rb] = choosePair([aFull], [bProxy], full);
  const m = compareMessage({ ...side, report: ra!.report }, { ...side, ...(rb ? { report: rb.report } : {}) });
  assert.ok(m.notes.some((n) => /B is not scored yet at these settings/.test(n)));
});
