/**
 * Scorer faults not covered by scoring-process-client.test.ts:
 *  - a backend that fails to load (forced `tensorflow` without @tensorflow/tfjs-node; `wasm` without its binaries):
 *    a clear error naming what is missing, then `auto` serves the next request and reports every link it tried;
 *  - out of memory from a real (not injected) size setting under a V8 heap limit: plain words naming the size,
 *    the worker restarted, the next request served;
 *  - numerical honesty: cells whose scores overflow float32 or are undefined give NaN / ±∞ with a reason, never a
 *    finite made-up number; and where synflow's log-space value is finite beyond float32 it equals a float64
 *    computation done here independently.
 * Small sizes (vocab 50, embed 8, hidden 8, 1–2 layers, seqLen 4, batch 4) keep it fast.
 */
import { canonicalCell } from '../../src/recipe/canonical';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Recipe } from '../../src/recipe/types';
import { recipeInfo } from '../../src/recipe/model';
import { ScoringError } from '../../src/process/client';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell } from '../../src/scoring/engine';
import { initParams, disposeParams } from '../../src/scoring/model/network';
import { countParams, layerSizes } from '../../src/scoring/model/params';
import { SCORE_IDS, type ScoreReport, type ScoreResult, type ScoreSettings } from '../../src/scoring/types';
import { RNN, TINY, TSX_ARGV, testClient } from '../fixtures/scoring/helpers';

const SMALL = { vocab: 50, embed: 8, hidden: 8, layers: 2, seqLen: 4, batch: 4 };
const settings = (over: Partial<ScoreSettings> = {}): ScoreSettings => ({
  ...SMALL,
  scores: [...SCORE_IDS],
  seed: 0,
  repeats: 1,
  backend: 'cpu',
  ...over,
});

async function failure(p: Promise<unknown>): Promise<ScoringError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ScoringError, `not a ScoringError: ${String(e)}`);
    return e;
  }
  assert.fail('the request was expected to fail but it succeeded');
}

const paramsOf = (r: ScoreReport) => r.results.find((x) => x.id === 'params')?.value;
const tfjsNodeInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

// ------------------------------------------------------------------ backends that fail to load

test(
  'forced backend "tensorflow" without @tensorflow/tfjs-node: a clear error, then backend "auto" serves the next request',
  {
    skip: tfjsNodeInstalled ? '@tensorflow/tfjs-node is installed here: the backend would load' : false,
    timeout: 120_000,
  },
  async () => {
    const { client, logs } = testClient({ backend: 'tensorflow' });
    try {
      const e = await failure(client.score(RNN, { ...TINY, backend: 'tensorflow' }));
      assert.equal(e.kind, 'backend');
      // Plain words: which backend, and what is missing.
      assert.match(
        e.message,
        /^Could not load the TensorFlow\.js backend "tensorflow": .*Cannot find module '@tensorflow\/tfjs-node'/,
      );
      // The status (status bar tooltip) says which link failed and why.
      assert.match(client.status.tried?.find((t) => t.name === 'tensorflow')?.error ?? '', /tfjs-node/);
      const firstPid = client.pid;
      client.setBackend('auto');
      const r = await client.score(RNN, { ...TINY, backend: 'auto' });
      assert.equal(paramsOf(r), countParams(RNN, TINY));
      assert.ok(r.backend === 'wasm' || r.backend === 'cpu', `auto settled on ${r.backend}`);
      assert.notEqual(client.pid, firstPid, 'a new worker was started for the new backend choice');
      // The chain it walked, each failed link with its reason.
      const tried = client.status.tried ?? [];
      const tf = tried.find((t) => t.name === 'tensorflow');
      assert.ok(tf?.error && /tfjs-node/.test(tf.error), `tried: ${JSON.stringify(tried)}`);
      assert.equal(tried.at(-1)?.name, r.backend);
      assert.equal(tried.at(-1)?.error, undefined);
      assert.equal(client.status.restarts, 1);
      assert.equal(client.status.state, 'idle');
    } catch (err) {
      console.error(logs.join('\n'));
      throw err;
    } finally {
      client.dispose();
    }
  },
);

