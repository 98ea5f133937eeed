/**
 * The cells table in a real VS Code (code-server + headless Chromium, see harness.ts): the one-line examples.json
 * shows one "10 cells on this line · open table" lens instead of stacked lenses; Show Cells Table lists the ten cells
 * with their benchmark losses; sorting, the filter and the keyboard work in the webview; a row click selects its cell
 * in the editor; scores arrive live; the CSV export is written; Format as One Cell per Line gives each cell its own
 * lenses; the workspace table lists every file's cells. Screenshots in light and dark under test-results/e2e/;
 * `CELL_LENS_E2E_DOCS=1` copies the README's docs/images/e2e-table-dark.png from this run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { cellName } from '../../src/report/format';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { ROOT, Session, e2eSuite, poll, sleepMs } from './harness';

const FIXTURES = join(ROOT, 'test/fixtures/workspace');
const FILES = ['examples.json', 'lstm.json'].map((f) => join(FIXTURES, f));
const EXAMPLES = readFileSync(join(FIXTURES, 'examples.json'), 'utf8');
const CELLS = parseDocument(EXAMPLES).cells;
const RECIPES = JSON.parse(EXAMPLES) as Record<string, { op: string }>[];
/** The names Cell Lens shows for the cells (known name, benchmark recipe id, or position), from the bundled index. */
const shownNames = async (): Promise<string[]> => {
  const index = await loadBenchmarkIndex();
  return CELLS.map((c) => {
    const hash = canonicalHash(toRecipe(c));
    return cellName(c, hash, index.lookup(hash));
  });
};

/** The screenshot the README shows (see e2eSuite). */
const DOCS_IMAGES: Record<string, string> = {
  'e2e-table-dark': 'table-d-scored-dark',
};

let s: Session | undefined;
const { skip } = e2eSuite({
  files: FILES,
  theme: 'dark',
  docsImages: DOCS_IMAGES,
  onCreated: (x) => {
    s = x;
  },
});

const column = (f: Frame, id: string) =>
  f.$$eval(`tbody td[data-column="${id}"]`, (tds) => tds.map((td) => td.textContent ?? ''));

test('a: the one-line examples.json shows one short lens, not ten stacks of lenses', { skip }, async () => {
  await s!.openFile('examples.json');
  assert.equal(EXAMPLES.trim().split('\n').length, 1, 'fixture: one line');
  const lens = await s!.waitForLens(/10 cells on this line · open table/, 30_000);
  assert.equal(lens.trim(), '10 cells on this line · open table');
  await sleepMs(1500); // the benchmark loads: the lenses would be re-provided now
  const lenses = await s!.lensTexts();
  assert.equal(lenses.join(' | ').split('|').length, 1, `one lens only: ${JSON.stringify(lenses)}`);
  await s!.shoot('table-a-one-line-lens');
});

test(
  'b: Show Cells Table — ten rows with their losses; sorting by click and by keyboard; the filter',
  { skip },
  async () => {
    await s!.runCommand('Cell Lens: Show Cells Table');
    await s!.page.locator('.tab', { hasText: 'Cells: examples.json' }).waitFor();
    const f = await s!.tableFrame('examples.json');
    await f.locator('tbody tr').first().waitFor();
    assert.equal(await f.locator('tbody tr').count(), CELLS.length);
    // Named once the benchmark index is loaded (recipe ids come from it).
    const want = await shownNames();
    assert.deepEqual(
      await poll(
        () => column(f, 'cell'),
        (c) => JSON.stringify(c) === JSON.stringify(want),
      ),
      want,
    );
    // The benchmark knows most example cells: their test losses show once the index is loaded.
    const losses = await poll(
      () => column(f, 'testLoss'),
      (l) => l.filter((x) => /^\d\.\d{3}$/.test(x)).length >= 5,
    );
    const known = losses.filter((x) => /^\d\.\d{3}$/.test(x)).map(Number);
    assert.ok(known.length >= 5, JSON.stringify(losses));
    await f.click('th[data-column="testLoss"] button');
    assert.equal(await f.getAttribute('th[data-column="testLoss"]', 'aria-sort'), 'ascending');
    const sorted = (await column(f, 'testLoss')).filter((x) => x !== '—').map(Number);
    assert.deepEqual(
      sorted,
      [...known].sort((a, b) => a - b),
    );
    // Keyboard: Tab from the filter goes through the toolbar to the headers; Enter on "Nodes" sorts by it.
    await f.focus('th[data-column="nodes"] button');
    await s!.page.keyboard.press('Enter');
    assert.equal(await f.getAttribute('th[data-column="nodes"]', 'aria-sort'), 'ascending');
    const nodes = (await column(f, 'nodes')).map(Number);
    assert.deepEqual(
      nodes,
      CELLS.map((c) => c.nodes.length).sort((a, b) => a - b),
    );
    // The filter: cells with a blend node.
    const withBlend = RECIPES.filter((r) => Object.values(r).some((n) => n.op === 'blend')).length;
    assert.ok(withBlend > 0 && withBlend < CELLS.length, 'fixture: some cells blend');
    await f.fill('.ct-filter', 'blend');
    assert.equal(
      await poll(
        () => f.locator('tbody tr').count(),
        (n) => n === withBlend,
      ),
      withBlend,
    );
    assert.match((await f.textContent('.ct-count')) ?? '', new RegExp(`^${withBlend} of ${CELLS.length} cells$`));
    await s!.shoot('table-b-filtered');
    await f.fill('.ct-filter', '');
    await f.click('th[data-column="cell"] button'); // back to the file order
    assert.deepEqual(await column(f, 'cell'), await shownNames());
  },
);

