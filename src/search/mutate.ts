/**
 * Mutation and crossover of NAS-Bench-NLP cells that stay inside the space ({@link isInSpace}: valid by
 * `validateRecipe` and no {@link spaceViolations}).
 *
 * Mutations (one is drawn uniformly, then repaired / retried):
 * - `op`: change a node's op to another op; when the arity changes the inputs are fixed — surplus inputs
 *   dropped at random, missing ones drawn from the legal candidates (no cycle, no repeat, `x` only into
 *   `linear`, no `h_prev` into an `h_new`).
 * - `rewire`: replace one input of a node by another legal candidate.
 * - `add`: insert a new node (random op, legal inputs including the old input) on one input edge of a node.
 * - `remove`: delete a non-output node; its readers read one of its inputs instead.
 * After each change dead nodes are pruned; a result that is not in the space (or equals the parent) is
 * discarded and another mutation drawn, at most `maxTries` times. If all fail, `changed` is false and the
 * parent is returned (never observed in tests).
 *
 * Crossover (subgraph exchange): a random node `a` of parent A is replaced by a copy of the cone (the node and
 * all its ancestors) of a random node `b` of parent B; the copied nodes get fresh names (B's `h_new_k`
 * become ordinary nodes), B's `h_prev_j` with j ≥ H_A are mapped to `h_prev_{j mod H_A}`, A's readers of `a`
 * read the copy's root (if `a` is `h_new_i`, the root takes that name), and dead nodes are pruned. Retried
 * and finally falling back to a mutation of A, so the child is always in the space.
 *
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { hNewIndex, hPrevIndex, isCellInput, OP_NAMES, type OpName } from '../recipe/ops';
import {
  cellInputs,
  choice,
  cloneRecipe,
  descendants,
  drawArity,
  drawOp,
  freshName,
  hiddenSize,
  inputAllowed,
  isInSpace,
  pruneDead,
  randInt,
  sampleDistinct,
  type Rng,
  type SpaceOptions,
} from './space';

/** The kinds of mutation. */
export type MutationKind = 'op' | 'rewire' | 'add' | 'remove';
export const MUTATION_KINDS: readonly MutationKind[] = ['op', 'rewire', 'add', 'remove'];

/** Result of {@link mutate}. */
export interface MutationResult {
  readonly recipe: Recipe;
  /** The mutation that produced it (undefined when nothing changed). */
  readonly kind: MutationKind | undefined;
  /** False only if every try failed and the parent is returned unchanged. */
  readonly changed: boolean;
  /** Number of tries used. */
  readonly tries: number;
}

/** Options of {@link mutate} / {@link crossover}. */
export interface MutateOptions extends SpaceOptions {
  /** Restrict to these mutation kinds (default all). */
  readonly kinds?: readonly MutationKind[];
  /** Maximum tries (default 100). */
  readonly maxTries?: number;
}

function sameRecipe(a: Recipe, b: Recipe): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const y = b[k];
    if (!y || y.op !== a[k].op || y.input.length !== a[k].input.length || y.input.some((v, i) => v !== a[k].input[i]))
      return false;
  }
  return true;
}

/** Legal inputs for node `node` with op `op` in `recipe` (excluding its descendants, so no cycle, and `exclude`). */
export function inputCandidates(recipe: Recipe, node: string, op: OpName, exclude: ReadonlySet<string>): string[] {
  const desc = Object.prototype.hasOwnProperty.call(recipe, node) ? descendants(recipe, node) : new Set<string>([node]);
  const all = [...cellInputs(hiddenSize(recipe)), ...Object.keys(recipe)];
  return all.filter((c) => !desc.has(c) && !exclude.has(c) && inputAllowed(node, op, c));
}

/*
 * The four edits, each with its choices made: the random mutation below draws the choices, the enumeration of a
 * cell's single edits (./suggest.ts) walks them all. Each returns a new recipe (dead nodes not pruned yet), or
 * undefined when the edit is impossible.
 */

/** `op`: node `node` becomes `op` reading `inputs`. */
export function withOp(recipe: Recipe, node: string, op: OpName, inputs: readonly string[]): Recipe {
  const r = cloneRecipe(recipe);
  r[node] = { op, input: [...inputs] };
  return r;
}

