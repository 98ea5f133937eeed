/**
 * Loader for NAS-Bench-NLP training logs (`log_stats_model_<id>_<date>_<experiment>.json`).
 *
 * Sources are folders (scanned recursively), `.zip` archives of logs, or single log files. Every per-file
 * problem (bad JSON, no `recepie`, a recipe that does not parse, an entry that is too large) becomes a
 * {@link LogWarning}; nothing here throws on bad input. Pure Node code, no `vscode` import.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { canonicalHash } from '../recipe/canonical';
import { datasetLabel } from '../recipe/parse';
import type { Recipe } from '../recipe/types';

/** A place to read logs from, as the settings give it (`cellLens.benchmark.logPaths`). */
export interface LogSource {
  /** A folder (scanned recursively), a `.zip` of logs, or one `.json` log file. */
  readonly path: string;
  /** Dataset label for every log of this source; when absent it is inferred from each log's `data` field. */
  readonly dataset?: string;
}

/** A problem with one file (or one zip entry, or a whole source); never thrown, always collected. */
export interface LogWarning {
  /** The file: an absolute path, or `<zip path>:<entry name>` for a zip entry. */
  readonly file: string;
  readonly message: string;
}

/** One training run: the facts of one NAS-Bench-NLP log. Loss values are natural-log cross-entropy per token. */
export interface BenchmarkRun {
  /** `recepie_id` of the log (undefined when absent or not a number). */
  readonly recepieId: number | undefined;
  /** `experiment_id` of the log (undefined when absent or not a number). */
  readonly experimentId: number | undefined;
  /** Dataset label, e.g. `WikiText-2`, `PTB`. */
  readonly dataset: string;
  /** Where the log came from: absolute path of a file, or `<zip path>:<entry name>`; the entry name for the prebuilt index. */
  readonly file: string;
  /** `canonicalHash` of the recipe. */
  readonly hash: string;
  /** The recipe exactly as the log stores it (the `recepie` JSON string). */
  readonly recipe: string;
  /** `num_params` of the log (whole language model), undefined when absent. */
  readonly numParams: number | undefined;
  /** Number of epochs actually logged (length of `test_losses`). */
  readonly epochs: number;
  /** Number of epochs the run was configured for (`epochs` field), undefined when absent. */
  readonly plannedEpochs: number | undefined;
  /** Test loss of the last logged epoch (NaN when that is not finite or nothing was logged). */
  readonly finalTest: number;
  /** Validation loss of the last logged epoch (NaN as above). */
  readonly finalVal: number;
  /** Minimum finite test loss over all epochs (NaN when none is finite). */
  readonly bestTest: number;
  /** Minimum finite validation loss over all epochs (NaN when none is finite). */
  readonly bestVal: number;
  /** `status` of the log (`OK`, `loss is nan!`, …); `unknown` when absent. */
  readonly status: string;
  /** True when the status mentions `nan`, no epoch was logged, or the final test/val loss is not finite. */
  readonly diverged: boolean;
  /** Test loss per epoch (NaN where the log has NaN/null). */
  readonly testLosses: readonly number[];
  /** Validation loss per epoch (NaN where the log has NaN/null). */
  readonly valLosses: readonly number[];
  /** Training loss per epoch (NaN where the log has NaN/null); absent when the log has none. */
  readonly trainLosses?: readonly number[];
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

/**
 * Dataset label from a log's `data` field, the same label the document parser gives (`datasetLabel`):
 * `data/wikitext-2` → `WikiText-2`, `data/ptb` / `data/penn` → `PTB`, anything else → its last path part;
 * `unknown` when the field is missing or empty.
 */
export function datasetFromDataField(data: unknown): string {
  return (typeof data === 'string' ? datasetLabel(data) : undefined) || 'unknown';
}

const SENTINEL_PREFIX = '\u0000cell-lens:';
const SENTINELS: Readonly<Record<string, number>> = {
  [`${SENTINEL_PREFIX}NaN`]: NaN,
  [`${SENTINEL_PREFIX}Infinity`]: Infinity,
  [`${SENTINEL_PREFIX}-Infinity`]: -Infinity,
};

/**
 * `JSON.parse` that also accepts the bare `NaN`, `Infinity` and `-Infinity` tokens Python's `json.dump` writes
 * (NAS-Bench-NLP logs of diverged runs contain `[NaN]`). Throws like `JSON.parse` on anything else.
 */
export function parseJsonWithNaN(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
  }
  // Rewrite the bare tokens (outside strings) to sentinel strings, then revive them as numbers.
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: string | undefined;
    if (text.startsWith('NaN', i)) token = 'NaN';
    else if (text.startsWith('Infinity', i)) token = 'Infinity';
    else if (text.startsWith('-Infinity', i)) token = '-Infinity';
    if (token !== undefined) {
      out += text.slice(last, i) + JSON.stringify(SENTINEL_PREFIX + token);
      i += token.length - 1;
      last = i + 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(SENTINEL_PREFIX) && value in SENTINELS ? SENTINELS[value] : value,
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A loss list: numbers; `null`, NaN and non-numbers become NaN. Undefined when the value is not an array. */
function lossList(v: unknown): number[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => (typeof x === 'number' ? x : NaN));
}

function minFinite(xs: readonly number[]): number {
  let m = NaN;
  for (const x of xs) if (Number.isFinite(x) && !(x >= m)) m = x;
  return m;
}

function lastFinite(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const x = xs[xs.length - 1];
  return Number.isFinite(x) ? x : NaN;
}

/**
 * The recipe of a `recepie` string as plain data, or an error message. Checks the shape only
 * (an object of `{op: string, input: string[]}` with at least one node); the validator judges the rest.
 */
export function recipeFromString(text: string): { recipe: Recipe } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `the "recepie" string is not valid JSON (${(err as Error).message})` };
  }
  if (!isRecord(value)) return { error: 'the "recepie" string is not a JSON object of nodes' };
  const names = Object.keys(value);
  if (names.length === 0) return { error: 'the recipe has no nodes' };
  const recipe: Recipe = {};
  for (const name of names) {
    const node = value[name];
    if (!isRecord(node)) return { error: `node "${name}" is not an object {op, input}` };
    if (typeof node.op !== 'string') return { error: `node "${name}" has no "op" string` };
    if (!Array.isArray(node.input) || !node.input.every((x): x is string => typeof x === 'string')) {
      return { error: `node "${name}" has no "input" list of strings` };
    }
    recipe[name] = { op: node.op, input: [...node.input] };
  }
  return { recipe };
}

