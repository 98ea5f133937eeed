/**
 * A hand-written backward through time for the recurrent language model (no TF.js autodiff).
 *
 * TF.js autodiff over a recurrent forward is overhead-bound: every forward op adds tape bookkeeping and two or
 * three gradient ops (plus a copy per `addN` input), and the built-in matMul gradient uses the slow
 * transposed-operand products on wasm. This backward walks the recorded forward once in reverse with the exact
 * local derivatives of the seven ops, the same formulas TF.js's gradients use:
 *   linear  y = Σ_i a_i·W_i + b : ∂a_i = g·W_iᵀ (W_iᵀ kept transposed: plain products); the node's output
 *                                 gradient D_n,t = g is recorded, and the weight gradients come afterwards from
 *                                 D and the recorded inputs A, batched over all steps (network.weightGradients);
 *                                 the gradients into the layer input x are likewise one product over all steps;
 *   sum     : every input gets g;   prod : input j gets g·Π_{i≠j} a_i;
 *   blend(a, b, c) = a·b + (1 − a)·c : ∂a = g·(b − c), ∂b = g·a, ∂c = g·(1 − a);
 *   tanh : g·(1 − y²);   sigmoid : g·y·(1 − y);   leaky ReLU : g·(z > 0 ? 1 : 0.01) (`step(z, 0.01)`).
 * Gradients w.r.t. h_prev_k at step t flow to h_new_k at step t − 1 (none at t = 0: the state starts at zero).
 *
 * Rows are independent examples, so several losses can be back-propagated at once: with `S` losses the
 * gradients have S·B rows per step (loss k in rows k·B … k·B + B − 1) over a forward of B rows, whose local
 * factors (1 − y², y(1 − y), the other factors of a product, …) are computed once at B rows and stacked S times.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../recipe/types';
import { INPUT_X, LEAKY_RELU_SLOPE, hPrevIndex } from '../../recipe/ops';
import { buildPlan, checkAbort, type ForwardResult, type NetParams } from './network';

/** What {@link backward} returns (tensors owned by the enclosing tidy). */
export interface BackwardResult {
  /** Per layer, linear node → its output gradients at all steps, [T·R, H] (time-major like the forward). */
  readonly D: Map<string, tf.Tensor2D>[];
  /** Gradient w.r.t. the network input x0 [T·R, embed], when asked. */
  readonly dx0?: tf.Tensor2D;
}

/**
 * Back-propagates `dOut` (the gradients w.r.t. the last layer's outputs of S losses, [T·S·B, H_last], rows
 * t·S·B + k·B + b) through the forward `fwd` of B rows per step, which must have been run with `recordNodes`
 * on input `x0` [T·B, embed]. Call inside tf.tidy.
 */
