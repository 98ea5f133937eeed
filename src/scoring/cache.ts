/**
 * Score report cache: keyed by the cell's canonical hash plus the settings that change the values
 * (sizes, seed, repeats, the set of scores; not the backend). An in-memory LRU in front of an optional
 * directory with one JSON file per key, named `<sha1 of the cell hash>-<sha1 of the settings key>.json`, so the
 * reports of one cell at every setting are found by their common prefix ({@link ScoreCache.load}). JSON cannot
 * hold NaN / ±Infinity, so those are written as `{"$num":"NaN"}` etc. Writes are atomic (temp file + rename);
 * unreadable or corrupt files count as misses. Disk errors are logged, never thrown. No `vscode` import.
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
/** `<sha1 of the cell hash>-<sha1 of the settings key>.json`. */
const FILE_RE = /^([0-9a-f]{40})-[0-9a-f]{40}\.json$/;
/** Files of the earlier naming (`<sha1 of the whole key>.json`): renamed to the naming above when first listed. */
const OLD_FILE_RE = /^[0-9a-f]{40}\.json$/;
const TMP_RE = /^[0-9a-f]{40}(-[0-9a-f]{40})?\.json\.\d+\.[0-9a-f]+\.tmp$/;
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

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** A report in memory, with the parts of its key. */
interface Entry {
  readonly report: ScoreReport;
  readonly hash: string;
}

/** Report cache (memory LRU + optional disk). */
export class ScoreCache {
  /** Key → entry, least recently used first. */
  private readonly mem = new Map<string, Entry>();
  /** Cell hash → the keys of its reports in memory (at any settings). */
  private readonly byCell = new Map<string, Set<string>>();
  private readonly max: number;
  /** Files of the earlier naming, renamed once per instance before the first listing. */
  private renamed: Promise<void> | undefined;

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

  /** The file of a key: `<sha1 of the cell hash>-<sha1 of the settings key>.json` in the cache folder. */
  private fileOf(hash: string, settings: ScoreSettings): string | undefined {
    if (!this.opts.dir) return undefined;
    return path.join(this.opts.dir, `${sha1(hash)}-${sha1(settingsKey(settings))}.json`);
  }

  private remember(key: string, report: ScoreReport): void {
    this.mem.delete(key);
    this.mem.set(key, { report, hash: report.hash });
    let keys = this.byCell.get(report.hash);
    if (!keys) this.byCell.set(report.hash, (keys = new Set()));
    keys.delete(key);
    keys.add(key);
    while (this.mem.size > this.max) {
      const [oldest, e] = this.mem.entries().next().value as [string, Entry];
      this.mem.delete(oldest);
      const left = this.byCell.get(e.hash);
      left?.delete(oldest);
      if (left?.size === 0) this.byCell.delete(e.hash);
    }
  }

  /** The in-memory entry only (synchronous; for rendering). */
  peek(hash: string, settings: ScoreSettings): ScoreReport | undefined {
    const key = cacheKey(hash, settings);
    const r = this.mem.get(key)?.report;
    if (r) this.remember(key, r);
    return r;
  }

  /**
   * Every report of this cell in memory, at any settings, the most recently used first (synchronous; for
   * rendering). {@link load} reads a cell's reports from the disk.
   */
  peekAll(hash: string): ScoreReport[] {
    const keys = this.byCell.get(hash);
    if (!keys) return [];
    return [...keys].map((k) => this.mem.get(k)!.report).reverse();
  }

