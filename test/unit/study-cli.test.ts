/** `cell-lens study` and `cell-lens search` through the built CLI (dist/cli.js) and the real scoring worker. */
import { SCORE_IDS } from '../../src/scoring/types';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from '../../src/recipe/parse';
import { decodeJson } from '../../src/scoring/cache';
import { wikitextLogs } from '../helpers/data';
import { runCli, ensureBuilt } from '../helpers/cli';

let tmp = '';
const cli = (args: string[]) => runCli(tmp, args, 120_000);

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-study-cli-'));
  ensureBuilt();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('study --limit 8 at the proxy preset writes the report, plots and results; the same command again is served from the cache', async () => {
  const args = ['study', '--limit', '8', '--preset', 'proxy', '--out', 'out', '--cache', 'cache', '--bootstrap', '200'];
  const first = await cli(args);
  assert.equal(first.code, 0, first.err);
  assert.match(
    first.err,
    /8 cells of WikiText-2 \(1 diverged\), 13 scores, preset proxy \(vocab 1000, embed 32, hidden 48, 2 layers, T 10, B 8\)/,
  );
  assert.match(first.err, /\[1\/8\] recepie \d+ · \d+\.\d s/);
  assert.match(first.err, /\[8\/8\] /);
  assert.match(first.err, /8\/8 cells in .* \(8 scored now, [\d.]+ cells\/s, 0 cached, 0 failed\)/);
  assert.match(first.out, /^score\s+dir\s+n\s+NaN\s+τ\(test\)/);
  assert.match(first.out, /NASWOT\s+↑\s+7\s+\d+\s/);
  const out = path.join(tmp, 'out');
  const files = readdirSync(out).sort();
  assert.deepEqual(
    files.filter((f) => !f.endsWith('.svg')),
    ['report.csv', 'report.md', 'results.json'],
  );
  assert.equal(files.filter((f) => /^study-[a-z_]+\.svg$/.test(f)).length, SCORE_IDS.length);
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /^# Train-free scores vs WikiText-2 losses/);
  assert.match(md, /Made by `cell-lens study --limit 8 --preset proxy --out out --cache cache --bootstrap 200`/);
  assert.match(md, /\| NASWOT \| higher \| 7 \| \d+ \| /);
  assert.match(md, /## Diverged cells/);
  assert.match(md, /## Rank ensemble/);
  assert.match(md, /!\[NASWOT vs test loss\]\(study-naswot\.svg\)/);
  assert.equal(
    readFileSync(path.join(out, 'report.csv'), 'utf8').trimEnd().split('\n').length,
    1 + 2 * SCORE_IDS.length,
  );
  const results = decodeJson(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
    cells: { diverged: boolean; cached: boolean; scores: Record<string, number> }[];
    timing: { scored: number };
  };
  assert.equal(results.cells.length, 8);
  assert.equal(results.cells.filter((c) => c.diverged).length, 1);
  assert.equal(results.timing.scored, 8);
  assert.equal(Object.keys(results.cells[0].scores).length, SCORE_IDS.length);
  assert.match(readFileSync(path.join(out, 'study-naswot.svg'), 'utf8'), /<circle /);
  const csv = readFileSync(path.join(out, 'report.csv'), 'utf8');
  const second = await cli(args);
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /8\/8 cells in .* \(0 scored now, 8 cached, 0 failed\)/);
  assert.equal((second.err.match(/ · cached/g) ?? []).length, 8);
  assert.equal(readFileSync(path.join(out, 'report.csv'), 'utf8'), csv, 'the same reports give the same study');
});

test('search over trained cells (logs folder) prints the per-algorithm table; --space writes the best cells', async () => {
  const logs = path.join(tmp, 'logs');
  mkdirSync(logs, { recursive: true });
  for (const l of wikitextLogs().slice(0, 14)) writeFileSync(path.join(logs, path.basename(l.file)), l.text);
  const r = await cli([
    'search',
    '--algo',
    'all',
    '--score',
    'naswot',
    '--budget',
    '4',
    '--seed',
    '1',
    '--seeds',
    '3',
    '--logs',
    logs,
    '--cache',
    'cache',
    '--population',
    '3',
    '--cheap-samples',
    '6',
    '--out',
    'search.json',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^NASWOT \(higher is better\) · budget 4 · 3 seed\(s\) · pool of \d+ trained cells/);
  assert.match(r.out, /algorithm\s+runs\s+test loss of pick\s+mean rank\s+top 10%\s+evals/);
  for (const a of ['random', 'rea', 'area', 'ga'])
    assert.match(r.out, new RegExp(`\\n  ${a}\\s+3\\s+\\d\\.\\d{3} ± \\d\\.\\d{3}\\s+[\\d.]+\\s+\\d+%\\s+4\\.0\\n`));
  assert.match(r.out, /oracle best\s+-\s+\d\.\d{3}\s+1\s+100%/);
  assert.match(r.err, /\[12\/12\] ga seed 3: recepie \d+ \(test loss \d\.\d{3}, rank \d+\)/);
  const saved = decodeJson(readFileSync(path.join(tmp, 'search.json'), 'utf8')) as {
    result: { rows: { algo: string; picks: unknown[] }[] };
    markdown: string;
  };
  assert.deepEqual(
    saved.result.rows.map((x) => [x.algo, x.picks.length]),
    [
      ['random', 3],
      ['rea', 3],
      ['area', 3],
      ['ga', 3],
    ],
  );
  assert.match(saved.markdown, /\| rea \| 3 \| \d\.\d{3} ± \d\.\d{3} \|/);
  // The whole space: new cells, the best written as a list of recipes.
  const s = await cli([
    'search',
    '--space',
    '--algo',
    'random',
    '--score',
    'naswot',
    '--budget',
    '3',
    '--cache',
    'cache',
    '--out',
    'best.json',
    '--top',
    '2',
  ]);
  assert.equal(s.code, 0, s.err);
  assert.match(
    s.out,
    /best 2 cells by NASWOT \(higher is better\), best first:\n {3}1\. [0-9a-f]{12} {2}[\d.]+\n {3}2\. /,
  );
  const doc = parseDocument(readFileSync(path.join(tmp, 'best.json'), 'utf8'));
  assert.equal(doc.cells.length, 2);
  assert.ok(doc.cells.every((c) => !c.diagnostics.some((d) => d.severity === 'error')));
  // usage errors
  const bad = await cli(['search', '--score', 'naswot', '--budget', '3']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--algo is required/);
  const bad2 = await cli(['study', '--preset', 'huge']);
  assert.equal(bad2.code, 2);
  assert.match(bad2.err, /--preset takes proxy or nas-bench-nlp/);
});

test('search --workers 2 gives the same result as --workers 1 for a seed (trained cells and the whole space)', async () => {
  const logs = path.join(tmp, 'logs-workers');
  mkdirSync(logs, { recursive: true });
  for (const l of wikitextLogs().slice(0, 14)) writeFileSync(path.join(logs, path.basename(l.file)), l.text);
  // --no-cache: each run scores every cell itself, so the two runs share nothing but the command line.
  const restricted = (w: string) =>
    cli([
      'search',
      '--algo',
      'all',
      '--score',
      'naswot',
      '--scores',
      'naswot,params',
      '--budget',
      '4',
      '--seed',
      '1',
      '--seeds',
      '2',
      '--logs',
      logs,
      '--no-cache',
      '--population',
      '3',
      '--cheap-samples',
      '6',
      '--workers',
      w,
      '--out',
      `search-w${w}.json`,
    ]);
  const r1 = await restricted('1');
  const r2 = await restricted('2');
  assert.equal(r1.code, 0, r1.err);
  assert.equal(r2.code, 0, r2.err);
  assert.match(r1.err, /trained cells \(preset proxy, 1 worker\(s\)\)/);
  assert.match(r2.err, /trained cells \(preset proxy, 2 worker\(s\)\)/);
  const result = (w: string) =>
    (decodeJson(readFileSync(path.join(tmp, `search-w${w}.json`), 'utf8')) as { result: unknown }).result;
  assert.deepEqual(result('2'), result('1'));
  assert.equal(r2.out.replace('search-w2.json', ''), r1.out.replace('search-w1.json', ''));
  // The runs are reported in the same order (the count of cells scored so far may differ).
  const runs = (err: string) =>
    err
      .split('\n')
      .filter((l) => /^\[\d+\/8\] /.test(l))
      .map((l) => l.replace(/ · \d+ cells scored so far$/, ''));
  assert.equal(runs(r1.err).length, 8);
  assert.deepEqual(runs(r2.err), runs(r1.err));
  // Whole space: GA (batched generations) and AREA (batched pre-screen and seeds), the same best cells.
  const space = (w: string) =>
    cli([
      'search',
      '--space',
      '--algo',
      'ga,area',
      '--score',
      'naswot',
      '--budget',
      '8',
      '--population',
      '4',
      '--cheap-samples',
      '6',
      '--seed',
      '3',
      '--no-cache',
      '--top',
      '8',
      '--workers',
      w,
      '--out',
      `best-w${w}.json`,
    ]);
  const s1 = await space('1');
  const s2 = await space('2');
  assert.equal(s1.code, 0, s1.err);
  assert.equal(s2.code, 0, s2.err);
  const best1 = readFileSync(path.join(tmp, 'best-w1.json'), 'utf8');
  assert.equal(parseDocument(best1).cells.length, 8);
  assert.equal(readFileSync(path.join(tmp, 'best-w2.json'), 'utf8'), best1);
  assert.equal(s2.out.replace('best-w2.json', ''), s1.out.replace('best-w1.json', ''));
});
