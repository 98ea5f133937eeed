/**
 * The compact, committed form of a benchmark index (`data/wikitext-2.index.json`): one JSON object per run with
 * the recipe string, ids, losses and the test/validation curves rounded to 4 decimals. Building it is
 * deterministic (runs sorted, no paths of the building machine), so a test can rebuild it and compare.
 * Pure Node code, no `vscode` import.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BenchmarkIndex } from './index';
import type { BenchmarkRun, LogWarning } from './logFormat';
import { loadLogsFromZip } from './sources';

/** Format tag of a compact index file. */
export const COMPACT_FORMAT = 'cell-lens-benchmark-index';
/** Version of the compact format this code writes and reads. */
export const COMPACT_VERSION = 1;
/** File name of the prebuilt WikiText-2 index under `data/`. */
export const PREBUILT_FILE = 'wikitext-2.index.json';

/** One run in compact form. `null` stands for NaN; curves are rounded to 4 decimals. */
export interface CompactRun {
  readonly dataset: string;
  readonly hash: string;
  readonly recepieId: number | null;
  readonly experimentId: number | null;
  /** Log file name (the zip entry name). */
  readonly file: string;
  readonly numParams: number | null;
  readonly status: string;
  readonly epochs: number;
  readonly plannedEpochs: number | null;
  readonly finalTest: number | null;
  readonly finalVal: number | null;
  readonly bestTest: number | null;
  readonly bestVal: number | null;
  readonly recipe: string;
  readonly test: readonly (number | null)[];
  readonly val: readonly (number | null)[];
  /** Training loss per epoch (absent in indexes built before it was kept). */
  readonly train?: readonly (number | null)[];
}

/** A compact index file. */
export interface CompactIndex {
  readonly format: typeof COMPACT_FORMAT;
  readonly version: number;
  /** What the data is and where it comes from. */
  readonly source: string;
  /** Licence of the data. */
  readonly license: string;
  readonly runs: readonly CompactRun[];
}

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);
const round4 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);

