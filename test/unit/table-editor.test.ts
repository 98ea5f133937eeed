/**
 * The cells table in the editor, against the recording VS Code host: a file with several cells on one line gets one
 * short "N cells on this line · open table" lens instead of N stacked lenses per cell, and a code action that formats
 * it one cell per line; after that edit each cell has its own lenses again. The commands are registered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installFakeVscode, TextDocument, Uri, Position, Range } from '../../testkit/fake-vscode';
import { exampleText } from '../helpers/data';

const host = installFakeVscode();
const ext = require('../../src/extension') as typeof import('../../src/extension');
const subscriptions: { dispose(): void }[] = [];
const api = ext.activate({ subscriptions } as never);

test('the table commands are registered', () => {
  for (const id of ['cellLens.showCellsTable', 'cellLens.showWorkspaceCellsTable', 'cellLens.formatOnePerLine'])
    assert.ok(host.commands.has(id), id);
});

test('ten cells on one line: one short lens that opens the table; the code action formats the file; then ten lines of lenses', async () => {
  const text = exampleText();
  const doc = new TextDocument(Uri.file('/ws/recepies_example.json'), 'json', 1, text);
  host.open(doc);
  await api.benchmark.get();
  const lenses = () => host.codeLensProviders[0].provideCodeLenses(doc);
  const one = lenses();
  assert.equal(one.length, 1, JSON.stringify(one.map((l) => l.command?.title)));
  assert.equal(one[0].command!.title, '$(table) 10 cells on this line · open table');
  assert.equal(one[0].command!.command, 'cellLens.showCellsTable');
  assert.deepEqual(one[0].command!.arguments, [doc.uri]);
  assert.ok(one[0].command!.title.length <= 45, 'a short lens');
  // The details stay in the hover of each cell's opening brace.
  const second = api.cache.get(doc as never)!.cells[1].cell.anchor.start;
  assert.match(host.hoverProviders[0].provideHover(doc, doc.positionAt(second))!.contents.value, /### LSTM/);

  // The lightbulb on that line: format, or open the table. Not on other lines.
  const actions = host.codeActionProviders[1].provideCodeActions(
    doc,
    new Range(new Position(0, 3), new Position(0, 3)),
  );
  assert.deepEqual(
    actions.map((a) => a.title),
    ['Format as One Cell per Line', 'Show Cells Table'],
  );
  assert.deepEqual(
    host.codeActionProviders[1].provideCodeActions(doc, new Range(new Position(1, 0), new Position(1, 0))),
    [],
  );
  const edits = [...actions[0].edit!.edits].sort((a, b) => doc.offsetAt(b.range.start) - doc.offsetAt(a.range.start));
  let formatted = text;
  for (const e of edits)
    formatted = formatted.slice(0, doc.offsetAt(e.range.start)) + e.text + formatted.slice(doc.offsetAt(e.range.end));
  host.change(doc, formatted);
  const after = lenses();
  const lines = new Set(after.map((l) => l.range.start.line));
  assert.equal(lines.size, 10, 'each cell has its lenses on its own line');
  assert.ok(!after.some((l) => /cells on this line/.test(l.command?.title ?? '')));
  assert.equal(
    after.filter((l) => /WikiText-2 test loss|not in benchmark/.test(l.command?.title ?? '')).length,
    10,
    'one benchmark lens per cell',
  );
  assert.deepEqual(
    host.codeActionProviders[1].provideCodeActions(doc, new Range(new Position(1, 0), new Position(1, 0))),
    [],
    'nothing crowded any more',
  );
});

test('two cells on one line of a longer file, with errors: the line says so; the other cells keep their lenses', async () => {
  const a = '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}';
  const bad = '{"h_new_0": {"op": "activation_relu", "input": ["x"]}}';
  const doc = new TextDocument(Uri.file('/ws/mixed.json'), 'json', 1, `[\n  ${a},\n  ${a}, ${bad}\n]\n`);
  host.open(doc);
  await api.benchmark.get();
  const lenses = host.codeLensProviders[0].provideCodeLenses(doc);
  const table = lenses.filter((l) => l.command?.command === 'cellLens.showCellsTable');
  assert.deepEqual(
    table.map((l) => [l.range.start.line, l.command!.title]),
    [[2, '$(table) 2 cells on this line (1 with errors) · open table']],
  );
  assert.ok(
    lenses.some(
      (l) => l.range.start.line === 1 && /WikiText-2 test loss|not in benchmark/.test(l.command?.title ?? ''),
    ),
    'the cell alone on line 2 keeps its lens',
  );
  assert.ok(!lenses.some((l) => l.range.start.line === 2 && l.command?.command !== 'cellLens.showCellsTable'));
});
