/**
 * Genetic algorithm of the hybrid-score train-free NAS paper: a generational GA whose fitness is a
 * train-free (hybrid) score. Generation 0 is P random cells; each next generation keeps the E best
 * (elitism) and fills the rest with children: two parents chosen by tournament selection (the best of T
 * members drawn uniformly), crossover (subgraph exchange) with probability `crossoverRate` (otherwise a copy
 * of the first parent), then a mutation with probability `mutationRate` (always when the child equals a
 * parent, so children are new cells). Selection uses the fitness, i.e. the hybrid score the caller passes.
 * Note the paper's hybrid score is rank-normalised; the caller decides against which reference set the
 * ranks are taken (a fixed reference set keeps the fitness of a cell stable across generations).
 * The budget counts fitness calls; cached children cost none. Generation 0 and every generation's children are
 * scored as batches (in parallel with a pooled scorer): children depend only on the previous generation.
 * Pure logic; no `vscode` import.
 */
import { better, Evaluator, fitnessKey, Proposer, runSearch } from './engine';
import { randInt } from './space';
import { initialPopulation } from './rea';
import type { EvalRecord, Fitness, SearchOptions, SearchResult } from './types';

/** GA options. */
export interface GaOptions extends SearchOptions {
  /** Population size P (default 20). */
  readonly population?: number;
  /** Tournament size T (default 3). */
  readonly tournament?: number;
  /** Elite count E (default 2). */
  readonly elite?: number;
  /** Crossover probability (default 0.5). */
  readonly crossoverRate?: number;
  /** Mutation probability (default 0.5). */
  readonly mutationRate?: number;
}

/** The hybrid-score GA (see the module comment). */
export async function ga(fitness: Fitness, options: GaOptions): Promise<SearchResult> {
  const P = options.population ?? 20;
  const T = options.tournament ?? 3;
  const E = Math.min(options.elite ?? 2, P - 1);
  const pc = options.crossoverRate ?? 0.5;
  const pm = options.mutationRate ?? 0.5;
  const ev = new Evaluator(fitness, options);
  const pr = new Proposer(options);
  const tournament = (pop: readonly EvalRecord[]): EvalRecord => {
    let best: EvalRecord | undefined;
    for (let i = 0; i < T; i++) {
      const c = pop[randInt(pr.rng, pop.length)];
      if (better(c, best)) best = c;
    }
    return best!;
  };
  const breed = (pop: readonly EvalRecord[]) => {
    const a = tournament(pop);
    const b = tournament(pop);
    let child = a.recipe;
    let phase: 'crossover' | 'mutate' = 'mutate';
    const parents = [a.hash];
    if (pr.rng() < pc && a.hash !== b.hash) {
      child = pr.crossover(a.recipe, a.hash, b.recipe, b.hash);
      phase = 'crossover';
      parents.push(b.hash);
    }
    const h = ev.hash(child);
    if (pr.rng() < pm || h === a.hash || h === b.hash) {
      child = pr.mutate(child, h);
    }
    return { recipe: child, phase, parents };
  };
  return runSearch(ev, async () => {
    let pop = await initialPopulation(ev, pr, P);
    while (!ev.spent && pop.length > 0) {
      const sorted = [...pop].sort((a, b) => fitnessKey(b.fitness) - fitnessKey(a.fitness) || a.step - b.step);
      const next: EvalRecord[] = sorted.slice(0, E);
      while (next.length < P && !ev.spent) {
        // Children are bred from the previous generation only, so a generation's children (as many as the budget
        // has left) are proposed first and evaluated as one batch: same draws, same log as one at a time.
        const batch = [];
        for (let k = Math.min(P - next.length, ev.budgetLeft); k > 0; k--) batch.push(breed(pop));
        next.push(...(await ev.evaluateMany(batch)));
      }
      pop = next;
    }
  });
}
