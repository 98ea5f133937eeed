/**
 * A large benchmark: a synthetic zip of 14,000 realistic PTB training logs (the size of NAS-Bench-NLP's PTB set,
 * made by testkit/synthetic-logs.ts and cached in the temp folder), loaded the three ways Cell Lens can:
 *   - sync:    `loadBenchmarkIndex` on the calling thread (the CLI),
 *   - workers: `loadBenchmarkIndexInBackground` on worker threads (the editor; the worker bundled as in dist/),
 *   - slices:  the same on the calling thread in slices (the editor's fallback without a worker).
 * Each scenario runs in a fresh process, from bundles built as scripts/build.mjs builds dist/: wall time, CPU time of the process (all threads), peak RSS of the process
 * (all threads), peak heap of the main thread (sampled; not for sync, whose thread is busy throughout: its heap
 * after the load instead), and the longest pause of the main thread's event loop. Then the lookup time per hash
 * in the 14k index, beside the bundled WikiText-2 index. Goals: index build ≤ 5 s, ≤ 500 MB.
 * Run: `npx tsx bench/benchmark-large.ts [repetitions=2] [logs=14000]` (under `flock /tmp/cell-lens-heavy.lock`);
 * writes bench/results/benchmark-large.json.
 * With `--candidate NAME=REV` (repeatable) it compares loaders instead: the scenarios also run from the `src` of
 * commit REV (`git archive`, bundled the same way), interleaved with the shipped code run by run, and the numbers go
 * to bench/results/zip-readers.json (`loadScenarios`; e.g. `--candidate fflate-stream=0f7ee77`, the zip read by
 * fflate's streaming Unzip with Node's zlib as its decoder); benchmark-large.json is left as it is.
 */
import { execSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BuildOptions } from 'esbuild';
import { defaultWorkerCount, loadBenchmarkIndexInBackground } from '../src/benchmark/background';
import { loadPrebuiltIndex } from '../src/benchmark/compact';
import type { BenchmarkIndex } from '../src/benchmark/index';
import { loadBenchmarkIndex } from '../src/benchmark/load';
import { syntheticZip } from '../testkit/synthetic-logs';

const root = join(__dirname, '..'); // (only used unbundled: the bundled runner is given every path it needs)
const tmp = join(os.tmpdir(), 'cell-lens-bench');
const GOAL_MS = 5000;
const GOAL_MB = 500;
const MB = 2 ** 20;

