/**
 * `cell-lens study`: score every trained cell of a benchmark dataset (the bundled WikiText-2 index, or logs) with
 * the train-free scores through the scoring child process, then correlate the scores with the losses and write
 * report.md, report.csv, one SVG scatter plot per score and results.json. Resumable: reports are cached, so an
 * interrupted study (Ctrl-C) continues where it stopped when the same command runs again.
 * Exit codes: 0 ok, 1 some cells could not be scored, 2 usage error or fatal failure, 130 interrupted.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { progressBar, type CliIO } from './io';
import { ScoreCache, decodeJson, scoreCacheDir } from '../scoring/cache';
import { ScoringError } from '../process/client';
import { SIZE_KEYS, SIZE_PRESETS } from '../scoring/presets';
import { defaultWorkers } from '../process/pool';
import { formatDuration } from '../scoring/estimate';
import { SCORE_IDS, SCORES, type ScoreId, type ScoreSettings } from '../scoring/types';
import {
  shardOf,
  storedReport,
  type StudyResultsFile,
  runBenchmarkStudy,
  studyResultsFile,
  type Scorer,
  type StudyCell,
} from '../study/runner';
import { studyToCsv, studyToMarkdown } from '../study/study';
import { crossValidate, formatCVRow } from '../study/predictor/cv';
import type { CalibrationFile } from '../study/calibration';
import { buildCalibration } from '../study/calibration/build';
import type { PredictorRow } from '../study/predictor/rows';
import { plotFileName, plotsFromStudy, scatterSvg } from '../study/plots';
import {
  COMMON_OPTIONS,
  UsageError,
  cliScorer,
  commandLine,
  commonArgs,
  encodeResults,
  interruptSignal,
  isFatalScoringError,
  loadCells,
  settingsOf,
  type CommonArgs,
  type StudyCliOptions,
} from './common';
import { parseCli, type CommandSpec, type Parsed } from './args';

export { UsageError, type StudyCliOptions } from './common';

/** `cell-lens study`: its options (with the shared ones), declared once for the parser and the help. */
export const STUDY_COMMAND = {
  name: 'study',
  synopsis: '[options]',
  description: `Scores every cell of a benchmark dataset with the train-free scores and correlates them with the trained
losses (Kendall τ, Spearman ρ, 95% bootstrap intervals, top-10% overlap, diverged cells apart, a
cross-validated rank ensemble beside the fixed hybrid score). Resumable: scored cells are cached, so an
interrupted study continues when the same command runs again.`,
  options: {
    ...COMMON_OPTIONS,
    scores: { ...COMMON_OPTIONS.scores, help: `scores to study (default all): ${SCORE_IDS.join(', ')}` },
    seed: { ...COMMON_OPTIONS.seed, help: 'scoring seed, also the bootstrap / cross-validation seed' },
    limit: { type: 'int', min: 1, help: 'only N cells, evenly spaced over the ranking (first and last included)' },
    shard: {
      type: 'string',
      arg: 'K/N',
      help: 'only shard K of N (a fixed partition by canonical hash); its --out holds a partial result',
    },
    merge: {
      type: 'string',
      arg: 'DIR',
      multiple: true,
      help: 'merge shard outputs (repeat for each; all N shards, each once) into the report one run would write',
    },
    out: {
      type: 'string',
      arg: 'DIR',
      default: 'cell-lens-study',
      help: 'where report.md, report.csv, study-<score>.svg and results.json go',
    },
    bootstrap: { type: 'int', min: 10, default: 1000, help: 'bootstrap resamples' },
  },
  footer: `--merge takes the same data options (--logs, --dataset, --limit, --preset, --scores, --seed) as the shards.
Progress goes to stderr. Exit codes: 0 ok, 1 some cells could not be scored, 2 usage error or failure, 130 interrupted.`,
} as const satisfies CommandSpec;

interface StudyArgs extends CommonArgs {
  limit?: number;
  /** Only shard k (1-based) of n: a partition of the cells by canonical hash (shardOf). */
  shard?: { k: number; n: number };
  /** Shard output folders to merge instead of scoring (`--merge DIR`, repeatable). */
  merge: string[];
  out: string;
  bootstrap: number;
}

