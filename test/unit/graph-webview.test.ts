/**
 * Renders the webview bundle in headless Chromium (playwright-core, /usr/bin/chromium) on the fixture page
 * test/fixtures/graph/page.html, drives it with protocol messages and checks the SVG. Also writes the docs
 * screenshots docs/images/graph-light.png and graph-dark.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  buildWebview,
  chromiumMissing,
  launch,
  openPage,
  post,
  posted,
  renderMessage,
  ROOT,
} from '../../testkit/graph-browser';
import { exampleText, wikitextRecipes } from '../../testkit/graph-cells';
import { cell25, chain26 } from '../../bench/graph';
import { LIGHT_PALETTE } from '../../src/graph/palette';
import { isFromWebview } from '../../src/graph/protocol';
import { contrastRatio, over, parseColor } from '../../src/graph/contrast';
import type { ScoreReport } from '../../src/scoring/types';
import { DEFAULT_SIZES } from '../../src/scoring/types';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { scoreCell } from '../../src/scoring/engine';

const lstm = readFileSync(join(ROOT, 'test/fixtures/graph/lstm.json'), 'utf8');
const missing = chromiumMissing();
const skip = missing ? `skipped: ${missing}` : false;
let browser: Browser | undefined;

before(async () => {
  if (missing) return;
  await buildWebview();
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const count = (page: Page, sel: string) => page.evaluate((s) => document.querySelectorAll(s).length, sel);
const viewportTransform = (page: Page) =>
  page.evaluate(() => document.querySelector('.cl-viewport')?.getAttribute('transform') ?? '');

const graphInsideStage = (page: Page) =>
  page.evaluate(() => {
    const s = document.querySelector('.cl-stage')!.getBoundingClientRect();
    const g = (document.querySelector('.cl-viewport') as SVGGElement).getBoundingClientRect();
    return g.left >= s.left - 1 && g.right <= s.right + 1 && g.top >= s.top - 1 && g.bottom <= s.bottom + 1;
  });

/** A score report for the LSTM with a per-node quantity on the op nodes (test data, not a real score), 0 … `top`. */
function lstmScores(top = 1): ScoreReport {
  const names = Object.keys(JSON.parse(lstm) as object);
  const perNode = Object.fromEntries(names.map((n, i) => [n, (top * i) / (names.length - 1)]));
  return {
    hash: 'test',
    backend: 'cpu',
    totalMs: 1,
    settings: { ...DEFAULT_SIZES, scores: ['naswot'], seed: 0, repeats: 1, backend: 'cpu' },
    results: [
      { id: 'naswot', value: 123.4, std: 0, values: [123.4], seed: 0, repeats: 1, wallMs: 1, backend: 'cpu', perNode },
    ],
  };
}

