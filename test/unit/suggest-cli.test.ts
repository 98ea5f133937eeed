/** `cell-lens suggest` through the built CLI (dist/cli.js) and the real scoring worker, at the proxy preset. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalHash } from '../../src/recipe/canonical';
import { isValidRecipe } from '../../src/recipe/validate';
import type { Recipe } from '../../src/recipe/types';
import { isInSpace } from '../../src/search/space';
import { REPO } from '../helpers/data';
import { runCli, ensureBuilt } from '../helpers/cli';
import { smallCalibration } from '../helpers/calibration';

let tmp = '';
const cli = (args: string[]) => runCli(tmp, args, 300_000);

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-suggest-cli-'));
  copyFileSync(path.join(REPO, 'test', 'fixtures', 'workspace', 'lstm.json'), path.join(tmp, 'lstm.json'));
  ensureBuilt();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Json {
  cell: { label: string; hash: string };
  preset: string;
  dataset: string;
  population: { dataset: string; cells: number; preset: string; calibration: string | null };
  original: { predictedLoss: number; interval: [number, number]; percentile: number };
  enumerated: number;
  scored: number;
  improving: number;
  failed: number;
  suggestions: {
    edit: string;
    kind: string;
    hash: string;
    recipe: Recipe;
    predictedLoss: number;
    interval: [number, number];
    delta: number;
    percentile: number;
  }[];
}

test('suggest lstm.json --top 3 --json: three valid edits, other functions, by predicted loss, Δ against the original', async () => {
  const r = await cli(['suggest', 'lstm.json', '--top', '3', '--json', '--workers', '2', '--cache-dir', 'cache']);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /^60 of \d+ single edits scored \(drawn evenly over the kinds\) in .* on 2 processes \(12 scores, proxy preset\)\n$/,
  );
  const j = JSON.parse(r.out) as Json;
  assert.equal(j.cell.label, 'LSTM');
  assert.equal(j.preset, 'proxy');
  assert.equal(j.dataset, 'WikiText-2');
  assert.deepEqual(j.population, { dataset: 'WikiText-2', cells: 258, preset: 'proxy', calibration: null });
  assert.equal(j.scored + j.failed, 60);
  assert.equal(j.failed, 0);
  assert.equal(j.suggestions.length, 3);
  const hashes = new Set([j.cell.hash]);
  for (const [i, s] of j.suggestions.entries()) {
    assert.ok(isValidRecipe(s.recipe) && isInSpace(s.recipe), s.edit);
    assert.equal(canonicalHash(s.recipe), s.hash);
    assert.ok(!hashes.has(s.hash), `${s.edit}: same function as the original or an earlier suggestion`);
    hashes.add(s.hash);
    assert.equal(s.delta, s.predictedLoss - j.original.predictedLoss);
    assert.ok(s.interval[0] <= s.predictedLoss && s.predictedLoss <= s.interval[1]);
    assert.ok(s.percentile >= 0 && s.percentile <= 100);
    if (i > 0) assert.ok(j.suggestions[i - 1].predictedLoss <= s.predictedLoss);
  }
  // The text form: the same cells (served by the score cache now), best first, with Δ.
  const t = await cli(['suggest', 'lstm.json', '--top', '3', '--cache-dir', 'cache']);
  assert.equal(t.code, 0, t.err);
  assert.match(
    t.out,
    /^lstm\.json · LSTM · predicted test loss \d\.\d\d \[\d\.\d\d, \d\.\d\d\] · top \d+% \(proxy\)\n/,
  );
  assert.ok(
    t.out.includes(
      '\npredicted WikiText-2 test loss and percentile among 258 trained WikiText-2 cells at the proxy preset (the bundled predictor)\n',
    ),
    t.out,
  );
  assert.ok(t.out.includes(`  1. ${j.suggestions[0].edit}\n`), t.out);
  assert.match(t.out, /\n {5}predicted \d\.\d\d \[\d\.\d\d, \d\.\d\d\] · Δ [−+]\d\.\d{3} · top \d+%\n/);
});

test('suggest refuses an invalid cell and a cell that is not there (exit 1)', async () => {
  writeFileSync(path.join(tmp, 'bad.json'), JSON.stringify({ h_new_0: { op: 'linear', input: ['nope'] } }));
  const bad = await cli(['suggest', 'bad.json']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /bad\.json \(recipe\) is invalid: /);
  const missing = await cli(['suggest', 'lstm.json', '--cell', '3']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /lstm\.json has 1 cell; no cell 3/);
});

test("suggest --calibration: the calibration's predicted loss and percentiles, named by its dataset; bad files refused", async () => {
  // A PTB calibration (40 WikiText-2 cells renamed: other numbers than the bundled 258-cell predictor's).
  const cal = await smallCalibration();
  writeFileSync(path.join(tmp, 'ptb.json'), JSON.stringify(cal));
  const common = ['suggest', 'lstm.json', '--top', '3', '--workers', '2', '--cache-dir', 'cache'];
  const bundled = await cli([...common, '--json']);
  assert.equal(bundled.code, 0, bundled.err);
  const b = JSON.parse(bundled.out) as Json;
  const r = await cli([...common, '--json', '--calibration', 'ptb.json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Json;
  assert.equal(j.preset, 'proxy');
  assert.equal(j.dataset, 'PTB');
  assert.deepEqual(j.population, {
    dataset: 'PTB',
    cells: 40,
    preset: 'proxy',
    calibration: path.join(tmp, 'ptb.json'),
  });
  // The same cell, other numbers: the calibration's predictor and population.
  assert.equal(j.cell.hash, b.cell.hash);
  assert.notEqual(j.original.predictedLoss, b.original.predictedLoss);
  assert.notDeepEqual(j.original.interval, b.original.interval);
  assert.equal(j.suggestions.length, 3);
  for (const s of j.suggestions) {
    assert.ok(s.edit.length > 0 && Object.keys(s.recipe).length > 0);
    assert.equal(s.delta, s.predictedLoss - j.original.predictedLoss);
    assert.ok(s.interval[0] <= s.predictedLoss && s.predictedLoss <= s.interval[1]);
    assert.ok(s.percentile >= 0 && s.percentile <= 100);
    const same = b.suggestions.find((x) => x.hash === s.hash);
    if (same) assert.notEqual(s.predictedLoss, same.predictedLoss);
  }
  const t = await cli([...common, '--calibration', 'ptb.json']);
  assert.equal(t.code, 0, t.err);
  assert.match(
    t.out,
    /^lstm\.json · LSTM · predicted PTB test loss \d\.\d\d \[\d\.\d\d, \d\.\d\d\] · top \d+% \(proxy\)\n/,
  );
  assert.ok(
    t.out.includes(
      `\npredicted PTB test loss and percentile among 40 trained PTB cells at the proxy preset (calibration ${path.join(tmp, 'ptb.json')})\n`,
    ),
    t.out,
  );
  assert.ok(t.out.includes(`  1. ${j.suggestions[0].edit}\n`), t.out);
  // Refused as score and predict refuse them (exit 2, nothing scored).
  writeFileSync(path.join(tmp, 'stale.json'), JSON.stringify({ ...cal, engineVersion: 1 }));
  const stale = await cli(['suggest', 'lstm.json', '--calibration', 'stale.json']);
  assert.equal(stale.code, 2);
  assert.match(stale.err, /^cell-lens suggest: --calibration stale\.json: stale: scored with engine version 1/);
  writeFileSync(path.join(tmp, 'bad.json'), '{"format": "cell-lens-calibration"');
  const bad = await cli(['suggest', 'lstm.json', '--calibration', 'bad.json']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^cell-lens suggest: --calibration bad\.json: not a calibration: not JSON/);
  const missing = await cli(['suggest', 'lstm.json', '--calibration', 'nope.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^cell-lens suggest: --calibration nope\.json: cannot read it \(ENOENT\)/);
  const other = await cli(['suggest', 'lstm.json', '--calibration', 'ptb.json', '--preset', 'nas-bench-nlp']);
  assert.equal(other.code, 2);
  assert.match(
    other.err,
    /^cell-lens suggest: --calibration ptb\.json: a calibration of PTB at the proxy preset, not nas-bench-nlp/,
  );
});