export function backward(
  recipe: Recipe,
  params: NetParams,
  x0: tf.Tensor2D,
  fwd: ForwardResult,
  T: number,
  B: number,
  S: number,
  dOut: tf.Tensor2D,
  opts: { inputGrad?: boolean; signal?: AbortSignal } = {},
): BackwardResult {
  const R = S * B;
  const stack = (f: tf.Tensor2D): tf.Tensor2D =>
    S === 1 ? f : tf.concat<tf.Tensor2D>(new Array<tf.Tensor2D>(S).fill(f), 0);
  const { order, tuple } = buildPlan(recipe);
  const rev = [...order].reverse();
  const D: Map<string, tf.Tensor2D>[] = [];
  let dx0: tf.Tensor2D | undefined;
  let gOut = dOut;
  for (let l = params.layers.length - 1; l >= 0; l--) {
    checkAbort(opts.signal);
    const lp = params.layers[l];
    const H = lp.hidden;
    const nodes = fwd.nodes[l];
    const input = l === 0 ? x0 : fwd.outputs[l - 1];
    const readsX = order.some((n) => recipe[n].op !== 'linear' && recipe[n].input.includes(INPUT_X));
    const xSteps = readsX ? tf.split<tf.Tensor2D>(input, T, 0) : undefined;
    const gSteps = tf.split<tf.Tensor2D>(gOut, T, 0);
    // Transposed weights (plain products in the backward).
    const Wt = new Map<string, tf.Tensor2D[]>();
    for (const [node, p] of lp.linears)
      Wt.set(
        node,
        p.W.map((w, i) => (p.inputs[i] === INPUT_X ? w : tf.transpose(w))),
      );
    const Dsteps = new Map<string, tf.Tensor2D[]>();
    const zero = tf.zeros<tf.Rank.R2>([R, H]);
    const zeroB = tf.zeros<tf.Rank.R2>([B, H]);
    const dxDirect = new Array<tf.Tensor2D | undefined>(T);
    let dState = new Array<tf.Tensor2D | undefined>(tuple);
    for (let t = T - 1; t >= 0; t--) {
      if (t % 8 === 0) checkAbort(opts.signal);
      const grads = new Map<string, tf.Tensor2D[]>();
      const add = (name: string, g: tf.Tensor2D) => {
        const a = grads.get(name);
        if (a) a.push(g);
        else grads.set(name, [g]);
      };
      add('h_new_0', gSteps[t]);
      dState.forEach((g, k) => {
        if (g) add(`h_new_${k}`, g);
      });
      const prevState: tf.Tensor2D[][] = Array.from({ length: tuple }, () => []);
      const xDirect: tf.Tensor2D[] = [];
      const val = (name: string): tf.Tensor2D => {
        if (name === INPUT_X) return xSteps![t];
        const k = hPrevIndex(name);
        if (k !== undefined) return t > 0 ? nodes.get(`h_new_${k}`)![t - 1] : zeroB;
        return nodes.get(name)![t];
      };
      const route = (name: string, g: tf.Tensor2D) => {
        if (name === INPUT_X) {
          xDirect.push(g);
          return;
        }
        const k = hPrevIndex(name);
        if (k !== undefined) {
          if (t > 0) prevState[k].push(g);
          return;
        }
        add(name, g);
      };
      for (const n of rev) {
        const cs = grads.get(n);
        if (!cs) continue;
        const g = cs.length === 1 ? cs[0] : tf.addN(cs);
        const spec = recipe[n];
        const ins = spec.input;
        switch (spec.op) {
          case 'linear': {
            let arr = Dsteps.get(n);
            if (!arr) {
              arr = new Array(T);
              Dsteps.set(n, arr);
            }
            arr[t] = g;
            const wt = Wt.get(n)!;
            ins.forEach((name, i) => {
              if (name === INPUT_X) return; // batched over all steps below
              if (hPrevIndex(name) !== undefined && t === 0) return; // the zero initial state
              route(name, tf.matMul(g, wt[i]));
            });
            break;
          }
          case 'elementwise_sum':
            for (const name of ins) route(name, g);
            break;
          case 'elementwise_prod':
            ins.forEach((name, j) => {
              const others = ins.filter((_, i) => i !== j).map(val);
              route(
                name,
                tf.mul<tf.Tensor2D>(
                  g,
                  stack(others.length === 1 ? others[0] : others.reduce((acc, v) => tf.mul<tf.Tensor2D>(acc, v))),
                ),
              );
            });
            break;
          case 'blend': {
            const [a, b, c] = ins.map(val);
            route(ins[0], tf.mul<tf.Tensor2D>(g, stack(tf.sub<tf.Tensor2D>(b, c))));
            route(ins[1], tf.mul<tf.Tensor2D>(g, stack(a)));
            route(ins[2], tf.mul<tf.Tensor2D>(g, stack(tf.sub<tf.Tensor2D>(1, a))));
            break;
          }
          case 'activation_tanh': {
            const y = nodes.get(n)![t];
            route(ins[0], tf.mul<tf.Tensor2D>(g, stack(tf.sub<tf.Tensor2D>(1, tf.square(y)))));
            break;
          }
          case 'activation_sigm': {
            const y = nodes.get(n)![t];
            route(ins[0], tf.mul<tf.Tensor2D>(g, stack(tf.mul<tf.Tensor2D>(y, tf.sub(1, y)))));
            break;
          }
          case 'activation_leaky_relu':
            route(ins[0], tf.mul<tf.Tensor2D>(g, stack(tf.step<tf.Tensor2D>(val(ins[0]), LEAKY_RELU_SLOPE))));
            break;
          default:
            throw new Error(`node '${n}': unknown op '${spec.op}'`);
        }
      }
      dState = prevState.map((gs) =>
        gs.length === 0 ? undefined : gs.length === 1 ? gs[0] : tf.addN<tf.Tensor2D>(gs),
      );
      if (xDirect.length) dxDirect[t] = xDirect.length === 1 ? xDirect[0] : tf.addN(xDirect);
    }
    // Stacked output gradients per linear node (zeros for a node no gradient reaches).
    const Dl = new Map<string, tf.Tensor2D>();
    for (const [node] of lp.linears) {
      const arr = Dsteps.get(node);
      Dl.set(
        node,
        arr
          ? tf.concat<tf.Tensor2D>(
              Array.from(arr, (d) => d ?? zero),
              0,
            )
          : tf.zeros<tf.Rank.R2>([T * R, H]),
      );
    }
    D[l] = Dl;
    // Gradient w.r.t. the layer input at all steps: Σ over linear inputs x of D_n·W_xᵀ (one product each), plus
    // the direct uses of x by elementwise ops.
    if (l > 0 || opts.inputGrad) {
      const terms: tf.Tensor2D[] = [];
      for (const [node, p] of lp.linears) {
        p.inputs.forEach((name, i) => {
          if (name === INPUT_X) terms.push(tf.matMul<tf.Tensor2D>(Dl.get(node)!, tf.transpose(p.W[i])));
        });
      }
      if (dxDirect.some((d) => d)) {
        const zx = tf.zeros<tf.Rank.R2>([R, lp.inputSize]);
        terms.push(
          tf.concat<tf.Tensor2D>(
            Array.from(dxDirect, (d) => d ?? zx),
            0,
          ),
        );
      }
      const gIn =
        terms.length === 0
          ? tf.zeros<tf.Rank.R2>([T * R, lp.inputSize])
          : terms.length === 1
            ? terms[0]
            : tf.addN<tf.Tensor2D>(terms);
      if (l > 0) gOut = gIn;
      else dx0 = gIn;
    }
  }
  return { D, ...(dx0 ? { dx0 } : {}) };
}
