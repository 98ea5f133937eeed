/**
 * `cell-lens predict FILE... [--preset proxy|nas-bench-nlp] [--json] [score options]`: scores each valid cell (as
 * `cell-lens score` does, through the same cache) and prints its predicted WikiText-2 test loss with the 80 %
 * interval and the predicted percentile, beside the benchmark's real loss when it knows the cell.
 * Exit codes as `score`: 0 ok, 1 invalid cells, 2 usage error, scoring failure or no predictor for the settings.
 */
import { promises as fs } from 'node:fs';
import type { CliIO } from './io';
import { runScore, type ScoreCliOptions, type ScoredFile } from './score';
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { PREDICTORS, predictionFor, predictionText, type CellPrediction } from '../study/predictions';
import { loadBenchmarkIndex } from '../benchmark/load';

const USAGE = `Usage: cell-lens predict FILE... [options]

Scores every valid cell in the files and predicts its WikiText-2 test loss from the train-free scores and the
cell's structure (the bundled predictor of the preset; see docs/predictor.md), with an 80 % interval and the
predicted share of the benchmark's trained cells it beats. Cells the benchmark knows also show their real loss.

Options:
  --preset P    proxy or nas-bench-nlp (default); predictors exist for: ${Object.keys(PREDICTORS).join(', ') || 'none'}
  --json        print JSON instead of a table
  and every option of \`cell-lens score\` (--backend, --timeout, --no-cache, --cache-dir, --node, --verbose)

Exit codes: 0 ok, 1 invalid cells, 2 usage error, scoring failure or no predictor for these settings.
`;


export async function runPredict(argv: string[], io: CliIO, opts: ScoreCliOptions = {}): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) { io.stdout(USAGE); return 0; }
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  if (rest.some((a) => a === '--scores' || a.startsWith('--scores=') || a === '--seed' || a === '--repeats')) {
    io.stderr('cell-lens predict: the predictor reads the scores of its preset at seed 0, 1 repeat: --scores, --seed and --repeats do not apply\n');
    return 2;
  }
  // `score` does the parsing, validation, caching and scoring; its results come back as data.
  let files: readonly ScoredFile[] | undefined;
  const code = await runScore([...rest, '--json'], { stdout: () => undefined, stderr: (s) => io.stderr(s) }, { ...opts, onResult: (f) => { files = f; } });
  if (!files) return code || 2;
  const index = await loadBenchmarkIndex([]).catch(() => undefined);
  let exit = code;
  const rows: { file: string; label: string; hash?: string; prediction?: CellPrediction; benchmark?: { dataset: string; testLoss: number; rank?: number; size?: number }; error?: string }[] = [];
  for (const f of files) {
    let text = '';
    try { text = await fs.readFile(f.file, 'utf8'); } catch { /* reported by score */ }
    const cells = parseDocument(text).cells;
    for (const c of f.cells) {
      if (!c.valid) { rows.push({ file: f.file, label: c.label, error: 'invalid cell' }); continue; }
      if (!c.report) { rows.push({ file: f.file, label: c.label, ...(c.hash ? { hash: c.hash } : {}), error: c.error?.message ?? 'not scored' }); continue; }
      const cell = cells.find((x) => x.index === c.index);
      const p = cell ? predictionFor(c.report, toRecipe(cell)) : undefined;
      if (!p) {
        exit = 2;
        rows.push({ file: f.file, label: c.label, hash: c.hash, error: `no predictor for these settings (predictors: ${Object.keys(PREDICTORS).join(', ') || 'none'}; seed 0, 1 repeat)` });
        continue;
      }
      const m = c.hash ? index?.lookup(c.hash).find((x) => !x.diverged) : undefined;
      rows.push({ file: f.file, label: c.label, hash: c.hash, prediction: p, ...(m ? { benchmark: { dataset: m.dataset, testLoss: m.entry.meanTest, ...(m.rank !== undefined ? { rank: m.rank, size: m.size } : {}) } } : {}) });
    }
  }
  if (json) {
    io.stdout(JSON.stringify({ predictions: rows }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  } else {
    for (const r of rows) {
      const head = `${r.file} · ${r.label}${r.hash ? ` · ${r.hash.slice(0, 12)}` : ''}`;
      if (r.error) { io.stdout(`${head} · ${r.error}\n`); continue; }
      const bench = r.benchmark ? ` · benchmark ${r.benchmark.dataset} test loss ${r.benchmark.testLoss.toFixed(3)}${r.benchmark.rank ? ` (rank ${r.benchmark.rank}/${r.benchmark.size})` : ''}` : ' · not in the benchmark';
      io.stdout(`${head} · ${predictionText(r.prediction!)} (${r.prediction!.preset})${bench}\n`);
    }
  }
  return exit;
}
