/**
 * Pool scaling: the proxy-preset WikiText-2 study (260 cells, all scores, no cache) and 10 cells at the full
 * NAS-Bench-NLP size, each with 1 and 2 scoring processes (`cell-lens study --workers N`): the scoring wall time
 * (results.json timing) and the whole command. Writes bench/results/pool.json.
 *   npx tsx bench/pool.ts          (needs `npm run build`; BENCH_POOL_FULL=0 skips the full-size part)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

const cli = join(__dirname, '..', 'dist', 'cli.js');
const out: Record<string, unknown> = { preset: 'proxy', cells: 260, cores: os.availableParallelism?.() ?? os.cpus().length, date: new Date().toISOString(), runs: [] as unknown[] };
for (const workers of [1, 2]) {
  const dir = mkdtempSync(join(os.tmpdir(), 'cl-pool-'));
  const t0 = performance.now();
  execFileSync(process.execPath, [cli, 'study', '--preset', 'proxy', '--no-cache', '--bootstrap', '200', '--workers', String(workers), '--out', dir], { stdio: ['ignore', 'ignore', 'ignore'] });
  const s = (performance.now() - t0) / 1000;
  // The scoring part alone (the report, bootstrap and predictor CV after it are the same for any worker count).
  const scoring = (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { timing: { wallMs: number } }).timing.wallMs / 1000;
  (out.runs as unknown[]).push({ workers, commandSeconds: Math.round(s * 10) / 10, scoringSeconds: Math.round(scoring * 10) / 10, cellsPerSecond: Math.round((260 / scoring) * 100) / 100 });
  console.log(`workers ${workers}: command ${s.toFixed(1)} s, scoring ${scoring.toFixed(1)} s (${(260 / scoring).toFixed(2)} cells/s)`);
  rmSync(dir, { recursive: true, force: true });
}
const runs = out.runs as { scoringSeconds: number }[];
out.scoringSpeedup = Math.round((runs[0].scoringSeconds / runs[1].scoringSeconds) * 100) / 100;

// Full NAS-Bench-NLP size on 10 cells (about 3 minutes): where a cell takes seconds, the pool's overhead vanishes.
if (process.env.BENCH_POOL_FULL !== '0') {
  const full: { workers: number; scoringSeconds: number; secondsPerCell: number }[] = [];
  for (const workers of [1, 2]) {
    const dir = mkdtempSync(join(os.tmpdir(), 'cl-pool-'));
    execFileSync(process.execPath, [cli, 'study', '--preset', 'nas-bench-nlp', '--limit', '10', '--no-cache', '--bootstrap', '100', '--workers', String(workers), '--out', dir], { stdio: ['ignore', 'ignore', 'ignore'] });
    const scoring = (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { timing: { wallMs: number } }).timing.wallMs / 1000;
    full.push({ workers, scoringSeconds: Math.round(scoring * 10) / 10, secondsPerCell: Math.round((scoring / 10) * 100) / 100 });
    console.log(`full size, 10 cells, workers ${workers}: scoring ${scoring.toFixed(1)} s`);
    rmSync(dir, { recursive: true, force: true });
  }
  out.fullSize10Cells = { runs: full, scoringSpeedup: Math.round((full[0].scoringSeconds / full[1].scoringSeconds) * 100) / 100 };
}
writeFileSync(join(__dirname, 'results', 'pool.json'), JSON.stringify(out, null, 2) + '\n');
