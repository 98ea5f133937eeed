/**
 * synflow (Tanaka et al. 2020) for a recurrent LM, computed in log space.
 *
 * Definition: all recurrent weights and biases replaced by |θ| (from the default uniform init of the seed);
 * input = all-ones embedded input x_t = 1 ∈ R^embed at every step t = 1..T, batch 1, hidden states start at 0;
 * R = Σ_t Σ_h y_t,h, y = the last layer's outputs (h_new_0) at all steps (no decoder);
 * S = Σ_θ θ ⊙ ∂R/∂θ over all recurrent parameters; score = log S (natural log).
 *
 * How it is computed (exact, forward mode): S is the directional derivative of R along θ itself,
 *   S = Σ_θ θ·∂R/∂θ = d/dε R((1 + ε)·θ) at ε = 0,
 * which holds for any differentiable R (no homogeneity assumption). So one forward pass carries, next to
 * every value v, its tangents D_k v = d/dε v((1 + ε_k)·θ_k) along the parameters θ_k of each linear node
 * name k (all layers) — K tangent rows, and S = Σ_k Σ_t Σ_h D_k y_t,h, the per-node terms giving `perNode`.
 * Tangent rules: a linear node n, y = Σ_i a_i·W_i + b, has D_k y = Σ_i (D_k a_i)·W_i + [k = n]·y (the
 * parameters scale with ε); x has no tangent; elementwise sums/products/blend follow the sum and product rules;
 * tanh: D y = tanh'(z)·D z; sigmoid: D y = σ'(z)·D z (both slopes taken in log space, see {@link squash}); leaky ReLU: D y = (z > 0 ? 1 : 0.01)·D z (the slope
 * at 0 is tfjs's, as autodiff would take it).
 *
 * Why log space: R grows like (‖W‖·width)^T through linear chains and products and exceeds float32
 * (3.4e38) and even float64 (1e308). Every row (the value and each tangent) of every quantity is carried as
 * u·e^m with its own scale m (float64) and a mantissa u whose largest |entry| is 1: linear/sum terms are
 * brought to a common scale, products add scales, leaky ReLU keeps the scale (positively homogeneous), and
 * tanh / sigmoid evaluate the real value sign(u)·exp(min(log|u| + m, 30)) (saturated beyond e^30). The
 * rescaling is a reparametrisation of the same numbers, so it changes nothing but the range.
 * log R = M + log Σ_t e^{m_t − M} Σ_h u_t,h with M = max_t m_t, and likewise log S.
 *
 * Cost: batch 1 makes this overhead-bound in TF.js (thousands of tiny ops). So the elementwise work runs in
 * plain JS float64 on the [1 + K, H] rows, and only the products with the weights go to TF.js: per step one
 * matMul per input source (the |W| of every linear node reading that source concatenated into one matrix,
 * kept for the whole layer), the products with the layer input x batched over all T steps.
 *
 * NaN cases: R ≤ 0 or S ≤ 0 (possible: blend's (1 − a) and leaky ReLU can make terms negative), or a
 * non-finite value.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../recipe/types';
import type { ModelSizes } from '../settings';
import { INPUT_X, LEAKY_RELU_SLOPE, hPrevIndex } from '../../recipe/ops';
import { buildPlan, initParams, disposeParams, type NetParams } from './network';
import { linearNodes } from './params';

/**
 * A quantity of the forward at one step: `R` rows of width `H` (row 0 the value, row 1 + k its tangent along
 * linear node k), row r being u[r·H … r·H + H) · e^{m[r]}. A zero row has m = −∞ (and u = 0).
 */
interface Block {
  readonly H: number;
  readonly u: Float64Array;
  readonly m: Float64Array;
}

/** A source of one row term: `a[off … off + H)` · c · e^m. */
interface Term {
  a: ArrayLike<number>;
  off: number;
  m: number;
  c: number;
}

function zeroBlock(R: number, H: number): Block {
  return { H, u: new Float64Array(R * H), m: new Float64Array(R).fill(-Infinity) };
}

/** Makes every row's largest |u| equal 1 (moving the factor into m); zero rows get m = −∞. */
function normalize(b: Block): Block {
  const { H, u, m } = b;
  for (let r = 0; r < m.length; r++) {
    const o = r * H;
    let s = 0,
      nan = false;
    for (let h = 0; h < H; h++) {
      const a = Math.abs(u[o + h]);
      if (a > s) s = a;
      else if (a !== a) nan = true;
    }
    if (nan || (!Number.isFinite(m[r]) && m[r] !== -Infinity) || s === Infinity) {
      m[r] = NaN;
      continue;
    }
    if (s === 0 || m[r] === -Infinity) {
      m[r] = -Infinity;
      u.fill(0, o, o + H);
      continue;
    }
    if (s !== 1) for (let h = 0; h < H; h++) u[o + h] /= s;
    m[r] += Math.log(s);
  }
  return b;
}

