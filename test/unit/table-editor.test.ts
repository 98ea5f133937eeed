/**
 * The cells table in the editor, against the recording VS Code host: a file with several cells on one line gets one
 * short "N cells on this line · open table" lens instead of N stacked lenses per cell, and a code action that formats
 * it one cell per line; after that edit each cell has its own lenses again. The commands are registered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installFakeVscode, TextDocument, Uri, Position, Range } from '../../testkit/fake-vscode';
import { REPO, exampleText } from '../helpers/data';
import { candidateCells } from '../../testkit/data';
import { sampleEachTurn } from '../../testkit/event-loop';
import { TABLE_PAGE_ROWS, isToTableWebview, type ToTableWebview } from '../../src/table/protocol';

const host = installFakeVscode();
const ext = require('../../src/extension') as typeof import('../../src/extension');
const subscriptions: { dispose(): void }[] = [];
// The extension's folder: the table panel takes its page's assets from there.
const api = ext.activate({ subscriptions, extensionPath: REPO, extensionUri: Uri.file(REPO) } as never);

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

test('a 1,000-cell file: the rows reach the page in pages of bounded size, the first page first, one turn of the event loop apart', async () => {
  const text = JSON.stringify(candidateCells(1000), null, 2);
  const doc = new TextDocument(Uri.file('/ws/candidates-1000.json'), 'json', 1, text);
  host.open(doc);
  const analysis = (await api.cache.analyse(doc as never))!;
  await api.benchmark.get();
  await host.commands.get('cellLens.showCellsTable')!(doc.uri);
  const panel = host.panels.find(
    (p) => p.viewType === 'cellLens.cellsTable' && p.title === 'Cells: candidates-1000.json',
  )!;
  type Msg = ToTableWebview & { type: 'render' | 'rows' };
  const table = () => panel.webview.posted.filter((m): m is Msg => ['render', 'rows'].includes((m as Msg).type));
  const { samples } = await sampleEachTurn(
    async () => {
      panel.receive({ type: 'ready' });
      await host.when(() => table().reduce((n, m) => n + m.rows.length, 0) >= 1000 || undefined);
    },
    () => table().length,
  );
  const messages = table();
  const [first, ...rest] = messages;
  assert.equal(first.type, 'render');
  assert.equal(first.type === 'render' && first.total, 1000);
  assert.ok(
    rest.length >= 4 && rest.every((m) => m.type === 'rows' && m.id === first.id),
    'the other rows follow in pages',
  );
  assert.ok(messages.every((m) => m.rows.length <= TABLE_PAGE_ROWS && isToTableWebview(m)));
  assert.deepEqual(
    messages.flatMap((m) => m.rows.map((r) => r.index)),
    analysis.cells.map((c) => c.cell.index),
    'every cell once, in file order: the first page holds the first cells',
  );
  assert.equal(
    messages.filter((m) => m.note !== undefined).length,
    1,
    'the note of the whole table, with the last page',
  );
  assert.match(messages.at(-1)!.note!, /^1000 cells · /);
  // The pages went out over several turns of the event loop (the host served other work in between).
  assert.ok(new Set(samples).size >= 4, `posted over ${new Set(samples).size} turns: ${samples.join(',')}`);
});
