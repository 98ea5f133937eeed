/**
 * Machinery shared by the search algorithms: the budgeted, cached, cancellable evaluator that keeps the log,
 * and the proposer that samples / mutates / crosses cells either in the whole space or in a pool.
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { canonicalHash } from '../recipe/canonical';
import { makeRng } from '../scoring/rng';
import { crossover, mutate } from './mutate';
import { nearestInPool, type CellPool } from './pool';
import { choice, randInt, randomCell, type Rng } from './space';
import type { EvalPhase, EvalRecord, Fitness, SearchOptions, SearchResult } from './types';

/** Thrown internally to unwind an algorithm when the budget, the steps or the signal end it. */
export class StopSearch extends Error {
  constructor(readonly why: 'budget' | 'aborted' | 'exhausted') {
    super(why);
  }
}

/** Comparable fitness: NaN ranks below everything. */
export function fitnessKey(v: number): number {
  return Number.isNaN(v) ? -Infinity : v;
}

/** Whether record a beats record b (strictly higher fitness; earlier wins ties). */
export function better(a: EvalRecord, b: EvalRecord | undefined): boolean {
  return (
    b === undefined ||
    fitnessKey(a.fitness) > fitnessKey(b.fitness) ||
    (fitnessKey(a.fitness) === fitnessKey(b.fitness) && Number.isNaN(b.fitness) && !Number.isNaN(a.fitness))
  );
}

/** Budgeted, cached, cancellable evaluation with a log. */
export class Evaluator {
  readonly log: EvalRecord[] = [];
  evaluations = 0;
  best: EvalRecord | undefined;
  private readonly cache = new Map<string, number>();
  private readonly cheapCache = new Map<string, number>();
  private steps = 0;
  private readonly maxSteps: number;
  readonly hash: (r: Recipe) => string;

  constructor(
    private readonly fitness: Fitness,
    private readonly options: SearchOptions,
    private readonly cheap?: Fitness,
  ) {
    this.hash = options.hash ?? canonicalHash;
    this.maxSteps = options.maxSteps ?? 50 * options.budget + 1000;
  }

  /** Whether the main budget is spent. */
  get spent(): boolean {
    return this.evaluations >= this.options.budget;
  }

  /** Whether a hash has a main fitness already. */
  seen(hash: string): boolean {
    return this.cache.has(hash);
  }

  private guard(): void {
    if (this.options.signal?.aborted) throw new StopSearch('aborted');
    if (++this.steps > this.maxSteps) throw new StopSearch('exhausted');
  }

  /** Main fitness calls left in the budget. */
  get budgetLeft(): number {
    return Math.max(0, this.options.budget - this.evaluations);
  }

  /** Evaluates with the main fitness (or returns the cached value); throws StopSearch when the run must end. */
  async evaluate(
    recipe: Recipe,
    phase: EvalPhase,
    parents?: readonly string[],
    hash = this.hash(recipe),
  ): Promise<EvalRecord> {
    return this.evaluateWith(recipe, phase, parents, hash, () => this.fitness(recipe, hash));
  }

  /**
   * Evaluates cells as {@link evaluate} would one after another — the same log, cache hits, budget, steps, best and
   * progress, in the same order, the same StopSearch at the same cell — but with up to `parallel` (SearchOptions)
   * fitness calls in flight: while one cell's fitness is awaited, the next ones' have started, so a scorer with
   * several processes scores them at once. For cells whose choice does not depend on each other's fitness (a batch
   * of samples, a GA generation). Only the cells the sequential loop would evaluate reach the fitness: not repeats
   * within the batch, not cells past the budget or the step limit. With `parallel` 1 (the default) the calls happen
   * exactly as with {@link evaluate}.
   */
  async evaluateMany(
    items: readonly { recipe: Recipe; phase: EvalPhase; parents?: readonly string[]; hash?: string }[],
  ): Promise<EvalRecord[]> {
    const hashes = items.map((it) => it.hash ?? this.hash(it.recipe));
    // Which items the sequential loop would send to the fitness, in order.
    const callOf = new Map<number, number>();
    const calls: (() => Promise<number>)[] = [];
    const planned = new Set<string>();
    for (let i = 0, steps = this.steps, evaluations = this.evaluations; i < items.length; i++) {
      if (++steps > this.maxSteps) break;
      const h = hashes[i];
      if (this.cache.has(h) || planned.has(h)) continue;
      if (evaluations >= this.options.budget) break;
      evaluations++;
      planned.add(h);
      callOf.set(i, calls.length);
      calls.push(() => this.fitness(items[i].recipe, h));
    }
    const ahead = new Prefetch(calls, this.options.parallel ?? 1, this.options.signal);
    const out: EvalRecord[] = [];
    for (let i = 0; i < items.length; i++) {
      const { recipe, phase, parents } = items[i];
      const h = hashes[i];
      const c = callOf.get(i);
      out.push(
        await this.evaluateWith(recipe, phase, parents, h, () =>
          c !== undefined ? ahead.get(c) : this.fitness(recipe, h),
        ),
      );
    }
    return out;
  }

