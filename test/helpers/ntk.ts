/**
 * A direct, slow reference for the NTK tests: per-example gradients ∂s_b/∂θ (s_b = Σ of the last layer's outputs of
 * example b) by TF.js autodiff, on the canonical cell (the engine's parameter draw order), default init, the engine's
 * tokens of `seed`. Independent of the engine's hand-written backward and Gram code.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../../src/recipe/types';
import { canonicalCell } from '../../src/recipe/canonical';
import type { ModelSizes } from '../../src/scoring/types';
import {
  initParams,
  disposeParams,
  forward,
  embedTokens,
  initEmbedding,
  randomTokens,
} from '../../src/scoring/model/network';
import { makeRng } from '../../src/scoring/rng';

export function perExampleGradients(recipe: Recipe, s: ModelSizes, seed: number): Float64Array[] {
  const cell = canonicalCell(recipe)!.recipe;
  const params = initParams(cell, s, seed);
  const emb = initEmbedding(s, seed);
  const toks = randomTokens(makeRng(seed, 10), s.vocab, s.batch, s.seqLen + 1);
  const x = embedTokens(emb, toks, s.batch, s.seqLen + 1, s.seqLen);
  const grads: Float64Array[] = [];
  for (let b = 0; b < s.batch; b++) {
    const g = tf.grads(() => {
      const outs = forward(cell, params, x, s.seqLen, s.batch).outputs;
      const mask = tf.tensor2d(Array.from({ length: s.seqLen * s.batch }, (_, r) => [r % s.batch === b ? 1 : 0]));
      return tf.sum(tf.mul(outs[outs.length - 1], mask));
    })(params.list.map((p) => p.tensor));
    grads.push(Float64Array.from(g.flatMap((t) => Array.from(t.dataSync()))));
    tf.dispose(g);
  }
  disposeParams(params);
  tf.dispose([emb, x]);
  return grads;
}