test(
  'a 19–26-node cell at half width stays legible: names ≥ 9 px, the graph starts at the top (pan down for the rest)',
  { skip },
  async () => {
    // A 26-node cell: a chain of linear / activation pairs with skip sums, the size of the largest generated cells.
    const big = chain26();
    assert.equal(Object.keys(JSON.parse(big) as object).length, 26);
    const page = await openPage(browser!, 'dark', { width: 560, height: 700 });
    await post(page, renderMessage(big));
    await page.waitForSelector('.cl-node');
    const k = Number(
      /scale\(([\d.]+)/.exec(await viewportTransform(page))?.[1] ??
        /,\s*([\d.]+)\)$/.exec(await viewportTransform(page))?.[1],
    );
    const nameFont = await page.evaluate(() =>
      parseFloat(getComputedStyle(document.querySelector('.cl-name')!).fontSize),
    );
    assert.ok(k * nameFont >= 9 - 1e-6, `node names at ${(k * nameFont).toFixed(1)} px (zoom ${k})`);
    const top = await page.evaluate(
      () =>
        document.querySelector('.cl-stage')!.getBoundingClientRect().top -
        (document.querySelector('.cl-viewport') as SVGGElement).getBoundingClientRect().top,
    );
    assert.ok(top <= 1, 'the top of the graph (its inputs) is in view');

    // The rest is reachable: an overview (mini-map) shows where the view is, and the keyboard pans.
    assert.equal(
      await count(page, '.cl-minimap:not([hidden])'),
      1,
      'the overview is shown for a graph taller than the panel',
    );
    const ty = async () => Number(/translate\([-\d.]+,\s*([-\d.]+)\)/.exec(await viewportTransform(page))?.[1]);
    const viewRect = () => page.evaluate(() => Number(document.querySelector('.cl-mm-view')!.getAttribute('y')));
    const y0 = await ty(),
      r0 = await viewRect();
    await page.focus('.cl-minimap');
    await page.keyboard.press('ArrowDown');
    assert.ok((await ty()) < y0, 'ArrowDown pans down');
    assert.ok((await viewRect()) > r0, 'the overview rectangle follows');
    await page.keyboard.press('End');
    const bottom = await page.evaluate(
      () =>
        document.querySelector('.cl-stage')!.getBoundingClientRect().bottom -
        (document.querySelector('.cl-viewport') as SVGGElement).getBoundingClientRect().bottom,
    );
    assert.ok(bottom >= -1, 'End shows the bottom of the graph (its outputs)');
    await page.keyboard.press('Home');
    assert.ok(Math.abs((await ty()) - y0) < 1, 'Home goes back to the top');
    // A click in the overview's lower half moves the view there.
    const mm = (await page.locator('.cl-minimap svg').boundingBox())!;
    await page.mouse.click(mm.x + mm.width / 2, mm.y + mm.height * 0.9);
    assert.ok((await ty()) < y0, 'clicking the overview pans');
    // Fit (0) fits: the whole graph in view (smaller), so no overview.
    await page.keyboard.press('0');
    assert.ok(await graphInsideStage(page), 'Fit shows the whole graph');
    assert.equal(await count(page, '.cl-minimap:not([hidden])'), 0);
    await page.close();

    // The widest WikiText-2 cells (19 nodes, four inputs) at half width: still ≥ 9 px (it pans sideways), with the overview.
    const wide = wikitextRecipes()
      .map((r) => ({ r, n: Object.keys(JSON.parse(r.text) as object).length }))
      .sort((a, b) => b.n - a.n)[0];
    const half = await openPage(browser!, 'dark', { width: 560, height: 700 });
    await post(half, renderMessage(wide.r.text));
    const kw = await half.evaluate(() => (document.querySelector('.cl-viewport') as SVGGElement).getCTM()?.a ?? 0);
    assert.ok(kw * nameFont >= 9 - 1e-6, `widest cell: names at ${(kw * nameFont).toFixed(1)} px`);
    const fits = await graphInsideStage(half);
    assert.equal(
      await count(half, '.cl-minimap:not([hidden])'),
      fits ? 0 : 1,
      'the overview is shown exactly when part of the graph is out of view',
    );
    await half.close();

    // A graph that fits needs no overview.
    const small = await openPage(browser!, 'dark');
    await post(small, renderMessage(lstm));
    assert.equal(await count(small, '.cl-minimap:not([hidden])'), 0);
    await small.close();
  },
);

/** Screen rectangles of the stage, every drawn node (as drawn: its shape and an output's ring) and the overview. */
const rects = (page: Page) =>
  page.evaluate<{ stage: R; nodes: (R & { name: string })[]; overview: R | undefined; side: number }>(`(() => {
    const r = (e) => {
      const b = e.getBoundingClientRect();
      return { x: b.left, y: b.top, w: b.width, h: b.height };
    };
    const mm = document.querySelector('.cl-minimap');
    return {
      stage: r(document.querySelector('.cl-stage')),
      nodes: Array.from(document.querySelectorAll('.cl-node')).map((n) => ({
        name: n.getAttribute('data-name') ?? '',
        ...r(n.querySelector('.cl-out-ring') ?? n.querySelector('.cl-shape')),
      })),
      overview: mm.hidden ? undefined : r(mm),
      side: document.querySelector('.cl-side').offsetWidth,
    };
  })()`);
type R = { x: number; y: number; w: number; h: number };
const inside = (a: R, b: R) =>
  a.x >= b.x - 1 && a.y >= b.y - 1 && a.x + a.w <= b.x + b.w + 1 && a.y + a.h <= b.y + b.h + 1;