/** dst[dOff … dOff + H) := Σ_j c_j · a_j · e^{m_j − M}, M = max of the terms' finite scales; returns M (−∞: no terms). */
function accRow(dst: Float64Array, dOff: number, H: number, terms: readonly Term[]): number {
  let M = -Infinity;
  for (const t of terms) {
    if (t.m !== t.m) {
      dst.fill(NaN, dOff, dOff + H);
      return NaN;
    }
    if (t.m > M && t.c !== 0) M = t.m;
  }
  dst.fill(0, dOff, dOff + H);
  if (M === -Infinity) return M;
  for (const t of terms) {
    if (t.m === -Infinity || t.c === 0) continue;
    const f = t.c * Math.exp(t.m - M);
    if (f === 0) continue;
    const a = t.a,
      o = t.off;
    for (let h = 0; h < H; h++) dst[dOff + h] += f * a[o + h];
  }
  return M;
}

/** Row r of a block as a term. */
const rowTerm = (b: Block, r: number, c = 1): Term => ({ a: b.u, off: r * b.H, m: b.m[r], c });

/** Elementwise sum (value and every tangent: the sum rule is linear). */
function sumBlocks(xs: readonly Block[], R: number, H: number): Block {
  const out = zeroBlock(R, H);
  for (let r = 0; r < R; r++)
    out.m[r] = accRow(
      out.u,
      r * H,
      H,
      xs.map((x) => rowTerm(x, r)),
    );
  return normalize(out);
}

/** Elementwise product: value Π a_j; tangent D_k = Σ_j (D_k a_j) Π_{i≠j} a_i. */
function prodBlocks(xs: readonly Block[], R: number, H: number): Block {
  const out = zeroBlock(R, H);
  const n = xs.length;
  // Products of the values of all inputs but j (mantissa and scale), and of all of them.
  const others: { u: Float64Array; m: number }[] = [];
  for (let j = 0; j < n; j++) {
    const u = new Float64Array(H).fill(1);
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (i === j) continue;
      m += xs[i].m[0];
      const a = xs[i].u;
      for (let h = 0; h < H; h++) u[h] *= a[h];
    }
    others.push({ u, m });
  }
  {
    const a = xs[0].u,
      o = others[0];
    for (let h = 0; h < H; h++) out.u[h] = a[h] * o.u[h];
    out.m[0] = xs[0].m[0] + o.m;
  }
  const tmp = others.map(() => new Float64Array(H));
  for (let r = 1; r < R; r++) {
    const terms: Term[] = [];
    for (let j = 0; j < n; j++) {
      const mj = xs[j].m[r] + others[j].m;
      if (mj === -Infinity) continue;
      const d = tmp[j],
        a = xs[j].u,
        o = r * H,
        p = others[j].u;
      for (let h = 0; h < H; h++) d[h] = a[o + h] * p[h];
      terms.push({ a: d, off: 0, m: mj, c: 1 });
    }
    out.m[r] = accRow(out.u, r * H, H, terms);
  }
  return normalize(out);
}

const LOG4 = Math.log(4);

/**
 * tanh / sigmoid: value f(z) of the real value z = sign(u)·exp(min(log|u| + m, 30)) (scale 0), tangents
 * f'(z)·D z with f' taken in log space, log tanh'(z) = log 4 − 2|z| − 2·log(1 + e^{−2|z|}) and
 * log σ'(z) = −|z| − 2·log(1 + e^{−|z|}) (|z| unclamped), so a saturated unit's tiny slope is kept exactly
 * rather than rounded to 0 the way 1 − tanh² would be.
 */
