/**
 * Fuzz test of the text → cell → graph pipeline on generated malformed and hostile inputs (seeded, reproducible).
 *
 * Every input goes through parseDocument (which validates) → toRecipe / recipeInfo / canonicalHash for every cell
 * → for cells without errors: validateRecipe on the plain recipe, buildPlan of the scoring network, the key spans
 * decoded back to the node names and a recipeToJson round trip → buildGraphModel + layoutGraph (as a webview
 * render message, checked with the webview's own validator) for cells under 300 nodes. A sample of 30 goes through
 * the real command line, `node dist/cli.js check FILE --json`, and must report what the library reports.
 *
 * Checked for every input: nothing throws; every span (diagnostics, related spans, quick fixes, cells, nodes,
 * inputs) lies inside the document; an input built to be invalid gets ≥ 1 diagnostic and no clean cell; an input
 * built to be valid gets a cell without errors; applying a quick fix never breaks the JSON; Object.prototype is
 * never touched; and the output is bounded by the input (never more diagnostics than characters). The test asserts
 * no time: the CPU time of the slowest inputs is printed as a test diagnostic, for information; a hang ends in the
 * test's timeout.
 *
 * Reproduce one input: `FUZZ_SEED` changes the seed; a failure message names the input's kind and index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, MAX_DOCUMENT_CHARS, MAX_LIST_ITEMS, MAX_NESTING } from '../../src/recipe/parse';
import { toRecipe, recipeInfo, recipeToJson } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { validateRecipe } from '../../src/recipe/validate';
import { OP_NAMES } from '../../src/recipe/ops';
import type { Cell, Diagnostic, ParsedDocument, Recipe, Span } from '../../src/recipe/types';
import { checkText, type FileReport } from '../../src/cli/check';
import { cellView } from '../../src/graph/views';
import { isToWebview, PROTOCOL_VERSION } from '../../src/graph/protocol';
import { buildPlan } from '../../src/scoring/model/network';
import { exampleText, wikitextLogs, REPO } from '../helpers/data';

// ------------------------------------------------------------------ a small seeded generator (xoshiro128**)

class Gen {
  private s: Uint32Array;
  constructor(seed: number) {
    // splitmix32 to fill the state
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  /** Uniform in [0, 1). */
  next(): number {
    const s = this.s;
    const r = Math.imul((Math.imul(s[1], 5) << 7) | (Math.imul(s[1], 5) >>> 25), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ((s[3] << 11) | (s[3] >>> 21)) >>> 0;
    return r / 4294967296;
  }
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const g = new Gen(SEED);

/** Cells with fewer nodes are laid out (dagre) like the graph panel does. */
const LAYOUT_MAX_NODES = 300;
/** Clean cells with fewer nodes also get validateRecipe, buildPlan and a recipeToJson round trip. */
const DEEP_CHECK_MAX_NODES = 3000;
/** How many inputs also go through the real CLI. */
const CLI_SAMPLE = 30;

// ------------------------------------------------------------------ inputs

type Expect = 'invalid' | 'valid' | 'any';
interface Input {
  readonly kind: string;
  readonly text: string;
  readonly expect: Expect;
}
const inputs: Input[] = [];
const add = (kind: string, text: string, expect: Expect): void => {
  inputs.push({ kind, text, expect });
};

type R = Record<string, { op: string; input: string[] }>;
const examples = JSON.parse(exampleText()) as R[];
const [RNN, LSTM, GRU] = examples;
const logs = wikitextLogs();
const realLogs = [0, 1, 2, 57, 100, 200, 344].map((i) => logs[i].text);
// A diverged run: NaN in the losses (Python's json writes NaN).
const nanLog = logs.find((l) => /\bNaN\b/.test(l.text))?.text ?? realLogs[0];
const logOf = (recepie: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    recepie: typeof recepie === 'string' ? recepie : JSON.stringify(recepie),
    recepie_id: 7,
    data: 'data/ptb',
    ...extra,
  });

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const ops = [...OP_NAMES];
/** A recipe with its internal nodes renamed (h_new_i kept). */
function renamed(r: R, name: (old: string, i: number) => string): R {
  const map = new Map<string, string>();
  Object.keys(r).forEach((k, i) => {
    if (!/^h_new_\d+$/.test(k)) map.set(k, name(k, i));
  });
  const out = Object.create(null) as R; // a node may be renamed "__proto__"
  for (const [k, v] of Object.entries(r))
    out[map.get(k) ?? k] = { op: v.op, input: v.input.map((x) => map.get(x) ?? x) };
  return out;
}

