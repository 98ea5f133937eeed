/**
 * Structural diff of two cells: which nodes and edges of each cell have a counterpart in the other.
 *
 * Nodes are compared by their canonical sub-expression, the same terms the canonical form (recipe/canonical.ts) is
 * written in: a node's key is its op, its output role (`@i` for h_new_i) and the keys of its operands (sorted for
 * commutative ops), down to the leaves `x` and `hp<k>`. Keys ignore names, key order and the operand order of
 * commutative ops, so a renamed or reordered copy of a cell matches node for node.
 *
 * Matching is one to one, not mere existence: a cell with four `linear(x, h_prev_0)` compared with a cell that has
 * one has three of them only on its side (each `linear` is its own weight set). Pairs are formed for the largest
 * sub-expressions first and propagate to their operands, so when one node's op changes, exactly that node and the
 * nodes that read it (within the time step) are left unmatched, on both sides. Parameter-free duplicates (two
 * `tanh` of the same node) are one node, as in the canonical form.
 *
 * Hidden states are numbered as in each cell's canonical form; the numbering of the right cell is then permuted
 * (up to 5 states) to the one that matches the most nodes, so two cells that number their states differently
 * still line up. Nodes that reach no output are not compared (the graph draws them dimmed anyway).
 * Pure: no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { OPS, INPUT_X, hNewIndex, hPrevIndex, isOpName } from '../recipe/ops';
import { recipeInfo } from '../recipe/model';
import { canonicalCell, canonicalHash } from '../recipe/canonical';

/** An edge of a cell: `source` feeds operand `operand` of `target`; a recurrence edge is `{ target: 'h_prev_<i>', operand: -1 }`. */
export interface EdgeRef {
  readonly source: string;
  readonly target: string;
  readonly operand: number;
}

/** One cell's side of the diff. Names are recipe node names and cell inputs (`x`, `h_prev_<i>` in this cell's numbering). */
export interface SideDiff {
  /** Compared nodes (live recipe nodes and the inputs they read) with a counterpart: name → the counterpart's name. */
  readonly matched: ReadonlyMap<string, string>;
  /** Compared nodes with no counterpart in the other cell, in topological order (inputs first). */
  readonly onlyNodes: readonly string[];
  /** Edges between compared nodes with no counterpart (data edges in recipe order, then recurrence edges). */
  readonly onlyEdges: readonly EdgeRef[];
  /** Recipe nodes that reach no output: not compared. */
  readonly dead: readonly string[];
}

export interface CellDiff {
  /** False when a cell cannot be compared (invalid: unknown op, dangling input, cycle, no h_new_0); see `reason`. */
  readonly comparable: boolean;
  readonly reason?: string;
  /** The canonical hashes are equal: the cells compute the same function family. */
  readonly isomorphic: boolean;
  readonly hashes: readonly [string, string];
  readonly left: SideDiff;
  readonly right: SideDiff;
  /** Right cell's state index → the left cell's state index it was matched as (only states read or written). */
  readonly stateMap: ReadonlyMap<number, number>;
}

const MAX_PERMUTED_STATES = 5;

/** A node of the comparison: one per distinct canonical node (merged parameter-free duplicates share one). */
interface Inst {
  readonly id: number;
  /** Interned key of the sub-expression (shared table for both cells). */
  readonly key: number;
  readonly depth: number;
  /** `op` or `op@label`: what a consumer looks like from its operands (their context when keys tie). */
  readonly head: string;
  readonly commutative: boolean;
  /** Operands: instance ids (≥ 0) or leaves (`~x`, `~hp<label>`) as negative interned keys. */
  readonly inputs: readonly number[];
  /** Recipe node names that are this instance. */
  readonly names: string[];
}

interface Prepared {
  readonly recipe: Recipe;
  readonly order: readonly string[];
  readonly live: ReadonlySet<string>;
  /** Original state index → canonical label (0 stays 0). */
  readonly labels: ReadonlyMap<number, number>;
}

/** Interns strings as numbers (one table per diff, so keys of both cells are comparable). */
class Interner {
  private readonly table = new Map<string, number>();
  get(s: string): number {
    let v = this.table.get(s);
    if (v === undefined) {
      v = this.table.size + 1;
      this.table.set(s, v);
    }
    return v;
  }
}

const EMPTY_SIDE: SideDiff = { matched: new Map(), onlyNodes: [], onlyEdges: [], dead: [] };

