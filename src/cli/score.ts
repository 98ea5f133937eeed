/**
 * `cell-lens score FILE... [options]`: score every valid cell of the files with the train-free scores,
 * through the same ScoringClient and worker process the extension uses, and print a table or JSON.
 * Exit codes: 0 all cells scored, 1 some cell is invalid, 2 usage error or scoring failure.
 */

import { percentileOf, referencePresetFor } from '../scoring/reference';
import { ordinal } from '../editor/scoreFormat';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { canonicalHash } from '../recipe/canonical';
import type { Diagnostic } from '../recipe/types';
import { lineCol, type CliIO } from './io';
import { ScoreCache } from '../scoring/cache';
import { ScoringClient, ScoringError } from '../scoring/client';
import { BACKEND_NAMES, isScoreId } from '../scoring/protocol';
import { PRESET_NAMES, SIZE_PRESETS, isPresetName, type PresetName } from '../scoring/presets';
import {
  DEFAULT_SIZES, SCORES, SCORE_IDS,
  type BackendChoice, type ScoreId, type ScoreReport, type ScoreResult, type ScoreSettings,
} from '../scoring/types';


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

/** Help text of `cell-lens score`. */
export const SCORE_USAGE = `Usage: cell-lens score FILE... [options]

Scores every valid cell in the files (recipes, lists of recipes, NAS-Bench-NLP logs).

Options:
  --scores a,b,...     scores to compute (default: all): ${SCORE_IDS.join(', ')}
  --seed N             base seed (default 0); repeat r uses seed + r
  --repeats N          repeats averaged per score (default 1)
  --backend B          auto | ${BACKEND_NAMES.join(' | ')} (default auto)
  --preset P           size preset: nas-bench-nlp (default) or proxy (vocab 1000, embed 32,
                       hidden 48, 2 layers, seq 10, batch 8)
  --vocab N --embed N --hidden N --layers N --seq N --batch N
                       model and scoring sizes, overriding the preset (default ${DEFAULT_SIZES.vocab} ${DEFAULT_SIZES.embed} ${DEFAULT_SIZES.hidden} ${DEFAULT_SIZES.layers} ${DEFAULT_SIZES.seqLen} ${DEFAULT_SIZES.batch})
  --timeout S          give up on a cell when the scoring process is silent for S seconds (default 120)
  --node PATH          run the scoring process on this node binary
  --json               print JSON (NaN / Infinity as strings) instead of a table
  --no-cache           neither read nor write the score cache
  --cache-dir DIR      score cache directory
  --verbose            log the scoring process to stderr
  -h, --help           this help

Exit codes: 0 ok, 1 invalid cells, 2 usage error or scoring failure.
`;

interface Parsed {
  files: string[];
  settings: ScoreSettings;
  json: boolean;
  cache: boolean;
  cacheDir?: string;
  timeoutMs: number;
  nodePath?: string;
  verbose: boolean;
  help: boolean;
}

class UsageError extends Error {}

const SIZE_FLAGS: Record<string, keyof typeof DEFAULT_SIZES> = {
  '--vocab': 'vocab', '--embed': 'embed', '--hidden': 'hidden', '--layers': 'layers', '--seq': 'seqLen', '--batch': 'batch',
};

function parseArgs(argv: readonly string[]): Parsed {
  let preset: PresetName = 'nas-bench-nlp';
  const overrides: Partial<Record<keyof typeof DEFAULT_SIZES, number>> = {};
  let scores: ScoreId[] = [...SCORE_IDS];
  let seed = 0;
  let repeats = 1;
  let backend: BackendChoice = 'auto';
  const out: Omit<Parsed, 'settings'> = { files: [], json: false, cache: true, timeoutMs: 120_000, verbose: false, help: false };
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (onlyFiles || !arg.startsWith('-') || arg === '-') { out.files.push(arg); continue; }
    if (arg === '--') { onlyFiles = true; continue; }
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) { inline = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const int = (min: number): number => {
      const v = value();
      const n = Number(v);
      if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${arg} takes an integer ≥ ${min}, not "${v}"`);
      return n;
    };
    switch (arg) {
      case '-h': case '--help': out.help = true; break;
      case '--json': out.json = true; break;
      case '--preset': {
        const v = value();
        if (!isPresetName(v)) throw new UsageError(`--preset takes ${PRESET_NAMES.join(' or ')}, not "${v}"`);
        preset = v;
        break;
      }
      case '--no-cache': out.cache = false; break;
      case '--verbose': out.verbose = true; break;
      case '--cache-dir': out.cacheDir = value(); break;
      case '--node': out.nodePath = value(); break;
      case '--seed': seed = int(-(2 ** 31)); break;
      case '--repeats': repeats = int(1); break;
      case '--timeout': {
        const v = value();
        const s = Number(v);
        if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout takes a number of seconds > 0, not "${v}"`);
        out.timeoutMs = Math.round(s * 1000);
        break;
      }
      case '--backend': {
        const v = value();
        if (v !== 'auto' && !BACKEND_NAMES.includes(v as never)) throw new UsageError(`--backend takes auto, ${BACKEND_NAMES.join(', ')}; not "${v}"`);
        backend = v as BackendChoice;
        break;
      }
      case '--scores': {
        const v = value();
        const list = v.split(',').map((s) => s.trim()).filter(Boolean);
        if (list.length === 1 && list[0] === 'all') { scores = [...SCORE_IDS]; break; }
        const bad = list.filter((s) => !isScoreId(s));
        if (bad.length > 0 || list.length === 0) throw new UsageError(`unknown score${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ') || '(none given)'}; known: ${SCORE_IDS.join(', ')}`);
        scores = [...new Set(list as ScoreId[])];
        break;
      }
      default:
        if (arg in SIZE_FLAGS) { overrides[SIZE_FLAGS[arg]] = int(1); break; }
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  // A preset gives the sizes; explicit size flags override it, in any order.
  const sizes = { ...SIZE_PRESETS[preset], ...overrides };
  return { ...out, settings: { ...sizes, scores, seed, repeats, backend } };
}

