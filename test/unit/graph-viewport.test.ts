/**
 * Where the graph goes in its panel (src/graph/viewport.ts), with the numbers of a new user's half-width panel:
 * code-server in a 1600 × 900 window, the graph beside the editor, 626 px wide and 743 px tall under its toolbar.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cornerRect,
  drawingArea,
  fitView,
  legendBarWidth,
  openingView,
  overviewSize,
  placeLegend,
  placeOverview,
  READABLE_SCALE,
  sidePanelOpen,
  SIDE_PANEL_BREAKPOINT,
  SIDE_PANEL_WIDTH,
  type Rect,
  type Size,
  type Transform,
} from '../../src/graph/viewport';
import { LIGHT_PALETTE } from '../../src/graph/palette';
import { contrastRatio, over, parseColor } from '../../src/graph/contrast';
import { cellGraph } from '../../src/graph/layout';
import { parseDocument } from '../../src/recipe/parse';
import { KNOWN_CELLS } from '../../src/recipe/known';
import { cell25 } from '../../bench/graph';

const PANEL: Size = { w: 626, h: 743 };
const graphOf = (recipe: unknown) => cellGraph(parseDocument(JSON.stringify(recipe)).cells[0]);
const LSTM = graphOf(KNOWN_CELLS.find((k) => k.name === 'LSTM')!.recipe);

/** The screen rectangle of a graph of `size` under transform `t`. */
const placed = (size: { width: number; height: number }, t: Transform): Rect => ({
  x: t.x,
  y: t.y,
  w: size.width * t.k,
  h: size.height * t.k,
});
const inside = (a: Rect, b: Rect) =>
  a.x >= b.x - 1e-6 && a.y >= b.y - 1e-6 && a.x + a.w <= b.x + b.w + 1e-6 && a.y + a.h <= b.y + b.h + 1e-6;
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const stageRect = (s: Size): Rect => ({ x: 0, y: 0, w: s.w, h: s.h });

test('the side panel gives the graph the width of a half-width panel; the Details toggle wins', () => {
  assert.equal(sidePanelOpen(626), false, 'half of a 1600-px window');
  assert.equal(sidePanelOpen(SIDE_PANEL_BREAKPOINT - 1), false);
  assert.equal(sidePanelOpen(SIDE_PANEL_BREAKPOINT), true);
  assert.equal(sidePanelOpen(1500), true, 'a full-width panel');
  assert.equal(sidePanelOpen(626, true), true, 'opened with Details');
  assert.equal(sidePanelOpen(1500, false), false, 'closed with Details');
  // Beside the side panel, the LSTM (600 px wide) would not fit at 1:1 below the breakpoint.
  assert.ok(SIDE_PANEL_BREAKPOINT - SIDE_PANEL_WIDTH >= LSTM.layout.width);
});

test('Fit at half width: the whole LSTM, at 1.04 with the side panel closed (0.62 beside it; it was clamped to 0.75 and cut)', () => {
  assert.ok(Math.abs(LSTM.layout.width - 600) < 1, `the LSTM is ${LSTM.layout.width} px wide`);
  const t = fitView(LSTM.layout, PANEL);
  assert.ok(Math.abs(t.k - 626 / LSTM.layout.width) < 1e-9 && t.k > 1.04, `k ${t.k}`);
  assert.ok(inside(placed(LSTM.layout, t), stageRect(PANEL)));
  // Beside an open side panel the stage is 371 px: Fit still shows all of it, smaller than the old readable floor.
  const beside = { w: PANEL.w - SIDE_PANEL_WIDTH, h: PANEL.h };
  const tb = fitView(LSTM.layout, beside);
  assert.ok(Math.abs(tb.k - 371 / LSTM.layout.width) < 1e-9 && tb.k < READABLE_SCALE);
  assert.ok(inside(placed(LSTM.layout, tb), stageRect(beside)));
  // The opening view is Fit when the graph is readable whole.
  assert.deepEqual(openingView(LSTM.layout, PANEL, overviewSize(LSTM.layout).size), t);
});

test('Fit of a 28-node cell at half width: everything inside the stage (k 0.39); it opens readable, at the top', () => {
  const big = cellGraph(parseDocument(cell25(1)).cells[0]);
  const t = fitView(big.layout, PANEL);
  assert.ok(inside(placed(big.layout, t), stageRect(PANEL)));
  assert.ok(t.k < READABLE_SCALE && t.k > 0.39 && t.k < 0.4, `k ${t.k}`);
  const open = openingView(big.layout, PANEL, overviewSize(big.layout).size);
  assert.equal(open.k, READABLE_SCALE);
  assert.equal(open.y, 8, 'from the top');
});

