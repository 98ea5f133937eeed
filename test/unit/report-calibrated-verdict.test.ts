/**
 * The verdict with a calibration (src/report/verdict.ts + src/study/calibration): percentiles and the predicted loss
 * come from the calibration's population and predictor, every text names its dataset, and it applies only to reports
 * of its preset, seed and repeats.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { percentileIn, withDerivedScores } from '../../src/scoring/reference';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { BUNDLED_CALIBRATION, calibrationOf, type Calibration } from '../../src/study/calibration';
import { activeCalibration, cellVerdict, computeVerdict, useCalibration } from '../../src/report/verdict';
import {
  predictionLensTitles,
  predictionText,
  scoreLensTitles,
  verdictHoverMarkdown,
} from '../../src/report/scoreFormat';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { buildRow, rowMemo, tableColumns } from '../../src/table/rows';
import { compareMessage } from '../../src/compare/view';
import { storedReport } from '../../src/study/runner';
import { smallCalibration, wikitextProxy } from '../helpers/calibration';

afterEach(() => useCalibration(undefined));

async function setup(): Promise<{
  cal: Calibration;
  cell: Awaited<ReturnType<typeof wikitextProxy>>['cells'][number];
}> {
  const cal = calibrationOf(await smallCalibration(), '/cal/ptb.json');
  const all = await wikitextProxy();
  // A cell outside the calibration's 40 (every 6th trained cell): the 2nd trained one.
  const cell = all.cells.filter((c) => !c.diverged)[1];
  return { cal, cell };
}

test("a calibration's population and predictor make the percentiles and the prediction, named by its dataset", async () => {
  const { cal, cell } = await setup();
  const all = await wikitextProxy();
  const report = storedReport(cell.hash, cell.scores, all.settings);
  const v = computeVerdict(report, cell.recipe, cal);
  assert.equal(v.population?.dataset, 'PTB');
  assert.equal(v.population?.text, 'of 40 PTB cells, proxy preset');
  assert.equal(v.population?.calibrated, true);
  const hc = v.byId.get('hidden_cov')!;
  assert.equal(hc.percentile, percentileIn(cal.reference.presets.proxy!.scores.hidden_cov, hc.result.value, 'higher'));
  const bundled = computeVerdict(report, cell.recipe, BUNDLED_CALIBRATION);
  assert.equal(bundled.population?.text, 'of 258 WikiText-2 cells, proxy preset');
  assert.equal(bundled.population?.calibrated, false);
  assert.notEqual(hc.percentile, bundled.byId.get('hidden_cov')!.percentile);
  const p = v.prediction!;
  assert.equal(p.dataset, 'PTB');
  assert.equal(p.nCells, 40);
  assert.equal(p.calibrated, true);
  assert.match(predictionText(p), /^predicted PTB test loss \d\.\d+ \[\d\.\d+, \d\.\d+\] · top \d+%$/);
  assert.match(predictionText(bundled.prediction!), /^predicted test loss /);
  // Every prediction lens title names the calibration's dataset, the shortest too; the bundled ones do not.
  for (const t of predictionLensTitles(p)) assert.match(t, /^\$\(target\) predicted PTB /, t);
  for (const t of predictionLensTitles(bundled.prediction!)) assert.doesNotMatch(t, /PTB|WikiText/, t);
  assert.match(
    scoreLensTitles(v, ['hidden_cov'])[0],
    /^\$\(beaker\) HiddenCov \S+ \(\d+(st|nd|rd|th) pct of 40 PTB cells\)$/,
  );
  assert.doesNotMatch(scoreLensTitles(bundled, ['hidden_cov'])[0], /cells/);
  const hover = verdictHoverMarkdown(v, ['hidden_cov']);
  assert.match(hover, /\*\*Predicted PTB test loss: /);
  assert.match(hover, /percentiles of 40 PTB cells, proxy preset/);
});

test("the hybrid score is re-derived against the calibration's component populations", async () => {
  const { cal, cell } = await setup();
  const all = await wikitextProxy();
  const report = storedReport(cell.hash, cell.scores, all.settings);
  const v = computeVerdict(report, undefined, cal);
  const want = withDerivedScores(report, cal.reference).results.find((r) => r.id === 'hybrid')!.value;
  assert.equal(v.byId.get('hybrid')!.result.value, want);
  assert.notEqual(want, report.results.find((r) => r.id === 'hybrid')!.value);
  // The bundled calibration reads the report as it is (the engine derived it against the bundled reference).
  assert.equal(computeVerdict(report, undefined, BUNDLED_CALIBRATION).report, report);
});

test('a calibration gives nothing for reports of another size, seed or repeats (one rule with the reference)', async () => {
  const { cal, cell } = await setup();
  const all = await wikitextProxy();
  for (const settings of [
    { ...all.settings, ...SIZE_PRESETS['nas-bench-nlp'] },
    { ...all.settings, seed: 1 },
    { ...all.settings, repeats: 2 },
  ]) {
    const v = computeVerdict(storedReport(cell.hash, cell.scores, settings), cell.recipe, cal);
    assert.equal(v.population, undefined);
    assert.equal(v.prediction, undefined);
    assert.ok(v.scores.every((s) => s.percentile === undefined));
  }
});

test('useCalibration switches what cellVerdict reads; the cache keeps calibrations apart', async () => {
  const { cal, cell } = await setup();
  const all = await wikitextProxy();
  const report = storedReport(cell.hash, cell.scores, all.settings);
  assert.equal(activeCalibration(), BUNDLED_CALIBRATION);
  assert.equal(cellVerdict(report, cell.recipe).population?.dataset, 'WikiText-2');
  assert.equal(useCalibration(cal), true);
  assert.equal(useCalibration(cal), false);
  const v = cellVerdict(report, cell.recipe);
  assert.equal(v.population?.dataset, 'PTB');
  assert.equal(v.prediction?.dataset, 'PTB');
  assert.equal(cellVerdict(report, cell.recipe), v);
  assert.equal(useCalibration(undefined), true);
  assert.equal(cellVerdict(report, cell.recipe).population?.dataset, 'WikiText-2');
  assert.equal(cellVerdict(report, cell.recipe, cal), v);
});

test("table and compare name the calibration's dataset and population; the table's rows follow a calibration switch", async () => {
  const { cal, cell: c } = await setup();
  const all = await wikitextProxy();
  const cell = parseDocument(JSON.stringify(c.recipe)).cells[0];
  const recipe = toRecipe(cell);
  const hash = canonicalHash(recipe);
  const report = storedReport(hash, c.scores, all.settings);
  const sources = [{ uri: 'file:///ws/a.json', file: 'a.json', cell, recipe, valid: true, hash, line: 0 }];
  const lookups = { benchmark: () => [], report: () => report };
  const memo = rowMemo();
  const side = { cell, uri: 'file:///ws/a.json', fileName: 'a.json', matches: [], report };
  // Bundled: as before.
  const before = buildRow(sources[0], lookups, memo);
  assert.equal(buildRow(sources[0], lookups, memo), before, 'remembered');
  assert.equal(before.predicted?.dataset, 'WikiText-2');
  const bundledCols = tableColumns([before], 'file', [report]);
  assert.equal(bundledCols.find((x) => x.id === 'predicted')!.label, 'Predicted loss');
  assert.match(bundledCols.find((x) => x.id === 'score:hidden_cov')!.title!, /share of the benchmark's trained cells/);
  const bundledCmp = compareMessage(side, { ...side });
  assert.ok(bundledCmp.rows.some((r) => r.group === 'Scores · proxy'));
  // A user's calibration: the same rows (memo) are rebuilt with its population and predictor.
  useCalibration(cal);
  const row = buildRow(sources[0], lookups, memo);
  assert.notEqual(row, before);
  assert.equal(row.predicted?.dataset, 'PTB');
  assert.match(row.predicted.text, /^predicted PTB test loss /);
  assert.equal(row.scores.hidden_cov.population, 'of 40 PTB cells, proxy preset');
  const cols = tableColumns([row], 'file', [report]);
  const predicted = cols.find((x) => x.id === 'predicted')!;
  assert.equal(predicted.label, 'Predicted PTB loss');
  assert.match(predicted.title!, /^PTB test loss predicted .* calibration \/cal\/ptb\.json .* trained PTB cells$/);
  assert.match(
    cols.find((x) => x.id === 'score:hidden_cov')!.title!,
    /Percentile: share of the trained PTB cells \(of 40 PTB cells, proxy preset\) this cell scores better than/,
  );
  const cmp = compareMessage(side, { ...side });
  const hc = cmp.rows.find((r) => r.label === 'HiddenCov')!;
  assert.equal(hc.group, 'Scores · proxy · percentiles of 40 PTB cells');
  assert.match(hc.title!, /Percentiles of 40 PTB cells, proxy preset\./);
  const pr = cmp.rows.find((r) => r.label === 'predicted test loss')!;
  assert.equal(pr.group, 'Prediction · PTB');
  assert.equal(pr.left, cellVerdict(report, recipe).prediction!.lossText);
  assert.match(
    pr.title!,
    /^PTB test loss predicted .* by the PTB calibration's predictor .* among its 40 trained PTB cells; /,
  );
});