test(
  'forced backend "wasm" whose binaries are missing: the error names the file and folder; "auto" falls back to cpu',
  { timeout: 120_000 },
  async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cell-lens-no-wasm-'));
    const { client } = testClient({ backend: 'wasm', wasmDir: empty });
    try {
      const e = await failure(client.score(RNN, { ...TINY, backend: 'wasm' }));
      assert.equal(e.kind, 'backend');
      assert.ok(e.message.includes(`tfjs-backend-wasm.wasm not found in ${empty}`), e.message);
      // Every further request fails the same way (no restart loop) until the choice changes.
      assert.equal((await failure(client.score(RNN, TINY))).kind, 'backend');
      assert.equal(client.status.restarts, 0);
      client.setBackend('auto');
      const r = await client.score(RNN, TINY);
      assert.equal(r.backend, 'cpu');
      assert.equal(paramsOf(r), countParams(RNN, TINY));
      const wasm = client.status.tried?.find((t) => t.name === 'wasm');
      assert.ok(wasm?.error?.includes('tfjs-backend-wasm.wasm not found'), JSON.stringify(client.status.tried));
    } finally {
      client.dispose();
      rmSync(empty, { recursive: true, force: true });
    }
  },
);

// ------------------------------------------------------------------ out of memory from a size setting

test(
  'a very large size (seqLen 1,000,000) under a 96 MB heap limit: plain-words out of memory naming the size; restarted; next served',
  { timeout: 120_000 },
  async () => {
    // The extension starts the worker with --max-old-space-size (cellLens.scoring.maxMemoryMB); here a small one.
    const { client, logs } = testClient({ execArgv: [...TSX_ARGV, '--max-old-space-size=96'], timeoutMs: 60_000 });
    try {
      assert.equal(paramsOf(await client.score(RNN, TINY)), countParams(RNN, TINY));
      const pid = client.pid;
      const huge = { ...TINY, seqLen: 1_000_000, batch: 1, layers: 1, scores: ['zen' as const] };
      const e = await failure(client.score(RNN, huge));
      assert.equal(e.kind, 'oom', `${e.kind}: ${e.message}`);
      assert.equal(
        e.message,
        'The scoring process ran out of memory (seqLen 1000000 may be too large; try a smaller size).',
      );
      assert.match(e.detail ?? '', /heap/i, 'the V8 message is kept for the log');
      assert.match(client.status.lastError ?? '', /ran out of memory/);
      const r = await client.score(RNN, TINY);
      assert.equal(paramsOf(r), countParams(RNN, TINY));
      assert.notEqual(client.pid, pid, 'a fresh worker serves the next request');
      assert.equal(client.status.restarts, 1);
    } catch (err) {
      console.error(logs.slice(-20).join('\n'));
      throw err;
    } finally {
      client.dispose();
    }
  },
);

// ------------------------------------------------------------------ numerical honesty

/** x → linear → 140 doublings (elementwise_sum of a node with itself) → linear: outputs ≈ 2^140 ≫ float32's 3.4e38. */
function overflowCell(): Recipe {
  const r: Recipe = { l: { op: 'linear', input: ['x', 'h_prev_0'] } };
  let prev = 'l';
  for (let i = 0; i < 140; i++) {
    r[`s${i}`] = { op: 'elementwise_sum', input: [prev, prev] };
    prev = `s${i}`;
  }
  r.h_new_0 = { op: 'linear', input: [prev] };
  return r;
}
/** h_new_0 does not depend on x (nor, with zero initial state and zero biases, on anything random per example). */
const IGNORES_X: Recipe = {
  a: { op: 'linear', input: ['h_prev_0'] },
  h_new_0: { op: 'activation_tanh', input: ['a'] },
};

/** Every result: a finite value, or NaN / ±∞ with a reason; std and values consistent with it. */
function assertHonest(r: ScoreResult, repeats: number): void {
  assert.equal(r.values.length, repeats, `${r.id}: one value per repeat`);
  if (!Number.isFinite(r.value)) {
    assert.ok(typeof r.reason === 'string' && r.reason.length > 5, `${r.id} = ${r.value} without a reason`);
  }
  if (r.values.some((v) => Number.isNaN(v)))
    assert.ok(Number.isNaN(r.value) && Number.isNaN(r.std), `${r.id}: a NaN repeat makes the mean and std NaN`);
}

