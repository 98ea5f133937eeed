/**
 * The shared network passes behind the scores. One {@link ScoreContext} per (cell, settings, seed) builds the
 * network once and runs each pass at most once, lazily, however many scores read it:
 *
 * - `grad`  — backward of the output loss mean(y²) (y = last layer's outputs) → weight gradients (grad_norm, snip).
 * - `sum`   — backward of s_b = Σ_{t,h} y_{t,b,h} (y = last layer's outputs) → input Jacobians (jacob_cov) and
 *             the empirical NTK via per-example gradient inner products (ntk_trace, ntk_cond).
 * - `codes` — pre-activation signs of the clean and the noisy embedded inputs (naswot, ninaswot).
 * - `gauss` — forward with Gaussian weights of Gaussian inputs x and x + αε (zen, maedet).
 *
 * `ce`, `sum` and `codes` share ONE forward of the default-initialised network on the B clean examples (the
 * "LM pass"; codes adds a forward-only pass of the B noisy examples). One hand-written backward through time
 * (model/bptt) then carries both losses at once, each in its own B rows. Which parts run is fixed by the
 * `needs` given to the context (default: all), so the first of ce()/sum()/codes() computes all that is needed.
 * `timings` records the time of each part (init, forward, codes, backward, ntk, gauss) for the report.
 *
 * Every pass returns plain JS numbers; all tensors it creates are disposed before it returns.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../recipe/types';
import type { ModelSizes } from '../settings';
import { keptStream, makeRng } from '../rng';
import {
  initParams,
  disposeParams,
  embeddingTable,
  embedTokens,
  randomTokens,
  forward,
  weightGradients,
  checkAbort,
  type EmbeddingTable,
  type NetParams,
} from './network';
import { backward } from './bptt';
import { gram } from './gram';
import { flopCounter } from './flops';
import { HIDDEN_COV_BATCH, HIDDEN_COV_STEPS, NINASWOT_NOISE_STD, ZEN_ALPHA } from './constants';
export { HIDDEN_COV_BATCH, HIDDEN_COV_STEPS, NINASWOT_NOISE_STD, ZEN_ALPHA };
import { synflowPass, type SynflowPass } from './synflow';

/**
 * Gradient facts of the `grad` pass: the gradient of the output loss L_y = mean_{t,b,h} y_{t,b,h}² (y = the last
 * layer's outputs h_new_0 at every step, before the decoder) w.r.t. every recurrent parameter.
 */
export interface GradPass {
  /** L_y. */
  readonly loss: number;
  /** Per recurrent parameter: ‖g‖², Σ|g⊙θ|, element count. */
  readonly perParam: { name: string; layer: number; node: string; sq: number; snip: number; size: number }[];
}

/** Facts of the `sum` pass. */
export interface SumPass {
  /** Per example b, the flattened Jacobian ∂s_b/∂x_b over all steps and embedding units. */
  readonly jacobians: Float64Array[];
  /** Empirical NTK Θ (B × B, row-major): per-example gradients in float32, their Gram matrix accumulated in float64. */
  readonly ntk: Float64Array;
  /** Per linear node: its contribution to tr Θ. */
  readonly ntkTracePerNode: Record<string, number>;
}

/** Facts of the `codes` pass. */
export interface CodesPass {
  /** Total code length N_A (activation units × steps × layers). */
  readonly length: number;
  /** K_H of the clean codes (B × B). */
  readonly kClean: Float64Array;
  /** Cross kernel K_×[i][j] = N_A − d_H(c(x_i), c(x̃_j)) between clean and noisy codes. */
  readonly kCross: Float64Array;
  /** Per activation node: mean normalised Hamming distance between the clean codes of different examples. */
  readonly diversity: Record<string, number>;
  /** Mean fraction of code bits flipped by the input noise. */
  readonly flipRate: number;
}

/** Facts of the `gauss` pass. */
export interface GaussPass {
  /** Per example ‖f(x_b) − f(x_b + αε_b)‖_F. */
  readonly diffNorms: number[];
  /** Per layer, std of the layer's outputs (all steps, examples and units) for the clean input. */
  readonly layerStd: number[];
}

/**
 * Facts of the `hidden` pass: the incoming hidden state h_prev_0 of layer 1 at every step t = 0 … T−1 (zeros at
 * t = 0) for B random token sequences, default init; `states` is H × (B·T), row h = unit h, column t·B + b, float64.
 */
