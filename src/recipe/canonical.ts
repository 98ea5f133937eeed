/**
 * Canonical identity of a cell: two recipes that compute the same function family get the same hash.
 *
 * Invariant under: renaming internal nodes, key order, operand order of commutative ops (linear, elementwise_*),
 * nodes that do not influence the output (they are dropped), duplicated parameter-free nodes (common
 * subexpressions such as two `activation_tanh` of the same node are merged), and renumbering the hidden
 * states h_new_1.. / h_prev_1.. (all numberings are tried and the smallest form is kept).
 * Sensitive to: ops, the wiring, blend's operand order, and parameter sharing (two `linear` nodes with the same
 * inputs are two weight sets; one `linear` read twice is one weight set).
 *
 * Method: after pruning and merging, nodes are coloured by 1-dimensional Weisfeiler–Lehman refinement over the
 * DAG (colour = op + role, refined with the multisets of (operand position, child colour) and
 * (position, parent colour)); the graph is then serialised by a depth-first walk from h_new_0, h_new_1, ...
 * that orders commutative operands by colour and writes a back-reference for every node seen before.
 * Pure: no `vscode` import.
 */
import type { Recipe } from './types';
import { OPS, hNewIndex, hPrevIndex, isOpName, INPUT_X } from './ops';
import { recipeInfo } from './model';

interface CNode {
  name: string;
  op: string;
  /** Operands: node names or leaf tokens (prefixed with '\u0000'). */
  inputs: string[];
  role: number | undefined; // i for h_new_i
}

const LEAF = '\u0000';
const MAX_PERMUTED_STATES = 5;
const MAX_WL_ROUNDS = 40;

/** The canonical text form of a recipe (what the hash is taken of). */
export function canonicalForm(recipe: Recipe): string {
  return canonicalise(recipe).form;
}

/** The smallest serialisation over the state renumberings, and which node got which id in it. */
function canonicalise(recipe: Recipe): { form: string; ids: Map<string, number> } {
  const names = Object.keys(recipe);
  const info = recipeInfo(recipe);
  const keep = recipe['h_new_0'] !== undefined ? (n: string) => info.liveNodes.has(n) : () => true;
  const nodes = new Map<string, CNode>();
  for (const name of names) {
    if (!keep(name)) continue;
    const spec = recipe[name];
    const op = spec && typeof spec.op === 'string' ? spec.op : '?';
    const inputs = spec && Array.isArray(spec.input) ? spec.input.filter((i) => typeof i === 'string') : [];
    nodes.set(name, { name, op, inputs: [...inputs], role: hNewIndex(name) });
  }
  for (const n of nodes.values()) {
    n.inputs = n.inputs.map((i) => {
      if (nodes.has(i)) return i;
      if (i === INPUT_X) return LEAF + 'x';
      const k = hPrevIndex(i);
      if (k !== undefined) return LEAF + 'hp' + k;
      return LEAF + '?' + i; // dangling: keep its name (an invalid cell is not renaming-invariant)
    });
  }
  if (info.order) mergeCommonSubexpressions(nodes, info.order);

  // States that appear (as role nodes or leaves), renumbered by permutation.
  const states = new Set<number>();
  for (const n of nodes.values()) {
    if (n.role !== undefined && n.role > 0) states.add(n.role);
    for (const i of n.inputs)
      if (i.startsWith(LEAF + 'hp')) {
        const k = Number(i.slice(3));
        if (k > 0) states.add(k);
      }
  }
  const stateList = [...states].sort((a, b) => a - b);
  const perms = stateList.length <= MAX_PERMUTED_STATES ? permutations(stateList.length) : [stateList.map((_, i) => i)];
  let best: { form: string; ids: Map<string, number> } | undefined;
  for (const p of perms) {
    const renum = new Map<number, number>([[0, 0]]);
    stateList.forEach((s, i) => renum.set(s, p[i] + 1));
    const out = serialise(nodes, renum);
    if (best === undefined || out.form < best.form) best = out;
  }
  return best ?? { form: '', ids: new Map() };
}

