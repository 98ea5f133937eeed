/**
 * Compare Two Cells in a real VS Code (code-server + headless Chromium, see harness.ts): the cells of examples.json
 * are scored, then the LSTM of lstm.json is compared with the GRU of examples.json through the palette's two quick
 * picks — the webview shows two graphs whose marked nodes are exactly the diff's (src/compare/diff.ts) and the
 * table of benchmark records and scores; "Compare with…" on lstm.json against the same LSTM in examples.json says
 * isomorphic and marks nothing. Screenshots in light and dark under test-results/e2e/; `CELL_LENS_E2E_DOCS=1` copies
 * the README's docs/images/e2e-compare-*.png from this run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { diffCells } from '../../src/compare/diff';
import { SCORES } from '../../src/scoring/types';
import { canonicalHash } from '../../src/recipe/canonical';
import { cellName } from '../../src/report/format';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import type { Cell } from '../../src/recipe/types';
import { ROOT, Session, e2eSuite, poll } from './harness';

const FIXTURES = join(ROOT, 'test/fixtures/workspace');
const FILES = ['examples.json', 'lstm.json'].map((f) => join(FIXTURES, f));
const EXAMPLES = parseDocument(readFileSync(join(FIXTURES, 'examples.json'), 'utf8')).cells;
const LSTM = parseDocument(readFileSync(join(FIXTURES, 'lstm.json'), 'utf8')).cells[0];
const GRU = EXAMPLES[2];
/** The name Cell Lens shows for a cell (known name, benchmark recipe id, or position), from the bundled index. */
const shown = async (c: Cell): Promise<string> => {
  const hash = canonicalHash(toRecipe(c));
  return cellName(c, hash, (await loadBenchmarkIndex()).lookup(hash));
};

/** The screenshots the README shows (see e2eSuite). */
const DOCS_IMAGES: Record<string, string> = {
  'e2e-compare-light': 'compare-a-lstm-gru-light',
  'e2e-compare-dark': 'compare-a-lstm-gru-dark',
};

let s: Session | undefined;
const { skip } = e2eSuite({
  files: FILES,
  theme: 'light',
  docsImages: DOCS_IMAGES,
  onCreated: (x) => {
    s = x;
  },
});

/** The frame of the compare webview (the document with `.cmp-root`), once it is there. */
const compareFrame = (): Promise<Frame> => s!.frameWith('.cmp-root');

/** Picks the quick-pick row whose label is `label` (typing it first to filter). */
async function pickRow(label: string, title: RegExp): Promise<void> {
  const p = s!.page;
  await p.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor();
  await p.locator('.quick-input-widget input').fill(label);
  const row = p
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) })
    .first();
  await row.waitFor();
  await row.click();
}

const names = (f: Frame, side: 'left' | 'right') =>
  f
    .locator(`.cmp-${side} .cl-node.cl-only`)
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-name') ?? '').sort());