const overlap = (a: R, b: R) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const scaleOf = (page: Page) =>
  page.evaluate(() => (document.querySelector('.cl-viewport') as SVGGElement).getCTM()?.a ?? 0);

test(
  'half width (626 px, a 1600-px window split): the side panel gives way, the LSTM opens whole, Fit fits',
  { skip },
  async () => {
    const page = await openPage(browser!, 'dark', { width: 626, height: 780 });
    await post(page, renderMessage(lstm));
    let r = await rects(page);
    assert.equal(r.side, 0, 'the side panel is closed at half width');
    assert.equal(await page.getAttribute('.cl-details', 'aria-pressed'), 'false');
    assert.equal(Math.round(r.stage.w), 626, 'the graph gets the panel width');
    const cut = r.nodes.filter((n) => !inside(n, r.stage)).map((n) => n.name);
    assert.deepEqual(cut, [], 'every node of the LSTM is in view when it opens (x and h_prev_1 were cut off)');
    const k0 = await scaleOf(page);
    assert.ok(k0 > 1, `the LSTM opens at ${k0.toFixed(3)} (was 0.75, clipped)`);
    // Zoom in, then Fit: the whole graph again, at the same scale as it opened.
    await page.click('button[title="Zoom in (+)"]');
    assert.ok(!(await graphInsideStage(page)));
    await page.click('button.cl-fit');
    assert.ok(Math.abs((await scaleOf(page)) - k0) < 1e-6, 'Fit = the opening view for a graph readable whole');
    // Details opens the side panel beside the graph; the unmoved (fitted) view is fitted again into the rest.
    await page.click('.cl-details');
    r = await rects(page);
    assert.ok(r.side > 200, 'the side panel is open');
    assert.equal(await page.getAttribute('.cl-details', 'aria-pressed'), 'true');
    assert.deepEqual(
      r.nodes.filter((n) => !inside(n, r.stage)).map((n) => n.name),
      [],
      'still whole beside the side panel',
    );
    assert.equal(
      await page.evaluate(() => (window as unknown as { __state: { details?: boolean } }).__state.details),
      true,
      'the choice is kept',
    );
    await page.close();

    // A 28-node cell (25 ops) at half width: Fit shows all of it, every node inside the stage, no overview.
    const big = await openPage(browser!, 'dark', { width: 626, height: 780 });
    await post(big, renderMessage(cell25(1)));
    await big.click('button.cl-fit');
    r = await rects(big);
    assert.deepEqual(
      r.nodes.filter((n) => !inside(n, r.stage)).map((n) => n.name),
      [],
    );
    assert.equal(r.overview, undefined, 'no overview when the whole graph is in view');
    await big.close();

    // A wide panel keeps the side panel open.
    const wide = await openPage(browser!, 'dark', { width: 1500, height: 780 });
    await post(wide, renderMessage(lstm));
    assert.ok((await rects(wide)).side > 200);
    await wide.close();
  },
);

test('the overview never covers a node (opening view, panning, both themes, two sizes)', { skip }, async () => {
  const cells = [cell25(0), cell25(1), chain26()];
  for (const theme of ['dark', 'light'] as const) {
    for (const size of [
      { width: 626, height: 780 },
      { width: 560, height: 700 },
    ]) {
      const page = await openPage(browser!, theme, size);
      for (const text of cells) {
        await post(page, renderMessage(text, { uri: `file:///fixture/${cells.indexOf(text)}.json` }));
        await page.focus('.cl-graph');
        for (const key of ['', 'ArrowDown', 'ArrowDown', 'ArrowRight', 'PageDown', 'ArrowLeft', 'ArrowLeft', 'End']) {
          if (key) await page.keyboard.press(key);
          const r = await rects(page);
          if (!r.overview) continue;
          const under = r.nodes.filter((n) => overlap(n, r.overview!)).map((n) => n.name);
          assert.deepEqual(under, [], `${theme} ${size.width}: nodes under the overview after "${key}"`);
          assert.ok(inside(r.overview, r.stage), 'the overview is inside the stage');
        }
      }
      await page.close();
    }
  }
});

