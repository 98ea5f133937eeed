/**
 * The benchmark index: dataset → canonical hash → entry. An entry gathers every run of one cell
 * (the same canonical hash in one dataset) with the mean and spread of its final losses, and its rank among
 * the trained cells of its dataset. Immutable: `merge` builds a new index. Pure logic, no `vscode` import.
 */
import { canonicalHash } from '../recipe/canonical';
import type { Recipe } from '../recipe/types';
import type { BenchmarkRun, LogWarning } from './logFormat';
import type { LoadResult } from './sources';

/** All runs of one cell in one dataset, with aggregate losses and its rank. */
export interface BenchmarkEntry {
  readonly dataset: string;
  /** Canonical hash of the cell. */
  readonly hash: string;
  /** The recipe string of the first run (runs are sorted by recepie id, experiment id, file). */
  readonly recipe: string;
  /** Distinct `recepie_id`s of the runs, ascending. */
  readonly recepieIds: readonly number[];
  /** Every run of this cell in this dataset, diverged ones included. */
  readonly runs: readonly BenchmarkRun[];
  /** `num_params` of the first run that has it. */
  readonly numParams: number | undefined;
  /**
   * Distinct `num_params` of the runs, ascending. More than one when runs of isomorphic cells differ only in
   * nodes that do not reach the output (the canonical hash ignores them; their weights still count).
   */
  readonly paramCounts: readonly number[];
  /** Number of runs that trained (did not diverge). */
  readonly trainedRuns: number;
  /** Number of runs that diverged. */
  readonly divergedRuns: number;
  /** True when every run diverged: such an entry has no loss statistics and no rank. */
  readonly diverged: boolean;
  /** Mean final test loss over the trained runs (NaN when none trained). */
  readonly meanTest: number;
  /** Sample standard deviation (n − 1) of the final test loss over the trained runs; 0 for one run, NaN for none. */
  readonly stdTest: number;
  /** Mean final validation loss over the trained runs (NaN when none trained). */
  readonly meanVal: number;
  /** Sample standard deviation (n − 1) of the final validation loss; 0 for one run, NaN for none. */
  readonly stdVal: number;
  /** Lowest test loss of any epoch of any trained run (NaN when none trained). */
  readonly bestTest: number;
  /** Lowest validation loss of any epoch of any trained run (NaN when none trained). */
  readonly bestVal: number;
  /**
   * Rank among the trained entries of the dataset by mean final test loss: 1 = lowest loss; equal means share a
   * rank (competition ranking 1, 2, 2, 4). Undefined for a diverged entry.
   */
  readonly rank: number | undefined;
  /**
   * Share (0–100) of the dataset's trained entries with a strictly higher mean final test loss, i.e. the
   * share of trained cells this one beats. Undefined for a diverged entry.
   */
  readonly percentile: number | undefined;
  /** Number of trained (ranked) entries in the dataset. */
  readonly size: number;
}

/** One dataset's answer to a lookup. */
export interface BenchmarkMatch {
  readonly dataset: string;
  readonly hash: string;
  readonly entry: BenchmarkEntry;
  /** Same as `entry.rank`. */
  readonly rank: number | undefined;
  /** Same as `entry.percentile`. */
  readonly percentile: number | undefined;
  /** Number of trained entries in the dataset. */
  readonly size: number;
  /** Same as `entry.diverged`. */
  readonly diverged: boolean;
  /** One line for a CodeLens / CLI, see {@link describeEntry}. */
  readonly summary: string;
}