// 1. Truncations of valid texts at every kind of position: every position of the small ones; for the larger ones
//    the first and last few positions of every character class, plus random positions.
{
  const bases: [string, string][] = [
    ['recipe RNN', JSON.stringify(RNN)],
    ['recipe LSTM pretty', JSON.stringify(LSTM, null, 2)],
    ['list', JSON.stringify([RNN, GRU, examples[4]])],
    ['log', realLogs[0]],
    ['log NaN', nanLog],
    [
      'log unicode escapes',
      logOf(renamed(RNN, (_, i) => `ñ\u00e9😀${i}`)).replace(
        /[^\x20-\x7e]/g,
        (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
      ),
    ],
  ];
  const cls = (c: string): string =>
    /[{}[\]:,"\\]/.test(c) ? c : /\d/.test(c) ? 'digit' : /\s/.test(c) ? 'space' : /[a-z_]/i.test(c) ? 'word' : 'other';
  for (const [name, full] of bases) {
    const text = full.trimEnd();
    const cuts = new Set<number>();
    if (text.length <= 200) for (let p = 0; p < text.length; p++) cuts.add(p);
    else {
      const byClass = new Map<string, number[]>();
      for (let p = 0; p < text.length; p++) {
        const c = cls(text[p]);
        (byClass.get(c) ?? byClass.set(c, []).get(c)!).push(p);
      }
      for (const ps of byClass.values()) {
        for (const p of [...ps.slice(0, 3), ...ps.slice(-3)]) {
          cuts.add(p);
          cuts.add(p + 1 < text.length ? p + 1 : p);
        }
      }
      for (let k = 0; k < 25; k++) cuts.add(g.int(text.length));
    }
    for (const p of cuts) add(`truncated ${name} @${p}`, text.slice(0, p), 'invalid');
  }
}

// 2. Wrong types everywhere.
{
  const badValues: unknown[] = [
    0,
    3.5,
    -1,
    [],
    ['linear'],
    [['x']],
    null,
    true,
    false,
    {},
    { op: 'linear' },
    '',
    'linear ',
    'LINEAR',
    'activation_relu',
  ];
  for (let k = 0; k < 120; k++) {
    const r = clone(g.pick([RNN, LSTM, GRU]));
    const names = Object.keys(r);
    const node = g.pick(names);
    const where = g.int(4);
    const v = g.pick(badValues);
    const obj = r as unknown as Record<string, Record<string, unknown>>;
    let expect: Expect = 'invalid';
    if (where === 0) {
      obj[node].op = v;
      if (typeof v === 'string' && v === 'linear') expect = 'any';
    } else if (where === 1) obj[node].input = g.pick([v, 'x', { x: 1 }, 5, null, [1, 2], [['x']], [null], [true, 'x']]);
    else if (where === 2) (obj as Record<string, unknown>)[node] = g.pick([v, 'tanh', ['linear', ['x']], 7, null]);
    else {
      delete obj[node].op;
      if (g.chance(0.5)) delete obj[node].input;
    }
    add(`wrong type (${['op', 'input', 'node', 'missing key'][where]})`, JSON.stringify(r), expect);
  }
  for (const t of [
    '42',
    '"h_new_0"',
    'true',
    'null',
    '-0',
    '1e999',
    '[]',
    '{}',
    '[1, "a", null, true]',
    '[[]]',
    '[{}]',
    '{"recepie": 5}',
    '{"recepie": null}',
    '{"recepie": []}',
    '{"recepie": "[]"}',
    '{"recepie": "42"}',
    '{"recepie": ""}',
  ]) {
    add('wrong type (document)', t, 'invalid');
  }
}

// 3. Deep nesting (10,000 levels) and just around the nesting limit.
{
  const N = 10_000;
  add('deep [', '['.repeat(N), 'invalid');
  add('deep [ ]', '['.repeat(N) + ']'.repeat(N), 'invalid');
  add('deep {', '{"a":'.repeat(N), 'invalid');
  add('deep { }', '{"a":'.repeat(N) + '1' + '}'.repeat(N), 'invalid');
  add('deep [{ }]', '[{"a":'.repeat(N / 2) + 'null' + '}]'.repeat(N / 2), 'invalid');
  add('deep node value', `{"h_new_0": ${'['.repeat(N)}${']'.repeat(N)}}`, 'invalid');
  add('deep input list', `{"h_new_0": {"op": "linear", "input": ${'['.repeat(N)}"x"${']'.repeat(N)}}}`, 'invalid');
  add('deep in recepie string', logOf('['.repeat(N) + ']'.repeat(N)), 'invalid');
  add('deep in recepie object', `{"recepie": ${'{"a":'.repeat(N)}1${'}'.repeat(N)}}`, 'invalid');
  add(
    'deep brackets inside a string (fine)',
    JSON.stringify({ ...RNN, ['['.repeat(N)]: { op: 'linear', input: ['x'] } }),
    'valid',
  );
  add('deep brackets inside a comment (fine)', `/* ${'['.repeat(N)} */ ${JSON.stringify(RNN)}`, 'valid');
  add('deep at the limit', '['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING), 'invalid');
  add('deep just over the limit', '['.repeat(MAX_NESTING + 1) + ']'.repeat(MAX_NESTING + 1), 'invalid');
}

// 4. Big: a 10 MB file, a file just under the limit, a list longer than the item limit.
{
  add('10 MB of garbage', 'x'.repeat(10 * 1024 * 1024), 'invalid');
  add('10 MB valid JSON', JSON.stringify(RNN) + ' '.repeat(10 * 1024 * 1024), 'invalid'); // too-large: a warning, no cell
  add('4.9 MB valid recipe (whitespace)', JSON.stringify(RNN) + ' '.repeat(MAX_DOCUMENT_CHARS - 100_000), 'valid');
  add('list of 300k empty objects', '[' + '{},'.repeat(300_000) + '{}]', 'invalid');
  add(`list of ${MAX_LIST_ITEMS + 5} numbers`, '[' + '1,'.repeat(MAX_LIST_ITEMS + 4) + '1]', 'invalid');
}

// 5. 10,000-node cells: a chain, a wide sum, a 10,000-node cycle; and a 2,000-node random DAG.
{
  const chain: R = { n0: { op: 'linear', input: ['x', 'h_prev_0'] } };
  for (let i = 1; i < 10_000; i++)
    chain[`n${i}`] = {
      op: i % 3 === 0 ? 'linear' : i % 3 === 1 ? 'activation_tanh' : 'elementwise_sum',
      input: i % 3 === 2 ? [`n${i - 1}`, `n${i - 2}`] : [`n${i - 1}`],
    };
  chain.h_new_0 = { op: 'activation_sigm', input: ['n9999'] };
  add('10,000-node chain', JSON.stringify(chain), 'valid');
  const wide: R = {};
  for (let i = 0; i < 10_000; i++) wide[`w${i}`] = { op: 'linear', input: ['x', 'h_prev_0'] };
  wide.h_new_0 = { op: 'elementwise_sum', input: Object.keys(wide) };
  add('10,000-node wide', JSON.stringify(wide), 'valid');
  const ring: R = {};
  for (let i = 0; i < 10_000; i++) ring[`c${i}`] = { op: 'activation_tanh', input: [`c${(i + 1) % 10_000}`] };
  ring.h_new_0 = { op: 'linear', input: ['c0', 'x'] };
  add('10,000-node cycle', JSON.stringify(ring), 'invalid');
  const dag: R = {};
  for (let i = 0; i < 2000; i++) {
    const ins = ['x'];
    for (let k = 0; k < 1 + g.int(3); k++) if (i > 0) ins.push(`d${g.int(i)}`);
    dag[`d${i}`] = { op: 'linear', input: ins };
  }
  dag.h_new_0 = { op: 'elementwise_sum', input: ['d1999', 'h_prev_0'] };
  add('2,000-node random DAG', JSON.stringify(dag), 'valid');
}

// 6. Random cells with cycles and self-loops.
for (let k = 0; k < 80; k++) {
  const r = clone(g.pick(examples));
  const names = Object.keys(r);
  const a = g.pick(names);
  if (g.chance(0.4)) {
    // self-loop
    r[a].input = [...r[a].input, a];
    if (r[a].op.startsWith('activation')) r[a].op = 'linear';
    if (r[a].op === 'blend') r[a].op = 'elementwise_sum';
  } else {
    // a back edge from a node to one of its ancestors
    const info = recipeInfo(r);
    const order = info.order ?? names;
    const i = order.indexOf(a);
    const later = order.slice(i + 1);
    if (later.length === 0) continue;
    // a reads a node after it in topological order: a cycle when that node depends on a (decided below).
    r[a] = { op: 'linear', input: [...r[a].input, g.pick(later)] };
  }
  add('cycle / self-loop', JSON.stringify(r), recipeInfo(r).order ? 'any' : 'invalid');
}

// 7. Unicode, emoji, numbers, reserved-looking and prototype names; duplicate keys; NaN / Infinity; BOM; comments.
{
  const weird = [
    'ñ',
    'ノード',
    '节点',
    '😀',
    '👩‍👩‍👧‍👦',
    'e\u0301',
    '\u200b',
    '\u202eevil',
    '\ud800',
    '\udfff',
    'a\u0000b',
    ' ',
    '',
    '\\',
    '"',
    '\n',
    '</script>',
    '<img src=x onerror=alert(1)>',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    'valueOf',
    '__defineGetter__',
    '0',
    '1e3',
    '-1',
    'NaN',
    'Infinity',
    'null',
    'true',
    '3.14',
    'h_new_00',
    'h_new_01',
    'h_prev_01',
    'h_new_99999',
    'h_new_-1',
    'h_new_1.0',
    'H_NEW_0',
    'h_new_999999',
    'x ',
    'X',
  ];
  for (const w of weird) {
    for (const base of [RNN, LSTM]) {
      const r = renamed(base, (_, i) => (i === 0 ? w : `${w}${i}`));
      // A name that is empty / a cell input / an output-like name may be rejected: 'any'; the rest must stay valid.
      const safe = !/^(h_new_|h_prev_|x$|X$)/i.test(w) && w !== '';
      add(`name ${JSON.stringify(w)}`, JSON.stringify(r), safe ? 'valid' : 'any');
      add(`name ${JSON.stringify(w)} in a log`, logOf(r), safe ? 'valid' : 'any');
    }
    add(`op ${JSON.stringify(w)}`, JSON.stringify({ ...RNN, h_new_0: { op: w, input: ['f'] } }), 'invalid');
  }
  const protoCell =
    '{"__proto__": {"op": "linear", "input": ["x", "h_prev_0"], "__proto__": {"polluted": 1}}, "constructor": {"op": "activation_tanh", "input": ["__proto__"], "constructor": {"prototype": {"polluted": 2}}}, "h_new_0": {"op": "activation_sigm", "input": ["constructor"]}}';
  add('prototype keys inside nodes', protoCell, 'valid');
  add(
    'prototype keys in a log',
    `{"recepie": ${JSON.stringify(protoCell)}, "__proto__": {"polluted": 3}, "constructor": {"prototype": {"polluted": 4}}}`,
    'valid',
  );
  add('prototype keys in a list', `[${protoCell}, {"__proto__": null}]`, 'invalid');
  add(
    'duplicate node key',
    '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "f": {"op": "linear", "input": ["x"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}',
    'invalid',
  );
  add('duplicate op key', '{"h_new_0": {"op": "linear", "op": "blend", "input": ["x", "h_prev_0"]}}', 'invalid');
  add('duplicate input key', '{"h_new_0": {"op": "linear", "input": ["x"], "input": ["x", "h_prev_0"]}}', 'invalid');
  add('duplicate recepie key', `{"recepie": ${JSON.stringify(JSON.stringify(RNN))}, "recepie": 5}`, 'invalid');
  add('NaN losses in a log', nanLog, 'valid');
  add(
    'NaN / Infinity everywhere in a log',
    logOf(RNN).replace(/}$/, ', "test_losses": [NaN, Infinity, -Infinity, 1e308, -0], "num_params": NaN}'),
    'valid',
  );
  add('NaN as op', '{"h_new_0": {"op": NaN, "input": ["x"]}}', 'invalid');
  add('Infinity as input', '{"h_new_0": {"op": "linear", "input": [Infinity, "x"]}}', 'invalid');
  add('NaN as a key', '{NaN: {"op": "linear", "input": ["x"]}}', 'invalid');
  add('NaNa / xInfinity words', '{"h_new_0": {"op": NaNa, "input": [xInfinity]}}', 'invalid');
  add('BOM + recipe', '\ufeff' + JSON.stringify(RNN), 'valid');
  add('BOM + log', '\ufeff' + realLogs[1], 'valid');
  add('BOM in the middle', JSON.stringify(RNN).replace(':', ':\ufeff'), 'invalid');
  add('two BOMs', '\ufeff\ufeff' + JSON.stringify(RNN), 'invalid');
  add('line comments', `// a cell\n${JSON.stringify(LSTM, null, 1).replace(/,\n/g, ', // c\n')}`, 'valid');
  add('block comments', `/* head */ ${JSON.stringify(GRU).replace(/,/g, ' /* , */ ,')} /* tail */`, 'valid');
  add('unterminated comment', `${JSON.stringify(RNN)} /* oops`, 'invalid');
  add('comment inside recepie string', logOf(`/* c */ ${JSON.stringify(RNN)}`), 'invalid');
  add('trailing comma', JSON.stringify(RNN).replace(/}$/, ',}'), 'invalid');
  add('single quotes', JSON.stringify(RNN).replace(/"/g, "'"), 'invalid');
}

// 8. Logs whose `recepie` string is broken.
{
  const inner = JSON.stringify(LSTM);
  const cls = new Set<number>();
  for (let p = 0; p < inner.length; p += 1 + g.int(7)) cls.add(p);
  for (const p of cls) add(`recepie truncated @${p}`, logOf(inner.slice(0, p)), 'invalid');
  const literal = JSON.stringify(inner); // "{\"i\": ...}"
  const mutations: [string, (s: string) => string][] = [
    ['stray backslash-quote', (s) => s.replace('\\"op\\"', '\\"op\\"\\"')],
    ['broken \\u escape', (s) => s.replace('linear', 'lin\\\\u12ear')],
    ['inner \\u escape in a name', (s) => s.replace('\\"i\\"', '\\"\\\\u00e9\\"')],
    ['unescaped quote', (s) => s.replace('\\"op\\"', '"op"')],
    ['raw newline', (s) => s.replace(',', ',\n')],
    ['doubly escaped', (s) => JSON.stringify(s)],
    ['inner list', () => JSON.stringify(JSON.stringify([LSTM]))],
    ['inner trailing garbage', (s) => s.slice(0, -1) + ' xyz"'],
  ];
  for (const [name, f] of mutations)
    add(
      `recepie ${name}`,
      `{"recepie": ${f(literal)}, "recepie_id": 3}`,
      name === 'inner \\u escape in a name' ? 'any' : 'invalid',
    );
  for (let k = 0; k < 60; k++) {
    const text = g.pick(realLogs);
    const m = /"recepie": "((?:[^"\\]|\\.)*)"/.exec(text);
    if (!m) continue;
    const start = m.index + '"recepie": "'.length;
    const end = start + m[1].length;
    const p = start + g.int(end - start);
    const op = g.int(4);
    const mutated =
      op === 0
        ? text.slice(0, p) + text.slice(p + 1)
        : op === 1
          ? text.slice(0, p) + g.pick(['\\"', '\\\\', '{', '}', ']', ',', ':', '\\u00', 'x']) + text.slice(p)
          : op === 2
            ? text.slice(0, p) + '"' + text.slice(end) // cut the recipe inside the string, keep the log
            : text.slice(0, start) + text.slice(p, end) + text.slice(end); // lose the start of the recipe
    add(`recepie mutated (${['delete', 'insert', 'cut', 'behead'][op]})`, mutated, 'any');
  }
}

