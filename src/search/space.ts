/**
 * The NAS-Bench-NLP search space: a seeded random cell generator that follows the benchmark's own
 * `RecepieGenerator` (search_space.py of NAS-Bench-NLP, re-implemented here from its description), and the
 * structural rules that define "a cell of this space", used to keep mutations and crossovers inside it.
 *
 * The benchmark's generator, for a hidden tuple size H ∈ {1, 2, 3} and an intermediate-vertex budget
 * I ∈ {7, 14, 21} (the values its example notebook sweeps):
 * 1. Base nodes: `x`, `h_prev_0` … `h_prev_{H−1}`. While fewer than H + I nodes exist, draw a main op with
 *    weights linear 3 : blend 1 : elementwise_prod 1 : elementwise_sum 1.
 *    - `linear`: 2 inputs (probability 4/5) or 3 (1/5), capped by the candidates, drawn without replacement
 *      from the base nodes and the activation nodes made so far; then an activation node (tanh / sigm /
 *      leaky_relu, equally likely) reading that linear node is always added. Because this pair is added
 *      even at the last free slot, a cell can have H + I + 1 nodes (so at most 3 + 21 + 1 = 25).
 *    - `blend` (3 inputs) / `elementwise_*` (2 inputs): drawn without replacement from the base nodes
 *      EXCEPT `x` and every node made so far; skipped (redrawn) when there are too few candidates.
 * 2. H distinct nodes drawn uniformly are renamed `h_new_0` … `h_new_{H−1}` (references follow).
 * 3. Nodes that reach no `h_new_i` are removed.
 * 4. Sanity check (the notebook keeps only cells that pass): every base node (x and all h_prev_i) is still
 *    read, and no `h_new_i` reads an `h_prev_j` directly.
 * {@link randomCell} draws H and I uniformly from the lists, then repeats the generator with them until the
 * sanity check and {@link isValidRecipe} pass (so every (H, I) is equally likely, as in the benchmark's notebook,
 * which keeps up to 100 sane cells per configuration).
 *
 * {@link spaceViolations} lists the rules a mutated / crossed-over cell must keep (the generator's
 * invariants that are properties of the cell rather than of the sampling order): the arities the generator
 * uses (linear 2–3, elementwise 2, blend 3, activation 1), distinct inputs per node, `x` read only by
 * `linear`, 1 ≤ H ≤ 3, at most 25 nodes, every base node read, no dead node, no `h_new_i` reading an
 * `h_prev_j` directly; plus validity by `validateRecipe`. The generator's sampling-order bias (a `linear`
 * reads only base and activation nodes) is NOT a rule: the hand-made GRU of the benchmark breaks it.
 *
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { hNewIndex, hPrevIndex, INPUT_X, isCellInput, isOpName, type OpName } from '../recipe/ops';
import { isValidRecipe } from '../recipe/validate';
import { recipeInfo } from '../recipe/model';

/** A seeded PRNG returning uniform floats in [0, 1). */
export type Rng = () => number;

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}
/** Uniform element of a non-empty array. */
export function choice<T>(rng: Rng, xs: readonly T[]): T {
  return xs[randInt(rng, xs.length)];
}
/** Index drawn with probability proportional to `weights`. */
export function weightedIndex(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}
/** k distinct elements drawn without replacement (k capped at the length). */
export function sampleDistinct<T>(rng: Rng, xs: readonly T[], k: number): T[] {
  const a = xs.slice();
  const m = Math.min(k, a.length);
  for (let i = 0; i < m; i++) {
    const j = i + randInt(rng, a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, m);
}

/** Options of the space (defaults are NAS-Bench-NLP's). */
export interface SpaceOptions {
  /** Hidden tuple sizes to draw from (default [1, 2, 3]). */
  readonly hiddenTupleSizes?: readonly number[];
  /** Intermediate-vertex budgets to draw from (default [7, 14, 21]). */
  readonly intermediateVertices?: readonly number[];
  /** Maximum number of nodes of a cell (default 25 = 3 + 21 + 1, see the module comment). */
  readonly maxNodes?: number;
  /** Maximum hidden tuple size (default 3). */
  readonly maxHidden?: number;
}

/** Default hidden tuple sizes / intermediate budgets (the benchmark notebook's sweep). */
export const NB_HIDDEN_TUPLE_SIZES = [1, 2, 3] as const;
export const NB_INTERMEDIATE_VERTICES = [7, 14, 21] as const;
/** Largest node count the benchmark generator can produce: 3 + 21 + 1. */
export const NB_MAX_NODES = 25;
export const NB_MAX_HIDDEN = 3;

const MAIN_OPS: readonly OpName[] = ['linear', 'blend', 'elementwise_prod', 'elementwise_sum'];
const MAIN_WEIGHTS = [3, 1, 1, 1];
/** The activation ops the generator adds after each linear node (equally likely). */
export const ACTIVATIONS: readonly OpName[] = ['activation_tanh', 'activation_sigm', 'activation_leaky_relu'];

/** Arities the benchmark generator uses (a subset of what the op table allows). */
export function spaceArities(op: OpName): readonly number[] {
  switch (op) {
    case 'linear':
      return [2, 3];
    case 'blend':
      return [3];
    case 'elementwise_prod':
    case 'elementwise_sum':
      return [2];
    default:
      return [1];
  }
}

/** Draws an arity for `op` as the generator does (linear: 2 with p = 4/5, 3 with p = 1/5). */
export function drawArity(rng: Rng, op: OpName): number {
  if (op === 'linear') return rng() < 0.8 ? 2 : 3;
  return spaceArities(op)[0];
}

/** Draws an op for a new node: main op by the generator weights; an activation with probability 1/3 of linear's share. */
export function drawOp(rng: Rng): OpName {
  // Generator frequencies: every linear is followed by an activation, so activations are as common as linears.
  const i = weightedIndex(rng, [3, 1, 1, 1, 3]);
  return i < 4 ? MAIN_OPS[i] : choice(rng, ACTIVATIONS);
}

/**
 * One run of the benchmark generator for hidden tuple size H and I intermediate vertices.
 * Returns the recipe and whether it passes the generator's sanity check (see the module comment).
 */
export function generateRecepie(
  rng: Rng,
  hiddenTupleSize: number,
  intermediateVertices: number,
): { recipe: Recipe; sanityOk: boolean } {
  const H = hiddenTupleSize;
  const prev = Array.from({ length: H }, (_, i) => `h_prev_${i}`);
  const base = [INPUT_X, ...prev];
  const recipe: Recipe = {};
  const activationNodes: string[] = [];
  let i = 0;
  let guard = 0;
  while (i < H + intermediateVertices && guard++ < 10000) {
    const op = MAIN_OPS[weightedIndex(rng, MAIN_WEIGHTS)];
    if (op === 'linear') {
      const cands = [...base, ...activationNodes];
      const k = Math.min(rng() < 0.8 ? 2 : 3, cands.length);
      recipe[`node_${i}`] = { op, input: sampleDistinct(rng, cands, k) };
      i++;
      const act = choice(rng, ACTIVATIONS);
      recipe[`node_${i}`] = { op: act, input: [`node_${i - 1}`] };
      activationNodes.push(`node_${i}`);
      i++;
    } else {
      const k = op === 'blend' ? 3 : 2;
      const cands = [...prev, ...Object.keys(recipe)];
      if (k <= cands.length) {
        recipe[`node_${i}`] = { op, input: sampleDistinct(rng, cands, k) };
        i++;
      }
    }
  }
  // Rename H random nodes to h_new_*.
  const chosen = sampleDistinct(rng, Object.keys(recipe), H);
  const map = new Map<string, string>(chosen.map((k, j) => [k, `h_new_${j}`]));
  const renamed: Recipe = {};
  for (const k of Object.keys(recipe)) {
    if (map.has(k)) continue;
    renamed[k] = recipe[k];
  }
  for (const k of chosen) renamed[map.get(k)!] = recipe[k];
  for (const k of Object.keys(renamed))
    renamed[k] = { op: renamed[k].op, input: renamed[k].input.map((x) => map.get(x) ?? x) };
  const pruned = pruneDead(renamed);
  let sanityOk = base.every((b) => Object.values(pruned).some((n) => n.input.includes(b)));
  for (let j = 0; j < H && sanityOk; j++)
    if (pruned[`h_new_${j}`].input.some((x) => hPrevIndex(x) !== undefined)) sanityOk = false;
  return { recipe: pruned, sanityOk };
}

/** Removes the nodes that reach no `h_new_i` (as the generator's `_remove_redundant_nodes`). */
export function pruneDead(recipe: Recipe): Recipe {
  const keep = new Set<string>();
  const q = Object.keys(recipe).filter((k) => hNewIndex(k) !== undefined);
  for (const k of q) keep.add(k);
  for (let qi = 0; qi < q.length; qi++) {
    for (const inp of recipe[q[qi]].input) {
      if (!keep.has(inp) && Object.prototype.hasOwnProperty.call(recipe, inp)) {
        keep.add(inp);
        q.push(inp);
      }
    }
  }
  const out: Recipe = {};
  for (const k of Object.keys(recipe)) if (keep.has(k)) out[k] = { op: recipe[k].op, input: [...recipe[k].input] };
  return out;
}

/** Hidden tuple size of a cell: 1 + the largest `h_new_i` index. */
export function hiddenSize(recipe: Recipe): number {
  let h = 0;
  for (const k of Object.keys(recipe)) {
    const i = hNewIndex(k);
    if (i !== undefined) h = Math.max(h, i + 1);
  }
  return h;
}

/**
 * A random valid cell of the NAS-Bench-NLP space: H and I drawn uniformly from the options, the benchmark
 * generator repeated until its sanity check passes, the cell is valid by `validateRecipe` and has no
 * {@link spaceViolations}. Throws after 1000 failed attempts (never observed with the defaults).
 */
export function randomCell(rng: Rng, options: SpaceOptions = {}): Recipe {
  const hs = options.hiddenTupleSizes ?? NB_HIDDEN_TUPLE_SIZES;
  const is = options.intermediateVertices ?? NB_INTERMEDIATE_VERTICES;
  // (H, I) is drawn once and the generator repeated with it, as the notebook keeps the first valid seeds of
  // every (H, I) configuration: each configuration is equally likely whatever its rejection rate.
  const H = choice(rng, hs);
  const I = choice(rng, is);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const { recipe, sanityOk } = generateRecepie(rng, H, I);
    if (sanityOk && isInSpace(recipe, options)) return recipe;
  }
  throw new Error('randomCell: no valid cell in 1000 attempts');
}