function studyArgs({ values: v }: Pick<Parsed<typeof STUDY_COMMAND.options>, 'values'>): StudyArgs {
  let shard: StudyArgs['shard'];
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]))
      throw new UsageError(`--shard wants K/N with 1 ≤ K ≤ N, got "${v.shard}"`);
    shard = { k: Number(m[1]), n: Number(m[2]) };
  }
  return {
    ...commonArgs(v),
    ...(v.limit !== undefined ? { limit: v.limit } : {}),
    ...(shard ? { shard } : {}),
    merge: v.merge,
    out: v.out,
    bootstrap: v.bootstrap,
  };
}

function fmtTau(v: number): string {
  return Number.isNaN(v) ? '  n/a' : (v >= 0 ? ' ' : '−') + Math.abs(v).toFixed(3);
}

/** Run `cell-lens study` with `argv` (the arguments after `study`). Never throws; returns the exit code. */
export async function runStudyCli(argv: string[], io: CliIO, opts: StudyCliOptions = {}): Promise<number> {
  const parsed = parseCli(STUDY_COMMAND, argv, io, studyArgs);
  if (parsed.exit !== undefined) return parsed.exit;
  return runStudyWith('study', argv, parsed.args, io, opts);
}

/**
 * `cell-lens calibrate`: the study with `--out` defaulting to `cell-lens-calibration` and a calibration.json beside
 * its report (src/study/calibration) when every cell of the dataset is scored (not for a shard: merge the shards).
 */
export const CALIBRATE_COMMAND = {
  name: 'calibrate',
  synopsis: '[options]',
  description: `Scores every trained cell of a benchmark dataset (as \`study\` does: cached, resumable, several processes,
shards) and writes calibration.json: the dataset's reference population of every score (percentiles) and
the loss predictor trained on its losses with its cross-validated τ, ρ, top-10 % and interval coverage,
for \`score\`/\`predict --calibration\` and the editor's cellLens.calibrations. Also writes the study report.`,
  options: {
    ...STUDY_COMMAND.options,
    out: {
      type: 'string',
      arg: 'DIR',
      default: 'cell-lens-calibration',
      help: 'where calibration.json and the study report (report.md, report.csv, results.json, plots) go',
    },
    'cv-repeats': {
      type: 'int',
      arg: 'R',
      min: 1,
      default: 5,
      help: "the predictor's cross-validation repeated over R fold seeds (its spread; the shipped files use 5)",
    },
  },
  footer: STUDY_COMMAND.footer,
} as const satisfies CommandSpec;

/** Run `cell-lens calibrate` with `argv` (the arguments after `calibrate`). Never throws; returns the exit code. */
export async function runCalibrateCli(argv: string[], io: CliIO, opts: StudyCliOptions = {}): Promise<number> {
  const parsed = parseCli(CALIBRATE_COMMAND, argv, io, (p) => ({
    ...studyArgs(p),
    cvRepeats: p.values['cv-repeats'],
  }));
  if (parsed.exit !== undefined) return parsed.exit;
  return runStudyWith('calibrate', argv, parsed.args, io, opts);
}