  private async evaluateWith(
    recipe: Recipe,
    phase: EvalPhase,
    parents: readonly string[] | undefined,
    hash: string,
    compute: () => Promise<number>,
  ): Promise<EvalRecord> {
    this.guard();
    let fitness = this.cache.get(hash);
    const cached = fitness !== undefined;
    if (fitness === undefined) {
      if (this.spent) throw new StopSearch('budget');
      fitness = await compute();
      if (this.options.signal?.aborted) throw new StopSearch('aborted');
      this.evaluations++;
      this.cache.set(hash, fitness);
    }
    const rec: EvalRecord = {
      step: this.log.length,
      hash,
      recipe,
      fitness,
      phase,
      oracle: 'main',
      cached,
      parents,
      evaluations: this.evaluations,
    };
    this.push(rec);
    if (better(rec, this.best)) this.best = rec;
    return rec;
  }

  /** Evaluates with the cheap score (AREA); not counted in the budget. */
  async evaluateCheap(recipe: Recipe): Promise<EvalRecord> {
    const hash = this.hash(recipe);
    return this.evaluateCheapWith(recipe, hash, () => this.cheap!(recipe, hash));
  }

  /** {@link evaluateCheap} of several cells, with up to `parallel` cheap fitness calls in flight (as {@link evaluateMany}). */
  async evaluateCheapMany(recipes: readonly Recipe[]): Promise<EvalRecord[]> {
    if (!this.cheap) throw new Error('no cheap score');
    const cheap = this.cheap;
    const hashes = recipes.map((r) => this.hash(r));
    const callOf = new Map<number, number>();
    const calls: (() => Promise<number>)[] = [];
    const planned = new Set<string>();
    recipes.forEach((r, i) => {
      const h = hashes[i];
      if (this.cheapCache.has(h) || planned.has(h)) return;
      planned.add(h);
      callOf.set(i, calls.length);
      calls.push(() => cheap(r, h));
    });
    const ahead = new Prefetch(calls, this.options.parallel ?? 1, this.options.signal);
    const out: EvalRecord[] = [];
    for (let i = 0; i < recipes.length; i++) {
      const h = hashes[i];
      const c = callOf.get(i);
      out.push(
        await this.evaluateCheapWith(recipes[i], h, () => (c !== undefined ? ahead.get(c) : cheap(recipes[i], h))),
      );
    }
    return out;
  }

  private async evaluateCheapWith(recipe: Recipe, hash: string, compute: () => Promise<number>): Promise<EvalRecord> {
    if (!this.cheap) throw new Error('no cheap score');
    if (this.options.signal?.aborted) throw new StopSearch('aborted');
    let fitness = this.cheapCache.get(hash);
    const cached = fitness !== undefined;
    if (fitness === undefined) {
      fitness = await compute();
      if (this.options.signal?.aborted) throw new StopSearch('aborted');
      this.cheapCache.set(hash, fitness);
    }
    const rec: EvalRecord = {
      step: this.log.length,
      hash,
      recipe,
      fitness,
      phase: 'cheap',
      oracle: 'cheap',
      cached,
      evaluations: this.evaluations,
    };
    this.push(rec);
    return rec;
  }

