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
