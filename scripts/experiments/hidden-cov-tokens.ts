/**
 * An experiment (not a benchmark): which token stream should hidden covariance read? The paper feeds real text (the first window of the test split);
 * Cell Lens has no corpus, so this compares, at the proxy preset over the trained WikiText-2 cells (seed 0):
 *   uniform — tokens uniform over the vocabulary (what the engine uses),
 *   zipf    — tokens drawn from a Zipf(1) distribution over the vocabulary (the rank-frequency law of text),
 *   ngrams  — 20 random 7-grams repeated in random order (text-like repetition of phrases).
 * It reports Kendall τ of each stream's hidden covariance (layer 1) vs −test loss, and writes
 * scripts/experiments/hidden-cov-tokens.json.   npx tsx scripts/experiments/hidden-cov-tokens.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/scoring/backends';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { cellsFromIndex } from '../../src/study/runner';
import { canonicalCell } from '../../src/recipe/canonical';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { initParams, disposeParams, initEmbedding, embedTokens, forward } from '../../src/scoring/model/network';
import { HIDDEN_COV_BATCH as B, HIDDEN_COV_STEPS as T } from '../../src/scoring/model/constants';
import { incomingStates } from '../../src/scoring/model/passes';
import { hiddenCovariance } from '../../src/scoring/scores/hidden_cov';
import { makeRng, type Rng } from '../../src/scoring/rng';
import { bootstrapCI, kendallTauClean } from '../../src/study/stats';

type Stream = 'uniform' | 'zipf' | 'ngrams';

function tokens(kind: Stream, rng: Rng, vocab: number): Int32Array {
  const out = new Int32Array(B * T);
  if (kind === 'uniform') {
    for (let i = 0; i < out.length; i++) out[i] = rng.int(vocab);
    return out;
  }
  if (kind === 'zipf') {
    const cdf = new Float64Array(vocab);
    let s = 0;
    for (let k = 0; k < vocab; k++) {
      s += 1 / (k + 1);
      cdf[k] = s;
    }
    for (let i = 0; i < out.length; i++) {
      const u = rng.next() * s;
      let lo = 0,
        hi = vocab - 1;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (cdf[m] < u) lo = m + 1;
        else hi = m;
      }
      out[i] = lo;
    }
    return out;
  }
  const grams = Array.from({ length: 20 }, () => Array.from({ length: 7 }, () => rng.int(vocab)));
  for (let b = 0; b < B; b++) {
    let t = 0;
    while (t < T) {
      const g = grams[rng.int(grams.length)];
      for (const w of g) {
        if (t < T) out[b * T + t++] = w;
      }
    }
  }
  return out;
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const sizes = SIZE_PRESETS.proxy;
  const index = await loadBenchmarkIndex([], {
    prebuilt: join(__dirname, '..', '..', 'data', 'wikitext-2.index.json'),
  });
  const { cells } = cellsFromIndex(index, {});
  const trained = cells.filter((c) => !c.diverged && Number.isFinite(c.testLoss));
  const result: Record<string, unknown> = { preset: 'proxy', cells: trained.length, seed: 0, streams: {} };
  const t0 = performance.now();
  for (const kind of ['uniform', 'zipf', 'ngrams'] as Stream[]) {
    const vals: number[] = [];
    const s0 = performance.now();
    for (const c of trained) {
      const recipe = canonicalCell(c.recipe)?.recipe ?? c.recipe;
      const params = initParams(recipe, sizes, 0);
      const emb = initEmbedding(sizes, 0);
      const toks = tokens(kind, makeRng(0, 13), sizes.vocab);
      const x = embedTokens(emb, toks, B, T, T);
      const out = tf.tidy(() =>
        forward(
          recipe,
          { layers: [params.layers[0]], list: params.list.filter((p) => p.layer === 0) },
          x,
          T,
          B,
        ).outputs[0].dataSync(),
      );
      const st = incomingStates(out, T, B, params.layers[0].hidden);
      vals.push(hiddenCovariance(st.states, st.H, st.samples).value);
      disposeParams(params);
      tf.dispose([emb, x]);
    }
    const ci = bootstrapCI(
      vals,
      trained.map((c) => -c.testLoss),
      kendallTauClean,
      { samples: 1000, seed: 0 },
    );
    (result.streams as Record<string, unknown>)[kind] = {
      tau: ci.estimate,
      lo: ci.lo,
      hi: ci.hi,
      n: ci.n,
      seconds: (performance.now() - s0) / 1000,
    };
    console.log(
      `${kind.padEnd(8)} τ ${ci.estimate.toFixed(3)} [${ci.lo.toFixed(3)}, ${ci.hi.toFixed(3)}] n ${ci.n} · ${((performance.now() - s0) / 1000).toFixed(1)} s`,
    );
  }
  result.totalSeconds = (performance.now() - t0) / 1000;
  writeFileSync(join(__dirname, 'hidden-cov-tokens.json'), JSON.stringify(result, null, 2) + '\n');
}

void main();
