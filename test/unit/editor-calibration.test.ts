/**
 * The editor's calibration (`cellLens.calibrations`, src/editor/benchmarkService.ts): the calibration of a dataset
 * the loaded benchmark logs have is the one every verdict reads (lens, hover, table, compare); without such logs, or
 * with a file that cannot be used (logged with the reason), the bundled WikiText-2 one.
 */
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeVscode } from '../../testkit/fake-vscode';
import { syntheticZip } from '../../testkit/synthetic-logs';
import { smallCalibration } from '../helpers/calibration';

const host = installFakeVscode();
const { BenchmarkService } =
  require('../../src/editor/benchmarkService') as typeof import('../../src/editor/benchmarkService');
const { activeCalibration, useCalibration } =
  require('../../src/report/verdict') as typeof import('../../src/report/verdict');

const dir = mkdtempSync(join(tmpdir(), 'cell-lens-editor-calibration-'));
const zipPath = join(dir, 'ptb-logs.zip');
writeFileSync(zipPath, syntheticZip({ logs: 30, seed: 5, level: 1 }).zip);
after(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  useCalibration(undefined);
  host.config = {};
  host.logs.length = 0;
});

// The fake host's own output channel (its lines in host.logs as `level: message`) and status bar item.
const vscode = require('vscode') as typeof import('vscode');
const log = () => vscode.window.createOutputChannel('Cell Lens', { log: true });
const status = () => vscode.window.createStatusBarItem();

async function ptbCalibrationFile(): Promise<string> {
  const file = join(dir, 'ptb-calibration.json');
  writeFileSync(file, JSON.stringify(await smallCalibration()));
  return file;
}

test('with PTB logs loaded, the PTB calibration is the one verdicts read; a bad file is logged with the reason', async () => {
  const file = await ptbCalibrationFile();
  writeFileSync(join(dir, 'bad.json'), '{"format": "cell-lens-calibration", "version": 1, "engineVersion": 2}');
  host.config['benchmark.logPaths'] = [{ path: zipPath, dataset: 'PTB' }];
  host.config.calibrations = [join(dir, 'bad.json'), file];
  const service = new BenchmarkService(log(), status(), { workers: 0 });
  let fired = 0;
  service.onDidChange(() => fired++);
  const index = await service.get();
  assert.deepEqual(index.datasets().sort(), ['PTB', 'WikiText-2']);
  assert.equal(activeCalibration().dataset, 'PTB');
  assert.equal(service.calibration?.source, file);
  assert.equal(fired, 1);
  assert.ok(
    host.logs.some((l) => /^warn: calibration .*bad\.json not used: stale: scored with engine version 2/.test(l)),
    host.logs.join('\n'),
  );
  assert.ok(
    host.logs.some((l) =>
      /^info: calibration: percentiles and predicted loss of 40 PTB cells at the proxy preset/.test(l),
    ),
  );
  // The setting emptied: the bundled one, and the surfaces are told.
  host.config.calibrations = [];
  await service.recalibrate();
  assert.equal(activeCalibration().bundled, true);
  assert.equal(fired, 2);
  await service.recalibrate();
  assert.equal(fired, 2, 'no change, no refresh');
  service.dispose();
});

test('without logs of its dataset a calibration is not used (the bundled WikiText-2 one is)', async () => {
  host.config.calibrations = [await ptbCalibrationFile()];
  const service = new BenchmarkService(log(), status(), { workers: 0 });
  await service.get();
  assert.equal(activeCalibration().bundled, true);
  assert.ok(host.logs.some((l) => /^info: calibration .* \(PTB\) not used: no PTB logs are loaded/.test(l)));
  service.dispose();
});
