/**
 * Seeded data shared by the benches and the tests (both import testkit/; the benches import nothing under
 * test/): the tests' and benches' PRNG and a user-like candidates file.
 */
import type { Recipe } from '../src/recipe/types';
import { randomCell } from '../src/search/space';

/** Deterministic PRNG for tests and benches (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A candidates file like a user's (issue 15 defect 5): 2,000 cells of the NAS-Bench-NLP space, 942 distinct, the
 * rest drawn again from them (seeded). Shared by bench/host.ts, the host-responsiveness tests and the big-file e2e.
 * Another `seed` gives another file of the same kind (cells whose hashes nothing has remembered yet).
 */
export function candidateCells(count = 2000, seed = 942): Recipe[] {
  const r = rng(seed);
  const distinct = Array.from({ length: 942 }, () => randomCell(r));
  return Array.from({ length: 2000 }, (_, i) => distinct[i < 942 ? i : Math.floor(r() * 942)]).slice(0, count);
}