test('the heat-map legend is inside the stage and shows every tick label whole', { skip }, async () => {
  for (const size of [
    { width: 626, height: 780 },
    { width: 400, height: 300 },
    { width: 626, height: 200 },
    { width: 300, height: 160 },
  ]) {
    const page = await openPage(browser!, 'dark', size);
    await post(page, renderMessage(lstm, { scores: () => lstmScores(1000) }));
    await page.selectOption('.cl-toolbar select >> nth=1', 'naswot');
    const g = await page.evaluate<{ stage: R; legend: R; svg: R; texts: (R & { text: string })[] }>(`(() => {
      const r = (e) => {
        const b = e.getBoundingClientRect();
        return { x: b.left, y: b.top, w: b.width, h: b.height };
      };
      const legend = document.querySelector('.cl-legend');
      return {
        stage: r(document.querySelector('.cl-stage')),
        legend: r(legend),
        svg: r(legend.querySelector('svg')),
        texts: Array.from(legend.querySelectorAll('svg text')).map((t) => ({ text: t.textContent ?? '', ...r(t) })),
      };
    })()`);
    assert.ok(inside(g.legend, g.stage), `${size.width}×${size.height}: legend inside the stage`);
    assert.ok(g.texts.length >= 2, 'tick labels');
    for (const t of g.texts) assert.ok(inside(t, g.svg), `${size.width}×${size.height}: tick "${t.text}" not clipped`);
    // Fit keeps the graph off the legend.
    await page.click('button.cl-fit');
    const r = await rects(page);
    const under = r.nodes.filter((n) => overlap(n, g.legend)).map((n) => n.name);
    if (size.height > 200)
      assert.deepEqual(under, [], `${size.width}×${size.height}: nodes under the legend after Fit`);
    await page.close();
  }
});

test('export background: theme, light (the light palette whatever the theme) or transparent', { skip }, async () => {
  const page = await openPage(browser!, 'dark');
  await post(page, renderMessage(lstm));
  const screenFill = () =>
    page.evaluate(() => getComputedStyle(document.querySelector('.cl-cat-linear .cl-shape')!).stroke);
  const before = await screenFill();
  const exported = async (background: string) => {
    await page.selectOption('.cl-export-bg', background);
    await page.click('button[title="Export SVG"]');
    return String((await posted(page)).filter((m) => m.type === 'export').at(-1)!.data);
  };
  const rgb = (hex: string) => {
    const c = parseColor(hex)!;
    return `rgb(${c.r}, ${c.g}, ${c.b})`;
  };
  const background = (svg: string) => /<rect width="100%" height="100%" fill="([^"]+)"/.exec(svg)?.[1];
  const theme = await exported('theme');
  assert.equal(background(theme), 'rgb(30, 30, 30)', 'the dark theme background');
  const light = await exported('light');
  assert.equal(background(light), LIGHT_PALETTE['--cl-bg']);
  assert.equal(
    /<text[^>]*\sfill="([^"]+)"[^>]*>i_act<\/text>/.exec(light)?.[1],
    rgb(LIGHT_PALETTE['--cl-fg']),
    'node names in the light palette',
  );
  assert.ok(light.includes(`stroke="${rgb(LIGHT_PALETTE['--cl-cat-linear'])}"`), 'linear nodes in the light palette');
  assert.ok(light.includes(`stroke="${rgb(LIGHT_PALETTE['--cl-edge-rec'])}"`), 'recurrence edges in the light palette');
  assert.ok(!light.includes('rgb(30, 30, 30)'), 'nothing of the dark background');
  assert.equal(await screenFill(), before, 'the screen keeps the theme colours');
  const transparent = await exported('transparent');
  assert.equal(background(transparent), undefined, 'no background');
  assert.equal(
    await page.evaluate(
      () => (window as unknown as { __state: { exportBackground?: string } }).__state.exportBackground,
    ),
    'transparent',
    'the choice is kept',
  );
  // The host's export request may name the background.
  await post(page, { type: 'exportRequest', format: 'svg', background: 'light' });
  assert.equal(background(String((await posted(page)).filter((m) => m.type === 'export').at(-1)!.data)), '#ffffff');
  await page.close();
});

