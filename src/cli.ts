/**
 * `cell-lens` — the same core as the extension, on the command line.
 *   cell-lens check FILE... [--json]         diagnostics; exit 1 when any error
 *   cell-lens lookup FILE... [--logs PATH]   benchmark records of each cell as JSON
 *   cell-lens score FILE... [options]        train-free scores (child process, TF.js)
 *   cell-lens study [options]                correlate the scores with a benchmark's losses
 *   cell-lens calibrate [options]            a dataset's percentiles and predictor (calibration.json)
 *   cell-lens search [options]               training-free search (random, REA, AREA, GA)
 *   cell-lens predict FILE... [--json]       predicted WikiText-2 test loss of each cell
 *   cell-lens suggest FILE [--top K]         single edits of a cell ranked by predicted loss
 */
import type { CliIO } from './cli/io';
import { runCheck } from './cli/check';
import { runLookup } from './cli/lookup';
import { runScore } from './cli/score';
import { runCalibrateCli, runStudyCli } from './cli/study';
import { runSearchCli } from './cli/search';
import { runPredict } from './cli/predict';
import { runSuggest } from './cli/suggest';

const USAGE = `usage: cell-lens <command> [options]

commands:
  check FILE... [--json]                  validate NAS-Bench-NLP cell files (recipe, training log or list)
  lookup FILE... [--logs PATH[=DATASET]]  benchmark records of each cell (JSON)
  score FILE... [--scores zen,naswot,...] [--seed N] [--repeats N] [--backend auto|wasm|cpu|...]
        [--vocab N --embed N --hidden N --layers N --seq N --batch N] [--json] [--no-cache] [--workers N]
                                          train-free scores in TF.js child processes
  study [--logs PATH] [--scores a,b] [--limit N] [--out DIR] [--preset proxy|nas-bench-nlp] [--seed S]
        [--repeats R] [--cache DIR] [--workers N]
                                          correlate the scores with the benchmark losses (report, plots)
  calibrate --logs PATH[=DATASET] [--dataset NAME] [--preset proxy] [--workers N] [--shard K/N | --merge DIR...]
        [--out DIR]                       percentiles and loss predictor of a dataset: DIR/calibration.json
  search --algo random|rea|area|ga --score S --budget N [--seed S] [--seeds K] [--logs PATH] [--space]
        [--out FILE] [--workers N]        training-free search over the trained cells or the whole space
  predict FILE... [--preset proxy|nas-bench-nlp] [--json] [--workers N]
                                          predicted WikiText-2 test loss of each cell, with an interval
  suggest FILE [--cell N] [--top K] [--preset proxy] [--calibration PATH] [--json] [--workers N]
                                          single edits of a cell ranked by predicted test loss, with Δ
  help                                    this text

Every command takes -h / --help (its options, generated from the same declarations its parser reads). A wrong
command line prints what is wrong and the command's help, exit code 2. --workers N: scoring processes, cells scored
at once (default: the cores, at most free memory / what one process needs); the results are the same with any N.
`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'check':
      return runCheck(rest, io);
    case 'lookup':
      return runLookup(rest, io);
    case 'score':
      return runScore(rest, io);
    case 'study':
      return runStudyCli(rest, io);
    case 'calibrate':
      return runCalibrateCli(rest, io);
    case 'search':
      return runSearchCli(rest, io);
    case 'predict':
      return runPredict(rest, io);
    case 'suggest':
      return runSuggest(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return cmd ? 0 : 2;
    default:
      io.stderr(`unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
  })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((e) => {
      process.stderr.write(`cell-lens: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    });
}
