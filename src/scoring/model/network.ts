/**
 * The NAS-Bench-NLP language model in TF.js, built from a recipe: parameter init, the cell forward over a
 * sequence for every layer (hidden states start at zero), and the tied-decoder cross-entropy.
 *
 * Layout: sequences are time-major and flattened, `[T·B, width]`, row `t·B + b` = step t of example b.
 * Weights are stored `[inputWidth, hidden]` so a step is `x·W` (PyTorch stores the transpose; counts agree).
 *
 * Two modes:
 * - `plain`: ordinary tf ops (autodiff reaches every weight; used by tests and the synflow pass).
 * - `fast`:  products with weights go through a custom gradient that multiplies by a pre-transposed copy of the
 *   weight (plain matMul — the transposed-operand flags are slow on wasm) and does not differentiate into the
 *   weights at all. Weight gradients are instead recovered afterwards from "taps" (zero tensors added to each
 *   linear node's output at each step, whose gradients are ∂L/∂y_t) and the recorded inputs A of each linear:
 *   ∂L/∂W = Aᵀ·D batched over all time steps in one plain product (see {@link weightGradients}).
 *
 * The scoring passes (model/passes) no longer differentiate with TF.js: they run a `plain` forward with
 * `recordNodes` and the hand-written backward through time of model/bptt, then {@link weightGradients}. The
 * `fast` mode and taps stay as the autodiff route (tests compare it with plain autodiff and with the BPTT).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's node bundle registers no gradients (the @tensorflow/tfjs union package does): register them here.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Recipe } from '../../recipe/types';
import { INPUT_X, LEAKY_RELU_SLOPE, hPrevIndex } from '../../recipe/ops';
import { recipeInfo } from '../../recipe/model';
import type { ModelSizes } from '../settings';
import { keptStream, makeRng, type Rng } from '../rng';
import { layerSizes, linearNodes, type ShapeSizes } from './params';

/** Parameters of one linear node in one layer. */
export interface LinearParams {
  readonly node: string;
  readonly inputs: readonly string[];
  /** One weight per input, shape [inputWidth, hidden]. */
  readonly W: tf.Tensor2D[];
  readonly b: tf.Tensor1D;
}

/** Parameters of one recurrent layer. */
export interface LayerParams {
  readonly layer: number;
  readonly inputSize: number;
  readonly hidden: number;
  readonly linears: ReadonlyMap<string, LinearParams>;
}

/** A named recurrent parameter tensor (for gradients and details). */
export interface NamedParam {
  /** e.g. `L0.f.W[x]`, `L0.f.W[h_prev_0]#1`, `L2.f.b`. */
  readonly name: string;
  readonly layer: number;
  readonly node: string;
  /** Index into the node's input list, or -1 for the bias. */
  readonly index: number;
  readonly tensor: tf.Tensor;
}

/** All recurrent parameters of the language model. */
export interface NetParams {
  readonly layers: readonly LayerParams[];
  readonly list: readonly NamedParam[];
}

/** How to initialise the recurrent weights. */
export type InitKind =
  /** NAS-Bench-NLP: every weight and bias uniform(±1/sqrt(hidden of the layer)). */
  | 'uniform'
  /** Gaussian (Zen-NAS / MAE-DET style, without BatchNorm): W_i ~ N(0, 1/fan_in), fan_in = Σ input widths of the node; bias 0. */
  | 'gaussian';

/** Weight name as used in details: `L<layer>.<node>.W[<input>]` (+ `#k` for a repeated input), `L<layer>.<node>.b`. */
export function weightName(layer: number, node: string, inputs: readonly string[], index: number): string {
  if (index < 0) return `L${layer}.${node}.b`;
  const input = inputs[index];
  const k = inputs.slice(0, index).filter((i) => i === input).length;
  return `L${layer}.${node}.W[${input}]${k ? `#${k}` : ''}`;
}

