/**
 * PyTorch reference benchmark: the same NAS-Bench-NLP language model and scores in PyTorch
 * (bench/reference/nasbench_nlp_scores.py, CPU, 2 threads) against Cell Lens's TF.js engine in this process
 * (`scoreCell` on the wasm backend, as bench/scoring.ts), for the RNN, LSTM and GRU of
 * ../shared/nas-bench-nlp/recepies_example.json at the small and the NAS-Bench-NLP (default) sizes.
 *
 * Writes bench/results/reference.json:
 *  - time: per score, ms per seed on each side (a pass's time split equally among the requested scores that read
 *    it, as the engine's wallMs) and the ratio tfjs / PyTorch (> 1: TF.js is slower);
 *  - values: the two frameworks cannot draw the same random numbers, so the same seed gives different networks
 *    and data; what is compared is the distribution over seeds: mean and sample standard deviation of each score
 *    over the seeds on each side, whether the ±2 sd intervals overlap, the relative difference of the means and
 *    Welch's t of the means.
 * Without PyTorch it prints "PyTorch not found: reference skipped (apt install python3-torch)" and writes
 * {"skipped": "..."}.
 *
 * Run: npx tsx bench/reference.ts   (env REFERENCE_SIZES=small,default  REFERENCE_SEEDS=5  PYTHON=/path/to/python3)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/scoring/backends';
import { scoreCell } from '../src/scoring/engine';
import { DEFAULT_SIZES, type ModelSizes, type ScoreId } from '../src/scoring/types';
import { SIZE_PRESETS } from '../src/scoring/presets';
import type { Recipe } from '../src/recipe/types';

const SCRIPT = join(__dirname, 'reference', 'nasbench_nlp_scores.py');
const OUT = join(__dirname, 'results', 'reference.json');
const SCORES: ScoreId[] = ['grad_norm', 'snip', 'naswot', 'zen', 'maedet', 'ntk_trace'];
const SIZES: Record<string, ModelSizes> = {
  small: SIZE_PRESETS.proxy,
  default: DEFAULT_SIZES,
};
const TORCH_THREADS = 2;

/**
 * Environment of the Python process. Debian's python3-torch links the generic libblas.so.3, which is the slow
 * reference BLAS unless an optimised one is selected; when OpenBLAS is installed (libopenblas0-pthread) it is used
 * for this process only (the system-wide choice is left alone). The BLAS actually loaded is recorded in the output.
 */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: String(TORCH_THREADS),
    OPENBLAS_NUM_THREADS: String(TORCH_THREADS),
  };
  const dir = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  if (process.platform === 'linux' && existsSync(join(dir, 'libblas.so.3')))
    env.LD_LIBRARY_PATH = [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return env;
}