function defaultCacheDir(): string {
  const base = process.platform === 'win32'
    ? process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local')
    : process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'cell-lens', 'scores');
}

/** A number for people: integers grouped, others with 4 significant digits. */
export function formatNumber(v: number, integer = false): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (integer && Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function formatValue(r: ScoreResult): string {
  const isInt = r.id === 'params';
  let s = formatNumber(r.value, isInt);
  if (r.repeats > 1 && !isInt && !Number.isNaN(r.value)) s += ` ± ${formatNumber(r.std)}`;
  if (r.reason && !Number.isFinite(r.value)) s += ` (${r.reason})`;
  return s;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return rows.map((r) => '  ' + r.map((cell, c) => {
    const pad = ' '.repeat(widths[c] - [...cell].length);
    return c === 3 ? pad + cell : cell + pad; // ms right-aligned
  }).join('  ').trimEnd()).join('\n') + '\n';
}

function formatReport(report: ScoreReport): string {
  const rows = [['score', 'value', 'pct', 'dir', 'ms']];
  for (const r of report.results) {
    const info = SCORES[r.id];
    const p = percentileOf(r.id, r.value, report.settings);
    rows.push([info.label, formatValue(r), p === undefined ? '—' : ordinal(p), info.better === 'higher' ? '↑' : '↓', String(Math.round(r.wallMs))]);
  }
  const preset = referencePresetFor(report.settings);
  return table(rows) + (preset ? `\n(pct: percentile among the trained WikiText-2 cells scored at the ${preset} preset; 100 = best)` : '\n(no percentiles: no reference population for these settings)');
}

/** Percentile of every result among the reference population (null: NaN or no reference). */
function percentilesOf(report: ScoreReport): Record<string, number | null> {
  return Object.fromEntries(report.results.map((r) => [r.id, percentileOf(r.id, r.value, report.settings) ?? null]));
}

/** JSON with NaN / ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
function toJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

interface JsonDiagnostic { severity: string; code: string; message: string; line: number; column: number }
interface JsonCell {
  index: number; label: string; valid: boolean; hash?: string; cached?: boolean;
  diagnostics: JsonDiagnostic[]; report?: ScoreReport; error?: { kind: string; message: string };
  /** Per score: percentile (0 … 100, 100 = best) among the trained WikiText-2 cells at the same settings; null without a reference. */
  percentiles?: Record<string, number | null>;
  /** The reference preset the percentiles are relative to (absent: none applies). */
  referencePreset?: string;
}
interface JsonFile { file: string; error?: string; diagnostics: JsonDiagnostic[]; cells: JsonCell[] }
/** One file's results, as `--json` prints them (`onResult`). */
export type ScoredFile = Readonly<JsonFile>;

/**
 * Run `cell-lens score` with `argv` (the arguments after `score`). Never throws; returns the exit code
 * (0 ok, 1 invalid cells, 2 usage error or scoring failure).
 */
