/**
 * Benchmark of the benchmark index: load time of the prebuilt WikiText-2 index, load time of the raw zip,
 * and lookup time (hash given, and recipe → canonical hash → lookup). Median of N.
 * Run: `npx tsx bench/benchmark-index.ts [N]`; writes bench/results/benchmark-index.json.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadPrebuiltIndex, prebuiltIndexPath } from '../src/benchmark/compact';
import { BenchmarkIndex } from '../src/benchmark/index';
import { loadLogsFromZip } from '../src/benchmark/sources';
import type { Recipe } from '../src/recipe/types';

const root = join(__dirname, '..');
const zipPath = join(root, '..', 'shared', 'nas-bench-nlp', 'wikitext-2-logs.zip');
const N = Math.max(1, Number(process.argv[2] ?? 20) || 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function time(fn: () => void, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

const file = prebuiltIndexPath();
if (!file) throw new Error('data/wikitext-2.index.json missing: run npx tsx scripts/build-index.ts');
let pre = loadPrebuiltIndex(file);
const prebuiltLoad = time(() => {
  pre = loadPrebuiltIndex(file);
}, N);
const zipBytes = readFileSync(zipPath);
const zipLoad = time(
  () => {
    BenchmarkIndex.fromLoadResult(loadLogsFromZip(zipBytes, zipPath));
  },
  Math.max(1, Math.ceil(N / 4)),
);

const entries = pre.entries('WikiText-2');
const hashes = entries.map((e) => e.hash);
const recipes = entries.map((e) => JSON.parse(e.recipe) as Recipe);
// Per-lookup times, measured over all entries per repetition (one lookup is too fast to time alone).
const lookupAll = time(() => {
  for (const h of hashes) pre.lookup(h);
}, N).map((ms) => ms / hashes.length);
const recipeLookupAll = time(() => {
  for (const r of recipes) pre.lookupRecipe(r);
}, N).map((ms) => ms / recipes.length);

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  repetitions: N,
  prebuiltFile: { bytes: statSync(file).size, runs: pre.runs().length, entries: pre.entryCount },
  prebuiltLoadMs: { median: median(prebuiltLoad), min: Math.min(...prebuiltLoad), max: Math.max(...prebuiltLoad) },
  zipLoadMs: {
    median: median(zipLoad),
    min: Math.min(...zipLoad),
    max: Math.max(...zipLoad),
    repetitions: zipLoad.length,
  },
  lookupByHashUs: { median: median(lookupAll) * 1000 },
  lookupByRecipeUs: { median: median(recipeLookupAll) * 1000, note: 'includes canonicalHash of the recipe' },
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'benchmark-index.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
