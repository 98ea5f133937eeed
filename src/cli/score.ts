/**
 * `cell-lens score FILE... [options]`: score every valid cell of the files with the train-free scores,
 * through the same ScoringClient and worker process the extension uses (a pool of `--workers` of them, so many cells
 * are scored at once; the output is the same as with one), and print a table or JSON.
 * Exit codes: 0 all cells scored, 1 some cell is invalid, 2 usage error or scoring failure.
 */

import { cellVerdict, type CellVerdict } from '../report/verdict';
import { existsSync, promises as fs } from 'node:fs';
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { canonicalHash } from '../recipe/canonical';
import type { Cell as ParsedCell, Diagnostic, ParsedDocument, Recipe } from '../recipe/types';
import { lineCol, type CliIO } from './io';
import { ScoreCache, scoreCacheDir } from '../scoring/cache';
import { ScoringError } from '../process/client';
import { defaultWorkers } from '../process/pool';
import { PRESET_NAMES, SIZE_PRESETS } from '../scoring/presets';
import { DEFAULT_SIZES, SCORE_IDS, type ScoreId, type ScoreReport, type ScoreSettings } from '../scoring/types';
import { cellName } from '../report/format';
import { parseCli, type CommandSpec, type OptionSpec, type OptionSpecs, type Parsed, type Values } from './args';
import {
  BACKEND_OPTION,
  CALIBRATION_OPTION,
  TIMEOUT_OPTION,
  WORKERS_OPTION,
  cliScorer,
  parseScoreList,
  readCalibrationArg,
  workerPathOf,
} from './common';

/** Overrides for tests and embedding. */
export interface ScoreCliOptions {
  /** The worker script (default: `worker.js` beside this bundle, or env CELL_LENS_WORKER). */
  readonly workerPath?: string;
  /** Node flags for the worker (default: `--import tsx` for a `.ts` worker, else none). */
  readonly execArgv?: readonly string[];
  /** Extra environment for the worker. */
  readonly env?: Readonly<Record<string, string>>;
  /** Cache directory (default: `--cache-dir`, else the user cache dir + cell-lens/scores). */
  readonly cacheDir?: string;
  /** Abort everything (e.g. Ctrl-C); by default SIGINT aborts. */
  readonly signal?: AbortSignal;
  /** Receives the per-file results (what `--json` prints) as data, for commands built on `score` (`predict`). */
  readonly onResult?: (files: readonly ScoredFile[]) => void;
}

const SIZE_HELP: Record<SizeKey, string> = {
  vocab: 'vocabulary size',
  embed: "embedding size (also the last layer's hidden size)",
  hidden: 'hidden size',
  layers: 'recurrent layers',
  seqLen: 'sequence length scored',
  batch: 'batch size scored',
};
type SizeKey = keyof typeof DEFAULT_SIZES;
const sizeOption = (k: SizeKey) =>
  ({
    type: 'int',
    min: 1,
    help: `${SIZE_HELP[k]}, overriding the preset (nas-bench-nlp: ${DEFAULT_SIZES[k]})`,
  }) as const satisfies OptionSpec;

/**
 * The options `score` and `predict` share: how cells are scored and cached. `predict` leaves out the score
 * choice (`--scores`, `--seed`, `--repeats`): its predictor reads fixed ones.
 */
export const SCORING_OPTIONS = {
  preset: {
    type: 'string',
    arg: 'P',
    choices: PRESET_NAMES,
    default: 'nas-bench-nlp',
    help: 'size preset: nas-bench-nlp or proxy (vocab 1000, embed 32, hidden 48, 2 layers, seq 10, batch 8)',
  },
  vocab: sizeOption('vocab'),
  embed: sizeOption('embed'),
  hidden: sizeOption('hidden'),
  layers: sizeOption('layers'),
  seq: sizeOption('seqLen'),
  batch: sizeOption('batch'),
  backend: BACKEND_OPTION,
  timeout: TIMEOUT_OPTION,
  node: { type: 'string', arg: 'PATH', help: 'run the scoring processes on this node binary' },
  workers: {
    ...WORKERS_OPTION,
    help: 'scoring processes, cells scored at once (default: the cores, at most free memory / what one process needs); the output is the same with any N',
  },
  calibration: CALIBRATION_OPTION,
  'no-cache': { type: 'boolean', help: 'neither read nor write the score cache' },
  'cache-dir': {
    type: 'string',
    arg: 'DIR',
    help: 'score cache directory (default: the user cache dir + cell-lens/scores)',
  },
  verbose: { type: 'boolean', help: 'log the scoring processes to stderr' },
} as const satisfies OptionSpecs;

