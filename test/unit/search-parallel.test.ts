/**
 * The searches with several fitness calls in flight (`parallel`, what `cell-lens search --workers N` passes) give the
 * same log as one call at a time — same cells, fitness, phases, cache hits and budget, in the same order — and do
 * run calls at once where the algorithm allows it; `benchmarkSearch` with several runs at once gives the same
 * result and reports its runs in the same order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recipe } from '../../src/recipe/types';
import { canonicalHash } from '../../src/recipe/canonical';
import { makeRng } from '../../src/scoring/rng';
import { randomCell } from '../../src/search/space';
import { buildPool, type CellPool } from '../../src/search/pool';
import { benchmarkSearch, runAlgorithm, SEARCH_ALGOS, type SearchAlgo } from '../../src/search/runner';
import { better, Evaluator, fitnessKey, Proposer, runSearch } from '../../src/search/engine';
import { evolve } from '../../src/search/rea';
import { randInt } from '../../src/search/space';
import type { EvalRecord, Fitness, SearchOptions, SearchResult } from '../../src/search/types';
import type { StudyCell } from '../../src/study/runner';

const linears = (r: Recipe) => Object.values(r).filter((n) => n.op === 'linear').length;
/** A deterministic fitness with ties (the linear count) and NaN for some cells. */
const value = (r: Recipe, h: string): number =>
  parseInt(h.slice(0, 2), 16) % 11 === 0 ? NaN : Math.min(linears(r), 6) + (parseInt(h.slice(2, 4), 16) % 3) / 4;

/** `f` behind a yield to the event loop, counting calls and the most calls in flight at once. */
function tracked(f: (r: Recipe, h: string) => number): { fitness: Fitness; calls: number; maxInFlight: number } {
  const t = { calls: 0, maxInFlight: 0, fitness: undefined as unknown as Fitness };
  let inFlight = 0;
  t.fitness = async (r, h) => {
    t.calls++;
    inFlight++;
    t.maxInFlight = Math.max(t.maxInFlight, inFlight);
    await new Promise((res) => setImmediate(res));
    inFlight--;
    return f(r, h);
  };
  return t;
}

const logOf = (r: SearchResult) =>
  r.log.map((e) => [
    e.step,
    e.hash,
    Number.isNaN(e.fitness) ? 'NaN' : e.fitness,
    e.phase,
    e.oracle,
    e.cached,
    e.evaluations,
    e.parents?.join(',') ?? '',
  ]);

/**
 * The reference: the algorithms as they were before batching, one evaluation at a time (the same steps in the same
 * order; P = population, S = 5, M = cheap samples, GA with T 3, E 2, rates 0.5).
 */
async function sequential(
  algo: SearchAlgo,
  fitness: Fitness,
  cheap: Fitness,
  o: SearchOptions & { population: number; cheapSamples: number },
): Promise<SearchResult> {
  const P = o.population;
  const ev = new Evaluator(fitness, o, cheap);
  const pr = new Proposer(o);
  return runSearch(ev, async () => {
    switch (algo) {
      case 'random':
        while (!ev.spent) {
          if (pr.poolDrained) return;
          await ev.evaluate(pr.sample(), 'sample');
        }
        return;
      case 'rea': {
        const population: EvalRecord[] = [];
        while (population.length < P && !ev.spent && !pr.poolDrained)
          population.push(await ev.evaluate(pr.sample(), 'sample'));
        return evolve(ev, pr, population, 5);
      }
      case 'area': {
        const scored: EvalRecord[] = [];
        const seen = new Set<string>();
        for (let i = 0; i < o.cheapSamples && !pr.poolDrained; i++) {
          const r = await ev.evaluateCheap(pr.sample());
          if (seen.has(r.hash)) continue;
          seen.add(r.hash);
          scored.push(r);
        }
        scored.sort((a, b) => fitnessKey(b.fitness) - fitnessKey(a.fitness) || a.step - b.step);
        const population: EvalRecord[] = [];
        for (const s of scored.slice(0, P)) {
          if (ev.spent) break;
          population.push(await ev.evaluate(s.recipe, 'oracle-seed', undefined, s.hash));
        }
        return evolve(ev, pr, population, 5);
      }
      case 'ga': {
        const tournament = (pop: readonly EvalRecord[]): EvalRecord => {
          let best: EvalRecord | undefined;
          for (let i = 0; i < 3; i++) {
            const c = pop[randInt(pr.rng, pop.length)];
            if (better(c, best)) best = c;
          }
          return best!;
        };
        let pop: EvalRecord[] = [];
        while (pop.length < P && !ev.spent && !pr.poolDrained) pop.push(await ev.evaluate(pr.sample(), 'sample'));
        while (!ev.spent && pop.length > 0) {
          const sorted = [...pop].sort((a, b) => fitnessKey(b.fitness) - fitnessKey(a.fitness) || a.step - b.step);
          const next: EvalRecord[] = sorted.slice(0, Math.min(2, P - 1));
          while (next.length < P && !ev.spent) {
            const a = tournament(pop);
            const b = tournament(pop);
            let child = a.recipe;
            let phase: 'crossover' | 'mutate' = 'mutate';
            const parents = [a.hash];
            if (pr.rng() < 0.5 && a.hash !== b.hash) {
              child = pr.crossover(a.recipe, a.hash, b.recipe, b.hash);
              phase = 'crossover';
              parents.push(b.hash);
            }
            const h = ev.hash(child);
            if (pr.rng() < 0.5 || h === a.hash || h === b.hash) child = pr.mutate(child, h);
            next.push(await ev.evaluate(child, phase, parents));
          }
          pop = next;
        }
      }
    }
  });
}