test('a tall narrow graph opens beside the overview: the top-right corner stays free for it', () => {
  const g = { width: 335, height: 2314 }; // the 26-node chain
  const ov = overviewSize(g).size;
  const t = openingView(g, PANEL, ov);
  const corner = cornerRect(PANEL, ov, 'top-right');
  assert.equal(t.k, READABLE_SCALE);
  assert.ok(!overlap(placed(g, t), corner), 'the graph keeps out of the overview’s corner');
});

test('the drawing area leaves out the heat-map legend: the fitted graph is not under it', () => {
  const legend: Rect = { x: 8, y: PANEL.h - 8 - 70, w: 220, h: 70 };
  const area = drawingArea(PANEL, LSTM.layout, [legend]);
  const t = fitView(LSTM.layout, PANEL, [legend]);
  assert.ok(!overlap(placed(LSTM.layout, t), legend));
  assert.ok(inside(placed(LSTM.layout, t), area));
  // A wide graph gives up a strip at the bottom (the cut that keeps it larger), not a column on the left.
  assert.equal(area.x, 0);
  assert.equal(area.y + area.h, legend.y - 8);
  // A tall one gives up the column.
  const tall = { width: 300, height: 1500 };
  const a2 = drawingArea(PANEL, tall, [legend]);
  assert.equal(a2.x, legend.x + legend.w + 8);
  assert.equal(a2.h, PANEL.h);
});

test('the overview goes to a corner with no node under it, keeps its corner, else shrinks, else stays hidden', () => {
  const size = { w: 90, h: 188 };
  const nodeAt = (r: Rect): Rect => r;
  const tr = cornerRect(PANEL, size, 'top-right');
  assert.deepEqual(tr, { x: 626 - 8 - 90, y: 8, w: 90, h: 188 });
  assert.equal(placeOverview(PANEL, size, [])?.corner, 'top-right');
  // A node in the top right corner: the next free corner.
  const n1 = nodeAt({ x: 560, y: 20, w: 60, h: 30 });
  assert.equal(placeOverview(PANEL, size, [n1])?.corner, 'bottom-right');
  // The current corner is kept while it is free (no jumping about while panning).
  assert.equal(placeOverview(PANEL, size, [], [], 'bottom-left')?.corner, 'bottom-left');
  // The legend counts as taken.
  const legend = { x: 8, y: 600, w: 220, h: 135 };
  const p = placeOverview(
    PANEL,
    size,
    [n1, nodeAt({ x: 530, y: 600, w: 90, h: 100 }), nodeAt({ x: 10, y: 10, w: 50, h: 30 })],
    [legend],
  );
  assert.equal(p, undefined, 'every corner is taken even at 60 %: hidden');
  // Shrunk: a corner free for a 60 % overview only.
  const q = placeOverview(PANEL, size, [
    { x: 560, y: 150, w: 60, h: 40 },
    { x: 560, y: 560, w: 60, h: 40 },
    { x: 0, y: 0, w: 100, h: 743 },
  ]);
  assert.deepEqual(q && [q.corner, q.shrink], ['top-right', 0.6]);
  assert.ok(q && !overlap(q.rect, { x: 560, y: 150, w: 60, h: 40 }));
});

test('the heat-map legend is placed inside the stage, at the bottom left; smaller when the stage is smaller', () => {
  const legend = { w: 214, h: 66 };
  assert.deepEqual(placeLegend(PANEL, legend), { rect: { x: 8, y: 743 - 8 - 66, w: 214, h: 66 }, scale: 1 });
  for (const stage of [
    { w: 300, h: 120 },
    { w: 150, h: 60 },
  ]) {
    const { rect, scale } = placeLegend(stage, legend);
    assert.ok(inside(rect, stageRect(stage)), `${stage.w}×${stage.h}`);
    assert.ok(scale <= 1);
  }
  assert.equal(legendBarWidth(626), 180);
  assert.equal(legendBarWidth(200), 124);
  assert.equal(legendBarWidth(100), 60);
});

test('the light export palette covers every colour variable of media/graph.css; its dead-node labels read ≥ 4.5:1', () => {
  const css = readFileSync(join(__dirname, '..', '..', 'media', 'graph.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const body = /(?:^|\n)body \{([^}]*)\}/.exec(css)![1];
  const vars = [...body.matchAll(/(--cl-[\w-]+)\s*:/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(LIGHT_PALETTE).sort(), vars);
  const bg = parseColor(LIGHT_PALETTE['--cl-bg'])!;
  const fill = over(parseColor(LIGHT_PALETTE['--cl-dead-fill'])!, bg, Number(LIGHT_PALETTE['--cl-dead-fill-opacity']));
  assert.ok(contrastRatio(parseColor(LIGHT_PALETTE['--cl-dead-fg'])!, fill) >= 4.5);
  assert.equal(LIGHT_PALETTE['--cl-bg'], '#ffffff');
});
