/**
 * Pool scaling: the proxy-preset WikiText-2 study (260 cells, all scores, no cache) and 10 cells at the full
 * NAS-Bench-NLP size, each with 1 and 2 scoring processes (`cell-lens study --workers N`): the scoring wall time
 * (results.json timing) and the whole command. Writes bench/results/pool.json.
 *   npx tsx bench/pool.ts          (needs `npm run build`; BENCH_POOL_FULL=0 skips the full-size part)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { r1, runStudy } from './study-cli';

const out: Record<string, unknown> = {
  preset: 'proxy',
  cells: 260,
  cores: os.availableParallelism?.() ?? os.cpus().length,
  date: new Date().toISOString(),
  runs: [] as unknown[],
};
for (const workers of [1, 2]) {
  const dir = mkdtempSync(join(os.tmpdir(), 'cl-pool-'));
  // The scoring part alone (the report, bootstrap and predictor CV after it are the same for any worker count).
  const { seconds: s, scoringSeconds: scoring } = runStudy(
    ['--preset', 'proxy', '--no-cache', '--bootstrap', '200', '--workers', String(workers)],
    dir,
  );
  (out.runs as unknown[]).push({
    workers,
    commandSeconds: r1(s),
    scoringSeconds: r1(scoring),
    cellsPerSecond: Math.round((260 / scoring) * 100) / 100,
  });
  console.log(
    `workers ${workers}: command ${s.toFixed(1)} s, scoring ${scoring.toFixed(1)} s (${(260 / scoring).toFixed(2)} cells/s)`,
  );
  rmSync(dir, { recursive: true, force: true });
}
const runs = out.runs as { scoringSeconds: number }[];
out.scoringSpeedup = Math.round((runs[0].scoringSeconds / runs[1].scoringSeconds) * 100) / 100;

// Full NAS-Bench-NLP size on 10 cells (about 3 minutes): where a cell takes seconds, the pool's overhead vanishes.
if (process.env.BENCH_POOL_FULL !== '0') {
  const full: { workers: number; scoringSeconds: number; secondsPerCell: number }[] = [];
  for (const workers of [1, 2]) {
    const dir = mkdtempSync(join(os.tmpdir(), 'cl-pool-'));
    const scoring = runStudy(
      ['--preset', 'nas-bench-nlp', '--limit', '10', '--no-cache', '--bootstrap', '100', '--workers', String(workers)],
      dir,
    ).scoringSeconds;
    full.push({ workers, scoringSeconds: r1(scoring), secondsPerCell: Math.round((scoring / 10) * 100) / 100 });
    console.log(`full size, 10 cells, workers ${workers}: scoring ${scoring.toFixed(1)} s`);
    rmSync(dir, { recursive: true, force: true });
  }
  out.fullSize10Cells = {
    runs: full,
    scoringSpeedup: Math.round((full[0].scoringSeconds / full[1].scoringSeconds) * 100) / 100,
  };
}
writeFileSync(join(__dirname, 'results', 'pool.json'), JSON.stringify(out, null, 2) + '\n');
