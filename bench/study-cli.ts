/**
 * The built `cell-lens study` as the benches run it (pool.ts, shard.ts, study-full.ts): one place that starts it,
 * times it and reads what it wrote.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const CLI = join(__dirname, '..', 'dist', 'cli.js');

/** A study's results.json as the benches read it (raw JSON: non-finite scores stay in their encoded form). */
export interface StudyResults {
  readonly cells: { hash: string; scores: unknown }[];
  readonly timing: { wallMs: number };
}

export interface StudyRun {
  /** Wall seconds of the whole command (process start, benchmark load, scoring, report). */
  readonly seconds: number;
  /** Wall seconds of the scoring alone (results.json `timing`). */
  readonly scoringSeconds: number;
  /** What the study reported on stderr (cells, workers, peak RSS). */
  readonly stderr: string;
  readonly results: StudyResults;
}

/** Runs `cell-lens study ...args --out <out>` in `cwd` (the built CLI); throws with its stderr when it fails. */
export function runStudy(args: readonly string[], out: string, cwd = process.cwd()): StudyRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'study', ...args, '--out', out], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`cell-lens study ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const results = JSON.parse(readFileSync(join(resolve(cwd, out), 'results.json'), 'utf8')) as StudyResults;
  return { seconds, scoringSeconds: results.timing.wallMs / 1000, stderr: r.stderr, results };
}

/** Rounded to 0.1. */
export const r1 = (x: number): number => Math.round(x * 10) / 10;