// 9. Random bytes and token soup.
{
  for (let k = 0; k < 80; k++) {
    const n = g.int(400);
    const bytes = Buffer.alloc(n);
    for (let i = 0; i < n; i++) bytes[i] = g.int(256);
    add('random bytes (utf8)', bytes.toString('utf8'), 'any');
    add('random bytes (latin1)', bytes.toString('latin1'), 'any');
  }
  const tokens = [
    '{',
    '}',
    '[',
    ']',
    ':',
    ',',
    '"',
    '\\',
    ' ',
    '\n',
    '"op"',
    '"input"',
    '"linear"',
    '"x"',
    '"h_new_0"',
    '"h_prev_0"',
    '"recepie"',
    'NaN',
    '-Infinity',
    'null',
    'true',
    '0',
    '1e5',
    '-',
    '.',
    '/*',
    '*/',
    '//',
    '\ufeff',
    '\u2028',
    '"\\u',
    '"\\ud83d"',
  ];
  for (let k = 0; k < 150; k++) {
    let s = '';
    for (let i = g.int(60); i > 0; i--) s += g.pick(tokens);
    add('token soup', s, 'any');
  }
}

// 10. Mutations of real cells: text-level (delete / insert / replace / swap / duplicate) and graph-level.
{
  const texts = [
    exampleText(),
    ...examples.map((r) => JSON.stringify(r)),
    ...examples.slice(0, 3).map((r) => JSON.stringify(r, null, 4)),
    ...realLogs,
  ];
  const alphabet = ['{', '}', '[', ']', ':', ',', '"', '\\', ' ', 'x', '0', '_', 'h', 'é', '😀', '\u0000', 'NaN'];
  for (let k = 0; k < 300; k++) {
    let t = g.pick(texts);
    for (let m = 1 + g.int(3); m > 0; m--) {
      const p = g.int(t.length + 1);
      switch (g.int(5)) {
        case 0:
          t = t.slice(0, p) + t.slice(p + 1 + g.int(8));
          break;
        case 1:
          t = t.slice(0, p) + g.pick(alphabet) + t.slice(p);
          break;
        case 2:
          t = t.slice(0, p) + g.pick(alphabet) + t.slice(p + 1);
          break;
        case 3: {
          const q = g.int(t.length + 1);
          const [a, b] = p < q ? [p, q] : [q, p];
          t = t.slice(0, a) + t.slice(b) + t.slice(a, b);
          break;
        }
        default: {
          const q = Math.min(t.length, p + g.int(40));
          t = t.slice(0, q) + t.slice(p, q) + t.slice(q);
        }
      }
    }
    add('text mutation of a real cell', t, 'any');
  }
  for (let k = 0; k < 200; k++) {
    const r = clone(g.pick(examples));
    const names = Object.keys(r);
    for (let m = 1 + g.int(3); m > 0; m--) {
      const n = g.pick(names);
      if (!r[n]) continue;
      switch (g.int(6)) {
        case 0:
          r[n].op = g.pick(ops);
          break;
        case 1:
          r[n].input[g.int(r[n].input.length)] = g.pick([...names, 'x', 'h_prev_0', 'h_prev_1', 'h_prev_7', 'ghost']);
          break;
        case 2:
          r[n].input.push(g.pick([...names, 'x', 'h_prev_0']));
          break;
        case 3:
          r[n].input.splice(g.int(r[n].input.length), 1);
          break;
        case 4:
          delete r[n];
          break;
        default:
          r[`extra${k}`] = { op: g.pick(ops), input: [g.pick([...names, 'x'])] };
      }
    }
    const text = JSON.stringify(r);
    add('graph mutation of a real cell', g.chance(0.3) ? logOf(text) : text, 'any');
  }
}

