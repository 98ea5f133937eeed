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
import { ScoreCache } from '../scoring/cache';
import { SCORE_IDS, SCORES, type ScoreId } from '../scoring/types';
import {
  ALGO_LABELS, SEARCH_ALGOS, benchmarkSearch, bestCells, isSearchAlgo, reportSource, runAlgorithm, scoreFitness,
  searchTableMarkdown, searchTableText, type SearchAlgo,
} from '../search/runner';
import { formatValue } from '../study/plots';
import {
  ArgReader, UsageError, cliScorer, commandLine, commonFlag, defaultCacheDir, defaultCommon, encodeResults, interruptSignal,
  isFatalScoringError, loadCells, settingsOf, type CommonArgs, type StudyCliOptions,
} from './common';

export const SEARCH_USAGE = `Usage: cell-lens search --algo A --score S --budget N [options]

Training-free search: the fitness of a cell is one train-free score (oriented: higher = better).

  --algo A[,B...]|all    ${SEARCH_ALGOS.join(' | ')}
  --score S              the fitness score: ${SCORE_IDS.join(', ')}
  --budget N             score evaluations per run (AREA: of the main score; its cheap pre-screen is extra)
  --seed S               first seed (default 0)
  --seeds K              runs per algorithm with seeds S … S+K−1 (default 1)
  --logs PATH[=DATASET]  search the trained cells of these logs instead of the bundled WikiText-2 cells
  --dataset NAME         which dataset of the logs
  --space                search the whole NAS-Bench-NLP space instead (new cells; writes the best cells)
  --out FILE             restricted mode: the table and every pick as JSON; --space: the best cells as a
                         list of recipes (default best-cells.json)
  --top K                --space: how many best cells to write (default 10)
  --cheap S              AREA's cheap pre-screen score (default params, which needs no tensors)
  --cheap-samples M      AREA: cells pre-screened with the cheap score (default 100)
  --population P         population of REA / AREA / GA (default 20)
  --preset P             proxy (default) or nas-bench-nlp sizes for scoring
  --scores a,b,...       the score set of each report (default: all in restricted mode, so a study's cache is
                         reused; --space: only the fitness and cheap scores)
  --repeats R, --cache DIR, --no-cache, --backend B, --timeout S, --node PATH, --verbose   as for \`study\`
  -h, --help             this help
`;

interface SearchArgs extends CommonArgs {
  algos: SearchAlgo[];
  score?: ScoreId;
  budget?: number;
  seeds: number;
  space: boolean;
  out?: string;
  top: number;
  cheap: ScoreId;
  cheapSamples: number;
  population?: number;
}

function parseSearchArgs(argv: readonly string[]): SearchArgs {
  const a: SearchArgs = { ...defaultCommon(), algos: [], seeds: 1, space: false, top: 10, cheap: 'params', cheapSamples: 100 };
  const r = new ArgReader(argv);
  for (let f = r.next(); f !== undefined; f = r.next()) {
    if (commonFlag(f, r, a)) continue;
    switch (f) {
      case '--algo': {
        const v = r.value().split(',').map((s) => s.trim()).filter(Boolean);
        const list = v.length === 1 && v[0] === 'all' ? [...SEARCH_ALGOS] : v;
        const bad = list.filter((x) => !isSearchAlgo(x));
        if (bad.length || list.length === 0) throw new UsageError(`--algo takes ${SEARCH_ALGOS.join(', ')} or all; not "${bad.join(',') || v.join(',')}"`);
        a.algos = [...new Set(list as SearchAlgo[])];
        break;
      }
      case '--score': {
        const v = r.value();
        if (!(SCORE_IDS as readonly string[]).includes(v)) throw new UsageError(`--score: unknown score "${v}"; known: ${SCORE_IDS.join(', ')}`);
        a.score = v as ScoreId;
        break;
      }
      case '--cheap': {
        const v = r.value();
        if (!(SCORE_IDS as readonly string[]).includes(v)) throw new UsageError(`--cheap: unknown score "${v}"`);
        a.cheap = v as ScoreId;
        break;
      }
      case '--budget': a.budget = r.int(1); break;
      case '--seeds': a.seeds = r.int(1); break;
      case '--top': a.top = r.int(1); break;
      case '--cheap-samples': a.cheapSamples = r.int(1); break;
      case '--population': a.population = r.int(2); break;
      case '--space': a.space = true; break;
      case '--out': a.out = r.value(); break;
      default: throw new UsageError(f.startsWith('-') ? `unknown option ${f}` : `unexpected argument "${f}"`);
    }
  }
  if (!a.help) {
    if (a.algos.length === 0) throw new UsageError('--algo is required');
    if (!a.score) throw new UsageError('--score is required');
    if (a.budget === undefined) throw new UsageError('--budget is required');
  }
  return a;
}

