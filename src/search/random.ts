/**
 * Random search ranked by a fitness: sample cells (the NAS-Bench-NLP generator, or uniformly without
 * replacement from a pool), evaluate each until the budget is spent, keep the best. With a train-free score
 * as the fitness this is NASWOT's "sample N, pick the best-scored" procedure (N = budget). The samples are drawn
 * before they are scored (the draws use only the seed), so they are scored as a batch — in parallel with a pooled
 * scorer — with the same log as one at a time.
 * Pure logic; no `vscode` import.
 */
import { Evaluator, Proposer, runSearch } from './engine';
import type { Fitness, SearchOptions, SearchResult } from './types';

/** Random search (see the module comment). */
export async function randomSearch(fitness: Fitness, options: SearchOptions): Promise<SearchResult> {
  const ev = new Evaluator(fitness, options);
  const pr = new Proposer(options);
  return runSearch(ev, async () => {
    // The samples do not depend on any fitness: draw as many as the budget has left and evaluate them as one batch
    // (scored in parallel); repeats cost no budget, so the loop draws again until the budget is spent.
    while (!ev.spent) {
      const batch = [];
      for (let k = ev.budgetLeft; k > 0 && !pr.poolDrained; k--)
        batch.push({ recipe: pr.sample(), phase: 'sample' as const });
      if (batch.length === 0) return;
      await ev.evaluateMany(batch);
    }
  });
}
