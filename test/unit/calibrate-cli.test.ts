/**
 * `cell-lens calibrate` and its use: calibrating on the bundled WikiText-2 cells at the proxy preset reproduces the
 * shipped reference population and predictor exactly (from the proxy study's scores, a shard output: no scoring);
 * a synthetic PTB benchmark is calibrated for real (the built CLI, scoring processes, cache, shards and merge), and
 * `score` / `predict --calibration` then read its percentiles and predicted PTB loss, or refuse the file with the
 * reason.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCalibrateCli } from '../../src/cli/study';
import { REFERENCE } from '../../src/scoring/reference';
import { checkCalibration, type CalibrationFile } from '../../src/study/calibration';
import { syntheticZip } from '../../testkit/synthetic-logs';
import { SMALL_PTB_LOGS, WIKITEXT_PROXY_SHARD, quickPtbCalibrateArgs } from '../helpers/calibration';
import { REPO } from '../helpers/data';
import { ensureBuilt, runCli } from '../helpers/cli';

let tmp = '';
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-calibrate-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const read = (file: string): CalibrationFile => JSON.parse(readFileSync(file, 'utf8')) as CalibrationFile;

test('calibrating on the bundled WikiText-2 cells at the proxy preset reproduces the shipped reference and predictor', async () => {
  const out = path.join(tmp, 'wt2');
  let stdout = '',
    stderr = '';
  const code = await runCalibrateCli(['--merge', WIKITEXT_PROXY_SHARD, '--preset', 'proxy', '--out', out], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    stderrIsTTY: false,
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /calibration: 258 trained WikiText-2 cells \(2 diverged\) at the proxy preset/);
  assert.ok(existsSync(path.join(out, 'report.md')) && existsSync(path.join(out, 'results.json')));
  const c = checkCalibration(read(path.join(out, 'calibration.json')), { dataset: 'WikiText-2' });
  assert.deepEqual(c.cells, { scored: 260, trained: 258, diverged: 2, failed: 0 });
  assert.deepEqual(c.reference, REFERENCE.presets.proxy);
  assert.deepEqual(
    c.probes,
    REFERENCE.probes.filter((p) => p.preset === 'proxy'),
  );
  const shipped = JSON.parse(readFileSync(path.join(REPO, 'data', 'predictor-proxy.json'), 'utf8')) as Record<
    string,
    unknown
  > & { meta: Record<string, unknown> };
  const { meta, ...model } = c.predictor;
  const { meta: shippedMeta, ...shippedModel } = shipped;
  assert.deepEqual(model, shippedModel);
  // Provenance aside (source file, its time and command), the same metadata.
  const { preset, settings, dataset } = shippedMeta;
  assert.deepEqual(
    { preset: meta.preset, settings: meta.settings, dataset: meta.dataset },
    { preset, settings, dataset },
  );
  // The report's predictor section is the calibration's cross-validation.
  assert.match(stdout, /predictor {10}τ 0\.566 \[0\.502, 0\.628\]/);
});

test('a synthetic PTB benchmark: calibrate (cached, shards, merge), then score and predict --calibration use it', async () => {
  ensureBuilt();
  const synth = syntheticZip(SMALL_PTB_LOGS);
  const zip = path.join(tmp, 'ptb-logs.zip');
  writeFileSync(zip, synth.zip);
  const cli = (args: string[]) => runCli(tmp, args, 300_000);
  const data = quickPtbCalibrateArgs(zip);
  const whole = await cli(['calibrate', ...data, '--cache', 'cache', '--workers', '2', '--out', 'cal']);
  assert.equal(whole.code, 0, whole.err);
  assert.match(whole.err, /cell-lens calibrate: \d+ cells of PTB/);
  const c = checkCalibration(read(path.join(tmp, 'cal', 'calibration.json')), { dataset: 'PTB' });
  assert.equal(c.dataset, 'PTB');
  assert.equal(c.preset, 'proxy');
  assert.ok(c.cells.trained >= 40, `${c.cells.trained} trained cells`);
  assert.equal(c.reference.nCells, c.cells.trained);
  assert.equal(c.predictor.losses.length, c.cells.trained);
  assert.ok(Number.isFinite(c.predictor.cv!.predictor.tau.estimate));

  // Shards write the study's partial output and no calibration; their merge writes the same calibration.
  for (const k of [1, 2]) {
    const r = await cli(['calibrate', ...data, '--cache', 'cache', '--shard', `${k}/2`, '--out', `shard${k}`]);
    assert.equal(r.code, 0, r.err);
    assert.ok(!readdirSync(path.join(tmp, `shard${k}`)).includes('calibration.json'));
  }
  const merged = await cli(['calibrate', ...data, '--merge', 'shard1', '--merge', 'shard2', '--out', 'merged']);
  assert.equal(merged.code, 0, merged.err);
  const m = read(path.join(tmp, 'merged', 'calibration.json'));
  assert.deepEqual(m.reference, c.reference);
  assert.deepEqual(m.predictor, c.predictor);

  // score / predict --calibration: PTB percentiles and the predicted PTB loss.
  const cell = path.join(tmp, 'cell.json');
  writeFileSync(cell, synth.cells[0].runs[0].recipe);
  const calFile = path.join('cal', 'calibration.json');
  const n = c.cells.trained;
  const score = await cli(['score', cell, '--preset', 'proxy', '--cache-dir', 'cache', '--calibration', calFile]);
  assert.equal(score.code, 0, score.err);
  assert.match(score.out, new RegExp(`\\(pct: percentile of ${n} PTB cells, proxy preset`));
  const json = await cli([
    'score',
    cell,
    '--preset',
    'proxy',
    '--cache-dir',
    'cache',
    '--calibration',
    calFile,
    '--json',
  ]);
  const jc = (JSON.parse(json.out) as { files: { cells: { referenceDataset?: string }[] }[] }).files[0].cells[0];
  assert.equal(jc.referenceDataset, 'PTB');
  const plain = await cli(['score', cell, '--preset', 'proxy', '--cache-dir', 'cache']);
  assert.match(plain.out, /percentile of 258 WikiText-2 cells, proxy preset/);
  const predict = await cli(['predict', cell, '--preset', 'proxy', '--cache-dir', 'cache', '--calibration', calFile]);
  assert.equal(predict.code, 0, predict.err);
  assert.match(predict.out, /predicted PTB test loss \d\.\d+ \[\d\.\d+, \d\.\d+\] · top \d+% \(proxy\)/);
  // At another preset the calibration gives nothing (and says so).
  const full = await cli(['predict', cell, '--cache-dir', 'cache', '--calibration', calFile, '--vocab', '1000']);
  assert.match(full.out, /no predictor for these settings \(predictors of the PTB calibration: proxy/);

  // Refused with the reason.
  const stale = { ...read(path.join(tmp, 'cal', 'calibration.json')), engineVersion: 1 };
  writeFileSync(path.join(tmp, 'stale.json'), JSON.stringify(stale));
  const refused = await cli(['score', cell, '--preset', 'proxy', '--calibration', 'stale.json']);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /cell-lens score: --calibration stale\.json: stale: scored with engine version 1/);
  const missing = await cli(['predict', cell, '--preset', 'proxy', '--calibration', 'nope.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cell-lens predict: --calibration nope\.json: cannot read it \(ENOENT\)/);
});