/**
 * Structural rules of the space that a cell breaks (empty = none); see the module comment. Assumes
 * nothing about validity: cycles and unknown ops are reported too, but callers should also run
 * `validateRecipe` (see {@link isInSpace}).
 */
export function spaceViolations(recipe: Recipe, options: SpaceOptions = {}): string[] {
  const out: string[] = [];
  const names = Object.keys(recipe);
  const maxNodes = options.maxNodes ?? NB_MAX_NODES;
  const maxHidden = options.maxHidden ?? NB_MAX_HIDDEN;
  if (names.length > maxNodes) out.push(`more than ${maxNodes} nodes (${names.length})`);
  const H = hiddenSize(recipe);
  if (H < 1 || H > maxHidden) out.push(`hidden tuple size ${H} outside 1..${maxHidden}`);
  const read = new Set<string>();
  for (const k of names) {
    const n = recipe[k];
    if (!isOpName(n.op)) {
      out.push(`${k}: unknown op`);
      continue;
    }
    if (!spaceArities(n.op).includes(n.input.length)) out.push(`${k}: ${n.op} with ${n.input.length} inputs`);
    if (new Set(n.input).size !== n.input.length) out.push(`${k}: repeated input`);
    if (n.op !== 'linear' && n.input.includes(INPUT_X)) out.push(`${k}: x read by ${n.op}`);
    if (hNewIndex(k) !== undefined && n.input.some((x) => hPrevIndex(x) !== undefined))
      out.push(`${k}: reads h_prev directly`);
    for (const x of n.input) {
      read.add(x);
      const p = hPrevIndex(x);
      if (p !== undefined && p >= H) out.push(`${k}: reads h_prev_${p} but H = ${H}`);
      if (!isCellInput(x) && !Object.prototype.hasOwnProperty.call(recipe, x)) out.push(`${k}: dangling input ${x}`);
    }
  }
  if (!read.has(INPUT_X)) out.push('x is not read');
  for (let i = 0; i < H; i++) if (!read.has(`h_prev_${i}`)) out.push(`h_prev_${i} is not read`);
  const alive = pruneDead(recipe);
  if (Object.keys(alive).length !== names.length) out.push('dead nodes');
  if (recipeInfo(recipe).order === undefined) out.push('cycle');
  return out;
}

