import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { exampleText, wikitextLogs } from '../helpers/data';
import type { RawLog } from '../fixtures/benchmark/helpers';

const errors = (ds: readonly { severity: string }[]) => ds.filter((d) => d.severity === 'error');

test('all 10 example recipes parse as separate cells without errors, spans pointing at their text', () => {
  const text = exampleText();
  const doc = parseDocument(text);
  const expected = JSON.parse(text) as Record<string, { op: string; input: string[] }>[];
  assert.equal(doc.diagnostics.length, 0);
  assert.equal(doc.cells.length, expected.length);
  doc.cells.forEach((cell, i) => {
    assert.equal(cell.source, 'list');
    assert.deepEqual(errors(cell.diagnostics), [], `cell ${i}: ${cell.diagnostics.map((d) => d.message).join('; ')}`);
    assert.deepEqual({ ...toRecipe(cell) }, expected[i]);
    for (const n of cell.nodes) {
      assert.equal(text.slice(n.keySpan.start, n.keySpan.end), JSON.stringify(n.name));
      assert.equal(text.slice(n.opSpan.start, n.opSpan.end), JSON.stringify(n.op));
      for (const inp of n.inputs) assert.equal(text.slice(inp.span.start, inp.span.end), JSON.stringify(inp.name));
    }
    assert.equal(text[cell.span.start], '{');
    assert.equal(text[cell.span.end - 1], '}');
  });
});

test('every WikiText-2 training log parses: one cell, recipe equal to JSON.parse of the string, log facts read', () => {
  const logs = wikitextLogs();
  assert.equal(logs.length, 345);
  let diverged = 0;
  for (const { file, text } of logs) {
    const doc = parseDocument(text);
    assert.equal(doc.cells.length, 1, file);
    const cell = doc.cells[0];
    assert.deepEqual(errors(cell.diagnostics), [], file);
    // Independent decode: Python writes NaN, which JSON.parse rejects; turn it into null first.
    const raw = JSON.parse(text.replace(/\bNaN\b/g, 'null')) as RawLog['json'];
    assert.deepEqual({ ...toRecipe(cell) }, JSON.parse(raw.recepie), file);
    assert.equal(cell.source, 'log');
    assert.equal(cell.log?.recepieId, raw.recepie_id);
    assert.equal(cell.log?.numParams, raw.num_params);
    assert.equal(cell.log?.status, raw.status);
    assert.equal(cell.log?.dataset, 'WikiText-2');
    assert.equal(cell.log?.testLosses?.length, raw.test_losses.length);
    raw.test_losses.forEach((v: number | null, i: number) => {
      if (v === null) assert.ok(Number.isNaN(cell.log!.testLosses![i]));
      else assert.equal(cell.log!.testLosses![i], v);
    });
    if (raw.status !== 'OK') diverged++;
  }
  assert.equal(diverged, 4);
});

test('spans inside a log point into the escaped recepie string', () => {
  const recipe = {
    'n"q': { op: 'linear', input: ['x', 'h_prev_0'] },
    h_new_0: { op: 'activation_tanh', input: ['n"q'] },
  };
  const text = JSON.stringify({ recepie_id: 7, recepie: JSON.stringify(recipe), status: 'OK' }, null, 1);
  const cell = parseDocument(text).cells[0];
  const n = cell.nodes.find((x) => x.op === 'linear')!;
  // In the document the key is written with escaped quotes: \"n\\\"q\"
  assert.equal(text.slice(n.keySpan.start, n.keySpan.end), '\\"n\\\\\\"q\\"');
  assert.equal(text.slice(n.opSpan.start, n.opSpan.end), '\\"linear\\"');
  const tanh = cell.nodes.find((x) => x.op === 'activation_tanh')!;
  assert.equal(text.slice(tanh.inputs[0].span.start, tanh.inputs[0].span.end), '\\"n\\\\\\"q\\"');
});

test('a list may mix recipes and logs; non-objects in the list are reported', () => {
  const text = JSON.stringify([
    { h_new_0: { op: 'activation_tanh', input: ['x'] } },
    { recepie: JSON.stringify({ h_new_0: { op: 'activation_sigm', input: ['x'] } }), recepie_id: 3 },
    42,
  ]);
  const doc = parseDocument(text);
  assert.equal(doc.cells.length, 2);
  assert.equal(doc.cells[1].source, 'log');
  assert.equal(doc.diagnostics.length, 1);
  assert.equal(doc.diagnostics[0].code, 'not-a-cell');
  assert.equal(text.slice(doc.diagnostics[0].span.start, doc.diagnostics[0].span.end), '42');
});

test('NaN literals outside strings are accepted, inside strings left alone', () => {
  const text =
    '{"recepie": "{\\"h_new_0\\": {\\"op\\": \\"activation_tanh\\", \\"input\\": [\\"x\\"]}}", "status": "loss is nan!", "test_losses": [1.5, NaN, Infinity, -Infinity], "note": "NaN"}';
  const cell = parseDocument(text).cells[0];
  assert.equal(cell.log?.status, 'loss is nan!');
  const t = cell.log.testLosses!;
  assert.equal(t[0], 1.5);
  assert.ok(Number.isNaN(t[1]));
  assert.equal(t[2], Infinity);
  assert.equal(t[3], -Infinity);
});
