/**
 * Training-free search driven by a score, for the CLI (`cell-lens search`) and the editor ("Search Cells"):
 *
 * - the fitness of a cell is one train-free score, oriented (higher = better), computed through a cached
 *   scorer ({@link reportSource}); a cell whose scoring fails gets NaN fitness (ranked below everything);
 * - AREA's cheap pre-screen uses a second score (default `params`, which needs no tensors) on
 *   `cheapSamples` cells; its budget counts the main score only, as in the search engine;
 * - restricted mode ({@link benchmarkSearch}): the search runs over the trained cells of a benchmark dataset
 *   (a pool, see search/pool.ts) for several seeds, and reports the test loss of the cell each run picks —
 *   mean ± sample std per algorithm — beside baselines (the best cell, the pool mean, the best-scored cell);
 * - whole-space mode: {@link runAlgorithm} without a pool, then {@link bestCells}.
 *
 * Pure Node logic (no `vscode` import).
 */
import type { Recipe } from '../recipe/types';
import { canonicalHash } from '../recipe/canonical';
import { ScoreCache } from '../scoring/cache';
import { sameSizes } from '../scoring/presets';
import { SCORES, type ScoreId, type ScoreReport, type ScoreSettings } from '../scoring/types';
import { area } from './area';
import { ga } from './ga';
import { randomSearch } from './random';
import { rea } from './rea';
import { buildPool, type CellPool } from './pool';
import type { Fitness, SearchProgress, SearchResult } from './types';
import { PREDICTED_LOSS, fitnessInfo, predictedLossFitness, type FitnessId } from './fitness';
import type { Scorer, StudyCell } from '../study/runner';

export const SEARCH_ALGOS = ['random', 'rea', 'area', 'ga'] as const;
export type SearchAlgo = (typeof SEARCH_ALGOS)[number];

export const ALGO_LABELS: Readonly<Record<SearchAlgo, string>> = {
  random: 'Random search (sample N, keep the best-scored)',
  rea: 'Regularized evolution (REA)',
  area: 'Assisted REA (AREA: cheap pre-screen, then REA)',
  ga: 'Genetic algorithm (hybrid-score GA)',
};

export function isSearchAlgo(x: unknown): x is SearchAlgo {
  return typeof x === 'string' && (SEARCH_ALGOS as readonly string[]).includes(x);
}

/** Options of {@link runAlgorithm}. */
export interface AlgorithmOptions {
  readonly budget: number;
  readonly seed: number;
  readonly pool?: CellPool;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SearchProgress) => void;
  /** AREA's cheap score (higher = better); required for `area`. */
  readonly cheap?: Fitness;
  /** AREA: cells pre-screened with the cheap score (default 100). */
  readonly cheapSamples?: number;
  /** Population size of REA / AREA / GA (default 20; in a pool of < 100 cells, 10). */
  readonly population?: number;
  /** Canonical hash (default canonicalHash). */
  readonly hash?: (r: Recipe) => string;
  /** Fitness calls in flight at once where the algorithm allows it (SearchOptions.parallel; default 1). */
  readonly parallel?: number;
}

/** Runs one algorithm with a fitness (higher = better). */
export function runAlgorithm(algo: SearchAlgo, fitness: Fitness, o: AlgorithmOptions): Promise<SearchResult> {
  const population = o.population ?? (o.pool && o.pool.recipes.length < 100 ? 10 : 20);
  const base = {
    budget: o.budget,
    seed: o.seed,
    signal: o.signal,
    onProgress: o.onProgress,
    pool: o.pool,
    ...(o.hash ? { hash: o.hash } : {}),
    ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
  };
  switch (algo) {
    case 'random':
      return randomSearch(fitness, base);
    case 'rea':
      return rea(fitness, { ...base, population });
    case 'ga':
      return ga(fitness, { ...base, population });
    case 'area':
      if (!o.cheap) throw new Error('AREA needs a cheap score');
      return area(o.cheap, fitness, { ...base, population, cheapSamples: o.cheapSamples ?? 100 });
  }
}

/** A score value oriented so that higher = better (lower-is-better scores negated); NaN when missing. */
export function orientedValue(report: ScoreReport | undefined, id: ScoreId): number {
  const v = report?.results.find((r) => r.id === id)?.value;
  if (v === undefined || Number.isNaN(v)) return NaN;
  return SCORES[id].better === 'lower' ? -v : v;
}

