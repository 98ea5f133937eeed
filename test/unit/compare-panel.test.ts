/**
 * The compare commands and panel (src/webviews/compare/panel.ts) against the recording VS Code host: "Compare with…" from a
 * lens picks the other cell in a quick pick over the open cell files, the panel's HTML has the strict CSP, and the
 * webview gets a valid `compare` message after `ready`, again after an edit, and nothing from a malformed message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFakeVscode, TextDocument, Uri, EventEmitter } from '../../testkit/fake-vscode';
import { REPO, exampleText } from '../helpers/data';

const host = installFakeVscode();
const vscode = require('vscode') as {
  window: {
    showQuickPick: (items: { label: string; description?: string }[], o: { title?: string }) => Promise<unknown>;
  };
};
const { registerCompare } =
  require('../../src/webviews/compare/panel') as typeof import('../../src/webviews/compare/panel');
const { registerCommands } = require('../../src/editor/commands') as typeof import('../../src/editor/commands');
const { analyseText, AnalysisCache } =
  require('../../src/editor/analysis') as typeof import('../../src/editor/analysis');
const { CommandDocuments } =
  require('../../src/editor/commandDocument') as typeof import('../../src/editor/commandDocument');
import { isToCompareWebview, type CompareMessage } from '../../src/compare/protocol';

const lstm = new TextDocument(
  Uri.file('/ws/lstm.json'),
  'json',
  1,
  readFileSync(join(REPO, 'test/fixtures/workspace/lstm.json'), 'utf8'),
);
const examples = new TextDocument(Uri.file('/ws/examples.json'), 'json', 1, exampleText());
const lenses: unknown[] = [];
const scoresChanged = new EventEmitter<void>();
/** The panel's warnings (a malformed message from the page is one). */
const warnings: string[] = [];
/** Calls of `analyse` (each update of the panel reads both documents), and an event after each. */
let analysed = 0;
const analysing = new EventEmitter<void>();
const analysedAtLeast = (n: number) =>
  new Promise<void>((resolve) => {
    const sub = analysing.event(() => {
      if (analysed < n) return;
      sub.dispose();
      resolve();
    });
  });
const parts = registerCompare({ extensionUri: Uri.file('/ext') } as never, {
  analyse: (doc) => {
    analysed++;
    analysing.fire();
    return analyseText(doc.uri.toString(), doc.version, doc.getText()).cells;
  },
  documentFor: new CommandDocuments(new AnalysisCache({ workerScript: null })).documentFor,
  lookup: () => [],
  onDidChangeScores: scoresChanged.event,
  addLens: (c) => lenses.push(c),
  log: { info() {}, warn: (m: string) => warnings.push(m), error() {}, trace() {}, debug() {} } as never,
});
// The feature's part of the command table, registered as the extension registers the whole table.
const disposables = [...parts.disposables, ...registerCommands(parts.commands)];

const compares = () =>
  host.panels[0].webview.posted.filter((m): m is CompareMessage => (m as { type?: string }).type === 'compare');

