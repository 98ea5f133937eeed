import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/recipe/parse';
import { validateRecipe } from '../../src/recipe/validate';
import { recipeInfo } from '../../src/recipe/model';
import type { Diagnostic } from '../../src/recipe/types';

interface Case {
  name: string;
  text: string;
  /** Expected diagnostic: its code, severity and the exact text its span covers (undefined: not checked). */
  expect: { code: string; severity: 'error' | 'warning'; covers?: string; mentions?: string[] };
  /** Quick fix replacement text, if one is expected. */
  fix?: string;
}

const lstmLike = (extra: string) => `{"a": {"op": "linear", "input": ["x", "h_prev_0"]}, ${extra}}`;

const CASES: Case[] = [
  {
    name: 'x read by an activation',
    text: '{"h_new_0": {"op": "activation_tanh", "input": ["x"]}}',
    expect: { code: 'x-not-linear', severity: 'error', covers: '"x"', mentions: ['activation_tanh', 'linear'] },
  },
  {
    name: 'x read by an elementwise op',
    text: lstmLike('"h_new_0": {"op": "elementwise_prod", "input": ["a", "x"]}'),
    expect: { code: 'x-not-linear', severity: 'error', covers: '"x"', mentions: ['elementwise_prod'] },
  },
  {
    name: 'truncated JSON',
    text: '{"h_new_0": {"op": "activation_tanh", "input": ["x"]',
    expect: { code: 'not-json', severity: 'error' },
  },
  {
    name: 'trailing comma',
    text: '{"h_new_0": {"op": "activation_tanh", "input": ["x"],}}',
    expect: { code: 'not-json', severity: 'error' },
  },
  { name: 'empty file', text: '   ', expect: { code: 'not-a-cell', severity: 'error' } },
  { name: 'a number', text: '42', expect: { code: 'not-a-cell', severity: 'error', covers: '42' } },
  { name: 'a string', text: '"h_new_0"', expect: { code: 'not-a-cell', severity: 'error', covers: '"h_new_0"' } },
  { name: 'empty object', text: '{}', expect: { code: 'empty-cell', severity: 'error', covers: '{}' } },
  { name: 'empty list', text: '[]', expect: { code: 'not-a-cell', severity: 'error', covers: '[]' } },
  {
    name: 'node is a string',
    text: '{"h_new_0": "tanh"}',
    expect: { code: 'bad-node', severity: 'error', covers: '"tanh"' },
  },
  {
    name: 'node without op',
    text: '{"h_new_0": {"input": ["x"]}}',
    expect: { code: 'missing-op', severity: 'error', covers: '"h_new_0"' },
  },
  {
    name: 'op is a number',
    text: '{"h_new_0": {"op": 3, "input": ["x"]}}',
    expect: { code: 'missing-op', severity: 'error', covers: '3' },
  },
  {
    name: 'unknown op with suggestion',
    text: '{"h_new_0": {"op": "activation_relu", "input": ["x"]}}',
    expect: { code: 'unknown-op', severity: 'error', covers: '"activation_relu"', mentions: ['activation_leaky_relu'] },
    fix: '"activation_leaky_relu"',
  },
  {
    name: 'unknown op "tanh"',
    text: '{"h_new_0": {"op": "tanh", "input": ["x"]}}',
    expect: { code: 'unknown-op', severity: 'error', covers: '"tanh"' },
    fix: '"activation_tanh"',
  },
  {
    name: 'unknown op "sum"',
    text: '{"h_new_0": {"op": "sum", "input": ["x", "h_prev_0"]}}',
    expect: { code: 'unknown-op', severity: 'error', covers: '"sum"' },
    fix: '"elementwise_sum"',
  },
  {
    name: 'input not a list',
    text: '{"h_new_0": {"op": "activation_tanh", "input": "x"}}',
    expect: { code: 'bad-input-list', severity: 'error', covers: '"x"' },
  },
  {
    name: 'input item a number',
    text: '{"h_new_0": {"op": "linear", "input": ["x", 5]}}',
    expect: { code: 'bad-input-list', severity: 'error', covers: '5' },
  },
  {
    name: 'no input key',
    text: '{"h_new_0": {"op": "linear"}}',
    expect: { code: 'bad-input-list', severity: 'error', covers: '"h_new_0"' },
  },
  {
    name: 'blend with two inputs',
    text: lstmLike('"h_new_0": {"op": "blend", "input": ["a", "x"]}'),
    expect: { code: 'arity', severity: 'error', covers: '["a", "x"]', mentions: ['exactly 3'] },
  },
  {
    name: 'activation with two inputs',
    text: '{"h_new_0": {"op": "activation_sigm", "input": ["x", "h_prev_0"]}}',
    expect: { code: 'arity', severity: 'error', covers: '["x", "h_prev_0"]' },
  },
  {
    name: 'elementwise with one input',
    text: '{"h_new_0": {"op": "elementwise_sum", "input": ["x"]}}',
    expect: { code: 'arity', severity: 'error', covers: '["x"]', mentions: ['at least 2'] },
  },
  {
    name: 'linear with no inputs',
    text: '{"h_new_0": {"op": "linear", "input": []}}',
    expect: { code: 'arity', severity: 'error', covers: '[]' },
  },
  {
    name: 'dangling input with suggestion',
    text: lstmLike('"h_new_0": {"op": "activation_tanh", "input": ["aa"]}'),
    expect: { code: 'dangling-input', severity: 'error', covers: '"aa"' },
    fix: '"a"',
  },
  {
    name: 'dangling input without suggestion',
    text: lstmLike('"h_new_0": {"op": "activation_tanh", "input": ["completely_different"]}'),
    expect: { code: 'dangling-input', severity: 'error', covers: '"completely_different"' },
  },
  {
    name: 'h_prev_1 read without h_new_1',
    text: '{"h_new_0": {"op": "linear", "input": ["x", "h_prev_1"]}}',
    expect: { code: 'missing-hidden', severity: 'error', covers: '"h_prev_1"' },
  },
  {
    name: 'gap in hidden states',
    text: '{"h_new_0": {"op": "linear", "input": ["x", "h_prev_0", "h_prev_2"]}, "h_new_2": {"op": "activation_tanh", "input": ["h_new_0"]}}',
    expect: { code: 'missing-hidden', severity: 'error', covers: '"h_new_2"', mentions: ['h_new_1'] },
  },
  {
    name: 'self loop',
    text: '{"a": {"op": "elementwise_sum", "input": ["a", "x"]}, "h_new_0": {"op": "activation_tanh", "input": ["a"]}}',
    expect: { code: 'cycle', severity: 'error', covers: '"a"', mentions: ['a'] },
  },
  {
    name: 'three-node cycle',
    text: '{"p": {"op": "linear", "input": ["x", "r"]}, "q": {"op": "activation_tanh", "input": ["p"]}, "r": {"op": "activation_sigm", "input": ["q"]}, "h_new_0": {"op": "activation_tanh", "input": ["r"]}}',
    expect: { code: 'cycle', severity: 'error', covers: '"p"', mentions: ['p → q → r → p'] },
  },
  {
    name: 'missing h_new_0',
    text: '{"a": {"op": "linear", "input": ["x", "h_prev_0"]}}',
    expect: { code: 'missing-output', severity: 'error', covers: '{' },
  },
  {
    name: 'x defined as a node',
    text: '{"x": {"op": "linear", "input": ["h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["x"]}}',
    expect: { code: 'reserved-name', severity: 'error', covers: '"x"' },
  },
  {
    name: 'h_prev_0 defined as a node',
    text: '{"h_prev_0": {"op": "linear", "input": ["x"]}, "h_new_0": {"op": "activation_tanh", "input": ["h_prev_0"]}}',
    expect: { code: 'reserved-name', severity: 'error', covers: '"h_prev_0"' },
  },
  {
    name: 'duplicate node key',
    text: '{"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["x"]}}',
    expect: { code: 'duplicate-key', severity: 'error', covers: '"h_new_0"' },
  },
  {
    name: 'duplicate op key',
    text: '{"h_new_0": {"op": "linear", "op": "blend", "input": ["x", "h_prev_0"]}}',
    expect: { code: 'duplicate-key', severity: 'error', covers: '"op"' },
  },
  {
    name: 'unread state (warning)',
    text: '{"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_1": {"op": "activation_tanh", "input": ["h_new_0"]}}',
    expect: { code: 'unread-state', severity: 'warning', covers: '"h_new_1"' },
  },
  {
    name: 'dead node (warning)',
    text: '{"dead": {"op": "linear", "input": ["x"]}, "h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}}',
    expect: { code: 'unreachable', severity: 'warning', covers: '"dead"', mentions: ['parameters'] },
  },
  {
    name: 'ignores x (warning)',
    text: '{"h_new_0": {"op": "linear", "input": ["h_prev_0"]}}',
    expect: { code: 'unreachable', severity: 'warning', mentions: ['"x"'] },
  },
  {
    name: 'log with non-string recepie',
    text: '{"recepie": 5, "recepie_id": 1}',
    expect: { code: 'bad-log', severity: 'error', covers: '5' },
  },
  {
    name: 'log with broken recepie string',
    text: '{"recepie": "{\\"h_new_0\\": {", "recepie_id": 1}',
    expect: { code: 'bad-log', severity: 'error' },
  },
  {
    name: 'log recepie with unknown op points into the string',
    text: '{"recepie": "{\\"h_new_0\\": {\\"op\\": \\"tanhh\\", \\"input\\": [\\"x\\"]}}", "recepie_id": 1}',
    expect: { code: 'unknown-op', severity: 'error', covers: '\\"tanhh\\"' },
    fix: '\\"activation_tanh\\"',
  },
];

