import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHash, canonicalForm } from '../../src/recipe/canonical';
import { exampleText, wikitextLogs, scramble } from '../helpers/data';

type R = Record<string, { op: string; input: string[] }>;
const examples = JSON.parse(exampleText()) as R[];

test('hash is invariant under renaming, key order and commutative operand order (examples, 20 scrambles each)', () => {
  for (const r of examples) {
    const h = canonicalHash(r);
    assert.match(h, /^[0-9a-f]{32}$/);
    for (let s = 0; s < 20; s++) assert.equal(canonicalHash(scramble(r, s)), h);
  }
});

test('hash is invariant for every WikiText-2 cell under scrambling', () => {
  for (const { text } of wikitextLogs()) {
    const r = JSON.parse((JSON.parse(text.replace(/\bNaN\b/g, 'null')) as { recepie: string }).recepie) as R;
    const h = canonicalHash(r);
    for (let s = 0; s < 3; s++) assert.equal(canonicalHash(scramble(r, s * 7919 + 1)), h);
  }
});

test('distinct example cells (RNN, LSTM, GRU, ...) get distinct hashes, except the two RNN spellings', () => {
  const hashes = examples.map(canonicalHash);
  // Examples 0 and 3 are both tanh(linear(x, h_prev_0)) with different names and operand order.
  assert.equal(hashes[0], hashes[3]);
  const others = hashes.filter((_, i) => i !== 3);
  assert.equal(new Set(others).size, others.length);
});

test('blend operand order matters; linear operand order does not', () => {
  const a: R = { g: { op: 'activation_sigm', input: ['x'] }, h_new_0: { op: 'blend', input: ['g', 'h_prev_0', 'x'] } };
  const b: R = { g: { op: 'activation_sigm', input: ['x'] }, h_new_0: { op: 'blend', input: ['g', 'x', 'h_prev_0'] } };
  assert.notEqual(canonicalHash(a), canonicalHash(b));
  const c: R = { l: { op: 'linear', input: ['x', 'h_prev_0'] }, h_new_0: { op: 'activation_tanh', input: ['l'] } };
  const d: R = { l: { op: 'linear', input: ['h_prev_0', 'x'] }, h_new_0: { op: 'activation_tanh', input: ['l'] } };
  assert.equal(canonicalHash(c), canonicalHash(d));
});

test('parameter sharing matters: one linear read twice differs from two linear nodes', () => {
  const shared: R = {
    l: { op: 'linear', input: ['x', 'h_prev_0'] },
    h_new_0: { op: 'elementwise_prod', input: ['l', 'l'] },
  };
  const separate: R = {
    l: { op: 'linear', input: ['x', 'h_prev_0'] },
    m: { op: 'linear', input: ['x', 'h_prev_0'] },
    h_new_0: { op: 'elementwise_prod', input: ['l', 'm'] },
  };
  assert.notEqual(canonicalHash(shared), canonicalHash(separate));
});

test('duplicated parameter-free nodes and dead nodes compute the same thing and hash the same', () => {
  const base: R = {
    l: { op: 'linear', input: ['x', 'h_prev_0'] },
    t: { op: 'activation_tanh', input: ['l'] },
    h_new_0: { op: 'elementwise_prod', input: ['t', 't'] },
  };
  const dup: R = {
    l: { op: 'linear', input: ['x', 'h_prev_0'] },
    t: { op: 'activation_tanh', input: ['l'] },
    u: { op: 'activation_tanh', input: ['l'] },
    h_new_0: { op: 'elementwise_prod', input: ['t', 'u'] },
  };
  const dead: R = { ...base, zombie: { op: 'linear', input: ['x'] } };
  assert.equal(canonicalHash(dup), canonicalHash(base));
  assert.equal(canonicalHash(dead), canonicalHash(base));
});

test('renumbering hidden states h_1 <-> h_2 gives the same hash; changing wiring does not', () => {
  const r: R = {
    a: { op: 'linear', input: ['x', 'h_prev_1'] },
    h_new_1: { op: 'activation_tanh', input: ['a'] },
    b: { op: 'linear', input: ['x', 'h_prev_2', 'h_prev_0'] },
    h_new_2: { op: 'activation_sigm', input: ['b'] },
    h_new_0: { op: 'elementwise_sum', input: ['h_new_1', 'h_new_2'] },
  };
  const swapped: R = {
    a: { op: 'linear', input: ['x', 'h_prev_2'] },
    h_new_2: { op: 'activation_tanh', input: ['a'] },
    b: { op: 'linear', input: ['x', 'h_prev_1', 'h_prev_0'] },
    h_new_1: { op: 'activation_sigm', input: ['b'] },
    h_new_0: { op: 'elementwise_sum', input: ['h_new_2', 'h_new_1'] },
  };
  assert.equal(canonicalHash(swapped), canonicalHash(r));
  const rewired: R = { ...r, a: { op: 'linear', input: ['x', 'h_prev_2'] } };
  assert.notEqual(canonicalHash(rewired), canonicalHash(r));
});

test('canonical form is readable and names shared nodes by back-reference', () => {
  const r: R = {
    n: { op: 'linear', input: ['x', 'h_prev_0'] },
    t: { op: 'activation_tanh', input: ['n'] },
    h_new_0: { op: 'elementwise_sum', input: ['t', 'n'] },
  };
  assert.equal(canonicalForm(r), 'elementwise_sum@0(activation_tanh(linear(hp0,x)),#2)');
});

test('the hash never throws, also on invalid or hostile recipes', () => {
  const bad: unknown[] = [
    {},
    { h_new_0: { op: 'x', input: ['h_new_0'] } },
    { a: { op: 'linear', input: ['b'] }, b: { op: 'linear', input: ['a'] } },
    { h_new_0: null },
    { __proto__: 1 },
  ];
  for (const b of bad) assert.match(canonicalHash(b as R), /^[0-9a-f]{32}$/);
});
