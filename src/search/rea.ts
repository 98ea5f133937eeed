/**
 * Regularized evolution (REA, Real et al. 2019, "aging evolution"): a population of P cells, initialised with
 * random cells; each cycle samples S members uniformly without replacement, mutates the best of the sample,
 * evaluates the child, appends it and removes the OLDEST member. Cached children (hash seen before) cost no
 * budget but still join the population. The budget counts fitness calls, the initial population included.
 * The initial population is scored as a batch (see {@link initialPopulation}); the evolution cycles one by one.
 * Pure logic; no `vscode` import.
 */
import { better, Evaluator, Proposer, runSearch } from './engine';
import { sampleDistinct } from './space';
import type { EvalRecord, Fitness, SearchOptions, SearchResult } from './types';

/** REA options. */
export interface ReaOptions extends SearchOptions {
  /** Population size P (default 20). */
  readonly population?: number;
  /** Sample size S (default 5). */
  readonly sampleSize?: number;
}

/**
 * P random cells (fewer when the budget or the pool ends first), evaluated as batches: the samples depend only on
 * the seed, so they are scored together (in parallel with a pooled scorer) with the same log as one at a time.
 * Shared by REA and the GA.
 */
export async function initialPopulation(ev: Evaluator, pr: Proposer, P: number): Promise<EvalRecord[]> {
  const population: EvalRecord[] = [];
  while (population.length < P && !ev.spent && !pr.poolDrained) {
    const batch = [];
    for (let k = Math.min(P - population.length, ev.budgetLeft); k > 0 && !pr.poolDrained; k--)
      batch.push({ recipe: pr.sample(), phase: 'sample' as const });
    population.push(...(await ev.evaluateMany(batch)));
  }
  return population;
}

/**
 * The evolution loop on an existing population (shared by REA and AREA). Inherently sequential: each cycle's
 * tournament sees the child of the cycle before (and the aging removal), so children are evaluated one at a time.
 */
export async function evolve(ev: Evaluator, pr: Proposer, population: EvalRecord[], sampleSize: number): Promise<void> {
  while (!ev.spent && population.length > 0) {
    const sample = sampleDistinct(pr.rng, population, Math.min(sampleSize, population.length));
    let parent = sample[0];
    for (const s of sample) if (better(s, parent)) parent = s;
    const child = await ev.evaluate(pr.mutate(parent.recipe, parent.hash), 'mutate', [parent.hash]);
    population.push(child);
    population.shift();
  }
}

/** Regularized evolution (see the module comment). */
export async function rea(fitness: Fitness, options: ReaOptions): Promise<SearchResult> {
  const P = options.population ?? 20;
  const S = options.sampleSize ?? 5;
  const ev = new Evaluator(fitness, options);
  const pr = new Proposer(options);
  return runSearch(ev, async () => {
    const population = await initialPopulation(ev, pr, P);
    await evolve(ev, pr, population, S);
  });
}