/** Reports by cell, through a cache and a scorer; failures resolve to undefined (and are counted). */
export interface ReportSource {
  (recipe: Recipe, hash: string): Promise<ScoreReport | undefined>;
  /** Scorer calls made (cache misses). */
  readonly calls: number;
  /** Failed scorer calls, with the last error. */
  readonly failures: number;
  readonly lastError?: string;
}

/** A memoised, cached scorer for the searches (see {@link ReportSource}). */
export function reportSource(
  scorer: Scorer,
  settings: ScoreSettings,
  options: { cache?: ScoreCache; signal?: AbortSignal; onError?: (e: unknown, hash: string) => void } = {},
): ReportSource {
  const cache = options.cache ?? new ScoreCache({ maxEntries: 5000 });
  const memo = new Map<string, Promise<ScoreReport | undefined>>();
  const signal = options.signal ?? new AbortController().signal;
  const state = { calls: 0, failures: 0, lastError: undefined as string | undefined };
  const get = (recipe: Recipe, hash: string): Promise<ScoreReport | undefined> => {
    let p = memo.get(hash);
    if (!p) {
      p = (async () => {
        const hit = await cache.get(hash, settings);
        if (hit) return hit;
        state.calls++;
        try {
          const raw = await scorer(recipe, settings, signal, hash);
          const report = raw.hash === hash ? raw : { ...raw, hash };
          await cache.put(report);
          return report;
        } catch (e) {
          memo.delete(hash); // not remembered: a later run may succeed
          if (!signal.aborted) {
            state.failures++;
            state.lastError = e instanceof Error ? e.message : String(e);
            options.onError?.(e, hash);
          }
          return undefined;
        }
      })();
      memo.set(hash, p);
    }
    return p;
  };
  return Object.defineProperties(get, {
    calls: { get: () => state.calls },
    failures: { get: () => state.failures },
    lastError: { get: () => state.lastError },
  }) as ReportSource;
}

/** The oriented fitness of one score through a report source. */
export function scoreFitness(
  source: (recipe: Recipe, hash: string) => Promise<ScoreReport | undefined>,
  id: ScoreId,
): Fitness {
  return async (recipe, hash) => orientedValue(await source(recipe, hash), id);
}

/** The fitness of a search through a report source: a score's (oriented), or the predicted loss's (−loss). */
export function fitnessOf(
  source: (recipe: Recipe, hash: string) => Promise<ScoreReport | undefined>,
  id: FitnessId,
): Fitness {
  return id === PREDICTED_LOSS ? predictedLossFitness(source) : scoreFitness(source, id);
}

/** The `k` best distinct cells of one or more runs by main fitness (NaN last), best first. */
export function bestCells(
  results: readonly SearchResult[],
  k: number,
): { hash: string; recipe: Recipe; fitness: number }[] {
  const by = new Map<string, { hash: string; recipe: Recipe; fitness: number }>();
  for (const r of results)
    for (const e of r.log)
      if (e.oracle === 'main' && !by.has(e.hash))
        by.set(e.hash, { hash: e.hash, recipe: e.recipe, fitness: e.fitness });
  const key = (v: number) => (Number.isNaN(v) ? -Infinity : v);
  return [...by.values()].sort((a, b) => key(b.fitness) - key(a.fitness)).slice(0, k);
}

/** One run's pick in restricted mode. */
export interface PoolPick {
  readonly seed: number;
  readonly hash: string;
  readonly label: string;
  /** Oriented fitness of the pick. */
  readonly fitness: number;
  readonly testLoss: number;
  /** Rank of the pick by test loss among the pool (1 = best). */
  readonly rank: number;
  readonly evaluations: number;
}

/** Per-algorithm summary over seeds. */
export interface PoolSearchRow {
  readonly algo: SearchAlgo;
  readonly picks: PoolPick[];
  /** Mean and sample standard deviation (n − 1) of the picks' test loss. */
  readonly meanLoss: number;
  readonly stdLoss: number;
  readonly meanRank: number;
  /** Fraction of runs whose pick is among the best 10% of the pool by test loss. */
  readonly top10: number;
  readonly meanEvaluations: number;
}

