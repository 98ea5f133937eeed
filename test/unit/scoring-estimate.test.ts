/** The time estimate of a scoring batch: measured per-cell time first, else the benchmark's, scaled for custom sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BENCH_MS_PER_CELL, estimateMs, formatEstimate, msPerCell } from '../../src/scoring/estimate';
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