/** `cell-lens score`: its options, declared once for the parser and the help. */
export const SCORE_COMMAND = {
  name: 'score',
  synopsis: 'FILE... [options]',
  description: 'Scores every valid cell in the files (recipes, lists of recipes, NAS-Bench-NLP logs).',
  positionals: { name: 'FILE', required: true },
  options: {
    scores: { type: 'string', arg: 'a,b,...', help: `scores to compute (default all): ${SCORE_IDS.join(', ')}` },
    seed: { type: 'int', min: -(2 ** 31), default: 0, help: 'base seed; repeat r uses seed + r' },
    repeats: { type: 'int', min: 1, default: 1, help: 'repeats averaged per score' },
    ...SCORING_OPTIONS,
    json: { type: 'boolean', help: 'print JSON (NaN / Infinity as strings) instead of a table' },
  },
  footer: 'Exit codes: 0 ok, 1 invalid cells, 2 usage error or scoring failure.',
} as const satisfies CommandSpec;

/** What `score` runs with (also built by `predict`). */
export interface ScoreArgs {
  files: string[];
  settings: ScoreSettings;
  json: boolean;
  cache: boolean;
  cacheDir?: string;
  timeoutMs: number;
  nodePath?: string;
  verbose: boolean;
  /** Scoring processes; undefined = {@link defaultWorkers} of the sizes. */
  workers?: number;
  /** `--calibration PATH`: percentiles among its dataset's cells (default: the bundled WikiText-2 calibration). */
  calibration?: string;
}

const SIZE_FLAGS = {
  vocab: 'vocab',
  embed: 'embed',
  hidden: 'hidden',
  layers: 'layers',
  seq: 'seqLen',
  batch: 'batch',
} as const;

/** The arguments of the scoring options (`score` and `predict`) with a score choice. */
export function scoreArgsOf(
  v: Values<typeof SCORING_OPTIONS> & { json: boolean },
  files: string[],
  choice: { scores: ScoreId[]; seed: number; repeats: number },
): ScoreArgs {
  // A preset gives the sizes; explicit size flags override it, in any order.
  const sizes = { ...SIZE_PRESETS[v.preset] };
  for (const [flag, key] of Object.entries(SIZE_FLAGS)) {
    const n = v[flag as keyof typeof SIZE_FLAGS];
    if (n !== undefined) sizes[key] = n;
  }
  return {
    files,
    json: v.json,
    cache: !v['no-cache'],
    timeoutMs: Math.round(v.timeout * 1000),
    verbose: v.verbose,
    settings: { ...sizes, ...choice, backend: v.backend },
    ...(v['cache-dir'] !== undefined ? { cacheDir: v['cache-dir'] } : {}),
    ...(v.node !== undefined ? { nodePath: v.node } : {}),
    ...(v.workers !== undefined ? { workers: v.workers } : {}),
    ...(v.calibration !== undefined ? { calibration: v.calibration } : {}),
  };
}

