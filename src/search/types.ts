/**
 * Shared contract of the training-free search algorithms (random search, REA, AREA, GA).
 *
 * - A fitness / oracle is `(recipe, hash) => Promise<number>`, HIGHER = BETTER. The caller orients scores
 *   and losses (e.g. pass `-testLoss`, or `-ntk_cond`). NaN fitness is recorded as NaN and ranks below
 *   every number.
 * - The budget counts calls of the (expensive) fitness. A cell whose canonical hash was already evaluated is
 *   not evaluated again: it is logged with `cached: true` and its earlier fitness, and costs no budget. To
 *   stop on a finite space, an algorithm also stops after `maxSteps` proposals (default 50 × budget + 1000)
 *   or when a pool is exhausted.
 * - Cancellation: when `signal` is aborted the algorithm starts no further fitness call and returns what it
 *   has, with `aborted: true` (it does not throw).
 * - Parallelism: with `parallel` N > 1, cells whose choice does not depend on each other's fitness are scored up
 *   to N at once; the log is the same as with N = 1.
 * - Determinism: with the same seed, options, fitness values and pool, the log is identical.
 *
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import type { MutateOptions } from './mutate';
import type { CellPool } from './pool';

/** Fitness / oracle: higher = better. */
export type Fitness = (recipe: Recipe, hash: string) => Promise<number>;

/** How a logged cell was obtained. */
export type EvalPhase = 'sample' | 'mutate' | 'crossover' | 'cheap' | 'oracle-seed';

/** One evaluated cell. */
export interface EvalRecord {
  /** 0-based position in the log. */
  readonly step: number;
  readonly hash: string;
  readonly recipe: Recipe;
  readonly fitness: number;
  readonly phase: EvalPhase;
  /** Which fitness produced it: the main oracle, or AREA's cheap score. */
  readonly oracle: 'main' | 'cheap';
  /** True when the fitness was not called (same hash seen before). */
  readonly cached: boolean;
  /** Hashes of the parent(s), for mutations and crossovers. */
  readonly parents?: readonly string[];
  /** Main-oracle calls made so far, this one included. */
  readonly evaluations: number;
}

/** Progress report, sent after every logged cell. */
export interface SearchProgress {
  readonly evaluations: number;
  readonly budget: number;
  readonly step: number;
  readonly best: EvalRecord | undefined;
  readonly last: EvalRecord;
}

/** Options common to every algorithm. */
export interface SearchOptions {
  /** Number of main fitness calls allowed. */
  readonly budget: number;
  /** PRNG seed (default 0). */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SearchProgress) => void;
  /** Space and mutation options (ignored in pool mode). */
  readonly space?: MutateOptions;
  /** Restricted mode: search only over these cells (see pool.ts). */
  readonly pool?: CellPool;
  /** Canonical hash (default `canonicalHash` of recipe/canonical). */
  readonly hash?: (recipe: Recipe) => string;
  /** Stop after this many proposed cells, cached ones included (default 50 × budget + 1000). */
  readonly maxSteps?: number;
  /**
   * Fitness calls in flight at once where the algorithm allows it (default 1: one after another). Batches whose
   * cells do not depend on each other's fitness (random samples, initial populations, a GA generation, AREA's
   * pre-screen and seeds) keep up to this many calls running; the log is the same for any value. After an abort,
   * up to `parallel − 1` calls already started may still finish (their results are discarded).
   */
  readonly parallel?: number;
}

/** What every algorithm returns. */
export interface SearchResult {
  /** Best cell by the main fitness (NaN below everything); undefined when nothing was evaluated. */
  readonly best: EvalRecord | undefined;
  /** Every logged cell in order (cheap-score cells of AREA included, with `oracle: 'cheap'`). */
  readonly log: EvalRecord[];
  /** Main fitness calls made. */
  readonly evaluations: number;
  readonly aborted: boolean;
  /** True when the pool (restricted mode) or `maxSteps` ran out before the budget. */
  readonly exhausted: boolean;
}