/** Whether a cell is valid (`validateRecipe` has no error) and inside the space ({@link spaceViolations} empty). */
export function isInSpace(recipe: Recipe, options: SpaceOptions = {}): boolean {
  return spaceViolations(recipe, options).length === 0 && isValidRecipe(recipe);
}

/** Deep copy of a recipe. */
export function cloneRecipe(recipe: Recipe): Recipe {
  const out: Recipe = {};
  for (const k of Object.keys(recipe)) out[k] = { op: recipe[k].op, input: [...recipe[k].input] };
  return out;
}

/** Cell inputs of a cell with hidden tuple size H: `x`, `h_prev_0..H−1`. */
export function cellInputs(H: number): string[] {
  return [INPUT_X, ...Array.from({ length: H }, (_, i) => `h_prev_${i}`)];
}

/** Whether `op` may read input `name` under the space rules, for a node called `node`. */
export function inputAllowed(node: string, op: OpName, name: string): boolean {
  if (name === INPUT_X && op !== 'linear') return false;
  if (hNewIndex(node) !== undefined && hPrevIndex(name) !== undefined) return false;
  return true;
}

/** The set of nodes that depend on `node` (transitively, including itself). */
export function descendants(recipe: Recipe, node: string): Set<string> {
  const consumers = new Map<string, string[]>();
  for (const k of Object.keys(recipe))
    for (const i of recipe[k].input) {
      if (!consumers.has(i)) consumers.set(i, []);
      consumers.get(i)!.push(k);
    }
  const seen = new Set<string>([node]);
  const q = [node];
  for (let qi = 0; qi < q.length; qi++)
    for (const c of consumers.get(q[qi]) ?? [])
      if (!seen.has(c)) {
        seen.add(c);
        q.push(c);
      }
  return seen;
}

/** A fresh node name `node_<k>` not used in the recipe. */
export function freshName(recipe: Recipe, taken?: Set<string>): string {
  let k = Object.keys(recipe).length;
  while (Object.prototype.hasOwnProperty.call(recipe, `node_${k}`) || taken?.has(`node_${k}`)) k++;
  return `node_${k}`;
}