// ------------------------------------------------------------------ checks

const protoNames = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const arrayProtoNames = Object.getOwnPropertyNames(Array.prototype).sort().join(',');
function prototypesUntouched(): string | undefined {
  if (Object.getOwnPropertyNames(Object.prototype).sort().join(',') !== protoNames)
    return 'Object.prototype gained or lost a property';
  if (Object.getOwnPropertyNames(Array.prototype).sort().join(',') !== arrayProtoNames)
    return 'Array.prototype gained or lost a property';
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'op', 'input', 'h_new_0', 'x', 'f'])
    if (probe[k] !== undefined) return `({}).${k} is ${JSON.stringify(probe[k])}`;
  if (Object.getPrototypeOf(probe) !== Object.prototype) return 'prototype chain changed';
  return undefined;
}

const inside = (s: Span | undefined, len: number): boolean =>
  !!s && Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.start <= s.end && s.end <= len;

function allDiagnostics(doc: ParsedDocument): Diagnostic[] {
  return [...doc.diagnostics, ...doc.cells.flatMap((c) => c.diagnostics)];
}

/** The name written at a key span: a JSON string, or (inside a log's `recepie` string) a doubly escaped one. */
function decodeKey(text: string, cell: Cell, s: Span): unknown {
  const raw = text.slice(s.start, s.end);
  const inString = cell.source === 'log' && text[cell.span.start] === '"';
  return inString ? JSON.parse(JSON.parse(`"${raw}"`) as string) : JSON.parse(raw);
}