function compareRuns(a: BenchmarkRun, b: BenchmarkRun): number {
  if (a.dataset !== b.dataset) return a.dataset < b.dataset ? -1 : 1;
  const ra = a.recepieId ?? Infinity,
    rb = b.recepieId ?? Infinity;
  if (ra !== rb) return ra < rb ? -1 : 1;
  const ea = a.experimentId ?? Infinity,
    eb = b.experimentId ?? Infinity;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/** The compact form of runs (sorted by dataset, recepie id, experiment id, file; `file` reduced to its base name). */
export function toCompact(runs: readonly BenchmarkRun[], source: string, license: string): CompactIndex {
  const sorted = [...runs].sort(compareRuns);
  return {
    format: COMPACT_FORMAT,
    version: COMPACT_VERSION,
    source,
    license,
    runs: sorted.map((r) => ({
      dataset: r.dataset,
      hash: r.hash,
      recepieId: num(r.recepieId),
      experimentId: num(r.experimentId),
      file: basename(r.file.replace(/^.*:/, '')),
      numParams: num(r.numParams),
      status: r.status,
      epochs: r.epochs,
      plannedEpochs: num(r.plannedEpochs),
      finalTest: num(r.finalTest),
      finalVal: num(r.finalVal),
      bestTest: num(r.bestTest),
      bestVal: num(r.bestVal),
      recipe: r.recipe,
      test: r.testLosses.map(round4),
      val: r.valLosses.map(round4),
      ...(r.trainLosses ? { train: r.trainLosses.map(round4) } : {}),
    })),
  };
}

/** The text of a compact index: one run per line (small diffs), trailing newline. */
export function compactToText(c: CompactIndex): string {
  const head = JSON.stringify({ format: c.format, version: c.version, source: c.source, license: c.license });
  const runs = c.runs.map((r) => JSON.stringify(r)).join(',\n');
  return `${head.slice(0, -1)},"runs":[\n${runs}\n]}\n`;
}

/** Source line written into the prebuilt WikiText-2 index. */
export const WIKITEXT2_SOURCE =
  'NAS-Bench-NLP (Klyuchnikov et al. 2020, https://github.com/fmsnew/nas-bench-nlp-release): ' +
  'training logs of 345 recurrent cells on WikiText-2 (50 epochs, 3-layer LM, emsize 400, nhid 600). ' +
  'Losses are per-token cross-entropy (nats); curves rounded to 4 decimals.';

/**
 * The prebuilt index text from the bytes of NAS-Bench-NLP's `wikitext-2-logs.zip` (what
 * `scripts/build-index.ts` writes). Also returns the loader's warnings.
 */
export function buildPrebuiltText(zipBytes: Uint8Array): { text: string; runs: number; warnings: LogWarning[] } {
  const loaded = loadLogsFromZip(zipBytes, 'wikitext-2-logs.zip', 'WikiText-2');
  const compact = toCompact(loaded.runs, WIKITEXT2_SOURCE, 'Apache-2.0 (see LICENSE-NAS-Bench-NLP.txt)');
  return { text: compactToText(compact), runs: loaded.runs.length, warnings: loaded.warnings };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const toNum = (v: unknown): number => (isNum(v) ? v : NaN);
const toOpt = (v: unknown): number | undefined => (isNum(v) ? v : undefined);

function runFromCompact(v: unknown, source: string): BenchmarkRun | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'run is not an object';
  const r = v as Record<string, unknown>;
  if (typeof r.dataset !== 'string' || typeof r.hash !== 'string' || typeof r.recipe !== 'string') {
    return 'run lacks dataset, hash or recipe';
  }
  if (!Array.isArray(r.test) || !Array.isArray(r.val) || !isNum(r.epochs)) return 'run lacks curves or epochs';
  const status = typeof r.status === 'string' ? r.status : 'unknown';
  const finalTest = toNum(r.finalTest),
    finalVal = toNum(r.finalVal);
  return {
    recepieId: toOpt(r.recepieId),
    experimentId: toOpt(r.experimentId),
    dataset: r.dataset,
    file: typeof r.file === 'string' ? r.file : source,
    hash: r.hash,
    recipe: r.recipe,
    numParams: toOpt(r.numParams),
    epochs: r.epochs,
    plannedEpochs: toOpt(r.plannedEpochs),
    finalTest,
    finalVal,
    bestTest: toNum(r.bestTest),
    bestVal: toNum(r.bestVal),
    status,
    diverged: /nan/i.test(status) || r.epochs === 0 || !Number.isFinite(finalTest) || !Number.isFinite(finalVal),
    testLosses: r.test.map(toNum),
    valLosses: r.val.map(toNum),
    ...(Array.isArray(r.train) ? { trainLosses: r.train.map(toNum) } : {}),
  };
}

/**
 * An index from a parsed compact index (hashes are trusted, not recomputed). Never throws: a value that is
 * not a compact index gives an empty index with a warning; bad runs are skipped with a warning each.
 * `source` names the file in warnings.
 */
export function fromCompact(json: unknown, source = 'compact index'): BenchmarkIndex {
  const c = json as Partial<CompactIndex> | null;
  if (typeof c !== 'object' || c === null || c.format !== COMPACT_FORMAT || !Array.isArray(c.runs)) {
    return BenchmarkIndex.fromRuns([], [{ file: source, message: `not a ${COMPACT_FORMAT} file` }]);
  }
  if (c.version !== COMPACT_VERSION) {
    return BenchmarkIndex.fromRuns(
      [],
      [{ file: source, message: `unsupported index version ${String(c.version)} (expected ${COMPACT_VERSION})` }],
    );
  }
  const runs: BenchmarkRun[] = [];
  const warnings: LogWarning[] = [];
  c.runs.forEach((v, i) => {
    const r = runFromCompact(v, source);
    if (typeof r === 'string') warnings.push({ file: source, message: `run ${i}: ${r}` });
    else runs.push(r);
  });
  return BenchmarkIndex.fromRuns(runs, warnings);
}

/** Where the prebuilt index lies: `data/` beside `dist/` (bundled) or two levels above `src/benchmark/` (sources). */
export function prebuiltIndexPath(): string | undefined {
  const candidates = [join(__dirname, '..', 'data', PREBUILT_FILE), join(__dirname, '..', '..', 'data', PREBUILT_FILE)];
  return candidates.find((p) => existsSync(p));
}

/**
 * The prebuilt WikiText-2 index (from `file`, default {@link prebuiltIndexPath}). Never throws: a missing or
 * unreadable file gives an empty index with a warning.
 */
export function loadPrebuiltIndex(file: string | undefined = prebuiltIndexPath()): BenchmarkIndex {
  if (file === undefined) {
    return BenchmarkIndex.fromRuns([], [{ file: PREBUILT_FILE, message: 'prebuilt benchmark index not found' }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return BenchmarkIndex.fromRuns([], [{ file, message: `cannot read prebuilt index (${(err as Error).message})` }]);
  }
  return fromCompact(json, file);
}

/** The NOTICE header put above NAS-Bench-NLP's licence in `data/LICENSE-NAS-Bench-NLP.txt`. */
export const LICENSE_NOTICE = [
  'NOTICE',
  '',
  'data/wikitext-2.index.json is derived from the NAS-Bench-NLP training logs of 345 recurrent cells',
  'trained on WikiText-2 (file wikitext-2-logs.zip, from the NAS-Bench-NLP release,',
  'https://github.com/fmsnew/nas-bench-nlp-release; Klyuchnikov et al., "NAS-Bench-NLP: Neural',
  'Architecture Search Benchmark for Natural Language Processing", 2020). Cell Lens keeps, per log,',
  'the recipe, ids, parameter count, status, final and best losses and the test/validation loss',
  'curves rounded to 4 decimals. The logs are distributed under the Apache License 2.0, reproduced below.',
  '',
  '-------------------------------------------------------------------------------',
  '',
].join('\n');

/** The text of `data/LICENSE-NAS-Bench-NLP.txt`: {@link LICENSE_NOTICE} followed by the licence text. */
export function licenseCopyText(licenseText: string): string {
  return LICENSE_NOTICE + licenseText;
}