  /**
   * A report file's content if it is a valid report of this key (else undefined, logged); undefined without a
   * log when the file does not exist.
   */
  private async readFile(file: string, key: string | ((key: string) => boolean)): Promise<ScoreReport | undefined> {
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
    const keyOk = (k: unknown) => typeof k === 'string' && (typeof key === 'string' ? k === key : key(k));
    if (typeof d !== 'object' || d === null || d.version !== FILE_VERSION || !keyOk(d.key)) {
      this.log('warn', `score cache: ignoring ${file} (other version or key)`);
      return undefined;
    }
    const why = checkReport(d.report);
    if (why) {
      this.log('warn', `score cache: ignoring ${file}: ${why}`);
      return undefined;
    }
    const report = d.report as ScoreReport;
    if (d.key !== cacheKey(report.hash, report.settings)) {
      // A report of another engine version (its key names that version), or a key not its report's.
      this.log('debug', `score cache: ignoring ${file} (its key is not its report's key now)`);
      return undefined;
    }
    // Derived scores (hybrid) follow the bundled reference, whatever it was when the report was written.
    return withDerivedScores(report);
  }

  /** The cached report for this cell and these settings, from memory or disk; undefined on a miss. */
  async get(hash: string, settings: ScoreSettings): Promise<ScoreReport | undefined> {
    const key = cacheKey(hash, settings);
    const hit = this.mem.get(key)?.report;
    if (hit) {
      this.remember(key, hit);
      return hit;
    }
    const file = this.fileOf(hash, settings);
    if (!file) return undefined;
    await this.renameOldFiles();
    const report = await this.readFile(file, key);
    if (report) this.remember(key, report);
    return report;
  }

  /**
   * Reads the reports of these cells at every settings from the disk into memory ({@link peekAll} then has them):
   * one listing of the folder, then the files of these cells not in memory yet. Resolves to how many were read.
   */
  async load(hashes: Iterable<string>): Promise<number> {
    const dir = this.opts.dir;
    if (!dir) return 0;
    const cells = new Map<string, string>();
    for (const h of hashes) cells.set(sha1(h), h);
    if (cells.size === 0) return 0;
    await this.renameOldFiles();
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log('warn', `score cache: cannot list ${dir}: ${String(e)}`);
      return 0;
    }
    const known = new Set<string>();
    for (const h of cells.values())
      for (const r of this.peekAll(h)) known.add(path.basename(this.fileOf(h, r.settings)!));
    let read = 0;
    for (const name of names) {
      const hash = cells.get(FILE_RE.exec(name)?.[1] ?? '');
      if (hash === undefined || known.has(name)) continue;
      const report = await this.readFile(path.join(dir, name), (k) => k.startsWith(`${hash}|`));
      if (!report || report.hash !== hash) continue;
      this.remember(cacheKey(hash, report.settings), report);
      read++;
    }
    return read;
  }

  /**
   * Renames the files of the earlier naming (one sha1 of the whole key) to the naming of {@link fileOf}, once per
   * instance (their key is read from the file); unreadable ones are left for {@link clear}.
   */
  private renameOldFiles(): Promise<void> {
    const dir = this.opts.dir;
    if (!dir) return Promise.resolve();
    this.renamed ??= (async () => {
      let names: string[];
      try {
        names = (await fs.readdir(dir)).filter((n) => OLD_FILE_RE.test(n));
      } catch {
        return;
      }
      for (const name of names) {
        const from = path.join(dir, name);
        const report = await this.readFile(from, (k) => sha1(k) === name.slice(0, 40));
        if (!report) continue;
        await fs
          .rename(from, this.fileOf(report.hash, report.settings)!)
          .catch((e: unknown) => this.log('debug', `score cache: ${name} not renamed: ${String(e)}`));
      }
    })();
    return this.renamed;
  }

  /** Store a report under its own hash and settings (memory now; disk written atomically). */
  async put(report: ScoreReport): Promise<void> {
    const key = cacheKey(report.hash, report.settings);
    this.remember(key, report);
    const file = this.fileOf(report.hash, report.settings);
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
    this.byCell.clear();
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
        .filter((n) => FILE_RE.test(n) || OLD_FILE_RE.test(n) || TMP_RE.test(n))
        .map((n) =>
          fs
            .rm(path.join(dir, n), { force: true })
            .catch((e: unknown) => this.log('warn', `score cache: cannot remove ${n}: ${String(e)}`)),
        ),
    );
  }
}