test('setup: cpu backend in this process', async () => {
  assert.equal((await initBackend('cpu')).name, 'cpu');
});

test('overflow: every score that reads the overflowing forward is NaN with a reason; params exact; synflow finite', async () => {
  const cell = overflowCell();
  const rep = await scoreCell(cell, settings({ repeats: 2 }));
  const by = new Map(rep.results.map((r) => [r.id, r]));
  for (const r of rep.results) assertHonest(r, 2);
  assert.equal(by.get('params')!.value, countParams(cell, SMALL));
  // These all read outputs / gradients of magnitude ~2^140: no finite value can be right.
  for (const id of [
    'zen',
    'grad_norm',
    'snip',
    'jacob_cov',
    'maedet',
    'ntk_trace',
    'ntk_cond',
    'naswot',
    'ninaswot',
    'hybrid',
  ] as const) {
    const r = by.get(id)!;
    assert.ok(!Number.isFinite(r.value), `${id} = ${r.value}: a finite number from an overflowed computation`);
  }
  assert.match(by.get('zen')!.reason!, /overflow|non-finite/);
  assert.match(by.get('grad_norm')!.reason!, /not finite/);
  assert.match(by.get('maedet')!.reason!, /overflow|non-finite/);
  assert.match(by.get('naswot')!.reason!, /no activation nodes/);
  const syn = by.get('synflow')!;
  assert.ok(Number.isFinite(syn.value) && syn.value > Math.log(3.4e38), `synflow ${syn.value} (${syn.reason})`);
});

test('overflow: jacob_cov gives the overflow as its reason, not "the output does not depend on the input"', async () => {
  const rep = await scoreCell(overflowCell(), settings({ scores: ['jacob_cov'] }));
  const r = rep.results[0];
  assert.ok(Number.isNaN(r.value));
  assert.doesNotMatch(r.reason ?? '', /does not depend on the input/);
  assert.match(r.reason ?? '', /overflow|non-finite|not finite/);
});

test('a cell whose output ignores x: zen −∞, jacob_cov / naswot / ninaswot NaN, ntk_cond +∞, each with its reason', async () => {
  for (const layers of [1, 2]) {
    const rep = await scoreCell(IGNORES_X, settings({ layers, repeats: 3 }));
    const by = new Map(rep.results.map((r) => [r.id, r]));
    for (const r of rep.results) assertHonest(r, 3);
    assert.equal(by.get('zen')!.value, -Infinity);
    assert.match(by.get('zen')!.reason!, /does not change/);
    assert.ok(Number.isNaN(by.get('jacob_cov')!.value));
    assert.match(by.get('jacob_cov')!.reason!, /constant|does not depend/);
    for (const id of ['naswot', 'ninaswot'] as const) {
      assert.ok(Number.isNaN(by.get(id)!.value));
      assert.match(by.get(id)!.reason!, /determinant is 0|share an activation code/);
    }
    // Every example has the same output, hence the same parameter gradient: Θ = g gᵀ·11ᵀ has rank 1 → κ = +∞.
    assert.equal(by.get('ntk_cond')!.value, Infinity, `ntk_cond ${by.get('ntk_cond')!.value}`);
    assert.match(by.get('ntk_cond')!.reason!, /singular/);
    // Gaussian weights with zero biases and a zero initial state keep every layer output at 0.
    assert.equal(by.get('maedet')!.value, -Infinity);
    // The gradient of the loss w.r.t. the weights is still defined (the biases and recurrence act).
    assert.ok(Number.isFinite(by.get('grad_norm')!.value) && by.get('grad_norm')!.value > 0);
  }
});

/**
 * synflow in float64, independently: R(s) = Σ_t Σ_h y_t,h of the last layer with every parameter replaced by
 * s·|θ|, input x_t = 1, batch 1, zero initial state; S = Σ θ·∂R/∂θ = dR/ds at s = 1 (central difference: R is a
 * polynomial of small degree in s for these cells, so the difference is exact to rounding).
 */