test('drawn edges keep out of the boxes of other nodes (sampled along the SVG paths)', { skip }, async () => {
  const biggest = wikitextRecipes()
    .map((r) => ({ r, n: Object.keys(JSON.parse(r.text) as object).length }))
    .sort((a, b) => b.n - a.n)
    .slice(0, 3);
  const page = await openPage(browser!, 'light');
  for (const text of [exampleText(), ...biggest.map((b) => b.r.text)]) {
    const msg = renderMessage(text);
    await post(page, msg);
    for (const cell of msg.cells) {
      if (msg.cells.length > 1) await page.selectOption('.cl-toolbar select >> nth=0', String(cell.index));
      const boxes = cell.model.nodes.map((n) => ({
        id: n.id,
        x: cell.layout.nodes[n.id].x,
        y: cell.layout.nodes[n.id].y,
        hw: n.width / 2 - 1,
        hh: n.height / 2 - 1,
      }));
      const hits = await page.evaluate((boxes) => {
        const out: string[] = [];
        for (const g of Array.from(document.querySelectorAll('.cl-edge'))) {
          const src = g.getAttribute('data-source'),
            tgt = g.getAttribute('data-target');
          if (src === tgt) continue;
          const path = g.querySelector('.cl-edge-line') as SVGPathElement;
          const len = path.getTotalLength();
          for (let d = 0; d <= len; d += 2) {
            const p = path.getPointAtLength(d);
            const b = boxes.find(
              (b) => b.id !== src && b.id !== tgt && Math.abs(p.x - b.x) < b.hw && Math.abs(p.y - b.y) < b.hh,
            );
            if (b) {
              out.push(`${g.getAttribute('data-id')}×${b.id}`);
              break;
            }
          }
        }
        return out;
      }, boxes);
      assert.deepEqual(hits, [], `${cell.label}: drawn edges through other nodes`);
    }
  }
  await page.close();
});

test(
  'dead nodes: labels at full opacity, ≥ 4.5:1 against their fill and the background (computed styles)',
  { skip },
  async () => {
    // h_dead reads x but nothing reads it: a dead node.
    const cell = {
      h_dead: { op: 'activation_tanh', input: ['x'] },
      h_new_0: { op: 'linear', input: ['x', 'h_prev_0'] },
    };
    for (const theme of ['light', 'dark'] as const) {
      const page = await openPage(browser!, theme);
      await post(page, renderMessage(JSON.stringify(cell)));
      assert.equal(await count(page, '.cl-node.cl-dead'), 1);
      const st = await page.evaluate(() => {
        // (No named functions in here: the test runner's transform would wrap them in a helper the page lacks.)
        const g = document.querySelector('.cl-node.cl-dead')!;
        const shape = getComputedStyle(g.querySelector('.cl-shape')!);
        return {
          opacity: getComputedStyle(g).opacity,
          bg: getComputedStyle(document.body).backgroundColor,
          fill: shape.fill,
          fillOpacity: shape.fillOpacity,
          name: getComputedStyle(g.querySelector('.cl-name')!).fill,
          op: getComputedStyle(g.querySelector('.cl-op')!).fill,
        };
      });
      assert.equal(Number(st.opacity), 1, 'no group fade');
      const bg = parseColor(st.bg)!;
      const fill = over(parseColor(st.fill)!, bg, Number(st.fillOpacity));
      for (const text of [st.name, st.op]) {
        const fg = parseColor(text)!;
        assert.ok(contrastRatio(over(fg, fill), fill) >= 4.5, `${theme}: ${text} on ${st.fill}@${st.fillOpacity}`);
        assert.ok(contrastRatio(over(fg, bg), bg) >= 4.5, `${theme}: ${text} on ${st.bg}`);
      }
      await page.close();
    }
  },
);