test('Compare with… (lens arguments): the quick pick lists the other open cells; the panel shows both', async () => {
  host.open(examples);
  host.open(lstm);
  assert.equal(lenses.length, 1, 'the compare lens contributor is registered');
  let offered: { label: string; description?: string }[] = [];
  let title = '';
  vscode.window.showQuickPick = (items, o) => {
    offered = items;
    title = o.title ?? '';
    return Promise.resolve(items.find((i) => i.label === 'GRU'));
  };
  await host.commands.get('cellLens.compareWith')!(lstm.uri, 0);
  assert.match(title, /Compare with/);
  assert.deepEqual(
    offered.map((i) => `${i.label} (${i.description})`),
    // The reference cells by their known names (src/report/format.ts cellName; this test's benchmark is empty).
    ['RNN', 'LSTM', 'GRU', 'RNN', ...[4, 5, 6, 7, 8, 9].map((i) => `cell ${i}`)].map((l) => `${l} (examples.json)`),
    'every valid cell but A itself',
  );
  assert.equal(host.panels.length, 1);
  const panel = host.panels[0];
  assert.equal(panel.viewType, 'cellLens.compare');
  assert.match(panel.webview.html, /script-src 'nonce-[A-Za-z0-9]{32}'/);
  assert.doesNotMatch(panel.webview.html, /unsafe-inline/);
  assert.deepEqual(compares(), [], 'nothing is posted before the page is ready');
  panel.receive({ type: 'ready' });
  const m = await host.when(() => compares().at(-1));
  assert.ok(m && isToCompareWebview(m), 'a valid compare message after ready');
  assert.equal(m.left.uri, lstm.uri.toString());
  assert.equal(m.right.uri, examples.uri.toString());
  assert.equal(m.right.cellIndex, 2);
  assert.equal(m.isomorphic, false);
  // The tab names both files and both cells (the one cell name, src/report/format.ts cellName).
  assert.equal(panel.title, 'Compare: lstm.json LSTM ↔ examples.json GRU');
  assert.deepEqual([m.left.scored, m.right.scored], [false, false], 'neither side is scored');
});

test('"Score this side": the page\'s score message runs Score This Cell on that side\'s document and cell', async () => {
  const calls: unknown[][] = [];
  host.commands.set('cellLens.scoreCell', (...a: unknown[]) => {
    calls.push(a);
    return Promise.resolve();
  });
  try {
    host.panels[0].receive({ type: 'score', side: 'right' });
    await host.when(() => calls.length > 0);
    assert.equal(calls.length, 1);
    assert.equal(String(calls[0][0]), examples.uri.toString());
    assert.equal(calls[0][1], 2, 'B is cell 2 (the GRU) of examples.json');
  } finally {
    host.commands.delete('cellLens.scoreCell');
  }
});

test('a compared cell that is gone is logged once, not again on every score that follows; back, it is compared again', async () => {
  const text = examples.getText();
  const gone = () => warnings.filter((w) => /examples\.json has no cell 2 any more/.test(w));
  const posted = compares().length;
  // The file now holds one cell: B (cell 2) is gone; each score report that arrives updates the panel again.
  let next = analysedAtLeast(analysed + 2);
  host.change(examples, `[${JSON.stringify((JSON.parse(text) as unknown[])[0])}]`);
  await next;
  for (let i = 0; i < 3; i++) {
    next = analysedAtLeast(analysed + 2);
    scoresChanged.fire();
    await next;
  }
  // Back: the comparison is rebuilt (updates run one after another, so every earlier one has finished by then).
  host.change(examples, text);
  await host.when(() => compares().length > posted);
  assert.deepEqual(gone(), ['compare: examples.json has no cell 2 any more; showing the last comparison']);
});

test('an edit of either document updates the comparison; a malformed message is ignored', async () => {
  const before = compares().length;
  // The LSTM's output gate becomes a sigmoid: the left graph shows the edited op.
  host.change(lstm, lstm.getText().replace('"o_act": {"op": "activation_tanh"', '"o_act": {"op": "activation_sigm"'));
  await host.when(() => compares().length > before);
  const after = compares();
  assert.equal(after.length, before + 1, 'one debounced update');
  const last = after.at(-1)!;
  assert.equal(last.left.cell.model.nodes.find((n) => n.name === 'o_act')?.op, 'activation_sigm');
  const warned = warnings.length;
  host.panels[0].receive({ type: 'reveal', side: 'middle', node: 'x' });
  host.panels[0].receive({ type: 'nonsense' });
  assert.deepEqual(
    warnings.slice(warned).map((w) => /ignored a malformed message/.test(w)),
    [true, true],
    'both messages are refused as malformed when they arrive',
  );
  assert.equal(compares().length, before + 1);
  for (const d of disposables) d.dispose();
  assert.equal(host.panels[0].disposed, true, 'disposing the registrations closes the panel');
});