interface ScenarioResult {
  scenario: string;
  wallMs: number;
  cpuMs: number;
  peakRssMB: number;
  heapMB: { peak?: number; afterLoad: number };
  maxLoopGapMs?: number;
  workers: number;
  logs: number;
  runs: number;
  entries: number;
  lookup?: {
    byHashUs: number;
    byRecipeUs: number;
    hashes: number;
    bundled: { loadMs: number; byHashUs: number; hashes: number };
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const r1 = (x: number) => Math.round(x * 10) / 10;

/** One scenario, in this (fresh) process. */
async function scenario(
  name: string,
  zip: string,
  workerScript: string,
  bundledIndex: string,
): Promise<ScenarioResult> {
  let maxGap = 0,
    peakHeap = 0,
    last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 5);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let index: BenchmarkIndex;
  let workers = 0;
  let logs: number;
  if (name === 'sync') {
    index = await loadBenchmarkIndex([{ path: zip }], { prebuilt: false });
    logs = index.runs().length;
  } else {
    const r = await loadBenchmarkIndexInBackground([{ path: zip }], {
      prebuilt: false,
      workers: name === 'workers' ? defaultWorkerCount() : 0,
      workerScript,
    });
    if (r.fallback) throw new Error(r.fallback);
    index = r.index;
    workers = r.workers;
    logs = r.logs;
  }
  const wallMs = performance.now() - t0;
  maxGap = Math.max(maxGap, performance.now() - last);
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  (globalThis as { gc?: () => void }).gc?.();
  const afterLoad = process.memoryUsage().heapUsed;
  const result: ScenarioResult = {
    scenario: name,
    wallMs: r1(wallMs),
    cpuMs: r1((cpu.user + cpu.system) / 1000),
    peakRssMB: r1((process.resourceUsage().maxRSS * 1024) / MB),
    heapMB: { ...(name === 'sync' ? {} : { peak: r1(peakHeap / MB) }), afterLoad: r1(afterLoad / MB) },
    ...(name === 'sync' ? {} : { maxLoopGapMs: r1(maxGap) }),
    workers,
    logs,
    runs: index.runs().length,
    entries: index.entryCount,
  };
  if (name === 'sync') {
    // Lookup per hash over every cell (one lookup is too fast to time alone), and with the canonical hash of the recipe.
    const entries = index.entries('PTB');
    const hashes = entries.map((e) => e.hash);
    const t = performance.now();
    for (let k = 0; k < 5; k++) for (const h of hashes) index.lookup(h);
    const byHashUs = ((performance.now() - t) / (5 * hashes.length)) * 1000;
    const recipes = entries
      .slice(0, 1000)
      .map((e) => JSON.parse(e.recipe) as Record<string, { op: string; input: string[] }>);
    const t2 = performance.now();
    for (const r of recipes) index.lookupRecipe(r);
    const byRecipeUs = ((performance.now() - t2) / recipes.length) * 1000;
    const t3 = performance.now();
    const bundled = loadPrebuiltIndex(bundledIndex);
    if (bundled.warnings.length) throw new Error(bundled.warnings[0].message);
    const loadMs = performance.now() - t3;
    const bh = bundled.entries('WikiText-2').map((e) => e.hash);
    const t4 = performance.now();
    for (let k = 0; k < 50; k++) for (const h of bh) bundled.lookup(h);
    result.lookup = {
      byHashUs: Math.round(byHashUs * 100) / 100,
      byRecipeUs: r1(byRecipeUs),
      hashes: hashes.length,
      bundled: {
        loadMs: r1(loadMs),
        byHashUs: Math.round(((performance.now() - t4) / (50 * bh.length)) * 1000 * 100) / 100,
        hashes: bh.length,
      },
    };
  }
  return result;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--scenario') {
    const r = await scenario(args[1], args[2], args[3], args[4]);
    process.stdout.write(`\nRESULT ${JSON.stringify(r)}\n`);
    process.exit(0); // the workers are gone; do not wait for stray handles
  }
  const candidates = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--candidate') positional.push(args[i]);
    else {
      const [name, rev] = args[++i].split('=');
      candidates.set(name, rev);
    }
  }
  const reps = Math.max(1, Number(positional[0] ?? 2) || 2);
  const logs = Math.max(100, Number(positional[1] ?? 14000) || 14000);
  mkdirSync(tmp, { recursive: true });

  // The synthetic zip (cached: generating 14k distinct cells takes about a minute).
  const zip = join(tmp, `ptb-synthetic-${logs}-seed1.zip`);
  let generateMs: number | undefined;
  if (!existsSync(zip)) {
    const t = performance.now();
    const s = syntheticZip({ logs, seed: 1 });
    generateMs = performance.now() - t;
    writeFileSync(zip, s.zip);
    console.log(`generated ${zip}: ${s.cells.length} cells, ${logs} logs in ${(generateMs / 1000).toFixed(1)} s`);
  }
  // The code as it ships: the worker bundled as scripts/build.mjs bundles dist/benchmarkWorker.js, and the
  // scenarios (this file) bundled the same way, as the loader is inside dist/extension.js and dist/cli.js.
  const esbuild = await import('esbuild');
  const bundle: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'warning',
    external: ['esbuild'],
  };
  // The shipped code, and each candidate's src beside a copy of this file (so that its imports of ../src resolve there).
  const trees = new Map<string, string>([['shipped', root]]);
  for (const [name, rev] of candidates) {
    const tree = mkdtempSync(join(os.tmpdir(), 'cl-large-candidate-'));
    execSync(`git archive ${rev} src | tar -x -C ${tree}`, { cwd: root });
    mkdirSync(join(tree, 'bench'));
    writeFileSync(join(tree, 'bench', 'benchmark-large.ts'), readFileSync(__filename));
    symlinkSync(join(root, 'testkit'), join(tree, 'testkit'));
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
    trees.set(name, tree);
  }
  const bundles = new Map<string, { workerScript: string; runner: string }>();
  for (const [name, tree] of trees) {
    const suffix = name === 'shipped' ? '' : `-${name}`;
    const workerScript = join(tmp, `benchmarkWorker${suffix}.js`);
    const runner = join(tmp, `benchmark-large${suffix}.js`);
    await esbuild.build({ ...bundle, entryPoints: [join(tree, 'src/benchmark/worker.ts')], outfile: workerScript });
    await esbuild.build({ ...bundle, entryPoints: [join(tree, 'bench/benchmark-large.ts')], outfile: runner });
    bundles.set(name, { workerScript, runner });
  }
  for (const [name, tree] of trees) if (name !== 'shipped') rmSync(tree, { recursive: true, force: true });

  const all: (ScenarioResult & { loader: string })[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const name of ['sync', 'workers', 'slices']) {
      for (const [loader, { workerScript, runner }] of bundles) {
        const p = spawnSync(
          process.execPath,
          ['--expose-gc', runner, '--scenario', name, zip, workerScript, join(root, 'data', 'wikitext-2.index.json')],
          { cwd: root, encoding: 'utf8', maxBuffer: 64 * MB },
        );
        const line = p.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (p.status !== 0 || !line) throw new Error(`scenario ${name} failed (${p.status}): ${p.stderr.slice(-2000)}`);
        const r = { ...(JSON.parse(line.slice(7)) as ScenarioResult), loader };
        all.push(r);
        console.log(
          `${candidates.size > 0 ? `${loader} ` : ''}${name} #${rep + 1}: ${(r.wallMs / 1000).toFixed(2)} s wall, ` +
            `${(r.cpuMs / 1000).toFixed(2)} s CPU, peak RSS ${r.peakRssMB} MB` +
            `${r.maxLoopGapMs !== undefined ? `, longest event-loop pause ${r.maxLoopGapMs} ms` : ''} (load average ${os.loadavg()[0].toFixed(1)})`,
        );
      }
    }
  }
  const summary = (name: string, loader = 'shipped') => {
    const rs = all.filter((r) => r.scenario === name && r.loader === loader);
    const wall = rs.map((r) => r.wallMs);
    return {
      wallMs: { median: r1(median(wall)), min: Math.min(...wall), max: Math.max(...wall) },
      cpuMs: { median: r1(median(rs.map((r) => r.cpuMs))) },
      peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)),
      heapMB:
        rs[0].heapMB.peak !== undefined
          ? {
              peak: Math.max(...rs.map((r) => r.heapMB.peak ?? 0)),
              afterLoad: Math.max(...rs.map((r) => r.heapMB.afterLoad)),
            }
          : { afterLoad: Math.max(...rs.map((r) => r.heapMB.afterLoad)) },
      ...(rs[0].maxLoopGapMs !== undefined ? { maxLoopGapMs: Math.max(...rs.map((r) => r.maxLoopGapMs ?? 0)) } : {}),
      workers: rs[0].workers,
      goalsMet: { buildMs: median(wall) <= GOAL_MS, memory: Math.max(...rs.map((r) => r.peakRssMB)) <= GOAL_MB },
    };
  };
  const first = all[0];
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    loadAverageAtEnd: os.loadavg().map(r1),
    note: 'shared machine: other jobs ran at the same time (see loadAverageAtEnd); each scenario in a fresh process; the zip is read from the page cache',
    data: {
      logs,
      cells: first.entries,
      zipBytes: statSync(zip).size,
      ...(generateMs !== undefined ? { generateMs: r1(generateMs) } : {}),
    },
    goals: { buildMs: GOAL_MS, peakRssMB: GOAL_MB },
    repetitions: reps,
    sync: summary('sync'),
    workers: summary('workers'),
    slices: summary('slices'),
    lookup: first.lookup,
    runs: all.map(({ loader: _, ...r }) => r),
  };
  if (candidates.size > 0) {
    const out = join(root, 'bench', 'results', 'zip-readers.json');
    const former = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
    const loaders = Object.fromEntries(
      [...bundles.keys()].map((loader) => [
        loader,
        {
          ...(loader === 'shipped' ? {} : { commit: candidates.get(loader) }),
          sync: summary('sync', loader),
          workers: summary('workers', loader),
          slices: summary('slices', loader),
        },
      ]),
    );
    const { date, node, cpu, cores, loadAverageAtEnd, note, data, repetitions } = result;
    const loadScenarios = { date, node, cpu, cores, loadAverageAtEnd, note, data, repetitions, loaders, runs: all };
    writeFileSync(out, JSON.stringify({ ...former, loadScenarios }, null, 2) + '\n');
    console.log(JSON.stringify(loaders, null, 2));
    return;
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'benchmark-large.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({ ...result, runs: undefined }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