test(
  'pin button and another document: the button posts `pin`, shows the state; a new uri is fitted afresh',
  { skip },
  async () => {
    const page = await openPage(browser!, 'dark');
    await post(page, renderMessage(lstm, { uri: 'file:///a/lstm.json' }));
    await page.click('.cl-pin');
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'pin').at(-1), { type: 'pin', pinned: true });
    assert.equal(
      await page.getAttribute('.cl-pin', 'aria-pressed'),
      'false',
      'the host decides: no state change until it re-renders',
    );
    await post(page, { ...renderMessage(lstm, { uri: 'file:///a/lstm.json' }), pinned: true });
    assert.equal(await page.getAttribute('.cl-pin', 'aria-pressed'), 'true');
    assert.equal(
      await page.evaluate(() => (window as unknown as { __state: { pinned?: boolean } }).__state.pinned),
      true,
      'persisted',
    );
    await page.click('.cl-pin');
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'pin').at(-1), { type: 'pin', pinned: false });
    // Zoom in, then the panel switches to another document: it is fitted, not left at the old zoom.
    await page.click('button[title="Zoom in (+)"]');
    await page.click('button[title="Zoom in (+)"]');
    await page.click('button[title="Zoom in (+)"]');
    assert.ok(!(await graphInsideStage(page)));
    await post(page, renderMessage(exampleText(), { uri: 'file:///a/examples.json' }));
    assert.ok(await graphInsideStage(page), 'the new document is fitted');
    await page.close();
  },
);

test('renders the LSTM: one element per node and per edge, recurrence edges dashed', { skip }, async () => {
  const page = await openPage(browser!, 'light');
  const msg = renderMessage(lstm);
  const { model } = msg.cells[0];
  await post(page, msg);
  assert.equal(await count(page, '.cl-nodes > .cl-node'), model.nodes.length);
  assert.equal(model.nodes.length, 16);
  assert.equal(await count(page, '.cl-edges > .cl-edge'), model.edges.length);
  assert.equal(await count(page, '.cl-edge-recurrence'), 2);
  assert.equal(await count(page, '.cl-cat-linear.cl-node'), 4);
  // Every edge path has geometry; every node is focusable.
  const emptyPaths = await page.evaluate(
    () =>
      Array.from(document.querySelectorAll('.cl-edge-line')).filter((p) => !(p.getAttribute('d') ?? '').startsWith('M'))
        .length,
  );
  assert.equal(emptyPaths, 0);
  assert.equal(await count(page, '.cl-node[tabindex="0"]'), model.nodes.length);
  // The graph is inside the visible stage after the initial fit.
  assert.ok(await graphInsideStage(page), 'fit-to-view shows the whole graph');
  assert.ok(
    (await posted(page)).every((m) => m.type !== 'log'),
    'no warnings from the webview',
  );
  await page.close();
});

test('a re-render keeps the zoom transform; state is persisted', { skip }, async () => {
  const page = await openPage(browser!, 'dark');
  const msg = renderMessage(lstm);
  await post(page, msg);
  const fitted = await viewportTransform(page);
  await page.click('button[title="Zoom in (+)"]');
  await page.click('button[title="Zoom in (+)"]');
  const zoomed = await viewportTransform(page);
  assert.notEqual(zoomed, fitted, 'zooming changed the transform');
  // The document changes (one more node): the graph is redrawn, the transform stays.
  const edited = JSON.parse(lstm) as Record<string, unknown>;
  edited['extra'] = { op: 'activation_tanh', input: ['h_new_1'] };
  await post(page, renderMessage(JSON.stringify(edited)));
  assert.equal(await viewportTransform(page), zoomed);
  assert.equal(await count(page, '.cl-nodes > .cl-node'), 17);
  const state = await page.evaluate(
    () => (window as unknown as { __state: { zoom: Record<string, { k: number }>; selectedCell: number } }).__state,
  );
  assert.equal(state.selectedCell, 0);
  assert.ok(state.zoom['0'].k > 0, 'zoom saved with setState');
  // Keyboard: 0 fits the (edited) graph into the view again.
  await page.focus('.cl-graph');
  await page.keyboard.press('0');
  assert.notEqual(await viewportTransform(page), zoomed);
  assert.ok(await graphInsideStage(page), 'the whole graph is visible after 0');
  await page.close();
});

