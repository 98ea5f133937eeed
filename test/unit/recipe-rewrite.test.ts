/** A cell's text rewritten for another recipe in the document's own style (src/recipe/rewrite.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { rewriteCellText } from '../../src/recipe/rewrite';
import type { Recipe } from '../../src/recipe/types';
import { singleEdits } from '../../src/search/suggest';
import { REPO, exampleText } from '../helpers/data';

const LSTM_TEXT = readFileSync(path.join(REPO, 'test', 'fixtures', 'workspace', 'lstm.json'), 'utf8');

/** The document with cell `index` rewritten for `next`; asserts it parses to exactly `next` there. */
function rewritten(text: string, index: number, next: Recipe): string {
  const cell = parseDocument(text).cells[index];
  const out = text.slice(0, cell.span.start) + rewriteCellText(text, cell, next) + text.slice(cell.span.end);
  const again = parseDocument(out).cells[index];
  const got = toRecipe(again);
  assert.deepEqual(
    Object.fromEntries(
      Object.keys(got)
        .sort()
        .map((k) => [k, got[k]]),
    ),
    Object.fromEntries(
      Object.keys(next)
        .sort()
        .map((k) => [k, next[k]]),
    ),
  );
  return out;
}

test('every suggested edit of the LSTM file: one node per line stays so, untouched lines stay as written', () => {
  const lines = LSTM_TEXT.split('\n');
  for (const e of singleEdits(toRecipe(parseDocument(LSTM_TEXT).cells[0]), { max: Infinity }).edits.slice(0, 400)) {
    const out = rewritten(LSTM_TEXT, 0, e.recipe).split('\n');
    // Each node keeps its line; lines of nodes the edit does not touch are the same text.
    assert.equal(out.length - lines.length, Object.keys(e.recipe).length - 13, e.text);
    for (const l of out)
      if (!lines.includes(l)) assert.match(l, /^ {2}"\w+": \{"op": "\w+", "input": \[("\w+"(, )?)+\]\},?$/, e.text);
  }
});

test('an inserted node goes before its reader, in its layout; a removed node takes its line with it', () => {
  const lstm = toRecipe(parseDocument(LSTM_TEXT).cells[0]);
  const next: Recipe = { ...lstm, node_13: { op: 'activation_tanh', input: ['j_act'] } };
  next.h_new_1_part2 = { op: 'elementwise_prod', input: ['i_act', 'node_13'] };
  const out = rewritten(LSTM_TEXT, 0, next);
  assert.ok(
    out.includes(
      '  "j_act": {"op": "activation_sigm", "input": ["j"]},\n' +
        '  "f": {"op": "linear", "input": ["x", "h_prev_0"]},',
    ),
  );
  assert.ok(
    out.includes(
      '  "node_13": {"op": "activation_tanh", "input": ["j_act"]},\n' +
        '  "h_new_1_part2": {"op": "elementwise_prod", "input": ["i_act", "node_13"]},\n',
    ),
    out,
  );
  const removed: Recipe = { ...lstm };
  delete removed.o;
  removed.o_act = { op: 'activation_tanh', input: ['f_act'] };
  assert.ok(!rewritten(LSTM_TEXT, 0, removed).includes('"o":'));
});

test('a list on one line stays on one line; the other cells are untouched', () => {
  const text = exampleText();
  const cells = parseDocument(text).cells;
  const e = singleEdits(toRecipe(cells[1])).edits.find((x) => x.kind === 'add')!;
  const out = rewritten(text, 1, e.recipe);
  assert.equal(out.split('\n').length, text.split('\n').length);
  assert.equal(out.slice(0, cells[1].span.start), text.slice(0, cells[1].span.start));
  assert.equal(out.slice(out.length - (text.length - cells[1].span.end)), text.slice(cells[1].span.end));
});

test("a training log: the edit is written inside its recepie string, escaped as the log's", () => {
  const recipe = { f: { op: 'linear', input: ['x', 'h_prev_0'] }, h_new_0: { op: 'activation_tanh', input: ['f'] } };
  const text = `{"recepie_id": 7, "recepie": ${JSON.stringify(JSON.stringify(recipe))}, "status": "OK"}`;
  for (const e of singleEdits(recipe).edits) {
    const out = rewritten(text, 0, e.recipe);
    assert.match(out, /^\{"recepie_id": 7, "recepie": "\{\\"/);
    assert.match(out, /, "status": "OK"\}$/);
  }
});