function squash(x: Block, R: number, H: number, kind: 'tanh' | 'sigm'): Block {
  const out = zeroBlock(R, H);
  const m0 = x.m[0];
  const lf = new Float64Array(H);
  let L = -Infinity;
  for (let h = 0; h < H; h++) {
    const v = x.u[h];
    let z = 0,
      az = 0;
    if (v !== 0 && m0 !== -Infinity) {
      const l = Math.log(Math.abs(v)) + m0;
      z = (v > 0 ? 1 : -1) * Math.exp(l < 30 ? l : 30);
      az = Math.exp(l);
    } else if (v !== v || m0 !== m0) z = az = NaN;
    out.u[h] = kind === 'tanh' ? Math.tanh(z) : 1 / (1 + Math.exp(-z));
    const f = kind === 'tanh' ? LOG4 - 2 * az - 2 * Math.log1p(Math.exp(-2 * az)) : -az - 2 * Math.log1p(Math.exp(-az));
    lf[h] = f;
    if (f > L) L = f;
  }
  out.m[0] = 0;
  if (L === -Infinity) return normalize(out);
  const fac = new Float64Array(H);
  for (let h = 0; h < H; h++) fac[h] = Math.exp(lf[h] - L);
  for (let r = 1; r < R; r++) {
    if (x.m[r] === -Infinity) continue;
    const o = r * H;
    let s = 0;
    for (let h = 0; h < H; h++) {
      const v = x.u[o + h] * fac[h];
      out.u[o + h] = v;
      const a = Math.abs(v);
      if (a > s) s = a;
    }
    out.m[r] = x.m[r] + L;
    if (s < 1e-250) {
      // Every entry of this row sits where the slope is far below the row's largest slope: redo it per entry in logs.
      let Lr = -Infinity;
      for (let h = 0; h < H; h++) {
        const v = x.u[o + h];
        const g = v === 0 ? -Infinity : Math.log(Math.abs(v)) + lf[h];
        if (g > Lr) Lr = g;
      }
      if (Lr === -Infinity) {
        out.m[r] = -Infinity;
        out.u.fill(0, o, o + H);
        continue;
      }
      for (let h = 0; h < H; h++) {
        const v = x.u[o + h];
        out.u[o + h] = v === 0 ? 0 : (v > 0 ? 1 : -1) * Math.exp(Math.log(Math.abs(v)) + lf[h] - Lr);
      }
      out.m[r] = x.m[r] + Lr;
    }
  }
  return normalize(out);
}

/** leaky ReLU: keeps every scale (e^m > 0); tangents times the slope at the value. */
function leaky(x: Block, R: number, H: number): Block {
  const out: Block = { H, u: new Float64Array(x.u), m: new Float64Array(x.m) };
  const pos = new Uint8Array(H);
  for (let h = 0; h < H; h++) {
    pos[h] = x.u[h] > 0 ? 1 : 0;
    if (!pos[h]) out.u[h] *= LEAKY_RELU_SLOPE;
  }
  for (let r = 1; r < R; r++) {
    const o = r * H;
    for (let h = 0; h < H; h++) if (!pos[h]) out.u[o + h] *= LEAKY_RELU_SLOPE;
  }
  return normalize(out);
}

/** 1 − a: value 1 − a, tangents −D a. */
function oneMinus(a: Block, R: number, H: number): Block {
  const out = zeroBlock(R, H);
  const ones = new Float64Array(H).fill(1);
  out.m[0] = accRow(out.u, 0, H, [{ a: ones, off: 0, m: 0, c: 1 }, rowTerm(a, 0, -1)]);
  for (let r = 1; r < R; r++) out.m[r] = accRow(out.u, r * H, H, [rowTerm(a, r, -1)]);
  return normalize(out);
}

/** The product of a block's mantissas with a weight matrix (rows keep the block's scales). */
interface Product {
  readonly P: Float32Array;
  readonly C: number;
  readonly base: number;
  readonly m: ArrayLike<number>;
}

/** Runs a [rows, K] · Wcat [K, C] product in TF.js and reads it back. */
function matmul(rows: Float32Array, n: number, W: tf.Tensor2D): Float32Array {
  const a = tf.tensor2d(rows, [n, W.shape[0]]);
  const p = tf.matMul(a, W);
  const out = p.dataSync() as Float32Array;
  a.dispose();
  p.dispose();
  return out;
}

/** Per linear node, per layer: its parameters |W_i| (concatenated per input source) and |b|. */
interface LayerPlan {
  /** source name → concatenated |W| [width, Σ readers' H] and each reader's column offset. */
  readonly sources: Map<string, { W: tf.Tensor2D; readers: { node: string; index: number; col: number }[] }>;
  /** node → |b|. */
  readonly bias: Map<string, Float64Array>;
}