/** Initialises the recurrent parameters for `recipe` at `sizes`, deterministically from `seed`. */
export function initParams(recipe: Recipe, sizes: ShapeSizes, seed: number, kind: InitKind = 'uniform'): NetParams {
  // Kept draws (rng.keptStream): the same values as makeRng(seed, 1 | 2), drawn once per process, not per cell.
  const rng = keptStream(seed, kind === 'uniform' ? 1 : 2);
  const lin = linearNodes(recipe);
  const list: NamedParam[] = [];
  const layers = layerSizes(sizes).map(({ inputSize, hidden }, layer): LayerParams => {
    const linears = new Map<string, LinearParams>();
    const bound = 1 / Math.sqrt(hidden);
    for (const node of lin) {
      const inputs = recipe[node].input;
      const widths = inputs.map((i) => (i === INPUT_X ? inputSize : hidden));
      const fanIn = widths.reduce((a, b) => a + b, 0);
      const W = widths.map((rows) =>
        tf.tensor2d(
          kind === 'uniform'
            ? rng.uniformArray(rows * hidden, -bound, bound)
            : rng.normalArray(rows * hidden, 1 / Math.sqrt(fanIn)),
          [rows, hidden],
        ),
      );
      const b = tf.tensor1d(kind === 'uniform' ? rng.uniformArray(hidden, -bound, bound) : new Float32Array(hidden));
      linears.set(node, { node, inputs, W, b });
      W.forEach((t, i) => list.push({ name: weightName(layer, node, inputs, i), layer, node, index: i, tensor: t }));
      list.push({ name: weightName(layer, node, inputs, -1), layer, node, index: -1, tensor: b });
    }
    return { layer, inputSize, hidden, linears };
  });
  return { layers, list };
}

/** Disposes every tensor of `params`. */
export function disposeParams(params: NetParams): void {
  for (const p of params.list) p.tensor.dispose();
}

/** The embedding matrix's values, row-major [vocab][embed] (float32); shared, never to be written. */
export interface EmbeddingTable {
  readonly vocab: number;
  readonly embed: number;
  readonly values: Float32Array;
}

let lastTable: (EmbeddingTable & { seed: number }) | undefined;

/**
 * The embedding matrix [vocab, embed], uniform(±0.1) as NAS-Bench-NLP initialises it, as plain values. It depends
 * only on the seed and the sizes, not on the cell, so the last one is kept: a study or search scores every cell
 * with the same table (4M numbers at full size: ≈ 60 ms to draw).
 */
export function embeddingTable(sizes: Pick<ModelSizes, 'vocab' | 'embed'>, seed: number): EmbeddingTable {
  const t = lastTable;
  if (t && t.seed === seed && t.vocab === sizes.vocab && t.embed === sizes.embed) return t;
  const values = makeRng(seed, 3).uniformArray(sizes.vocab * sizes.embed, -0.1, 0.1);
  lastTable = { seed, vocab: sizes.vocab, embed: sizes.embed, values };
  return lastTable;
}

/** The embedding matrix [vocab, embed] as a tensor ({@link embeddingTable}'s values). */
export function initEmbedding(sizes: Pick<ModelSizes, 'vocab' | 'embed'>, seed: number): tf.Tensor2D {
  return tf.tensor2d(embeddingTable(sizes, seed).values.slice(), [sizes.vocab, sizes.embed]); // a copy: the table is shared
}

/** `batch` random token sequences of length `len`, uniform over the vocabulary; row-major [batch][len]. */
export function randomTokens(rng: Rng, vocab: number, batch: number, len: number): Int32Array {
  const out = new Int32Array(batch * len);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(vocab);
  return out;
}

/**
 * Embeds tokens [batch][len] (steps 0..T-1 are used) into the time-major flattened input [T·B, embed].
 * A constant: the lookup is outside any gradient path (wasm has no gradient for gather). From a table the rows are
 * copied in JavaScript (the same numbers as `tf.gather`, tested): the wasm backend's gather took ≈ 20 ms per 560
 * rows, ≈ 0.1 s per cell with the hidden pass's 3,500.
 */
