/**
 * A PTB-sized calibration (issue 23 §3): `cell-lens calibrate` on a synthetic 14,000-log zip (testkit/synthetic-logs.ts,
 * dataset PTB) at the proxy preset, no cache, the default pool. Records the command's wall time, the scoring part,
 * the reference-and-predictor part, the peak RSS of the command process and of the scoring processes in
 * bench/results/calibrate.json.
 *
 * The whole set (12,389 cells) took 36 min on this 2-core machine (2026-12-08: scoring 4 min, the predictor's fitting
 * 27 min), so by default it calibrates an evenly spread subset (`--limit`, BENCH_CALIBRATE_LIMIT, default 2000) and
 * extrapolates to the whole set — scoring linearly in cells, the predictor's fitting as n·log n (an underestimate: 24
 * min extrapolated, 27 measured) — and says so in the file. BENCH_CALIBRATE_LIMIT=0 calibrates every cell (measured,
 * nothing extrapolated; bench/results/calibrate.json is such a run).
 *   npx tsx bench/calibrate.ts        (needs `npm run build`; BENCH_WORKERS=N to choose the pool size)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { loadBenchmarkIndex } from '../src/benchmark/load';
import { ENGINE_VERSION } from '../src/scoring/types';
import { cellsFromIndex } from '../src/study/runner';
import type { CalibrationFile } from '../src/study/calibration';
import { syntheticZip } from '../testkit/synthetic-logs';
import { machineAtEnd } from './machine';
import { r1, runStudy } from './study-cli';

async function main(): Promise<void> {
  const LOGS = 14_000;
  const limit = Number(process.env.BENCH_CALIBRATE_LIMIT ?? 2000);
  const workers = process.env.BENCH_WORKERS;
  const dir = mkdtempSync(join(os.tmpdir(), 'cl-calibrate-'));
  try {
    const zip = join(dir, 'ptb-logs.zip');
    writeFileSync(zip, syntheticZip({ logs: LOGS, seed: 14, level: 1 }).zip);
    const all = cellsFromIndex(await loadBenchmarkIndex([{ path: zip, dataset: 'PTB' }]), { dataset: 'PTB' }).cells;
    const args = [
      '--logs',
      `${zip}=PTB`,
      '--dataset',
      'PTB',
      '--preset',
      'proxy',
      '--no-cache',
      ...(limit > 0 ? ['--limit', String(limit)] : []),
      ...(workers ? ['--workers', workers] : []),
    ];
    const out = join(dir, 'cal');
    const r = runStudy(args, out, dir, 'calibrate', true, true);
    const cal = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8')) as CalibrationFile;
    const fit = /reference population and predictor \(\d+ CV repeat\(s\)\) of \d+ trained cells in ([\d.]+) s/.exec(
      r.stderr,
    );
    const calibrationSeconds = fit ? Number(fit[1]) : NaN;
    const rss = /peak RSS (\d+) MiB/.exec(r.stderr)?.[1];
    const used = /(\d+) worker\(s\)/.exec(r.stderr)?.[1];
    const n = r.results.cells.length;
    const measured = {
      cells: n,
      trainedCells: cal.cells.trained,
      failedCells: cal.cells.failed,
      commandSeconds: r1(r.seconds),
      scoringSeconds: r1(r.scoringSeconds),
      cellsPerSecond: Math.round((n / r.scoringSeconds) * 100) / 100,
      calibrationSeconds: r1(calibrationSeconds),
      commandProcessPeakRssMiB: r.parentPeakRssMiB ?? null,
      scoringProcessPeakRssMiB: rss ? Number(rss) : null,
      predictorCvTau: cal.predictor.cv?.predictor.tau.estimate ?? null,
      calibrationJsonKiB: Math.round(readFileSync(join(out, 'calibration.json')).length / 1024),
    };
    const N = all.length;
    const trainedN = all.filter((c) => !c.diverged).length;
    const nlogn = (x: number) => x * Math.log(x);
    const extrapolated =
      limit > 0 && limit < N
        ? {
            label: `EXTRAPOLATED from the ${n}-cell subset, not measured: scoring linear in cells at the measured rate; the reference and predictor (boosted trees, inner CV, 5 CV repeats) as n·log n of the trained cells`,
            cells: N,
            trainedCells: trainedN,
            scoringSeconds: Math.round((N / n) * r.scoringSeconds),
            calibrationSeconds: Math.round((calibrationSeconds * nlogn(trainedN)) / nlogn(cal.cells.trained)),
            totalMinutes: r1(
              ((N / n) * r.scoringSeconds +
                (calibrationSeconds * nlogn(trainedN)) / nlogn(cal.cells.trained) +
                (r.seconds - r.scoringSeconds - calibrationSeconds)) /
                60,
            ),
            peakRssNote:
              'the scoring processes hold one cell at a time (their peak does not grow with the set); the command process holds the index, the records and the predictor rows, roughly linear in cells',
          }
        : undefined;
    const result = {
      date: new Date().toISOString(),
      engineVersion: ENGINE_VERSION,
      machine: machineAtEnd(),
      what: `cell-lens calibrate on a synthetic ${LOGS.toLocaleString('en-US')}-log PTB zip (${N} cells, ${trainedN} trained) at the proxy preset, all scores, no cache, ${used ?? '?'} scoring process(es)${limit > 0 && limit < N ? `, --limit ${limit}` : ''}`,
      command: `npx tsx bench/calibrate.ts${limit !== 2000 ? ` (BENCH_CALIBRATE_LIMIT=${limit})` : ''}`,
      measured,
      ...(extrapolated ? { extrapolated } : {}),
    };
    writeFileSync(join(__dirname, 'results', 'calibrate.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