/** Per-epoch lists of a log that nothing here reads: about 20% of a log's text. */
const UNREAD_LISTS = ['"wall_times": ['];

/**
 * {@link parseJsonWithNaN} of a log, without parsing the lists nobody reads ({@link UNREAD_LISTS}): each is cut
 * from its `[` to the next `]` and replaced by `0` before parsing (number parsing is most of a log's JSON
 * cost). A key written inside a string cannot match (its quotes are escaped there); if a cut makes the text
 * invalid (a list holding `]`), the whole text is parsed instead, so the result is the same but for those lists.
 */
export function parseLogJson(text: string): unknown {
  let cut = '';
  let from = 0;
  for (const key of UNREAD_LISTS) {
    const at = text.indexOf(key, from);
    if (at < 0) continue;
    const open = at + key.length - 1;
    const close = text.indexOf(']', open);
    if (close < 0) break;
    cut += text.slice(from, open) + '0';
    from = close + 1;
  }
  if (from === 0) return parseJsonWithNaN(text);
  try {
    return parseJsonWithNaN(cut + text.slice(from));
  } catch {
    return parseJsonWithNaN(text);
  }
}

/**
 * One log from its text. `file` names it in the run and in warnings; `dataset` overrides the label inferred
 * from the log's `data` field. Returns a run, or a warning explaining why the text is not a usable log.
 * `hashes` memoises recipe string → canonical hash over many logs (repeated runs of a cell share the string,
 * and the hash is most of the cost of a log).
 */
