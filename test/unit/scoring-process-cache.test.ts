import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScoreCache, cacheKey, decodeJson, encodeJson } from '../../src/scoring/cache';
import type { ScoreReport, ScoreSettings } from '../../src/scoring/types';
import { TINY } from '../fixtures/scoring/helpers';

const SETTINGS: ScoreSettings = { ...TINY, scores: ['params', 'naswot', 'ntk_cond'], repeats: 2 };

function makeReport(hash: string, settings: ScoreSettings = SETTINGS): ScoreReport {
  return {
    hash,
    settings,
    backend: 'wasm',
    totalMs: 12.5,
    results: [
      { id: 'params', value: 870, std: 0, values: [870, 870], seed: 0, repeats: 2, wallMs: 0.4, backend: 'wasm' },
      {
        id: 'naswot',
        value: NaN,
        std: NaN,
        values: [NaN, 3.5],
        reason: 'K_H is singular for seed 0',
        seed: 0,
        repeats: 2,
        wallMs: 5,
        backend: 'wasm',
        details: { logdet: -Infinity },
      },
      {
        id: 'ntk_cond',
        value: Infinity,
        std: 0,
        values: [Infinity, Infinity],
        reason: 'λ_min is 0',
        seed: 0,
        repeats: 2,
        wallMs: 7,
        backend: 'wasm',
        perNode: { h_new_0: 0.5, l: NaN },
      },
    ],
  };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'cell-lens-cache-'));

test('the key covers sizes, seed, repeats and the score set, but not the backend or the score order', () => {
  const base = cacheKey('h', SETTINGS);
  assert.equal(cacheKey('h', { ...SETTINGS, backend: 'wasm' }), base);
  assert.equal(cacheKey('h', { ...SETTINGS, scores: ['ntk_cond', 'params', 'naswot', 'params'] }), base);
  for (const changed of [
    { hidden: 13 },
    { embed: 9 },
    { vocab: 51 },
    { layers: 3 },
    { seqLen: 6 },
    { batch: 5 },
    { seed: 1 },
    { repeats: 3 },
    { scores: ['params'] as const },
  ]) {
    assert.notEqual(cacheKey('h', { ...SETTINGS, ...changed }), base, JSON.stringify(changed));
  }
  assert.notEqual(cacheKey('h2', SETTINGS), base);
});

test('encodeJson / decodeJson keep NaN and ±Infinity; plain objects that look similar are left alone', () => {
  const x = { a: NaN, b: [Infinity, -Infinity, 1], c: { $num: 'NaN', other: 1 }, d: { $num: 'five' } };
  const text = encodeJson(x);
  assert.doesNotMatch(text, /null/);
  const y = decodeJson(text) as typeof x;
  assert.ok(Number.isNaN(y.a));
  assert.deepEqual(y.b, [Infinity, -Infinity, 1]);
  assert.deepEqual(y.c, { $num: 'NaN', other: 1 });
  assert.deepEqual(y.d, { $num: 'five' });
});

test('memory cache: miss, then hit after put; settings that matter miss; LRU evicts the oldest', async () => {
  const cache = new ScoreCache({ maxEntries: 2 });
  assert.equal(await cache.get('a', SETTINGS), undefined);
  const ra = makeReport('a');
  await cache.put(ra);
  assert.equal(await cache.get('a', { ...SETTINGS, backend: 'cpu' }), ra);
  assert.equal(cache.peek('a', SETTINGS), ra);
  assert.equal(await cache.get('a', { ...SETTINGS, seed: 1 }), undefined);
  await cache.put(makeReport('b'));
  assert.ok(await cache.get('a', SETTINGS)); // touch a: b is now the oldest
  await cache.put(makeReport('c'));
  assert.equal(await cache.get('b', SETTINGS), undefined);
  assert.ok(await cache.get('a', SETTINGS));
  assert.ok(await cache.get('c', SETTINGS));
  await cache.clear();
  assert.equal(await cache.get('a', SETTINGS), undefined);
});