export function embedTokens(
  embedding: tf.Tensor2D | EmbeddingTable,
  tokens: Int32Array,
  batch: number,
  len: number,
  T: number,
): tf.Tensor2D {
  const idx = new Int32Array(T * batch);
  for (let t = 0; t < T; t++) for (let b = 0; b < batch; b++) idx[t * batch + b] = tokens[b * len + t];
  if (embedding instanceof tf.Tensor)
    return tf.tidy(() => tf.gather<tf.Tensor2D>(embedding, tf.tensor1d(idx, 'int32')));
  const { embed: E, vocab, values } = embedding;
  const out = new Float32Array(idx.length * E);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < vocab)) throw new Error(`token ${r} is outside the vocabulary (${vocab})`);
    out.set(values.subarray(r * E, r * E + E), i * E);
  }
  return tf.tensor2d(out, [idx.length, E]);
}

/** Thrown when scoring is cancelled through an AbortSignal. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'Scoring was cancelled') {
    super(message);
  }
}

/** Throws {@link AbortError} if `signal` is aborted. */
export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError();
}

/** Options of {@link forward}. */
export interface ForwardOptions {
  /** `plain` (default) or `fast` (custom-gradient products, see the module doc). */
  readonly mode?: 'plain' | 'fast';
  /** Taps from {@link makeTaps}: added to each linear node's output at each step (for per-step output gradients). */
  readonly taps?: Taps;
  /** Record the pre-activation (input) of every activation node at every step. */
  readonly recordPre?: boolean;
  /** Record every node's output at every step. */
  readonly recordNodes?: boolean;
  /** Keep the stacked inputs A [T·B, width] of every linear input (per layer and input name), for weight gradients. */
  readonly keepSources?: boolean;
  readonly signal?: AbortSignal;
}

/** Zero tensors [B, hidden] per layer, linear node and step. */
export interface Taps {
  /** taps[layer].get(node)[t] */
  readonly byLayer: readonly ReadonlyMap<string, tf.Tensor2D[]>[];
  /** The same tensors, flat (the order of tf.grads' xs). */
  readonly flat: readonly tf.Tensor2D[];
}

/** Creates zero taps for every linear node of every layer and step. Dispose with {@link disposeTaps}. */
export function makeTaps(
  recipe: Recipe,
  sizes: Pick<ModelSizes, 'embed' | 'hidden' | 'layers'>,
  T: number,
  B: number,
): Taps {
  const flat: tf.Tensor2D[] = [];
  const byLayer = layerSizes(sizes).map(({ hidden }) => {
    const m = new Map<string, tf.Tensor2D[]>();
    for (const node of linearNodes(recipe)) {
      const arr: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const z = tf.zeros<tf.Rank.R2>([B, hidden]);
        arr.push(z);
        flat.push(z);
      }
      m.set(node, arr);
    }
    return m;
  });
  return { byLayer, flat };
}

/** Disposes taps. */
export function disposeTaps(taps: Taps): void {
  for (const t of taps.flat) t.dispose();
}

/** What {@link forward} returns (tensors owned by the caller / the enclosing tidy). */
export interface ForwardResult {
  /** Per layer, the layer output h_new_0 at all steps, [T·B, hidden_l]. */
  readonly outputs: tf.Tensor2D[];
  /** Pre-activations, when asked: per layer, activation node → per step [B, hidden]. */
  readonly pre: Map<string, tf.Tensor2D[]>[];
  /** Node outputs, when asked: per layer, node → per step [B, hidden]. */
  readonly nodes: Map<string, tf.Tensor2D[]>[];
  /** Stacked linear inputs, when asked: per layer, input name → [T·B, width]. */
  readonly sources: Map<string, tf.Tensor2D>[];
}

