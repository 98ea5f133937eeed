/**
 * Format as One Cell per Line (src/recipe/layout.ts) on the shipped one-line recepies_example.json, lists of training
 * logs (with Python's NaN) and lists with comments and non-cell items: re-parsing gives the same cells, only
 * whitespace changes, a second run changes nothing, and every cell starts a line of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { applyLayoutEdits, crowdedLines, oneCellPerLine } from '../../src/recipe/layout';
import { exampleText, wikitextLogs } from '../helpers/data';

/** What the parser sees in a document: each cell's label, source, recipe, hash and diagnostics codes. */
function cellsOf(text: string) {
  const doc = parseDocument(text);
  return {
    docDiagnostics: doc.diagnostics.map((d) => d.code),
    cells: doc.cells.map((c) => {
      const recipe = toRecipe(c);
      return {
        label: c.label,
        source: c.source,
        recipe,
        hash: canonicalHash(recipe),
        diagnostics: c.diagnostics.map((d) => `${d.code}:${d.message}`),
        log: c.log,
      };
    }),
  };
}

const startLines = (text: string) =>
  parseDocument(text).cells.map((c) => text.slice(0, c.anchor.start).split('\n').length - 1);

function format(text: string, opts?: { indent?: string }): string {
  const r = oneCellPerLine(text, opts);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return applyLayoutEdits(text, r.edits);
}

function checkFormatted(before: string, after: string): void {
  assert.deepEqual(cellsOf(after), cellsOf(before), 'the same cells, in the same order, with the same diagnostics');
  assert.equal(after.replace(/\s+/g, ''), before.replace(/\s+/g, ''), 'only whitespace changed');
  const lines = startLines(after);
  assert.equal(new Set(lines).size, lines.length, `every cell starts its own line: ${lines.join(',')}`);
  assert.equal(crowdedLines(lines).size, 0);
  const again = oneCellPerLine(after);
  assert.ok(again.ok);
  assert.deepEqual(again.edits, [], 'idempotent: formatting the result changes nothing');
}

test('the shipped examples: ten cells on one line become ten lines, the same cells', () => {
  const text = exampleText();
  assert.equal(text.trim().split('\n').length, 1, 'precondition: one line');
  assert.deepEqual([...crowdedLines(startLines(text))], [[0, 10]]);
  const after = format(text);
  checkFormatted(text, after);
  const lines = after.split('\n');
  assert.equal(lines[0], '[');
  assert.equal(lines.filter((l) => l.startsWith('  {')).length, 10);
  assert.equal(lines.at(-1)!.trim() === '' ? lines.at(-2) : lines.at(-1), ']');
  assert.ok(
    format(text, { indent: '\t' })
      .split('\n')
      .filter((l) => l.startsWith('\t{')).length === 10,
    "the editor's indentation",
  );
});

test('a list of training logs on one line (NaN losses, recipes in strings) keeps every log', () => {
  const logs = wikitextLogs()
    .filter((l) => /\bNaN\b/.test(l.text))
    .slice(0, 2)
    .concat(wikitextLogs().slice(0, 2));
  assert.ok(logs.length === 4 && /\bNaN\b/.test(logs[0].text), 'precondition: logs with NaN');
  const text = `[${logs.map((l) => l.text.replace(/\s*\n\s*/g, ' ').trim()).join(', ')}]`;
  assert.equal(parseDocument(text).cells.length, 4);
  checkFormatted(text, format(text));
});

test('comments, non-cell items, CRLF and text around the list are kept; items already on their own line are left alone', () => {
  const a = '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}';
  const b = '{"h_new_0": {"op": "blend", "input": ["x", "h_prev_0", "x"]}}';
  const text = `// two cells\r\n[${a}, /* keep me */ ${b},\r\n  42, "note",  ${a}]  \r\n`;
  const after = format(text);
  checkFormatted(text, after);
  assert.ok(
    after.includes('/* keep me */') &&
      after.includes('// two cells') &&
      after.includes('42') &&
      after.includes('"note"'),
  );
  assert.ok(!/[^\r]\n/.test(after), 'CRLF stays CRLF');
  assert.match(after, /^\/\/ two cells\r\n\[\r\n {2}\{"f"/);
  // 42 already started a line (no edit there); every item, cell or not, gets a line of its own.
  assert.ok(after.includes(',\r\n  42,\r\n  "note",\r\n  {"f"'), after);
  assert.ok(after.endsWith('\r\n]  \r\n'));
});

test('not a list, or not JSON: nothing to format, and why', () => {
  const one = oneCellPerLine('{"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}}');
  assert.deepEqual(one, { ok: false, reason: 'the file holds one cell, not a list of cells' });
  const bad = oneCellPerLine('[{"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}');
  assert.deepEqual(bad, { ok: false, reason: 'the file is not valid JSON' });
  const formatted = oneCellPerLine('[\n  {"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}}\n]\n');
  assert.deepEqual(formatted, { ok: true, edits: [] });
});

test('crowdedLines counts the cells of each line that holds more than one', () => {
  assert.deepEqual(
    [...crowdedLines([0, 0, 1, 3, 3, 3])],
    [
      [0, 2],
      [3, 3],
    ],
  );
  assert.deepEqual([...crowdedLines([0, 1, 2])], []);
  assert.deepEqual([...crowdedLines([])], []);
});