test(
  'highlight outlines a node; click and Enter reveal; stale dims; malformed messages are logged',
  { skip },
  async () => {
    const page = await openPage(browser!, 'light');
    await post(page, renderMessage(lstm));
    await post(page, { type: 'highlight', cellIndex: 0, node: 'f_act' });
    assert.deepEqual(
      await page.evaluate(() =>
        Array.from(document.querySelectorAll('.cl-highlight')).map((e) => e.getAttribute('data-name')),
      ),
      ['f_act'],
    );
    assert.ok((await count(page, '.cl-edge-hot')) >= 2, "the highlighted node's edges stand out");
    await page.click('.cl-node[data-name="o"]');
    let reveal = (await posted(page)).filter((m) => m.type === 'reveal');
    assert.deepEqual(reveal.at(-1), { type: 'reveal', cellIndex: 0, node: 'o' });
    assert.ok(reveal.every(isFromWebview));
    // Tab to the first node, Enter reveals it.
    await page.focus('.cl-node[data-name="x"]');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-name'));
    assert.ok(focused, 'Tab moves to the next node');
    assert.equal(await count(page, '.cl-tooltip:not([hidden])'), 1, 'focus shows the tooltip');
    await page.keyboard.press('Enter');
    reveal = (await posted(page)).filter((m) => m.type === 'reveal');
    assert.equal(reveal.at(-1)?.node, focused);
    // Stale: the last graph stays, dimmed, with the error.
    const stale = renderMessage(lstm, { stale: 'ValueExpected at line 4, column 9' });
    await post(page, stale);
    assert.equal(await count(page, '.cl-root.cl-stale'), 1);
    assert.match((await page.textContent('.cl-banner')) ?? '', /line 4, column 9/);
    assert.equal(await count(page, '.cl-nodes > .cl-node'), 16);
    await post(page, renderMessage(lstm));
    assert.equal(await count(page, '.cl-root.cl-stale'), 0);
    // Garbage is dropped and logged.
    await post(page, { type: 'render', version: 999, cells: [] });
    assert.ok((await posted(page)).some((m) => m.type === 'log' && m.level === 'warn'));
    assert.equal(await count(page, '.cl-nodes > .cl-node'), 16);
    await page.close();
  },
);

test('several cells: the picker switches cells and reports selectCell', { skip }, async () => {
  const page = await openPage(browser!, 'dark');
  const msg = renderMessage(exampleText());
  await post(page, msg);
  assert.equal(
    await page.evaluate(() => document.querySelectorAll('.cl-toolbar select')[0].querySelectorAll('option').length),
    10,
  );
  await page.selectOption('.cl-toolbar select >> nth=0', '2');
  assert.equal(await count(page, '.cl-nodes > .cl-node'), msg.cells[2].model.nodes.length);
  assert.deepEqual((await posted(page)).filter((m) => m.type === 'selectCell').at(-1), {
    type: 'selectCell',
    cellIndex: 2,
  });
  // A highlight in another cell switches to it.
  await post(page, { type: 'highlight', cellIndex: 1, node: 'h_new_0' });
  assert.equal(await count(page, '.cl-nodes > .cl-node'), msg.cells[1].model.nodes.length);
  assert.equal(await count(page, '.cl-highlight'), 1);
  await page.close();
});

test('heat-map: nodes coloured by the picked quantity, with a legend and the scores panel', { skip }, async () => {
  const page = await openPage(browser!, 'light');
  await post(page, renderMessage(lstm, { scores: () => lstmScores() }));
  assert.equal(await count(page, '.cl-heated'), 0, 'off by default');
  await page.selectOption('.cl-toolbar select >> nth=1', 'naswot');
  assert.equal(await count(page, '.cl-heated'), 13, 'the 13 op nodes carry a value');
  assert.equal(await count(page, '.cl-legend:not([hidden]) .cl-legend-bar'), 1);
  const fills = await page.evaluate(
    () =>
      new Set(Array.from(document.querySelectorAll('.cl-heated .cl-shape')).map((e) => getComputedStyle(e).fill)).size,
  );
  assert.ok(fills > 5, `distinct heat colours (${fills})`);
  assert.match((await page.textContent('.cl-side')) ?? '', /NASWOT\s*123\.4/);
  await page.close();
});

