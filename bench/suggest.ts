/**
 * Suggested edits: how long the single edits of the LSTM (at most 60) take to score and rank at the proxy preset on a
 * pool of 2 scoring processes (the built worker, no score cache): cold (the processes start first, as the CLI) and
 * warm (processes already running, as in the editor after its first scoring), with the mean time of one cell as the
 * worker measured it and the machine's load average (this 2-core machine is shared: a load above 2 stretches every
 * figure). Also counts the single edits of the 10 example cells (all of them, and the 60 drawn). Writes
 * bench/results/suggest.json.
 *   npx tsx bench/suggest.ts          (needs `node scripts/build.mjs`)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { ScoringPool } from '../src/process/pool';
import type { Recipe } from '../src/recipe/types';
import { KNOWN_CELLS } from '../src/recipe/known';
import { suggestEdits } from '../src/report/suggest';
import { singleEdits } from '../src/search/suggest';
import type { ScoreReport } from '../src/scoring/types';
import type { Scorer } from '../src/study/runner';

const REPO = join(__dirname, '..');
const WORKERS = 2;
const r2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const lstm = KNOWN_CELLS.find((c) => c.name === 'LSTM')!.recipe;
  const examples = JSON.parse(
    readFileSync(join(REPO, '..', 'shared', 'nas-bench-nlp', 'recepies_example.json'), 'utf8'),
  ) as Recipe[];
  const counts = examples.map((r, i) => {
    const t0 = performance.now();
    const all = singleEdits(r, { max: Infinity });
    const ms = performance.now() - t0;
    const kinds: Record<string, number> = {};
    for (const e of all.edits) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    const capped = singleEdits(r, { max: 60 });
    return {
      cell: i,
      nodes: Object.keys(r).length,
      enumerated: all.enumerated,
      distinct: all.edits.length,
      byKind: kinds,
      enumerateAllMs: Math.round(ms),
      drawn: capped.edits.length,
    };
  });
  console.table(counts.map(({ byKind: _k, ...c }) => c));

  const pool = new ScoringPool({
    workers: WORKERS,
    workerPath: join(REPO, 'dist', 'worker.js'),
    execArgv: ['--max-old-space-size=4096'],
    backend: 'auto',
    timeoutMs: 120_000,
    idleStopMs: 0,
  });
  const reports: ScoreReport[] = [];
  const scorer: Scorer = async (recipe, settings, signal, hash) => {
    const r = await pool.score(recipe, settings, { signal, split: false, ...(hash ? { hash } : {}) });
    reports.push(r);
    return r;
  };
  const runs: Record<string, unknown>[] = [];
  try {
    for (const phase of ['cold', 'warm', 'warm']) {
      reports.length = 0;
      const load = os.loadavg()[0];
      const t0 = performance.now();
      const r = await suggestEdits(lstm, scorer, { top: 3, parallel: WORKERS });
      const seconds = (performance.now() - t0) / 1000;
      const cellMs = reports.reduce((a, x) => a + x.totalMs, 0) / reports.length;
      runs.push({
        phase,
        cells: reports.length,
        seconds: r2(seconds),
        meanCellMs: Math.round(cellMs),
        loadAverage1m: r2(load),
        best: r.suggestions.map((s) => ({ edit: s.edit.text, predicted: r2(s.prediction.loss), delta: s.delta })),
      });
      console.log(
        `${phase}: ${reports.length} cells in ${seconds.toFixed(2)} s on ${WORKERS} processes (mean cell ${cellMs.toFixed(0)} ms, load ${load.toFixed(1)})`,
      );
    }
  } finally {
    pool.dispose();
  }
  const out = {
    cell: 'LSTM',
    preset: 'proxy',
    workers: WORKERS,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model,
    date: new Date().toISOString(),
    goalSeconds: 3,
    runs,
    exampleCells: counts,
  };
  writeFileSync(join(__dirname, 'results', 'suggest.json'), JSON.stringify(out, null, 2) + '\n');
}

void main();