function synflowFloat64(recipe: Recipe, sizes: typeof SMALL, seed: number): number {
  const params = initParams(recipe, sizes, seed, 'uniform');
  const order = recipeInfo(recipe).order!;
  const tuple = recipeInfo(recipe).hiddenTupleSize;
  const layers = layerSizes(sizes).map((ls, l) => ({
    ...ls,
    lin: new Map(
      [...params.layers[l].linears].map(([n, p]) => [
        n,
        {
          W: p.W.map((w) => Float64Array.from(w.dataSync(), Math.abs)),
          b: Float64Array.from(p.b.dataSync(), Math.abs),
          inputs: p.inputs,
        },
      ]),
    ),
  }));
  disposeParams(params);
  const R = (s: number): number => {
    let input: Float64Array[] = Array.from({ length: sizes.seqLen }, () => new Float64Array(sizes.embed).fill(1));
    for (const L of layers) {
      const H = L.hidden;
      let state: Float64Array[] = Array.from({ length: tuple }, () => new Float64Array(H));
      const out: Float64Array[] = [];
      for (let t = 0; t < sizes.seqLen; t++) {
        const vals = new Map<string, Float64Array>();
        const get = (n: string): Float64Array =>
          n === 'x' ? input[t] : /^h_prev_\d+$/.test(n) ? state[Number(n.slice(7))] : vals.get(n)!;
        for (const n of order) {
          const spec = recipe[n];
          const xs = spec.input.map(get);
          const y = new Float64Array(H);
          if (spec.op === 'linear') {
            const p = L.lin.get(n)!;
            for (let h = 0; h < H; h++) y[h] = s * p.b[h];
            xs.forEach((a, i) => {
              const W = p.W[i];
              for (let r = 0; r < a.length; r++) for (let h = 0; h < H; h++) y[h] += a[r] * s * W[r * H + h];
            });
          } else if (spec.op === 'elementwise_sum') {
            for (const a of xs) for (let h = 0; h < H; h++) y[h] += a[h];
          } else if (spec.op === 'elementwise_prod') {
            y.fill(1);
            for (const a of xs) for (let h = 0; h < H; h++) y[h] *= a[h];
          } else if (spec.op === 'activation_tanh') {
            for (let h = 0; h < H; h++) y[h] = Math.tanh(xs[0][h]);
          } else if (spec.op === 'activation_sigm') {
            for (let h = 0; h < H; h++) y[h] = 1 / (1 + Math.exp(-xs[0][h]));
          } else throw new Error(`op ${spec.op} not in this reference`);
          vals.set(n, y);
        }
        state = state.map((_, i) => vals.get(`h_new_${i}`)!);
        out.push(state[0]);
      }
      input = out;
    }
    let sum = 0;
    for (const y of input) for (const v of y) sum += v;
    return sum;
  };
  const eps = 1e-5;
  return (R(1 + eps) - R(1 - eps)) / (2 * eps);
}

test('synflow beyond float32 is the true value: log S equals a float64 computation of Σ θ·∂R/∂θ', async (t) => {
  const cells: [string, Recipe, typeof SMALL][] = [
    ['overflowing sum chain (S ≈ e^494)', overflowCell(), SMALL],
    ['RNN (tanh), 2 layers', RNN, SMALL],
    [
      'linear + product chain, 1 layer',
      {
        a: { op: 'linear', input: ['x', 'h_prev_0'] },
        p: { op: 'elementwise_prod', input: ['a', 'a', 'a'] },
        h_new_0: { op: 'elementwise_sum', input: ['p', 'h_prev_0'] },
      },
      { ...SMALL, layers: 1 },
    ],
  ];
  for (const [name, cell, sizes] of cells) {
    // The engine builds the network from the canonical cell (its parameter draw order).
    const S = synflowFloat64(canonicalCell(cell)!.recipe, sizes, 0);
    assert.ok(Number.isFinite(S) && S > 0, `${name}: float64 reference S = ${S}`);
    const rep = await scoreCell(cell, settings({ ...sizes, scores: ['synflow'] }));
    const got = rep.results[0];
    assert.ok(Number.isFinite(got.value), `${name}: ${got.value} (${got.reason})`);
    assert.ok(
      Math.abs(got.value - Math.log(S)) < 1e-4 * Math.max(1, Math.abs(Math.log(S))),
      `${name}: synflow ${got.value} vs float64 log S ${Math.log(S)}`,
    );
    t.diagnostic(`${name}: synflow ${got.value.toFixed(6)}, float64 log S ${Math.log(S).toFixed(6)}`);
  }
});
