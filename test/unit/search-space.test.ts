import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { validateRecipe } from '../../src/recipe/validate';
import { hNewIndex } from '../../src/recipe/ops';
import type { Recipe } from '../../src/recipe/types';
import { makeRng } from '../../src/scoring/rng';
import { generateRecepie, hiddenSize, NB_MAX_NODES, randomCell, spaceViolations } from '../../src/search/space';
import { crossover, mutate, type MutationKind } from '../../src/search/mutate';

const noErrors = (r: Recipe) => validateRecipe(r).filter((d) => d.severity === 'error');

function assertInSpace(r: Recipe, what: string): void {
  assert.deepEqual(
    noErrors(r).map((d) => d.message),
    [],
    `${what}: ${JSON.stringify(r)}`,
  );
  assert.deepEqual(spaceViolations(r), [], `${what}: ${JSON.stringify(r)}`);
  const n = Object.keys(r).length;
  assert.ok(n >= 1 && n <= NB_MAX_NODES, `${what}: ${n} nodes`);
  const h = hiddenSize(r);
  assert.ok(h >= 1 && h <= 3);
}

test('10,000 generated cells are valid, within the node/hidden limits, and use 1, 2 and 3 hidden states', () => {
  const rng = makeRng(123).next;
  const hidden = new Set<number>();
  let maxNodes = 0;
  for (let i = 0; i < 10000; i++) {
    const r = randomCell(rng);
    assertInSpace(r, `cell ${i}`);
    hidden.add(hiddenSize(r));
    maxNodes = Math.max(maxNodes, Object.keys(r).length);
  }
  assert.deepEqual([...hidden].sort(), [1, 2, 3]);
  assert.ok(maxNodes >= 15, `largest cell ${maxNodes}`);
});

test('generator is deterministic per seed and its rules hold on the raw benchmark procedure', () => {
  assert.deepEqual(randomCell(makeRng(9).next), randomCell(makeRng(9).next));
  assert.notDeepEqual(randomCell(makeRng(9).next), randomCell(makeRng(10).next));
  const rng = makeRng(4).next;
  for (let i = 0; i < 300; i++) {
    const { recipe } = generateRecepie(rng, 3, 21);
    // the benchmark generator's node budget: H + I + 1 at most
    assert.ok(Object.keys(recipe).length <= 25);
    for (const [k, n] of Object.entries(recipe)) if (n.op !== 'linear') assert.ok(!n.input.includes('x'), k);
    assert.equal(Object.keys(recipe).filter((k) => hNewIndex(k) !== undefined).length, 3);
  }
});

test('the trained NAS-Bench-NLP WikiText-2 cells satisfy the space rules (except the three hand-made ones)', () => {
  const zip = unzipSync(readFileSync(join(__dirname, '../../../shared/nas-bench-nlp/wikitext-2-logs.zip')));
  let checked = 0;
  for (const [name, bytes] of Object.entries(zip)) {
    if (!name.endsWith('.json')) continue;
    const log = JSON.parse(strFromU8(bytes).replace(/\bNaN\b/g, 'null')) as { recepie: string; recepie_id: number };
    if (log.recepie_id <= 1000002) continue; // RNN, LSTM, GRU written by hand
    const r = JSON.parse(log.recepie) as Recipe;
    assert.deepEqual(spaceViolations(r), [], `${name}`);
    assert.deepEqual(noErrors(r), [], name);
    checked++;
  }
  assert.equal(checked, 342);
});

test('10,000 mutations (chains from random cells) are all valid, in the space and different from the parent', () => {
  const rng = makeRng(77).next;
  const kinds: Record<string, number> = {};
  let unchanged = 0;
  let cell = randomCell(rng);
  for (let i = 0; i < 10000; i++) {
    if (i % 20 === 0) cell = randomCell(rng);
    const m = mutate(cell, rng);
    if (!m.changed) {
      unchanged++;
      continue;
    }
    kinds[m.kind!] = (kinds[m.kind!] ?? 0) + 1;
    assertInSpace(m.recipe, `mutation ${i} (${m.kind})`);
    assert.notDeepEqual(m.recipe, cell);
    cell = m.recipe;
  }
  assert.equal(unchanged, 0);
  for (const k of ['op', 'rewire', 'add', 'remove'] as MutationKind[])
    assert.ok((kinds[k] ?? 0) > 1000, JSON.stringify(kinds));
});

test('each mutation kind alone works and respects arity when the op changes', () => {
  const rng = makeRng(5).next;
  for (const kind of ['op', 'rewire', 'add', 'remove'] as MutationKind[]) {
    let ok = 0;
    for (let i = 0; i < 200; i++) {
      const parent = randomCell(rng);
      const m = mutate(parent, rng, { kinds: [kind] });
      if (!m.changed) continue;
      ok++;
      assert.equal(m.kind, kind);
      assertInSpace(m.recipe, kind);
      if (kind === 'add') assert.ok(Object.keys(m.recipe).length >= 1);
    }
    assert.ok(ok >= 150, `${kind}: ${ok}/200`);
  }
});

test('mutation and crossover are deterministic for a fixed seed', () => {
  const p = randomCell(makeRng(1).next);
  const q = randomCell(makeRng(2).next);
  assert.deepEqual(mutate(p, makeRng(3).next), mutate(p, makeRng(3).next));
  assert.deepEqual(crossover(p, q, makeRng(3).next), crossover(p, q, makeRng(3).next));
});

test('2,000 crossovers yield valid cells in the space, mostly by a real exchange', () => {
  const rng = makeRng(99).next;
  let real = 0;
  for (let i = 0; i < 2000; i++) {
    const a = randomCell(rng);
    const b = randomCell(rng);
    const c = crossover(a, b, rng);
    assertInSpace(c.recipe, `crossover ${i}`);
    if (c.changed) real++;
  }
  assert.ok(real >= 1800, `${real}/2000 real crossovers`);
});
