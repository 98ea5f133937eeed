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
import { Session, e2eSuite } from './harness';
import { candidateCells } from '../../testkit/data';

const scratch = mkdtempSync(join(tmpdir(), 'cell-lens-bigfile-e2e-'));
const FILE = join(scratch, 'candidates.json');
// The candidates file of bench/host.ts: 942 distinct cells of the search space, drawn again to 2,000 (~1.5 MB).
const text = JSON.stringify(candidateCells(), null, 2);
writeFileSync(FILE, text);
const LINES = text.split('\n').length;

let s: Session | undefined;
const { skip } = e2eSuite({
  files: [FILE],
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
