/** The loss chart of a benchmark cell: one curve per run and split, gaps at NaN, escaped text, no script. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPrebuiltIndex } from '../../src/benchmark/compact';
import { lossChartHtml, lossCurvesSvg } from '../../src/benchmark/curves';
import type { BenchmarkEntry } from '../../src/benchmark/index';
import { REPO } from '../helpers/data';

const index = loadPrebuiltIndex(join(REPO, 'data', 'wikitext-2.index.json'));
const entries = index.entries('WikiText-2');

test('every run with finite losses gets a test, a validation and a training curve; the axes span the finite losses', () => {
  const multi = entries.find((e) => e.runs.length >= 2 && e.runs.every((r) => !r.diverged))!;
  assert.ok(multi, 'a cell with two trained runs');
  const svg = lossCurvesSvg(multi);
  assert.equal((svg.match(/<polyline class="cl-curve cl-run-\d cl-test"/g) ?? []).length, multi.runs.length);
  assert.equal((svg.match(/<polyline class="cl-curve cl-run-\d cl-val"/g) ?? []).length, multi.runs.length);
  // The training loss of every run, from the logs' train_losses (kept in the bundled index).
  assert.ok(
    multi.runs.every((r) => r.trainLosses && r.trainLosses.length === r.testLosses.length),
    'every run carries its training losses',
  );
  assert.equal((svg.match(/<polyline class="cl-curve cl-run-\d cl-train"/g) ?? []).length, multi.runs.length);
  assert.match(svg, />epoch</);
  for (const m of svg.matchAll(/points="([^"]+)"/g))
    for (const pt of m[1].split(' ')) {
      const [x, y] = pt.split(',').map(Number);
      assert.ok(x >= 56 && x <= 704 && y >= 16 && y <= 316, pt);
    }
});

test('NaN epochs are gaps, a cell whose runs all diverged says so, and text is escaped', () => {
  const base = entries[0];
  const run = {
    ...base.runs[0],
    testLosses: [5, 4.8, NaN, 4.6, 4.5],
    valLosses: [NaN, NaN, NaN, NaN, NaN],
    trainLosses: [NaN, NaN, NaN, NaN, NaN],
    status: '<b>odd</b>',
    diverged: false,
  };
  const gappy: BenchmarkEntry = { ...base, runs: [run] };
  const svg = lossCurvesSvg(gappy);
  assert.equal(
    (svg.match(/<polyline /g) ?? []).length,
    2,
    'the test curve splits at the NaN epoch; the all-NaN val curve draws nothing',
  );
  const dead: BenchmarkEntry = { ...base, runs: [{ ...run, testLosses: [NaN], valLosses: [NaN], trainLosses: [NaN] }] };
  assert.match(lossCurvesSvg(dead), /every run diverged/);
  const html = lossChartHtml({
    cspSource: 'csp:',
    styleUri: 'csp:/curves.css',
    entry: gappy,
    cellLabel: '<img src=x onerror=alert(1)>',
  });
  assert.doesNotMatch(html, /<img|<b>odd/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.doesNotMatch(html, /<script/);
});
