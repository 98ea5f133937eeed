/**
 * Assisted regularized evolution (AREA, Mellor et al. 2021, NASWOT paper): score M random cells with the
 * cheap train-free score (no budget), seed the REA population with the P best-scored of them, evaluate those
 * with the expensive oracle (counted in the budget), then run REA with the oracle. The budget counts oracle
 * calls only; the cheap-scored cells are logged with `oracle: 'cheap'`. The pre-screen and the oracle seeds are
 * each scored as a batch (in parallel with a pooled scorer, same log); the REA cycles after them one by one.
 * Pure logic; no `vscode` import.
 */
import { Evaluator, fitnessKey, Proposer, runSearch } from './engine';
import { evolve } from './rea';
import type { EvalRecord, Fitness, SearchOptions, SearchResult } from './types';

/** AREA options. */
export interface AreaOptions extends SearchOptions {
  /** Cells scored by the cheap score (default 100). */
  readonly cheapSamples?: number;
  /** Population size P (default 20). */
  readonly population?: number;
  /** Sample size S (default 5). */
  readonly sampleSize?: number;
}

/** AREA with a cheap score and an expensive oracle, both higher = better (see the module comment). */
export async function area(cheap: Fitness, oracle: Fitness, options: AreaOptions): Promise<SearchResult> {
  const M = options.cheapSamples ?? 100;
  const P = options.population ?? 20;
  const S = options.sampleSize ?? 5;
  const ev = new Evaluator(oracle, options, cheap);
  const pr = new Proposer(options);
  return runSearch(ev, async () => {
    // The pre-screen's samples and the oracle seeds do not depend on each other's fitness: each is one batch.
    const samples = [];
    for (let i = 0; i < M && !pr.poolDrained; i++) samples.push(pr.sample());
    const scored: EvalRecord[] = [];
    const seen = new Set<string>();
    for (const r of await ev.evaluateCheapMany(samples)) {
      if (seen.has(r.hash)) continue;
      seen.add(r.hash);
      scored.push(r);
    }
    scored.sort((a, b) => fitnessKey(b.fitness) - fitnessKey(a.fitness) || a.step - b.step);
    const seeds = scored.slice(0, Math.min(P, ev.budgetLeft));
    const population = await ev.evaluateMany(
      seeds.map((s) => ({ recipe: s.recipe, phase: 'oracle-seed' as const, hash: s.hash })),
    );
    await evolve(ev, pr, population, S);
  });
}
