/**
 * What the benches record about the machine and the cells they score: one place for all (single-cell.ts, proxy.ts,
 * calibrate.ts, study-full.ts).
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { recipeFromString } from '../src/benchmark/logFormat';
import { loadLogsFromZip } from '../src/benchmark/sources';
import type { Recipe } from '../src/recipe/types';

/** The NAS-Bench-NLP release files beside the checkout. */
export const SHARED = join(__dirname, '..', '..', 'shared', 'nas-bench-nlp');

/** Rounded to 0.01. */
export const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Median (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** CPU count and model, Node version, load averages (1/5/15 min) now. */
export function machineInfo(): { cpus: number; model: string | undefined; node: string; loadavg: number[] } {
  return {
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    model: os.cpus()[0]?.model,
    node: process.version,
    loadavg: os.loadavg().map(r2),
  };
}

/** {@link machineInfo} once a bench is over: its load averages as `loadavgAtEnd` (what the run left behind). */
export function machineAtEnd(): { cpus: number; model: string | undefined; node: string; loadavgAtEnd: number[] } {
  const { loadavg, ...m } = machineInfo();
  return { ...m, loadavgAtEnd: loadavg };
}

/** The first `limit` distinct cells (by log hash, in the zip's order) of wikitext-2-logs.zip. */
export function wikitext2Cells(limit = Infinity): { hash: string; recipe: Recipe }[] {
  const runs = loadLogsFromZip(readFileSync(join(SHARED, 'wikitext-2-logs.zip')), 'wikitext-2-logs.zip').runs;
  const byHash = new Map<string, Recipe>();
  for (const r of runs) {
    if (byHash.size >= limit) break;
    const parsed = recipeFromString(r.recipe);
    if (!byHash.has(r.hash) && 'recipe' in parsed) byHash.set(r.hash, parsed.recipe);
  }
  return [...byHash].map(([hash, recipe]) => ({ hash, recipe }));
}
