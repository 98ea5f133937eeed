/**
 * What the `cell-lens` subcommands that score many cells share: the option declarations of `study` and `search`
 * (parsed by args.ts) and their reader, the benchmark loading, the CLI scorer (a pool of scoring processes with its
 * peak-memory probe; `score` and `predict` use it too), Ctrl-C handling and the results encoding.
 */
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CliIO } from './io';
import { loadBenchmarkIndex } from '../benchmark/load';
import type { LogSource } from '../benchmark/sources';
import { ScoringError } from '../process/client';
import { ScoringPool } from '../process/pool';
import { BACKEND_NAMES } from '../scoring/check';
import { isScoreId } from '../scoring/ids';
import { SIZE_PRESETS, type PresetName } from '../scoring/presets';
import { UsageError, type OptionSpec, type OptionSpecs, type Values } from './args';
import { SCORE_IDS, type BackendChoice, type ScoreId, type ScoreSettings } from '../scoring/types';
import { cellsFromIndex, type Scorer, type StudyCell } from '../study/runner';
import { parseCalibration, type Calibration } from '../study/calibration';

/** Overrides for tests and embedding. */
export interface StudyCliOptions {
  /** The worker script (default: `worker.js` beside this bundle, or env CELL_LENS_WORKER). */
  readonly workerPath?: string;
  /** Node flags for the worker (default: `--import tsx` for a `.ts` worker). */
  readonly execArgv?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A scorer instead of the child process (tests). */
  readonly scorer?: Scorer;
  /** Abort everything; by default SIGINT aborts. */
  readonly signal?: AbortSignal;
}

export { UsageError } from './args';

/** Options shared by `study` and `search`. */
export interface CommonArgs {
  logs: LogSource[];
  dataset?: string;
  preset: PresetName;
  scores?: ScoreId[];
  seed: number;
  repeats: number;
  backend: BackendChoice;
  cacheDir?: string;
  cache: boolean;
  timeoutMs: number;
  nodePath?: string;
  verbose: boolean;
  /** Scoring processes (`--workers N`); undefined = from the cores and the memory a process of the preset needs. */
  workers?: number;
}

/** `--backend`: auto or one of the TF.js backends. */
export const BACKEND_OPTION = {
  type: 'string',
  arg: 'B',
  choices: ['auto', ...BACKEND_NAMES],
  default: 'auto',
  help: 'TF.js backend of the scoring process',
} as const satisfies OptionSpec;

/** `--timeout`: seconds of silence before a cell is given up. */
export const TIMEOUT_OPTION = {
  type: 'number',
  arg: 'S',
  unit: 'seconds',
  default: 120,
  help: 'give up on a cell when the scoring process is silent for S seconds',
} as const satisfies OptionSpec;

/** `--workers`: scoring processes in parallel. */
export const WORKERS_OPTION = {
  type: 'int',
  min: 1,
  help: 'scoring processes in parallel (default: the cores, at most free memory / what one process needs, ≈ 2 GB at full size)',
} as const satisfies OptionSpec;

/** The options `study` and `search` share (declared once; read by {@link commonArgs}). */
export const COMMON_OPTIONS = {
  logs: {
    type: 'string',
    arg: 'PATH[=DATASET]',
    multiple: true,
    help: 'NAS-Bench-NLP logs (folder or zip) instead of the bundled WikiText-2 index (repeatable)',
  },
  dataset: { type: 'string', arg: 'NAME', help: 'which dataset of the logs (default WikiText-2, else the largest)' },
  preset: {
    type: 'string',
    arg: 'P',
    choices: ['proxy', 'nas-bench-nlp'],
    default: 'proxy',
    help: 'scoring sizes: proxy (vocab 1000, embed 32, hidden 48, 2 layers, T 10, B 8) or nas-bench-nlp',
  },
  scores: { type: 'string', arg: 'a,b,...|all', help: `scores to compute: ${SCORE_IDS.join(', ')}` },
  seed: { type: 'int', arg: 'S', min: 0, default: 0, help: 'scoring seed' },
  repeats: { type: 'int', arg: 'R', min: 1, default: 1, help: 'scoring repeats averaged per score' },
  cache: {
    type: 'string',
    arg: 'DIR',
    help: 'score cache directory (default: the user cache dir, shared with `cell-lens score`)',
  },
  'cache-dir': { type: 'string', arg: 'DIR', hidden: true, help: 'same as --cache' },
  'no-cache': { type: 'boolean', help: 'neither read nor write the disk cache' },
  backend: BACKEND_OPTION,
  timeout: TIMEOUT_OPTION,
  node: { type: 'string', arg: 'PATH', help: 'run the scoring process on this node binary' },
  workers: WORKERS_OPTION,
  verbose: { type: 'boolean', help: 'log the scoring process to stderr' },
} as const satisfies OptionSpecs;

