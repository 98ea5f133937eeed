/**
 * Writes a loss predictor model file (src/study/predictor/): the predictor of a `cell-lens calibrate`
 * calibration.json (how the shipped data/predictor-<preset>.json are made), or one trained on a study's results.json
 * by the calibration's code (src/study/calibration/build.ts) with other options (experiments, docs/predictor.md).
 *
 *   npx tsx scripts/build-predictor.ts --calibration cal-proxy/calibration.json --out data/predictor-proxy.json
 *   npx tsx scripts/build-predictor.ts --results /tmp/study-proxy1/results.json --preset proxy \
 *     --out data/predictor-proxy.json [--seed 0] [--folds 5] [--repeats 5] [--scores a,b,c] [--no-structure]
 *     [--model boost|ridge|blend]
 *
 * `--scores` defaults to every score id present in the file. `--repeats R` also runs the CV with fold seeds
 * seed+1 … seed+R−1 and stores the spread in the model (`cvRepeats`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SIZE_PRESETS, isPresetName } from '../src/scoring/presets';
import type { PredictorModelKind } from '../src/study/predictor';
import { formatCVRow } from '../src/study/predictor/cv';
import { rowsFromResults } from '../src/study/predictor/rows';
import { checkCalibration } from '../src/study/calibration';
import { trainCalibrationPredictor, type CalibrationPredictorOptions } from '../src/study/calibration/build';

const USAGE =
  'usage: npx tsx scripts/build-predictor.ts --calibration FILE --out FILE | --results FILE --preset NAME --out FILE [--seed N] [--folds K] [--repeats R] [--scores a,b,...] [--no-structure] [--model boost|ridge|blend]';

function parseArgs(argv: readonly string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const key = a.slice(2);
    if (key === 'no-structure' || key === 'help') out[key] = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--${key} needs a value\n${USAGE}`);
      out[key] = v;
    }
  }
  return out;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (typeof args.calibration === 'string' && typeof args.out === 'string') {
    const c = checkCalibration(JSON.parse(readFileSync(args.calibration, 'utf8')));
    if (c.predictor.cv) console.log(formatCVRow(c.predictor.cv));
    writeFileSync(args.out, JSON.stringify(c.predictor) + '\n');
    console.log(`wrote ${args.out}: the predictor of the ${c.dataset} calibration at the ${c.preset} preset`);
    return;
  }
  const file = args.results,
    out = args.out,
    preset = args.preset;
  if (typeof file !== 'string' || typeof out !== 'string' || typeof preset !== 'string') throw new Error(USAGE);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const { rows, scoreIds, dropped, settings, dataset } = rowsFromResults(doc);
  // The preset must describe the sizes the scores were computed at (scores of other sizes are not comparable).
  if (isPresetName(preset) && settings && typeof settings === 'object') {
    const s = settings as Record<string, unknown>;
    const want = SIZE_PRESETS[preset];
    const diff = (Object.keys(want) as (keyof typeof want)[]).filter((k) => s[k] !== want[k]);
    if (diff.length)
      console.warn(
        `warning: the results were scored at sizes that differ from preset "${preset}" in ${diff.join(', ')}`,
      );
  }
  const seed = typeof args.seed === 'string' ? Number(args.seed) : 0;
  const repeats = typeof args.repeats === 'string' ? Math.max(1, Number(args.repeats)) : 1;
  const opts: CalibrationPredictorOptions = {
    seed,
    cvRepeats: repeats,
    ...(typeof args.folds === 'string' ? { folds: Number(args.folds) } : {}),
    ...(typeof args.scores === 'string'
      ? {
          scoreIds: args.scores
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        }
      : {}),
    ...(args['no-structure'] ? { structure: false } : {}),
    ...(typeof args.model === 'string' ? { model: args.model as PredictorModelKind } : {}),
    meta: {
      preset,
      ...(settings !== undefined ? { settings } : {}),
      ...(dataset !== undefined ? { dataset } : {}),
      source: basename(file),
      ...(typeof doc.createdAt === 'string' ? { resultsCreatedAt: doc.createdAt } : {}),
      ...(typeof doc.command === 'string' ? { resultsCommand: doc.command } : {}),
    },
  };
  console.log(
    `${file}: ${rows.length} cells for training (${dropped} diverged or without a finite loss left out); scores present: ${scoreIds.join(', ')}`,
  );
  const t0 = Date.now();
  const model = trainCalibrationPredictor(rows, opts);
  console.log(formatCVRow(model.cv!));
  if (model.cvRepeats) {
    const r = model.cvRepeats;
    console.log(
      `repeated CV over fold seeds ${r.seeds.join(', ')}: τ ${r.tau.join(' ')} (mean ${r.meanTau}); ρ mean ${r.meanRho}; top-10% mean ${r.meanTopK}; best single score τ mean ${r.meanBestSingleTau}`,
    );
  }
  const text = JSON.stringify(model) + '\n';
  writeFileSync(out, text);
  console.log(
    `wrote ${out}: ${(Buffer.byteLength(text) / 1024).toFixed(1)} kB, model ${model.model.kind} ${JSON.stringify(model.choice)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (Buffer.byteLength(text) > 300 * 1024) console.warn('warning: the model file is larger than 300 kB');
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
