/**
 * The full-size study (issue 14 §2 goal: ≤ 10 min on this 2-core machine): `cell-lens study` over the 260 bundled
 * WikiText-2 cells at the NAS-Bench-NLP size, all default scores, no cache, with the default pool (one worker per
 * core, memory permitting). Records the whole command's wall time, the scoring part, seconds per cell and the
 * scoring processes' peak RSS in bench/results/study-full.json. About 20 minutes here, so `npm run bench` runs it only
 * with BENCH_FULL_STUDY=1.
 *   npx tsx bench/study-full.ts        (needs `npm run build`; BENCH_WORKERS=N to choose the pool size)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { ENGINE_VERSION } from '../src/scoring/types';
import { machineAtEnd } from './machine';
import { r1, runStudy } from './study-cli';

const dir = mkdtempSync(join(os.tmpdir(), 'cl-study-full-'));
const workers = process.env.BENCH_WORKERS;
try {
  const r = runStudy(['--preset', 'nas-bench-nlp', '--no-cache', ...(workers ? ['--workers', workers] : [])], dir);
  const { seconds: wall, scoringSeconds: scoring, results: res } = r;
  const rss = /peak RSS (\d+) MiB/.exec(r.stderr)?.[1];
  const used = /(\d+) worker\(s\)/.exec(r.stderr)?.[1];
  const out = {
    date: new Date().toISOString(),
    engineVersion: ENGINE_VERSION,
    machine: machineAtEnd(),
    what: 'cell-lens study over the bundled WikiText-2 cells, NAS-Bench-NLP size, all default scores, one repeat, seed 0, no cache',
    workers: used ? Number(used) : null,
    cells: res.cells.length,
    commandSeconds: r1(wall),
    scoringSeconds: r1(scoring),
    secondsPerCell: Math.round((scoring / res.cells.length) * 100) / 100,
    scoringProcessPeakRssMiB: rss ? Number(rss) : null,
    goalSeconds: 600,
    before: 'engine 2 (fewer, float32 scores), one process: 1421 s (bench/results/batch-wikitext2.json)',
  };
  writeFileSync(join(__dirname, 'results', 'study-full.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