/** A recipe rebuilt from its canonical form, and where each of its nodes came from. */
export interface CanonicalCell {
  /**
   * The canonical recipe: live nodes only, common parameter-free subexpressions merged, hidden states renumbered
   * as in the canonical form, nodes named `h_new_<k>` / `n<id>` (id = pre-order position in the form), keys in
   * id order and the operands of commutative ops in canonical order. Every renaming / reordering of a cell gives
   * the same object, so anything built from it (parameter draw order, operand order) is identical too.
   */
  readonly recipe: Recipe;
  /** Canonical node name → the name of the node it came from in the original recipe. */
  readonly origin: ReadonlyMap<string, string>;
}

/**
 * The canonical recipe of a valid cell (see {@link CanonicalCell}); undefined when the cell cannot be put in
 * canonical form (unknown op, dangling input, cycle, no h_new_0) — such a cell cannot be built anyway.
 */
export function canonicalCell(recipe: Recipe): CanonicalCell | undefined {
  if (!recipe || typeof recipe !== 'object' || recipe['h_new_0'] === undefined) return undefined;
  if (!recipeInfo(recipe).order) return undefined;
  let c: { form: string; ids: Map<string, number> };
  try {
    c = canonicalise(recipe);
  } catch {
    return undefined;
  }
  const nameOfId = new Map<number, string>();
  for (const [name, id] of c.ids) nameOfId.set(id, name);
  const out: Record<string, { op: string; input: string[] }> = {};
  const origin = new Map<string, string>();
  const form = c.form;
  let i = 0;
  const nextId = { v: 0 };
  const idName: string[] = [];
  const fail = (): never => {
    throw new Error('unparsable canonical form');
  };
  // Recursive descent over `op@role(child,...)`, `#id`, `x`, `hp<k>` (depth ≤ the cell's depth; forms of very
  // deep cells are walked with an explicit stack below).
  const readWord = (): string => {
    const s = i;
    while (i < form.length && /[a-z_0-9?]/.test(form[i])) i++;
    return form.slice(s, i);
  };
  interface Frame {
    name: string;
    inputs: string[];
  }
  const stack: Frame[] = [];
  const results: string[] = [];
  const pushValue = (v: string) => {
    if (stack.length) stack[stack.length - 1].inputs.push(v);
    else results.push(v);
  };
  try {
    while (i <= form.length) {
      if (i === form.length) break;
      const ch = form[i];
      if (ch === ';') {
        if (stack.length) fail();
        i++;
        continue;
      }
      if (ch === ',') {
        i++;
        continue;
      }
      if (ch === ')') {
        const f = stack.pop() ?? fail();
        out[f.name].input = f.inputs;
        i++;
        pushValue(f.name);
        continue;
      }
      if (ch === '#') {
        i++;
        const id = Number(readWord());
        const n = idName[id] ?? fail();
        pushValue(n);
        continue;
      }
      const word = readWord();
      if (!word) fail();
      if (form[i] === '@' || form[i] === '(') {
        let role: string | undefined;
        if (form[i] === '@') {
          i++;
          role = readWord();
          if (!/^[0-9]+$/.test(role)) fail();
        }
        if (form[i] !== '(') fail();
        i++;
        if (!isOpName(word)) fail();
        const id = nextId.v++;
        const name = role !== undefined ? `h_new_${role}` : `n${id}`;
        idName[id] = name;
        origin.set(name, nameOfId.get(id) ?? name);
        out[name] = { op: word, input: [] };
        stack.push({ name, inputs: [] });
        continue;
      }
      if (word === 'x') {
        pushValue(INPUT_X);
        continue;
      }
      const m = /^hp([0-9]+)$/.exec(word);
      if (m) {
        pushValue(`h_prev_${m[1]}`);
        continue;
      }
      fail();
    }
    if (stack.length) fail();
  } catch {
    return undefined;
  }
  // Keys in id order (pre-order of the form).
  const ordered: Recipe = {};
  for (const name of idName) ordered[name] = out[name];
  return { recipe: ordered, origin };
}