/** The restricted-mode comparison. */
export interface PoolSearchResult {
  readonly score: FitnessId;
  readonly budget: number;
  readonly seeds: readonly number[];
  readonly poolSize: number;
  readonly rows: PoolSearchRow[];
  readonly baselines: {
    /** Lowest test loss in the pool (what an oracle finds). */
    readonly bestLoss: number;
    /** Mean test loss of the pool (the expected pick of a random cell). */
    readonly meanLoss: number;
    /** Test loss of the best-scored cell of the whole pool (random search with budget = pool size); NaN if unknown. */
    readonly bestScoredLoss: number;
    readonly bestScoredRank: number;
  };
  readonly aborted: boolean;
}

/** Options of {@link benchmarkSearch}. */
export interface BenchmarkSearchOptions {
  readonly algos: readonly SearchAlgo[];
  readonly score: FitnessId;
  readonly budget: number;
  /** First seed and number of seeds: runs use seed, seed + 1, …, seed + seeds − 1. */
  readonly seed: number;
  readonly seeds: number;
  /** Main fitness (oriented `score`) and AREA's cheap fitness. */
  readonly fitness: Fitness;
  readonly cheap?: Fitness;
  readonly cheapSamples?: number;
  readonly population?: number;
  readonly signal?: AbortSignal;
  /** After each run. */
  readonly onRun?: (algo: SearchAlgo, seed: number, pick: PoolPick | undefined, runIndex: number, runs: number) => void;
  /**
   * Score every pool cell for the "best-scored cell" baseline (default true; it costs one scoring of every
   * cell, free once a study has filled the cache).
   */
  readonly scoreWholePool?: boolean;
  /**
   * Runs in flight at once (default 1), fitness calls in flight within a run (AlgorithmOptions.parallel) and cells
   * of the whole-pool baseline scored at once. The runs are independent (each has its own evaluator; they share
   * only the memoised fitness), so running several changes no pick: results and `onRun` calls still come in
   * algorithm × seed order.
   */
  readonly concurrency?: number;
}

/**
 * `fn(0) … fn(n − 1)` with at most `limit` in flight, started in order; `consume` gets each result in order as soon
 * as it and every earlier one are done, and returns false to stop (no further call starts).
 */
async function inOrder<T>(
  n: number,
  limit: number,
  fn: (i: number) => Promise<T>,
  consume: (r: T, i: number) => boolean | void,
): Promise<void> {
  const started: Promise<T>[] = [];
  const start = (i: number): void => {
    if (i < n && started[i] === undefined) {
      started[i] = fn(i);
      started[i].catch(() => undefined);
    }
  };
  for (let i = 0; i < n; i++) {
    for (let j = i; j < Math.min(n, i + Math.max(1, limit)); j++) start(j);
    if (consume(await started[i], i) === false) return;
  }
}

function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const d = xs.filter((x) => !Number.isNaN(x));
  if (d.length === 0) return { mean: NaN, std: NaN };
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  if (d.length === 1) return { mean, std: 0 };
  return { mean, std: Math.sqrt(d.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (d.length - 1)) };
}

/** A pool of the trained (non-diverged) cells; the hash lookups reuse the cells' hashes. */
export function trainedPool(cells: readonly StudyCell[]): {
  pool: CellPool;
  byHash: Map<string, StudyCell>;
  hash: (r: Recipe) => string;
} {
  const trained = cells.filter((c) => !c.diverged && Number.isFinite(c.testLoss));
  const known = new Map<Recipe, string>(trained.map((c) => [c.recipe, c.hash]));
  const hash = (r: Recipe): string => known.get(r) ?? canonicalHash(r);
  const pool = buildPool(
    trained.map((c) => c.recipe),
    hash,
  );
  return { pool, byHash: new Map(trained.map((c) => [c.hash, c])), hash };
}

/**
 * Restricted-mode comparison: every algorithm × seed searches the trained cells with the score as fitness;
 * the test loss of each run's pick is summarised per algorithm (see {@link PoolSearchResult}).
 */