test('disk cache: a fresh cache instance reads the report back, NaN / ±Infinity included', async () => {
  const dir = tmp();
  try {
    await new ScoreCache({ dir }).put(makeReport('cell'));
    const files = readdirSync(dir);
    assert.equal(files.length, 1, `files: ${files.join(', ')}`); // no temp files left behind
    assert.match(files[0], /^[0-9a-f]{40}-[0-9a-f]{40}\.json$/); // <cell>-<settings>: a cell's files share a prefix
    assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(dir, files[0]), 'utf8')), 'the file is plain JSON');
    const got = await new ScoreCache({ dir }).get('cell', SETTINGS);
    assert.ok(got, 'disk miss');
    const [p, n, k] = got.results;
    assert.equal(p.value, 870);
    assert.ok(Number.isNaN(n.value) && Number.isNaN(n.std) && Number.isNaN(n.values[0]));
    assert.equal(n.values[1], 3.5);
    assert.equal(n.reason, 'K_H is singular for seed 0');
    assert.equal(n.details!.logdet, -Infinity);
    assert.equal(k.value, Infinity);
    assert.ok(Number.isNaN(k.perNode!.l));
    assert.deepEqual(got.settings, SETTINGS);
    assert.equal(await new ScoreCache({ dir }).get('cell', { ...SETTINGS, hidden: 99 }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('disk cache: corrupt, truncated, wrong-shape and wrong-key files are misses, and a put repairs them', async () => {
  const dir = tmp();
  const logs: string[] = [];
  try {
    await new ScoreCache({ dir }).put(makeReport('cell'));
    const file = path.join(dir, readdirSync(dir)[0]);
    const good = readFileSync(file, 'utf8');
    const variants = [
      'not json at all {',
      good.slice(0, Math.floor(good.length / 2)),
      '',
      JSON.stringify({ version: 1, key: 'someone else', report: makeReport('cell') }),
      good.replace('"value":870', '"value":"870"'),
      good.replace('"version":1', '"version":99'),
    ];
    for (const text of variants) {
      writeFileSync(file, text);
      const c = new ScoreCache({ dir, log: (_l, m) => logs.push(m) });
      assert.equal(await c.get('cell', SETTINGS), undefined, `accepted: ${text.slice(0, 60)}`);
    }
    assert.ok(logs.some((m) => /corrupt/.test(m)));
    const c = new ScoreCache({ dir });
    await c.put(makeReport('cell'));
    assert.ok(await new ScoreCache({ dir }).get('cell', SETTINGS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('disk cache: clear() removes its files only; an unwritable directory is logged, not thrown', async () => {
  const dir = tmp();
  try {
    const c = new ScoreCache({ dir });
    await c.put(makeReport('a'));
    await c.put(makeReport('b'));
    writeFileSync(path.join(dir, 'keep-me.txt'), 'not ours');
    assert.equal(readdirSync(dir).length, 3);
    await c.clear();
    assert.deepEqual(readdirSync(dir), ['keep-me.txt']);
    assert.equal(await new ScoreCache({ dir }).get('a', SETTINGS), undefined);

    const logs: string[] = [];
    const blocked = path.join(dir, 'keep-me.txt', 'sub'); // a path under a file: mkdir fails
    const bad = new ScoreCache({ dir: blocked, log: (_l, m) => logs.push(m) });
    await bad.put(makeReport('a'));
    assert.ok(logs.some((m) => /cannot write/.test(m)));
    assert.ok(await bad.get('a', SETTINGS), 'the memory layer still works');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('concurrent puts of the same key leave one valid file and no temp files', async () => {
  const dir = tmp();
  try {
    const caches = Array.from({ length: 8 }, () => new ScoreCache({ dir }));
    await Promise.all(caches.map((c) => c.put(makeReport('same'))));
    assert.equal(readdirSync(dir).length, 1);
    assert.ok(await new ScoreCache({ dir }).get('same', SETTINGS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