function planLayer(lp: NetParams['layers'][number]): LayerPlan {
  const groups = new Map<string, { node: string; index: number; W: tf.Tensor2D }[]>();
  const bias = new Map<string, Float64Array>();
  for (const [node, p] of lp.linears) {
    p.inputs.forEach((name, index) => {
      let g = groups.get(name);
      if (!g) {
        g = [];
        groups.set(name, g);
      }
      g.push({ node, index, W: p.W[index] });
    });
    bias.set(node, Float64Array.from(p.b.dataSync(), Math.abs));
  }
  const sources = new Map<string, { W: tf.Tensor2D; readers: { node: string; index: number; col: number }[] }>();
  for (const [name, g] of groups) {
    const W = tf.tidy(() =>
      tf.abs<tf.Tensor2D>(
        g.length === 1
          ? g[0].W
          : tf.concat(
              g.map((x) => x.W),
              1,
            ),
      ),
    );
    sources.set(name, { W, readers: g.map((x, k) => ({ node: x.node, index: x.index, col: k * lp.hidden })) });
  }
  return { sources, bias };
}

/** The mantissas of blocks, stacked (as float32 for the product). */
function toFloat32(blocks: readonly Block[]): Float32Array {
  const per = blocks[0].u.length;
  const out = new Float32Array(blocks.length * per);
  blocks.forEach((b, i) => out.set(b.u, i * per));
  return out;
}

/** The forward with tangents over all layers; returns the last layer's output block at every step. */
function tangentForward(recipe: Recipe, params: NetParams, T: number): { outs: Block[]; nodes: string[] } {
  const { order, tuple } = buildPlan(recipe);
  const nodes = linearNodes(recipe);
  const K = nodes.length,
    R = 1 + K;
  const rowOf = new Map(nodes.map((n, k) => [n, 1 + k]));
  const E = params.layers[0].inputSize;
  // Layer 0's input: the all-ones value, no tangent.
  const onesBlock = zeroBlock(R, E);
  onesBlock.u.fill(1, 0, E);
  onesBlock.m[0] = 0;
  let inputs: Block[] = Array.from({ length: T }, () => onesBlock);
  for (const lp of params.layers) {
    const H = lp.hidden;
    if (lp.inputSize !== H && order.some((n) => recipe[n].op !== 'linear' && recipe[n].input.includes(INPUT_X))) {
      throw new Error(`x (width ${lp.inputSize}) feeds a non-linear op in layer ${lp.layer} whose width is ${H}`);
    }
    const plan = planLayer(lp);
    try {
      // Products with x for all steps at once.
      let xProd: ((t: number) => Product) | undefined;
      const xs = plan.sources.get(INPUT_X);
      if (xs) {
        const C = xs.W.shape[1];
        if (lp.layer === 0) {
          const P = tf.tidy(() => tf.sum(xs.W, 0).dataSync() as Float32Array); // ones · |W|: the value row only
          const m = new Float64Array(R).fill(-Infinity);
          m[0] = 0;
          xProd = () => ({ P, C, base: 0, m });
        } else {
          const P = matmul(toFloat32(inputs), T * R, xs.W);
          xProd = (t) => ({ P, C, base: t * R, m: inputs[t].m });
        }
      }
      const zero = zeroBlock(R, H);
      let state: Block[] = Array.from({ length: tuple }, () => zero);
      const outs: Block[] = [];
      for (let t = 0; t < T; t++) {
        const vals = new Map<string, Block>();
        const prods = new Map<string, Product>();
        const get = (name: string): Block => {
          if (name === INPUT_X) return inputs[t];
          const k = hPrevIndex(name);
          return k !== undefined ? state[k] : vals.get(name)!;
        };
        const productOf = (name: string): Product => {
          if (name === INPUT_X) return xProd!(t);
          let p = prods.get(name);
          if (!p) {
            const src = plan.sources.get(name)!;
            const b = get(name);
            p = { P: matmul(Float32Array.from(b.u), R, src.W), C: src.W.shape[1], base: 0, m: b.m };
            prods.set(name, p);
          }
          return p;
        };
        for (const n of order) {
          const spec = recipe[n];
          let v: Block;
          switch (spec.op) {
            case 'linear': {
              const cols = spec.input.map((name, index) => {
                const src = plan.sources.get(name)!;
                return { prod: productOf(name), col: src.readers.find((x) => x.node === n && x.index === index)!.col };
              });
              const out = zeroBlock(R, H);
              for (let r = 0; r < R; r++) {
                const terms: Term[] = cols.map(({ prod, col }) => ({
                  a: prod.P,
                  off: (prod.base + r) * prod.C + col,
                  m: prod.m[r],
                  c: 1,
                }));
                if (r === 0) terms.push({ a: plan.bias.get(n)!, off: 0, m: 0, c: 1 });
                out.m[r] = accRow(out.u, r * H, H, terms);
              }
              // The node's own parameters scale with ε: D_n y += y.
              const own = rowOf.get(n)!;
              const mine = new Float64Array(out.u.subarray(own * H, own * H + H));
              out.m[own] = accRow(out.u, own * H, H, [{ a: mine, off: 0, m: out.m[own], c: 1 }, rowTerm(out, 0)]);
              v = normalize(out);
              break;
            }
            case 'elementwise_sum':
              v = sumBlocks(spec.input.map(get), R, H);
              break;
            case 'elementwise_prod':
              v = prodBlocks(spec.input.map(get), R, H);
              break;
            case 'blend': {
              const [a, b, c] = spec.input.map(get);
              v = sumBlocks([prodBlocks([a, b], R, H), prodBlocks([oneMinus(a, R, H), c], R, H)], R, H);
              break;
            }
            case 'activation_leaky_relu':
              v = leaky(get(spec.input[0]), R, H);
              break;
            case 'activation_tanh':
              v = squash(get(spec.input[0]), R, H, 'tanh');
              break;
            case 'activation_sigm':
              v = squash(get(spec.input[0]), R, H, 'sigm');
              break;
            default:
              throw new Error(`unknown op ${spec.op}`);
          }
          vals.set(n, v);
        }
        state = state.map((_, i) => vals.get(`h_new_${i}`)!);
        outs.push(state[0]);
      }
      inputs = outs;
    } finally {
      for (const s of plan.sources.values()) s.W.dispose();
    }
  }
  return { outs: inputs, nodes };
}