export async function benchmarkSearch(
  cells: readonly StudyCell[],
  o: BenchmarkSearchOptions,
): Promise<PoolSearchResult> {
  const { pool, byHash, hash } = trainedPool(cells);
  const losses = pool.hashes.map((h) => byHash.get(h)!.testLoss);
  const sortedLosses = [...losses].sort((a, b) => a - b);
  const rankOf = (loss: number): number => {
    let lo = 0,
      hi = sortedLosses.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortedLosses[mid] < loss) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const topCut = sortedLosses[Math.max(0, Math.round(0.1 * sortedLosses.length) - 1)];
  const seeds = Array.from({ length: o.seeds }, (_, i) => o.seed + i);
  const limit = Math.max(1, Math.floor(o.concurrency ?? 1));
  const picksOf = o.algos.map(() => [] as PoolPick[]);
  let aborted = false;
  /** The algorithm whose run found the search interrupted: rows stop after it. */
  let lastAlgo = o.algos.length - 1;
  const runs = o.algos.length * seeds.length;
  // Runs in algorithm × seed order, `limit` at a time; each result is taken in that order.
  await inOrder(
    runs,
    limit,
    async (i) => {
      if (o.signal?.aborted) return undefined;
      return runAlgorithm(o.algos[Math.floor(i / seeds.length)], o.fitness, {
        budget: o.budget,
        seed: seeds[i % seeds.length],
        pool,
        signal: o.signal,
        cheap: o.cheap,
        cheapSamples: o.cheapSamples,
        population: o.population,
        hash,
        parallel: limit,
      });
    },
    (res, i) => {
      const a = Math.floor(i / seeds.length),
        seed = seeds[i % seeds.length];
      if (!res || res.aborted) {
        aborted = true;
        lastAlgo = a;
        return false;
      }
      const b = res.best;
      let pick: PoolPick | undefined;
      if (b) {
        const c = byHash.get(b.hash)!;
        pick = {
          seed,
          hash: b.hash,
          label: c.label,
          fitness: b.fitness,
          testLoss: c.testLoss,
          rank: rankOf(c.testLoss),
          evaluations: res.evaluations,
        };
        picksOf[a].push(pick);
      }
      o.onRun?.(o.algos[a], seed, pick, i + 1, runs);
      return true;
    },
  );
  const rows: PoolSearchRow[] = [];
  // One row per algorithm reached (an interrupted one included, with the picks it has).
  for (let a = 0; a <= lastAlgo; a++) {
    const picks = picksOf[a];
    const l = meanStd(picks.map((p) => p.testLoss));
    rows.push({
      algo: o.algos[a],
      picks,
      meanLoss: l.mean,
      stdLoss: l.std,
      meanRank: meanStd(picks.map((p) => p.rank)).mean,
      top10: picks.length ? picks.filter((p) => p.testLoss <= topCut).length / picks.length : NaN,
      meanEvaluations: meanStd(picks.map((p) => p.evaluations)).mean,
    });
  }
  let bestScoredLoss = NaN,
    bestScoredRank = NaN;
  if ((o.scoreWholePool ?? true) && !aborted) {
    // Every pool cell's fitness, `limit` at a time, compared in pool order (earlier wins ties, as before).
    let best = -Infinity;
    await inOrder(
      pool.recipes.length,
      limit,
      async (i) => (o.signal?.aborted ? undefined : o.fitness(pool.recipes[i], pool.hashes[i])),
      (f, i) => {
        if (f === undefined || o.signal?.aborted) {
          aborted = true;
          return false;
        }
        if (!Number.isNaN(f) && f > best) {
          best = f;
          bestScoredLoss = losses[i];
          bestScoredRank = rankOf(losses[i]);
        }
        return true;
      },
    );
  }
  return {
    score: o.score,
    budget: o.budget,
    seeds,
    poolSize: pool.recipes.length,
    rows,
    baselines: { bestLoss: sortedLosses[0] ?? NaN, meanLoss: meanStd(losses).mean, bestScoredLoss, bestScoredRank },
    aborted,
  };
}

const f3 = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));
const f1 = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(1));

