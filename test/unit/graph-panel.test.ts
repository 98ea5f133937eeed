/**
 * The graph panel follows the active editor (one panel, not one per file) and can be pinned: driven through the
 * real commands and editor events of src/webviews/graph/panel.ts on the recording VS Code host (testkit/fake-vscode).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFakeVscode, TextDocument, Uri, type FakePanel } from '../../testkit/fake-vscode';
import { exampleText } from '../../testkit/graph-cells';

const host = installFakeVscode();
const { registerGraphView } =
  require('../../src/webviews/graph/panel') as typeof import('../../src/webviews/graph/panel');
const { registerCommands } = require('../../src/editor/commands') as typeof import('../../src/editor/commands');
const { parseDocument } = require('../../src/recipe/parse') as typeof import('../../src/recipe/parse');
const { CommandDocuments } =
  require('../../src/editor/commandDocument') as typeof import('../../src/editor/commandDocument');
const { AnalysisCache } = require('../../src/editor/analysis') as typeof import('../../src/editor/analysis');
import type { RenderMessage } from '../../src/graph/protocol';
import type { Cell } from '../../src/recipe/types';
import { randomCell } from '../../src/search/space';
import { rng } from '../../testkit/data';

const ROOT = join(__dirname, '..', '..');
const noop = (): void => undefined;
const log = { info: noop, warn: noop, error: noop, trace: noop, debug: noop } as never;
/** Documents whose parse is "under way": no cells until the test finishes it (as the worker thread's parse). */
const parsing = new Map<string, () => void>();
let parsed: { text: string; cells: readonly Cell[] } | undefined;
/** Like the extension's analysis cache: no cells for a JSON file that does not look like a cell file (parsed once). */
const cellsOf = (doc: TextDocument): readonly Cell[] => {
  const text = doc.getText();
  if (!/"op"/.test(text) || !/"input"/.test(text)) return [];
  if (parsed?.text !== text) parsed = { text, cells: parseDocument(text).cells };
  return parsed.cells;
};
const parts = registerGraphView({ extensionUri: Uri.file('/ext'), subscriptions: [] } as never, {
  getCells: (doc) => (parsing.has(doc.uri.toString()) ? [] : cellsOf(doc as unknown as TextDocument)),
  documentFor: new CommandDocuments(new AnalysisCache({ workerScript: null })).documentFor,
  analyse: (doc) =>
    new Promise((resolve) => {
      const key = doc.uri.toString();
      const done = () => resolve(cellsOf(doc as unknown as TextDocument));
      if (!parsing.has(key)) return done();
      const before = parsing.get(key)!;
      parsing.set(key, () => {
        before();
        done();
      });
    }),
  log,
});
/** Finish the parse of `doc`: its cells are known, whoever waited for them gets them. */
const finishParse = (doc: TextDocument) => {
  const done = parsing.get(doc.uri.toString());
  parsing.delete(doc.uri.toString());
  done?.();
};
// The feature's part of the command table, registered as the extension registers the whole table.
const disposables = [...parts.disposables, ...registerCommands(parts.commands)];
test.after(() => {
  for (const d of disposables) d.dispose();
});

const lstm = new TextDocument(
  Uri.file('/ws/lstm.json'),
  'json',
  1,
  readFileSync(join(ROOT, 'test/fixtures/graph/lstm.json'), 'utf8'),
);
const examples = new TextDocument(Uri.file('/ws/examples.json'), 'json', 1, exampleText());
const settings = new TextDocument(Uri.file('/ws/settings.json'), 'json', 1, '{ "editor.fontSize": 14 }');

const open = (): FakePanel[] => host.panels.filter((p) => p.viewType === 'cellLens.graph' && !p.disposed);
const renders = (p: FakePanel): RenderMessage[] =>
  p.webview.posted.filter((m): m is RenderMessage => (m as { type?: string }).type === 'render');
const lastRender = (p: FakePanel): RenderMessage | undefined => renders(p).at(-1);
const run = (id: string, ...args: unknown[]): Promise<unknown> => Promise.resolve(host.commands.get(id)!(...args));

