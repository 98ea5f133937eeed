/**
 * Calibrations (src/study/calibration): built from scored cells (the reference population reproduces the shipped
 * one from the WikiText-2 proxy scores), checked on load (malformed, empty, stale, foreign → refused with the
 * reason), chosen by dataset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REFERENCE } from '../../src/scoring/reference';
import { ENGINE_VERSION } from '../../src/scoring/types';
import {
  BUNDLED_CALIBRATION,
  CalibrationError,
  calibrationFor,
  calibrationOf,
  checkCalibration,
  parseCalibration,
} from '../../src/study/calibration';
import { buildReference, presetOfSettings } from '../../src/study/calibration/build';
import { smallCalibration, wikitextProxy } from '../helpers/calibration';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const refused = (json: unknown, reason: RegExp, expect?: { dataset?: string }) =>
  assert.throws(
    () => checkCalibration(json, expect),
    (e: unknown) => e instanceof CalibrationError && reason.test(e.message),
  );

test('the reference population built from the WikiText-2 proxy scores is the shipped one, probes included', async () => {
  const built = buildReference(await wikitextProxy());
  assert.equal(built.preset, 'proxy');
  assert.deepEqual(built.reference, REFERENCE.presets.proxy);
  assert.deepEqual(
    built.probes,
    REFERENCE.probes.filter((p) => p.preset === 'proxy'),
  );
});

test('a calibration holds the dataset, counts, settings, the population and a predictor of the same dataset', async () => {
  const c = await smallCalibration();
  assert.equal(c.dataset, 'PTB');
  assert.equal(c.preset, 'proxy');
  assert.equal(c.engineVersion, ENGINE_VERSION);
  assert.deepEqual(c.cells, { scored: 41, trained: 40, diverged: 1, failed: 0 });
  assert.equal(c.reference.nCells, 40);
  assert.equal(c.settings.hidden, 48);
  assert.equal(c.predictor.meta.dataset, 'PTB');
  assert.equal(c.predictor.losses.length, 40);
  assert.ok(c.predictor.cv && Number.isFinite(c.predictor.cv.predictor.tau.estimate));
  assert.ok(Number.isFinite(c.predictor.cv.interval.coverage));
  // Predictor features: the default scores the study computed (ninaswot is not a default score).
  assert.ok(!c.predictor.scoreIds.includes('ninaswot') && c.predictor.scoreIds.includes('hidden_cov'));
  assert.equal(checkCalibration(clone(c)).dataset, 'PTB');
  const cal = parseCalibration(JSON.stringify(c), '/x/calibration.json');
  assert.equal(cal.bundled, false);
  assert.equal(cal.reference.presets.proxy?.nCells, 40);
  assert.ok(cal.predictors.proxy);
  assert.equal(cal.reference.presets['nas-bench-nlp'], undefined);
});

test('failed cells are left out and counted; a study at no preset, or without a trained cell, is no calibration', async () => {
  const all = await wikitextProxy();
  const cells = all.cells.slice(0, 30).map((c, i) => (i === 3 ? { ...c, error: 'timeout' } : c));
  const pop = buildReference({ ...all, cells });
  assert.equal(pop.reference.nCells, 29);
  assert.throws(() => presetOfSettings({ ...all.settings, hidden: 64 }), /sizes of no preset/);
  assert.throws(
    () => buildReference({ ...all, cells: all.cells.filter((c) => c.diverged) }),
    /no trained cell of WikiText-2/,
  );
});

test('malformed calibrations are refused with the reason', async () => {
  const c = await smallCalibration();
  assert.throws(() => parseCalibration('{"format": ', 'f'), /not a calibration: not JSON/);
  refused([], /not a JSON object/);
  refused({ ...clone(c), format: 'cell-lens-loss-predictor' }, /format is not "cell-lens-calibration"/);
  refused({ ...clone(c), dataset: '' }, /malformed: no dataset name/);
  refused({ ...clone(c), preset: 'huge' }, /unknown preset "huge"/);
  const noRef = clone(c) as { reference?: unknown };
  delete noRef.reference;
  refused(noRef, /malformed: no reference population/);
  const unsorted = clone(c);
  unsorted.reference.scores.naswot.values.reverse();
  refused(unsorted, /population of naswot is not an ascending list/);
  const miscount = clone(c);
  (miscount.reference.scores.zen as { nNaN: number }).nNaN += 1;
  refused(miscount, /population of zen does not count 40 cells/);
  const unknown = clone(c);
  (unknown.reference.scores as Record<string, unknown>).magic = unknown.reference.scores.zen;
  refused(unknown, /unknown score "magic"/);
  refused({ ...clone(c), predictor: { format: 'x' } }, /malformed: predictor model: format/);
  const otherPredictor = clone(c);
  (otherPredictor.predictor.meta as Record<string, unknown>).dataset = 'WikiText-2';
  refused(otherPredictor, /the predictor is of WikiText-2, the population of PTB/);
});

test('empty, stale and foreign calibrations are refused with the reason', async () => {
  const c = await smallCalibration();
  const empty = clone(c);
  (empty.reference as { nCells: number }).nCells = 0;
  for (const r of Object.values(empty.reference.scores)) {
    (r as { values: number[] }).values = [];
    Object.assign(r, { posInf: 0, negInf: 0, nNaN: 0 });
  }
  refused(empty, /empty: no trained PTB cell/);
  refused({ ...clone(c), reference: { ...clone(c.reference), scores: {} } }, /empty: no score/);
  refused({ ...clone(c), engineVersion: ENGINE_VERSION - 1 }, /stale: scored with engine version 2.*calibrate again/);
  refused({ ...clone(c), version: 99 }, /stale: calibration format version 99/);
  refused(
    { ...clone(c), settings: { ...c.settings, hidden: 64 } },
    /stale: made at hidden 64, the proxy preset is now hidden 48/,
  );
  const otherSeed = clone(c);
  (otherSeed.settings as { seed: number }).seed = 3;
  refused(otherSeed, /reference population's settings are not the calibration's/);
  refused(clone(c), /foreign: a calibration of PTB, not of WikiText-2/, { dataset: 'WikiText-2' });
  assert.equal(checkCalibration(clone(c), { dataset: 'PTB' }).dataset, 'PTB');
});

test('the calibration of a benchmark: the first whose dataset the logs have, else the bundled WikiText-2 one', async () => {
  const ptb = calibrationOf(await smallCalibration(), 'ptb.json');
  assert.equal(calibrationFor(['PTB'], [ptb]), ptb);
  assert.equal(calibrationFor(['WikiText-2', 'PTB'], [ptb]), ptb);
  assert.equal(calibrationFor(['WikiText-2'], [ptb]), BUNDLED_CALIBRATION);
  assert.equal(calibrationFor([], []), BUNDLED_CALIBRATION);
  assert.equal(BUNDLED_CALIBRATION.dataset, 'WikiText-2');
  assert.ok(BUNDLED_CALIBRATION.predictors.proxy && BUNDLED_CALIBRATION.reference === REFERENCE);
});
