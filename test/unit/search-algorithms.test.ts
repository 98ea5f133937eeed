import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recipe } from '../../src/recipe/types';
import { canonicalHash } from '../../src/recipe/canonical';
import { makeRng } from '../../src/scoring/rng';
import { isInSpace, randomCell } from '../../src/search/space';
import { buildPool, cellDistance, type CellPool } from '../../src/search/pool';
import { randomSearch } from '../../src/search/random';
import { rea } from '../../src/search/rea';
import { area } from '../../src/search/area';
import { ga } from '../../src/search/ga';
import type { SearchResult } from '../../src/search/types';

// Synthetic oracle: number of `linear` nodes, capped at 10. Among 5,000 generator cells none has ≥ 10 linear
// nodes (0.26% have 9), so the optimum 10 needs a search that climbs.
const linears = (r: Recipe) => Object.values(r).filter((n) => n.op === 'linear').length;
const capped = (r: Recipe) => Promise.resolve(Math.min(linears(r), 10));
// The success rates below were measured over many seeds (makeRng, 2026-11-24): whole space, budget 200 — REA
// 39/40, AREA 40/40, GA 40/40, random 3/40; pool of 258 cells, budget 60 — REA 56/100, GA 66/100, random 24/100
// (random's expectation is 60/258 = 23%). The thresholds are set so that a run fails with probability well
// under 1%; CELL_LENS_SEARCH_SEED_OFFSET=k reruns the tests with other seeds (and another pool) to check that.
const OFFSET = Number(process.env.CELL_LENS_SEARCH_SEED_OFFSET ?? 0) || 0;
const SEEDS = Array.from({ length: 10 }, (_, i) => OFFSET + i);
const BUDGET = 200;

async function successes(
  run: (seed: number) => Promise<SearchResult>,
  ok: (r: SearchResult) => boolean,
): Promise<number> {
  let n = 0;
  for (const s of SEEDS) if (ok(await run(s))) n++;
  return n;
}
const hitsCap = (r: SearchResult) => r.best?.fitness === 10;

test('REA, AREA and GA reach the optimum within the budget for ≥ 8/10 seeds; random search does worse', async () => {
  const random = await successes((seed) => randomSearch(capped, { budget: BUDGET, seed }), hitsCap);
  const r = await successes((seed) => rea(capped, { budget: BUDGET, seed }), hitsCap);
  // cheap score: the oracle plus noise (a correlated train-free proxy)
  const cheap = (c: Recipe, h: string) => Promise.resolve(linears(c) + 2 * makeRng(h.length + linears(c)).next());
  const a = await successes((seed) => area(cheap, capped, { budget: BUDGET, seed, cheapSamples: 200 }), hitsCap);
  const g = await successes((seed) => ga(capped, { budget: BUDGET, seed }), hitsCap);
  assert.ok(r >= 8, `REA ${r}/10`);
  assert.ok(a >= 8, `AREA ${a}/10`);
  assert.ok(g >= 8, `GA ${g}/10`);
  assert.ok(random <= r && random <= a && random <= g, `random ${random}/10`);
});