function scoreArgs({ values: v, positionals }: Parsed<typeof SCORE_COMMAND.options>): ScoreArgs {
  const scores = v.scores === undefined ? [...SCORE_IDS] : parseScoreList(v.scores, '--scores');
  return scoreArgsOf(v, positionals, { scores, seed: v.seed, repeats: v.repeats });
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return (
    rows
      .map(
        (r) =>
          '  ' +
          r
            .map((cell, c) => {
              const pad = ' '.repeat(widths[c] - [...cell].length);
              return c === 3 ? pad + cell : cell + pad; // ms right-aligned
            })
            .join('  ')
            .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** The table of a cell's verdict: every score with the digits of the lens (counts in full), percentile, direction, time. */
export function verdictTable(v: CellVerdict): string {
  const rows = [['score', 'value', 'pct', 'dir', 'ms']];
  for (const s of v.scores) {
    const r = s.result;
    rows.push([
      s.label,
      s.exactText + (r.reason && !Number.isFinite(r.value) ? ` (${r.reason})` : ''),
      s.percentileText ?? '—',
      s.better === 'higher' ? '↑' : '↓',
      String(Math.round(r.wallMs)),
    ]);
  }
  return (
    table(rows) +
    (v.population
      ? `\n(pct: percentile ${v.population.text}, scored at the same settings; 100 = best)`
      : '\n(no percentiles: no reference population for these settings)')
  );
}

/** Percentile of every result in the reference population (null: NaN or no reference). */
function percentilesOf(v: CellVerdict): Record<string, number | null> {
  return Object.fromEntries(v.scores.map((s) => [s.id, s.percentile ?? null]));
}

/** JSON with NaN / ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
function toJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

interface JsonDiagnostic {
  severity: string;
  code: string;
  message: string;
  line: number;
  column: number;
}
interface JsonCell {
  index: number;
  label: string;
  valid: boolean;
  hash?: string;
  cached?: boolean;
  diagnostics: JsonDiagnostic[];
  report?: ScoreReport;
  error?: { kind: string; message: string };
  /** Per score: percentile (0 … 100, 100 = best) among the trained WikiText-2 cells at the same settings; null without a reference. */
  percentiles?: Record<string, number | null>;
  /** The reference preset the percentiles are relative to (absent: none applies). */
  referencePreset?: string;
  /** The dataset of that reference population (the bundled WikiText-2, or the `--calibration`'s). */
  referenceDataset?: string;
}
interface JsonFile {
  file: string;
  error?: string;
  diagnostics: JsonDiagnostic[];
  cells: JsonCell[];
}
/** One file's results, as `--json` prints them (`onResult`). */
export type ScoredFile = Readonly<JsonFile>;

/**
 * Run `cell-lens score` with `argv` (the arguments after `score`). Never throws; returns the exit code
 * (0 ok, 1 invalid cells, 2 usage error or scoring failure).
 */
export async function runScore(argv: string[], io: CliIO, opts: ScoreCliOptions = {}): Promise<number> {
  const parsed = parseCli(SCORE_COMMAND, argv, io, scoreArgs);
  if (parsed.exit !== undefined) return parsed.exit;
  return scoreFiles(parsed.args, io, opts);
}

/** One cell of a file as read, before it is scored. */
interface ReadCell {
  readonly cell: ParsedCell;
  readonly valid: boolean;
  readonly recipe?: Recipe;
  readonly hash?: string;
  /** From the disk cache. */
  readonly cached?: ScoreReport;
  /** Its scoring, started at once (several cells run in parallel on the pool); never rejects. */
  scoring?: Promise<{ report: ScoreReport } | { error: unknown }>;
}

/**
 * Scores the cells of `args.files` and prints them (`predict` calls this with its own arguments). The cells are read
 * and looked up in the cache first; every cell left is then handed to a pool of `args.workers` scoring processes at
 * once, and the results are printed in file and cell order as they complete — the same output as one process.
 */
export async function scoreFiles(args: ScoreArgs, io: CliIO, opts: ScoreCliOptions = {}): Promise<number> {
  const calibration = await readCalibrationArg(args.calibration, io, 'score');
  if (calibration === null) return 2;
  const workerPath = workerPathOf(opts);
  const cache = args.cache ? new ScoreCache({ dir: opts.cacheDir ?? args.cacheDir ?? scoreCacheDir() }) : undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const onSigint = () => {
    io.stderr('cell-lens score: interrupted\n');
    controller.abort();
  };
  if (!opts.signal) process.once('SIGINT', onSigint);
  const workers = args.workers ?? defaultWorkers(args.settings);
  const cs = cliScorer(
    { nodePath: args.nodePath, backend: args.settings.backend, timeoutMs: args.timeoutMs, verbose: args.verbose },
    io,
    { workerPath, execArgv: opts.execArgv, env: opts.env },
    workers,
  );

  let exit = 0;
  const out: JsonFile[] = [];
  const diagLines = (file: string, text: string, diags: readonly Diagnostic[]): JsonDiagnostic[] => {
    const at = lineCol(text);
    return diags
      .filter((d) => d.severity !== 'info')
      .map((d) => {
        const { line, column } = at(d.span.start);
        if (!args.json) io.stderr(`${file}:${line}:${column}: ${d.severity}: ${d.message} [${d.code}]\n`);
        return { severity: d.severity, code: d.code, message: d.message, line, column };
      });
  };

  try {
    // 1. Read every file, parse it, look its valid cells up in the cache.
    const read: { file: string; text?: string; error?: string; doc?: ParsedDocument; cells: ReadCell[] }[] = [];
    for (const file of args.files) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (e) {
        read.push({ file, error: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, cells: [] });
        continue;
      }
      const doc = parseDocument(text);
      const cells: ReadCell[] = [];
      for (const cell of doc.cells) {
        const valid = !cell.diagnostics.some((d) => d.severity === 'error');
        if (!valid) {
          cells.push({ cell, valid });
          continue;
        }
        const recipe = toRecipe(cell);
        const hash = canonicalHash(recipe);
        cells.push({ cell, valid, recipe, hash, cached: await cache?.get(hash, args.settings) });
      }
      read.push({ file, text, doc, cells });
    }
    // 2. Start scoring every cell the cache does not hold (a cell met twice is scored once); the pool runs
    //    `workers` of them at a time, in this order.
    const workerMissing = !existsSync(workerPath);
    const inFlight = new Map<string, Promise<{ report: ScoreReport } | { error: unknown }>>();
    if (!workerMissing) {
      for (const c of read.flatMap((f) => f.cells)) {
        if (!c.recipe || !c.hash || c.cached) continue;
        let p = inFlight.get(c.hash);
        if (!p) {
          const { recipe, hash } = c;
          p = (async () => {
            try {
              const report = await cs.scorer(recipe, args.settings, controller.signal, hash);
              await cache?.put(report);
              return { report };
            } catch (error) {
              return { error };
            }
          })();
          inFlight.set(c.hash, p);
        }
        c.scoring = p;
      }
    }
    // 3. Print in file and cell order, each cell as soon as it (and every one before it) is done.
    for (const f of read) {
      const { file } = f;
      const jf: JsonFile = { file, diagnostics: [], cells: [] };
      out.push(jf);
      if (f.error !== undefined || f.text === undefined || !f.doc) {
        jf.error = f.error;
        io.stderr(`cell-lens score: ${jf.error}\n`);
        exit = 2;
        continue;
      }
      const { text, doc } = f;
      jf.diagnostics = diagLines(file, text, doc.diagnostics);
      if (doc.diagnostics.some((d) => d.severity === 'error')) exit = Math.max(exit, 1);
      if (doc.cells.length === 0) {
        if (!doc.diagnostics.some((d) => d.severity === 'error')) io.stderr(`${file}: no cells found\n`);
        exit = Math.max(exit, 1);
      }
      const seen = new Set<string>();
      for (const c of f.cells) {
        if (controller.signal.aborted) break;
        const { cell, valid } = c;
        // Known names only (RNN, LSTM, GRU): score loads no benchmark.
        const label = cellName(cell, valid ? c.hash : undefined);
        const jc: JsonCell = {
          index: cell.index,
          label,
          valid,
          diagnostics: diagLines(`${file} (${label})`, text, cell.diagnostics),
        };
        jf.cells.push(jc);
        if (!valid || !c.hash) {
          exit = Math.max(exit, 1);
          if (!args.json) io.stdout(`${file} · ${label} · invalid, not scored\n\n`);
          continue;
        }
        const hash = c.hash;
        jc.hash = hash;
        let report = c.cached;
        // A cell scored earlier in this run counts as cached, as the cache would have served it.
        jc.cached = report !== undefined || (cache !== undefined && seen.has(hash));
        seen.add(hash);
        if (!report) {
          if (workerMissing || !c.scoring) {
            io.stderr(
              `cell-lens score: the scoring worker is missing (${workerPath}); build it with \`npm run build\`\n`,
            );
            return 2;
          }
          const r = await c.scoring;
          if ('error' in r) {
            if (controller.signal.aborted) break; // interrupted: no per-cell error
            const e = r.error;
            const err = e instanceof ScoringError ? e : new ScoringError('internal', String(e));
            jc.error = { kind: err.kind, message: err.message };
            exit = Math.max(exit, err.kind === 'invalid' ? 1 : 2);
            if (!args.json) io.stderr(`${file} · ${label}: ${err.message}\n`);
            if (err.kind === 'cancelled' || err.kind === 'start') break;
            continue;
          }
          report = r.report;
        }
        jc.report = report;
        const verdict = cellVerdict(report, undefined, calibration);
        jc.percentiles = percentilesOf(verdict);
        if (verdict.population) {
          jc.referencePreset = verdict.population.preset;
          jc.referenceDataset = verdict.population.dataset;
        }
        if (!args.json) {
          io.stdout(
            `${file} · ${label} · ${hash.slice(0, 12)} · ${report.backend}${jc.cached ? ' · cached' : ''} · ${Math.round(report.totalMs)} ms\n`,
          );
          io.stdout(verdictTable(verdict) + '\n');
        }
      }
      if (controller.signal.aborted) {
        exit = 2;
        break;
      }
    }
    opts.onResult?.(out);
    if (args.json) io.stdout(toJson({ files: out }) + '\n');
    return exit;
  } finally {
    process.removeListener('SIGINT', onSigint);
    opts.signal?.removeEventListener('abort', onAbort);
    controller.abort(); // cells still queued after an early return are not scored
    cs.dispose();
  }
}
