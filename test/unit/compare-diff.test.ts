/**
 * The structural diff of two cells (src/compare/diff.ts) on the NAS-Bench-NLP example cells and the WikiText-2
 * benchmark cells: identical and renamed/reordered cells have no differences, RNN vs LSTM differs exactly where
 * the LSTM's gates are, and changing one node's op marks exactly that node and the nodes that read it, on both sides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffCells, type CellDiff } from '../../src/compare/diff';
import { recipeInfo } from '../../src/recipe/model';
import { exampleText, scramble } from '../helpers/data';
import { wikitextRecipes } from '../../testkit/graph-cells';

type R = Record<string, { op: string; input: string[] }>;
const EXAMPLES = JSON.parse(exampleText()) as R[];
const RNN = EXAMPLES[0],
  LSTM = EXAMPLES[1];
/** Every 5th WikiText-2 benchmark cell (valid ones), for breadth at a unit test's cost. */
const WT2 = wikitextRecipes()
  .filter((_, i) => i % 5 === 0)
  .map((x) => JSON.parse(x.text) as R)
  .filter((r) => recipeInfo(r).order && r.h_new_0);
const copy = (r: R): R => JSON.parse(JSON.stringify(r)) as R;

function assertNoDifference(d: CellDiff, what: string): void {
  assert.ok(d.comparable, `${what}: comparable (${d.reason})`);
  assert.deepEqual([...d.left.onlyNodes, ...d.right.onlyNodes], [], `${what}: no node only on one side`);
  assert.deepEqual([...d.left.onlyEdges, ...d.right.onlyEdges], [], `${what}: no edge only on one side`);
}

/** Live recipe nodes plus the cell inputs they read (`x`, `h_prev_<k>`): what the diff compares. */
function compared(r: R): string[] {
  const info = recipeInfo(r);
  const inputs = new Set<string>();
  for (const n of info.liveNodes) for (const i of r[n].input) if (!(i in r)) inputs.add(i);
  return [...inputs, ...info.liveNodes];
}

test('a cell compared with itself: isomorphic, every node matched, nothing marked', () => {
  for (const [i, r] of [...EXAMPLES, ...WT2].entries()) {
    const d = diffCells(r, r);
    assert.ok(d.isomorphic, `cell ${i}`);
    assertNoDifference(d, `cell ${i}`);
    assert.equal(d.left.matched.size, compared(r).length, `cell ${i}: every compared node has a counterpart`);
  }
});

test('a renamed, reordered copy (operands of commutative ops shuffled) is isomorphic with nothing marked', () => {
  for (const [i, r] of [...EXAMPLES, ...WT2].entries()) {
    for (const seed of [1, 2]) {
      const s = scramble(r, 100 * i + seed);
      const d = diffCells(r, s);
      assert.ok(d.isomorphic, `cell ${i} seed ${seed}`);
      assertNoDifference(d, `cell ${i} seed ${seed}`);
      // The counterpart of a node is a node of the same op.
      for (const [name, there] of d.left.matched)
        if (name in r) assert.equal(s[there].op, r[name].op, `cell ${i}: ${name} ↔ ${there}`);
    }
  }
});

test('two hidden states numbered the other way round still line up', () => {
  // The LSTM with a third state: h_new_2 = tanh(linear(x, h_prev_2)) multiplied into the output.
  const three = copy(LSTM);
  three.s = { op: 'linear', input: ['x', 'h_prev_2'] };
  three.h_new_2 = { op: 'activation_tanh', input: ['s'] };
  three.h_new_0 = { op: 'elementwise_prod', input: ['h_new_1_act', 'o_act', 'h_new_2'] };
  const swap = (r: R): R => {
    const ren = (n: string) =>
      n.replace(/^(h_new_|h_prev_)([12])$/, (_, p: string, k: string) => p + (k === '1' ? '2' : '1'));
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [ren(k), { op: v.op, input: v.input.map(ren) }]));
  };
  const swapped = swap(three);
  const d = diffCells(three, swapped);
  assert.ok(d.isomorphic);
  assertNoDifference(d, 'states 1 and 2 swapped');
  assert.deepEqual(
    [...d.stateMap].sort(),
    [
      [0, 0],
      [1, 2],
      [2, 1],
    ],
    'state 1 of the right cell is state 2 of the left',
  );
  // Not isomorphic any more (one op changed), and the states still line up: only that node and its readers differ.
  swapped.h_new_1_act.op = 'activation_sigm'; // was state 1's h_new_1_act, now reads h_new_2 (the LSTM cell state)
  const e = diffCells(three, swapped);
  assert.equal(e.isomorphic, false);
  assert.deepEqual([...e.right.onlyNodes].sort(), ['h_new_0', 'h_new_1_act']);
  assert.deepEqual([...e.left.onlyNodes].sort(), ['h_new_0', 'h_new_1_act']);
});

