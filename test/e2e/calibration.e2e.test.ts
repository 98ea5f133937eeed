/**
 * A calibrated dataset in the real editor (issue "The design loop", part 3): the user calibrates on their own
 * benchmark with `cell-lens calibrate` (here a synthetic 66-log "PTB" zip, as test/unit's calibration tests do) and
 * points `cellLens.benchmark.logPaths` and `cellLens.calibrations` at the logs and the calibration. Then every number
 * the editor shows is of that dataset and says so: the lens and the hover name the PTB population and the predicted
 * PTB test loss, and the cells table's predicted column is "Predicted PTB loss". Own Session, in the pattern of
 * editor.e2e.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, Session, e2eSuite, poll } from './harness';
import { CLI, ensureBuilt } from '../helpers/cli';
import { SMALL_PTB_LOGS, quickPtbCalibrateArgs } from '../helpers/calibration';
import { syntheticZip } from '../../testkit/synthetic-logs';

const scratch = mkdtempSync(join(tmpdir(), 'cell-lens-calibration-e2e-'));
const ZIP = join(scratch, 'ptb-logs.zip');
const CALIBRATION = join(scratch, 'ptb-calibration.json');
/** How long `cell-lens calibrate` took (reported with the scenarios' timings). */
let calibrated = '';

/** The workspace: the LSTM, the user's PTB logs and the calibration `cell-lens calibrate` made of them. */
function files(): string[] {
  ensureBuilt();
  writeFileSync(ZIP, syntheticZip(SMALL_PTB_LOGS).zip);
  const t = Date.now();
  const out = join(scratch, 'cal');
  const r = spawnSync(
    process.execPath,
    [CLI, 'calibrate', ...quickPtbCalibrateArgs(ZIP), '--workers', '2', '--out', out],
    // Its own score cache (a fresh user's): the scoring is measured, not read back from an earlier run.
    { encoding: 'utf8', timeout: 5 * 60_000, env: { ...process.env, XDG_CACHE_HOME: join(scratch, 'cache') } },
  );
  assert.equal(r.status, 0, `cell-lens calibrate failed:\n${r.stdout}\n${r.stderr}`);
  calibrated = `cell-lens calibrate on ${SMALL_PTB_LOGS.logs} synthetic PTB logs: ${((Date.now() - t) / 1000).toFixed(1)} s`;
  copyFileSync(join(out, 'calibration.json'), CALIBRATION);
  return [join(ROOT, 'test/fixtures/workspace/lstm.json'), ZIP, CALIBRATION];
}

let s: Session | undefined;
const { skip, report } = e2eSuite({
  files,
  theme: 'light',
  docsImages: {
    'e2e-calibrated-light': 'k-calibrated-hover-light',
    'e2e-calibrated-table-light': 'k-calibrated-table-light',
  },
  settings: {
    'cellLens.benchmark.logPaths': [{ path: 'ptb-logs.zip', dataset: 'PTB' }],
    'cellLens.calibrations': ['ptb-calibration.json'],
  },
  onCreated: (x) => {
    s = x;
  },
  cleanup: () => rmSync(scratch, { recursive: true, force: true }),
});

test(
  'k: a calibrated dataset — the lens, the hover and the cells table give PTB percentiles and the predicted PTB loss',
  { skip, timeout: 5 * 60_000 },
  async () => {
    const p = s!.page;
    report(calibrated);
    const cal = JSON.parse(readFileSync(CALIBRATION, 'utf8')) as { dataset: string; cells: { trained: number } };
    assert.equal(cal.dataset, 'PTB');
    await s!.openFile('lstm.json');
    // The extension says which calibration it took once the user's logs are loaded.
    const chosen = await poll(
      () => Promise.resolve(s!.extensionLog()),
      (l) => /calibration: percentiles and predicted loss of .*ptb-calibration\.json/.test(l),
      60_000,
    );
    assert.match(chosen, /calibration: percentiles and predicted loss of .*ptb-calibration\.json/);
    await s!.runCommand('Cell Lens: Score This Cell');
    const lens = await s!.waitForLens(/predicted/, 120_000);
    assert.match(lens, /predicted PTB (test loss )?\d\.\d\d/, 'the prediction lens names the dataset');
    // The score lens's tooltip names the population its percentile is of.
    const tip = await s!.lensTooltip(/pct/);
    assert.match(tip, new RegExp(`Percentiles of ${cal.cells.trained} PTB cells, proxy preset`), tip);
    const hover = await s!.hoverCellStart();
    assert.match(hover, /Predicted PTB test loss/, hover);
    assert.match(hover, /PTB cells, proxy preset/, hover);
    // (The LSTM is also a bundled WikiText-2 cell: its measured WikiText-2 loss stays, named, beside the PTB figures.)
    assert.doesNotMatch(hover, /Predicted WikiText-2|of \d+ WikiText-2 cells/, hover);
    await s!.shoot('k-calibrated-hover', { both: false, redo: () => s!.hoverCellStart() });
    await p.mouse.move(5, 400);
    // The cells table of the file: its predicted column is the PTB loss.
    await s!.runCommand('Cell Lens: Show Cells Table');
    const f = await s!.tableFrame('lstm.json');
    const th = f.locator('th[data-column="predicted"]');
    await th.waitFor({ timeout: 60_000 });
    assert.match((await th.innerText()).trim(), /^Predicted PTB loss/);
    await s!.shoot('k-calibrated-table', { both: false });
  },
);
