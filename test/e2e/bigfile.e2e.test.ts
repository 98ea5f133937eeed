/**
 * A 2,000-cell candidates file in the real editor (issue 15, defect 5): the parse runs on a worker thread and the
 * CodeLens provider builds in full only the cells in view, giving the others placeholders that VS Code resolves
 * (resolveCodeLens) when they scroll into view. This checks what the unit tests cannot: that VS Code really shows
 * the lenses at the top, resolves the placeholders of a cell far down once it is scrolled to and then shows all of
 * that cell's lenses, that the diagnostics of the off-thread parse reach the Problems panel, and that no
 * "unresponsive" notification appears. Own Session, in the pattern of editor.e2e.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, e2eSuite, poll } from './harness';
import { candidateCells, rng } from '../../testkit/data';
import { randomCell } from '../../src/search/space';

const scratch = mkdtempSync(join(tmpdir(), 'cell-lens-bigfile-e2e-'));
const FILE = join(scratch, 'candidates.json');
// The candidates file of bench/host.ts: 942 distinct cells of the search space, drawn again to 2,000 (~1.5 MB).
const text = JSON.stringify(candidateCells(), null, 2);
writeFileSync(FILE, text);
const LINES = text.split('\n').length;
// The 5,000-cell file of bench/host.ts (issue "What a new user met", item 1): random cells of the search space.
const TABLE_FILE = join(scratch, 'cells-5000.json');
const TABLE_CELLS = 5000;
const tableRng = rng(5000);
writeFileSync(
  TABLE_FILE,
  JSON.stringify(
    Array.from({ length: TABLE_CELLS }, () => randomCell(tableRng)),
    null,
    2,
  ),
);

let s: Session | undefined;
const { skip, report } = e2eSuite({
  files: [FILE, TABLE_FILE],
  theme: 'light',
  onCreated: (x) => {
    s = x;
  },
  cleanup: () => rmSync(scratch, { recursive: true, force: true }),
});

test(
  'a 2,000-cell file: lenses in view, placeholders resolved when scrolled to, diagnostics published, no unresponsive host',
  { skip, timeout: 10 * 60_000 },
  async () => {
    const p = s!.page;
    await s!.openFile('candidates.json');
    // The first cell: every lens (benchmark or not-in-benchmark, graph, score) on its line.
    const top = await s!.waitForLens(/graph/, 60_000);
    assert.match(top, /benchmark/);
    assert.match(top, /Score/);
    // The warnings of the random cells, from the parse on the worker thread.
    let counts = await s!.problemCounts();
    for (let t0 = Date.now(); counts.warnings === 0 && Date.now() - t0 < 60_000; counts = await s!.problemCounts())
      await p.waitForTimeout(500);
    assert.ok(counts.warnings > 100, `the Problems item counts the cells' warnings: ${counts.label}`);
    await s!.shoot('bigfile-top', { both: false });

    // Far down: the lenses there were placeholders; scrolled into view, they resolve and the cell gets all its lenses.
    // The opening line of a cell 70 % down (its lenses sit above it; go-to-line puts it mid-screen).
    const all = text.split('\n');
    const line = all.findIndex((l, i) => i >= LINES * 0.7 && l === '  {') + 1;
    assert.ok(line > 0);
    await s!.focusEditor();
    await p.keyboard.press('Control+G');
    const input = p.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`:${line}`);
    await p.keyboard.press('Enter');
    await s!.editor
      .locator('.line-numbers', { hasText: new RegExp(`^${line}$`) })
      .first()
      .waitFor({ timeout: 30_000 });
    // (Lens widgets scrolled out of view stay in the page, hidden: only the visible ones count.)
    const shown = s!.editor.locator('.codelens-decoration:visible').filter({ hasText: /graph/ }).first();
    try {
      await shown.waitFor({ timeout: 60_000 });
    } finally {
      await s!.shoot('bigfile-scrolled', { both: false });
    }
    const far = await shown.innerText();
    assert.match(far, /benchmark/);
    assert.match(far, /Score/);
    const lines = await s!.editor.locator('.line-numbers').allInnerTexts();
    assert.ok(
      lines.some((l) => Number(l) > LINES * 0.6),
      `the editor shows the lines near ${line}: ${lines.slice(0, 3).join(', ')}…`,
    );
    const bad = (await s!.notifications()).filter((m) => /unresponsive/i.test(m));
    assert.deepEqual(bad, [], 'no "extension host unresponsive" notification');
  },
);

test(
  "a 5,000-cell file's cells table: the first rows while the rest arrive, every row, a sort of all 5,000, no unresponsive host",
  { skip, timeout: 10 * 60_000 },
  async () => {
    await s!.runCommand('View: Close All Editor Groups');
    const opened = Date.now();
    await s!.openFile('cells-5000.json');
    // The file is analysed (off the host, on the parse thread) when its first lenses show.
    await s!.waitForLens(/graph/, 120_000);
    const analysed = Date.now() - opened;
    const t0 = Date.now();
    await s!.runCommand('Cell Lens: Show Cells Table');
    const f = await s!.tableFrame('cells-5000.json', 60_000);
    await f.locator('tbody tr').first().waitFor({ timeout: 60_000 });
    const firstRows = Date.now() - t0;
    // Every row arrives (in pages); the count says so when the last one has.
    const count = await poll(
      () => f.locator('.ct-count').innerText(),
      (c) => c === '5,000 cells' || c === `${TABLE_CELLS} cells`,
      120_000,
    );
    const allRows = Date.now() - t0;
    assert.match(count, /^5,?000 cells$/);
    // Only the rows in view are in the page (virtualised), not 5,000 <tr>.
    const drawn = await f.locator('tbody tr').count();
    assert.ok(drawn > 0 && drawn < 200, `rows drawn: ${drawn}`);
    // Sort all 5,000 by node count: the rows in view are in order, the smallest first.
    const t1 = Date.now();
    await f.click('th[data-column="nodes"] button');
    assert.equal(await f.getAttribute('th[data-column="nodes"]', 'aria-sort'), 'ascending');
    const nodes = (
      await f.$$eval('tbody td[data-column="nodes"]', (tds) => tds.map((td) => Number(td.textContent)))
    ).filter((n) => Number.isFinite(n));
    const sortMs = Date.now() - t1;
    assert.ok(nodes.length > 0);
    assert.deepEqual(
      nodes,
      [...nodes].sort((a, b) => a - b),
      'sorted by nodes',
    );
    await s!.shoot('bigfile-table-5000', { both: false });
    const bad = (await s!.notifications()).filter((m) => /unresponsive/i.test(m));
    assert.deepEqual(bad, [], 'no "extension host unresponsive" notification');
    report(
      `5,000-cell table: the file opened and analysed in ${analysed} ms; from the command: first rows after ${firstRows} ms, all rows after ${allRows} ms; sort by nodes shown in ${sortMs} ms (wall time in code-server, palette and frame polling included; not asserted)`,
    );
  },
);
