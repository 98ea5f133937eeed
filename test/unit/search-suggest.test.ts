/** The single edits of a cell (src/search/suggest.ts) and the mutation steps they share with mutate.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHash } from '../../src/recipe/canonical';
import { KNOWN_CELLS } from '../../src/recipe/known';
import type { Recipe } from '../../src/recipe/types';
import { isValidRecipe } from '../../src/recipe/validate';
import { isInSpace, spaceViolations } from '../../src/search/space';
import { singleEdits } from '../../src/search/suggest';
import { exampleText } from '../helpers/data';

const known = (name: string): Recipe => KNOWN_CELLS.find((c) => c.name === name)!.recipe;
const LSTM = known('LSTM');
const RNN = known('RNN');

test('the LSTM: at most 60 edits, each valid, in the space, a different function from the original and from each other', () => {
  const r = singleEdits(LSTM);
  assert.equal(r.edits.length, 60);
  assert.ok(r.capped);
  assert.ok(r.enumerated > 1000, `${r.enumerated} single edits enumerated`);
  const hashes = new Set([canonicalHash(LSTM)]);
  for (const e of r.edits) {
    assert.ok(isValidRecipe(e.recipe), e.text);
    assert.ok(isInSpace(e.recipe), `${e.text}: ${spaceViolations(e.recipe).join('; ')}`);
    assert.equal(e.hash, canonicalHash(e.recipe));
    assert.ok(!hashes.has(e.hash), `${e.text}: a duplicate`);
    hashes.add(e.hash);
  }
  // Drawn evenly over the kinds: each kind has a fair share.
  for (const kind of ['op', 'rewire', 'add', 'remove'] as const)
    assert.ok(r.edits.filter((e) => e.kind === kind).length >= 5, kind);
});

test('deterministic: the same call gives the same edits in the same order; another seed draws others', () => {
  const a = singleEdits(LSTM);
  assert.deepEqual(singleEdits(LSTM), a);
  const b = singleEdits(LSTM, { seed: 1 });
  assert.notDeepEqual(
    b.edits.map((e) => e.hash),
    a.edits.map((e) => e.hash),
  );
});

test('every single edit of the RNN (fewer than the cap), said in words', () => {
  const r = singleEdits(RNN);
  assert.equal(r.capped, false);
  const texts = r.edits.map((e) => e.text);
  assert.ok(texts.includes('change node h_new_0: tanh → sigmoid'), texts.join('\n'));
  assert.ok(texts.includes('change node h_new_0: tanh → leaky ReLU'));
  assert.ok(texts.includes("insert node_2 = sigmoid(f) as h_new_0's input (was f)"), texts.join('\n'));
  // tanh(tanh(f)) and sigmoid(f) are other functions; tanh of a linear of (x, h) with 3 inputs is no edit (no third input).
  assert.equal(new Set(r.edits.map((e) => e.hash)).size, r.edits.length);
  const nodes = singleEdits(RNN).edits.find((e) => e.text === 'change node h_new_0: tanh → sigmoid')!.recipe;
  assert.deepEqual(nodes, {
    f: { op: 'linear', input: ['x', 'h_prev_0'] },
    h_new_0: { op: 'activation_sigm', input: ['f'] },
  });
});

test('rewire, insert and remove say which input changes, and which nodes the edit leaves unused', () => {
  const all = singleEdits(LSTM, { max: Infinity }).edits.map((e) => e.text);
  assert.ok(all.includes("rewire h_new_1_part2's 2nd input: j_act → h_prev_0 (drops nodes j, j_act, now unused)"));
  assert.ok(all.includes("insert node_13 = tanh(j_act) as h_new_1_part2's 2nd input (was j_act)"));
  // Removing a node is the same function as an earlier rewire in the full list; the draw over kinds keeps removes.
  const drawn = singleEdits(LSTM).edits.filter((e) => e.kind === 'remove');
  assert.ok(drawn.length > 0);
  for (const e of drawn) assert.match(e.text, /^remove node \w+; \w+ reads \w+ instead( \(drops .*\))?$/);
});

test('a cell outside the space (a linear of 4 inputs) still gets edits that keep its one violation and add none', () => {
  const cell: Recipe = {
    l: { op: 'linear', input: ['x', 'h_prev_0', 'h_prev_1', 'h_prev_2'] },
    h_new_0: { op: 'activation_tanh', input: ['l'] },
    h_new_1: { op: 'activation_sigm', input: ['l'] },
    h_new_2: { op: 'activation_leaky_relu', input: ['l'] },
  };
  const before = spaceViolations(cell);
  assert.equal(before.length, 1);
  const r = singleEdits(cell);
  assert.ok(r.edits.length > 10);
  for (const e of r.edits)
    assert.ok(
      spaceViolations(e.recipe).every((v) => before.includes(v)),
      e.text,
    );
});

test('the ten example cells: every one has edits; none is the original function', () => {
  const cells = JSON.parse(exampleText()) as Recipe[];
  for (const c of cells) {
    const r = singleEdits(c);
    assert.ok(r.edits.length >= 10, `${r.edits.length} edits`);
    assert.ok(r.edits.every((e) => e.hash !== canonicalHash(c)));
  }
});