/** `--logs PATH[=DATASET]`: a path that exists is a path even with a `=` in it. */
export function logSourceOf(v: string): LogSource {
  const eq = v.lastIndexOf('=');
  return eq > 0 && !existsSync(v) ? { path: v.slice(0, eq), dataset: v.slice(eq + 1) } : { path: v };
}

/** The common arguments from parsed values of {@link COMMON_OPTIONS}. */
export function commonArgs(v: Values<typeof COMMON_OPTIONS>): CommonArgs {
  const cacheDir = v['cache-dir'] ?? v.cache;
  return {
    logs: v.logs.map(logSourceOf),
    ...(v.dataset !== undefined ? { dataset: v.dataset } : {}),
    preset: v.preset,
    ...(v.scores !== undefined ? { scores: parseScoreList(v.scores, '--scores') } : {}),
    seed: v.seed,
    repeats: v.repeats,
    backend: v.backend,
    ...(cacheDir !== undefined ? { cacheDir } : {}),
    cache: !v['no-cache'],
    timeoutMs: Math.round(v.timeout * 1000),
    ...(v.node !== undefined ? { nodePath: v.node } : {}),
    verbose: v.verbose,
    ...(v.workers !== undefined ? { workers: v.workers } : {}),
  };
}

/** A comma-separated score list (`all` = every score). */
export function parseScoreList(v: string, flag: string): ScoreId[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 1 && list[0] === 'all') return [...SCORE_IDS];
  const bad = list.filter((s) => !isScoreId(s));
  if (bad.length > 0 || list.length === 0)
    throw new UsageError(
      `${flag}: unknown score${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ') || '(none given)'}; known: ${SCORE_IDS.join(', ')}`,
    );
  return [...new Set(list as ScoreId[])];
}

/** Score settings of the common args with the given scores. */
export function settingsOf(c: CommonArgs, scores: readonly ScoreId[]): ScoreSettings {
  return { ...SIZE_PRESETS[c.preset], scores: [...scores], seed: c.seed, repeats: c.repeats, backend: c.backend };
}

