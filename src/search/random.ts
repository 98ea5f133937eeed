/**
 * Random search ranked by a fitness: sample cells (the NAS-Bench-NLP generator, or uniformly without
 * replacement from a pool), evaluate each until the budget is spent, keep the best. With a train-free score
 * as the fitness this is NASWOT's "sample N, pick the best-scored" procedure (N = budget).
 * Pure logic; no `vscode` import.
 */
import { Evaluator, Proposer, runSearch } from './engine';
import type { Fitness, SearchOptions, SearchResult } from './types';

/** Random search (see the module comment). */
export async function randomSearch(fitness: Fitness, options: SearchOptions): Promise<SearchResult> {
  const ev = new Evaluator(fitness, options);
  const pr = new Proposer(options);
  return runSearch(ev, async () => {
    while (!ev.spent) {
      if (pr.poolDrained) return;
      await ev.evaluate(pr.sample(), 'sample');
    }
  });
}