/** A product a·W whose gradient w.r.t. `a` is dy·Wt (Wt a kept transposed copy) and which does not differentiate into W. */
function fastMatMulFn(W: tf.Tensor2D, Wt: tf.Tensor2D): (a: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor2D;
    // Wt may be an intermediate of the forward scope (disposed before the backward runs): save it on the tape.
    (args[1] as tf.GradSaveFunc)([Wt]);
    return {
      value: tf.matMul(a, W),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy, saved[0])],
    };
  });
}

function applyOp(op: string, name: string, xs: tf.Tensor2D[]): tf.Tensor2D {
  switch (op) {
    case 'elementwise_sum':
      return xs.length === 1 ? xs[0] : tf.addN(xs);
    case 'elementwise_prod':
      return xs.reduce((acc, v) => tf.mul<tf.Tensor2D>(acc, v));
    case 'blend':
      return tf.add<tf.Tensor2D>(tf.mul(xs[0], xs[1]), tf.mul(tf.sub(1, xs[0]), xs[2]));
    case 'activation_tanh':
      return tf.tanh(xs[0]);
    case 'activation_sigm':
      return tf.sigmoid(xs[0]);
    case 'activation_leaky_relu':
      return tf.leakyRelu(xs[0], LEAKY_RELU_SLOPE);
    default:
      throw new Error(`node '${name}': unknown op '${op}'`);
  }
}

/** Graph facts the forward needs; throws a clear error for a recipe that cannot be built. */
export function buildPlan(recipe: Recipe): { order: string[]; tuple: number } {
  const info = recipeInfo(recipe);
  if (!info.order) throw new Error('the cell has a cycle within one time step');
  if (!Object.prototype.hasOwnProperty.call(recipe, 'h_new_0')) throw new Error('the cell has no h_new_0 output');
  for (let i = 0; i < info.hiddenTupleSize; i++) {
    if (!Object.prototype.hasOwnProperty.call(recipe, `h_new_${i}`))
      throw new Error(`the cell reads/produces states up to h_new_${info.hiddenTupleSize - 1} but has no h_new_${i}`);
  }
  for (const n of info.order)
    for (const i of recipe[n].input) {
      const k = hPrevIndex(i);
      if (k !== undefined && k >= info.hiddenTupleSize)
        throw new Error(`node '${n}' reads ${i} but the cell has no h_new_${k}`);
      if (k === undefined && i !== INPUT_X && !Object.prototype.hasOwnProperty.call(recipe, i))
        throw new Error(`node '${n}' reads unknown input '${i}'`);
    }
  return { order: info.order, tuple: info.hiddenTupleSize };
}

/**
 * Runs all layers over the sequence `x0` ([T·B, embed], time-major) and returns each layer's outputs.
 * Call inside tf.tidy / tf.grads; intermediate tensors belong to that scope unless kept.
 */
