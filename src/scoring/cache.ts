/**
 * Score report cache: keyed by the cell's canonical hash plus the settings that change the values
 * (sizes, seed, repeats, the set of scores; not the backend). An in-memory LRU in front of an optional
 * directory with one JSON file per key. JSON cannot hold NaN / ±Infinity, so those are written as
 * `{"$num":"NaN"}` etc. Writes are atomic (temp file + rename); unreadable or corrupt files count as
 * misses. Disk errors are logged, never thrown. No `vscode` import.
 */

import { withDerivedScores } from './reference';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkReport } from './check';
import { ENGINE_VERSION, type ScoreReport, type ScoreSettings } from './types';

/**
 * The folder of the disk cache of score reports, the one place it is worked out: `scores` under `storage` when
 * given (the extension's global storage folder), else the user's cache folder shared by the CLI commands:
 * `$XDG_CACHE_HOME` (or ~/.cache; %LOCALAPPDATA% on Windows) + `cell-lens/scores`.
 */
export function scoreCacheDir(storage?: string): string {
  if (storage !== undefined) return path.join(storage, 'scores');
  const base =
    process.platform === 'win32'
      ? (process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'))
      : (process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'));
  return path.join(base, 'cell-lens', 'scores');
}

export interface ScoreCacheOptions {
  /** Directory for the disk cache ({@link scoreCacheDir}); memory only when absent. */
  readonly dir?: string;
  /** In-memory LRU capacity (default 500 reports). */
  readonly maxEntries?: number;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

/** Format version of the files; files of another version are misses. */
const FILE_VERSION = 1;
const FILE_RE = /^[0-9a-f]{40}\.json$/;
const NON_FINITE = '$num';

/**
 * The settings that change score values, in a stable order (the backend is deliberately left out), plus the
 * engine version: a report of another engine version is a miss.
 */
export function settingsKey(settings: ScoreSettings): string {
  const scores = [...new Set(settings.scores)].sort();
  const { vocab, embed, hidden, layers, seqLen, batch, seed, repeats } = settings;
  return JSON.stringify({ engine: ENGINE_VERSION, vocab, embed, hidden, layers, seqLen, batch, seed, repeats, scores });
}

/** The cache key of a cell hash with settings. */
export function cacheKey(hash: string, settings: ScoreSettings): string {
  return `${hash}|${settingsKey(settings)}`;
}

/** JSON text of a value with NaN / ±Infinity kept as `{"$num": "NaN" | "Infinity" | "-Infinity"}`. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v,
  );
}

/** Inverse of {@link encodeJson}. Throws on invalid JSON. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const tag = (v as Record<string, unknown>)[NON_FINITE];
      if (keys.length === 1 && (tag === 'NaN' || tag === 'Infinity' || tag === '-Infinity')) return Number(tag);
    }
    return v;
  });
}

/** Report cache (memory LRU + optional disk). */
export class ScoreCache {
  private readonly mem = new Map<string, ScoreReport>();
  private readonly max: number;

  constructor(private readonly opts: ScoreCacheOptions = {}) {
    this.max = Math.max(1, opts.maxEntries ?? 500);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void {
    try {
      this.opts.log?.(level, msg);
    } catch {
      /* ignore */
    }
  }

  private fileOf(key: string): string | undefined {
    if (!this.opts.dir) return undefined;
    return path.join(this.opts.dir, `${createHash('sha1').update(key).digest('hex')}.json`);
  }

  private remember(key: string, report: ScoreReport): void {
    this.mem.delete(key);
    this.mem.set(key, report);
    while (this.mem.size > this.max) this.mem.delete(this.mem.keys().next().value as string);
  }

  /** The in-memory entry only (synchronous; for rendering). */
  peek(hash: string, settings: ScoreSettings): ScoreReport | undefined {
    const key = cacheKey(hash, settings);
    const r = this.mem.get(key);
    if (r) this.remember(key, r);
    return r;
  }

  /** The cached report for this cell and these settings, from memory or disk; undefined on a miss. */
  async get(hash: string, settings: ScoreSettings): Promise<ScoreReport | undefined> {
    const key = cacheKey(hash, settings);
    const hit = this.mem.get(key);
    if (hit) {
      this.remember(key, hit);
      return hit;
    }
    const file = this.fileOf(key);
    if (!file) return undefined;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log('warn', `score cache: cannot read ${file}: ${String(e)}`);
      return undefined;
    }
    let data: unknown;
    try {
      data = decodeJson(text);
    } catch {
      this.log('warn', `score cache: ignoring corrupt file ${file}`);
      return undefined;
    }
    const d = data as { version?: unknown; key?: unknown; report?: unknown } | null;
    if (typeof d !== 'object' || d === null || d.version !== FILE_VERSION || d.key !== key) {
      this.log('warn', `score cache: ignoring ${file} (other version or key)`);
      return undefined;
    }
    const why = checkReport(d.report);
    if (why) {
      this.log('warn', `score cache: ignoring ${file}: ${why}`);
      return undefined;
    }
    // Derived scores (hybrid) follow the bundled reference, whatever it was when the report was written.
    const report = withDerivedScores(d.report as ScoreReport);
    this.remember(key, report);
    return report;
  }

  /** Store a report under its own hash and settings (memory now; disk written atomically). */
  async put(report: ScoreReport): Promise<void> {
    const key = cacheKey(report.hash, report.settings);
    this.remember(key, report);
    const file = this.fileOf(key);
    if (!file) return;
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(tmp, encodeJson({ version: FILE_VERSION, key, report }), 'utf8');
      await fs.rename(tmp, file);
    } catch (e) {
      this.log('warn', `score cache: cannot write ${file}: ${String(e)}`);
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Forget everything: the memory and this cache's files in the directory (other files are left alone). */
  async clear(): Promise<void> {
    this.mem.clear();
    const dir = this.opts.dir;
    if (!dir) return;
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((n) => FILE_RE.test(n) || /^[0-9a-f]{40}\.json\.\d+\.[0-9a-f]+\.tmp$/.test(n))
        .map((n) =>
          fs
            .rm(path.join(dir, n), { force: true })
            .catch((e: unknown) => this.log('warn', `score cache: cannot remove ${n}: ${String(e)}`)),
        ),
    );
  }
}
