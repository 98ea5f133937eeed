/**
 * Structure features of a NAS-Bench-NLP recipe for the loss predictor (src/study/predictor/): op counts,
 * size, depth, recurrence and boundedness facts of the part of the cell that influences `h_new_0`.
 *
 * Every feature is a finite number for a valid cell. A recipe without `h_new_0` or with a cycle still gets
 * the counts; its depth-type features are NaN (the predictor imputes them and says so).
 *
 * Pure logic; no `vscode` import. Iterative algorithms only (the recipe can be large).
 */
import type { Recipe } from '../recipe/types';
import { hNewIndex, hPrevIndex, INPUT_X, isOpName, OPS, type OpName } from '../recipe/ops';
import { recipeInfo } from '../recipe/model';

/** Ids of the structure features, in a fixed order (all prefixed `s_` so they never clash with a score id). */
export const STRUCTURE_FEATURES = [
  's_nodes', // live nodes (influence h_new_0 now or later)
  's_dead', // nodes that influence nothing
  's_linear',
  's_blend',
  's_prod',
  's_sum',
  's_tanh',
  's_sigm',
  's_relu', // live nodes per op
  's_weights', // weight matrices: Σ inputs of the live linear nodes
  's_states', // hidden tuple size (1 + largest h_new_i index)
  's_read_states', // h_prev_i read by live nodes
  's_x_reads', // live nodes reading x directly
  's_h_reads', // live nodes reading some h_prev_i directly
  's_depth', // longest chain of nodes from a cell input to h_new_0 within one step
  's_lin_depth', // most linear nodes on one such chain
  's_rec_lin_min', // fewest linear nodes on a path h_prev_i → h_new_i (any live state); s_depth + 1 when none
  's_skip', // 1 when some state reaches its own update without a linear node (additive / gated memory)
  's_fanin_mean',
  's_fanin_max',
  's_fanout_max',
  's_gates', // sigmoid nodes that gate a product or a blend
  's_out_act', // h_new_0 is an activation
  // the op of h_new_0, one-hot
  's_out_linear',
  's_out_blend',
  's_out_prod',
  's_out_sum',
  's_out_tanh',
  's_out_sigm',
  's_out_relu',
  's_x_min_depth', // fewest nodes on a path x → h_new_0 (s_depth + 1 when x does not reach it)
  's_h_min_depth', // fewest nodes on a path h_prev_i → h_new_0 (s_depth + 1 when none)
  's_out_bounded', // h_new_0 stays in [−1, 1] for every input and history
  's_state_bounded', // every live hidden state stays in [−1, 1]
] as const;
export type StructureFeature = (typeof STRUCTURE_FEATURES)[number];

