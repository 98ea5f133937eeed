/**
 * The built `cell-lens study` (or `calibrate`, the study plus calibration.json) as the benches run it (pool.ts,
 * shard.ts, study-full.ts, calibrate.ts): one place that starts it, times it and reads what it wrote.
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
  /** Peak RSS of the command's own process (the parent: benchmark index, study, calibration), when measured. */
  readonly parentPeakRssMiB?: number;
  readonly results: StudyResults;
}

/**
 * Runs `cell-lens <command> ...args --out <out>` in `cwd` (the built CLI; command `study` or `calibrate`); throws with
 * its stderr when it fails. `measureRss`: under /usr/bin/time, for the command process's own peak RSS;
 * `allowFailedCells`: exit code 1 (some cells could not be scored, the rest written) is a result too.
 */
export function runStudy(
  args: readonly string[],
  out: string,
  cwd = process.cwd(),
  command: 'study' | 'calibrate' = 'study',
  measureRss = false,
  allowFailedCells = false,
): StudyRun {
  const t0 = performance.now();
  const argv = [CLI, command, ...args, '--out', out];
  const r = measureRss
    ? spawnSync('/usr/bin/time', ['-f', 'cell-lens-maxrss-kb %M', process.execPath, ...argv], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawnSync(process.execPath, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0 && !(allowFailedCells && r.status === 1))
    throw new Error(`cell-lens ${command} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const results = JSON.parse(readFileSync(join(resolve(cwd, out), 'results.json'), 'utf8')) as StudyResults;
  const kb = /cell-lens-maxrss-kb (\d+)/.exec(r.stderr)?.[1];
  return {
    seconds,
    scoringSeconds: results.timing.wallMs / 1000,
    stderr: r.stderr,
    results,
    ...(kb ? { parentPeakRssMiB: Math.round(Number(kb) / 1024) } : {}),
  };
}

/** Rounded to 0.1. */
export const r1 = (x: number): number => Math.round(x * 10) / 10;