test('c: a click on a row selects its cell in the editor', { skip }, async () => {
  const f = await s!.tableFrame('examples.json');
  const cell = CELLS[3];
  // The fourth row (file order): its name is the fourth cell's (cell 3 is a second RNN, so pick the row by position).
  const row = f.locator('tbody tr').nth(3);
  assert.equal((await row.locator('td[data-column="cell"]').innerText()).trim(), (await shownNames())[3]);
  await row.click();
  // The status bar: the cursor at the cell's end, its whole object selected.
  const sel = s!.page.locator('[id="status.editor.selection"]');
  const text = await poll(
    () => sel.innerText().catch(() => ''),
    (t) => t.includes('selected'),
  );
  assert.match(text, new RegExp(`Ln 1, Col ${cell.span.end + 1} \\(${cell.span.end - cell.span.start} selected\\)`));
  await s!.shoot('table-c-revealed', { both: false });
});

test(
  'd: Score This Cell — the table shows the scores, percentiles and the predicted loss as they arrive',
  { skip, timeout: 300_000 },
  async () => {
    await s!.focusEditor();
    await s!.page.keyboard.press('Control+Home');
    await s!.runCommand('Cell Lens: Score This Cell');
    const f = await s!.tableFrame('examples.json');
    const preset = await poll(
      () => column(f, 'preset'),
      (p) => p[0] === 'proxy',
      240_000,
    );
    assert.equal(preset[0], 'proxy', `cell 0 scored at the proxy preset: ${JSON.stringify(preset)}`);
    const hc = (await column(f, 'score:hidden_cov'))[0];
    assert.match(hc, /^[-−]?\d[\d.e−-]*\d+(st|nd|rd|th)$/, `HiddenCov with its percentile: ${hc}`);
    assert.match((await column(f, 'predicted'))[0], /^\d\.\d\d \[\d\.\d\d, \d\.\d\d\]$/);
    // Copies of cell 0 (same canonical hash) share its report; other cells are still unscored.
    assert.ok((await column(f, 'preset')).filter((p) => p === 'not scored').length >= 1);
    await s!.clearNotifications();
    await f.click('th[data-column="score:hidden_cov"] button');
    await s!.shoot('table-d-scored');
  },
);

test('e: Export CSV — the save dialog, then a CSV of the rows shown', { skip }, async () => {
  const p = s!.page;
  const f = await s!.tableFrame('examples.json');
  await f.click('th[data-column="cell"] button');
  await f.click('.ct-button:has-text("Export CSV")');
  // code-server's save dialog is a quick input with the path filled in (examples-cells.csv beside the file).
  const input = p.locator('.quick-input-widget input');
  await input.waitFor();
  await poll(
    () => input.inputValue(),
    (v) => v.endsWith('examples-cells.csv'),
    10_000,
  );
  await p.keyboard.press('Enter');
  await s!.waitForNotification(/10 rows exported to examples-cells\.csv/, 20_000);
  const file = join(s!.workspace, 'examples-cells.csv');
  await poll(
    () => Promise.resolve(existsSync(file)),
    (v) => v,
    10_000,
  );
  const lines = readFileSync(file, 'utf8').trim().split('\r\n');
  assert.equal(lines.length, 1 + CELLS.length);
  assert.match(lines[0], /^file,cell,index,line,valid,errors,nodes,hash,dataset,test_loss,/);
  assert.match(lines[0], /,hidden_cov,hidden_cov_percentile/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(',')[1]),
    await shownNames(),
  );
  await s!.clearNotifications();
});

test(
  'f: Format as One Cell per Line — each cell gets its own lenses; the table follows the edit',
  { skip },
  async () => {
    await s!.focusEditor();
    await s!.runCommand('Cell Lens: Format as One Cell per Line');
    const lenses = await poll(
      () => s!.lensTexts(),
      (l) => l.filter((t) => /WikiText-2 test loss|not in benchmark/.test(t)).length === CELLS.length,
      30_000,
    );
    assert.equal(
      lenses.filter((t) => /WikiText-2 test loss|not in benchmark/.test(t)).length,
      CELLS.length,
      JSON.stringify(lenses),
    );
    assert.ok(!lenses.some((t) => /cells on this line/.test(t)));
    const lines = await s!.editor.locator('.view-lines .view-line').count();
    assert.ok(lines >= CELLS.length + 2, `the file has one cell per line now (${lines} lines shown)`);
    const f = await s!.tableFrame('examples.json');
    const rowLines = await poll(
      () => f.$$eval('tbody td[data-column="cell"]', (tds) => tds.map((td) => (td as HTMLElement).title)),
      (t) => t.some((x) => /line 3\b/.test(x)),
    );
    assert.ok(
      rowLines.some((x) => /line 3\b/.test(x)),
      `the rows know their new lines: ${JSON.stringify(rowLines)}`,
    );
    await s!.shoot('table-f-one-per-line');
  },
);

test('g: Show Workspace Cells Table — every cell of every JSON file, with its file', { skip }, async () => {
  await s!.runCommand('Cell Lens: Show Workspace Cells Table');
  await s!.page.locator('.tab', { hasText: 'Cells: workspace' }).waitFor();
  const f = await s!.tableFrame('workspace');
  const want = CELLS.length + 1; // lstm.json holds one cell
  assert.equal(
    await poll(
      () => f.locator('tbody tr').count(),
      (n) => n === want,
    ),
    want,
  );
  const files = await column(f, 'file');
  assert.deepEqual([...new Set(files)].sort(), ['examples.json', 'lstm.json']);
  await s!.shoot('table-g-workspace', { both: false });
});