test('one panel follows the active editor: another cell file is shown in the same panel, with the cell under the cursor', async () => {
  host.open(lstm);
  await run('cellLens.showGraph');
  assert.equal(open().length, 1);
  const panel = open()[0];
  panel.receive({ type: 'ready' });
  assert.equal(lastRender(panel)?.uri, lstm.uri.toString());
  assert.equal(panel.title, 'Graph: lstm.json');

  host.open(examples);
  assert.equal(open().length, 1, 'no second panel');
  assert.equal(lastRender(panel)?.uri, examples.uri.toString(), 'the panel shows the new active file');
  assert.equal(lastRender(panel)?.cells.length, 10);
  assert.equal(panel.title, 'Graph: examples.json');

  // Back to the LSTM, then to the examples with the cursor in the fourth cell: the webview starts on that cell.
  host.activate(lstm);
  assert.equal(lastRender(panel)?.uri, lstm.uri.toString());
  const cells = parseDocument(examples.getText()).cells;
  host.activate(examples, cells[3].span.start + 2);
  assert.equal(lastRender(panel)?.uri, examples.uri.toString());
  assert.equal(lastRender(panel)?.selectedCell, cells[3].index);
});

test('a JSON file that is not a cell file leaves the panel as it is', () => {
  const panel = open()[0];
  const before = renders(panel).length;
  host.open(settings);
  assert.equal(open().length, 1);
  assert.equal(
    renders(panel).length,
    before,
    `no render for settings.json: ${renders(panel)
      .slice(before)
      .map((r) => r.uri)
      .join(',')}`,
  );
  assert.equal(lastRender(panel)?.uri, examples.uri.toString());
});

test('Show Cell Graph from another file reuses the following panel', async () => {
  await run('cellLens.showGraph', lstm.uri);
  assert.equal(open().length, 1);
  assert.equal(lastRender(open()[0])?.uri, lstm.uri.toString());
});

test('a pinned panel stays on its file; the next Show Cell Graph opens one following panel beside it', async () => {
  const pinned = open()[0];
  await run('cellLens.pinGraph');
  assert.equal(pinned.title, 'Graph: lstm.json (pinned)');
  assert.equal(lastRender(pinned)?.pinned, true, 'the webview is told, so the pin survives a reload');
  const n = renders(pinned).length;
  host.activate(examples);
  assert.equal(renders(pinned).length, n, 'the pinned panel does not switch');
  assert.equal(open().length, 1, 'no panel is opened just by switching editors');

  await run('cellLens.showGraph');
  assert.equal(open().length, 2);
  const follower = open().find((p) => p !== pinned)!;
  follower.receive({ type: 'ready' });
  assert.equal(lastRender(follower)?.uri, examples.uri.toString());
  host.activate(lstm);
  assert.equal(lastRender(follower)?.uri, lstm.uri.toString(), 'the new panel follows');
  assert.equal(lastRender(pinned)?.uri, lstm.uri.toString());
  host.open(
    new TextDocument(Uri.file('/ws/gru.json'), 'json', 1, JSON.stringify((JSON.parse(exampleText()) as unknown[])[1])),
  );
  assert.equal(lastRender(follower)?.uri, 'file:///ws/gru.json');
  assert.equal(lastRender(pinned)?.uri, lstm.uri.toString(), 'the pinned one stays');
  assert.equal(open().length, 2);

  // Show Cell Graph on the pinned file reveals the pinned panel rather than switching the follower.
  await run('cellLens.showGraph', lstm.uri);
  assert.equal(open().length, 2);
  assert.equal(lastRender(follower)?.uri, 'file:///ws/gru.json');
});

test('unpinning makes the panel follow again and closes the other following panel (one follower at most)', async () => {
  const pinned = open().find((p) => p.title.endsWith('(pinned)'))!;
  const follower = open().find((p) => p !== pinned)!;
  await run('cellLens.unpinGraph');
  assert.equal(follower.disposed, true);
  assert.deepEqual(open(), [pinned]);
  assert.equal(pinned.title, 'Graph: gru.json', 'it switched to the active cell file');
  assert.equal(lastRender(pinned)?.pinned, undefined);
  host.activate(examples);
  assert.equal(lastRender(pinned)?.uri, examples.uri.toString());
});

