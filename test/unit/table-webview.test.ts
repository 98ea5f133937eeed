/**
 * Renders the cells-table webview bundle (dist/table.js) in headless Chromium on test/fixtures/table/page.html with
 * rows built from real cells, the bundled benchmark index and the reference probes' scores; drives it with the mouse
 * and the keyboard and checks the DOM and what it posts back. Screenshots go to test-results/table/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launch } from '../../testkit/graph-browser';
import { ROOT, benchmarkIndex, probeReports, sourcesOf, tableText } from '../fixtures/table/data';
import { buildRows, filterRows, tableColumns } from '../../src/table/rows';
import {
  TABLE_PAGE_ROWS,
  TABLE_PROTOCOL_VERSION,
  isFromTableWebview,
  type TableRenderMessage,
} from '../../src/table/protocol';

const missing = chromiumMissing();
const skip = missing ? `skipped: ${missing}` : false;
let browser: Browser | undefined;

const reports = probeReports();
const rows = buildRows(sourcesOf(tableText()), {
  benchmark: (h) => benchmarkIndex().lookup(h),
  report: (h) => reports.get(h),
});
const message: TableRenderMessage = {
  type: 'render',
  version: TABLE_PROTOCOL_VERSION,
  id: 1,
  total: rows.length,
  scope: 'file',
  title: 'cells.json',
  columns: tableColumns(rows, 'file', [...reports.values()]),
  rows,
  note: '13 cells · 4 of 13 scored',
  crowdedLines: 1,
};

before(async () => {
  if (missing) return;
  const esbuild = await import('esbuild');
  await esbuild.build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    entryPoints: [join(ROOT, 'webview/table.ts')],
    outfile: join(ROOT, 'dist/table.js'),
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function open(theme: 'light' | 'dark', state?: unknown): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 560 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  if (state)
    await page.addInitScript((s) => {
      (window as unknown as { __state: unknown }).__state = s;
    }, state);
  await page.goto(pathToFileURL(join(ROOT, 'test/fixtures/table/page.html')).href + `?theme=${theme}`);
  await page.waitForFunction(() =>
    (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'),
  );
  await page.evaluate((m) => window.postMessage(m, '*'), JSON.parse(JSON.stringify(message)) as never);
  await page.waitForSelector('tbody tr');
  assert.deepEqual(errors, []);
  return page;
}

const posted = (page: Page) =>
  page.evaluate(() => (window as unknown as { __posted: { type: string; [k: string]: unknown }[] }).__posted);
const column = (page: Page, id: string) =>
  page.$$eval(`tbody td[data-column="${id}"]`, (tds) => tds.map((td) => td.textContent ?? ''));
const labels = (page: Page) => column(page, 'cell');

test('one row per cell, a header per column, scores with their percentile, the predicted loss', { skip }, async () => {
  const page = await open('light');
  assert.equal(await page.locator('tbody tr').count(), rows.length);
  assert.deepEqual(
    await page.$$eval('thead th', (ths) => ths.map((th) => th.getAttribute('data-column'))),
    message.columns.map((c) => c.id),
  );
  assert.deepEqual(
    await labels(page),
    rows.map((r) => r.label),
  );
  const losses = await column(page, 'testLoss');
  rows.forEach((r, i) =>
    assert.equal(losses[i], r.benchmark?.testLoss !== undefined ? r.benchmark.testLoss.toFixed(3) : '—'),
  );
  // The first probe: its HiddenCov value and percentile chip, its prediction with the interval.
  const hc = rows[0].scores.hidden_cov;
  assert.equal((await column(page, 'score:hidden_cov'))[0], `${hc.text}${Math.round(hc.percentile!)}th`);
  assert.match((await column(page, 'predicted'))[0], /^\d\.\d\d \[\d\.\d\d, \d\.\d\d\]$/);
  assert.equal((await column(page, 'preset'))[0], 'proxy');
  assert.equal((await column(page, 'preset'))[5], 'not scored');
  assert.equal(
    await page.locator('th[aria-sort="ascending"][data-column="cell"]').count(),
    1,
    'file order, said with aria-sort',
  );
  assert.equal(
    await page.locator('.ct-button:not([hidden])', { hasText: 'One cell per line' }).count(),
    1,
    'offered: a line holds several cells',
  );
  await page.close();
});

test(
  'sorting: a header click sorts (best first for a higher-is-better score), a second click reverses; Enter on a header sorts too',
  { skip },
  async () => {
    const page = await open('dark');
    await page.click('th[data-column="testLoss"] button');
    assert.equal(await page.getAttribute('th[data-column="testLoss"]', 'aria-sort'), 'ascending');
    assert.equal(await page.locator('th[aria-sort]').count(), 1);
    const nums = (xs: string[]) => xs.filter((x) => x !== '—').map(Number);
    let l = nums(await column(page, 'testLoss'));
    assert.deepEqual(
      l,
      [...l].sort((a, b) => a - b),
    );
    assert.equal(
      (await column(page, 'testLoss')).slice(l.length).every((x) => x === '—'),
      true,
      'unknown cells last',
    );
    await page.click('th[data-column="testLoss"] button');
    assert.equal(await page.getAttribute('th[data-column="testLoss"]', 'aria-sort'), 'descending');
    l = nums(await column(page, 'testLoss'));
    assert.deepEqual(
      l,
      [...l].sort((a, b) => b - a),
    );
    // Keyboard: focus the NASWOT header's button, Enter — higher is better, so the best come first.
    await page.focus('th[data-column="score:naswot"] button');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('th[data-column="score:naswot"]', 'aria-sort'), 'descending');
    const order = (await labels(page)).slice(0, 4);
    const want = rows
      .filter((r) => r.scores.naswot)
      .sort((a, b) => b.scores.naswot.value! - a.scores.naswot.value! || a.index - b.index)
      .map((r) => r.label);
    assert.deepEqual(order, want);
    const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual(
      state,
      { sort: { column: 'score:naswot', dir: 'desc' }, filter: '' },
      'the sort is kept with setState',
    );
    await page.close();
  },
);

test(
  'the filter keeps the matching rows and says how many; Escape clears it; a saved state is restored',
  { skip },
  async () => {
    const page = await open('light');
    await page.fill('.ct-filter', 'blend');
    const want = filterRows(rows, 'blend').map((r) => r.label);
    assert.ok(want.length > 0 && want.length < rows.length);
    assert.deepEqual(await labels(page), want);
    assert.equal(await page.textContent('.ct-count'), `${want.length} of ${rows.length} cells`);
    await page.fill('.ct-filter', 'no-such-cell');
    assert.equal(await page.locator('tbody tr').count(), 0);
    assert.equal(await page.isVisible('.ct-empty'), true);
    await page.focus('.ct-filter');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('tbody tr').count(), rows.length);
    await page.close();
    const restored = await open('dark', { sort: { column: 'nodes', dir: 'desc' }, filter: 'activation_sigm' });
    const nodes = (await column(restored, 'nodes')).map(Number);
    assert.deepEqual(
      nodes,
      filterRows(rows, 'activation_sigm')
        .map((r) => r.nodes)
        .sort((a, b) => b - a),
    );
    assert.equal(await restored.inputValue('.ct-filter'), 'activation_sigm');
    await restored.close();
  },
);

test(
  'click or Enter on a row asks to reveal its cell; arrows move between rows; the exports carry the view',
  { skip },
  async () => {
    const page = await open('light');
    await page.click('tbody tr:nth-child(3) td[data-column="nodes"]');
    let reveal = (await posted(page)).filter((m) => m.type === 'reveal');
    assert.deepEqual(reveal.at(-1), { type: 'reveal', key: rows[2].key });
    // Keyboard: from the filter, ↓ enters the rows; ↓ ↓ End ↑ then Enter.
    await page.focus('.ct-filter');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.key), rows[0].key);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    reveal = (await posted(page)).filter((m) => m.type === 'reveal');
    assert.deepEqual(reveal.at(-1), { type: 'reveal', key: rows[rows.length - 2].key });
    assert.equal(await page.locator('tbody tr[tabindex="0"]').count(), 1, 'one row in the tab order (roving tabindex)');
    // Tab from the last toolbar button reaches the headers: every header is a button.
    assert.equal(await page.locator('thead th button').count(), message.columns.length);
    await page.fill('.ct-filter', 'blend');
    await page.click('th[data-column="rank"] button');
    await page.click('.ct-button:has-text("Export CSV")');
    await page.click('.ct-button:has-text("Export JSON")');
    const exports = (await posted(page)).filter((m) => m.type === 'export');
    assert.deepEqual(exports, [
      { type: 'export', format: 'csv', filter: 'blend', sort: { column: 'rank', dir: 'asc' } },
      { type: 'export', format: 'json', filter: 'blend', sort: { column: 'rank', dir: 'asc' } },
    ]);
    await page.click('.ct-button:has-text("Score all")');
    assert.deepEqual((await posted(page)).at(-1), { type: 'command', command: 'score' });
    assert.ok((await posted(page)).every(isFromTableWebview), 'every message validates on the host side');
    await page.close();
  },
);

test(
  'a malformed message is dropped and logged; a re-render keeps sort, filter and the focused row',
  { skip },
  async () => {
    const page = await open('dark');
    await page.evaluate(() => window.postMessage({ type: 'render', version: 999, rows: [] }, '*'));
    await page.waitForFunction(() =>
      (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'log'),
    );
    const log = (await posted(page)).find((m) => m.type === 'log')!;
    assert.equal(log.level, 'warn');
    assert.equal(await page.locator('tbody tr').count(), rows.length, 'the table is untouched');
    await page.click('th[data-column="nodes"] button');
    await page.fill('.ct-filter', 'activation_tanh');
    const before = await labels(page);
    // Scores arrive: the host sends the rows again (one more cell scored) — the view stays as the user left it.
    const scoredAll = buildRows(sourcesOf(tableText()), {
      benchmark: (h) => benchmarkIndex().lookup(h),
      report: (h) => reports.get(h) ?? [...reports.values()][0],
    });
    await page.evaluate(
      (m) => window.postMessage(m, '*'),
      JSON.parse(JSON.stringify({ ...message, rows: scoredAll, columns: tableColumns(scoredAll, 'file') })) as never,
    );
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('tbody td[data-column="preset"]')).every((td) => td.textContent === 'proxy'),
    );
    assert.deepEqual(await labels(page), before);
    assert.equal(await page.inputValue('.ct-filter'), 'activation_tanh');
    await page.close();
  },
);

test('screenshots (light and dark) to test-results/table/', { skip }, async () => {
  const dir = join(ROOT, 'test-results', 'table');
  mkdirSync(dir, { recursive: true });
  for (const theme of ['light', 'dark'] as const) {
    const page = await open(theme);
    await page.click('th[data-column="score:hidden_cov"] button');
    await page.screenshot({ path: join(dir, `table-${theme}.png`) });
    await page.close();
  }
});

test(
  'a 5,000-row table: the first page shows before the others arrive; only a window of rows is in the page; sort, End and scrolling reach any row',
  { skip },
  async () => {
    // 5,000 rows: the 13 real ones repeated (keys, indices and labels made unique), in pages as the host sends them.
    const big = Array.from({ length: 5000 }, (_, i) => {
      const r = rows[i % rows.length];
      return { ...r, key: `${r.uri}#${i}`, index: i, label: `cell ${i}`, line: i };
    });
    const pages: (typeof big)[] = [];
    for (let i = 0; i < big.length; i += TABLE_PAGE_ROWS) pages.push(big.slice(i, i + TABLE_PAGE_ROWS));
    const page = await browser!.newPage({ viewport: { width: 1400, height: 560 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(join(ROOT, 'test/fixtures/table/page.html')).href + '?theme=dark');
    await page.waitForFunction(() =>
      (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'),
    );
    const post = (m: unknown) =>
      page.evaluate((x) => window.postMessage(x, '*'), JSON.parse(JSON.stringify(m)) as never);
    const columns = tableColumns(big, 'file', [...reports.values()]);
    await post({ ...message, id: 7, total: big.length, columns, rows: pages[0], note: undefined });
    await page.waitForSelector('tbody tr.ct-row');
    assert.equal((await labels(page))[0], 'cell 0', 'the first rows show at once');
    assert.match((await page.textContent('.ct-count'))!, /loading: 200 of 5000/);
    for (const p of pages.slice(1))
      await post({ type: 'rows', version: TABLE_PROTOCOL_VERSION, id: 7, columns, rows: p });
    // A page of another table is ignored.
    await post({ type: 'rows', version: TABLE_PROTOCOL_VERSION, id: 6, columns, rows: [{ ...big[0], key: 'x#1' }] });
    await page.waitForFunction(() => document.querySelector('.ct-count')?.textContent === '5000 cells');
    const drawn = await page.locator('tbody tr.ct-row').count();
    assert.ok(drawn > 10 && drawn <= 150, `a window of rows in the page, not 5,000 (${drawn})`);
    assert.equal(await page.getAttribute('table', 'aria-rowcount'), '5001');
    assert.equal(await page.getAttribute('tbody tr.ct-row', 'aria-rowindex'), '2');
    // Sort by Nodes, descending: the first drawn rows are the biggest cells.
    await page.click('th[data-column="nodes"] button');
    await page.click('th[data-column="nodes"] button');
    const most = Math.max(...big.map((r) => r.nodes));
    assert.ok((await column(page, 'nodes')).slice(0, 5).every((x) => Number(x) === most));
    assert.ok((await page.locator('tbody tr.ct-row').count()) <= 150);
    // Keyboard: End reaches the last of the 5,000 rows (drawn on demand, focused, in view).
    await page.click('th[data-column="cell"] button');
    await page.focus('.ct-filter');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.key), big.at(-1)!.key);
    assert.equal(await page.getAttribute('tr:focus', 'aria-rowindex'), '5001');
    // Scrolling to the middle draws the rows there.
    await page.evaluate(() => {
      const s = document.querySelector('.ct-scroll')!;
      s.scrollTop = s.scrollHeight / 2;
    });
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('tbody td[data-column="cell"]')).some((td) =>
        /^cell 25\d\d/.test(td.textContent ?? ''),
      ),
    );
    assert.ok((await page.locator('tbody tr.ct-row').count()) <= 150);
    await page.close();
  },
);