/** Compare two recipes (see the file comment). Never throws. */
export function diffCells(left: Recipe, right: Recipe): CellDiff {
  const hashes = [canonicalHash(left), canonicalHash(right)] as const;
  const isomorphic = hashes[0] === hashes[1];
  const a = prepare(left),
    b = prepare(right);
  if (typeof a === 'string' || typeof b === 'string') {
    const reason = typeof a === 'string' ? `left cell: ${a}` : `right cell: ${b as string}`;
    return { comparable: false, reason, isomorphic, hashes, left: EMPTY_SIDE, right: EMPTY_SIDE, stateMap: new Map() };
  }
  const leftStates = [...new Set(a.labels.values())].filter((s) => s > 0).sort((x, y) => x - y);
  const rightStates = [...b.labels.entries()]
    .filter(([, l]) => l > 0)
    .sort((x, y) => x[1] - y[1])
    .map(([k]) => k);
  // Right states (in canonical order) → left labels: every injection into 1..m when small, else the canonical one.
  const m = Math.max(leftStates.length ? leftStates[leftStates.length - 1] : 0, rightStates.length);
  const assignments = m <= MAX_PERMUTED_STATES ? injections(rightStates.length, m) : [rightStates.map((_, i) => i)];
  let best: { result: Matched; score: number; relabel: Map<number, number> } | undefined;
  for (const inj of assignments) {
    const relabel = new Map<number, number>([[0, 0]]);
    rightStates.forEach((k, i) => relabel.set(k, inj[i] + 1));
    const result = match(a, { ...b, labels: relabel });
    const score = result.pairs.size;
    if (!best || score > best.score) best = { result, score, relabel };
    if (score === result.a.insts.length && score === result.b.insts.length) break; // nothing left to gain
  }
  const r = best!;
  const stateMap = new Map<number, number>();
  const labelToLeft = new Map<number, number>();
  for (const [k, l] of a.labels) labelToLeft.set(l, k);
  for (const [k, l] of r.relabel) {
    const lk = labelToLeft.get(l);
    if (lk !== undefined) stateMap.set(k, lk);
  }
  return { comparable: true, isomorphic, hashes, ...sides(r.result), stateMap };
}

/** Checks and facts of one recipe; a string says why it cannot be compared. */
function prepare(recipe: Recipe): Prepared | string {
  if (!recipe || typeof recipe !== 'object') return 'not a recipe';
  if (recipe['h_new_0'] === undefined) return 'it has no h_new_0 (the output)';
  for (const [name, spec] of Object.entries(recipe)) {
    if (!spec || !isOpName(spec.op)) return `node "${name}" has an unknown op`;
    if (!Array.isArray(spec.input)) return `node "${name}" has no input list`;
    for (const i of spec.input) {
      if (
        typeof i !== 'string' ||
        (i !== INPUT_X && hPrevIndex(i) === undefined && !Object.prototype.hasOwnProperty.call(recipe, i))
      ) {
        return `node "${name}" reads "${String(i)}", which is not a node nor a cell input`;
      }
    }
  }
  const info = recipeInfo(recipe);
  if (!info.order) return 'its nodes form a cycle';
  const canon = canonicalCell(recipe);
  if (!canon) return 'it has no canonical form';
  // Canonical numbering of the states: canonical h_new_<l> came from original h_new_<k>.
  const labels = new Map<number, number>([[0, 0]]);
  for (const [cname, orig] of canon.origin) {
    const l = hNewIndex(cname),
      k = hNewIndex(orig);
    if (l !== undefined && k !== undefined) labels.set(k, l);
  }
  // States that are read but never written (h_prev_<k> without h_new_<k>) come after, in index order.
  let next = Math.max(0, ...labels.values()) + 1;
  for (const k of [...info.readStates].sort((x, y) => x - y)) if (!labels.has(k)) labels.set(k, next++);
  return { recipe, order: info.order.filter((n) => info.liveNodes.has(n)), live: info.liveNodes, labels };
}

interface Built {
  readonly insts: Inst[];
  /** Node name → instance id. */
  readonly of: Map<string, number>;
  /** Leaf key → the input name (`x`, `h_prev_<k>`) in this cell's numbering, for the leaves the live nodes read. */
  readonly leaves: Map<number, string>;
  /** Operand as written (`x`, `h_prev_01`, a node name) → instance id or leaf key. */
  readonly operand: (ref: string) => number;
  /** Per instance: how its consumers read it (`head` of the consumer, `:position` for a non-commutative one), sorted. */
  readonly up: string[][];
}

