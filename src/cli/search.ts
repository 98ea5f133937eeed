/**
 * `cell-lens search`: training-free search with a score as the fitness.
 *
 * - Restricted mode (default): over the trained cells of the benchmark (bundled WikiText-2, or `--logs`); every
 *   algorithm runs for `--seeds` seeds and the test loss of each run's pick is reported as mean ± std per
 *   algorithm, beside baselines. `--out FILE` writes the table and every pick as JSON.
 * - `--space`: over the whole NAS-Bench-NLP space (new cells, scored by the child process); the best cells found
 *   are written to `--out FILE` (default best-cells.json) as a list of recipes, best first.
 * Exit codes: 0 ok, 2 usage error or failure, 130 interrupted.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliIO } from './io';
import { recipeToJson } from '../recipe/model';
import { ScoreCache, scoreCacheDir } from '../scoring/cache';
import { SCORE_IDS, type ScoreId } from '../scoring/types';
import { FITNESS_IDS, fitnessInfo, fitnessProblem, fitnessScores, type FitnessId } from '../search/fitness';
import {
  ALGO_LABELS,
  SEARCH_ALGOS,
  benchmarkSearch,
  bestCells,
  fitnessOf,
  isSearchAlgo,
  reportSource,
  runAlgorithm,
  scoreFitness,
  searchTableMarkdown,
  searchTableText,
  type SearchAlgo,
} from '../search/runner';
import { formatElapsed, formatLoss, formatScore } from '../shared/format';
import { defaultWorkers } from '../process/pool';
import { SIZE_PRESETS } from '../scoring/presets';
import {
  COMMON_OPTIONS,
  UsageError,
  cliScorer,
  commandLine,
  commonArgs,
  encodeResults,
  interruptSignal,
  isFatalScoringError,
  loadCells,
  settingsOf,
  type CommonArgs,
  type StudyCliOptions,
} from './common';
import { parseCli, usageErrorText, type CommandSpec, type Parsed } from './args';

/** `cell-lens search`: its options (with the shared ones), declared once for the parser and the help. */
export const SEARCH_COMMAND = {
  name: 'search',
  synopsis: '--algo A --score S --budget N [options]',
  description:
    'Training-free search: the fitness of a cell is its predicted test loss or one train-free score (oriented: higher = better).',
  options: {
    algo: { type: 'string', arg: 'A[,B...]|all', help: `the algorithm(s): ${SEARCH_ALGOS.join(' | ')} (required)` },
    score: {
      type: 'string',
      arg: 'S',
      choices: FITNESS_IDS,
      help: `the fitness (required): predicted_loss (the predicted test loss, lower is better; at the proxy or nas-bench-nlp preset, seed 0, 1 repeat) or a score: ${SCORE_IDS.join(', ')}`,
    },
    budget: {
      type: 'int',
      min: 1,
      help: 'score evaluations per run (AREA: of the main score; its cheap pre-screen is extra) (required)',
    },
    seed: { ...COMMON_OPTIONS.seed, help: 'first seed' },
    seeds: { type: 'int', arg: 'K', min: 1, default: 1, help: 'runs per algorithm with seeds S … S+K−1' },
    logs: {
      ...COMMON_OPTIONS.logs,
      help: 'search the trained cells of these logs instead of the bundled WikiText-2 cells (repeatable)',
    },
    dataset: COMMON_OPTIONS.dataset,
    space: { type: 'boolean', help: 'search the whole NAS-Bench-NLP space instead (new cells; writes the best cells)' },
    out: {
      type: 'string',
      arg: 'FILE',
      help: 'restricted mode: the table and every pick as JSON; --space: the best cells as a list of recipes (default best-cells.json)',
    },
    top: { type: 'int', arg: 'K', min: 1, default: 10, help: '--space: how many best cells to write' },
    cheap: {
      type: 'string',
      arg: 'S',
      choices: SCORE_IDS,
      default: 'params',
      help: "AREA's cheap pre-screen score (default params, which needs no tensors)",
    },
    'cheap-samples': {
      type: 'int',
      arg: 'M',
      min: 1,
      default: 100,
      help: 'AREA: cells pre-screened with the cheap score',
    },
    population: {
      type: 'int',
      arg: 'P',
      min: 2,
      help: 'population of REA / AREA / GA (default 20; 10 in a pool of < 100 cells)',
    },
    preset: COMMON_OPTIONS.preset,
    scores: {
      ...COMMON_OPTIONS.scores,
      help: "the score set of each report (default: all in restricted mode, so a study's cache is reused; --space: only the fitness and cheap scores)",
    },
    repeats: COMMON_OPTIONS.repeats,
    cache: COMMON_OPTIONS.cache,
    'cache-dir': COMMON_OPTIONS['cache-dir'],
    'no-cache': COMMON_OPTIONS['no-cache'],
    backend: COMMON_OPTIONS.backend,
    timeout: COMMON_OPTIONS.timeout,
    node: COMMON_OPTIONS.node,
    workers: COMMON_OPTIONS.workers,
    verbose: COMMON_OPTIONS.verbose,
  },
  footer: `With --workers N, N cells are scored at once wherever the algorithms allow it without changing their result:
random search's samples, the initial populations of REA and GA, each GA generation, AREA's pre-screen and seeds,
the runs of several seeds and the best-scored-cell baseline. REA's evolution steps stay one after another (each
child's parent depends on the fitness of the child before). The same seed gives the same result with any N.
Exit codes: 0 ok, 2 usage error or failure, 130 interrupted.`,
} as const satisfies CommandSpec;