function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1); 0 for one value, NaN for none. */
function sampleStd(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  if (xs.length === 1) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

function minOf(xs: readonly number[]): number {
  let m = NaN;
  for (const x of xs) if (Number.isFinite(x) && !(x >= m)) m = x;
  return m;
}

function compareRuns(a: BenchmarkRun, b: BenchmarkRun): number {
  const ra = a.recepieId ?? Infinity,
    rb = b.recepieId ?? Infinity;
  if (ra !== rb) return ra < rb ? -1 : 1;
  const ea = a.experimentId ?? Infinity,
    eb = b.experimentId ?? Infinity;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/** Identity of a run for de-duplication when the same log is loaded twice (e.g. prebuilt index + the same zip). */
function runKey(r: BenchmarkRun): string {
  return [r.dataset, r.hash, r.recepieId, r.experimentId, r.epochs, String(r.finalTest), String(r.finalVal)].join('|');
}

function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/**
 * One line about an entry, e.g.
 * `WikiText-2: test loss 4.606 ± 0.010 (ppl 100.1) over 3 runs · rank 1 of 287 trained cells (beats 99.7%)`
 * or `WikiText-2: diverged (loss is nan!) after 19 of 50 epochs · not ranked`.
 */
export function describeEntry(e: BenchmarkEntry): string {
  if (e.diverged) {
    const r = e.runs[0];
    const statuses = [...new Set(e.runs.map((x) => x.status))].join(', ');
    const when =
      e.runs.length === 1 && r.plannedEpochs !== undefined ? ` after ${r.epochs} of ${r.plannedEpochs} epochs` : '';
    const runs = e.runs.length > 1 ? ` in all ${e.runs.length} runs` : '';
    return `${e.dataset}: diverged (${statuses})${when}${runs} · not ranked`;
  }
  const spread = e.trainedRuns > 1 ? ` ± ${fmt(e.stdTest)}` : '';
  const runs = e.trainedRuns > 1 ? ` over ${e.trainedRuns} runs` : '';
  const div = e.divergedRuns > 0 ? ` (${e.divergedRuns} of ${e.runs.length} runs diverged)` : '';
  const pct = e.percentile !== undefined ? ` (beats ${e.percentile.toFixed(1)}%)` : '';
  return (
    `${e.dataset}: test loss ${fmt(e.meanTest)}${spread} (ppl ${fmt(Math.exp(e.meanTest), 1)})${runs}${div}` +
    ` · rank ${e.rank} of ${e.size} trained cells${pct}`
  );
}

/**
 * How many loop iterations the build steps run between two pauses ({@link BuildSteps}): small enough that a
 * slice of work stays near a millisecond even on a slow machine.
 */
const STEP = 256;

/**
 * The work of building an index as a generator that pauses (yields) every {@link STEP} iterations: the
 * synchronous build runs it to the end at once, {@link BenchmarkIndex.buildInSlices} in slices between which
 * the event loop runs. Both give the same index.
 */
type BuildSteps<T> = Generator<void, T, void>;

function runToEnd<T>(steps: BuildSteps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs sorted into entries for one dataset, ranked. */
function* buildDataset(dataset: string, runs: readonly BenchmarkRun[]): BuildSteps<Map<string, BenchmarkEntry>> {
  const byHash = new Map<string, BenchmarkRun[]>();
  let n = 0;
  for (const r of runs) {
    const list = byHash.get(r.hash);
    if (list) list.push(r);
    else byHash.set(r.hash, [r]);
    if (++n % STEP === 0) yield;
  }
  interface Draft {
    hash: string;
    runs: BenchmarkRun[];
    trained: BenchmarkRun[];
    meanTest: number;
  }
  const drafts: Draft[] = [];
  for (const [hash, list] of byHash) {
    list.sort(compareRuns);
    const trained = list.filter((r) => !r.diverged);
    drafts.push({ hash, runs: list, trained, meanTest: mean(trained.map((r) => r.finalTest)) });
    if (drafts.length % STEP === 0) yield;
  }
  const rankedLosses = drafts
    .filter((d) => d.trained.length > 0)
    .map((d) => d.meanTest)
    .sort((a, b) => a - b);
  yield;
  const size = rankedLosses.length;
  /** Number of ranked losses strictly below x (binary search). */
  const below = (x: number): number => {
    let lo = 0,
      hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rankedLosses[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** Number of ranked losses less than or equal to x. */
  const atMost = (x: number): number => {
    let lo = 0,
      hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rankedLosses[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out = new Map<string, BenchmarkEntry>();
  for (const d of drafts) {
    const ranked = d.trained.length > 0;
    const ids = [...new Set(d.runs.map((r) => r.recepieId).filter((x): x is number => x !== undefined))].sort(
      (a, b) => a - b,
    );
    out.set(d.hash, {
      dataset,
      hash: d.hash,
      recipe: d.runs[0].recipe,
      recepieIds: ids,
      runs: d.runs,
      numParams: d.runs.find((r) => r.numParams !== undefined)?.numParams,
      paramCounts: [...new Set(d.runs.map((r) => r.numParams).filter((x): x is number => x !== undefined))].sort(
        (a, b) => a - b,
      ),
      trainedRuns: d.trained.length,
      divergedRuns: d.runs.length - d.trained.length,
      diverged: !ranked,
      meanTest: d.meanTest,
      stdTest: sampleStd(d.trained.map((r) => r.finalTest)),
      meanVal: mean(d.trained.map((r) => r.finalVal)),
      stdVal: sampleStd(d.trained.map((r) => r.finalVal)),
      bestTest: minOf(d.trained.map((r) => r.bestTest)),
      bestVal: minOf(d.trained.map((r) => r.bestVal)),
      rank: ranked ? below(d.meanTest) + 1 : undefined,
      percentile: ranked ? (100 * (size - atMost(d.meanTest))) / size : undefined,
      size,
    });
    if (out.size % STEP === 0) yield;
  }
  return out;
}

/** What an index holds once built. */
interface IndexParts {
  readonly runs: readonly BenchmarkRun[];
  readonly warnings: readonly LogWarning[];
  readonly byDataset: ReadonlyMap<string, ReadonlyMap<string, BenchmarkEntry>>;
}

/** De-duplicates the runs, groups them by dataset and builds each dataset's entries. */
function* buildIndex(runs: readonly BenchmarkRun[], warnings: readonly LogWarning[]): BuildSteps<IndexParts> {
  const seen = new Set<string>();
  const unique: BenchmarkRun[] = [];
  let n = 0;
  for (const r of runs) {
    if (++n % STEP === 0) yield;
    const k = runKey(r);
    if (seen.has(k)) continue;
    seen.add(k);
    unique.push(r);
  }
  const perDataset = new Map<string, BenchmarkRun[]>();
  for (const r of unique) {
    const list = perDataset.get(r.dataset);
    if (list) list.push(r);
    else perDataset.set(r.dataset, [r]);
  }
  yield;
  const byDataset = new Map<string, Map<string, BenchmarkEntry>>();
  for (const [dataset, list] of perDataset) byDataset.set(dataset, yield* buildDataset(dataset, list));
  return { runs: unique, warnings, byDataset };
}

function entryOrder(a: BenchmarkEntry, b: BenchmarkEntry): number {
  if (a.rank !== b.rank) {
    if (a.rank === undefined) return 1;
    if (b.rank === undefined) return -1;
    return a.rank - b.rank;
  }
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
}

/** The benchmark index: dataset → canonical hash → entry. Build it with {@link BenchmarkIndex.fromRuns}. */
export class BenchmarkIndex {
  private readonly byDataset: ReadonlyMap<string, ReadonlyMap<string, BenchmarkEntry>>;
  private readonly sorted = new Map<string, readonly BenchmarkEntry[]>();
  private readonly allRuns: readonly BenchmarkRun[];
  /** Warnings of the loading that produced this index (per-file problems), carried along by `merge`. */
  readonly warnings: readonly LogWarning[];

  private constructor(parts: IndexParts) {
    this.allRuns = parts.runs;
    this.warnings = parts.warnings;
    this.byDataset = parts.byDataset;
  }

  /**
   * An index of runs. Runs with the same canonical hash in the same dataset become one entry; a run that
   * appears twice (same dataset, hash, ids, epochs and final losses) is kept once.
   */
  static fromRuns(runs: readonly BenchmarkRun[], warnings: readonly LogWarning[] = []): BenchmarkIndex {
    return new BenchmarkIndex(runToEnd(buildIndex(runs, warnings)));
  }

  /**
   * The same index as {@link fromRuns}, built in slices of about `sliceMs` milliseconds with the event loop
   * running between them (`setImmediate`), so that building the index of 14k runs in the extension host
   * never stalls it.
   */
  static async buildInSlices(
    runs: readonly BenchmarkRun[],
    warnings: readonly LogWarning[] = [],
    sliceMs = 15,
  ): Promise<BenchmarkIndex> {
    const steps = buildIndex(runs, warnings);
    let start = performance.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return new BenchmarkIndex(r.value);
      if (performance.now() - start >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        start = performance.now();
      }
    }
  }

  /** An index of what the loader produced, keeping its warnings. */
  static fromLoadResult(result: LoadResult): BenchmarkIndex {
    return BenchmarkIndex.fromRuns(result.runs, result.warnings);
  }

  /** An empty index. */
  static empty(): BenchmarkIndex {
    return BenchmarkIndex.fromRuns([], []);
  }

  /** A new index holding the runs (and warnings) of this one and of `others`; duplicate runs are kept once. */
  merge(...others: readonly BenchmarkIndex[]): BenchmarkIndex {
    return BenchmarkIndex.fromRuns(
      [...this.allRuns, ...others.flatMap((o) => o.allRuns)],
      [...this.warnings, ...others.flatMap((o) => o.warnings)],
    );
  }

  /** Dataset labels, sorted. */
  datasets(): string[] {
    return [...this.byDataset.keys()].sort();
  }

  /**
   * The entries of a dataset, best first (by rank; diverged entries last, by hash). Each carries its recipe
   * string and runs. Empty for an unknown dataset.
   */
  entries(dataset: string): readonly BenchmarkEntry[] {
    let list = this.sorted.get(dataset);
    if (!list) {
      const m = this.byDataset.get(dataset);
      list = m ? [...m.values()].sort(entryOrder) : [];
      this.sorted.set(dataset, list);
    }
    return list;
  }

  /** The entry of a cell in one dataset, if any. */
  entry(dataset: string, hash: string): BenchmarkEntry | undefined {
    return this.byDataset.get(dataset)?.get(hash);
  }

  /** Every run in the index (after de-duplication), in load order. */
  runs(): readonly BenchmarkRun[] {
    return this.allRuns;
  }

  /** Number of entries over all datasets. */
  get entryCount(): number {
    let n = 0;
    for (const m of this.byDataset.values()) n += m.size;
    return n;
  }

  /** The cell with this canonical hash in every dataset that has it, one match per dataset (sorted by dataset). */
  lookup(hash: string): BenchmarkMatch[] {
    const out: BenchmarkMatch[] = [];
    if (typeof hash !== 'string') return out;
    for (const dataset of this.datasets()) {
      const e = this.byDataset.get(dataset)?.get(hash);
      if (e) {
        out.push({
          dataset,
          hash,
          entry: e,
          rank: e.rank,
          percentile: e.percentile,
          size: e.size,
          diverged: e.diverged,
          summary: describeEntry(e),
        });
      }
    }
    return out;
  }

  /** {@link lookup} of a recipe's canonical hash; empty (no throw) when the recipe cannot be hashed. */
  lookupRecipe(recipe: Recipe): BenchmarkMatch[] {
    let hash: string;
    try {
      hash = canonicalHash(recipe);
    } catch {
      return [];
    }
    return this.lookup(hash);
  }
}