/** The benchmark cells: `--logs` alone when given (bundled WikiText-2 otherwise). */
export async function loadCells(
  c: CommonArgs,
  io: CliIO,
  limit?: number,
): Promise<{ dataset: string; cells: StudyCell[] }> {
  const index = await loadBenchmarkIndex(c.logs, { prebuilt: c.logs.length === 0 });
  for (const w of index.warnings.slice(0, 10)) io.stderr(`warning: ${w.file}: ${w.message}\n`);
  if (index.warnings.length > 10) io.stderr(`warning: … and ${index.warnings.length - 10} more\n`);
  try {
    const { dataset, cells, skipped } = cellsFromIndex(index, { dataset: c.dataset, limit });
    if (skipped) io.stderr(`warning: ${skipped} benchmark entries have a recipe that is not an object; left out\n`);
    return { dataset, cells };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A scorer through the scoring child process, plus its disposal and the peak memory seen. */
export interface CliScorer {
  readonly scorer: Scorer;
  /** Scoring processes behind the scorer (cells in flight at once). */
  readonly workers: number;
  dispose(): void;
  /** Largest VmHWM (peak resident set) of the scoring processes seen, bytes (Linux only). */
  peakRssBytes(): number | undefined;
}

function readHwm(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The scoring worker script: `opts.workerPath`, else env CELL_LENS_WORKER, else `worker.js` beside this bundle. */
export function workerPathOf(opts: { readonly workerPath?: string }): string {
  return opts.workerPath ?? process.env.CELL_LENS_WORKER ?? path.join(__dirname, 'worker.js');
}

/**
 * The CLI's scorer (`score`, `study`, `search`): a ScoringPool of `workers` scoring processes (the same ScoringClient
 * and worker as the editor); each call scores one cell on the first free process, so callers that want N cells at
 * once simply have N calls in flight.
 */
export function cliScorer(
  c: Pick<CommonArgs, 'nodePath' | 'backend' | 'timeoutMs' | 'verbose'>,
  io: CliIO,
  opts: StudyCliOptions,
  workers = 1,
): CliScorer {
  if (opts.scorer) return { scorer: opts.scorer, workers: 1, dispose: () => undefined, peakRssBytes: () => undefined };
  const workerPath = workerPathOf(opts);
  let pool: ScoringPool | undefined;
  const peaks = new Map<number, number>();
  const sample = (): void => {
    for (const pid of pool?.pids ?? []) {
      const v = readHwm(pid);
      if (v !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, v));
    }
  };
  const scorer: Scorer = async (recipe, settings, signal, hash) => {
    if (!existsSync(workerPath))
      throw new ScoringError('start', `the scoring worker is missing (${workerPath}); build it with \`npm run build\``);
    pool ??= new ScoringPool({
      workers,
      workerPath,
      nodePath: c.nodePath,
      // Same heap limit as the editor's default (cellLens.scoring.maxMemoryMB): running out is reported, not a swap storm.
      execArgv: opts.execArgv ?? [
        ...(workerPath.endsWith('.ts') ? ['--import', 'tsx'] : []),
        '--max-old-space-size=4096',
      ],
      backend: c.backend,
      timeoutMs: c.timeoutMs,
      env: opts.env,
      idleStopMs: 0,
      log: (level, msg) => {
        if (c.verbose || level === 'error' || level === 'warn') io.stderr(`[${level}] ${msg}\n`);
      },
    });
    try {
      return await pool.score(recipe, settings, { signal, ...(hash ? { hash } : {}) });
    } finally {
      sample();
    }
  };
  return {
    scorer,
    workers,
    dispose: () => {
      sample();
      pool?.dispose();
    },
    peakRssBytes: () => (peaks.size ? Math.max(...peaks.values()) : undefined),
  };
}

/** Whether a scorer error means no further cell can be scored. */
export function isFatalScoringError(e: unknown): boolean {
  return e instanceof ScoringError && (e.kind === 'start' || e.kind === 'disposed');
}

/** An AbortSignal that fires on `opts.signal` or, when none is given, on SIGINT; `release` removes the listener. */
export function interruptSignal(
  io: CliIO,
  name: string,
  opts: { signal?: AbortSignal },
): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const onSigint = () => {
    io.stderr(`\ncell-lens ${name}: interrupted\n`);
    controller.abort();
  };
  if (!opts.signal) process.once('SIGINT', onSigint);
  return {
    signal: controller.signal,
    release: () => {
      process.removeListener('SIGINT', onSigint);
      opts.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** argv as one shell-quoted command line. */
export function commandLine(name: string, argv: readonly string[]): string {
  const q = (a: string): string => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['cell-lens', name, ...argv.map(q)].join(' ');
}

/** JSON with NaN / ±Infinity kept as `{"$num": "NaN"}` etc. (as the score cache writes them). */
export function encodeResults(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v,
    ) + '\n'
  );
}

/** `--calibration PATH` of `score`, `predict` and `suggest`. */
export const CALIBRATION_OPTION = {
  type: 'string',
  arg: 'PATH',
  help: "a calibration.json (`cell-lens calibrate`): percentiles and predicted loss among that dataset's cells instead of the bundled WikiText-2 ones",
} as const satisfies OptionSpec;

/**
 * The calibration of `--calibration PATH` (undefined without one), or null when it cannot be used: the reason
 * (unreadable, malformed, empty, stale) is printed as `cell-lens NAME: --calibration PATH: reason`.
 */
export async function readCalibrationArg(
  file: string | undefined,
  io: CliIO,
  name: string,
): Promise<Calibration | undefined | null> {
  if (file === undefined) return undefined;
  try {
    return parseCalibration(await fsp.readFile(file, 'utf8'), path.resolve(file));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code
      ? `cannot read it (${(e as NodeJS.ErrnoException).code})`
      : (e as Error).message;
    io.stderr(`cell-lens ${name}: --calibration ${file}: ${why}\n`);
    return null;
  }
}