/** `rewire`: input `slot` of `node` becomes `input`. */
export function withInput(recipe: Recipe, node: string, slot: number, input: string): Recipe {
  const r = cloneRecipe(recipe);
  r[node].input[slot] = input;
  return r;
}

/**
 * The inputs a node inserted before `consumer` may read with op `op`: anything that does not depend on the consumer
 * (the new node is called `fresh`).
 */
export function insertCandidates(recipe: Recipe, consumer: string, fresh: string, op: OpName): string[] {
  const desc = descendants(recipe, consumer);
  return [...cellInputs(hiddenSize(recipe)), ...Object.keys(recipe)].filter(
    (c) => !desc.has(c) && inputAllowed(fresh, op, c),
  );
}

/** `add`: a new node `fresh` = `op`(`inputs`) becomes input `slot` of `consumer`. */
export function withInserted(
  recipe: Recipe,
  consumer: string,
  slot: number,
  fresh: string,
  op: OpName,
  inputs: readonly string[],
): Recipe | undefined {
  if (!inputAllowed(consumer, recipe[consumer].op as OpName, fresh) || recipe[consumer].input.includes(fresh))
    return undefined;
  const r = cloneRecipe(recipe);
  r[fresh] = { op, input: [...inputs] };
  r[consumer].input[slot] = fresh;
  return r;
}

/**
 * The inputs of `node` that each reader of `node` may read instead when `node` is removed (reader → options, in
 * key order; an empty list: that reader has none, so the node cannot be removed).
 */
export function removalOptions(recipe: Recipe, node: string): Map<string, string[]> {
  const replacements = recipe[node].input;
  const out = new Map<string, string[]>();
  for (const k of Object.keys(recipe)) {
    if (k === node || !recipe[k].input.includes(node)) continue;
    out.set(
      k,
      replacements.filter((x) => !recipe[k].input.includes(x) && inputAllowed(k, recipe[k].op as OpName, x)),
    );
  }
  return out;
}

/** `remove`: delete `node`; each of its readers reads `instead.get(reader)` in its place. */
export function withRemoved(recipe: Recipe, node: string, instead: ReadonlyMap<string, string>): Recipe {
  const r = cloneRecipe(recipe);
  delete r[node];
  for (const [k, x] of instead) {
    const idx = r[k].input.indexOf(node);
    if (idx >= 0) r[k].input[idx] = x;
  }
  return r;
}

function mutateOnce(recipe: Recipe, kind: MutationKind, rng: Rng): Recipe | undefined {
  const names = Object.keys(recipe);
  switch (kind) {
    case 'op': {
      const node = choice(rng, names);
      const others = OP_NAMES.filter((o) => o !== recipe[node].op);
      const op = choice(rng, others);
      const arity = drawArity(rng, op);
      let inputs = recipe[node].input.filter((x) => inputAllowed(node, op, x));
      if (inputs.length > arity) inputs = sampleDistinct(rng, inputs, arity);
      if (inputs.length < arity) {
        const c = inputCandidates(recipe, node, op, new Set(inputs));
        if (c.length < arity - inputs.length) return undefined;
        inputs = inputs.concat(sampleDistinct(rng, c, arity - inputs.length));
      }
      return pruneDead(withOp(recipe, node, op, inputs));
    }
    case 'rewire': {
      const node = choice(rng, names);
      const slot = randInt(rng, recipe[node].input.length);
      const c = inputCandidates(recipe, node, recipe[node].op as OpName, new Set(recipe[node].input));
      if (c.length === 0) return undefined;
      return pruneDead(withInput(recipe, node, slot, choice(rng, c)));
    }
    case 'add': {
      const consumer = choice(rng, names);
      const slot = randInt(rng, recipe[consumer].input.length);
      const old = recipe[consumer].input[slot];
      const op = drawOp(rng);
      const arity = drawArity(rng, op);
      const fresh = freshName(recipe);
      const pool = insertCandidates(recipe, consumer, fresh, op);
      const first = inputAllowed(fresh, op, old) ? [old] : [];
      const rest = pool.filter((c) => c !== old);
      if (rest.length < arity - first.length) return undefined;
      const inputs = first.concat(sampleDistinct(rng, rest, arity - first.length));
      const r = withInserted(recipe, consumer, slot, fresh, op, inputs);
      return r && pruneDead(r);
    }
    case 'remove': {
      const inner = names.filter((n) => hNewIndex(n) === undefined);
      if (inner.length === 0) return undefined;
      const node = choice(rng, inner);
      const instead = new Map<string, string>();
      for (const [k, ok] of removalOptions(recipe, node)) {
        if (ok.length === 0) return undefined;
        instead.set(k, choice(rng, ok));
      }
      return pruneDead(withRemoved(recipe, node, instead));
    }
  }
}