/** A python3 that can `import torch`, or the reasons none could. */
function findPython(): { python?: string; version?: string; tried: string[] } {
  const tried: string[] = [];
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3', 'python'].filter((c): c is string => !!c);
  for (const c of [...new Set(candidates)]) {
    const r = spawnSync(c, ['-c', 'import torch, sys; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: pythonEnv(),
    });
    if (r.status === 0) return { python: c, version: r.stdout.trim(), tried };
    tried.push(`${c}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { tried };
}

interface Dist {
  n: number;
  nonFinite: number;
  mean: number;
  sd: number;
  lo: number;
  hi: number;
  values: (number | string)[];
}

const toNum = (v: number | string): number =>
  typeof v === 'number' ? v : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : NaN;
const json = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

function dist(values: (number | string)[]): Dist {
  const xs = values.map(toNum).filter(Number.isFinite);
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : NaN;
  return { n, nonFinite: values.length - n, mean, sd, lo: mean - 2 * sd, hi: mean + 2 * sd, values };
}

function compare(a: Dist, b: Dist) {
  const overlap = a.n > 0 && b.n > 0 ? Math.max(a.lo, b.lo) <= Math.min(a.hi, b.hi) : null;
  const relDiff = a.n && b.n ? Math.abs(a.mean - b.mean) / Math.max(Math.abs(a.mean), Math.abs(b.mean), 1e-300) : NaN;
  const se = Math.sqrt((a.n > 1 ? a.sd ** 2 / a.n : 0) + (b.n > 1 ? b.sd ** 2 / b.n : 0));
  const welchT = se > 0 ? (a.mean - b.mean) / se : NaN;
  return { intervalsOverlap: overlap, relDiffOfMeans: json(relDiff), welchT: json(welchT) };
}

const round = (x: number, d = 3) => (Number.isFinite(x) ? Number(x.toFixed(d)) : json(x));

async function main(): Promise<void> {
  const found = findPython();
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  if (!found.python) {
    const msg = 'PyTorch not found: reference skipped (apt install python3-torch)';
    console.log(msg);
    for (const t of found.tried) console.log(`  ${t}`);
    writeFileSync(OUT, JSON.stringify({ skipped: msg, tried: found.tried }, null, 2) + '\n');
    return;
  }
  const sizeNames = (process.env.REFERENCE_SIZES ?? 'small,default').split(',').filter((s) => s in SIZES);
  const nSeeds = Math.max(2, Number(process.env.REFERENCE_SEEDS ?? 5));
  const seeds = Array.from({ length: nSeeds }, (_, i) => i);
  const examples = JSON.parse(
    readFileSync(join(__dirname, '../../shared/nas-bench-nlp/recepies_example.json'), 'utf8'),
  ) as Recipe[];
  const cells: [string, Recipe][] = [
    ['RNN', examples[0]],
    ['LSTM', examples[1]],
    ['GRU', examples[2]],
  ];
  const load0 = os.loadavg()[0];
  const init = await initBackend('wasm');
  console.log(
    `PyTorch ${found.version} (${found.python}, ${TORCH_THREADS} threads) vs TF.js ${init.description}; seeds ${seeds.join(',')}; scores ${SCORES.join(', ')}`,
  );
  const tmp = mkdtempSync(join(os.tmpdir(), 'cell-lens-reference-'));
  const rows: unknown[] = [];
  let blas: string[] = [];
  try {
    for (const sizeName of sizeNames) {
      const s = SIZES[sizeName];
      for (const [cellName, recipe] of cells) {
        // PyTorch (a warm-up run first, untimed).
        const file = join(tmp, `${cellName}.json`);
        writeFileSync(file, JSON.stringify(recipe));
        const args = [
          SCRIPT,
          file,
          '--vocab',
          String(s.vocab),
          '--embed',
          String(s.embed),
          '--hidden',
          String(s.hidden),
          '--layers',
          String(s.layers),
          '--seq',
          String(s.seqLen),
          '--batch',
          String(s.batch),
          '--seeds',
          seeds.join(','),
          '--threads',
          String(TORCH_THREADS),
          '--scores',
          SCORES.join(','),
          '--warmup',
          '1',
        ];
        const r = spawnSync(found.python, args, {
          encoding: 'utf8',
          timeout: 60 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
          env: pythonEnv(),
        });
        if (r.status !== 0) throw new Error(`${found.python} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
        const torch = JSON.parse(r.stdout) as {
          values: Record<string, (number | string)[]>;
          scoreMsPerSeed: Record<string, number>;
          passMsPerSeed: Record<string, number>;
          threads: number;
          blas: string[];
        };
        blas = torch.blas;
        // TF.js in this process: a warm-up run, then all seeds as repeats (values per seed, wallMs summed over seeds).
        const settings = { ...s, scores: SCORES, backend: 'wasm' as const };
        await scoreCell(recipe, { ...settings, seed: 1_000_000, repeats: 1 });
        const rep = await scoreCell(recipe, { ...settings, seed: seeds[0], repeats: seeds.length });
        const scores: Record<string, unknown> = {};
        for (const id of SCORES) {
          const res = rep.results.find((x) => x.id === id)!;
          const tfMs = res.wallMs / seeds.length;
          const ptMs = torch.scoreMsPerSeed[id];
          const a = dist(res.values.map(json)),
            b = dist(torch.values[id]);
          scores[id] = {
            msPerSeed: { tfjs: round(tfMs, 1), pytorch: round(ptMs, 1) },
            timeRatioTfjsOverPytorch: round(tfMs / ptMs, 2),
            tfjs: { mean: json(a.mean), sd: json(a.sd), nonFinite: a.nonFinite, values: a.values },
            pytorch: { mean: json(b.mean), sd: json(b.sd), nonFinite: b.nonFinite, values: b.values },
            ...compare(a, b),
          };
        }
        const row = {
          size: sizeName,
          sizes: s,
          cell: cellName,
          seeds,
          scores,
          pytorchPassMsPerSeed: torch.passMsPerSeed,
        };
        rows.push(row);
        const line = SCORES.map((id) => {
          const x = scores[id] as { timeRatioTfjsOverPytorch: number; intervalsOverlap: boolean | null };
          return `${id} ×${x.timeRatioTfjsOverPytorch} ${x.intervalsOverlap === null ? 'n/a' : x.intervalsOverlap ? 'overlap' : 'DIFFER'}`;
        }).join(' | ');
        console.log(`${sizeName} ${cellName}: ${line}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Summary: geometric mean of the time ratios per score and size; how many comparisons overlap.
  const summary: Record<string, unknown> = {};
  for (const sizeName of sizeNames) {
    const mine = rows.filter((r) => (r as { size: string }).size === sizeName) as {
      scores: Record<string, { timeRatioTfjsOverPytorch: number; intervalsOverlap: boolean | null }>;
    }[];
    const ratios: Record<string, number | string> = {};
    for (const id of SCORES) {
      const rs = mine
        .map((r) => r.scores[id].timeRatioTfjsOverPytorch)
        .filter((x): x is number => typeof x === 'number' && x > 0);
      ratios[id] = round(Math.exp(rs.reduce((a, x) => a + Math.log(x), 0) / rs.length), 2);
    }
    const all = mine.flatMap((r) => SCORES.map((id) => r.scores[id].intervalsOverlap));
    summary[sizeName] = {
      timeRatioGeoMeanTfjsOverPytorch: ratios,
      intervalsOverlap: `${all.filter((x) => x === true).length} of ${all.filter((x) => x !== null).length}`,
    };
  }
  writeFileSync(
    OUT,
    JSON.stringify(
      {
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          node: process.version,
          platform: process.platform,
          loadAverage1m: { start: round(load0, 2), end: round(os.loadavg()[0], 2) },
        },
        tfjs: init.description,
        pytorch: `PyTorch ${found.version}, CPU, ${TORCH_THREADS} threads (${found.python})`,
        pytorchBlas: blas,
        scores: SCORES,
        compared:
          'Times: ms per seed per score on each side (a pass split equally among the requested scores reading it), after one untimed warm-up run; ratio = tfjs / PyTorch. ' +
          'Values: the frameworks draw different random numbers, so per seed the networks differ; compared are the distributions over the seeds — mean and sample sd on each side, ' +
          "whether the intervals mean ± 2 sd overlap, the relative difference of the means and Welch's t. NaN / ±Infinity values are counted (nonFinite) and left out of mean and sd. " +
          'Both get ntk_trace from one backward: PyTorch through per-example copies of the parameters, the TF.js engine via Gram matrices of the per-step inputs and output gradients.',
        summary,
        results: rows,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`summary: ${JSON.stringify(summary)}`);
  console.log(`wrote ${OUT}`);
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