export function forward(
  recipe: Recipe,
  params: NetParams,
  x0: tf.Tensor2D,
  T: number,
  B: number,
  opts: ForwardOptions = {},
): ForwardResult {
  const { order, tuple } = buildPlan(recipe);
  const fast = opts.mode === 'fast';
  const result: ForwardResult = { outputs: [], pre: [], nodes: [], sources: [] };
  let input = x0;
  for (const lp of params.layers) {
    checkAbort(opts.signal);
    const H = lp.hidden;
    const pre = new Map<string, tf.Tensor2D[]>();
    const nodesRec = new Map<string, tf.Tensor2D[]>();
    const stepVals = new Map<string, tf.Tensor2D[]>(); // for sources: input name → per step
    const tapsL = opts.taps?.byLayer[lp.layer];
    // Products with the layer input x for all steps at once, plus the bias: one [T·B, H] per linear node.
    const xPart = new Map<string, tf.Tensor2D[]>();
    const hProducts = new Map<string, { W: tf.Tensor2D; mm: (a: tf.Tensor2D) => tf.Tensor2D }[]>();
    for (const [node, p] of lp.linears) {
      let acc: tf.Tensor2D | undefined;
      const hp: { W: tf.Tensor2D; mm: (a: tf.Tensor2D) => tf.Tensor2D }[] = [];
      p.inputs.forEach((name, i) => {
        const W = p.W[i];
        const mm = fast ? fastMatMulFn(W, tf.transpose(W)) : (a: tf.Tensor2D): tf.Tensor2D => tf.matMul(a, W);
        if (name === INPUT_X) {
          const prod = mm(input);
          acc = acc ? tf.add<tf.Tensor2D>(acc, prod) : prod;
          hp.push({
            W,
            mm: () => {
              throw new Error('unreachable');
            },
          });
        } else {
          hp.push({ W, mm });
        }
      });
      const withBias = acc ? tf.add<tf.Tensor2D>(acc, p.b) : undefined;
      if (withBias) xPart.set(node, tf.split(withBias, T, 0));
      hProducts.set(node, hp);
    }
    let xSteps: tf.Tensor2D[] | undefined;
    const needX = order.some((n) => recipe[n].op !== 'linear' && recipe[n].input.includes(INPUT_X));
    if (needX) {
      if (lp.inputSize !== H)
        throw new Error(`x (width ${lp.inputSize}) feeds a non-linear op in layer ${lp.layer} whose width is ${H}`);
      xSteps = tf.split(input, T, 0);
    }
    const zeros = tf.zeros<tf.Rank.R2>([B, H]);
    let state: tf.Tensor2D[] = Array.from({ length: tuple }, () => zeros);
    const outs: tf.Tensor2D[] = [];
    const biasB = new Map<string, tf.Tensor2D>();
    for (let t = 0; t < T; t++) {
      if (t % 8 === 0) checkAbort(opts.signal);
      const vals = new Map<string, tf.Tensor2D>();
      const get = (name: string): tf.Tensor2D => {
        if (name === INPUT_X)
          return xSteps
            ? xSteps[t]
            : (() => {
                throw new Error('x not prepared');
              })();
        const k = hPrevIndex(name);
        if (k !== undefined) return state[k];
        const v = vals.get(name);
        if (!v) throw new Error(`node input '${name}' is not computed yet`);
        return v;
      };
      for (const n of order) {
        const spec = recipe[n];
        let v: tf.Tensor2D;
        if (spec.op === 'linear') {
          const p = lp.linears.get(n)!;
          const hp = hProducts.get(n)!;
          const terms: tf.Tensor2D[] = [];
          const xp = xPart.get(n);
          if (xp) terms.push(xp[t]);
          else {
            let bb = biasB.get(n);
            if (!bb) {
              bb = tf.broadcastTo<tf.Rank.R2>(p.b, [B, H]);
              biasB.set(n, bb);
            }
            terms.push(bb);
          }
          p.inputs.forEach((name, i) => {
            if (name === INPUT_X) return;
            const a = get(name);
            if (opts.keepSources) {
              let arr = stepVals.get(name);
              if (!arr) {
                arr = [];
                stepVals.set(name, arr);
              }
              if (arr.length === t) arr.push(a);
            }
            terms.push(hp[i].mm(a));
          });
          if (tapsL) terms.push(tapsL.get(n)![t]);
          v = terms.length === 1 ? terms[0] : tf.addN(terms);
        } else {
          const xs = spec.input.map(get);
          if (opts.recordPre && spec.op.startsWith('activation_')) {
            let arr = pre.get(n);
            if (!arr) {
              arr = [];
              pre.set(n, arr);
            }
            arr.push(xs[0]);
          }
          v = applyOp(spec.op, n, xs);
        }
        vals.set(n, v);
        if (opts.recordNodes) {
          let arr = nodesRec.get(n);
          if (!arr) {
            arr = [];
            nodesRec.set(n, arr);
          }
          arr.push(v);
        }
      }
      state = state.map((_, i) => vals.get(`h_new_${i}`)!);
      outs.push(state[0]);
    }
    const out = tf.concat<tf.Tensor2D>(outs, 0);
    result.outputs.push(out);
    result.pre.push(pre);
    result.nodes.push(nodesRec);
    if (opts.keepSources) {
      const src = new Map<string, tf.Tensor2D>();
      for (const [, p] of lp.linears)
        for (const name of p.inputs) {
          if (src.has(name)) continue;
          if (name === INPUT_X) src.set(name, input);
          else src.set(name, tf.concat<tf.Tensor2D>(stepVals.get(name)!, 0));
        }
      result.sources.push(src);
    }
    input = out;
  }
  return result;
}