/** log of a sum of rows r of the blocks: returns the scale M and the scaled sum s (the sum = s·e^M). */
function rowTotal(blocks: readonly Block[], r: number, M: number): number {
  let s = 0;
  for (const b of blocks) {
    const m = b.m[r];
    if (m === -Infinity) continue;
    const f = Math.exp(m - M);
    let acc = 0;
    for (let h = 0, o = r * b.H; h < b.H; h++) acc += b.u[o + h];
    s += f * acc;
  }
  return s;
}

/**
 * The raw synaptic flow of one seed, in log space (the score module, scores/synflow.ts, turns it into a value or a
 * reason). `logR` = log R with R = Σ outputs; `logS` = log |S| with S = Σ θ ⊙ ∂R/∂θ; `sS` carries S's sign (S =
 * sS·e^MS); `thetaDotGradLogR` = S / R; `share` = each linear node's part of S (meaningful when S > 0).
 */
export interface SynflowPass {
  readonly logR: number;
  readonly logS: number;
  readonly sS: number;
  readonly thetaDotGradLogR: number;
  readonly share: Readonly<Record<string, number>>;
}

/** The synflow pass for one seed: see the module doc. `params`: the seed's default-initialised parameters (not modified). */
export function synflowPass(
  recipe: Recipe,
  sizes: Pick<ModelSizes, 'vocab' | 'embed' | 'hidden' | 'layers' | 'seqLen'>,
  seed: number,
  params?: NetParams,
): SynflowPass {
  const base = params ?? initParams(recipe, sizes, seed, 'uniform');
  try {
    const { outs, nodes } = tangentForward(recipe, base, sizes.seqLen);
    const K = nodes.length;
    const maxScale = (rows: number[]): number => {
      let M = -Infinity;
      for (const b of outs)
        for (const r of rows) {
          const m = b.m[r];
          if (m !== m) return NaN;
          if (m > M) M = m;
        }
      return M;
    };
    const MR = maxScale([0]);
    const sR = rowTotal(outs, 0, MR);
    const logR = MR + Math.log(sR);
    const tangentRows = nodes.map((_, k) => 1 + k);
    const MS = maxScale(tangentRows);
    const flows = tangentRows.map((r) => (MS === -Infinity ? 0 : rowTotal(outs, r, MS)));
    const sS = flows.reduce((a, b) => a + b, 0);
    const logS = MS + Math.log(Math.abs(sS));
    // Σθ·∂(log R)/∂θ = S / R (kept for continuity with earlier reports).
    const thetaDotGradLogR = Math.sign(sS) * Math.exp(logS - logR);
    const share: Record<string, number> = {};
    for (let k = 0; k < K; k++) share[nodes[k]] = flows[k] / sS;
    return { logR, logS, sS, thetaDotGradLogR, share };
  } finally {
    if (!params) disposeParams(base);
  }
}