  private push(rec: EvalRecord): void {
    this.log.push(rec);
    this.options.onProgress?.({
      evaluations: this.evaluations,
      budget: this.options.budget,
      step: rec.step,
      best: this.best,
      last: rec,
    });
  }

  /** The result, given how the run ended. */
  result(stop?: StopSearch): SearchResult {
    return {
      best: this.best,
      log: this.log,
      evaluations: this.evaluations,
      aborted: stop?.why === 'aborted',
      exhausted: stop?.why === 'exhausted',
    };
  }
}

/**
 * The fitness calls of a batch, started in order: asking for call c starts it and the calls after it, up to
 * `parallel` in flight; none starts after the signal aborts. A call that is never awaited (the run stopped before
 * its cell) has its failure dropped.
 */
class Prefetch {
  private readonly started: Promise<number>[] = [];
  constructor(
    private readonly calls: readonly (() => Promise<number>)[],
    private readonly parallel: number,
    private readonly signal?: AbortSignal,
  ) {}

  get(c: number): Promise<number> {
    this.start(c);
    for (let j = c + 1; j < Math.min(this.calls.length, c + Math.max(1, Math.floor(this.parallel))); j++) {
      if (this.signal?.aborted) break;
      this.start(j);
    }
    return this.started[c];
  }

  private start(j: number): void {
    if (this.started[j] !== undefined) return;
    let p: Promise<number>;
    try {
      p = this.calls[j]();
    } catch (e) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the call's own throw, as it was
      p = Promise.reject(e);
    } // a synchronous throw fails its own cell
    p.catch(() => undefined);
    this.started[j] = p;
  }
}

/** Runs an algorithm body, turning StopSearch into a result. */
export async function runSearch(ev: Evaluator, body: () => Promise<void>): Promise<SearchResult> {
  try {
    await body();
    return ev.result();
  } catch (e) {
    if (e instanceof StopSearch) return ev.result(e);
    throw e;
  }
}

/** Samples, mutates and crosses cells in the whole space or within a pool. */
export class Proposer {
  readonly rng: Rng;
  private unseen: number[] | undefined;

  constructor(private readonly options: SearchOptions) {
    this.rng = makeRng(options.seed ?? 0).next;
  }

  get pool(): CellPool | undefined {
    return this.options.pool;
  }

  /**
   * A random cell. In pool mode: uniform over the members not yet sampled by this proposer (without
   * replacement), then uniform over all once every member was drawn.
   */
  sample(): Recipe {
    const pool = this.options.pool;
    if (!pool) return randomCell(this.rng, this.options.space);
    if (!this.unseen) this.unseen = pool.recipes.map((_, i) => i);
    if (this.unseen.length === 0) return choice(this.rng, pool.recipes);
    const j = randInt(this.rng, this.unseen.length);
    const idx = this.unseen[j];
    this.unseen[j] = this.unseen[this.unseen.length - 1];
    this.unseen.pop();
    return pool.recipes[idx];
  }

  /** Whether a pool exists and every member has been sampled. */
  get poolDrained(): boolean {
    return this.options.pool !== undefined && this.unseen !== undefined && this.unseen.length === 0;
  }

  /** A mutation of `parent` (pool mode: a uniformly drawn neighbour). */
  mutate(parent: Recipe, parentHash: string): Recipe {
    const pool = this.options.pool;
    if (!pool) return mutate(parent, this.rng, this.options.space).recipe;
    const i = pool.indexOf.get(parentHash) ?? nearestInPool(pool, parent);
    const nb = pool.neighbours[i];
    return nb.length ? pool.recipes[choice(this.rng, nb)] : pool.recipes[i];
  }

  /** A crossover child of a and b (pool mode: the member nearest to a space crossover, parents avoided). */
  crossover(a: Recipe, aHash: string, b: Recipe, bHash: string): Recipe {
    const child = crossover(a, b, this.rng, this.options.space).recipe;
    const pool = this.options.pool;
    if (!pool) return child;
    const ex = new Set<number>();
    for (const h of [aHash, bHash]) {
      const i = pool.indexOf.get(h);
      if (i !== undefined) ex.add(i);
    }
    return pool.recipes[nearestInPool(pool, child, ex)];
  }
}