test('RNN vs LSTM (recepies_example.json): the RNN output differs; the LSTM gates, its cell state and output are only in the LSTM', () => {
  const d = diffCells(RNN, LSTM);
  assert.ok(d.comparable);
  assert.equal(d.isomorphic, false);
  // RNN: f = linear(x, h_prev_0) has a counterpart (one of the LSTM's four gate pre-activations); its output
  // tanh@0(f) is no output of the LSTM.
  assert.deepEqual(d.left.onlyNodes, ['h_new_0']);
  const f = d.left.matched.get('f');
  assert.ok(
    f && LSTM[f].op === 'linear' && [...LSTM[f].input].sort().join() === 'h_prev_0,x',
    `f ↔ a linear(x, h_prev_0) of the LSTM (${f})`,
  );
  assert.equal(d.left.matched.get('x'), 'x');
  assert.equal(d.left.matched.get('h_prev_0'), 'h_prev_0');
  assert.deepEqual(d.left.onlyEdges, [
    { source: 'f', target: 'h_new_0', operand: 0 },
    { source: 'h_new_0', target: 'h_prev_0', operand: -1 },
  ]);
  // LSTM: everything but x, h_prev_0 and that one linear, plus the cell-state input h_prev_1.
  const expected = compared(LSTM)
    .filter((n) => n !== 'x' && n !== 'h_prev_0' && n !== f)
    .sort();
  assert.ok(expected.includes('h_prev_1') && expected.includes('h_new_1') && expected.includes('o_act'));
  assert.deepEqual([...d.right.onlyNodes].sort(), expected);
  // The matched linear's operand edges are the same, every other LSTM edge is only in the LSTM.
  assert.ok(!d.right.onlyEdges.some((e) => e.target === f));
  assert.ok(d.right.onlyEdges.some((e) => e.source === 'h_new_1' && e.target === 'h_prev_1' && e.operand === -1));
  assert.deepEqual([...d.stateMap], [[0, 0]]);
});

/** `x` and every live node that reads it, directly or not, within the time step. */
function dependants(r: R, x: string): Set<string> {
  const info = recipeInfo(r);
  const out = new Set([x]);
  for (const n of info.order!) if (info.liveNodes.has(n) && r[n].input.some((i) => out.has(i))) out.add(n);
  return out;
}

const OTHER_OPS: Record<string, string[]> = {
  activation_tanh: ['activation_sigm', 'activation_leaky_relu'],
  activation_sigm: ['activation_tanh', 'activation_leaky_relu'],
  activation_leaky_relu: ['activation_tanh', 'activation_sigm'],
  elementwise_sum: ['elementwise_prod'],
  elementwise_prod: ['elementwise_sum'],
};

test("one node's op changed: exactly that node and its dependants are marked, on both sides", () => {
  let changes = 0;
  for (const [i, r] of [...EXAMPLES, ...WT2].entries()) {
    const info = recipeInfo(r);
    for (const x of info.order!) {
      if (!info.liveNodes.has(x) || !OTHER_OPS[r[x].op]) continue;
      for (const op of OTHER_OPS[r[x].op]) {
        const b = copy(r);
        b[x].op = op;
        const want = [...dependants(r, x)].sort();
        const d = diffCells(r, b);
        assert.equal(d.isomorphic, false, `cell ${i}: ${x} → ${op}`);
        assert.deepEqual([...d.left.onlyNodes].sort(), want, `cell ${i}: ${x} → ${op}, left`);
        assert.deepEqual([...d.right.onlyNodes].sort(), want, `cell ${i}: ${x} → ${op}, right`);
        // Marked edges end at a marked node, or leave a marked output for the next time step.
        for (const e of [...d.left.onlyEdges, ...d.right.onlyEdges]) {
          assert.ok(
            want.includes(e.operand < 0 ? e.source : e.target),
            `cell ${i}: ${x} → ${op}: edge ${JSON.stringify(e)}`,
          );
        }
        changes++;
      }
    }
  }
  assert.ok(changes > 200, `${changes} single-op changes checked`);
});

test('the LSTM with o_act tanh → sigmoid: o_act and h_new_0 differ although both keys exist elsewhere in the LSTM', () => {
  const b = copy(LSTM);
  b.o_act.op = 'activation_sigm';
  const d = diffCells(LSTM, b);
  assert.deepEqual([...d.left.onlyNodes].sort(), ['h_new_0', 'o_act']);
  assert.deepEqual([...d.right.onlyNodes].sort(), ['h_new_0', 'o_act']);
  assert.deepEqual(d.left.onlyEdges, [
    { source: 'o', target: 'o_act', operand: 0 },
    { source: 'h_new_1_act', target: 'h_new_0', operand: 0 },
    { source: 'o_act', target: 'h_new_0', operand: 1 },
    { source: 'h_new_0', target: 'h_prev_0', operand: -1 },
  ]);
});

test('dead nodes are not compared; invalid cells are reported, not thrown', () => {
  const withDead = copy(RNN);
  withDead.unused = { op: 'activation_tanh', input: ['x'] };
  const d = diffCells(RNN, withDead);
  assert.ok(d.isomorphic, 'a dead node does not change the canonical hash');
  assertNoDifference(d, 'dead node');
  assert.deepEqual(d.right.dead, ['unused']);
  const bad = diffCells(RNN, { h_new_0: { op: 'activation_relu', input: ['x'] } });
  assert.equal(bad.comparable, false);
  assert.match(bad.reason ?? '', /right cell: .*unknown op/);
  const cyc = diffCells(
    { a: { op: 'activation_tanh', input: ['h_new_0'] }, h_new_0: { op: 'activation_tanh', input: ['a'] } },
    RNN,
  );
  assert.equal(cyc.comparable, false);
  assert.match(cyc.reason ?? '', /left cell: .*cycle/);
});