export function parseLog(
  text: string,
  file: string,
  dataset?: string,
  hashes?: Map<string, string>,
): { run: BenchmarkRun } | { warning: LogWarning } {
  const warn = (message: string) => ({ warning: { file, message } });
  let value: unknown;
  try {
    value = parseLogJson(text);
  } catch (err) {
    return warn(`not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(value) || !('recepie' in value)) {
    return warn('not a NAS-Bench-NLP training log (no "recepie" field)');
  }
  if (typeof value.recepie !== 'string')
    return warn('the "recepie" field is not a string (it must hold the recipe as a JSON string)');
  let hash = hashes?.get(value.recepie);
  if (hash === undefined) {
    const parsed = recipeFromString(value.recepie);
    if ('error' in parsed) return warn(parsed.error);
    try {
      hash = canonicalHash(parsed.recipe);
    } catch (err) {
      return warn(`the recipe cannot be hashed (${(err as Error).message})`);
    }
    hashes?.set(value.recepie, hash);
  }
  const testLosses = lossList(value.test_losses);
  const valLosses = lossList(value.val_losses);
  const trainLosses = lossList(value.train_losses);
  if (testLosses === undefined) return warn('no "test_losses" list');
  if (valLosses === undefined) return warn('no "val_losses" list');
  const status = typeof value.status === 'string' ? value.status : 'unknown';
  const finalTest = lastFinite(testLosses);
  const finalVal = lastFinite(valLosses);
  const epochs = testLosses.length;
  const diverged = /nan/i.test(status) || epochs === 0 || !Number.isFinite(finalTest) || !Number.isFinite(finalVal);
  const label = dataset !== undefined && dataset.trim() !== '' ? dataset.trim() : datasetFromDataField(value.data);
  return {
    run: {
      recepieId: optionalNumber(value.recepie_id),
      experimentId: optionalNumber(value.experiment_id),
      dataset: label,
      file,
      hash,
      recipe: value.recepie,
      numParams: optionalNumber(value.num_params),
      epochs,
      plannedEpochs: optionalNumber(value.epochs),
      finalTest,
      finalVal,
      bestTest: minFinite(testLosses),
      bestVal: minFinite(valLosses),
      status,
      diverged,
      testLosses,
      valLosses,
      ...(trainLosses ? { trainLosses } : {}),
    },
  };
}

function emptyResult(): LoadResult {
  return { runs: [], warnings: [], ignored: [] };
}

function isJsonName(name: string): boolean {
  const base = basename(name);
  return base.toLowerCase().endsWith('.json') && !base.startsWith('._') && !name.split('/').includes('__MACOSX');
}

const overLimit = (bytes: number) => `skipped: ${bytes} bytes is over the ${MAX_LOG_BYTES}-byte limit for one log`;

// ---------------------------------------------------------------------------------------------------------------
// Zip archives, one entry at a time. The central directory is read once; each log is inflated (natively, by
// zlib), parsed and dropped before the next, so a 14k-log archive never holds its 70 MB of text at once.

/** One file of a zip archive, from its central directory. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated; anything else is reported as unsupported. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the entry's local header. */
  readonly headerOffset: number;
  readonly encrypted: boolean;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/**
 * The entries of a zip archive from its central directory (ZIP64 included), in archive order.
 * Throws with a plain message when `bytes` is not a zip archive.
 */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => u32(o) + u32(o + 4) * 2 ** 32;
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--) {
    if (u32(o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw new Error('no end-of-central-directory record');
  let count = u16(eocd + 10);
  let offset = u32(eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z = u64(eocd - 20 + 8);
    if (z + 56 > bytes.length || u32(z) !== 0x06064b50) throw new Error('bad ZIP64 end-of-central-directory record');
    count = u64(z + 32);
    offset = u64(z + 48);
  }
  const out: ZipEntry[] = [];
  let o = offset;
  for (let i = 0; i < count; i++) {
    if (o + 46 > bytes.length || u32(o) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const flags = u16(o + 8);
    const nameLen = u16(o + 28),
      extraLen = u16(o + 30),
      commentLen = u16(o + 32);
    let compressedSize = u32(o + 20),
      size = u32(o + 24),
      headerOffset = u32(o + 42);
    const nameBytes = bytes.subarray(o + 46, o + 46 + nameLen);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    // ZIP64 extra field: the 8-byte values of the fields that are 0xffffffff, in the order size, compressed, offset.
    for (let e = o + 46 + nameLen, end = e + extraLen; e + 4 <= end;) {
      const id = u16(e),
        len = u16(e + 2);
      if (id === 0x0001) {
        let p = e + 4;
        if (size === 0xffffffff) {
          size = u64(p);
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(p);
          p += 8;
        }
        if (headerOffset === 0xffffffff) headerOffset = u64(p);
      }
      e += 4 + len;
    }
    out.push({ name, method: u16(o + 10), compressedSize, size, headerOffset, encrypted: (flags & 1) !== 0 });
    o += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The bytes of one entry (inflated). Throws with a plain message on a damaged or unsupported entry. */
export function readZipEntry(bytes: Uint8Array, e: ZipEntry, maxBytes = MAX_LOG_BYTES): Uint8Array {
  if (e.encrypted) throw new Error('the entry is encrypted');
  const h = e.headerOffset;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (h + 30 > bytes.length || view.getUint32(h, true) !== 0x04034b50) throw new Error('bad local header');
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const data = bytes.subarray(start, start + e.compressedSize);
  if (data.length !== e.compressedSize) throw new Error('the entry is truncated');
  if (e.method === 0) return data.slice(); // a copy: the bytes may be shared memory, which TextDecoder refuses
  if (e.method !== 8) throw new Error(`unsupported compression method ${e.method}`);
  // maxOutputLength guards against an entry whose directory size lies (a zip bomb).
  return inflateRawSync(data, { maxOutputLength: maxBytes + 1 });
}

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
        data = readZipEntry(bytes, e);
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