/** One random mutation that keeps the cell in the space (see the module comment). Deterministic per RNG state. */
export function mutate(recipe: Recipe, rng: Rng, options: MutateOptions = {}): MutationResult {
  const kinds = options.kinds ?? MUTATION_KINDS;
  const maxTries = options.maxTries ?? 100;
  for (let t = 1; t <= maxTries; t++) {
    const kind = choice(rng, kinds);
    const child = mutateOnce(recipe, kind, rng);
    if (child && !sameRecipe(child, recipe) && isInSpace(child, options))
      return { recipe: child, kind, changed: true, tries: t };
  }
  return { recipe: cloneRecipe(recipe), kind: undefined, changed: false, tries: maxTries };
}

/** Ancestor cone of `node` (the node and every node it reads, transitively). */
function cone(recipe: Recipe, node: string): string[] {
  const seen = new Set<string>([node]);
  const q = [node];
  for (let qi = 0; qi < q.length; qi++)
    for (const i of recipe[q[qi]].input) {
      if (!isCellInput(i) && Object.prototype.hasOwnProperty.call(recipe, i) && !seen.has(i)) {
        seen.add(i);
        q.push(i);
      }
    }
  return q;
}

function crossOnce(a: Recipe, b: Recipe, rng: Rng): Recipe | undefined {
  const child = cloneRecipe(a);
  const H = hiddenSize(a);
  const target = choice(rng, Object.keys(a));
  const source = choice(rng, Object.keys(b));
  const nodes = cone(b, source);
  const taken = new Set(Object.keys(child));
  const rename = new Map<string, string>();
  const targetIsOutput = hNewIndex(target) !== undefined;
  for (const n of nodes) {
    if (n === source && targetIsOutput) {
      rename.set(n, target);
      continue;
    }
    const f = freshName(child, taken);
    taken.add(f);
    rename.set(n, f);
  }
  const mapInput = (x: string): string => {
    const p = hPrevIndex(x);
    if (p !== undefined) return `h_prev_${p % H}`;
    return rename.get(x) ?? x;
  };
  const root = rename.get(source)!;
  if (!targetIsOutput) {
    delete child[target];
    for (const k of Object.keys(child)) child[k].input = child[k].input.map((x) => (x === target ? root : x));
  }
  for (const n of nodes) {
    const input = b[n].input.map(mapInput);
    if (new Set(input).size !== input.length) return undefined;
    child[rename.get(n)!] = { op: b[n].op, input };
  }
  for (const k of Object.keys(child)) if (new Set(child[k].input).size !== child[k].input.length) return undefined;
  return pruneDead(child);
}

/**
 * Crossover by subgraph exchange (see the module comment): a child of `a` with a subgraph of `b`, always in
 * the space. `changed` is false when every try failed and a mutation of `a` was returned instead.
 */
export function crossover(
  a: Recipe,
  b: Recipe,
  rng: Rng,
  options: MutateOptions = {},
): { recipe: Recipe; changed: boolean; tries: number } {
  const maxTries = options.maxTries ?? 100;
  for (let t = 1; t <= maxTries; t++) {
    const child = crossOnce(a, b, rng);
    if (child && !sameRecipe(child, a) && isInSpace(child, options)) return { recipe: child, changed: true, tries: t };
  }
  const m = mutate(a, rng, options);
  return { recipe: m.recipe, changed: false, tries: maxTries };
}