/** Run `cell-lens search` with `argv` (the arguments after `search`). Never throws; returns the exit code. */
export async function runSearchCli(argv: string[], io: CliIO, opts: StudyCliOptions = {}): Promise<number> {
  let args: SearchArgs;
  try {
    args = parseSearchArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`cell-lens search: ${e.message}\n\n${SEARCH_USAGE}`);
    return 2;
  }
  if (args.help) { io.stdout(SEARCH_USAGE); return 0; }
  const score = args.score!;
  const budget = args.budget!;
  const needsCheap = args.algos.includes('area');
  const scores = args.scores ?? (args.space ? [...new Set<ScoreId>([score, ...(needsCheap ? [args.cheap] : [])])] : [...SCORE_IDS]);
  for (const s of [score, ...(needsCheap ? [args.cheap] : [])]) {
    if (!scores.includes(s)) { io.stderr(`cell-lens search: --scores must include ${s}\n`); return 2; }
  }
  const settings = settingsOf(args, scores);
  const cacheDir = args.cache ? args.cacheDir ?? defaultCacheDir() : undefined;
  const cache = new ScoreCache({ dir: cacheDir, maxEntries: 5000 });
  const interrupt = interruptSignal(io, 'search', opts);
  const cs = cliScorer(args, io, opts);
  let fatal: string | undefined;
  const controller = new AbortController();
  interrupt.signal.addEventListener('abort', () => controller.abort(), { once: true });
  const source = reportSource(cs.scorer, settings, {
    cache, signal: controller.signal,
    onError: (e, hash) => {
      io.stderr(`cell-lens search: ${hash.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)}\n`);
      if (isFatalScoringError(e)) { fatal = e instanceof Error ? e.message : String(e); controller.abort(); }
    },
  });
  const fitness = scoreFitness(source, score);
  const cheap = needsCheap ? scoreFitness(source, args.cheap) : undefined;
  const label = SCORES[score].label;
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
      io.stderr(`cell-lens search: ${args.algos.join(', ')} × ${args.seeds} seed(s), fitness ${label}, budget ${budget}, over ${trained} trained cells (preset ${args.preset})\n`);
      const res = await benchmarkSearch(cells, {
        algos: args.algos, score, budget, seed: args.seed, seeds: args.seeds, fitness, cheap,
        cheapSamples: args.cheapSamples, population: args.population, signal: controller.signal,
        onRun: (algo, seed, pick, i, n) => io.stderr(`[${i}/${n}] ${algo} seed ${seed}: ${pick ? `${pick.label} (test loss ${pick.testLoss.toFixed(3)}, rank ${pick.rank})` : 'nothing'} · ${source.calls} cells scored so far\n`),
      });
      if (fatal) { io.stderr(`cell-lens search: ${fatal}\n`); return 2; }
      if (res.aborted) { io.stderr('cell-lens search: interrupted; scored cells are cached.\n'); return 130; }
      io.stdout(`${label} (${SCORES[score].better} is better) · budget ${budget} · ${res.seeds.length} seed(s) · pool of ${res.poolSize} trained cells\n`);
      io.stdout(searchTableText(res));
      io.stderr(`cell-lens search: done in ${((Date.now() - t0) / 1000).toFixed(1)} s (${source.calls} cells scored, ${source.failures} failed)\n`);
      if (args.out) {
        await fs.mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
        await fs.writeFile(args.out, encodeResults({ version: 1, command: commandLine('search', argv), settings, result: res, markdown: searchTableMarkdown(res) }), 'utf8');
        io.stdout(`wrote ${args.out}\n`);
      }
      return 0;
    }
    // Whole space.
    const results = [];
    for (const algo of args.algos) {
      for (let k = 0; k < args.seeds; k++) {
        const seed = args.seed + k;
        io.stderr(`cell-lens search: ${ALGO_LABELS[algo]}, seed ${seed}, fitness ${label}, budget ${budget} (whole space, preset ${args.preset})\n`);
        const res = await runAlgorithm(algo, fitness, {
          budget, seed, signal: controller.signal, cheap, cheapSamples: args.cheapSamples, population: args.population,
          onProgress: (p) => {
            if (p.last.cached || p.last.oracle !== 'main') return;
            const line = `[${p.evaluations}/${p.budget}] ${p.last.hash.slice(0, 12)} ${formatValue(p.last.fitness)} · best ${p.best ? formatValue(p.best.fitness) : 'n/a'}`;
            if (io.stderrIsTTY) io.stderr(`\r\x1b[2K${line.slice(0, (io.columns ?? 80) - 1)}${p.evaluations >= p.budget ? '\n' : ''}`);
            else io.stderr(`${line}\n`);
          },
        });
        results.push(res);
        if (res.aborted) break;
      }
      if (controller.signal.aborted) break;
    }
    if (fatal) { io.stderr(`cell-lens search: ${fatal}\n`); return 2; }
    const best = bestCells(results, args.top);
    const out = args.out ?? 'best-cells.json';
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await fs.writeFile(out, `[\n${best.map((b) => recipeToJson(b.recipe)).join(',\n')}\n]\n`, 'utf8');
    const sign = SCORES[score].better === 'lower' ? -1 : 1;
    io.stdout(`best ${best.length} cells by ${label} (${SCORES[score].better} is better), best first:\n`);
    best.forEach((b, i) => io.stdout(`  ${String(i + 1).padStart(2)}. ${b.hash.slice(0, 12)}  ${formatValue(sign * b.fitness)}\n`));
    io.stdout(`wrote ${out}\n`);
    if (controller.signal.aborted) { io.stderr('cell-lens search: interrupted; the best cells so far were written.\n'); return 130; }
    return 0;
  } catch (e) {
    io.stderr(`cell-lens search: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  } finally {
    cs.dispose();
    interrupt.release();
  }
}
