/**
 * `cell-lens study --shard K/N` and `--merge`: three shards run as separate processes (each with its own cache, as on
 * three machines) merge into exactly the study one run writes; missing, duplicated and foreign shards are refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJson } from '../../src/scoring/cache';
import { shardOf } from '../../src/study/runner';
import { progressBar } from '../../src/cli/io';
import { runCli, ensureBuilt } from '../helpers/cli';

let tmp = '';
const cli = (args: string[]) => runCli(tmp, args, 180_000);

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-shards-'));
  ensureBuilt();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('shardOf: a fixed, disjoint, covering partition by canonical hash', () => {
  const hashes = Array.from(
    { length: 300 },
    (_, i) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + 'a'.repeat(24),
  );
  const counts = [0, 0, 0];
  for (const h of hashes) {
    const k = shardOf(h, 3);
    assert.ok(k >= 0 && k < 3);
    assert.equal(shardOf(h, 3), k);
    counts[k]++;
  }
  assert.ok(
    counts.every((c) => c > 60),
    `balanced: ${counts.join(',')}`,
  );
});

test('three shards as separate processes merge into the report of one run; bad shard sets are refused clearly', async () => {
  const common = [
    '--limit',
    '24',
    '--preset',
    'proxy',
    '--bootstrap',
    '200',
    '--scores',
    'naswot,hidden_cov,ntk_cond,params',
  ];
  const one = await cli(['study', ...common, '--out', 'one', '--cache', 'cache-one']);
  assert.equal(one.code, 0, one.err);
  const shards = await Promise.all(
    [1, 2, 3].map((k) => cli(['study', ...common, '--shard', `${k}/3`, '--out', `s${k}`, '--cache', `cache-${k}`])),
  );
  for (const s of shards) assert.equal(s.code, 0, s.err);
  const sizes = shards.map((s) => Number(/shard \d\/3: (\d+) cells/.exec(s.err)?.[1]));
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    24,
    `shard sizes ${sizes.join(',')}`,
  );
  const merged = await cli(['study', ...common, '--merge', 's1', '--merge', 's2', '--merge', 's3', '--out', 'merged']);
  assert.equal(merged.code, 0, merged.err);
  const read = (d: string, f: string) => readFileSync(path.join(tmp, d, f), 'utf8');
  assert.equal(read('merged', 'report.csv'), read('one', 'report.csv'), 'same rows, τ, intervals');
  for (const id of ['naswot', 'hidden_cov', 'ntk_cond', 'params'])
    assert.equal(read('merged', `study-${id}.svg`), read('one', `study-${id}.svg`), `plot ${id}`);
  type R = { study: unknown; cells: { hash: string; scores: unknown }[] };
  const a = decodeJson(read('one', 'results.json')) as R,
    b = decodeJson(read('merged', 'results.json')) as R;
  assert.deepEqual(b.study, a.study);
  assert.deepEqual(
    b.cells.map((c) => [c.hash, c.scores]),
    a.cells.map((c) => [c.hash, c.scores]),
  );
  // A missing shard, a shard given twice, a shard of another partition: refused with the reason.
  const missing = await cli(['study', ...common, '--merge', 's1', '--merge', 's3', '--out', 'bad']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /shard 2\/3 missing/);
  const twice = await cli(['study', ...common, '--merge', 's1', '--merge', 's1', '--merge', 's2', '--out', 'bad']);
  assert.equal(twice.code, 2);
  assert.match(twice.err, /shard 1\/3 given twice/);
  const notShard = await cli(['study', ...common, '--merge', 'one', '--out', 'bad']);
  assert.equal(notShard.code, 2);
  assert.match(notShard.err, /not a shard output/);
  // A shard whose output lost cells (e.g. a shard re-run with a smaller --limit) is named.
  cpSync(path.join(tmp, 's2'), path.join(tmp, 's2-partial'), { recursive: true });
  const partial = await cli([
    'study',
    '--limit',
    '12',
    '--preset',
    'proxy',
    '--scores',
    'naswot,hidden_cov,ntk_cond,params',
    '--shard',
    '2/3',
    '--out',
    's2-partial',
    '--cache',
    'cache-2',
  ]);
  assert.equal(partial.code, 0, partial.err);
  const lost = await cli([
    'study',
    ...common,
    '--merge',
    's1',
    '--merge',
    's2-partial',
    '--merge',
    's3',
    '--out',
    'bad',
  ]);
  assert.equal(lost.code, 2);
  assert.match(lost.err, /cells? of the study (is|are) in no shard output .*shard 2\/3/);
});

test('on a terminal, long runs draw one progress line with rate and ETA', () => {
  const line = progressBar(120, 260, 240_000, 270_000, 'cells', 100);
  assert.match(line, /^\[█+░+\] {2}120\/260 {2}46% {2}0\.50 cells\/s {2}ETA 4 min 30 s$/);
  assert.ok(line.length <= 100);
  assert.match(progressBar(0, 10, 0, undefined, 'cells'), /^\[░+\] {2}0\/10 {2}0% {2}0\.00 cells\/s$/);
  assert.match(progressBar(10, 10, 5000, 0, 'cells'), /^\[█+\] {2}10\/10 {2}100% {2}2\.00 cells\/s {2}ETA 0 s$/);
});

test('a pool of two scoring processes writes the same study as one', async () => {
  const common = [
    '--limit',
    '16',
    '--preset',
    'proxy',
    '--bootstrap',
    '200',
    '--scores',
    'naswot,hidden_cov,ntk_cond,params,zen',
  ];
  const one = await cli(['study', ...common, '--workers', '1', '--out', 'w1', '--cache', 'cache-w1']);
  assert.equal(one.code, 0, one.err);
  assert.match(one.err, /, 1 worker\(s\)/);
  const two = await cli(['study', ...common, '--workers', '2', '--out', 'w2', '--cache', 'cache-w2']);
  assert.equal(two.code, 0, two.err);
  assert.match(two.err, /, 2 worker\(s\)/);
  assert.match(two.err, /16 scored now/);
  const read = (d: string, f: string) => readFileSync(path.join(tmp, d, f), 'utf8');
  assert.equal(read('w2', 'report.csv'), read('w1', 'report.csv'));
  type R = { cells: { hash: string; scores: unknown }[] };
  const a = decodeJson(read('w1', 'results.json')) as R,
    b = decodeJson(read('w2', 'results.json')) as R;
  assert.deepEqual(
    b.cells.map((c) => [c.hash, c.scores]),
    a.cells.map((c) => [c.hash, c.scores]),
    'same cells, same order, same values',
  );
});
