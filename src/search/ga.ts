/**
 * Genetic algorithm of the hybrid-score train-free NAS paper: a generational GA whose fitness is a
 * train-free (hybrid) score. Generation 0 is P random cells; each next generation keeps the E best
 * (elitism) and fills the rest with children: two parents chosen by tournament selection (the best of T
 * members drawn uniformly), crossover (subgraph exchange) with probability `crossoverRate` (otherwise a copy
 * of the first parent), then a mutation with probability `mutationRate` (always when the child equals a
 * parent, so children are new cells). Selection uses the fitness, i.e. the hybrid score the caller passes.
 * Note the paper's hybrid score is rank-normalised; the caller decides against which reference set the
 * ranks are taken (a fixed reference set keeps the fitness of a cell stable across generations).
 * The budget counts fitness calls; cached children cost none.
 * Pure logic; no `vscode` import.
 */
import { better, Evaluator, fitnessKey, Proposer, runSearch } from './engine';
import { randInt } from './space';
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
  return runSearch(ev, async () => {
    let pop: EvalRecord[] = [];
    while (pop.length < P && !ev.spent && !pr.poolDrained) pop.push(await ev.evaluate(pr.sample(), 'sample'));
    while (!ev.spent && pop.length > 0) {
      const sorted = [...pop].sort((a, b) => fitnessKey(b.fitness) - fitnessKey(a.fitness) || a.step - b.step);
      const next: EvalRecord[] = sorted.slice(0, E);
      while (next.length < P && !ev.spent) {
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
        next.push(await ev.evaluate(child, phase, parents));
      }
      pop = next;
    }
  });
}