test(
  'a: Compare Two Cells — LSTM (lstm.json) vs GRU (examples.json): two graphs, the differing nodes marked, the records and scores table',
  { skip },
  async () => {
    const p = s!.page;
    // Scores for the table: every cell of examples.json (the LSTM of lstm.json is the same cell as examples' cell 1,
    // so it shares the report through the canonical hash).
    await s!.openFile('lstm.json');
    await s!.openFile('examples.json');
    await s!.runCommand('Cell Lens: Score All Cells in This File');
    await s!.waitForNotification(/examples\.json: \d+ cells? scored/, 5 * 60_000);
    await s!.clearNotifications();

    await s!.runCommand('Cell Lens: Compare Two Cells', false);
    await pickRow(await shown(LSTM), /the first cell \(A\)/);
    await pickRow(await shown(GRU), /Compare with… \(B\)/);
    await p.mouse.move(5, 400);
    // The tab names the files and the cells.
    await p
      .locator('.tab', { hasText: `Compare: lstm.json ${await shown(LSTM)} ↔ examples.json ${await shown(GRU)}` })
      .waitFor();
    const f = await compareFrame();

    const d = diffCells(toRecipe(LSTM), toRecipe(GRU));
    assert.equal(d.isomorphic, false);
    assert.ok(
      d.left.onlyNodes.length > 0 && d.right.onlyNodes.length > 0,
      'fixture check: both sides have nodes of their own',
    );
    assert.equal(await f.locator('svg.cl-graph').count(), 2, 'two graphs');
    const left = await poll(
      () => names(f, 'left'),
      (v) => v.length === d.left.onlyNodes.length,
    );
    assert.deepEqual(left, [...d.left.onlyNodes].sort(), 'A: exactly the nodes only in the LSTM are marked');
    assert.deepEqual(
      await names(f, 'right'),
      [...d.right.onlyNodes].sort(),
      'B: exactly the nodes only in the GRU are marked',
    );
    assert.ok((await f.locator('.cmp-left .cl-node:not(.cl-only)').count()) > 0, 'A: matched nodes are drawn unmarked');
    assert.equal(await f.locator('.cmp-left .cl-edge.cl-only').count(), d.left.onlyEdges.length);
    assert.match(
      await f.locator('.cmp-summary').innerText(),
      new RegExp(
        `Not isomorphic: ${d.left.onlyNodes.length} nodes only in A, ${d.right.onlyNodes.length} nodes only in B`,
      ),
    );

    // The records table: both cells are WikiText-2 cells; the scores arrive from the cache.
    const rowText = (label: string) => f.locator(`.cmp-row[data-label="${label}"]`).innerText();
    assert.match(await rowText('test loss (mean final)'), /\d\.\d{3}[\s\S]*\d\.\d{3}/);
    assert.match(await rowText('rank'), /\d+ \/ \d+[\s\S]*\d+ \/ \d+/);
    await f.locator('.cmp-row[data-label="runs"]').waitFor();
    const naswot = f.locator(`.cmp-row[data-label="${SCORES.naswot.label}"]`);
    await naswot.waitFor({ timeout: 30_000 });
    const t = await poll(
      () => naswot.innerText(),
      (v) => !/not scored/.test(v),
    );
    assert.match(t, /\d+(st|nd|rd|th) pct[\s\S]*\d+(st|nd|rd|th) pct/, `NASWOT of both cells with percentiles: ${t}`);
    assert.match((await naswot.getAttribute('data-better')) ?? '', /^(left|right|tie)$/);
    assert.match(await rowText('predicted test loss'), /\d\.\d\d \[\d\.\d\d, \d\.\d\d\]/);
    // At half width the two graphs sit side by side (larger than stacked for these cells), each with every node.
    assert.equal(await f.locator('.cmp-panes[data-arrangement="columns"]').count(), 1);
    await s!.shoot('compare-a-lstm-gru');
  },
);

test(
  'b: "Compare with…" — lstm.json against the same LSTM in examples.json is isomorphic, nothing marked',
  { skip },
  async () => {
    const p = s!.page;
    const same = EXAMPLES[1];
    assert.equal(diffCells(toRecipe(LSTM), toRecipe(same)).isomorphic, true, 'fixture check');
    await s!.openFile('lstm.json');
    await s!.runCommand('Cell Lens: Compare with…', false);
    await pickRow(await shown(same), /Compare with… \(B\)/);
    await p.mouse.move(5, 400);
    await p
      .locator('.tab', { hasText: `Compare: lstm.json ${await shown(LSTM)} ↔ examples.json ${await shown(same)}` })
      .waitFor();
    const f = await compareFrame();
    const summary = await poll(
      () => f.locator('.cmp-summary').innerText(),
      (v) => /^Isomorphic/.test(v),
    );
    assert.match(summary, /^Isomorphic/);
    assert.equal(await f.locator('.cl-node.cl-only, .cl-edge.cl-only').count(), 0);
    assert.equal(await f.locator('.cmp-left .cl-node').count(), await f.locator('.cmp-right .cl-node').count());
    assert.equal(await f.locator('.cmp-row[data-label="rank"]').getAttribute('data-better'), 'tie');
    await s!.shoot('compare-b-isomorphic', { both: false });
  },
);
