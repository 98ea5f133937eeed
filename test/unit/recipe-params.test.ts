/**
 * THE parameter count every surface calls "params" (src/scoring/model/params.ts modelParams): the benchmark's own
 * language model around the cell on a named dataset. It equals the recorded `num_params` of every WikiText-2 run and
 * of the benchmark records of the ten example cells, and an activation never changes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { KNOWN_CELLS, knownCellName } from '../../src/recipe/known';
import { loadPrebuiltIndex } from '../../src/benchmark/compact';
import { DATASET_VOCAB, modelParams } from '../../src/scoring/model/params';
import { cellName, paramsText } from '../../src/report/format';
import type { Recipe } from '../../src/recipe/types';
import { REPO, exampleText, wikitextLogs } from '../helpers/data';

const examples = parseDocument(exampleText()).cells.map(toRecipe);
const index = loadPrebuiltIndex(join(REPO, 'data', 'wikitext-2.index.json'));
const ACTIVATIONS = ['activation_tanh', 'activation_sigm', 'activation_leaky_relu'];

test('the default is the bundled benchmark: WikiText-2, vocabulary 33,278; a dataset of unknown vocabulary falls back to it', () => {
  assert.deepEqual(DATASET_VOCAB, { 'WikiText-2': 33278, PTB: 10000 });
  const lstm = examples[1];
  assert.deepEqual(modelParams(lstm), { count: 20230878, dataset: 'WikiText-2', vocab: 33278 });
  assert.deepEqual(modelParams(lstm, 'no-such-set'), modelParams(lstm));
  assert.equal(modelParams(lstm, 'PTB').count, 20230878 - (33278 - 10000) * 401);
  assert.equal(paramsText(modelParams(lstm)), '20.2M params (WikiText-2 LM, vocab 33,278)');
  assert.equal(paramsText(modelParams(lstm), true), '20,230,878 params (WikiText-2 LM, vocab 33,278)');
});

test('the count equals the recorded num_params of every WikiText-2 run (345 logs)', () => {
  const logs = wikitextLogs();
  assert.equal(logs.length, 345);
  for (const l of logs) {
    const log = JSON.parse(l.text.replace(/\bNaN\b/g, 'null')) as { recepie: string; num_params: number };
    assert.equal(modelParams(JSON.parse(log.recepie) as Recipe, 'WikiText-2').count, log.num_params, l.file);
  }
});

test("the ten example cells: the count equals the benchmark record's numParams where the benchmark knows the cell", () => {
  let known = 0;
  for (const [i, r] of examples.entries()) {
    const m = index.lookup(canonicalHash(r));
    for (const { dataset, entry } of m) {
      known++;
      // Runs of isomorphic cells may differ in dead linear nodes: the cell's own count is one of the recorded ones.
      assert.ok(entry.paramCounts.includes(modelParams(r, dataset).count), `example ${i}`);
      assert.equal(modelParams(r, dataset).count, entry.numParams, `example ${i}`);
    }
  }
  assert.equal(known, 6, 'RNN (twice), LSTM, GRU and two more are benchmark cells');
});

test('an activation never changes the count: every activation of every example cell swapped for each other', () => {
  for (const r of examples) {
    const count = modelParams(r).count;
    for (const [name, node] of Object.entries(r))
      if (node.op.startsWith('activation_'))
        for (const op of ACTIVATIONS) assert.equal(modelParams({ ...r, [name]: { ...node, op } }).count, count);
  }
});

test('known names: the reference RNN, LSTM and GRU by canonical hash (renamed copies too); others by recipe id or position', () => {
  assert.deepEqual(
    KNOWN_CELLS.map((k) => k.name),
    ['RNN', 'LSTM', 'GRU'],
  );
  KNOWN_CELLS.forEach((k, i) => assert.equal(canonicalHash(k.recipe), canonicalHash(examples[i])));
  const cells = parseDocument(exampleText()).cells;
  const names = cells.map((c) => cellName(c, canonicalHash(toRecipe(c)), index.lookup(canonicalHash(toRecipe(c)))));
  assert.deepEqual(names, [
    'RNN',
    'LSTM',
    'GRU',
    'RNN',
    'cell 4',
    'recepie 1001636',
    'cell 6',
    'cell 7',
    'cell 8',
    'recepie 1003119',
  ]);
  // Without a benchmark: the known names, else the position; an invalid cell (no hash) keeps its label.
  assert.deepEqual(
    cells.map((c) => cellName(c, canonicalHash(toRecipe(c)))),
    ['RNN', 'LSTM', 'GRU', 'RNN', 'cell 4', 'cell 5', 'cell 6', 'cell 7', 'cell 8', 'cell 9'],
  );
  assert.equal(cellName(cells[1]), 'cell 1');
  // A renamed LSTM is still the LSTM.
  const keep = (k: string) => k === 'x' || /^h_(prev|new)_\d+$/.test(k);
  const rename = (k: string) => (keep(k) ? k : `n_${k}`);
  const renamed = Object.fromEntries(
    Object.entries(examples[1]).map(([k, v]) => [rename(k), { op: v.op, input: v.input.map(rename).reverse() }]),
  );
  assert.equal(knownCellName(canonicalHash(renamed)), 'LSTM');
  // A training log keeps the label of the run it holds.
  const log = wikitextLogs().find((l) => l.file.includes('log_stats_model_1000001_'))!;
  const logCell = parseDocument(log.text).cells[0];
  assert.equal(
    cellName(logCell, canonicalHash(toRecipe(logCell)), index.lookup(canonicalHash(toRecipe(logCell)))),
    'log 1000001',
  );
});
