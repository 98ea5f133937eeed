/**
 * One cell on every core (issue 14 §1): the default scores of the example RNN, LSTM and GRU at the full
 * NAS-Bench-NLP size, measured side by side in one run, the modes interleaved run by run so that the load of the
 * machine falls on all of them alike:
 *   - `before`:    one scoring process, one thread, the JavaScript float64 Gram kernel, WebAssembly matrix products
 *                  (the engine before issue 14);
 *   - `wasmOneCore`: one process, one thread, the WebAssembly SIMD Gram kernel (model/gram.wat), WebAssembly products;
 *   - `oneCore`:   the same with the native float32 matrix products (native/, model/nativeMatMul) when built;
 *   - `threads`:   one scoring process whose float64 Gram matrices use every core (model/gram), native products;
 *   - `split`:     the cell split over two processes (pool `split`: LM-pass scores | own-pass scores), Gram threads
 *                  and native products on;
 *   - `splitWasm`: the same split with WebAssembly products.
 * Every mode must give bit-identical values (checked; `identical` in the results).
 *
 * Also, in this process on the same backend: FLOPs per part of the computation (matrix products counted from their
 * shapes by wrapping the backend's MatMul kernels, float64 Grams by model/flops) and the achieved GFLOP/s of each
 * part (one thread), beside a native single-thread sgemm (numpy/OpenBLAS, when python3 has numpy) measured in the
 * same run, so the distance to the machine's limit is on record. Writes bench/results/single-cell.json.
 *   npx tsx bench/single-cell.ts        (needs `npm run build` for dist/worker.js; BENCH_RUNS runs per mode, default 3; BENCH_CELLS=LSTM,GRU for some cells)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/scoring/backends';
import { scoreCell } from '../src/scoring/engine';
import { ScoringPool } from '../src/process/pool';
import { flopCounter } from '../src/scoring/model/flops';
import { gram, setGramKernel, setGramThreads } from '../src/scoring/model/gram';
import { loadNativeKernels, patchWasmMatMul, unpatchWasmMatMul } from '../src/scoring/model/nativeMatMul';
import { makeRng } from '../src/scoring/rng';
import {
  DEFAULT_SCORE_IDS,
  DEFAULT_SIZES,
  ENGINE_VERSION,
  type ScoreReport,
  type ScoreSettings,
} from '../src/scoring/types';
import type { Recipe } from '../src/recipe/types';
import { machineInfo, median, r2 } from './machine';

const ROOT = join(__dirname, '..');
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Native single-thread sgemm rate (GFLOP/s) of numpy on [560,600]·[600,2400] float32 (the LM pass's largest products). */
function nativeSgemm(): { gflops: number | null; shape: string; library: string; note?: string } {
  const code = `
import time, numpy as np
a = np.random.rand(560, 600).astype(np.float32); b = np.random.rand(600, 2400).astype(np.float32)
best = 1e9
for _ in range(7):
    t = time.perf_counter()
    for _ in range(5): a @ b
    best = min(best, (time.perf_counter() - t) / 5)
cfg = 'numpy ' + np.__version__
try:
    import numpy.__config__ as c; info = c.CONFIG['Build Dependencies']['blas']; cfg += ' / ' + info['name'] + ' ' + str(info.get('version', ''))
except Exception: pass
print(2 * 560 * 600 * 2400 / best / 1e9); print(cfg)`;
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', env, timeout: 120_000 });
  if (r.status !== 0)
    return {
      gflops: null,
      shape: '560x600 · 600x2400',
      library: 'numpy',
      note: `unavailable: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`,
    };
  const [g, lib] = r.stdout.trim().split('\n');
  return { gflops: r2(Number(g)), shape: '560x600 · 600x2400 float32, 1 thread', library: lib };
}

/** Counts 2·batch·M·N·K for every matrix product the backend runs (wrapping its MatMul kernels). */
function countMatMuls(backend: string): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const k = tf.getKernel(name, backend);
    if (!k) continue;
    tf.unregisterKernel(name, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
        const ra = a.shape.length,
          rb = b.shape.length;
        const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
        const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
        const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
        const batch = Math.max(
          a.shape.slice(0, -2).reduce((x, y) => x * y, 1),
          b.shape.slice(0, -2).reduce((x, y) => x * y, 1),
        );
        if (flopCounter.enabled)
          flopCounter.byPart[flopCounter.part] = (flopCounter.byPart[flopCounter.part] ?? 0) + 2 * batch * M * N * K;
        return k.kernelFunc(args);
      },
    });
  }
}