test(
  'heat-map from a real score report: the engine per-node quantities land on the matching nodes',
  { skip },
  async () => {
    await tf.setBackend('cpu');
    const recipe = JSON.parse(lstm) as Record<string, { op: string; input: string[] }>;
    const report = await scoreCell(recipe, {
      vocab: 40,
      embed: 6,
      hidden: 8,
      layers: 1,
      seqLen: 4,
      batch: 4,
      scores: ['grad_norm', 'naswot'],
      seed: 0,
      repeats: 1,
      backend: 'cpu',
    });
    const byOp = (pred: (op: string) => boolean) => Object.keys(recipe).filter((n) => pred(recipe[n].op));
    const linears = byOp((op) => op === 'linear');
    const activations = byOp((op) => op.startsWith('activation_'));
    assert.deepEqual(
      Object.keys(report.results[0].perNode ?? {}).sort(),
      [...linears].sort(),
      'grad_norm: one norm per linear node',
    );
    assert.deepEqual(
      Object.keys(report.results[1].perNode ?? {}).sort(),
      [...activations].sort(),
      'naswot: one diversity per activation node',
    );
    const page = await openPage(browser!, 'dark');
    await post(page, renderMessage(lstm, { scores: () => report }));
    await page.selectOption('.cl-toolbar select >> nth=1', 'grad_norm');
    const heated = () =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll('.cl-heated')).map(
          (e) => e.getAttribute('data-node') ?? e.querySelector('text')?.textContent ?? '',
        ),
      );
    assert.equal((await heated()).length, linears.length);
    await page.selectOption('.cl-toolbar select >> nth=1', 'naswot');
    assert.equal((await heated()).length, activations.length);
    await page.close();
  },
);

test('export: SVG with inlined styles and a PNG, posted as export messages', { skip }, async () => {
  const page = await openPage(browser!, 'dark');
  await post(page, renderMessage(lstm));
  await page.click('button[title="Export SVG"]');
  await page.click('button[title="Export PNG"]');
  await page.waitForFunction(() =>
    (window as unknown as { __posted: { type: string; format?: string }[] }).__posted.some(
      (m) => m.type === 'export' && m.format === 'png',
    ),
  );
  const exports = (await posted(page)).filter((m) => m.type === 'export');
  const svg = exports.find((m) => m.format === 'svg')!;
  const png = exports.find((m) => m.format === 'png')!;
  assert.ok(isFromWebview(svg) && isFromWebview(png));
  const text = String(svg.data);
  assert.ok(!text.includes('class='), 'styles are inlined, no classes left');
  assert.ok(!text.includes('var(--'), 'no CSS variables left');
  assert.equal((text.match(/<text/g) ?? []).length >= 16, true, 'labels present');
  assert.match(text, /fill="rgb\(/, 'computed colours inlined');
  const bytes = Buffer.from(String(png.data).slice('data:image/png;base64,'.length), 'base64');
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(bytes.length > 5000, `PNG has content (${bytes.length} bytes)`);
  // exportRequest from the extension answers the same way.
  await post(page, { type: 'exportRequest', format: 'svg' });
  assert.equal((await posted(page)).filter((m) => m.type === 'export' && m.format === 'svg').length, 2);
  await page.close();
});

test('the largest WikiText-2 cell renders without overlap of node elements', { skip }, async () => {
  const biggest = wikitextRecipes()
    .map((r) => ({ r, n: Object.keys(JSON.parse(r.text) as object).length }))
    .sort((a, b) => b.n - a.n)[0];
  const page = await openPage(browser!, 'light');
  const msg = renderMessage(biggest.r.text);
  await post(page, msg);
  assert.equal(await count(page, '.cl-nodes > .cl-node'), msg.cells[0].model.nodes.length);
  const overlaps = await page.evaluate(() => {
    const rs = Array.from(document.querySelectorAll('.cl-node .cl-shape')).map((e) => e.getBoundingClientRect());
    let n = 0;
    for (let i = 0; i < rs.length; i++)
      for (let j = i + 1; j < rs.length; j++) {
        const a = rs[i],
          b = rs[j];
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) n++;
      }
    return n;
  });
  assert.equal(overlaps, 0);
  await page.close();
});

test('screenshots for the docs (light and dark)', { skip }, async () => {
  mkdirSync(join(ROOT, 'docs/images'), { recursive: true });
  for (const theme of ['light', 'dark'] as const) {
    const page = await openPage(browser!, theme, { width: 1040, height: 700 });
    await post(page, renderMessage(lstm));
    await post(page, { type: 'highlight', cellIndex: 0, node: 'h_new_1' });
    await page.hover('.cl-node[data-name="h_new_1_act"]');
    await page.screenshot({ path: join(ROOT, `docs/images/graph-${theme}.png`) });
    await page.close();
  }
});