/** The instances of a prepared cell under its state labels, keys interned in `intern`. */
function build(p: Prepared, intern: Interner): Built {
  const insts: Inst[] = [];
  const of = new Map<string, number>();
  const leaves = new Map<number, string>();
  const merged = new Map<string, number>();
  const leafKey = (ref: string): number => {
    const k = hPrevIndex(ref);
    const key = -intern.get(k === undefined ? '~x' : `~hp${p.labels.get(k) ?? `?${k}`}`);
    if (!leaves.has(key)) leaves.set(key, k === undefined ? INPUT_X : `h_prev_${k}`);
    return key;
  };
  for (const name of p.order) {
    const spec = p.recipe[name];
    const info = OPS[spec.op as keyof typeof OPS];
    const role = hNewIndex(name);
    const inputs = spec.input.map((ref) => (of.has(ref) ? of.get(ref)! : leafKey(ref)));
    const keyOf = (x: number) => (x < 0 ? x : insts[x].key);
    const keys = inputs.map(keyOf);
    if (info.commutative) keys.sort((x, y) => x - y);
    const label = role === undefined ? '' : `@${p.labels.get(role) ?? `?${role}`}`;
    const key = intern.get(`${spec.op}${label}(${keys.join(',')})`);
    // Parameter-free nodes of the same op on the same operands are one node (the canonical form merges them).
    const sameAs =
      info.parametric || role !== undefined
        ? undefined
        : `${spec.op}(${(info.commutative ? [...inputs].sort((x, y) => x - y) : inputs).join(',')})`;
    const prev = sameAs !== undefined ? merged.get(sameAs) : undefined;
    if (prev !== undefined) {
      insts[prev].names.push(name);
      of.set(name, prev);
      continue;
    }
    const depth = 1 + Math.max(0, ...inputs.map((x) => (x < 0 ? 0 : insts[x].depth)));
    const inst: Inst = {
      id: insts.length,
      key,
      depth,
      head: `${spec.op}${label}`,
      commutative: info.commutative,
      inputs,
      names: [name],
    };
    insts.push(inst);
    of.set(name, inst.id);
    if (sameAs !== undefined) merged.set(sameAs, inst.id);
  }
  const up: string[][] = insts.map(() => []);
  for (const q of insts)
    q.inputs.forEach((x, pos) => {
      if (x >= 0) up[x].push(q.commutative ? q.head : `${q.head}:${pos}`);
    });
  for (const u of up) u.sort();
  return { insts, of, leaves, operand: (ref) => of.get(ref) ?? leafKey(ref), up };
}

interface Matched {
  readonly a: Built;
  readonly b: Built;
  /** Left instance id → right instance id. */
  readonly pairs: Map<number, number>;
  readonly a2: Prepared;
  readonly b2: Prepared;
}

/** Above this many candidate pairs for one key, ties are broken by order alone (huge generated cells). */
const MAX_SCORED_PAIRS = 200_000;

/**
 * One-to-one matching of the instances of two cells, largest sub-expressions first (see the file comment). Among
 * the instances of one key, a pair scores by the votes of already matched consumers (operands of equal keys of a
 * matched pair vote for each other; a tie among k same-key operands of a commutative op gives each 1/k), then by
 * how alike the consumers look (heads and positions), then by equal names; pairs are taken greedily by score.
 */
function match(pa: Prepared, pb: Prepared): Matched {
  const intern = new Interner();
  const a = build(pa, intern),
    b = build(pb, intern);
  const pairs = new Map<number, number>();
  const taken = new Set<number>();
  const votes = new Map<number, Map<number, number>>();
  const byKeyA = group(a.insts),
    byKeyB = group(b.insts);
  const keys = [...byKeyA.keys()].filter((k) => byKeyB.has(k));
  const depthOf = new Map<number, number>();
  for (const i of a.insts) depthOf.set(i.key, i.depth);
  keys.sort((x, y) => depthOf.get(y)! - depthOf.get(x)! || x - y);
  const pairUp = (ia: Inst, ib: Inst): void => {
    pairs.set(ia.id, ib.id);
    taken.add(ib.id);
    const kidsA = operandsByKey(a, ia),
      kidsB = operandsByKey(b, ib);
    for (const [k, xs] of kidsA) {
      const ys = kidsB.get(k) ?? [];
      const w = 1 / Math.max(xs.length, ys.length);
      for (const x of xs) {
        const v = votes.get(x) ?? new Map<number, number>();
        for (const y of ys) v.set(y, (v.get(y) ?? 0) + w);
        votes.set(x, v);
      }
    }
  };
  for (const k of keys) {
    const la = byKeyA.get(k)!.filter((i) => !pairs.has(i.id)),
      lb = byKeyB.get(k)!.filter((i) => !taken.has(i.id));
    if (la.length === 1 && lb.length === 1) {
      pairUp(la[0], lb[0]);
      continue;
    }
    if (la.length * lb.length > MAX_SCORED_PAIRS) {
      la.forEach((ia, j) => {
        if (j < lb.length) pairUp(ia, lb[j]);
      });
      continue;
    }
    const cand: { ia: Inst; ib: Inst; score: number; order: number }[] = [];
    la.forEach((ia, i) =>
      lb.forEach((ib, j) => {
        const vote = votes.get(ia.id)?.get(ib.id) ?? 0;
        const ctx = alike(a.up[ia.id], b.up[ib.id]);
        const name = ia.names.some((n) => ib.names.includes(n)) ? 1 : 0;
        cand.push({ ia, ib, score: vote * 100 + ctx * 10 + name, order: i * lb.length + j });
      }),
    );
    cand.sort((x, y) => y.score - x.score || x.order - y.order);
    for (const c of cand) if (!pairs.has(c.ia.id) && !taken.has(c.ib.id)) pairUp(c.ia, c.ib);
  }
  return { a, b, pairs, a2: pa, b2: pb };
}