async function runStudyWith(
  name: 'study' | 'calibrate',
  argv: string[],
  args: StudyArgs & { cvRepeats?: number },
  io: CliIO,
  opts: StudyCliOptions,
): Promise<number> {
  const scores = args.scores ?? [...SCORE_IDS];
  const settings = settingsOf(args, scores);
  let dataset: string, cells: StudyCell[];
  try {
    ({ dataset, cells } = await loadCells(args, io, args.limit));
  } catch (e) {
    io.stderr(`cell-lens ${name}: ${(e as Error).message}\n`);
    return 2;
  }
  let scoreOpts = opts;
  if (args.merge.length) {
    if (args.shard) {
      io.stderr(`cell-lens ${name}: --merge and --shard do not go together\n`);
      return 2;
    }
    try {
      scoreOpts = { ...opts, scorer: await mergedScorer(args.merge, cells, settings, dataset) };
    } catch (e) {
      io.stderr(`cell-lens ${name}: cannot merge: ${(e as Error).message}\n`);
      return 2;
    }
    args.cache = false; // the merged scores are not score reports: never write them to the cache
    io.stderr(`cell-lens ${name}: merging ${args.merge.length} shard outputs (${cells.length} cells)\n`);
  }
  if (args.shard) {
    const { k, n } = args.shard;
    cells = cells.filter((c) => shardOf(c.hash, n) === k - 1);
    io.stderr(`cell-lens ${name}: shard ${k}/${n}: ${cells.length} cells\n`);
  }
  const cacheDir = args.cache ? (args.cacheDir ?? scoreCacheDir()) : undefined;
  const cache = new ScoreCache({
    dir: cacheDir,
    maxEntries: cells.length + 10,
    log: (level, msg) => {
      if (level !== 'debug') io.stderr(`[${level}] ${msg}\n`);
    },
  });
  const sizes = SIZE_PRESETS[args.preset];
  io.stderr(
    `cell-lens ${name}: ${cells.length} cells of ${dataset} (${cells.filter((c) => c.diverged).length} diverged), ${scores.length} scores, preset ${args.preset} (vocab ${sizes.vocab}, embed ${sizes.embed}, hidden ${sizes.hidden}, ${sizes.layers} layers, T ${sizes.seqLen}, B ${sizes.batch}), seed ${args.seed}, repeats ${args.repeats}${cacheDir ? `, cache ${cacheDir}` : ', no disk cache'}, ${args.workers ?? (args.merge.length ? 1 : defaultWorkers(sizes))} worker(s)\n`,
  );
  const interrupt = interruptSignal(io, name, opts);
  const workers = args.workers ?? (args.merge.length ? 1 : defaultWorkers(sizes));
  const cs = cliScorer(args, io, scoreOpts, workers);
  try {
    const result = await runBenchmarkStudy(cells, cs.scorer, {
      settings,
      cache,
      signal: interrupt.signal,
      onProgress: (p) => {
        if (!io.stderrIsTTY) {
          io.stderr(`${p.message}\n`);
          return;
        }
        io.stderr(
          `\r\x1b[2K${progressBar(p.done, p.total, p.elapsedMs, p.etaMs, 'cells', io.columns)}${p.done === p.total ? '\n' : ''}`,
        );
      },
      shouldStop: isFatalScoringError,
      concurrency: cs.workers,
      study: { scores, seed: args.seed, bootstrapSamples: args.bootstrap, ensemble: true },
    });
    cs.dispose();
    const { run } = result;
    const rate = run.scored > 0 ? `, ${(run.scored / (run.scoringMs / 1000)).toFixed(2)} cells/s` : '';
    io.stderr(
      `cell-lens ${name}: ${run.outcomes.length}/${run.total} cells in ${formatDuration(run.elapsedMs)} (${run.scored} scored now${rate}, ${run.cached} cached, ${run.failed} failed)\n`,
    );
    if (run.stopped !== undefined) {
      io.stderr(`cell-lens ${name}: ${run.stopped}\n`);
      return 2;
    }
    if (run.aborted) {
      io.stderr(
        `cell-lens ${name}: interrupted after ${run.outcomes.length} of ${run.total} cells; the scored cells are cached — run the same command again to continue.\n`,
      );
      return 130;
    }
    const study = result.study!;
    const out = path.resolve(args.out);
    await fs.mkdir(out, { recursive: true });
    const command = commandLine(name, argv);
    const peak = cs.peakRssBytes();
    const plots: Partial<Record<ScoreId, string>> = {};
    for (const spec of plotsFromStudy(result.records, study, { dataset })) {
      const name = plotFileName(spec.scoreId);
      await fs.writeFile(path.join(out, name), scatterSvg(spec), 'utf8');
      plots[spec.scoreId] = name;
    }
    const intro = [
      `Dataset: **${dataset}**, ${run.outcomes.length} cells. Scored at the **${args.preset}** preset (vocab ${sizes.vocab}, embed ${sizes.embed}, hidden ${sizes.hidden}, ${sizes.layers} layers, seqLen ${sizes.seqLen}, batch ${sizes.batch}), seed ${args.seed}, ${args.repeats} repeat(s).`,
      '',
      `Made by \`${command}\` — ${run.scored} cells scored in this run${run.scored > 0 ? ` (${(run.scored / (run.scoringMs / 1000)).toFixed(2)} cells/s)` : ''}, ${run.cached} from the cache.`,
    ];
    // The loss predictor of docs/predictor.md, cross-validated on these cells (folds grouped by canonical hash).
    const recipeOf = new Map(cells.map((c) => [c.hash, c.recipe]));
    const predRows: PredictorRow[] = result.records
      .filter((r) => !r.diverged && Number.isFinite(r.testLoss) && recipeOf.has(r.hash))
      .map((r) => ({ hash: r.hash, recipe: recipeOf.get(r.hash)!, scores: r.scores, testLoss: r.testLoss }));
    let predictorMd = '';
    // The calibration (calibrate, every cell scored): its predictor's CV is the report's (the same folds and options).
    let calibration: CalibrationFile | undefined;
    if (name === 'calibrate' && !args.shard) {
      const t0 = Date.now();
      try {
        calibration = buildCalibration(studyResultsFile(dataset, settings, result, { command }), {
          cvRepeats: args.cvRepeats ?? 5,
          bootstrapSamples: args.bootstrap,
          meta: { source: 'calibration.json' },
        });
      } catch (e) {
        io.stderr(`cell-lens calibrate: cannot calibrate on these cells: ${(e as Error).message}\n`);
        return 2;
      }
      io.stderr(
        `cell-lens calibrate: reference population and predictor (${args.cvRepeats ?? 5} CV repeat(s)) of ${calibration.cells.trained} trained cells in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    }
    if (calibration?.predictor.cv || predRows.length >= 40) {
      const ids = scores.filter((id) => SCORES[id].byDefault);
      const summary =
        calibration?.predictor.cv ??
        (({ rows: _r, ...rest }) => rest)(
          crossValidate(predRows, { scoreIds: ids, seed: args.seed, bootstrapSamples: args.bootstrap }),
        );
      io.stdout(
        `loss predictor (scores + structure, ${summary.folds}-fold CV grouped by canonical cell):\n${formatCVRow(summary)}\n`,
      );
      predictorMd = [
        '',
        '## Loss predictor (cross-validated)',
        '',
        'Gradient-boosted trees on the default scores and the recipe structure (docs/predictor.md), every choice inside the folds; folds grouped by canonical hash. Kendall τ / Spearman ρ / top-10 % overlap between predicted and true test loss of the held-out cells, 95 % bootstrap intervals:',
        '',
        '```',
        formatCVRow(summary),
        '```',
        '',
      ].join('\n');
    }
    await fs.writeFile(
      path.join(out, 'report.md'),
      studyToMarkdown(study, { title: `Train-free scores vs ${dataset} losses`, intro, plots }) + predictorMd,
      'utf8',
    );
    await fs.writeFile(path.join(out, 'report.csv'), studyToCsv(study), 'utf8');
    await fs.writeFile(
      path.join(out, 'results.json'),
      encodeResults({
        ...studyResultsFile(dataset, settings, result, {
          command,
          ...(peak !== undefined ? { peakRssBytes: peak } : {}),
        }),
        ...(args.shard ? { shard: args.shard } : {}),
      }),
      'utf8',
    );
    if (calibration) {
      await fs.writeFile(path.join(out, 'calibration.json'), JSON.stringify(calibration) + '\n', 'utf8');
      const c = calibration.cells;
      io.stdout(
        `calibration: ${c.trained} trained ${dataset} cells (${c.diverged} diverged${c.failed ? `, ${c.failed} failed and left out` : ''}) at the ${calibration.preset} preset → ${path.join(out, 'calibration.json')}\n`,
      );
    }
    // Summary on stdout.
    const w = Math.max(...study.rows.map((r) => r.label.length), 5);
    io.stdout(`${'score'.padEnd(w)}  dir   n    NaN   τ(test)  ρ(test)  top-10%\n`);
    for (const r of study.rows) {
      io.stdout(
        `${r.label.padEnd(w)}  ${SCORES[r.id].better === 'higher' ? '↑' : '↓'}  ${String(r.test.tau.n).padStart(4)}  ${String(r.nNaN).padStart(4)}  ${fmtTau(r.test.tau.estimate)}   ${fmtTau(r.test.rho.estimate)}   ${Number.isNaN(r.test.topK.value) ? 'n/a' : r.test.topK.value.toFixed(2)}\n`,
      );
    }
    if (study.ensemble)
      io.stdout(
        `rank ensemble: cross-validated τ ${fmtTau(study.ensemble.cvTau).trim()}${study.ensemble.baselines.map((b) => `; ${b.id} ${fmtTau(b.cvTau).trim()}`).join('')}\n`,
      );
    io.stdout(
      `wrote ${path.join(out, 'report.md')}, report.csv, results.json and ${Object.keys(plots).length} plots\n`,
    );
    if (peak !== undefined)
      io.stderr(`cell-lens ${name}: scoring process peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB\n`);
    return run.failed > 0 ? 1 : 0;
  } catch (e) {
    io.stderr(`cell-lens ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  } finally {
    cs.dispose();
    interrupt.release();
  }
}

/**
 * A scorer that answers from shard outputs (`--merge`): every shard K/N of one N present exactly once, all with the
 * study's dataset and settings, no cell in two shards, every cell of the study in its shard. Then the normal study
 * path runs on the merged values, so the merge writes the same rows, τ, intervals and plots as one run.
 */
async function mergedScorer(
  dirs: readonly string[],
  cells: readonly StudyCell[],
  settings: ScoreSettings,
  dataset: string,
): Promise<Scorer> {
  const files = await Promise.all(
    dirs.map(async (d) => {
      const file = path.join(d, 'results.json');
      let doc: StudyResultsFile & { shard?: { k: number; n: number } };
      try {
        doc = decodeJson(await fs.readFile(file, 'utf8')) as typeof doc;
      } catch (e) {
        throw new Error(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      }
      if (!doc.shard) throw new Error(`${file} is not a shard output (made without --shard)`);
      return { file, doc };
    }),
  );
  const n = files[0].doc.shard!.n;
  const seen = new Map<number, string>();
  for (const { file, doc } of files) {
    const sh = doc.shard!;
    if (sh.n !== n) throw new Error(`${file} is shard ${sh.k}/${sh.n}, the others are of ${n}`);
    if (seen.has(sh.k)) throw new Error(`shard ${sh.k}/${n} given twice (${seen.get(sh.k)} and ${file})`);
    seen.set(sh.k, file);
    if (doc.dataset !== dataset) throw new Error(`${file} is a ${doc.dataset} study, this one ${dataset}`);
    for (const k of [...SIZE_KEYS, 'seed', 'repeats'] as const) {
      if (doc.settings[k] !== settings[k])
        throw new Error(`${file} was scored with ${k} ${doc.settings[k]}, this study uses ${settings[k]}`);
    }
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length)
    throw new Error(`shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} missing`);
  const values = new Map<string, Partial<Record<ScoreId, number>>>();
  for (const { file, doc } of files) {
    for (const c of doc.cells) {
      if (values.has(c.hash)) throw new Error(`cell ${c.hash} is in two shard outputs (${file} and another)`);
      if (shardOf(c.hash, n) !== doc.shard!.k - 1)
        throw new Error(`${file} holds cell ${c.hash}, which belongs to shard ${shardOf(c.hash, n) + 1}/${n}`);
      if (!c.error) values.set(c.hash, c.scores);
    }
  }
  const absent = cells.filter((c) => !values.has(c.hash));
  if (absent.length)
    throw new Error(
      `${absent.length} cell${absent.length === 1 ? '' : 's'} of the study ${absent.length === 1 ? 'is' : 'are'} in no shard output or failed there (e.g. ${absent[0].label}, shard ${shardOf(absent[0].hash, n) + 1}/${n}): re-run that shard`,
    );
  // eslint-disable-next-line @typescript-eslint/require-await -- a Scorer returns a promise: a missing cell rejects it
  return async (_recipe, s, _signal, hash) => {
    const v = hash !== undefined ? values.get(hash) : undefined;
    if (!v) throw new ScoringError('internal', `cell ${hash} is in no shard output`);
    return storedReport(hash!, v, s);
  };
}
