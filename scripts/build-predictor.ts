/**
 * Trains the loss predictor (src/study/predictor/) on a study's results.json, cross-validates it and writes the
 * model file.
 *
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
import { formatCVRow, repeatedCV } from '../src/study/predictor/cv';
import type { PredictorOptions } from '../src/study/predictor/fit';
import { rowsFromResults } from '../src/study/predictor/rows';
import { trainPredictor } from '../src/study/predictor/train';

const USAGE =
  'usage: npx tsx scripts/build-predictor.ts --results FILE --preset NAME --out FILE [--seed N] [--folds K] [--repeats R] [--scores a,b,...] [--no-structure] [--model boost|ridge|blend]';

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
  const opts: PredictorOptions = {
    seed,
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
  let model = trainPredictor(rows, opts);
  console.log(formatCVRow(model.cv!));
  const repeats = typeof args.repeats === 'string' ? Math.max(1, Number(args.repeats)) : 1;
  if (repeats > 1) {
    const seeds = Array.from({ length: repeats }, (_, i) => seed + i);
    // The first seed's report is the model's own CV; the others are new splits.
    const { repeats: rep } = repeatedCV(rows, seeds.slice(1), opts);
    const first = model.cv!;
    const all = {
      seeds,
      tau: [first.predictor.tau.estimate, ...rep.tau],
      rho: [first.predictor.rho.estimate, ...rep.rho],
      topK: [first.predictor.topK.estimate, ...rep.topK],
      bestSingleTau: [first.bestSingle.tau.estimate, ...rep.bestSingleTau],
    };
    const mean = (xs: number[]): number => Number((xs.reduce((a, b) => a + b, 0) / xs.length).toPrecision(4));
    model = {
      ...model,
      cvRepeats: {
        ...all,
        meanTau: mean(all.tau),
        meanRho: mean(all.rho),
        meanTopK: mean(all.topK),
        meanBestSingleTau: mean(all.bestSingleTau),
      },
    };
    const r = model.cvRepeats!;
    console.log(
      `repeated CV over fold seeds ${seeds.join(', ')}: τ ${r.tau.join(' ')} (mean ${r.meanTau}); ρ mean ${r.meanRho}; top-10% mean ${r.meanTopK}; best single score τ mean ${r.meanBestSingleTau}`,
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