/** Plain recipe from strict JSON, when the text is one (for the differential check). */
function strictRecipe(text: string): Recipe | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || 'recepie' in v) return undefined;
  return v as Recipe;
}

interface Outcome {
  problems: string[];
  /** CPU time of the input (for the diagnostic line only). */
  cpuMs: number;
  doc: ParsedDocument;
}

function analyse(input: Input): Outcome {
  const problems: string[] = [];
  const { text } = input;
  const len = text.length;
  const cpu0 = process.cpuUsage();
  let doc: ParsedDocument = { cells: [], diagnostics: [] };
  try {
    doc = parseDocument(text);
    const diags = allDiagnostics(doc);
    for (const d of diags) {
      if (!inside(d.span, len)) problems.push(`${d.code} span ${JSON.stringify(d.span)} outside [0, ${len}]`);
      for (const r of d.related ?? []) if (!inside(r.span, len)) problems.push(`${d.code} related span outside`);
      for (const f of d.fixes ?? []) if (!inside(f.span, len)) problems.push(`${d.code} fix span outside`);
      if (typeof d.message !== 'string' || d.message.length < 10) problems.push(`${d.code} has no message`);
      if (/RangeError|TypeError|Maximum call stack|could not analyse/.test(d.message))
        problems.push(`internal error leaked: ${d.message}`);
    }
    if (doc.cells.length === 0 && diags.length === 0) problems.push('no cell and no diagnostic');
    // Each diagnostic is about something written in the document: never more of them than characters.
    if (diags.length > len + 10) problems.push(`${diags.length} diagnostics for ${len} characters`);
    const errors = diags.filter((d) => d.severity === 'error');
    if (input.expect === 'invalid' && diags.length === 0) problems.push('invalid input without a diagnostic');
    if (
      input.expect === 'invalid' &&
      doc.cells.length > 0 &&
      errors.length === 0 &&
      !diags.some((d) => d.code === 'too-large')
    ) {
      problems.push(`invalid input yields a clean cell (${diags.map((d) => d.code).join(',') || 'no diagnostics'})`);
    }
    if (input.expect === 'valid') {
      if (doc.cells.length === 0)
        problems.push(`valid input yields no cell: ${diags.map((d) => `${d.code}: ${d.message}`).join(' | ')}`);
      if (errors.length > 0)
        problems.push(
          `valid input has errors: ${errors
            .slice(0, 3)
            .map((d) => `${d.code}: ${d.message}`)
            .join(' | ')}`,
        );
    }
    let laidOut = 0;
    for (const cell of doc.cells) {
      for (const s of [cell.span, cell.anchor])
        if (!inside(s, len)) problems.push(`cell span outside: ${JSON.stringify(s)}`);
      for (const n of cell.nodes) {
        for (const s of [n.keySpan, n.valueSpan, n.opSpan, n.inputListSpan, ...n.inputs.map((i) => i.span)]) {
          if (!inside(s, len)) {
            problems.push(`node "${n.name}" span outside: ${JSON.stringify(s)}`);
            break;
          }
        }
      }
      const recipe = toRecipe(cell);
      const info = recipeInfo(recipe);
      const hash = canonicalHash(recipe);
      if (!/^[0-9a-f]{32}$/.test(hash)) problems.push(`bad hash ${hash}`);
      const cellErrors = cell.diagnostics.filter((d) => d.severity === 'error');
      if (cellErrors.length === 0) {
        if (!info.order) problems.push('a clean cell with a cycle');
        for (const n of cell.nodes) {
          let name: unknown;
          try {
            name = decodeKey(text, cell, n.keySpan);
          } catch {
            name = Symbol('undecodable');
          }
          if (name !== n.name) {
            problems.push(
              `key span of "${n.name}" covers ${JSON.stringify(text.slice(n.keySpan.start, n.keySpan.end))}`,
            );
            break;
          }
        }
      }
      // The deeper checks re-run the whole pipeline: only for cells of a realistic size (< DEEP_CHECK_MAX_NODES).
      if (cellErrors.length === 0 && cell.nodes.length < DEEP_CHECK_MAX_NODES) {
        const plainErrors = validateRecipe(recipe).filter((d) => d.severity === 'error');
        if (plainErrors.length)
          problems.push(`clean cell, but validateRecipe says: ${plainErrors[0].code}: ${plainErrors[0].message}`);
        try {
          buildPlan(recipe);
        } catch (e) {
          problems.push(`clean cell, but the scoring network cannot be built: ${(e as Error).message}`);
        }
        const again = parseDocument(recipeToJson(recipe));
        if (
          again.cells.length !== 1 ||
          again.cells[0].nodes.length !== cell.nodes.length ||
          canonicalHash(toRecipe(again.cells[0])) !== hash
        ) {
          problems.push('recipeToJson round trip lost nodes or changed the hash');
        }
      }
      if (cell.nodes.length < LAYOUT_MAX_NODES && laidOut < 3) {
        laidOut++;
        const view = cellView(cell);
        const msg = {
          type: 'render',
          version: PROTOCOL_VERSION,
          uri: 'file:///fuzz.json',
          title: 'fuzz.json',
          cells: [view],
          stale: false,
        };
        if (!isToWebview(JSON.parse(JSON.stringify(msg))))
          problems.push('the webview would reject the graph of this cell');
        for (const node of view.model.nodes) {
          const p = view.layout.nodes[node.id];
          if (!p || !Number.isFinite(p.x) || !Number.isFinite(p.y)) {
            problems.push(`node ${node.id} has no position`);
            break;
          }
        }
      }
    }
    // Differential: a strict-JSON recipe that validateRecipe accepts parses to a cell whose only errors are
    // duplicate keys (which JSON.parse cannot see), with the same canonical hash.
    const plain = len < 200_000 ? strictRecipe(text) : undefined;
    if (plain && !validateRecipe(plain).some((d) => d.severity === 'error')) {
      const c = doc.cells[0];
      const errs = c ? c.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'duplicate-key') : [];
      if (!c || errs.length)
        problems.push(
          `validateRecipe accepts the JSON but the parser says ${errs.map((d) => d.code).join(',') || 'no cell'}`,
        );
      else if (
        !c.diagnostics.some((d) => d.code === 'duplicate-key') &&
        canonicalHash(plain) !== canonicalHash(toRecipe(c))
      )
        problems.push('hash differs from the JSON.parse recipe');
    }
    // Quick fixes never break the JSON (one per document, to keep the time down).
    const withFix = diags.find((d) => d.fixes && d.fixes.length > 0);
    if (withFix && len < 200_000) {
      const f = withFix.fixes![0];
      const fixed = text.slice(0, f.span.start) + f.text + text.slice(f.span.end);
      const syntax = (d: ParsedDocument) =>
        allDiagnostics(d).filter(
          (x) => x.code === 'not-json' || (x.code === 'bad-log' && /not valid JSON/.test(x.message)),
        ).length;
      if (syntax(parseDocument(fixed)) > syntax(doc)) problems.push(`quick fix "${f.title}" breaks the JSON`);
    }
  } catch (e) {
    problems.push(`threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const proto = prototypesUntouched();
  if (proto) problems.push(proto);
  return { problems, cpuMs, doc };
}

const describeInput = (i: number): string => {
  const x = inputs[i];
  const head =
    x.text.length > 120 ? `${JSON.stringify(x.text.slice(0, 120))}… (${x.text.length} chars)` : JSON.stringify(x.text);
  return `#${i} [${x.kind}] expect ${x.expect}: ${head}`;
};

// ------------------------------------------------------------------ tests

test(
  `fuzz: ${inputs.length} generated inputs through parse → validate → hash → graph (seed ${SEED})`,
  { timeout: 600_000 },
  (t) => {
    assert.ok(inputs.length >= 1000, `only ${inputs.length} inputs`);
    const failures: string[] = [];
    let maxCpu = { ms: 0, i: -1 };
    let cells = 0,
      clean = 0;
    const byExpect: Record<Expect, number> = { invalid: 0, valid: 0, any: 0 };
    inputs.forEach((input, i) => {
      const r = analyse(input);
      byExpect[input.expect]++;
      cells += r.doc.cells.length;
      clean += r.doc.cells.filter((c) => !c.diagnostics.some((d) => d.severity === 'error')).length;
      if (r.cpuMs > maxCpu.ms) maxCpu = { ms: r.cpuMs, i };
      if (r.problems.length) failures.push(`${describeInput(i)}\n    ${r.problems.slice(0, 4).join('\n    ')}`);
    });
    t.diagnostic(
      `${inputs.length} inputs (${byExpect.invalid} built invalid, ${byExpect.valid} built valid, ${byExpect.any} either); ${cells} cells, ${clean} without errors`,
    );
    t.diagnostic(
      `max CPU per input ${maxCpu.ms.toFixed(0)} ms (${inputs[maxCpu.i]?.kind}; for information, not asserted)`,
    );
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${inputs.length} inputs failed:\n${failures.slice(0, 15).join('\n')}`,
    );
  },
);

/** The CLI bundle to run: dist/cli.js when it is at least as new as every source file, else a fresh bundle of src/cli.ts in a temp dir. */
async function cliBundle(tmp: string): Promise<{ path: string; how: string }> {
  const dist = join(REPO, 'dist', 'cli.js');
  if (!existsSync(dist)) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `node scripts/build.mjs failed: ${r.stderr}`);
  }
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  if (statSync(dist).mtimeMs >= newest(join(REPO, 'src'))) return { path: dist, how: 'dist/cli.js' };
  // dist/ is shared with other work in progress: bundle the current sources beside the test instead of rebuilding it.
  const esbuild = await import('esbuild');
  const out = join(tmp, 'cli.js');
  await esbuild.build({
    entryPoints: [join(REPO, 'src/cli.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    mainFields: ['module', 'main'],
    external: [
      'vscode',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-node-gpu',
      'webgpu',
      '@tensorflow/tfjs-backend-webgpu',
    ],
  });
  return { path: out, how: 'a fresh bundle of src/cli.ts (dist/cli.js is older than src/)' };
}

test(`fuzz: a sample of ${CLI_SAMPLE} inputs through the real CLI (cell-lens check FILE --json)`, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'cell-lens-fuzz-'));
  try {
    const cli = await cliBundle(tmp);
    t.diagnostic(`CLI: ${cli.how}`);
    // Every kind of input once where possible (the big and deep ones included), then evenly spread.
    const picked: number[] = [];
    const kinds = new Set<string>();
    const must = [
      '10 MB valid JSON',
      'deep [',
      'deep in recepie string',
      'BOM + recipe',
      'prototype keys in a log',
      'NaN / Infinity everywhere in a log',
      '10,000-node cycle',
      'name "😀" in a log',
    ];
    for (const k of must) {
      const i = inputs.findIndex((x) => x.kind === k);
      if (i >= 0) {
        picked.push(i);
        kinds.add(inputs[i].kind.replace(/ @\d+$/, ''));
      }
    }
    for (
      let i = 0;
      picked.length < CLI_SAMPLE && i < inputs.length;
      i += 1 + g.int(Math.ceil(inputs.length / CLI_SAMPLE))
    ) {
      const k = inputs[i].kind.replace(/ @\d+$/, '');
      if (!kinds.has(k)) {
        kinds.add(k);
        picked.push(i);
      }
    }
    for (let i = 0; picked.length < CLI_SAMPLE; i++) if (!picked.includes(i)) picked.push(i);
    const failures: string[] = [];
    let maxMs = 0;
    const run = (i: number) =>
      new Promise<void>((resolve) => {
        const file = join(tmp, `input-${i}.json`);
        writeFileSync(file, inputs[i].text, 'utf8');
        const t0 = performance.now();
        execFile(
          process.execPath,
          [cli.path, 'check', file, '--json'],
          { maxBuffer: 256 * 1024 * 1024, timeout: 60_000, encoding: 'utf8' },
          (err, stdout, stderr) => {
            maxMs = Math.max(maxMs, performance.now() - t0);
            const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
            const fail = (why: string) =>
              failures.push(`${describeInput(i)}\n    ${why}\n    stderr: ${stderr.slice(0, 300)}`);
            if (code !== 0 && code !== 1) {
              fail(`exit ${code} (${err?.signal ?? ''})`);
              resolve();
              return;
            }
            let reports: FileReport[];
            try {
              reports = JSON.parse(stdout) as FileReport[];
            } catch {
              fail('stdout is not JSON');
              resolve();
              return;
            }
            const expected = JSON.parse(JSON.stringify(checkText(file, inputs[i].text))) as FileReport;
            const r = reports[0];
            if (!r) {
              fail('no report');
              resolve();
              return;
            }
            const brief = (x: FileReport) =>
              x.diagnostics.map((d) => `${d.code}@${d.span.start}-${d.span.end}`).join(' ');
            if (brief(r) !== brief(expected))
              fail(
                `CLI diagnostics differ from the library's:\n      cli ${brief(r).slice(0, 200)}\n      lib ${brief(expected).slice(0, 200)}`,
              );
            if (JSON.stringify(r.cells) !== JSON.stringify(expected.cells))
              fail("CLI cells (hashes, counts) differ from the library's");
            const errors = expected.diagnostics.filter((d) => d.severity === 'error').length;
            if ((code === 1) !== errors > 0) fail(`exit code ${code} with ${errors} errors`);
            if (inputs[i].expect === 'invalid' && r.diagnostics.length === 0)
              fail('no diagnostic for an invalid input');
            for (const d of r.diagnostics)
              if (!(d.span.start >= 0 && d.span.end <= inputs[i].text.length && d.line >= 1 && d.column >= 1))
                fail(`bad position ${JSON.stringify(d.span)} ${d.line}:${d.column}`);
            resolve();
          },
        );
      });
    // Two at a time (two cores).
    for (let k = 0; k < picked.length; k += 2) await Promise.all(picked.slice(k, k + 2).map(run));
    t.diagnostic(`${picked.length} CLI runs, slowest ${maxMs.toFixed(0)} ms (process start included)`);
    assert.equal(failures.length, 0, failures.join('\n'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------ regression tests for what the fuzzing found

test('regression: 10,000 levels of nesting give a plain diagnostic at the bracket that is too deep (no RangeError)', () => {
  for (const [text, at] of [
    ['['.repeat(10_000), MAX_NESTING],
    ['{"a":'.repeat(10_000), 5 * MAX_NESTING],
  ] as const) {
    const doc = parseDocument(text);
    assert.equal(doc.cells.length, 0);
    assert.equal(doc.diagnostics.length, 1);
    const d = doc.diagnostics[0];
    assert.equal(d.code, 'not-a-cell');
    assert.deepEqual(d.span, { start: at, end: at + 1 });
    assert.doesNotMatch(d.message, /RangeError|stack/);
  }
  // Inside a log's recepie string: a bad-log diagnostic pointing into the string.
  const log = logOf('['.repeat(10_000));
  const doc = parseDocument(log);
  const d = doc.cells[0]?.diagnostics[0];
  assert.equal(d?.code, 'bad-log');
  assert.equal(log.slice(d.span.start, d.span.end), '[');
  assert.ok(d.span.start > log.indexOf('"recepie"'));
  // Deep brackets inside strings and comments are not nesting.
  assert.equal(
    parseDocument(JSON.stringify({ ...RNN, ['['.repeat(5000)]: { op: 'linear', input: ['x'] } })).cells.length,
    1,
  );
});

test('regression: a UTF-8 byte order mark before the JSON is ignored (spans still exact)', () => {
  const text = '\ufeff' + JSON.stringify(RNN);
  const doc = parseDocument(text);
  assert.equal(doc.cells.length, 1);
  assert.deepEqual(
    allDiagnostics(doc).filter((d) => d.severity === 'error'),
    [],
  );
  for (const n of doc.cells[0].nodes) assert.equal(text.slice(n.keySpan.start, n.keySpan.end), JSON.stringify(n.name));
  assert.equal(canonicalHash(toRecipe(doc.cells[0])), canonicalHash(RNN));
});

test('regression: "h_new_99999" gives a bounded number of missing-hidden diagnostics', () => {
  const doc = parseDocument(
    '{"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_99999": {"op": "linear", "input": ["x"]}}',
  );
  const missing = doc.cells[0].diagnostics.filter((d) => d.code === 'missing-hidden');
  assert.equal(missing.length, 11);
  assert.match(missing[0].message, /"h_new_1" is missing/);
  assert.match(missing[10].message, /99988 more states are missing \(h_new_11 … h_new_99998\)/);
});

test('regression: "h_new_01" counts as state 1 (as in NAS-Bench-NLP), so a missing "h_new_1" is an error, as buildPlan agrees', () => {
  const text =
    '{"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_01": {"op": "activation_tanh", "input": ["h_new_0"]}}';
  const cell = parseDocument(text).cells[0];
  const d = cell.diagnostics.find((x) => x.code === 'missing-hidden');
  assert.ok(d, JSON.stringify(cell.diagnostics.map((x) => x.code)));
  assert.equal(d.severity, 'error');
  assert.match(d.message, /because of "h_new_01", but "h_new_1" is missing/);
  assert.equal(text.slice(d.span.start, d.span.end), '"h_new_01"');
  assert.throws(() => buildPlan(toRecipe(cell)), /no h_new_1/);
});

test('regression: an input spelled "h_prev_01" is drawn from the state input h_prev_1 (no edge to a node that does not exist)', () => {
  const text =
    '{"a": {"op": "linear", "input": ["x", "h_prev_01"]}, "h_new_0": {"op": "activation_tanh", "input": ["a"]}, "h_new_1": {"op": "activation_sigm", "input": ["a"]}}';
  const cell = parseDocument(text).cells[0];
  assert.deepEqual(
    cell.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const view = cellView(cell);
  const ids = new Set(view.model.nodes.map((n) => n.id));
  for (const e of view.model.edges)
    assert.ok(ids.has(e.source) && ids.has(e.target), `edge ${e.id}: ${e.source} → ${e.target}`);
  assert.ok(view.model.edges.some((e) => e.source === 'in:h_prev_1' && e.target === 'n:a'));
  assert.ok(
    isToWebview({
      type: 'render',
      version: PROTOCOL_VERSION,
      uri: 'file:///c.json',
      title: 'c.json',
      cells: [view],
      stale: false,
    }),
  );
});

test('regression: recipeToJson keeps a node named "__proto__"', () => {
  const r = toRecipe(
    parseDocument(
      '{"__proto__": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["__proto__"]}}',
    ).cells[0],
  );
  const json = recipeToJson(r);
  assert.deepEqual(Object.keys(JSON.parse(json) as object), ['__proto__', 'h_new_0']);
  assert.equal(parseDocument(json).cells[0].nodes.length, 2);
  assert.equal(prototypesUntouched(), undefined);
});

test(`regression: a list of more than ${MAX_LIST_ITEMS} items is analysed up to the limit, with one warning`, () => {
  const doc = parseDocument('[' + '{},'.repeat(MAX_LIST_ITEMS + 99) + '{}]');
  assert.equal(doc.cells.length, MAX_LIST_ITEMS);
  const w = doc.diagnostics.filter((d) => d.code === 'too-large');
  assert.equal(w.length, 1);
  assert.match(w[0].message, new RegExp(`${MAX_LIST_ITEMS + 100} items`));
});