/** The comparison as a Markdown table (with its baselines). */
export function searchTableMarkdown(r: PoolSearchResult): string {
  const { label, better } = fitnessInfo(r.score);
  const lines = [
    `Fitness: ${label} (${better} is better), budget ${r.budget} score evaluations, ${r.seeds.length} seeds (${r.seeds[0]}–${r.seeds[r.seeds.length - 1]}), pool of ${r.poolSize} trained cells.`,
    '',
    '| algorithm | runs | test loss of the pick (mean ± std) | rank of the pick (mean, 1 = best) | pick in top 10% | evaluations |',
    '|---|---:|---|---:|---:|---:|',
  ];
  for (const row of r.rows) {
    lines.push(
      `| ${row.algo} | ${row.picks.length} | ${f3(row.meanLoss)} ± ${f3(row.stdLoss)} | ${f1(row.meanRank)} | ${Number.isNaN(row.top10) ? 'n/a' : `${Math.round(row.top10 * 100)}%`} | ${f1(row.meanEvaluations)} |`,
    );
  }
  const b = r.baselines;
  lines.push(
    `| *best-scored cell of the whole pool* | – | ${f3(b.bestScoredLoss)} | ${Number.isNaN(b.bestScoredRank) ? 'n/a' : b.bestScoredRank} | – | ${r.poolSize} |`,
  );
  lines.push(`| *a random cell (pool mean)* | – | ${f3(b.meanLoss)} | ${f1((r.poolSize + 1) / 2)} | 10% | 0 |`);
  lines.push(`| *the best cell (oracle)* | – | ${f3(b.bestLoss)} | 1 | 100% | – |`);
  return lines.join('\n') + '\n';
}

/** The comparison as a plain-text table for a terminal. */
export function searchTableText(r: PoolSearchResult): string {
  const rows = [['algorithm', 'runs', 'test loss of pick', 'mean rank', 'top 10%', 'evals']];
  for (const row of r.rows)
    rows.push([
      row.algo,
      String(row.picks.length),
      `${f3(row.meanLoss)} ± ${f3(row.stdLoss)}`,
      f1(row.meanRank),
      Number.isNaN(row.top10) ? 'n/a' : `${Math.round(row.top10 * 100)}%`,
      f1(row.meanEvaluations),
    ]);
  rows.push([
    'best-scored cell',
    '-',
    f3(r.baselines.bestScoredLoss),
    Number.isNaN(r.baselines.bestScoredRank) ? 'n/a' : String(r.baselines.bestScoredRank),
    '-',
    String(r.poolSize),
  ]);
  rows.push(['random cell', '-', f3(r.baselines.meanLoss), f1((r.poolSize + 1) / 2), '10%', '0']);
  rows.push(['oracle best', '-', f3(r.baselines.bestLoss), '1', '100%', '-']);
  const w = rows[0].map((_, c) => Math.max(...rows.map((x) => [...x[c]].length)));
  return (
    rows
      .map(
        (x) =>
          '  ' +
          x
            .map((cell, c) => (c === 0 || c === 2 ? cell.padEnd(w[c]) : cell.padStart(w[c])))
            .join('  ')
            .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/**
 * A report narrowed to other settings of the same sizes, seed and repeats (a subset of its scores), so a cell the
 * search scored shows its scores in the editor at the user's settings; undefined when the sizes or the seed differ
 * or a wanted score is missing.
 */
export function reportForSettings(report: ScoreReport, settings: ScoreSettings): ScoreReport | undefined {
  const s = report.settings;
  if (!sameSizes(s, settings) || s.seed !== settings.seed || s.repeats !== settings.repeats) return undefined;
  const results = settings.scores.map((id) => report.results.find((r) => r.id === id));
  if (results.some((r) => r === undefined)) return undefined;
  return { ...report, settings, results: results as ScoreReport['results'] };
}

/** The search's result document: one object per cell, best first, with its rank, fitness and the search settings. */
export function searchResultsJson(
  best: readonly { hash: string; recipe: Recipe; fitness: number }[],
  meta: {
    algorithm: string;
    score: FitnessId;
    budget: number;
    seed: number;
    preset: string;
    evaluations: number;
    testLossOf?: (hash: string) => { testLoss: number; rank?: number } | undefined;
  },
): string {
  const sign = fitnessInfo(meta.score).better === 'lower' ? -1 : 1;
  const items = best.map((b, i) => {
    const bench = meta.testLossOf?.(b.hash);
    const search = {
      rank: i + 1,
      score: meta.score,
      fitness: Number.isFinite(b.fitness) ? sign * b.fitness : null,
      algorithm: meta.algorithm,
      budget: meta.budget,
      seed: meta.seed,
      preset: meta.preset,
      evaluations: meta.evaluations,
      ...(bench
        ? { benchmark_test_loss: bench.testLoss, ...(bench.rank !== undefined ? { benchmark_rank: bench.rank } : {}) }
        : {}),
    };
    return `  {"search": ${JSON.stringify(search)},\n   "recepie": ${JSON.stringify(b.recipe)}}`;
  });
  return `[\n${items.join(',\n')}\n]\n`;
}