export async function runScore(argv: string[], io: CliIO, opts: ScoreCliOptions = {}): Promise<number> {
  let args: Parsed;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`cell-lens score: ${e.message}\n\n${SCORE_USAGE}`);
    return 2;
  }
  if (args.help) { io.stdout(SCORE_USAGE); return 0; }
  if (args.files.length === 0) { io.stderr(`cell-lens score: no FILE given\n\n${SCORE_USAGE}`); return 2; }

  const workerPath = opts.workerPath ?? process.env.CELL_LENS_WORKER ?? path.join(__dirname, 'worker.js');
  const cache = args.cache ? new ScoreCache({ dir: opts.cacheDir ?? args.cacheDir ?? defaultCacheDir() }) : undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const onSigint = () => { io.stderr('cell-lens score: interrupted\n'); controller.abort(); };
  if (!opts.signal) process.once('SIGINT', onSigint);

  let client: ScoringClient | undefined;
  const getClient = (): ScoringClient => {
    client ??= new ScoringClient({
      workerPath,
      nodePath: args.nodePath,
      // Same heap limit as the editor's default (cellLens.scoring.maxMemoryMB): running out is reported, not a swap storm.
      execArgv: opts.execArgv ?? [...(workerPath.endsWith('.ts') ? ['--import', 'tsx'] : []), '--max-old-space-size=4096'],
      backend: args.settings.backend,
      timeoutMs: args.timeoutMs,
      env: opts.env,
      log: (level, msg) => { if (args.verbose || level === 'error') io.stderr(`[${level}] ${msg}\n`); },
    });
    return client;
  };

  let exit = 0;
  const out: JsonFile[] = [];
  const diagLines = (file: string, text: string, diags: readonly Diagnostic[]): JsonDiagnostic[] => {
    const at = lineCol(text);
    return diags.filter((d) => d.severity !== 'info').map((d) => {
      const { line, column } = at(d.span.start);
      if (!args.json) io.stderr(`${file}:${line}:${column}: ${d.severity}: ${d.message} [${d.code}]\n`);
      return { severity: d.severity, code: d.code, message: d.message, line, column };
    });
  };

  try {
    for (const file of args.files) {
      const jf: JsonFile = { file, diagnostics: [], cells: [] };
      out.push(jf);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (e) {
        jf.error = `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
        io.stderr(`cell-lens score: ${jf.error}\n`);
        exit = 2;
        continue;
      }
      const doc = parseDocument(text);
      jf.diagnostics = diagLines(file, text, doc.diagnostics);
      if (doc.diagnostics.some((d) => d.severity === 'error')) exit = Math.max(exit, 1);
      if (doc.cells.length === 0) {
        if (!doc.diagnostics.some((d) => d.severity === 'error')) io.stderr(`${file}: no cells found\n`);
        exit = Math.max(exit, 1);
      }
      for (const cell of doc.cells) {
        if (controller.signal.aborted) break;
        const valid = !cell.diagnostics.some((d) => d.severity === 'error');
        const jc: JsonCell = { index: cell.index, label: cell.label, valid, diagnostics: diagLines(`${file} (${cell.label})`, text, cell.diagnostics) };
        jf.cells.push(jc);
        if (!valid) {
          exit = Math.max(exit, 1);
          if (!args.json) io.stdout(`${file} · ${cell.label} · invalid, not scored\n\n`);
          continue;
        }
        const recipe = toRecipe(cell);
        const hash = canonicalHash(recipe);
        jc.hash = hash;
        let report = await cache?.get(hash, args.settings);
        jc.cached = report !== undefined;
        if (!report) {
          if (!existsSync(workerPath)) {
            io.stderr(`cell-lens score: the scoring worker is missing (${workerPath}); build it with \`npm run build\`\n`);
            return 2;
          }
          try {
            report = await getClient().score(recipe, args.settings, { hash, signal: controller.signal });
            await cache?.put(report);
          } catch (e) {
            if (controller.signal.aborted) break; // interrupted: no per-cell error
            const err = e instanceof ScoringError ? e : new ScoringError('internal', String(e));
            jc.error = { kind: err.kind, message: err.message };
            exit = Math.max(exit, err.kind === 'invalid' ? 1 : 2);
            if (!args.json) io.stderr(`${file} · ${cell.label}: ${err.message}\n`);
            if (err.kind === 'cancelled' || err.kind === 'start') break;
            continue;
          }
        }
        jc.report = report;
        jc.percentiles = percentilesOf(report);
        const refPreset = referencePresetFor(report.settings);
        if (refPreset) jc.referencePreset = refPreset;
        if (!args.json) {
          io.stdout(`${file} · ${cell.label} · ${hash.slice(0, 12)} · ${report.backend}${jc.cached ? ' · cached' : ''} · ${Math.round(report.totalMs)} ms\n`);
          io.stdout(formatReport(report) + '\n');
        }
      }
      if (controller.signal.aborted) { exit = 2; break; }
    }
    opts.onResult?.(out);
    if (args.json) io.stdout(toJson({ files: out }) + '\n');
    return exit;
  } finally {
    process.removeListener('SIGINT', onSigint);
    opts.signal?.removeEventListener('abort', onAbort);
    client?.dispose();
  }
}