interface SearchArgs extends CommonArgs {
  algos: SearchAlgo[];
  score: FitnessId;
  budget: number;
  seeds: number;
  space: boolean;
  out?: string;
  top: number;
  cheap: ScoreId;
  cheapSamples: number;
  population?: number;
}

function searchArgs({ values: v }: Parsed<typeof SEARCH_COMMAND.options>): SearchArgs {
  if (v.algo === undefined) throw new UsageError('--algo is required');
  if (v.score === undefined) throw new UsageError('--score is required');
  if (v.budget === undefined) throw new UsageError('--budget is required');
  const given = v.algo
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const list = given.length === 1 && given[0] === 'all' ? [...SEARCH_ALGOS] : given;
  const bad = list.filter((x) => !isSearchAlgo(x));
  if (bad.length || list.length === 0)
    throw new UsageError(`--algo takes ${SEARCH_ALGOS.join(', ')} or all; not "${bad.join(',') || v.algo}"`);
  return {
    ...commonArgs(v),
    algos: [...new Set(list as SearchAlgo[])],
    score: v.score,
    budget: v.budget,
    seeds: v.seeds,
    space: v.space,
    ...(v.out !== undefined ? { out: v.out } : {}),
    top: v.top,
    cheap: v.cheap,
    cheapSamples: v['cheap-samples'],
    ...(v.population !== undefined ? { population: v.population } : {}),
  };
}