test('edits redraw every panel showing the document', async () => {
  const panel = open()[0];
  const n = renders(panel).length;
  host.change(examples, exampleText().replace('"linear"', '"activation_tanh"'));
  await host.when(() => renders(panel).length > n);
  assert.equal(lastRender(panel)?.uri, examples.uri.toString(), 'a new render of the edited document');
});

test('the toolbar’s pin button (a `pin` message from the webview) pins and unpins the panel', () => {
  const panel = open()[0];
  panel.receive({ type: 'pin', pinned: true });
  assert.match(panel.title, /\(pinned\)$/);
  assert.equal(lastRender(panel)?.pinned, true);
  const uri = lastRender(panel)?.uri;
  host.activate(lstm);
  assert.equal(lastRender(panel)?.uri, uri, 'pinned: stays');
  panel.receive({ type: 'pin', pinned: false });
  assert.doesNotMatch(panel.title, /pinned/);
  assert.equal(lastRender(panel)?.uri, lstm.uri.toString(), 'unpinned: back to the active cell file');
  // A malformed message changes nothing.
  panel.receive({ type: 'pin', pinned: 'yes' });
  assert.doesNotMatch(panel.title, /pinned/);
});

test('a 5,000-cell file: the panel says at once that it is analysing, then opens at the cell under the cursor; only the cells around it travel', async () => {
  const r = rng(5000);
  const text = JSON.stringify(
    Array.from({ length: 5000 }, () => randomCell(r)),
    null,
    2,
  );
  const big = new TextDocument(Uri.file('/ws/big.json'), 'json', 1, text);
  parsing.set(big.uri.toString(), () => undefined);
  const panel = open()[0];
  host.open(big);
  const cells = parseDocument(text).cells;
  host.activate(big, cells[3210].span.start + 5);
  assert.notEqual(lastRender(panel)?.uri, big.uri.toString(), 'not parsed yet: not known to be a cell file');
  await run('cellLens.showGraph');
  // At once: the previous file's graph gives way to what is happening.
  let shown = lastRender(panel)!;
  assert.equal(shown.uri, big.uri.toString());
  assert.deepEqual(shown.cells, []);
  assert.equal(shown.busy, 'Analysing big.json…');
  finishParse(big);
  await host.when(() => lastRender(panel)?.cells.length);
  shown = lastRender(panel)!;
  assert.equal(shown.busy, undefined);
  assert.equal(shown.selectedCell, 3210, 'the cell under the cursor');
  assert.ok(shown.cells.some((c) => c.index === 3210));
  assert.ok(shown.cells.length <= 5, `${shown.cells.length} cell views, not 5,000`);
  assert.equal(shown.outline?.length, 5000, 'every cell in the picker');
  assert.deepEqual(shown.outline?.[17], { index: 17, label: cells[17].label });

  // Parsed already: back from another file, "Analysing 5,000 cells…" at once, then the cell at the cursor.
  host.activate(lstm);
  assert.equal(lastRender(panel)?.uri, lstm.uri.toString());
  const n = renders(panel).length;
  host.activate(big, cells[17].span.start + 5);
  assert.equal(renders(panel).length, n + 1);
  assert.equal(lastRender(panel)?.busy, 'Analysing 5,000 cells…');
  assert.deepEqual(lastRender(panel)?.cells, []);
  await host.when(() => lastRender(panel)?.cells.length);
  assert.equal(lastRender(panel)?.selectedCell, 17);
  assert.ok(lastRender(panel)!.cells.some((c) => c.index === 17));

  // A cell picked far away in the webview: its view is sent.
  panel.receive({ type: 'selectCell', cellIndex: 4000 });
  await host.when(() => lastRender(panel)?.cells.some((c) => c.index === 4000));
  assert.equal(lastRender(panel)?.selectedCell, 4000);
  assert.ok(lastRender(panel)!.cells.length <= 5);
});
