/**
 * The scatter plot's x axis (src/study/scatter.ts): rank, symmetric-log and the 'auto' rule on the bundled
 * WikiText-2 scores, and the placement of labels inside the plot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCORES } from '../../src/scoring/types';
import type { ScoreId } from '../../src/scoring/ids';
import {
  approxTextWidth,
  densestShare,
  isCrowded,
  percentileAmong,
  placeLabel,
  quantileOf,
  rankPercentiles,
  resolveXScale,
  scatterLayout,
  symlog,
  symlogConstant,
  type ScatterPoint,
  type TextMeasure,
  type XScale,
} from '../../src/study/scatter';

const REF = JSON.parse(readFileSync(join(__dirname, '../../data/reference-wikitext2.json'), 'utf8')) as {
  presets: Record<string, { scores: Record<string, { values: unknown[] }> }>;
};
/** The finite values of a score over the bundled WikiText-2 cells at the proxy preset. */
const values = (id: ScoreId): number[] =>
  REF.presets.proxy.scores[id].values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
const asPoints = (xs: readonly number[]): ScatterPoint[] =>
  xs.map((x, i) => ({ x, y: 5 + (i % 13) / 10, hash: `h${i}`, label: `recepie ${1000 + i}` }));

test('rank percentiles: monotone, ties share their mid-rank, one value is the median, NaN stays NaN', () => {
  assert.deepEqual(rankPercentiles([30, 10, 20, 20, NaN, 40]), [75, 0, 37.5, 37.5, NaN, 100]);
  assert.deepEqual(rankPercentiles([7]), [50]);
  assert.deepEqual(rankPercentiles([3, 3, 3]), [50, 50, 50]);
  const xs = [-2.5e6, -1e6, -300, -300, -140, 0, 1e300];
  const p = rankPercentiles(xs);
  for (let i = 1; i < xs.length; i++) assert.ok(p[i] >= p[i - 1]);
  // a value among them gets the same percentile; beyond them 0 / 100; between two, between theirs
  const sorted = [...xs].sort((a, b) => a - b);
  xs.forEach((v, i) => assert.equal(percentileAmong(sorted, v), p[i]));
  assert.equal(percentileAmong(sorted, -1e308), 0);
  assert.equal(percentileAmong(sorted, Infinity), 100);
  const mid = percentileAmong(sorted, -500);
  assert.ok(mid > p[1] && mid < p[2]);
  assert.equal(quantileOf(sorted, 0), -2.5e6);
  assert.equal(quantileOf(sorted, 100), 1e300);
  assert.equal(quantileOf([1, 3], 50), 2);
});

test('symmetric log: odd, monotone and finite from −1e308 to 1e308 (0 and subnormals too)', () => {
  const grid = [-1.7e308, -1e300, -2.5e6, -1, -1e-300, -5e-324, 0, 5e-324, 1e-300, 1, 2.5e6, 1e300, 1.7e308];
  for (const c of [1e-300, 1e-5, 1, 100, 1e300]) {
    const t = grid.map((v) => symlog(v, c));
    assert.ok(
      t.every((v) => Number.isFinite(v)),
      `c ${c}: ${t.join(' ')}`,
    );
    for (let i = 1; i < t.length; i++) assert.ok(t[i] >= t[i - 1], `c ${c}: not monotone at ${grid[i]}`);
    assert.equal(symlog(0, c), 0);
    for (const v of grid) assert.equal(symlog(-v, c) + 0, -symlog(v, c) + 0); // (+ 0: −0 is 0)
  }
  // strictly increasing where the values differ by more than rounding
  assert.ok(symlog(-1e6, 100) < symlog(-1e5, 100) && symlog(1e5, 100) < symlog(1e6, 100));
  assert.equal(symlogConstant([0, 0]), 1);
  assert.equal(symlogConstant([-2.5e6, -3e4, -900, -250, -140]), 100);
  assert.equal(symlogConstant([5e-324, 5e-324]), 1, 'a constant that would underflow falls back to 1');
  // the layout of a symmetric-log axis draws huge and zero values at finite positions, in order
  const L = scatterLayout(
    { scoreId: 'hidden_cov', points: asPoints([-1e308, -2.5e6, -1, 0, 1, 1e308]), xScale: 'symlog' },
    SCORES.hidden_cov,
  );
  assert.equal(L.xScale, 'symlog');
  const cx = L.points.map((p) => p.cx);
  assert.ok(cx.every((v) => Number.isFinite(v) && v >= L.area.left && v <= L.area.right));
  for (let i = 1; i < cx.length; i++) assert.ok(cx[i] > cx[i - 1]);
  assert.match(L.xLabel, /symmetric log scale/);
});