test('budget, log, validity and determinism', async () => {
  const res = await rea(capped, { budget: 50, seed: 3, population: 10, sampleSize: 3 });
  assert.equal(res.evaluations, 50);
  assert.equal(res.log.filter((e) => !e.cached).length, 50);
  assert.ok(!res.aborted && !res.exhausted);
  res.log.forEach((e, i) => {
    assert.equal(e.step, i);
    assert.ok(isInSpace(e.recipe), JSON.stringify(e.recipe));
    assert.equal(e.hash, canonicalHash(e.recipe));
  });
  assert.equal(res.best!.fitness, Math.max(...res.log.map((e) => e.fitness)));
  const again = await rea(capped, { budget: 50, seed: 3, population: 10, sampleSize: 3 });
  assert.deepEqual(
    again.log.map((e) => e.hash),
    res.log.map((e) => e.hash),
  );
  const other = await rea(capped, { budget: 50, seed: 4, population: 10, sampleSize: 3 });
  assert.notDeepEqual(
    other.log.map((e) => e.hash),
    res.log.map((e) => e.hash),
  );
  const g1 = await ga(capped, { budget: 40, seed: 1 });
  const g2 = await ga(capped, { budget: 40, seed: 1 });
  assert.deepEqual(
    g1.log.map((e) => [e.hash, e.phase]),
    g2.log.map((e) => [e.hash, e.phase]),
  );
  assert.ok(g1.log.some((e) => e.phase === 'crossover'));
  // AREA: cheap cells are logged apart and not counted
  let cheapCalls = 0;
  const ar = await area(
    (c) => {
      cheapCalls++;
      return Promise.resolve(linears(c));
    },
    capped,
    { budget: 30, seed: 2, cheapSamples: 50, population: 10 },
  );
  assert.equal(ar.evaluations, 30);
  assert.ok(cheapCalls >= 45 && cheapCalls <= 50);
  assert.equal(ar.log.filter((e) => e.oracle === 'cheap').length, 50);
  // the seeded population is the 10 best-scored cheap cells
  const seeds = ar.log.filter((e) => e.phase === 'oracle-seed');
  assert.equal(seeds.length, 10);
  const cheapSorted = [
    ...new Map(ar.log.filter((e) => e.oracle === 'cheap').map((e) => [e.hash, e.fitness])).values(),
  ].sort((x, y) => y - x);
  assert.ok(Math.min(...seeds.map((e) => linears(e.recipe))) >= cheapSorted[9]);
});

test('progress callback and cancellation via AbortSignal', async () => {
  const ctl = new AbortController();
  let calls = 0;
  let progress = 0;
  const res = await rea(
    (r) => {
      calls++;
      if (calls === 7) ctl.abort();
      return Promise.resolve(linears(r));
    },
    {
      budget: 100,
      seed: 0,
      signal: ctl.signal,
      onProgress: () => {
        progress++;
      },
    },
  );
  assert.ok(res.aborted);
  assert.equal(calls, 7);
  assert.equal(res.evaluations, 6); // the 7th call's result arrives after the abort and is discarded
  assert.equal(progress, res.log.length);
  const pre = new AbortController();
  pre.abort();
  const none = await ga(capped, { budget: 10, signal: pre.signal });
  assert.ok(none.aborted);
  assert.equal(none.evaluations, 0);
  assert.equal(none.best, undefined);
});

function makePool(): CellPool {
  const rng = makeRng(1 + OFFSET).next;
  return buildPool(
    Array.from({ length: 300 }, () => randomCell(rng)),
    canonicalHash,
  );
}

test('restricted (pool) mode: only pool members are evaluated; a hidden target is found more often by REA/GA than by random', async () => {
  const pool = makePool();
  const members = new Set(pool.hashes);
  const run = async (alg: typeof rea | typeof randomSearch, seed: number): Promise<boolean> => {
    const t = (seed * 37) % pool.recipes.length;
    const target = pool.recipes[t];
    const res = await alg((c) => Promise.resolve(-cellDistance(c, target)), {
      budget: 60,
      seed,
      pool,
      population: 10,
      sampleSize: 3,
    });
    for (const e of res.log) assert.ok(members.has(e.hash));
    return res.best?.hash === pool.hashes[t];
  };
  // 40 seeds: per-seed success ≈ 0.56 (REA), 0.66 (GA), 0.23 (random), so REA > random fails with p ≈ 0.2%.
  let r = 0,
    g = 0,
    random = 0;
  for (let s = OFFSET; s < OFFSET + 40; s++) {
    if (await run(rea, s)) r++;
    if (await run(ga, s)) g++;
    if (await run(randomSearch, s)) random++;
  }
  assert.ok(r >= 12, `REA ${r}/40`);
  assert.ok(g >= 12, `GA ${g}/40`);
  assert.ok(random < r && random < g, `random ${random}/40, REA ${r}/40, GA ${g}/40`);
  // random search over the whole pool with budget ≥ pool size evaluates every member once, then stops
  const all = await randomSearch(() => Promise.resolve(0), { budget: 1000, seed: 0, pool });
  assert.equal(all.evaluations, pool.recipes.length);
  assert.equal(new Set(all.log.map((e) => e.hash)).size, pool.recipes.length);
});
