/**
 * `npm run bench`: runs every benchmark script in bench/ one after another (each writes its JSON under
 * bench/results/). A script that fails is reported and the others still run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
// reference.ts: the PyTorch reference of the scores (skipped with a note when PyTorch is not installed).
// study-full.ts (the full-size study, ≈ 20 min) only with BENCH_FULL_STUDY=1.
// zip-readers.ts (the zip readers compared, a decision record) and device-check.ts (the GPU device check's Node
// half, run by scripts/device-check.sh) are run on their own.
const scripts = [
  'editor.ts',
  'host.ts',
  'live.ts',
  'benchmark-index.ts',
  'benchmark-large.ts',
  'graph.ts',
  'scoring.ts',
  'single-cell.ts',
  'pool.ts',
  'shard.ts',
  'reference.ts',
  ...(process.env.BENCH_FULL_STUDY === '1' ? ['study-full.ts'] : []),
].filter((f) => existsSync(join(__dirname, f)));
let failed = 0;
for (const s of scripts) {
  console.log(`\n=== bench/${s}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', s)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${s} failed (exit ${r.status})`);
  }
}
console.log(`\n${scripts.length - failed} of ${scripts.length} benchmark scripts finished; results in bench/results/`);
process.exitCode = failed ? 1 : 0;
