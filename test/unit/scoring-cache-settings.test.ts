/**
 * The score cache answers "the reports of this cell at any settings" (memory and disk), so a cell scored at the
 * proxy size by a search keeps showing its scores when the user's setting is the full size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScoreCache, cacheKey } from '../../src/scoring/cache';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import type { ScoreReport, ScoreSettings } from '../../src/scoring/types';
import { TINY } from '../fixtures/scoring/helpers';

const FULL: ScoreSettings = { ...TINY, ...SIZE_PRESETS['nas-bench-nlp'] };
const PROXY: ScoreSettings = { ...TINY, ...SIZE_PRESETS.proxy };

function report(hash: string, settings: ScoreSettings, value = 870): ScoreReport {
  return {
    hash,
    settings,
    backend: 'wasm',
    totalMs: 1,
    results: [{ id: 'params', value, std: 0, values: [value], seed: 0, repeats: 1, wallMs: 0.4, backend: 'wasm' }],
  };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'cell-lens-cache-any-'));

test('memory: peekAll gives a cell reports at every settings, the most recently used first; evicted ones leave', async () => {
  const cache = new ScoreCache({ maxEntries: 3 });
  assert.deepEqual(cache.peekAll('a'), []);
  const proxy = report('a', PROXY),
    full = report('a', FULL);
  await cache.put(proxy);
  await cache.put(full);
  await cache.put(report('b', PROXY));
  assert.deepEqual(cache.peekAll('a'), [full, proxy]);
  assert.equal(cache.peek('a', PROXY), proxy); // used now: first
  assert.deepEqual(cache.peekAll('a'), [proxy, full]);
  await cache.put(report('c', PROXY)); // evicts the least recently used: a at full size
  assert.deepEqual(cache.peekAll('a'), [proxy]);
  assert.equal(cache.peek('a', FULL), undefined);
  await cache.clear();
  assert.deepEqual(cache.peekAll('a'), []);
});

test('disk: load() reads a cell’s reports at every settings (one listing), only of the cells asked', async () => {
  const dir = tmp();
  try {
    const writer = new ScoreCache({ dir });
    await writer.put(report('cell', PROXY, 1));
    await writer.put(report('cell', { ...FULL, seed: 3 }, 2));
    await writer.put(report('other', PROXY, 3));
    const names = readdirSync(dir);
    const prefix = (h: string) => createHash('sha1').update(h).digest('hex');
    assert.equal(names.filter((n) => n.startsWith(`${prefix('cell')}-`)).length, 2, names.join(', '));

    const reader = new ScoreCache({ dir });
    assert.equal(await reader.get('cell', FULL), undefined, 'not at the current settings');
    assert.equal(await reader.load(['cell']), 2);
    assert.deepEqual(
      reader
        .peekAll('cell')
        .map((r) => r.results[0].value)
        .sort(),
      [1, 2],
    );
    assert.deepEqual(reader.peekAll('other'), [], 'only the cells asked for');
    assert.equal(await reader.load(['cell']), 0, 'what is in memory is not read again');
    assert.equal(reader.peek('cell', PROXY)?.results[0].value, 1);
    assert.equal(await new ScoreCache().load(['cell']), 0, 'memory only: nothing to load');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('disk: a file of the earlier naming (sha1 of the whole key) is renamed and found by get and load', async () => {
  const dir = tmp();
  try {
    await new ScoreCache({ dir }).put(report('cell', PROXY, 7));
    const [name] = readdirSync(dir);
    const old = `${createHash('sha1').update(cacheKey('cell', PROXY)).digest('hex')}.json`;
    renameSync(path.join(dir, name), path.join(dir, old));

    assert.equal((await new ScoreCache({ dir }).get('cell', PROXY))?.results[0].value, 7);
    assert.deepEqual(readdirSync(dir), [name], 'renamed to the new naming');
    renameSync(path.join(dir, name), path.join(dir, old));
    const c = new ScoreCache({ dir });
    assert.equal(await c.load(['cell']), 1);
    assert.equal(c.peekAll('cell')[0]?.results[0].value, 7);
    renameSync(path.join(dir, name), path.join(dir, old));
    await new ScoreCache({ dir }).clear();
    assert.deepEqual(readdirSync(dir), [], 'clear() removes files of the earlier naming too');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