/** Run `cell-lens search` with `argv` (the arguments after `search`). Never throws; returns the exit code. */
export async function runSearchCli(argv: string[], io: CliIO, opts: StudyCliOptions = {}): Promise<number> {
  const parsed = parseCli(SEARCH_COMMAND, argv, io, searchArgs);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const { score, budget } = args;
  const needsCheap = args.algos.includes('area');
  // The sizes, seed and repeats decide whether a predictor applies (the score set does not).
  const problem = fitnessProblem(score, settingsOf(args, SCORE_IDS));
  if (problem) {
    io.stderr(usageErrorText(SEARCH_COMMAND, `--score ${score}: ${problem}`));
    return 2;
  }
  const needed = [...fitnessScores(score, settingsOf(args, SCORE_IDS)), ...(needsCheap ? [args.cheap] : [])];
  const scores = args.scores ?? (args.space ? [...new Set<ScoreId>(needed)] : [...SCORE_IDS]);
  for (const s of needed) {
    if (!scores.includes(s)) {
      io.stderr(usageErrorText(SEARCH_COMMAND, `--scores must include ${s}`));
      return 2;
    }
  }
  const settings = settingsOf(args, scores);
  const cacheDir = args.cache ? (args.cacheDir ?? scoreCacheDir()) : undefined;
  const cache = new ScoreCache({ dir: cacheDir, maxEntries: 5000 });
  const interrupt = interruptSignal(io, 'search', opts);
  const workers = args.workers ?? defaultWorkers(SIZE_PRESETS[args.preset]);
  const cs = cliScorer(args, io, opts, workers);
  let fatal: string | undefined;
  const controller = new AbortController();
  interrupt.signal.addEventListener('abort', () => controller.abort(), { once: true });
  const source = reportSource(cs.scorer, settings, {
    cache,
    signal: controller.signal,
    onError: (e, hash) => {
      io.stderr(`cell-lens search: ${hash.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)}\n`);
      if (isFatalScoringError(e)) {
        fatal = e instanceof Error ? e.message : String(e);
        controller.abort();
      }
    },
  });
  const fitness = fitnessOf(source, score);
  const cheap = needsCheap ? scoreFitness(source, args.cheap) : undefined;
  const { label, better } = fitnessInfo(score);
  const t0 = Date.now();
  try {
    if (!args.space) {
      let cells;
      try {
        ({ cells } = await loadCells(args, io));
      } catch (e) {
        io.stderr(`cell-lens search: ${(e as Error).message}\n`);
        return 2;
      }
      const trained = cells.filter((c) => !c.diverged).length;
      io.stderr(
        `cell-lens search: ${args.algos.join(', ')} × ${args.seeds} seed(s), fitness ${label}, budget ${budget}, over ${trained} trained cells (preset ${args.preset}, ${cs.workers} worker(s))\n`,
      );
      const res = await benchmarkSearch(cells, {
        algos: args.algos,
        score,
        budget,
        seed: args.seed,
        seeds: args.seeds,
        fitness,
        cheap,
        cheapSamples: args.cheapSamples,
        population: args.population,
        signal: controller.signal,
        concurrency: cs.workers,
        onRun: (algo, seed, pick, i, n) =>
          io.stderr(
            `[${i}/${n}] ${algo} seed ${seed}: ${pick ? `${pick.label} (test loss ${formatLoss(pick.testLoss)}, rank ${pick.rank})` : 'nothing'} · ${source.calls} cells scored so far\n`,
          ),
      });
      if (fatal) {
        io.stderr(`cell-lens search: ${fatal}\n`);
        return 2;
      }
      if (res.aborted) {
        io.stderr('cell-lens search: interrupted; scored cells are cached.\n');
        return 130;
      }
      io.stdout(
        `${label} (${better} is better) · budget ${budget} · ${res.seeds.length} seed(s) · pool of ${res.poolSize} trained cells\n`,
      );
      io.stdout(searchTableText(res));
      io.stderr(
        `cell-lens search: done in ${formatElapsed(Date.now() - t0)} (${source.calls} cells scored, ${source.failures} failed)\n`,
      );
      if (args.out) {
        await fs.mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
        await fs.writeFile(
          args.out,
          encodeResults({
            version: 1,
            command: commandLine('search', argv),
            settings,
            result: res,
            markdown: searchTableMarkdown(res),
          }),
          'utf8',
        );
        io.stdout(`wrote ${args.out}\n`);
      }
      return 0;
    }
    // Whole space.
    const results = [];
    for (const algo of args.algos) {
      for (let k = 0; k < args.seeds; k++) {
        const seed = args.seed + k;
        io.stderr(
          `cell-lens search: ${ALGO_LABELS[algo]}, seed ${seed}, fitness ${label}, budget ${budget} (whole space, preset ${args.preset}, ${cs.workers} worker(s))\n`,
        );
        const res = await runAlgorithm(algo, fitness, {
          budget,
          seed,
          signal: controller.signal,
          cheap,
          cheapSamples: args.cheapSamples,
          population: args.population,
          parallel: cs.workers,
          onProgress: (p) => {
            if (p.last.cached || p.last.oracle !== 'main') return;
            const line = `[${p.evaluations}/${p.budget}] ${p.last.hash.slice(0, 12)} ${formatScore(p.last.fitness)} · best ${p.best ? formatScore(p.best.fitness) : 'n/a'}`;
            if (io.stderrIsTTY)
              io.stderr(`\r\x1b[2K${line.slice(0, (io.columns ?? 80) - 1)}${p.evaluations >= p.budget ? '\n' : ''}`);
            else io.stderr(`${line}\n`);
          },
        });
        results.push(res);
        if (res.aborted) break;
      }
      if (controller.signal.aborted) break;
    }
    if (fatal) {
      io.stderr(`cell-lens search: ${fatal}\n`);
      return 2;
    }
    const best = bestCells(results, args.top);
    const out = args.out ?? 'best-cells.json';
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await fs.writeFile(out, `[\n${best.map((b) => recipeToJson(b.recipe)).join(',\n')}\n]\n`, 'utf8');
    const sign = better === 'lower' ? -1 : 1;
    io.stdout(`best ${best.length} cells by ${label} (${better} is better), best first:\n`);
    best.forEach((b, i) =>
      io.stdout(`  ${String(i + 1).padStart(2)}. ${b.hash.slice(0, 12)}  ${formatScore(sign * b.fitness)}\n`),
    );
    io.stdout(`wrote ${out}\n`);
    if (controller.signal.aborted) {
      io.stderr('cell-lens search: interrupted; the best cells so far were written.\n');
      return 130;
    }
    return 0;
  } catch (e) {
    io.stderr(`cell-lens search: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  } finally {
    cs.dispose();
    interrupt.release();
  }
}