const valuesOf = (r: ScoreReport) => JSON.stringify(r.results.map((x) => [x.id, x.values.map(String)]));

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  const examples = JSON.parse(
    readFileSync(join(ROOT, '../shared/nas-bench-nlp/recepies_example.json'), 'utf8'),
  ) as Recipe[];
  const only = process.env.BENCH_CELLS?.split(',');
  const cells = (
    [
      ['RNN', examples[0]],
      ['LSTM', examples[1]],
      ['GRU', examples[2]],
    ] as [string, Recipe][]
  ).filter(([n]) => !only || only.includes(n));
  const settings = (seed: number): ScoreSettings => ({
    ...DEFAULT_SIZES,
    scores: [...DEFAULT_SCORE_IDS],
    seed,
    repeats: 1,
    backend: 'wasm',
  });
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const sgemm = nativeSgemm();
  console.log(`native sgemm: ${sgemm.gflops ?? sgemm.note} GFLOP/s (${sgemm.library})`);

  // FLOPs and one-thread rates per part, in this process.
  const init = await initBackend('wasm');
  countMatMuls(tf.getBackend());
  setGramThreads(0);
  const flops: Record<string, unknown> = {};
  for (const [name, recipe] of cells) {
    flopCounter.enabled = true;
    flopCounter.byPart = {};
    const rep = await scoreCell(recipe, settings(0));
    flopCounter.enabled = false;
    const parts: Record<string, { gflop: number; ms: number; gflops: number }> = {};
    for (const [part, f] of Object.entries(flopCounter.byPart)) {
      const ms = rep.passMs?.[part];
      if (!ms || f < 1e6) continue;
      parts[part] = { gflop: r2(f / 1e9), ms: r1(ms), gflops: r2(f / 1e9 / (ms / 1000)) };
    }
    const total = Object.values(flopCounter.byPart).reduce((a, b) => a + b, 0);
    flops[name] = { totalGflop: r2(total / 1e9), totalMs: r1(rep.totalMs), parts };
    console.log(
      `${name}: ${r2(total / 1e9)} GFLOP in ${Math.round(rep.totalMs)} ms; ` +
        Object.entries(parts)
          .map(([k, v]) => `${k} ${v.gflops} GFLOP/s`)
          .join(', '),
    );
  }

  // The Gram kernels alone on the two largest shapes of a full-size score (NTK: T·B = 560 rows of a 2400-wide
  // output gradient, float32; hidden covariance: 600 units over 3500 samples, float64): best of 3.
  const gramKernels: Record<string, Record<string, { ms: number; gflops: number }>> = {};
  for (const [label, n, len, f32] of [
    ['ntk 560x2400 f32', 560, 2400, true],
    ['hidden_cov 600x3500 f64', 600, 3500, false],
  ] as const) {
    const v = makeRng(1, 1).normalArray(n * len, 1);
    const R = f32 ? Float32Array.from(v) : Float64Array.from(v);
    gramKernels[label] = {};
    for (const [mode, k, threads] of [
      ['js', 'js', 0],
      ['wasm', 'wasm', 0],
      ['wasmThreads', 'wasm', cores - 1],
    ] as const) {
      setGramKernel(k);
      setGramThreads(threads);
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        gram(R, n, len);
        best = Math.min(best, performance.now() - t0);
      }
      gramKernels[label][mode] = { ms: r1(best), gflops: r2((n * n * len) / best / 1e6) };
    }
    setGramKernel('wasm');
    setGramThreads(0);
    console.log(
      `gram ${label}: ` +
        Object.entries(gramKernels[label])
          .map(([k, x]) => `${k} ${x.ms} ms (${x.gflops} GFLOP/s)`)
          .join(', '),
    );
  }

  // The float32 matrix products alone, on the shapes that take most of a full-size score's product time:
  // tfjs-backend-wasm's own kernel (XNNPACK, WebAssembly SIMD) and the native one (same bits), one thread.
  const matMulKernels: Record<string, Record<string, { ms: number; gflops: number }>> = {};
  const native = loadNativeKernels();
  for (const [m, k, n] of [
    [32, 600, 600],
    [16, 600, 600],
    [3500, 400, 600],
    [1120, 600, 600],
    [600, 560, 2400],
  ] as const) {
    const label = `${m}x${k}x${n}`;
    matMulKernels[label] = {};
    const a = tf.randomNormal<tf.Rank.R2>([m, k], 0, 1, 'float32', 1),
      b = tf.randomNormal<tf.Rank.R2>([k, n], 0, 1, 'float32', 2);
    for (const mode of ['wasm', 'native'] as const) {
      if (mode === 'native') {
        if (!native.kernels) continue;
        patchWasmMatMul(native.kernels);
      } else unpatchWasmMatMul();
      const reps = Math.max(3, Math.round(2e9 / (2 * m * k * n)));
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) tf.matMul(a, b).dispose();
        best = Math.min(best, (performance.now() - t0) / reps);
      }
      matMulKernels[label][mode] = { ms: r2(best), gflops: r2((2 * m * k * n) / best / 1e6) };
    }
    a.dispose();
    b.dispose();
    console.log(
      `matMul ${label}: ` +
        Object.entries(matMulKernels[label])
          .map(([x, v]) => `${x} ${v.ms} ms (${v.gflops} GFLOP/s)`)
          .join(', '),
    );
  }
  if (native.kernels) patchWasmMatMul(native.kernels);

  // Wall times of the modes, interleaved.
  const base = {
    workerPath: join(ROOT, 'dist', 'worker.js'),
    backend: 'wasm' as const,
    idleStopMs: 0,
    timeoutMs: 600_000,
  };
  const modes: {
    name: string;
    workers: number;
    split: boolean;
    threads: boolean;
    jsGram?: boolean;
    wasmMatMul?: boolean;
  }[] = [
    { name: 'before', workers: 1, split: false, threads: false, jsGram: true, wasmMatMul: true },
    { name: 'wasmOneCore', workers: 1, split: false, threads: false, wasmMatMul: true },
    { name: 'oneCore', workers: 1, split: false, threads: false },
    { name: 'threads', workers: 1, split: false, threads: true },
    { name: 'split', workers: 2, split: true, threads: true },
    { name: 'splitWasm', workers: 2, split: true, threads: true, wasmMatMul: true },
  ];
  const pools = new Map(
    modes.map((m) => [
      m.name,
      new ScoringPool({
        ...base,
        workers: m.workers,
        split: m.split,
        env: {
          CELL_LENS_GRAM_THREADS: m.threads ? String(cores - 1) : '0',
          ...(m.jsGram ? { CELL_LENS_GRAM_KERNEL: 'js' } : {}),
          ...(m.wasmMatMul ? { CELL_LENS_NATIVE: '0' } : {}),
        },
      }),
    ]),
  );
  const walls: Record<string, Record<string, number[]>> = {};
  const identical: Record<string, boolean> = {};
  // Warm-up: start every process and its backend (not timed).
  for (const m of modes)
    await pools
      .get(m.name)!
      .score(cells[0][1], { ...settings(99), hidden: 16, embed: 16, vocab: 100, seqLen: 4, batch: 4 });
  for (const [name, recipe] of cells) {
    walls[name] = {};
    for (let r = 0; r < runs; r++) {
      let ref: string | undefined;
      for (const m of modes) {
        const t0 = performance.now();
        const rep = await pools.get(m.name)!.score(recipe, settings(r));
        const ms = performance.now() - t0;
        (walls[name][m.name] ??= []).push(ms);
        const v = valuesOf(rep);
        ref ??= v;
        identical[name] = (identical[name] ?? true) && v === ref;
        console.log(`${name} run ${r} ${m.name}: ${Math.round(ms)} ms`);
      }
    }
  }
  for (const p of pools.values()) p.dispose();
  const perCell = Object.fromEntries(
    Object.entries(walls).map(([cell, w]) => {
      const med = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, r1(median(v))]));
      return [
        cell,
        {
          wallMsMedian: med,
          wallMsRuns: Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.map(r1)])),
          ratioToBefore: Object.fromEntries(Object.entries(med).map(([k, v]) => [k, r2(v / med.before)])),
          identicalValues: identical[cell],
        },
      ];
    }),
  );
  const out = {
    date: new Date().toISOString(),
    engineVersion: ENGINE_VERSION,
    machine: machineInfo(),
    backend: init.description,
    sizes: DEFAULT_SIZES,
    scores: DEFAULT_SCORE_IDS,
    runs,
    note: "Wall ms of client.score per cell (process already started), modes interleaved run by run. before = one process, one thread, the JavaScript float64 Gram kernel, WebAssembly matrix products (the engine before issue 14); wasmOneCore = one process, one thread, the WebAssembly SIMD Gram kernel, WebAssembly products; oneCore = the same with native float32 products (native/, same bits); threads = one process with float64 Gram threads, native products; split = the cell split over two processes (LM-pass scores | Gaussian/synflow/hidden scores) with Gram threads and native products; splitWasm = that split with WebAssembly products. matMulKernels: tfjs-backend-wasm's own kernel and the native one on the largest product shapes, one thread, best of 3. GFLOP/s per part: FLOPs of matrix products (from their shapes) and float64 Grams (n²·len) over the part's time, one thread, element-wise work not counted. gramKernels: the two largest Gram shapes of a full-size score, each kernel, one thread and all cores.",
    nativeSgemm: sgemm,
    nativeMatMul: native.kernels
      ? { loaded: native.path.replace(ROOT, '.'), avx2: native.kernels.avx() }
      : { loaded: false, reason: native.reason },
    matMulKernels,
    perCell,
    flopsPerPart: flops,
    gramKernels,
  };
  writeFileSync(join(__dirname, 'results', 'single-cell.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(perCell, null, 1));
}
void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
