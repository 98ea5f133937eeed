/**
 * The proxy path side by side (issue 23 §4): the default scores of WikiText-2 cells at the `proxy` preset by the
 * engine of commit c631cd1 (`before`) and by this checkout's (`after`), in ONE bench run: each engine's own bundled
 * worker (dist/worker.js, built by its own scripts/build.mjs) in one scoring process each, started once (process
 * start and the first cells reported apart), driven by that engine's own ScoringClient, the cells interleaved in
 * chunks (before/after alternating which goes first) so that the load of the shared machine falls on both alike.
 * Every score value (and detail) of every cell must be bit-identical between the two (`identical`).
 *
 * Also the profile: per part of the computation (the reports' `passMs`: init, forward, codes, backward, ntk,
 * gauss, synflow, hidden, scores) the mean ms per cell of each engine, and what lies outside the parts (the
 * engine's own bookkeeping, the process messages, the client). Writes bench/results/proxy.json.
 *   npx tsx bench/proxy.ts      (BENCH_CELLS cells, default 200; BENCH_CHUNK cells per chunk, default 10;
 *                                BENCH_BASE the commit, default c631cd1; BENCH_NO_BUILD=1 reuses this checkout's dist/)
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { ScoringClient } from '../src/process/client';
import { SIZE_PRESETS } from '../src/scoring/presets';
import { DEFAULT_SCORE_IDS, type ScoreReport, type ScoreSettings } from '../src/scoring/types';
import type { Recipe } from '../src/recipe/types';
import { machineInfo, median, r2, wikitext2Cells } from './machine';

const ROOT = join(__dirname, '..');
const BASE = process.env.BENCH_BASE ?? 'c631cd1';
const N = Math.max(1, Number(process.env.BENCH_CELLS ?? 200));
const CHUNK = Math.max(1, Number(process.env.BENCH_CHUNK ?? 10));
const WARM = 5;

/** The client API both engines' ScoringClient share. */
interface Client {
  score(recipe: Recipe, settings: ScoreSettings): Promise<ScoreReport>;
  /** The scoring process's backend, e.g. "wasm (SIMD, 1 thread; native AVX2 matrix products)". */
  readonly status: { backendDescription?: string };
  dispose(): void;
}
type ClientClass = new (opts: { workerPath: string; backend: 'wasm'; timeoutMs: number }) => Client;

/** A checkout of `BASE` in a temp folder (node_modules and native/build linked to this one's), built. */
function buildBase(): { dir: string; Client: ClientClass } {
  const dir = mkdtempSync(join(os.tmpdir(), 'cl-proxy-base-'));
  execSync(`git -C ${JSON.stringify(ROOT)} archive ${BASE} | tar -x -C ${JSON.stringify(dir)}`);
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
  // The same optional native matrix kernel for both (or none for both).
  if (existsSync(join(ROOT, 'native', 'build')))
    symlinkSync(join(ROOT, 'native', 'build'), join(dir, 'native', 'build'));
  execSync('node scripts/build.mjs', { cwd: dir, stdio: 'ignore' });
  const clientPath = ['src/process/client.ts', 'src/scoring/client.ts'].map((p) => join(dir, p)).find(existsSync)!;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the base's own client, loaded through tsx
  const mod = require(clientPath) as { ScoringClient: ClientClass };
  return { dir, Client: mod.ScoringClient };
}

/** Every value of every score, as float64 bits (so −0, NaN payloads and the last bit count), with details and reasons. */
function bitsOf(rep: ScoreReport): string {
  const hex = (xs: readonly number[]) => Buffer.from(new Float64Array(xs).buffer).toString('hex');
  return JSON.stringify(
    rep.results.map((r) => [
      r.id,
      hex(r.values),
      r.reason ?? null,
      Object.entries(r.details ?? {}).map(([k, v]) => [k, hex([v])]),
    ]),
  );
}