/** Share (0…1) of two sorted multisets of strings that they have in common. */
function alike(x: readonly string[], y: readonly string[]): number {
  let i = 0,
    j = 0,
    n = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      n++;
      i++;
      j++;
    } else if (x[i] < y[j]) i++;
    else j++;
  }
  return n / Math.max(1, x.length, y.length);
}

function group(insts: readonly Inst[]): Map<number, Inst[]> {
  const m = new Map<number, Inst[]>();
  for (const i of insts) {
    const l = m.get(i.key);
    if (l) l.push(i);
    else m.set(i.key, [i]);
  }
  return m;
}

/** An instance's operand instances grouped by key (`pos:key` for a non-commutative op, so positions pair). */
function operandsByKey(c: Built, inst: Inst): Map<string, number[]> {
  const m = new Map<string, number[]>();
  inst.inputs.forEach((x, pos) => {
    if (x < 0) return;
    const k = inst.commutative ? String(c.insts[x].key) : `${pos}:${c.insts[x].key}`;
    const l = m.get(k);
    if (l) l.push(x);
    else m.set(k, [x]);
  });
  return m;
}

/** Turns a matching into the two sides' names, only-nodes and only-edges. */
function sides(r: Matched): { left: SideDiff; right: SideDiff } {
  const back = new Map<number, number>();
  for (const [x, y] of r.pairs) back.set(y, x);
  return {
    left: side(r.a, r.a2, r.b, r.pairs),
    right: side(r.b, r.b2, r.a, back),
  };
}

function side(self: Built, p: Prepared, other: Built, pairs: ReadonlyMap<number, number>): SideDiff {
  const matched = new Map<string, string>();
  const onlyNodes: string[] = [];
  // Inputs: matched when the other cell reads the same leaf (same state label).
  for (const [leaf, name] of self.leaves) {
    const there = other.leaves.get(leaf);
    if (there !== undefined) matched.set(name, there);
    else onlyNodes.push(name);
  }
  onlyNodes.sort((x, y) => (x === INPUT_X ? -1 : y === INPUT_X ? 1 : (hPrevIndex(x) ?? 0) - (hPrevIndex(y) ?? 0)));
  for (const name of p.order) {
    const id = self.of.get(name)!;
    const y = pairs.get(id);
    if (y !== undefined) matched.set(name, other.insts[y].names[0]);
    else onlyNodes.push(name);
  }
  // A counterpart operand: the paired instance, or the same leaf.
  const counterpart = (x: number): number | undefined => (x < 0 ? (other.leaves.has(x) ? x : undefined) : pairs.get(x));
  const onlyEdges: EdgeRef[] = [];
  for (const name of Object.keys(p.recipe)) {
    if (!p.live.has(name)) continue;
    const inst = self.insts[self.of.get(name)!];
    const y = pairs.get(inst.id);
    p.recipe[name].input.forEach((ref, operand) => {
      // From the operand as written: a merged duplicate's operands may be in another order than its representative's.
      const x = self.operand(ref);
      const c = counterpart(x);
      const there = y === undefined || c === undefined ? undefined : other.insts[y];
      const same = there !== undefined && (inst.commutative ? there.inputs.includes(c!) : there.inputs[operand] === c);
      if (!same) onlyEdges.push({ source: x < 0 ? self.leaves.get(x)! : ref, target: name, operand });
    });
  }
  // Recurrence h_new_i → h_prev_i: the same when h_new_i has a counterpart (its key carries the state label).
  for (const name of p.order) {
    const i = hNewIndex(name);
    if (i !== undefined && !pairs.has(self.of.get(name)!))
      onlyEdges.push({ source: name, target: `h_prev_${i}`, operand: -1 });
  }
  const dead = Object.keys(p.recipe).filter((n) => !p.live.has(n));
  return { matched, onlyNodes, onlyEdges, dead };
}

/** Every injection of `n` items into `m` slots (as slot lists), the identity first. */
function injections(n: number, m: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const used = new Array<boolean>(m).fill(false);
  const rec = (): void => {
    if (cur.length === n) {
      out.push([...cur]);
      return;
    }
    for (let s = 0; s < m; s++) {
      if (used[s]) continue;
      used[s] = true;
      cur.push(s);
      rec();
      cur.pop();
      used[s] = false;
    }
  };
  rec();
  return out;
}