function allDiagnostics(text: string): Diagnostic[] {
  const doc = parseDocument(text);
  return [...doc.diagnostics, ...doc.cells.flatMap((c) => c.diagnostics)];
}

for (const c of CASES) {
  test(`malformed: ${c.name} → ${c.expect.code}`, () => {
    const ds = allDiagnostics(c.text);
    const hit = ds.find(
      (d) =>
        d.code === c.expect.code &&
        d.severity === c.expect.severity &&
        (c.expect.covers === undefined || c.text.slice(d.span.start, d.span.end) === c.expect.covers),
    );
    assert.ok(
      hit,
      `expected ${c.expect.code}/${c.expect.severity} covering ${c.expect.covers}; got ${JSON.stringify(ds.map((d) => [d.code, d.severity, c.text.slice(d.span.start, d.span.end), d.message]))}`,
    );
    assert.ok(hit.message.length > 15, 'message says something');
    for (const m of c.expect.mentions ?? [])
      assert.ok(hit.message.includes(m), `message "${hit.message}" mentions ${m}`);
    if (c.fix !== undefined) {
      assert.ok(hit.fixes && hit.fixes.length > 0, 'has a quick fix');
      assert.equal(hit.fixes[0].text, c.fix);
      assert.equal(c.text.slice(hit.fixes[0].span.start, hit.fixes[0].span.end), c.expect.covers);
    }
  });
}