/** Isomorphism-invariant hash of a recipe (32 hex digits). Never throws. */
export function canonicalHash(recipe: Recipe): string {
  let form: string;
  try {
    form = canonicalForm(recipe);
  } catch {
    form = 'invalid:' + safeStringify(recipe);
  }
  return hash128(form);
}

function safeStringify(x: unknown): string {
  try {
    return JSON.stringify(x) ?? '';
  } catch {
    return String(x);
  }
}

function mergeCommonSubexpressions(nodes: Map<string, CNode>, order: string[]): void {
  const rep = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const name of order) {
    const n = nodes.get(name);
    if (!n) continue;
    n.inputs = n.inputs.map((i) => rep.get(i) ?? i);
    if (!isOpName(n.op) || OPS[n.op].parametric) continue;
    const args = OPS[n.op].commutative ? [...n.inputs].sort() : n.inputs;
    const key = n.op + '(' + args.join(',') + ')';
    const prev = seen.get(key);
    if (prev !== undefined && n.role === undefined) {
      rep.set(name, prev);
      nodes.delete(name);
    } else if (prev === undefined) {
      seen.set(key, name);
    }
  }
}

function permutations(k: number): number[][] {
  const out: number[][] = [];
  const a = Array.from({ length: k }, (_, i) => i);
  const rec = (i: number) => {
    if (i === k) {
      out.push([...a]);
      return;
    }
    for (let j = i; j < k; j++) {
      [a[i], a[j]] = [a[j], a[i]];
      rec(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
  };
  rec(0);
  return out;
}

function leafLabel(token: string, renum: Map<number, number>): string {
  const t = token.slice(1);
  if (t.startsWith('hp')) {
    const k = Number(t.slice(2));
    const r = renum.get(k);
    return r === undefined ? 'hp?' + k : 'hp' + r;
  }
  return t;
}

function serialise(nodes: Map<string, CNode>, renum: Map<number, number>): { form: string; ids: Map<string, number> } {
  const colour = refineColours(nodes, renum);
  const isCommutative = (op: string) => !isOpName(op) || OPS[op].commutative;
  const ids = new Map<string, number>();
  const roots = [...nodes.values()]
    .filter((n) => n.role !== undefined)
    .sort((a, b) => (renum.get(a.role!) ?? 1e9) - (renum.get(b.role!) ?? 1e9));
  // Nodes unreachable from roots (only when there is no h_new_0) are appended, ordered by colour.
  const rest = [...nodes.values()]
    .filter((n) => n.role === undefined)
    .sort((a, b) => cmp(colour.get(a.name)!, colour.get(b.name)!));
  const parts: string[] = [];
  for (const root of [...roots, ...rest]) {
    if (ids.has(root.name)) continue;
    parts.push(walk(root.name));
  }
  return { form: parts.join(';'), ids };

  function childKey(c: string): string {
    return nodes.has(c) ? colour.get(c)! : 'L' + leafLabel(c, renum);
  }
  function label(n: CNode): string {
    return n.op + (n.role !== undefined ? '@' + (renum.get(n.role) ?? '?' + n.role) : '');
  }
  /**
   * Iterative DFS writing `op@role(child,...)`, `#id` for repeats and leaf labels into one buffer, in pre-order
   * (each node's text is emitted once, so the work is linear in the size of the form).
   */
  function walk(start: string): string {
    const out: string[] = [];
    const stack: { kids: string[]; i: number }[] = [];
    const emit = (name: string): void => {
      if (!nodes.has(name)) {
        out.push(leafLabel(name, renum));
        return;
      }
      const id = ids.get(name);
      if (id !== undefined) {
        out.push('#' + id);
        return;
      }
      ids.set(name, ids.size);
      const n = nodes.get(name)!;
      out.push(label(n) + '(');
      stack.push({
        kids: isCommutative(n.op) ? [...n.inputs].sort((a, b) => cmp(childKey(a), childKey(b))) : [...n.inputs],
        i: 0,
      });
    };
    emit(start);
    while (stack.length) {
      const f = stack[stack.length - 1];
      if (f.i < f.kids.length) {
        if (f.i > 0) out.push(',');
        emit(f.kids[f.i++]);
      } else {
        stack.pop();
        out.push(')');
      }
    }
    return out.join('');
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 1-WL colour refinement over the cell graph; colours are short hash strings. */
function refineColours(nodes: Map<string, CNode>, renum: Map<number, number>): Map<string, string> {
  const names = [...nodes.keys()];
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  const edgePos = (op: string, i: number) => (isOpName(op) && !OPS[op].commutative ? String(i) : '*');
  // Per node, by index: operands (position prefix + child index, or a fixed leaf key) and parents (prefix + index).
  const downPos: string[][] = [],
    downIdx: number[][] = [];
  const upPos: string[][] = names.map(() => []),
    upIdx: number[][] = names.map(() => []);
  names.forEach((name, i) => {
    const n = nodes.get(name)!;
    const dp: string[] = [],
      di: number[] = [];
    n.inputs.forEach((c, k) => {
      const pos = edgePos(n.op, k);
      const ci = index.get(c);
      if (ci === undefined) {
        dp.push(pos + 'L' + leafLabel(c, renum));
        di.push(-1);
      } else {
        dp.push(pos);
        di.push(ci);
        upPos[ci].push(pos);
        upIdx[ci].push(i);
      }
    });
    downPos.push(dp);
    downIdx.push(di);
  });
  let colour: string[] = names.map((name) => {
    const n = nodes.get(name)!;
    return hash64(n.op + '@' + (n.role !== undefined ? (renum.get(n.role) ?? '?') : ''));
  });
  let distinct = new Set(colour).size;
  for (let round = 0; round < MAX_WL_ROUNDS; round++) {
    const next: string[] = new Array<string>(names.length);
    for (let i = 0; i < names.length; i++) {
      const dp = downPos[i],
        di = downIdx[i],
        pp = upPos[i],
        pi = upIdx[i];
      const down: string[] = new Array<string>(dp.length);
      for (let k = 0; k < dp.length; k++) down[k] = di[k] < 0 ? dp[k] : dp[k] + colour[di[k]];
      const up: string[] = new Array<string>(pp.length);
      for (let k = 0; k < pp.length; k++) up[k] = pp[k] + colour[pi[k]];
      next[i] = hash64(colour[i] + '|' + down.sort().join(',') + '|' + up.sort().join(','));
    }
    const d = new Set(next).size;
    colour = next;
    if (d === distinct) break;
    distinct = d;
  }
  const out = new Map<string, string>();
  names.forEach((n, i) => out.set(n, colour[i]));
  return out;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** cyrb53-style 53-bit string hash, as 14 hex digits. */
function cyrb53(str: string, seed: number): string {
  let h1 = 0xdeadbeef ^ seed,
    h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // = (2^32·(h2 & 0x1fffff) + (h1 >>> 0)).toString(16).padStart(14, '0'), without the slow double → hex conversion.
  const hi = 2097151 & h2,
    lo = h1 >>> 0;
  return (
    HEX[hi >>> 16] +
    HEX[(hi >>> 8) & 255] +
    HEX[hi & 255] +
    HEX[lo >>> 24] +
    HEX[(lo >>> 16) & 255] +
    HEX[(lo >>> 8) & 255] +
    HEX[lo & 255]
  );
}
function hash64(s: string): string {
  return cyrb53(s, 0x9e3779b9);
}
function hash128(s: string): string {
  return (cyrb53(s, 1) + cyrb53(s, 2) + cyrb53(s, 3)).slice(0, 32);
}
