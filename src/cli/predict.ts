/**
 * `cell-lens predict FILE... [--preset proxy|nas-bench-nlp] [--json] [score options]`: scores each valid cell (as
 * `cell-lens score` does, through the same cache) and prints its predicted WikiText-2 test loss with the 80 %
 * interval and the predicted percentile, beside the benchmark's real loss when it knows the cell.
 * Exit codes as `score`: 0 ok, 1 invalid cells, 2 usage error, scoring failure or no predictor for the settings.
 */
import { promises as fs } from 'node:fs';
import type { CliIO } from './io';
import { SCORING_OPTIONS, scoreArgsOf, scoreFiles, type ScoreCliOptions, type ScoredFile } from './score';
import { parseCli, UsageError, type CommandSpec } from './args';
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { SCORE_IDS } from '../scoring/types';
import { PREDICTORS, type CellPrediction } from '../study/predictions';
import { cellVerdict, type PredictionVerdict } from '../report/verdict';
import { predictionText } from '../report/scoreFormat';
import { formatLoss } from '../shared/format';
import { loadBenchmarkIndex } from '../benchmark/load';
import { cellName } from '../report/format';
import { readCalibrationArg } from './common';

/** `cell-lens predict`: the scoring options of `score` without the score choice, which its predictor fixes. */
export const PREDICT_COMMAND = {
  name: 'predict',
  synopsis: 'FILE... [options]',
  description: `Scores every valid cell in the files and predicts its WikiText-2 test loss from the train-free scores and the
cell's structure (the bundled predictor of the preset, or --calibration's predictor of its dataset; see
docs/predictor.md), with an 80 % interval and the predicted share of the benchmark's trained cells it beats. Cells
the benchmark knows also show their real loss.`,
  positionals: { name: 'FILE', required: true },
  options: {
    ...SCORING_OPTIONS,
    preset: {
      ...SCORING_OPTIONS.preset,
      help: `size preset; predictors exist for: ${Object.keys(PREDICTORS).join(', ') || 'none'} (seed 0, 1 repeat)`,
    },
    json: { type: 'boolean', help: 'print JSON instead of a table' },
    // Accepted only to be refused with the reason (the predictor reads its preset's scores at seed 0, 1 repeat).
    scores: { type: 'string', hidden: true, help: '' },
    seed: { type: 'string', hidden: true, help: '' },
    repeats: { type: 'string', hidden: true, help: '' },
  },
  footer: 'Exit codes: 0 ok, 1 invalid cells, 2 usage error, scoring failure or no predictor for these settings.',
} as const satisfies CommandSpec;

export async function runPredict(argv: string[], io: CliIO, opts: ScoreCliOptions = {}): Promise<number> {
  const parsed = parseCli(PREDICT_COMMAND, argv, io, ({ values: v, positionals, given }) => {
    if (given.has('scores') || given.has('seed') || given.has('repeats')) {
      throw new UsageError(
        'the predictor reads the scores of its preset at seed 0, 1 repeat: --scores, --seed and --repeats do not apply',
      );
    }
    // `score` does the validation, caching and scoring (quietly, as JSON); its results come back as data.
    return {
      json: v.json,
      score: scoreArgsOf({ ...v, json: true }, positionals, { scores: [...SCORE_IDS], seed: 0, repeats: 1 }),
    };
  });
  if (parsed.exit !== undefined) return parsed.exit;
  const { json } = parsed.args;
  const calibration = await readCalibrationArg(parsed.args.score.calibration, io, 'predict');
  if (calibration === null) return 2;
  const predictors = calibration?.predictors ?? PREDICTORS;
  let files: readonly ScoredFile[] | undefined;
  const code = await scoreFiles(
    parsed.args.score,
    { stdout: () => undefined, stderr: (s) => io.stderr(s) },
    {
      ...opts,
      onResult: (f) => {
        files = f;
      },
    },
  );
  if (!files) return code || 2;
  const index = await loadBenchmarkIndex([]).catch(() => undefined);
  let exit = code;
  type Row = {
    file: string;
    label: string;
    hash?: string;
    prediction?: CellPrediction;
    benchmark?: { dataset: string; testLoss: number; rank?: number; size?: number };
    error?: string;
  };
  const rows: Row[] = [];
  // The prediction of a row as the verdict formats it (the JSON carries its numbers only).
  const verdicts = new Map<Row, PredictionVerdict>();
  for (const f of files) {
    let text = '';
    try {
      text = await fs.readFile(f.file, 'utf8');
    } catch {
      /* reported by score */
    }
    const cells = parseDocument(text).cells;
    for (const c of f.cells) {
      // The cell's one name: known (LSTM), else its benchmark recipe id, else the label score gave it.
      const parsedCell = cells.find((x) => x.index === c.index);
      const label = parsedCell && c.valid && c.hash ? cellName(parsedCell, c.hash, index?.lookup(c.hash)) : c.label;
      if (!c.valid) {
        rows.push({ file: f.file, label, error: 'invalid cell' });
        continue;
      }
      if (!c.report) {
        rows.push({
          file: f.file,
          label,
          ...(c.hash ? { hash: c.hash } : {}),
          error: c.error?.message ?? 'not scored',
        });
        continue;
      }
      const p = parsedCell ? cellVerdict(c.report, toRecipe(parsedCell), calibration).prediction : undefined;
      if (!p) {
        exit = 2;
        rows.push({
          file: f.file,
          label,
          hash: c.hash,
          error: `no predictor for these settings (predictors${calibration ? ` of the ${calibration.dataset} calibration` : ''}: ${Object.keys(predictors).join(', ') || 'none'}; seed 0, 1 repeat)`,
        });
        continue;
      }
      const m = c.hash ? index?.lookup(c.hash).find((x) => !x.diverged) : undefined;
      const { lossText: _l, topText: _t, ...prediction } = p;
      const row: Row = {
        file: f.file,
        label,
        hash: c.hash,
        prediction,
        ...(m
          ? {
              benchmark: {
                dataset: m.dataset,
                testLoss: m.entry.meanTest,
                ...(m.rank !== undefined ? { rank: m.rank, size: m.size } : {}),
              },
            }
          : {}),
      };
      rows.push(row);
      verdicts.set(row, p);
    }
  }
  if (json) {
    io.stdout(
      JSON.stringify(
        { predictions: rows },
        (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
        2,
      ) + '\n',
    );
  } else {
    for (const r of rows) {
      const head = `${r.file} · ${r.label}${r.hash ? ` · ${r.hash.slice(0, 12)}` : ''}`;
      if (r.error) {
        io.stdout(`${head} · ${r.error}\n`);
        continue;
      }
      const bench = r.benchmark
        ? ` · benchmark ${r.benchmark.dataset} test loss ${formatLoss(r.benchmark.testLoss)}${r.benchmark.rank ? ` (rank ${r.benchmark.rank}/${r.benchmark.size})` : ''}`
        : ' · not in the benchmark';
      io.stdout(`${head} · ${predictionLine(verdicts.get(r)!)}${bench}\n`);
    }
  }
  return exit;
}

/** A prediction as `cell-lens predict` prints it: the lens's text and the preset, `… · top 20% (proxy)`. */
export function predictionLine(p: PredictionVerdict): string {
  return `${predictionText(p)} (${p.preset})`;
}
