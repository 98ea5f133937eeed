/** The time estimate of a scoring batch: measured per-cell time first, else the benchmark's, scaled for custom sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BENCH_MS_PER_CELL, estimateMs, formatEstimate, msPerCell, remainingMs } from '../../src/scoring/estimate';
import { SIZE_PRESETS } from '../../src/scoring/presets';

test('per-cell time: measured first, else the benchmark per preset, scaled by the work of custom sizes', () => {
  assert.equal(msPerCell(SIZE_PRESETS['nas-bench-nlp']), BENCH_MS_PER_CELL['nas-bench-nlp']);
  assert.equal(msPerCell(SIZE_PRESETS.proxy), BENCH_MS_PER_CELL.proxy);
  assert.equal(msPerCell(SIZE_PRESETS.proxy, 420), 420);
  const half = msPerCell({ ...SIZE_PRESETS['nas-bench-nlp'], hidden: 300, embed: 200 });
  assert.ok(half < BENCH_MS_PER_CELL['nas-bench-nlp'] / 2 && half > 20, `${half}`);
  assert.ok(msPerCell({ ...SIZE_PRESETS['nas-bench-nlp'], hidden: 1200 }) > BENCH_MS_PER_CELL['nas-bench-nlp']);
});

test('batch estimate divides among the processes (never more processes than cells) and reads in words', () => {
  assert.equal(estimateMs(942, SIZE_PRESETS['nas-bench-nlp'], 2), (942 * 7800) / 2);
  assert.equal(estimateMs(1, SIZE_PRESETS['nas-bench-nlp'], 8), 7800);
  assert.equal(formatEstimate(40_000), 'about 40 s');
  assert.equal(formatEstimate(4 * 60_000), 'about 4 min');
  assert.equal(formatEstimate((942 * 7800) / 2), 'about 61 min');
  assert.equal(formatEstimate(4 * 3_600_000 + 5 * 60_000), 'about 4 h 05 min');
});

test('time left from the observed rate: elapsed per item done × items left; none before the first, 0 at the end', () => {
  // 230 cells in 10 s with 30 left: 1.3 s — "about 1 s", not a minute
  assert.equal(remainingMs(230, 30, 10_000), (10_000 / 230) * 30);
  assert.equal(formatEstimate(remainingMs(230, 30, 10_000)!), 'about 1 s');
  assert.equal(remainingMs(0, 260, 5_000), undefined);
  assert.equal(remainingMs(3, 0, 5_000), 0);
  assert.equal(remainingMs(3, 10, NaN), undefined);
});
