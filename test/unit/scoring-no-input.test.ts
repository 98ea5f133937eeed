/**
 * Cells whose output h_new_0 ignores the input x, or whose live part has no linear node (so no recurrent
 * parameter), are scored like any other cell: no throw, every score a finite value or NaN/±∞ with a reason.
 * Before the fix the `grad` pass stacked the statistics of zero parameters (`tf.stack([])`) and the whole cell
 * failed with "Pass at least one tensor to tf.stack".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recipe } from '../../src/recipe/types';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell } from '../../src/scoring/engine';
import { SCORE_IDS, type ScoreId, type ScoreReport, type ScoreSettings } from '../../src/scoring/types';
import { SIZE_PRESETS } from '../../src/scoring/presets';

const proxy: ScoreSettings = { ...SIZE_PRESETS.proxy, scores: SCORE_IDS, seed: 0, repeats: 1, backend: 'cpu' };

/**
 * A NAS-Bench-NLP recipe from a synthetic PTB log: h_new_0 = node_2 + node_1 reads only h_prev_0 / h_prev_2 through
 * sums and a blend; x (and both linear nodes) only reach h_new_1, which h_new_0 never reads.
 */
const FROM_PTB_LOG: Recipe = {
  node_0: { op: 'elementwise_sum', input: ['h_prev_2', 'h_prev_0'] },
  node_1: { op: 'blend', input: ['h_prev_2', 'h_prev_0', 'node_0'] },
  node_2: { op: 'elementwise_sum', input: ['h_prev_2', 'node_0'] },
  node_4: { op: 'linear', input: ['h_prev_0', 'x'] },
  node_5: { op: 'activation_sigm', input: ['node_4'] },
  node_6: { op: 'linear', input: ['h_prev_2', 'h_prev_1'] },
  node_7: { op: 'activation_tanh', input: ['node_6'] },
  node_9: { op: 'elementwise_sum', input: ['node_7', 'node_5'] },
  h_new_0: { op: 'elementwise_sum', input: ['node_2', 'node_1'] },
  h_new_1: { op: 'elementwise_sum', input: ['node_2', 'node_9'] },
  h_new_2: { op: 'elementwise_sum', input: ['h_new_0', 'node_1'] },
};

/** Hand-made edge cases: the first three have no live linear node (they crashed), the others do. */
const EDGE: Record<string, Recipe> = {
  'output = f(h_prev) only': { h_new_0: { op: 'activation_tanh', input: ['h_prev_0'] } },
  'output = blend of h_prev, no x': {
    h_new_0: { op: 'blend', input: ['h_prev_0', 'h_prev_1', 'h_prev_2'] },
    h_new_1: { op: 'elementwise_sum', input: ['h_prev_0', 'h_prev_1'] },
    h_new_2: { op: 'elementwise_prod', input: ['h_prev_2', 'h_prev_1'] },
  },
  'x only in h_new_1, which h_new_0 never reads': {
    l: { op: 'linear', input: ['x', 'h_prev_1'] },
    a: { op: 'activation_tanh', input: ['l'] },
    h_new_1: { op: 'elementwise_sum', input: ['a', 'h_prev_1'] },
    h_new_0: { op: 'elementwise_sum', input: ['h_prev_0', 'h_prev_0'] },
  },
  'x read only by a dead node; a live linear of h_prev': {
    d1: { op: 'linear', input: ['x', 'h_prev_0'] },
    d2: { op: 'activation_sigm', input: ['d1'] },
    l: { op: 'linear', input: ['h_prev_0', 'h_prev_0'] },
    a: { op: 'activation_tanh', input: ['l'] },
    h_new_0: { op: 'elementwise_sum', input: ['a', 'h_prev_0'] },
  },
  'a live linear of h_prev, no activation, no x': {
    l: { op: 'linear', input: ['h_prev_0'] },
    h_new_0: { op: 'elementwise_sum', input: ['l', 'h_prev_0'] },
  },
};

function byId(r: ScoreReport): Map<ScoreId, ScoreReport['results'][number]> {
  return new Map(r.results.map((s) => [s.id, s]));
}

/** Every requested score is present, and each is finite or NaN/±∞ with a reason. */
function assertAllDefined(name: string, r: ScoreReport): void {
  assert.deepEqual(
    r.results.map((s) => s.id),
    [...SCORE_IDS],
    name,
  );
  for (const s of r.results) {
    if (Number.isFinite(s.value)) continue;
    assert.ok(s.reason && s.reason.length > 0, `${name}: ${s.id} = ${s.value} without a reason`);
  }
}

test('setup: cpu backend', async () => {
  assert.equal((await initBackend('cpu')).name, 'cpu');
});

test('the PTB cell whose output ignores x is scored: every score defined or explained', async () => {
  const r = await scoreCell(FROM_PTB_LOG, proxy);
  assertAllDefined('PTB cell', r);
  const s = byId(r);
  const { vocab, embed } = SIZE_PRESETS.proxy;
  // No live linear node: only the embedding and the decoder bias.
  assert.equal(s.get('params')!.value, vocab * embed + vocab);
  // Gradients over no parameter: the empty sums are 0.
  assert.equal(s.get('grad_norm')!.value, 0);
  assert.equal(s.get('grad_norm')!.details!.loss, 0); // the output stays at the zero initial state
  assert.equal(s.get('snip')!.value, 0);
  assert.equal(s.get('ntk_trace')!.value, 0);
  const expect: [ScoreId, number, RegExp][] = [
    ['ntk_cond', NaN, /no parameters \(no linear node\)/],
    ['jacob_cov', NaN, /does not depend on the input/],
    ['zen', -Infinity, /does not change when the input is perturbed/],
    ['maedet', -Infinity, /output is constant/],
    ['naswot', NaN, /no activation nodes/],
    ['ninaswot', NaN, /no activation nodes/],
    ['synflow', NaN, /log R is not finite/],
    ['hidden_cov', NaN, /constant over all inputs and steps/],
    ['hybrid', NaN, /ninaswot is NaN/],
  ];
  for (const [id, value, reason] of expect) {
    assert.equal(s.get(id)!.value, value, id);
    assert.match(s.get(id)!.reason!, reason, id);
  }
});

test('edge cases without input dependence or without a linear node are scored at the proxy preset', async () => {
  for (const [name, cell] of Object.entries(EDGE)) {
    const r = await scoreCell(cell, proxy);
    assertAllDefined(name, r);
    const s = byId(r);
    // The output never depends on x: jacob_cov says so, zen is −∞.
    assert.equal(s.get('jacob_cov')!.value, NaN, name);
    assert.match(s.get('jacob_cov')!.reason!, /does not depend on the input/, name);
    assert.equal(s.get('zen')!.value, -Infinity, name);
    const linear = Object.values(cell).some((n) => n.op === 'linear');
    if (!linear || name.startsWith('x only in h_new_1')) {
      assert.equal(s.get('grad_norm')!.value, 0, name);
      assert.equal(s.get('snip')!.value, 0, name);
      assert.match(s.get('ntk_cond')!.reason!, /no parameters/, name);
    } else {
      assert.ok(s.get('grad_norm')!.value > 0, name);
    }
  }
});
