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
import { predictionText, scoreLensTitles, verdictHoverMarkdown } from '../../src/report/scoreFormat';
import { reportOf, smallCalibration, wikitextProxy } from '../helpers/calibration';

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
  const report = reportOf(cell.hash, cell.scores as Record<string, number>, all.settings);
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
  const report = reportOf(cell.hash, cell.scores as Record<string, number>, all.settings);
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
    const v = computeVerdict(reportOf(cell.hash, cell.scores as Record<string, number>, settings), cell.recipe, cal);
    assert.equal(v.population, undefined);
    assert.equal(v.prediction, undefined);
    assert.ok(v.scores.every((s) => s.percentile === undefined));
  }
});

test('useCalibration switches what cellVerdict reads; the cache keeps calibrations apart', async () => {
  const { cal, cell } = await setup();
  const all = await wikitextProxy();
  const report = reportOf(cell.hash, cell.scores as Record<string, number>, all.settings);
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
