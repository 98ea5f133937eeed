/**
 * What the `cell-lens` subcommands that score many cells share (`study`, `search`): the common options and their
 * reader, the benchmark loading, the CLI scorer (the scoring child process with its peak-memory probe), Ctrl-C
 * handling and the results encoding.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIO } from './io';
import { loadBenchmarkIndex } from '../benchmark/load';
import type { LogSource } from '../benchmark/logs';
import { ScoringError } from '../scoring/client';
import { ScoringPool } from '../scoring/pool';
import { BACKEND_NAMES, isScoreId } from '../scoring/protocol';
import { SIZE_PRESETS, isPresetName, type PresetName } from '../scoring/presets';
import { SCORE_IDS, type BackendChoice, type ScoreId, type ScoreSettings } from '../scoring/types';
import { cellsFromIndex, type Scorer, type StudyCell } from '../study/runner';

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

export class UsageError extends Error {}

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
  help: boolean;
  /** Scoring processes (`--workers N`); undefined = from the cores and the memory a process of the preset needs. */
  workers?: number;
}

/** A tiny flag reader over argv (supports `--flag value` and `--flag=value`). */
export class ArgReader {
  private i = -1;
  private inline: string | undefined;
  arg = '';
  constructor(private readonly argv: readonly string[]) {}
  /** The next flag (or positional), undefined at the end. */
  next(): string | undefined {
    this.i++;
    if (this.i >= this.argv.length) return undefined;
    let a = this.argv[this.i];
    this.inline = undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { this.inline = a.slice(eq + 1); a = a.slice(0, eq); }
    this.arg = a;
    return a;
  }
  value(): string {
    if (this.inline !== undefined) { const v = this.inline; this.inline = undefined; return v; }
    const v = this.argv[++this.i];
    if (v === undefined) throw new UsageError(`${this.arg} needs a value`);
    return v;
  }
  int(min: number): number {
    const v = this.value();
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${this.arg} takes an integer ≥ ${min}, not "${v}"`);
    return n;
  }
}

/** A comma-separated score list (`all` = every score). */
export function parseScoreList(v: string, flag: string): ScoreId[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 1 && list[0] === 'all') return [...SCORE_IDS];
  const bad = list.filter((s) => !isScoreId(s));
  if (bad.length > 0 || list.length === 0) throw new UsageError(`${flag}: unknown score${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ') || '(none given)'}; known: ${SCORE_IDS.join(', ')}`);
  return [...new Set(list as ScoreId[])];
}

export function defaultCommon(): CommonArgs {
  return { logs: [], preset: 'proxy', seed: 0, repeats: 1, backend: 'auto', cache: true, timeoutMs: 120_000, verbose: false, help: false };
}

/** Handles a flag shared by study and search; false when `flag` is not one of them. */
export function commonFlag(flag: string, r: ArgReader, c: CommonArgs): boolean {
  switch (flag) {
    case '-h': case '--help': c.help = true; return true;
    case '--logs': {
      const v = r.value();
      const eq = v.lastIndexOf('=');
      c.logs.push(eq > 0 && !existsSync(v) ? { path: v.slice(0, eq), dataset: v.slice(eq + 1) } : { path: v });
      return true;
    }
    case '--dataset': c.dataset = r.value(); return true;
    case '--preset': {
      const v = r.value();
      if (!isPresetName(v)) throw new UsageError(`--preset takes proxy or nas-bench-nlp, not "${v}"`);
      c.preset = v;
      return true;
    }
    case '--scores': c.scores = parseScoreList(r.value(), '--scores'); return true;
    case '--seed': c.seed = r.int(0); return true;
    case '--repeats': c.repeats = r.int(1); return true;
    case '--cache': case '--cache-dir': c.cacheDir = r.value(); return true;
    case '--no-cache': c.cache = false; return true;
    case '--node': c.nodePath = r.value(); return true;
    case '--verbose': c.verbose = true; return true;
    case '--workers': c.workers = r.int(1); return true;
    case '--backend': {
      const v = r.value();
      if (v !== 'auto' && !BACKEND_NAMES.includes(v as never)) throw new UsageError(`--backend takes auto, ${BACKEND_NAMES.join(', ')}; not "${v}"`);
      c.backend = v as BackendChoice;
      return true;
    }
    case '--timeout': {
      const v = r.value();
      const s = Number(v);
      if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout takes a number of seconds > 0, not "${v}"`);
      c.timeoutMs = Math.round(s * 1000);
      return true;
    }
    default: return false;
  }
}

/** The user's cache directory for score reports (shared with `cell-lens score`). */
export function defaultCacheDir(): string {
  const base = process.platform === 'win32'
    ? process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local')
    : process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'cell-lens', 'scores');
}

/** Score settings of the common args with the given scores. */
export function settingsOf(c: CommonArgs, scores: readonly ScoreId[]): ScoreSettings {
  return { ...SIZE_PRESETS[c.preset], scores: [...scores], seed: c.seed, repeats: c.repeats, backend: c.backend };
}

/** The benchmark cells: `--logs` alone when given (bundled WikiText-2 otherwise). */
export async function loadCells(c: CommonArgs, io: CliIO, limit?: number): Promise<{ dataset: string; cells: StudyCell[] }> {
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

/** The CLI's scorer: the same ScoringClient and worker as `cell-lens score`. */
export function cliScorer(c: CommonArgs, io: CliIO, opts: StudyCliOptions, workers = 1): CliScorer {
  if (opts.scorer) return { scorer: opts.scorer, workers: 1, dispose: () => undefined, peakRssBytes: () => undefined };
  const workerPath = opts.workerPath ?? process.env.CELL_LENS_WORKER ?? path.join(__dirname, 'worker.js');
  let pool: ScoringPool | undefined;
  const peaks = new Map<number, number>();
  const sample = (): void => {
    for (const pid of pool?.pids ?? []) {
      const v = readHwm(pid);
      if (v !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, v));
    }
  };
  const scorer: Scorer = async (recipe, settings, signal, hash) => {
    if (!existsSync(workerPath)) throw new ScoringError('start', `the scoring worker is missing (${workerPath}); build it with \`npm run build\``);
    pool ??= new ScoringPool({
      workers,
      workerPath,
      nodePath: c.nodePath,
      // Same heap limit as the editor's default (cellLens.scoring.maxMemoryMB): running out is reported, not a swap storm.
      execArgv: opts.execArgv ?? [...(workerPath.endsWith('.ts') ? ['--import', 'tsx'] : []), '--max-old-space-size=4096'],
      backend: c.backend,
      timeoutMs: c.timeoutMs,
      env: opts.env,
      idleStopMs: 0,
      log: (level, msg) => { if (c.verbose || level === 'error' || level === 'warn') io.stderr(`[${level}] ${msg}\n`); },
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
    dispose: () => { sample(); pool?.dispose(); },
    peakRssBytes: () => (peaks.size ? Math.max(...peaks.values()) : undefined),
  };
}

/** Whether a scorer error means no further cell can be scored. */
export function isFatalScoringError(e: unknown): boolean {
  return e instanceof ScoringError && (e.kind === 'start' || e.kind === 'disposed');
}

/** An AbortSignal that fires on `opts.signal` or, when none is given, on SIGINT; `release` removes the listener. */
export function interruptSignal(io: CliIO, name: string, opts: { signal?: AbortSignal }): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const onSigint = () => { io.stderr(`\ncell-lens ${name}: interrupted\n`); controller.abort(); };
  if (!opts.signal) process.once('SIGINT', onSigint);
  return {
    signal: controller.signal,
    release: () => { process.removeListener('SIGINT', onSigint); opts.signal?.removeEventListener('abort', onAbort); },
  };
}

/** argv as one shell-quoted command line. */
export function commandLine(name: string, argv: readonly string[]): string {
  const q = (a: string): string => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['cell-lens', name, ...argv.map(q)].join(' ');
}

/** JSON with NaN / ±Infinity kept as `{"$num": "NaN"}` etc. (as the score cache writes them). */
export function encodeResults(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v)) + '\n';
}