async function main(): Promise<void> {
  const cells = wikitext2Cells(N + WARM);
  const warm = cells.slice(N).length ? cells.slice(N) : cells.slice(0, WARM);
  const timed = cells.slice(0, N);
  const settings: ScoreSettings = {
    ...SIZE_PRESETS.proxy,
    scores: [...DEFAULT_SCORE_IDS],
    seed: 0,
    repeats: 1,
    backend: 'wasm',
  };
  console.log(`building ${BASE} …`);
  const base = buildBase();
  if (process.env.BENCH_NO_BUILD !== '1') execSync('node scripts/build.mjs', { cwd: ROOT, stdio: 'ignore' });
  const engines = {
    before: new base.Client({ workerPath: join(base.dir, 'dist', 'worker.js'), backend: 'wasm', timeoutMs: 600_000 }),
    after: new ScoringClient({ workerPath: join(ROOT, 'dist', 'worker.js'), backend: 'wasm', timeoutMs: 600_000 }),
  } as Record<'before' | 'after', Client>;
  const names = ['before', 'after'] as const;
  try {
    // Process start + the first cell, then a few warm-up cells (not timed): the JIT and the kept draws settle.
    const startMs: Record<string, number> = {};
    for (const e of names) {
      const t0 = performance.now();
      await engines[e].score(warm[0].recipe, settings);
      startMs[e] = performance.now() - t0;
      for (const c of warm.slice(1)) await engines[e].score(c.recipe, settings);
    }
    // Whether each engine's products ran in the native addon or in WebAssembly, as its process reported it.
    const backends = Object.fromEntries(names.map((e) => [e, engines[e].status.backendDescription ?? '?']));
    const ms: Record<string, number[]> = { before: [], after: [] };
    const parts: Record<string, Record<string, number>> = { before: {}, after: {} };
    const inside: Record<string, number> = { before: 0, after: 0 };
    const bits: Record<string, string[]> = { before: [], after: [] };
    const wall0 = performance.now();
    for (let c0 = 0, chunk = 0; c0 < timed.length; c0 += CHUNK, chunk++) {
      const order = chunk % 2 ? [...names].reverse() : names;
      for (const e of order) {
        for (let i = c0; i < Math.min(timed.length, c0 + CHUNK); i++) {
          const t0 = performance.now();
          const rep = await engines[e].score(timed[i].recipe, settings);
          ms[e][i] = performance.now() - t0;
          bits[e][i] = bitsOf(rep);
          inside[e] += rep.totalMs;
          for (const [k, v] of Object.entries(rep.passMs ?? {})) parts[e][k] = (parts[e][k] ?? 0) + v;
        }
      }
      process.stdout.write(`\r${Math.min(timed.length, c0 + CHUNK)}/${timed.length} cells`);
    }
    process.stdout.write('\n');
    const wallS = (performance.now() - wall0) / 1000;
    const differing = timed.map((c, i) => (bits.before[i] === bits.after[i] ? '' : c.hash)).filter(Boolean);
    const total = (e: string) => ms[e].reduce((a, b) => a + b, 0);
    const profile = (e: string) => {
      const per = Object.fromEntries(Object.entries(parts[e]).map(([k, v]) => [k, r2(v / timed.length)]));
      const partSum = Object.values(parts[e]).reduce((a, b) => a + b, 0);
      return {
        ...per,
        engineOutsideParts: r2((inside[e] - partSum) / timed.length),
        processAndClient: r2((total(e) - inside[e]) / timed.length),
        clientScoreMs: r2(total(e) / timed.length),
      };
    };
    const out = {
      date: new Date().toISOString(),
      base: BASE,
      head: execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim(),
      machine: machineInfo(),
      nativeMatMul: Object.fromEntries(names.map((e) => [e, backends[e].includes('native')])),
      backends,
      preset: 'proxy',
      sizes: SIZE_PRESETS.proxy,
      scores: DEFAULT_SCORE_IDS,
      backend: 'wasm',
      cells: timed.length,
      chunk: CHUNK,
      note:
        'Wall ms of ScoringClient.score per cell (one process per engine, started once: startMs = process start + first cell), ' +
        'the engines interleaved chunk by chunk. ratio = after / before of the totals, in this run. identical: every value ' +
        "and detail of every score, as float64 bits, equal for every cell. profilePerCellMs: the reports' passMs per part " +
        '(mean ms per cell), engineOutsideParts = totalMs − the parts, processAndClient = client wall − totalMs.',
      startMs: Object.fromEntries(names.map((e) => [e, Math.round(startMs[e])])),
      perCellMsMedian: Object.fromEntries(names.map((e) => [e, r2(median(ms[e]))])),
      totalS: Object.fromEntries(names.map((e) => [e, r2(total(e) / 1000)])),
      ratio: r2(total('after') / total('before')),
      ratioOfMedians: r2(median(ms.after) / median(ms.before)),
      benchWallS: r2(wallS),
      identical: differing.length === 0,
      differingCells: differing,
      profilePerCellMs: Object.fromEntries(names.map((e) => [e, profile(e)])),
      loadavgEnd: os.loadavg().map(r2),
    };
    writeFileSync(join(__dirname, 'results', 'proxy.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(JSON.stringify(out, null, 1));
  } finally {
    for (const e of names) engines[e].dispose();
    rmSync(base.dir, { recursive: true, force: true });
  }
}
void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
