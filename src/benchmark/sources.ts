/**
 * Where NAS-Bench-NLP training logs are read from: folders (scanned recursively), `.zip` archives of logs (read
 * through `zip.ts`), or single log files, as the settings list them (`cellLens.benchmark.logPaths`). Every
 * per-file problem (unreadable, too large, not a log: see `logFormat.ts`) becomes a {@link LogWarning}; nothing
 * here throws on bad input. Pure Node code, no `vscode` import.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseLog, type BenchmarkRun, type LogWarning } from './logFormat';
import { readZipEntry, zipEntries, type ZipEntry } from './zip';

/** A place to read logs from, as the settings give it (`cellLens.benchmark.logPaths`). */
export interface LogSource {
  /** A folder (scanned recursively), a `.zip` of logs, or one `.json` log file. */
  readonly path: string;
  /** Dataset label for every log of this source; when absent it is inferred from each log's `data` field. */
  readonly dataset?: string;
}

/** What loading produced: the runs, the per-file warnings, and the names of entries ignored as not `.json`. */
export interface LoadResult {
  readonly runs: BenchmarkRun[];
  readonly warnings: LogWarning[];
  /** Files / zip entries that were not considered at all (not `.json`, directories, `__MACOSX` …). */
  readonly ignored: string[];
}

/** Largest single log file / zip entry that is read (bytes). Real logs are about 10 KB. */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;
/** Largest zip archive that is read (bytes). */
export const MAX_ZIP_BYTES = 512 * 1024 * 1024;
/** Most files a folder scan looks at before it stops (and says so in a warning). */
export const MAX_FOLDER_FILES = 200_000;

function emptyResult(): LoadResult {
  return { runs: [], warnings: [], ignored: [] };
}

function isJsonName(name: string): boolean {
  const base = basename(name);
  return base.toLowerCase().endsWith('.json') && !base.startsWith('._') && !name.split('/').includes('__MACOSX');
}

const overLimit = (bytes: number) => `skipped: ${bytes} bytes is over the ${MAX_LOG_BYTES}-byte limit for one log`;

const utf8 = new TextDecoder('utf-8');

// ---------------------------------------------------------------------------------------------------------------
// Sources as lists of items. Every loader (synchronous, asynchronous, the background worker threads) opens a
// source, reads its items one by one and puts the outcomes in item order, so they all produce the same runs in
// the same order; a worker thread reads every k-th item (a shard) and the caller merges the shards by position.

/** What reading one item of a source gave; `pos` is the item's place in the source (−1: about the whole source). */
export type LogOutcome =
  | { readonly pos: number; readonly run: BenchmarkRun }
  | { readonly pos: number; readonly warning: LogWarning }
  | { readonly pos: number; readonly ignored: string };

/** A source opened for reading (see {@link openLogSource}). */
export interface OpenedSource {
  /** Number of log items (files, zip entries) to read. */
  readonly items: number;
  /** Outcomes about the source as a whole, in order (listing warnings, ignored files); `pos` −1. */
  readonly prelude: readonly LogOutcome[];
  /** Reads item `pos` (0 ≤ pos < items). Never throws. */
  read(pos: number): LogOutcome;
}

function sourceWarning(file: string, message: string): OpenedSource {
  return {
    items: 0,
    prelude: [{ pos: -1, warning: { file, message } }],
    read: () => {
      throw new RangeError('no items');
    },
  };
}

/** Opens the bytes of a `.zip` archive; `label` names it in `file` fields and warnings (`<label>:<entry>`). */
export function openZip(bytes: Uint8Array, label: string, dataset?: string): OpenedSource {
  let all: ZipEntry[];
  try {
    all = zipEntries(bytes);
  } catch (err) {
    return sourceWarning(label, `not a readable zip archive (${(err as Error).message})`);
  }
  const prelude: LogOutcome[] = [];
  const byName = new Map<string, ZipEntry>();
  for (const e of all) {
    if (e.name.endsWith('/')) continue;
    if (!isJsonName(e.name)) prelude.push({ pos: -1, ignored: `${label}:${e.name}` });
    else byName.set(e.name, e); // a repeated name: the later entry wins, as when the archive is extracted
  }
  const names = [...byName.keys()].sort();
  const hashes = new Map<string, string>();
  return {
    items: names.length,
    prelude,
    read(pos) {
      const e = byName.get(names[pos]) as ZipEntry;
      const file = `${label}:${e.name}`;
      if (e.size > MAX_LOG_BYTES) return { pos, warning: { file, message: overLimit(e.size) } };
      let data: Uint8Array;
      try {
        data = readZipEntry(bytes, e, MAX_LOG_BYTES);
      } catch (err) {
        const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
        return {
          pos,
          warning: {
            file,
            message: tooBig ? overLimit(MAX_LOG_BYTES + 1) : `cannot read the entry (${(err as Error).message})`,
          },
        };
      }
      if (data.length > MAX_LOG_BYTES) return { pos, warning: { file, message: overLimit(data.length) } };
      return withPos(pos, parseLog(utf8.decode(data), file, dataset, hashes));
    },
  };
}

