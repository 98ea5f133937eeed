/**
 * Restricted search over a finite pool of cells (e.g. the 345 trained NAS-Bench-NLP WikiText-2 cells).
 *
 * Choice of "mutation" in a pool: each pool member's neighbours are its `k` nearest OTHER members (distinct
 * canonical hash) under {@link cellDistance}, a cheap structural distance: the L1 distance between the
 * multisets of node labels (op; `out:` + op for h_new nodes) and edge labels (source label → target op,
 * the source label being the source op or `x` / `h_prev`). Renaming nodes and reordering inputs do not
 * change it, and one op change / rewire / node insertion changes it by a small bounded amount, so it acts
 * as a cheap stand-in for graph edit distance. A pool mutation moves to a uniformly drawn neighbour
 * (ties at the k-th distance broken by pool order). A pool crossover makes a space crossover of the two
 * parents and moves to the pool member nearest to the child (other than the parents when possible).
 * Sampling draws uniformly from the pool. Pool members with the same canonical hash are merged (first kept).
 *
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { hNewIndex, hPrevIndex } from '../recipe/ops';

/** Multiset of structural labels of a cell (see the module comment). */
export type CellFeatures = Map<string, number>;

/** Structural labels of a cell, counted. */
export function cellFeatures(recipe: Recipe): CellFeatures {
  const f: CellFeatures = new Map();
  const add = (k: string) => f.set(k, (f.get(k) ?? 0) + 1);
  const label = (name: string): string => {
    if (name === 'x') return 'x';
    if (hPrevIndex(name) !== undefined) return 'h_prev';
    return recipe[name]?.op ?? '?';
  };
  for (const [name, n] of Object.entries(recipe)) {
    add(hNewIndex(name) !== undefined ? `out:${n.op}` : n.op);
    for (const i of n.input) add(`${label(i)}>${n.op}`);
  }
  return f;
}

/** L1 distance between two feature multisets. */
export function featureDistance(a: CellFeatures, b: CellFeatures): number {
  let d = 0;
  for (const [k, v] of a) d += Math.abs(v - (b.get(k) ?? 0));
  for (const [k, v] of b) if (!a.has(k)) d += v;
  return d;
}

/** {@link featureDistance} of two recipes. */
export function cellDistance(a: Recipe, b: Recipe): number {
  return featureDistance(cellFeatures(a), cellFeatures(b));
}

/** A finite pool of cells with precomputed neighbourhoods. */
export interface CellPool {
  readonly recipes: readonly Recipe[];
  readonly hashes: readonly string[];
  readonly features: readonly CellFeatures[];
  /** neighbours[i] = indices of the k nearest other members. */
  readonly neighbours: readonly (readonly number[])[];
  /** Index of a hash in the pool. */
  readonly indexOf: ReadonlyMap<string, number>;
}

/**
 * Builds a pool (O(n²) distances; 345 cells take a few ms). `hash` is the canonical hash function;
 * `k` the neighbourhood size (default 8).
 */
export function buildPool(recipes: readonly Recipe[], hash: (r: Recipe) => string, k = 8): CellPool {
  const rs: Recipe[] = [];
  const hs: string[] = [];
  const indexOf = new Map<string, number>();
  for (const r of recipes) {
    const h = hash(r);
    if (indexOf.has(h)) continue;
    indexOf.set(h, rs.length);
    rs.push(r);
    hs.push(h);
  }
  const features = rs.map(cellFeatures);
  const neighbours = rs.map((_, i) => {
    const d = rs.map((__, j) => (j === i ? Infinity : featureDistance(features[i], features[j])));
    return d
      .map((v, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => d[a] - d[b] || a - b)
      .slice(0, k);
  });
  return { recipes: rs, hashes: hs, features, neighbours, indexOf };
}

/** Index of the pool member nearest to `recipe` (skipping `exclude` when another member exists). */
export function nearestInPool(pool: CellPool, recipe: Recipe, exclude: ReadonlySet<number> = new Set()): number {
  const f = cellFeatures(recipe);
  let best = -1,
    bestD = Infinity;
  for (let j = 0; j < pool.recipes.length; j++) {
    if (exclude.has(j) && exclude.size < pool.recipes.length) continue;
    const d = featureDistance(f, pool.features[j]);
    if (d < bestD) {
      bestD = d;
      best = j;
    }
  }
  return best;
}