test('valid cells produce no errors and no warnings of the checked kinds', () => {
  const lstm =
    '{"i": {"op": "linear", "input": ["x", "h_prev_0"]}, "g": {"op": "activation_sigm", "input": ["i"]}, "c": {"op": "blend", "input": ["g", "h_prev_1", "i"]}, "h_new_1": {"op": "elementwise_sum", "input": ["c", "i"]}, "h_new_0": {"op": "activation_tanh", "input": ["h_new_1"]}}';
  assert.deepEqual(allDiagnostics(lstm), []);
});

test('the parser never throws on hostile inputs', () => {
  const hostile = [
    '',
    '\u0000',
    '{',
    '}',
    '[[[[[[[[',
    '['.repeat(5000) + ']'.repeat(5000),
    '{"__proto__": {"op": "linear", "input": ["x"]}, "h_new_0": {"op": "activation_tanh", "input": ["__proto__"]}}',
    '{"constructor": {"op": "linear", "input": ["x"]}, "h_new_0": {"op": "activation_tanh", "input": ["constructor"]}}',
    '{"1": {"op": "linear", "input": ["x"]}, "h_new_0": {"op": "activation_tanh", "input": ["1"]}}',
    '{"ノード": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["ノード"]}}',
    '{"recepie": "' + '\\\\'.repeat(1000) + '"}',
    '{"recepie": null}',
    '[1, "a", null, true, {}]',
    '{"h_new_0": {"op": null, "input": null}}',
    '{"h_new_99999999999": {"op": "linear", "input": ["x"]}}',
    '{"h_new_0": {"op": "linear", "input": ["h_prev_123456789012"]}}',
  ];
  for (const t of hostile) {
    const doc = parseDocument(t);
    assert.ok(Array.isArray(doc.cells));
  }
  // __proto__ and constructor are ordinary node names.
  const p = parseDocument(hostile[6]).cells[0];
  assert.deepEqual(
    p.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.equal(p.nodes[0].name, '__proto__');
});

test('10,000-node chain: validated without stack overflow, liveness and order computed', () => {
  const r: Record<string, { op: string; input: string[] }> = { n0: { op: 'linear', input: ['x', 'h_prev_0'] } };
  for (let i = 1; i < 10000; i++) r[`n${i}`] = { op: i % 2 ? 'activation_tanh' : 'linear', input: [`n${i - 1}`] };
  r.h_new_0 = { op: 'activation_sigm', input: ['n9999'] };
  assert.deepEqual(
    validateRecipe(r).filter((d) => d.severity === 'error'),
    [],
  );
  const info = recipeInfo(r);
  assert.equal(info.order?.length, 10001);
  assert.equal(info.liveNodes.size, 10001);
  // A long cycle is found and named.
  r.n0 = { op: 'linear', input: ['x', 'n9999'] };
  const cyc = validateRecipe(r).find((d) => d.code === 'cycle');
  assert.ok(cyc);
  assert.equal(cyc.nodes?.length, 10000);
});

test('recipeInfo: hidden tuple size and liveness through the recurrence', () => {
  const r = {
    a: { op: 'linear', input: ['x', 'h_prev_1'] },
    h_new_0: { op: 'activation_tanh', input: ['a'] },
    b: { op: 'linear', input: ['x', 'h_prev_0'] },
    h_new_1: { op: 'activation_sigm', input: ['b'] },
    dead: { op: 'linear', input: ['x'] },
    h_new_2: { op: 'activation_tanh', input: ['x'] },
  };
  const info = recipeInfo(r);
  assert.equal(info.hiddenTupleSize, 3);
  // h_new_0 reads h_prev_1, so h_new_1 (and b) are live; dead and h_new_2 are not.
  assert.deepEqual([...info.liveNodes].sort(), ['a', 'b', 'h_new_0', 'h_new_1']);
});