function withPos(pos: number, parsed: ReturnType<typeof parseLog>): LogOutcome {
  return 'run' in parsed ? { pos, run: parsed.run } : { pos, warning: parsed.warning };
}

/** The `.json` files under a folder, recursively (sorted; dot-folders and `node_modules` skipped). */
function listJsonFiles(dir: string, prelude: LogOutcome[]): string[] {
  const found: string[] = [];
  const stack = [dir];
  let seen = 0;
  while (stack.length > 0) {
    const cur = stack.pop() as string;
    let names: string[];
    try {
      names = readdirSync(cur).sort();
    } catch (err) {
      prelude.push({ pos: -1, warning: { file: cur, message: `cannot read folder (${(err as Error).message})` } });
      continue;
    }
    const subdirs: string[] = [];
    for (const name of names) {
      if (++seen > MAX_FOLDER_FILES) {
        prelude.push({ pos: -1, warning: { file: dir, message: `stopped after ${MAX_FOLDER_FILES} files` } });
        return found.sort();
      }
      const full = join(cur, name);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue; // broken link or vanished file
      }
      if (st.isDirectory()) {
        if (!name.startsWith('.') && name !== 'node_modules' && name !== '__MACOSX') subdirs.push(full);
      } else if (st.isFile()) {
        if (isJsonName(name)) found.push(full);
        else prelude.push({ pos: -1, ignored: full });
      }
    }
    stack.push(...subdirs.reverse());
  }
  return found.sort();
}

function openFiles(
  files: readonly string[],
  dataset: string | undefined,
  prelude: readonly LogOutcome[],
): OpenedSource {
  const hashes = new Map<string, string>();
  return {
    items: files.length,
    prelude,
    read(pos) {
      const file = files[pos];
      try {
        const size = statSync(file).size;
        if (size > MAX_LOG_BYTES) return { pos, warning: { file, message: overLimit(size) } };
        return withPos(pos, parseLog(readFileSync(file, 'utf8'), file, dataset, hashes));
      } catch (err) {
        return { pos, warning: { file, message: `cannot read file (${(err as Error).message})` } };
      }
    },
  };
}

/**
 * Opens one source (folder, zip or single file) for reading. `zipBytes` gives the bytes of a zip source
 * already read (asynchronously, say); otherwise they are read here. Never throws.
 */
export function openLogSource(source: LogSource, zipBytes?: Uint8Array): OpenedSource {
  const path = resolve(source.path);
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      const prelude: LogOutcome[] = [];
      const files = listJsonFiles(path, prelude);
      return openFiles(files, source.dataset, prelude);
    }
    if (path.toLowerCase().endsWith('.zip')) {
      if (st.size > MAX_ZIP_BYTES)
        return sourceWarning(path, `skipped: ${st.size} bytes is over the ${MAX_ZIP_BYTES}-byte limit for a zip`);
      return openZip(zipBytes ?? readFileSync(path), path, source.dataset);
    }
    return openFiles([path], source.dataset, []);
  } catch (err) {
    return sourceWarning(path, `cannot read source (${(err as Error).message})`);
  }
}

/** Adds outcomes (already in order) to a load result. */
export function addOutcome(result: LoadResult, o: LogOutcome): void {
  if ('run' in o) result.runs.push(o.run);
  else if ('warning' in o) result.warnings.push(o.warning);
  else result.ignored.push(o.ignored);
}

function readAll(opened: OpenedSource, into: LoadResult): void {
  for (const o of opened.prelude) addOutcome(into, o);
  for (let pos = 0; pos < opened.items; pos++) addOutcome(into, opened.read(pos));
}

/**
 * Logs from the bytes of a `.zip` archive. `label` names the archive in `file` fields and warnings
 * (`<label>:<entry>`). Entries that are not `.json` are ignored; entries over {@link MAX_LOG_BYTES} are warned about.
 */
export function loadLogsFromZip(bytes: Uint8Array, label: string, dataset?: string): LoadResult {
  const result = emptyResult();
  readAll(openZip(bytes, label, dataset), result);
  return result;
}

/** Logs of any number of sources, synchronously, in the order given. Never throws. */
export function loadLogSourcesSync(sources: readonly LogSource[]): LoadResult {
  const result = emptyResult();
  for (const s of sources) readAll(openLogSource(s), result);
  return result;
}

/**
 * Logs of any number of sources. Zip archives are read asynchronously; parsing is synchronous (about
 * 0.5 ms per log, most of it the canonical hash). Never rejects. The editor loads big sources on worker
 * threads instead (`background.ts`).
 */
export async function loadLogSources(sources: readonly LogSource[]): Promise<LoadResult> {
  const result = emptyResult();
  for (const s of sources) readAll(openLogSource(s, await readZipAsync(s)), result);
  return result;
}

/** The bytes of a zip source read asynchronously; undefined when it is not a readable zip of allowed size (openLogSource says why). */
export async function readZipAsync(s: LogSource): Promise<Uint8Array | undefined> {
  const path = resolve(s.path);
  if (!path.toLowerCase().endsWith('.zip')) return undefined;
  try {
    const st = statSync(path);
    return st.isFile() && st.size <= MAX_ZIP_BYTES ? await readFile(path) : undefined;
  } catch {
    return undefined;
  }
}