/**
 * Mean next-token cross-entropy through the tied decoder: logits = h·Eᵀ + 0 (decoder bias zero-initialised).
 * `h` is the last layer's output [T·B, embed]; `targets` holds the token index of row t·B + b.
 * With `Et` given (Eᵀ, [embed, vocab]), the product uses the fast custom gradient (dh = dlogits·E).
 */
export function crossEntropy(
  h: tf.Tensor2D,
  embedding: tf.Tensor2D,
  targets: tf.Tensor1D,
  Et?: tf.Tensor2D,
): tf.Scalar {
  const logits = Et ? fastMatMulFn(Et, embedding)(h) : tf.matMul(h, embedding, false, true);
  const logp = tf.logSoftmax(logits);
  const V = embedding.shape[0];
  const onehot = tf.oneHot(targets, V);
  return tf.neg(tf.div(tf.sum(tf.mul(onehot, logp)), h.shape[0])) as tf.Scalar;
}

/** Target indices for rows t·B + b: token t+1 of example b. */
export function targetTokens(tokens: Int32Array, batch: number, len: number, T: number): tf.Tensor1D {
  const idx = new Int32Array(T * batch);
  for (let t = 0; t < T; t++) for (let b = 0; b < batch; b++) idx[t * batch + b] = tokens[b * len + t + 1];
  return tf.tensor1d(idx, 'int32');
}

/**
 * Weight gradients from tap gradients: for each layer and linear node, D = stacked ∂L/∂y_t [T·B, H] and for each
 * input, ∂L/∂W_i = A_iᵀ·D (one plain product over all steps; inputs shared by several nodes share one transpose
 * and one product with the concatenated D's). Returns gradients keyed by {@link NamedParam.name}.
 */
export function weightGradients(
  params: NetParams,
  sources: Map<string, tf.Tensor2D>[],
  D: Map<string, tf.Tensor2D>[],
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const lp of params.layers) {
    const src = sources[lp.layer];
    const dl = D[lp.layer];
    // Group (node, index) by source name.
    const groups = new Map<string, { node: string; inputs: readonly string[]; index: number }[]>();
    for (const [node, p] of lp.linears) {
      p.inputs.forEach((name, index) => {
        let g = groups.get(name);
        if (!g) {
          g = [];
          groups.set(name, g);
        }
        g.push({ node, inputs: p.inputs, index });
      });
      out.set(weightName(lp.layer, node, p.inputs, -1), tf.sum(dl.get(node)!, 0));
    }
    for (const [name, members] of groups) {
      const At = tf.transpose(src.get(name)!);
      const Ds = members.map((m) => dl.get(m.node)!);
      const prod = tf.matMul(At, Ds.length === 1 ? Ds[0] : tf.concat(Ds, 1));
      const parts = Ds.length === 1 ? [prod] : tf.split(prod, Ds.length, 1);
      if (Ds.length > 1) prod.dispose();
      At.dispose();
      members.forEach((m, k) => out.set(weightName(lp.layer, m.node, m.inputs, m.index), parts[k]));
    }
  }
  return out;
}