/** Points within the leftmost / rightmost 1 % of the axis width. */
function ends(id: ScoreId, xScale: XScale): { left: number; right: number; densest: number } {
  const L = scatterLayout({ scoreId: id, points: asPoints(values(id)), xScale, width: 560, height: 403 }, SCORES[id]);
  const w = L.area.right - L.area.left;
  const at = L.points.map((p) => (p.cx - L.area.left) / w);
  return {
    left: at.filter((v) => v <= 0.01).length,
    right: at.filter((v) => v >= 0.99).length,
    densest: densestShare(at),
  };
}

test("'auto' takes the rank axis for HiddenCov on WikiText-2: a linear axis puts half the cells into 1 % of it", () => {
  const hc = values('hidden_cov');
  assert.equal(hc.length, 257);
  // Measured: on a linear axis (−2.5M … 0) 131 of the 257 cells lie in its rightmost 1 %; ranked, at most 3.
  assert.deepEqual(ends('hidden_cov', 'linear'), {
    left: 0,
    right: 131,
    densest: ends('hidden_cov', 'linear').densest,
  });
  assert.ok(ends('hidden_cov', 'linear').densest > 0.5);
  const r = ends('hidden_cov', 'rank');
  assert.ok(r.left <= 3 && r.right <= 3 && r.densest < 0.06, JSON.stringify(r));
  assert.equal(isCrowded(hc), true);
  assert.equal(resolveXScale('auto', hc), 'rank');
  const L = scatterLayout({ scoreId: 'hidden_cov', points: asPoints(hc) }, SCORES.hidden_cov);
  assert.equal(L.xScale, 'rank', 'the default');
  assert.match(L.xLabel, /^HiddenCov \(higher is better →\), rank scale/);
  // its ticks: the least, the quartiles and the greatest value, with what they are in their tooltip
  assert.deepEqual(
    L.xTicks.map((t) => [t.label, t.title]),
    [
      ['−2.3e6', 'least value'],
      ['−3.3e5', '25th percentile'],
      ['−21240', '50th percentile (median)'],
      ['−1730', '75th percentile'],
      ['−139.2', 'greatest value'],
    ],
  );
  // the other scores: spread-out ones stay linear, NTK κ (positive, 9 decades) stays log
  const auto = Object.fromEntries(
    (['naswot', 'hybrid', 'params', 'ntk_cond', 'snip', 'jacob_cov'] as const).map((id) => [
      id,
      resolveXScale('auto', values(id)),
    ]),
  );
  assert.deepEqual(auto, {
    naswot: 'linear',
    hybrid: 'linear',
    params: 'linear',
    ntk_cond: 'log',
    snip: 'rank',
    jacob_cov: 'rank',
  });
  // an explicit choice is kept; log needs positive values
  assert.equal(resolveXScale('linear', hc), 'linear');
  assert.equal(resolveXScale('log', hc), 'symlog');
  assert.equal(resolveXScale('log', values('ntk_cond')), 'log');
  // a handful of points, or all equal, are never called crowded
  assert.equal(isCrowded([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), false);
  assert.equal(isCrowded([0, 0, 0, 0, 1000]), false);
});

test('rank axis: tied scores share an x, marks land between the cells, beyond them at the end with an arrow', () => {
  const xs = [5, 1, 1, 3, 9, 7, 2, 8, 6, 4];
  const L = scatterLayout(
    {
      scoreId: 'naswot',
      points: asPoints(xs),
      xScale: 'rank',
      marks: [
        { label: 'mine', x: 3.5 },
        { label: 'low', x: -100 },
        { label: 'equal', x: 9 },
      ],
    },
    SCORES.naswot,
  );
  const cx = L.points.map((p) => p.cx);
  assert.equal(cx[1], cx[2], 'a tie shares its x');
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  for (let k = 1; k < order.length; k++) assert.ok(cx[order[k]] >= cx[order[k - 1]]);
  const [mine, low, equal] = L.marks;
  assert.ok(mine.px > cx[3] && mine.px < cx[9], 'between 3 and 4');
  assert.deepEqual([low.px, low.outside, low.text.text], [L.area.left, true, 'low ←']);
  assert.deepEqual([equal.px, equal.outside], [cx[4], false]);
});

/** Width of a measured text in tests: the same generous estimate the SVG files use. */
const measure: TextMeasure = approxTextWidth;

test('labels are placed inside: after a line, flipped to its left near the right edge, shortened only when too wide', () => {
  // room to the right of the line
  assert.deepEqual(placeLabel('mine', 100, 62, 542, measure, 'after'), {
    text: 'mine',
    full: 'mine',
    x: 103,
    anchor: 'start',
  });
  // at the right edge: ends left of the line, whole
  const r = placeLabel('recepie 1234 (lstm.json)', 542, 62, 542, measure, 'after');
  assert.deepEqual([r.text, r.anchor, r.x], ['recepie 1234 (lstm.json)', 'end', 539]);
  assert.ok(r.x - measure(r.text) >= 62);
  // in the middle of a narrow plot, too wide for either side: clamped inside
  const m = placeLabel('a fairly long label of a cell', 150, 100, 320, measure, 'after');
  assert.equal(m.anchor, 'start');
  assert.ok(m.x >= 100 && m.x + measure(m.text) <= 320 + 1e-9, JSON.stringify(m));
  // wider than the plot: shortened with an ellipsis that fits, the whole kept for the tooltip
  const s = placeLabel('recepie 1234 of a file with a very long name.json', 300, 62, 200, measure, 'after');
  assert.match(s.text, /…$/);
  assert.ok(measure(s.text) <= 138 && s.x >= 62 && s.x + measure(s.text) <= 200 + 1e-9, JSON.stringify(s));
  assert.equal(s.full, 'recepie 1234 of a file with a very long name.json');
  // 'middle': centred, moved in at the ends
  assert.deepEqual(placeLabel('90,000', 300, 0, 480, measure), {
    text: '90,000',
    full: '90,000',
    x: 300,
    anchor: 'middle',
  });
  const e = placeLabel('90,000', 478, 2, 478, measure);
  assert.equal(e.x + measure('90,000') / 2 <= 478 + 1e-9, true);
});

test("the open cell's mark at the right end of HiddenCov's axis keeps its whole label inside the plot", () => {
  const hc = values('hidden_cov');
  for (const xScale of ['linear', 'rank', 'symlog'] as const) {
    for (const width of [360, 560, 900]) {
      const L = scatterLayout(
        {
          scoreId: 'hidden_cov',
          points: asPoints(hc),
          xScale,
          width,
          height: Math.round(width * 0.72),
          marks: [{ label: 'recepie 1234 (lstm.json)', x: -1367 }],
        },
        SCORES.hidden_cov,
      );
      const [mk] = L.marks;
      const w = measure(mk.text.text);
      const left =
        mk.text.anchor === 'start' ? mk.text.x : mk.text.anchor === 'end' ? mk.text.x - w : mk.text.x - w / 2;
      assert.equal(mk.text.text, 'recepie 1234 (lstm.json)', `${xScale} at ${width}: whole`);
      assert.ok(left >= L.area.left - 1e-9 && left + w <= L.area.right + 1e-9, `${xScale} at ${width}: inside`);
      // tick labels never cross the plot's edges
      for (const t of L.xTicks) {
        const tw = measure(t.label);
        assert.ok(t.labelX - tw / 2 >= 0 && t.labelX + tw / 2 <= width, `${xScale} at ${width}: tick ${t.label}`);
      }
    }
  }
});