export interface HiddenPass {
  readonly H: number;
  readonly samples: number;
  readonly states: Float64Array;
}

/** Runs `fn` in a tf scope and disposes every tensor it created (except those kept). */
export function scoped<T>(fn: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out as T;
}

/** The parts of the shared LM pass a context may be asked for. */
export type LmNeed = 'grad' | 'sum' | 'codes';

/**
 * The incoming hidden state h_prev_0 of every step, from a layer's outputs [T·B, H] (time-major): step t reads the
 * output of step t − 1, step 0 the zero initial state; as H × (B·T), row h = unit h, column t·B + b, float64.
 */
export function incomingStates(out: ArrayLike<number>, T: number, B: number, H: number): HiddenPass {
  const S = T * B;
  const states = new Float64Array(H * S); // step 0 stays 0: the initial hidden state
  for (let t = 1; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const src = ((t - 1) * B + b) * H,
        col = t * B + b;
      for (let h = 0; h < H; h++) states[h * S + col] = out[src + h];
    }
  }
  return { H, samples: S, states };
}

/** Agreement counts between bit-packed codes: rows `a` and `b` of words `w` words long. */
function agreements(words: Uint32Array, w: number, a: number, b: number, N: number): number {
  let diff = 0;
  for (let k = 0, oa = a * w, ob = b * w; k < w; k++) {
    let v = words[oa + k] ^ words[ob + k];
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    diff += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return N - diff;
}

/** Rows of segment `seg` (B rows per step) of a time-major [T·R, W] tensor with R = segs·B, as [T·B, W]. */
function segmentRows(x: tf.Tensor2D, T: number, R: number, B: number, seg: number): tf.Tensor2D {
  if (R === B) return x;
  const W = x.shape[1];
  return tf.reshape(tf.slice(tf.reshape(x, [T, R, W]), [0, seg * B, 0], [T, B, W]), [T * B, W]);
}

/** Lazily computed passes of one cell, one seed. Call {@link ScoreContext.dispose} at the end. */
export class ScoreContext {
  readonly T: number;
  readonly B: number;
  /** Milliseconds spent in each part so far (init, forward, codes, backward, ntk, gauss). */
  readonly timings: Record<string, number> = {};
  private readonly needs: ReadonlySet<LmNeed>;
  private params?: NetParams;
  private embedding?: EmbeddingTable;
  private tokens?: Int32Array;
  private cache = new Map<string, unknown>();

  constructor(
    readonly recipe: Recipe,
    readonly settings: ModelSizes,
    readonly seed: number,
    readonly signal?: AbortSignal,
    needs: Iterable<LmNeed> = ['grad', 'sum', 'codes'],
  ) {
    this.T = settings.seqLen;
    this.B = settings.batch;
    this.needs = new Set(needs);
  }

  private timed<R>(part: string, fn: () => R): R {
    const t0 = performance.now();
    const outer = flopCounter.part;
    flopCounter.part = part;
    try {
      return fn();
    } finally {
      flopCounter.part = outer;
      this.timings[part] = (this.timings[part] ?? 0) + performance.now() - t0;
    }
  }

  /** Default-initialised recurrent parameters (uniform ±1/sqrt(hidden)). */
  uniformParams(): NetParams {
    return (this.params ??= this.timed('init', () => initParams(this.recipe, this.settings, this.seed, 'uniform')));
  }

  private emb(): EmbeddingTable {
    return (this.embedding ??= this.timed('init', () => embeddingTable(this.settings, this.seed)));
  }

  private toks(): Int32Array {
    return (this.tokens ??= randomTokens(makeRng(this.seed, 10), this.settings.vocab, this.B, this.T + 1));
  }

  private once<T>(key: string, fn: () => T): T {
    if (!this.cache.has(key)) {
      checkAbort(this.signal);
      this.cache.set(key, fn());
    }
    return this.cache.get(key) as T;
  }

  /** Frees the network and embedding. */
  dispose(): void {
    if (this.params) disposeParams(this.params);
    this.params = undefined;
    this.embedding = undefined;
  }

  /** The `grad` pass. */
  grad(): GradPass {
    return this.lm('grad').grad!;
  }

  /** The `sum` pass. */
  sum(): SumPass {
    return this.lm('sum').sum!;
  }

  /** The `codes` pass. */
  codes(): CodesPass {
    return this.lm('codes').codes!;
  }

  /** The shared LM pass: one forward and one backward for every requested part (plus `want`). */
  private lm(want: LmNeed): { grad?: GradPass; sum?: SumPass; codes?: CodesPass } {
    const done = this.cache.get('lm') as { grad?: GradPass; sum?: SumPass; codes?: CodesPass } | undefined;
    if (done && done[want]) return done;
    const needs = new Set(this.needs);
    needs.add(want);
    if (done) for (const k of ['grad', 'sum', 'codes'] as const) if (done[k]) needs.delete(k);
    checkAbort(this.signal);
    const res = { ...(done ?? {}), ...this.runLm(needs) };
    this.cache.set('lm', res);
    return res;
  }

  private runLm(needs: ReadonlySet<LmNeed>): { grad?: GradPass; sum?: SumPass; codes?: CodesPass } {
    const { T, B } = this;
    const params = this.uniformParams();
    const emb = this.emb();
    const toks = this.toks();
    // The losses back-propagated together, each in its own B rows of the backward.
    const losses = (['grad', 'sum'] as const).filter((k) => needs.has(k));
    const S = losses.length;
    const x0 = embedTokens(emb, toks, B, T + 1, T);
    const E = x0.shape[1];
    const noise = needs.has('codes')
      ? tf.tensor2d(keptStream(this.seed, 11).normalArray(x0.size, NINASWOT_NOISE_STD), x0.shape)
      : undefined;
    try {
      return scoped(() => {
        const fwd = this.timed('forward', () =>
          forward(this.recipe, params, x0, T, B, {
            recordPre: needs.has('codes'),
            recordNodes: S > 0,
            keepSources: S > 0,
            signal: this.signal,
          }),
        );
        const out: { grad?: GradPass; sum?: SumPass; codes?: CodesPass } = {};
        if (needs.has('codes')) {
          const noisy = this.timed('forward', () =>
            forward(this.recipe, params, tf.add<tf.Tensor2D>(x0, noise!), T, B, {
              recordPre: true,
              signal: this.signal,
            }),
          );
          out.codes = this.timed('codes', () => this.codesOf(fwd.pre, noisy.pre));
        }
        if (!S) return out;
        checkAbort(this.signal);
        const forNtk = this.timed('backward', () => {
          const last = fwd.outputs[fwd.outputs.length - 1];
          const H = last.shape[1];
          let outLoss = NaN;
          const parts = losses.map((s): tf.Tensor3D => {
            if (s === 'sum') return tf.ones([T, B, H]);
            // L_y = mean(y²) over steps, examples and units: dL/dy = 2y / (T·B·H).
            outLoss = tf.mean(tf.square(last)).dataSync()[0];
            return tf.reshape(tf.mul(last, 2 / (T * B * H)), [T, B, H]);
          });
          const R = S * B;
          const dOut =
            S === 1
              ? tf.reshape<tf.Rank.R2>(parts[0], [T * R, H])
              : tf.reshape<tf.Rank.R2>(tf.concat(parts, 1), [T * R, H]);
          const bw = backward(this.recipe, params, x0, fwd, T, B, S, dOut, {
            inputGrad: needs.has('sum'),
            signal: this.signal,
          });
          const Dof = (seg: number) =>
            bw.D.map((m) => new Map([...m].map(([n, d]) => [n, segmentRows(d, T, R, B, seg)])));
          if (needs.has('grad')) {
            const g = weightGradients(params, fwd.sources, Dof(losses.indexOf('grad')));
            // Σg² and Σ|g⊙θ| of every parameter, read back in one go. A cell whose live part has no linear node
            // (its output reads only h_prev and parameter-free ops) has no recurrent parameter: nothing to stack.
            const stats = params.list.length
              ? tf
                  .stack(
                    params.list.flatMap((p) => {
                      const gp = g.get(p.name)!;
                      return [tf.sum(tf.square(gp)), tf.sum(tf.abs(tf.mul(gp, p.tensor)))];
                    }),
                  )
                  .dataSync()
              : new Float32Array(0);
            out.grad = {
              loss: outLoss,
              perParam: params.list.map((p, i) => ({
                name: p.name,
                layer: p.layer,
                node: p.node,
                sq: stats[2 * i],
                snip: stats[2 * i + 1],
                size: p.tensor.size,
              })),
            };
          }
          if (!needs.has('sum')) return undefined;
          const seg = losses.indexOf('sum');
          const dxa = bw.dx0!.dataSync();
          const jacobians = Array.from({ length: B }, (_, b) => {
            const j = new Float64Array(T * E);
            for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) j[t * E + e] = dxa[(t * R + seg * B + b) * E + e];
            return j;
          });
          return { jacobians, D: Dof(seg), sources: fwd.sources };
        });
        if (forNtk)
          out.sum = this.timed('ntk', () => ({
            jacobians: forNtk.jacobians,
            ...this.ntkOf(params, forNtk.sources, forNtk.D),
          }));
        return out;
      });
    } finally {
      tf.dispose([x0, ...(noise ? [noise] : [])]);
    }
  }

  /**
   * NTK from one backward of Σ_b s_b, in float64: for a linear node with inputs A_i (rows (t,b), float32) and output
   * gradients D, the per-example gradient of weight i is g_b = Σ_t A_i,tbᵀ D_tb, so
   *   Θ_bc += Σ_{t,t'} (1 + Σ_i ⟨A_i,tb, A_i,t'c⟩) · ⟨D_tb, D_t'c⟩      (the 1 is the bias),
   * with the row Gram matrices G_X = X·Xᵀ (T·B × T·B) computed in float64 by {@link gram} (on every core) (products of
   * float32 numbers are exact in float64): Θ is then accurate to float64 rounding, not float32's 1e-7·λ_max, which
   * made κ of every NTK with κ ≳ 10^7 NaN in engine 2. A source's Gram is shared by all nodes reading it.
   */
  private ntkOf(
    params: NetParams,
    sources: Map<string, tf.Tensor2D>[],
    D: Map<string, tf.Tensor2D>[],
  ): { ntk: Float64Array; ntkTracePerNode: Record<string, number> } {
    const { T, B } = this;
    const R = T * B;
    const theta = new Float64Array(B * B);
    const perNode: Record<string, number> = {};
    const gramOf = (X: tf.Tensor2D): Float64Array => {
      return gram(X.dataSync() as Float32Array, R, X.shape[1]);
    };
    for (const lp of params.layers) {
      const grams = new Map<string, Float64Array>();
      for (const [node, p] of lp.linears) {
        checkAbort(this.signal);
        const S = new Float64Array(R * R).fill(1);
        for (const name of p.inputs) {
          let G = grams.get(name);
          if (!G) {
            G = gramOf(sources[lp.layer].get(name)!);
            grams.set(name, G);
          }
          for (let k = 0; k < S.length; k++) S[k] += G[k];
        }
        const GD = gramOf(D[lp.layer].get(node)!);
        let tr = 0;
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            const row = (t * B + b) * R;
            for (let t2 = 0; t2 < T; t2++) {
              const o = row + t2 * B;
              for (let c = 0; c < B; c++) theta[b * B + c] += S[o + c] * GD[o + c];
              tr += S[o + b] * GD[o + b];
            }
          }
        }
        perNode[node] = (perNode[node] ?? 0) + tr;
      }
    }
    return { ntk: theta, ntkTracePerNode: perNode };
  }

  /**
   * Codes from the recorded pre-activations of the clean and the noisy forward (B rows each): one bit per
   * (activation node, layer, step, unit), pre-activation > 0, bit-packed; the kernels by popcount.
   */
  private codesOf(clean: Map<string, tf.Tensor2D[]>[], noisy: Map<string, tf.Tensor2D[]>[]): CodesPass {
    const B = this.B;
    const nodes = new Set<string>();
    clean.forEach((m) => m.forEach((_, n) => nodes.add(n)));
    const kClean = new Float64Array(B * B),
      kCross = new Float64Array(B * B);
    const diversity: Record<string, number> = {};
    let length = 0,
      flips = 0;
    for (const n of nodes) {
      const read = (pre: Map<string, tf.Tensor2D[]>[]) => {
        const parts = pre.flatMap((m) => m.get(n) ?? []);
        return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)).dataSync(); // [B, N]
      };
      const c = read(clean),
        x = read(noisy);
      const N = c.length / B;
      const w = Math.ceil(N / 32);
      // Rows 0..B-1: clean codes; B..2B-1: noisy codes.
      const words = new Uint32Array(2 * B * w);
      for (let b = 0; b < 2 * B; b++) {
        const v = b < B ? c : x,
          row = (b % B) * N;
        for (let k = 0; k < N; k++) if (v[row + k] > 0) words[b * w + (k >>> 5)] |= 1 << (k & 31);
      }
      let div = 0;
      for (let b = 0; b < B; b++) {
        for (let c2 = 0; c2 < B; c2++) {
          const kc = agreements(words, w, b, c2, N);
          kClean[b * B + c2] += kc;
          if (b !== c2) div += 1 - kc / N;
          const kx = agreements(words, w, b, B + c2, N);
          kCross[b * B + c2] += kx;
          if (b === c2) flips += N - kx;
        }
      }
      diversity[n] = B > 1 ? div / (B * (B - 1)) : 0;
      length += N;
    }
    return { length, kClean, kCross, diversity, flipRate: length ? flips / (B * length) : 0 };
  }

  /** The synflow pass (model/synflow: |θ| of the default init, all-ones input, log space). */
  synflow(): SynflowPass {
    return this.once('synflow', () => {
      const params = this.uniformParams();
      return this.timed('synflow', () => synflowPass(this.recipe, this.settings, this.seed, params));
    });
  }

  /**
   * The `hidden` pass: layer 1 alone (the default-initialised parameters of the LM's first layer) over
   * {@link HIDDEN_COV_BATCH} uniformly random token sequences of {@link HIDDEN_COV_STEPS} steps (the LM's
   * embedding), recording the incoming hidden state h_prev_0 of every step.
   */
  hidden(): HiddenPass {
    return this.once('hidden', () => {
      const params = this.uniformParams();
      return this.timed('hidden', () => {
        const Bh = HIDDEN_COV_BATCH,
          Th = HIDDEN_COV_STEPS;
        const first: NetParams = { layers: [params.layers[0]], list: params.list.filter((p) => p.layer === 0) };
        const toks = randomTokens(makeRng(this.seed, 13), this.settings.vocab, Bh, Th);
        const x = embedTokens(this.emb(), toks, Bh, Th, Th);
        try {
          const out = scoped(() =>
            forward(this.recipe, first, x, Th, Bh, { signal: this.signal }).outputs[0].dataSync(),
          );
          return incomingStates(out, Th, Bh, params.layers[0].hidden);
        } finally {
          x.dispose();
        }
      });
    });
  }

  /** The `gauss` pass (its own Gaussian weights and inputs from the same seed). */
  gauss(): GaussPass {
    return this.once('gauss', () =>
      this.timed('gauss', () => {
        const { T, B } = this;
        const E = this.settings.embed;
        const params = initParams(this.recipe, this.settings, this.seed, 'gaussian');
        const rng = keptStream(this.seed, 12);
        const x = rng.normalArray(T * B * E);
        const eps = rng.normalArray(T * B * E);
        try {
          return scoped(() => {
            const xt = tf.tensor3d(x, [T, B, E]);
            const xp = tf.add(xt, tf.mul(tf.tensor3d(eps, [T, B, E]), ZEN_ALPHA));
            const both = tf.reshape<tf.Rank.R2>(tf.concat([xt, xp], 1), [T * 2 * B, E]);
            const r = forward(this.recipe, params, both, T, 2 * B, { signal: this.signal });
            const layerStd = r.outputs.map((o) => {
              const h = o.shape[1];
              const clean = tf.slice(tf.reshape(o, [T, 2 * B, h]), [0, 0, 0], [T, B, h]);
              const { variance } = tf.moments(clean);
              return Math.sqrt(variance.dataSync()[0]);
            });
            const last = r.outputs[r.outputs.length - 1];
            const H = last.shape[1];
            const y = tf.reshape(last, [T, 2 * B, H]);
            const diff = tf.sub(tf.slice(y, [0, 0, 0], [T, B, H]), tf.slice(y, [0, B, 0], [T, B, H]));
            const norms = Array.from(tf.sqrt(tf.sum(tf.square(diff), [0, 2])).dataSync());
            return { diffNorms: norms, layerStd };
          });
        } finally {
          disposeParams(params);
        }
      }),
    );
  }
}