/** Whether an id is a structure feature id. */
export function isStructureFeature(id: string): id is StructureFeature {
  return (STRUCTURE_FEATURES as readonly string[]).includes(id);
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The structure features of a recipe (see {@link STRUCTURE_FEATURES}). Never throws. */
export function structureFeatures(recipe: Recipe): Record<StructureFeature, number> {
  const out = Object.fromEntries(STRUCTURE_FEATURES.map((f) => [f, NaN])) as Record<StructureFeature, number>;
  if (!recipe || typeof recipe !== 'object') return out;
  let info: ReturnType<typeof recipeInfo>;
  try {
    info = recipeInfo(recipe);
  } catch {
    return out;
  }
  const names = Object.keys(recipe);
  const live = recipe['h_new_0'] !== undefined && has(recipe, 'h_new_0') ? info.liveNodes : new Set(names);
  const op = (n: string): OpName | undefined => {
    const o = recipe[n]?.op;
    return isOpName(o) ? o : undefined;
  };
  const inputs = (n: string): string[] =>
    Array.isArray(recipe[n]?.input) ? recipe[n].input.filter((i) => typeof i === 'string') : [];
  const isNode = (i: string): boolean => has(recipe, i) && i !== INPUT_X && hPrevIndex(i) === undefined;

  const count: Record<OpName, number> = {
    linear: 0,
    blend: 0,
    elementwise_prod: 0,
    elementwise_sum: 0,
    activation_tanh: 0,
    activation_sigm: 0,
    activation_leaky_relu: 0,
  };
  let weights = 0,
    xReads = 0,
    hReads = 0,
    faninSum = 0,
    faninMax = 0,
    gates = 0;
  const readStates = new Set<number>();
  const consumers = new Map<string, number>();
  for (const n of live) {
    const o = op(n);
    if (o) count[o]++;
    const ins = inputs(n);
    if (o === 'linear') weights += ins.length;
    faninSum += ins.length;
    faninMax = Math.max(faninMax, ins.length);
    if (ins.includes(INPUT_X)) xReads++;
    let readsH = false;
    ins.forEach((i, pos) => {
      const k = hPrevIndex(i);
      if (k !== undefined) {
        readStates.add(k);
        readsH = true;
      }
      consumers.set(i, (consumers.get(i) ?? 0) + 1);
      if (op(i) === 'activation_sigm' && (o === 'elementwise_prod' || (o === 'blend' && pos === 0))) gates++;
    });
    if (readsH) hReads++;
  }
  let fanoutMax = 0;
  for (const [k, v] of consumers) if (isNode(k) && live.has(k)) fanoutMax = Math.max(fanoutMax, v);

  out.s_nodes = live.size;
  out.s_dead = names.length - live.size;
  out.s_linear = count.linear;
  out.s_blend = count.blend;
  out.s_prod = count.elementwise_prod;
  out.s_sum = count.elementwise_sum;
  out.s_tanh = count.activation_tanh;
  out.s_sigm = count.activation_sigm;
  out.s_relu = count.activation_leaky_relu;
  out.s_weights = weights;
  out.s_states = info.hiddenTupleSize;
  out.s_read_states = readStates.size;
  out.s_x_reads = xReads;
  out.s_h_reads = hReads;
  out.s_fanin_mean = live.size ? faninSum / live.size : 0;
  out.s_fanin_max = faninMax;
  out.s_fanout_max = fanoutMax;
  out.s_gates = gates;
  const outOp = op('h_new_0');
  out.s_out_act = outOp !== undefined && OPS[outOp].category === 'activation' ? 1 : 0;
  out.s_out_linear = outOp === 'linear' ? 1 : 0;
  out.s_out_blend = outOp === 'blend' ? 1 : 0;
  out.s_out_prod = outOp === 'elementwise_prod' ? 1 : 0;
  out.s_out_sum = outOp === 'elementwise_sum' ? 1 : 0;
  out.s_out_tanh = outOp === 'activation_tanh' ? 1 : 0;
  out.s_out_sigm = outOp === 'activation_sigm' ? 1 : 0;
  out.s_out_relu = outOp === 'activation_leaky_relu' ? 1 : 0;

  const order = info.order;
  if (!order || !has(recipe, 'h_new_0')) return out;
  const liveOrder = order.filter((n) => live.has(n));

  // Longest chains within one step (in topological order).
  const depth = new Map<string, number>();
  const linDepth = new Map<string, number>();
  for (const n of liveOrder) {
    let d = 0,
      l = 0;
    for (const i of inputs(n))
      if (isNode(i)) {
        d = Math.max(d, depth.get(i) ?? 0);
        l = Math.max(l, linDepth.get(i) ?? 0);
      }
    depth.set(n, d + 1);
    linDepth.set(n, l + (op(n) === 'linear' ? 1 : 0));
  }
  out.s_depth = depth.get('h_new_0') ?? 0;
  out.s_lin_depth = linDepth.get('h_new_0') ?? 0;
  // Shortest chains from x / from any h_prev_i to h_new_0.
  const minDepth = (isSource: (i: string) => boolean): number => {
    const m = new Map<string, number>();
    for (const n of liveOrder) {
      let b = Infinity;
      for (const i of inputs(n)) {
        if (isSource(i)) b = 0;
        else if (isNode(i) && m.has(i)) b = Math.min(b, m.get(i)!);
      }
      if (b < Infinity) m.set(n, b + 1);
    }
    return m.get('h_new_0') ?? out.s_depth + 1;
  };
  out.s_x_min_depth = minDepth((i) => i === INPUT_X);
  out.s_h_min_depth = minDepth((i) => hPrevIndex(i) !== undefined);

  // Fewest linear nodes from h_prev_k to h_new_k, per state k (shortest path with 0/1 weights, in topological order).
  let recMin = Infinity;
  for (const k of readStates) {
    const src = `h_prev_${k}`;
    const best = new Map<string, number>();
    for (const n of liveOrder) {
      let b = Infinity;
      for (const i of inputs(n)) {
        if (i === src) b = Math.min(b, 0);
        else if (isNode(i) && best.has(i)) b = Math.min(b, best.get(i)!);
      }
      if (b < Infinity) best.set(n, b + (op(n) === 'linear' ? 1 : 0));
    }
    const v = best.get(`h_new_${k}`);
    if (v !== undefined) recMin = Math.min(recMin, v);
  }
  out.s_rec_lin_min = recMin < Infinity ? recMin : out.s_depth + 1;
  out.s_skip = recMin === 0 ? 1 : 0;

  // Boundedness in [−1, 1]: the greatest fixed point over the recurrence (assume every state bounded, then
  // mark h_prev_k unbounded while h_new_k comes out unbounded).
  const stateBounded = new Map<number, boolean>();
  for (let k = 0; k < Math.max(info.hiddenTupleSize, 1); k++) stateBounded.set(k, true);
  let bounded = new Map<string, boolean>();
  for (let iter = 0; iter <= info.hiddenTupleSize + 1; iter++) {
    bounded = new Map();
    const b = (i: string): boolean => {
      if (i === INPUT_X) return false;
      const k = hPrevIndex(i);
      if (k !== undefined) return stateBounded.get(k) ?? false;
      return bounded.get(i) ?? false;
    };
    for (const n of liveOrder) {
      const ins = inputs(n);
      let v: boolean;
      switch (op(n)) {
        case 'activation_tanh':
        case 'activation_sigm':
          v = true;
          break;
        case 'activation_leaky_relu':
          v = ins.length > 0 && b(ins[0]);
          break;
        case 'elementwise_prod':
          v = ins.length > 0 && ins.every(b);
          break;
        case 'blend':
          v = ins.length === 3 && op(ins[0]) === 'activation_sigm' && b(ins[1]) && b(ins[2]);
          break;
        default:
          v = false; // linear, elementwise_sum, unknown
      }
      bounded.set(n, v);
    }
    let changed = false;
    for (const [k, was] of stateBounded) {
      const now = bounded.get(`h_new_${k}`) ?? false;
      if (was && !now) {
        stateBounded.set(k, false);
        changed = true;
      }
    }
    if (!changed) break;
  }
  out.s_out_bounded = bounded.get('h_new_0') ? 1 : 0;
  let allStates = true;
  for (const n of live) {
    const k = hNewIndex(n);
    if (k !== undefined && !bounded.get(n)) allStates = false;
  }
  out.s_state_bounded = allStates ? 1 : 0;
  return out;
}
