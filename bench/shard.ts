/**
 * Shard and merge (issue 14 §3): the proxy-preset WikiText-2 study (260 cells, all default scores, no cache) run
 * once, then as 3 shards (`--shard K/3`, one after another, each alone on the machine as it would be on its own
 * node of a cluster) and merged (`--merge`). Records each shard's cells and wall time, the cluster wall time (the
 * slowest shard + the merge), the merge's own time, and whether the merged report equals the one run's (report.csv,
 * every plot, the cells' scores in results.json). Writes bench/results/shard.json.
 *   npx tsx bench/shard.ts          (needs `npm run build`; BENCH_SHARD_LIMIT=N for fewer cells)
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { r1, runStudy, type StudyRun } from './study-cli';

const tmp = mkdtempSync(join(os.tmpdir(), 'cl-shard-'));
const limit = process.env.BENCH_SHARD_LIMIT;
const common = [
  '--preset',
  'proxy',
  '--no-cache',
  '--bootstrap',
  '200',
  '--workers',
  '1',
  ...(limit ? ['--limit', limit] : []),
];

try {
  const one = runStudy(common, 'one', tmp);
  console.log(`one run: ${one.seconds.toFixed(1)} s`);
  const shards = [1, 2, 3].map((k) => {
    const r = runStudy([...common, '--shard', `${k}/3`], `s${k}`, tmp);
    console.log(`shard ${k}/3: ${r.results.cells.length} cells, ${r.seconds.toFixed(1)} s`);
    return { shard: `${k}/3`, cells: r.results.cells.length, seconds: r1(r.seconds) };
  });
  const merge = runStudy([...common, '--merge', 's1', '--merge', 's2', '--merge', 's3'], 'merged', tmp);
  console.log(`merge: ${merge.seconds.toFixed(1)} s`);
  const read = (d: string, f: string) => readFileSync(join(tmp, d, f), 'utf8');
  const plots = readdirSync(join(tmp, 'one')).filter((f) => f.endsWith('.svg'));
  const cellsOf = (r: StudyRun) => JSON.stringify(r.results.cells.map((c) => [c.hash, c.scores]));
  const identical =
    read('merged', 'report.csv') === read('one', 'report.csv') &&
    plots.every((p) => read('merged', p) === read('one', p)) &&
    cellsOf(merge) === cellsOf(one);
  const slowest = Math.max(...shards.map((s) => s.seconds));
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.availableParallelism?.() ?? os.cpus().length,
      node: process.version,
      loadavg: os.loadavg().map((x) => r1(x)),
    },
    study: {
      dataset: 'WikiText-2 (bundled)',
      preset: 'proxy',
      cells: shards.reduce((a, s) => a + s.cells, 0),
      scores: 'default',
      cache: 'none',
      workersPerShard: 1,
    },
    note: 'Whole-command wall seconds (process start, benchmark load, scoring, report). Shards ran one after another, each alone on this machine, as each would on its own node; clusterSeconds = the slowest shard + the merge.',
    oneRunSeconds: r1(one.seconds),
    shards,
    mergeSeconds: r1(merge.seconds),
    clusterSeconds: r1(slowest + merge.seconds),
    speedupOn3Nodes: Math.round((one.seconds / (slowest + merge.seconds)) * 100) / 100,
    identicalToOneRun: identical,
    comparedFiles: ['report.csv', ...plots, 'results.json cells (hash, scores)'],
  };
  writeFileSync(join(__dirname, 'results', 'shard.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`identical: ${identical}; cluster ${result.clusterSeconds} s vs one run ${result.oneRunSeconds} s`);
  if (!identical) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