function smallPool(n: number, seed: number): CellPool {
  const rng = makeRng(seed).next;
  return buildPool(
    Array.from({ length: n }, () => randomCell(rng)),
    canonicalHash,
  );
}

test('every algorithm: the same log as the one-at-a-time reference, with 1, 2 or 5 calls in flight (whole space and pools, budgets past the pool)', async () => {
  const pools: (CellPool | undefined)[] = [undefined, smallPool(40, 7), smallPool(12, 8)];
  for (const algo of SEARCH_ALGOS) {
    for (const pool of pools) {
      for (const seed of [0, 1]) {
        for (const budget of [7, 30]) {
          const opts = { budget, seed, pool, population: 5, cheapSamples: 9 };
          const one = tracked(value),
            many = [2, 5].map(() => tracked(value));
          const cheapOne = tracked((r) => linears(r)),
            cheapMany = [2, 5].map(() => tracked((r) => linears(r)));
          const base = await runAlgorithm(algo, one.fitness, { ...opts, cheap: cheapOne.fitness });
          const ref = await sequential(
            algo,
            (r, h) => Promise.resolve(value(r, h)),
            (r) => Promise.resolve(linears(r)),
            opts,
          );
          assert.deepEqual(
            logOf(base),
            logOf(ref),
            `${algo}, ${pool ? `pool of ${pool.recipes.length}` : 'space'}, seed ${seed}, budget ${budget}: batched vs reference`,
          );
          assert.equal(base.exhausted, ref.exhausted);
          assert.equal(one.maxInFlight, 1);
          assert.equal(one.calls, base.evaluations);
          for (const [k, parallel] of [2, 5].entries()) {
            const res = await runAlgorithm(algo, many[k].fitness, { ...opts, cheap: cheapMany[k].fitness, parallel });
            const what = `${algo}, ${pool ? `pool of ${pool.recipes.length}` : 'space'}, seed ${seed}, budget ${budget}, parallel ${parallel}`;
            assert.deepEqual(logOf(res), logOf(base), what);
            assert.equal(res.evaluations, base.evaluations, what);
            assert.equal(res.best?.hash, base.best?.hash, what);
            assert.equal(res.exhausted, base.exhausted, what);
            // Only the cells the sequential run evaluates reach the fitness (no wasted scoring).
            assert.equal(many[k].calls, one.calls, what);
            assert.equal(cheapMany[k].calls, cheapOne.calls, what);
            assert.ok(many[k].maxInFlight <= parallel, what);
          }
        }
      }
    }
  }
});

test("the batches really run calls at once: random samples, initial populations, GA generations, AREA's pre-screen", async () => {
  for (const algo of SEARCH_ALGOS) {
    const t = tracked(value);
    const cheap = tracked((r) => linears(r));
    await runAlgorithm(algo, t.fitness, {
      budget: 40,
      seed: 3,
      population: 8,
      cheapSamples: 20,
      parallel: 4,
      cheap: cheap.fitness,
    });
    assert.equal(t.maxInFlight, 4, algo);
    if (algo === 'area') assert.equal(cheap.maxInFlight, 4);
  }
});

test('an abort with calls in flight: no call starts after it, the run ends aborted', async () => {
  const ctl = new AbortController();
  let calls = 0;
  const res = await runAlgorithm(
    'random',
    async (r, h) => {
      calls++;
      if (calls === 7) ctl.abort();
      await new Promise((res) => setImmediate(res));
      return value(r, h);
    },
    { budget: 100, seed: 0, signal: ctl.signal, parallel: 4 },
  );
  assert.ok(res.aborted);
  assert.ok(calls <= 7 + 3, `${calls} calls`); // at most parallel − 1 were already started
  assert.ok(res.evaluations < 7);
});

test('benchmarkSearch: several runs at once give the same rows, picks, baselines and run order', async () => {
  const pool = smallPool(30, 11);
  const cells: StudyCell[] = pool.recipes.map((recipe, i) => ({
    hash: pool.hashes[i],
    recipe,
    label: `cell ${i}`,
    dataset: 'test',
    testLoss: 4 + ((i * 7) % 30) / 10,
    valLoss: NaN,
    diverged: false,
  }));
  const run = async (concurrency: number) => {
    const t = tracked(value);
    const order: string[] = [];
    const res = await benchmarkSearch(cells, {
      algos: [...SEARCH_ALGOS] as SearchAlgo[],
      score: 'naswot',
      budget: 6,
      seed: 4,
      seeds: 3,
      fitness: t.fitness,
      cheap: (r) => Promise.resolve(linears(r)),
      cheapSamples: 8,
      population: 4,
      concurrency,
      onRun: (algo, seed, pick, i, n) => order.push(`${i}/${n} ${algo} ${seed} ${pick?.hash ?? '-'}`),
    });
    return { res, order, maxInFlight: t.maxInFlight };
  };
  const one = await run(1);
  const three = await run(3);
  assert.equal(one.maxInFlight, 1);
  assert.ok(three.maxInFlight > 1);
  assert.deepEqual(three.res, one.res);
  assert.deepEqual(three.order, one.order);
  assert.equal(one.res.rows.length, SEARCH_ALGOS.length);
  assert.ok(one.res.rows.every((r) => r.picks.length === 3));
  assert.ok(Number.isFinite(one.res.baselines.bestScoredLoss));
});
