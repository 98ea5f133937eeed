/**
 * The study runner: scores every cell of one benchmark dataset with a scorer (the scoring child process in the
 * editor and the CLI, a fake in tests), then runs the correlation study (study.ts) on the scored cells.
 *
 * - Resumable: every report goes into a {@link ScoreCache} (a directory survives the process), and a cell whose
 *   report is cached (same canonical hash + settings) is never scored again. An interrupted run (AbortSignal)
 *   returns what it has with `aborted: true`; the same call again scores only the remaining cells.
 * - Cancellation stops before the next cell and interrupts the cell being scored (the signal goes to the scorer).
 * - A cell whose scoring fails is kept with NaN scores (counted as NaN in the study) and not cached, so the next
 *   run tries it again; `shouldStop` lets the caller end the run on a fatal error (e.g. the worker cannot start).
 * - Diverged cells: every run diverged (NAS-Bench-NLP "loss is nan!"), a non-finite loss, or a mean test loss
 *   above {@link DIVERGED_LOSS} nats. They are scored too, and the study reports them apart.
 *
 * Pure Node logic (no `vscode` import).
 */
import type { Recipe } from '../recipe/types';
import type { BenchmarkEntry, BenchmarkIndex } from '../benchmark/index';
import { ScoreCache } from '../scoring/cache';
import { formatDuration, formatEstimate, remainingMs } from '../scoring/estimate';
import type { ScoreId, ScoreReport, ScoreSettings } from '../scoring/types';
import { runStudy, type StudyOptions, type StudyRecord, type StudyResult } from './study';

/**
 * Scores one cell: resolves to the report of `settings.scores`, rejects on failure; must stop soon after
 * `signal` aborts. `hash` (the cell's canonical hash) is passed for convenience.
 */
export type Scorer = (
  recipe: Recipe,
  settings: ScoreSettings,
  signal: AbortSignal,
  hash?: string,
) => Promise<ScoreReport>;

/**
 * Mean test loss (nats per token) above which a trained cell counts as diverged: above ln(33 278) ≈ 10.41, i.e.
 * worse than guessing uniformly over WikiText-2's vocabulary (and over PTB's, ln 10 000 ≈ 9.21).
 */
export const DIVERGED_LOSS = 10.5;

/** One benchmark cell to study. */
export interface StudyCell {
  /** Canonical hash. */
  readonly hash: string;
  readonly recipe: Recipe;
  /** Human label, e.g. "recepie 1234". */
  readonly label: string;
  readonly dataset: string;
  /** Mean final test / validation loss over the trained runs (NaN when none trained). */
  readonly testLoss: number;
  readonly valLoss: number;
  readonly diverged: boolean;
  /** Why the cell counts as diverged. */
  readonly divergedReason?: string;
  /** Rank by test loss in the dataset (1 = best); undefined when diverged. */
  readonly rank?: number;
  readonly numParams?: number;
}

/** Options of {@link cellsFromIndex}. */
export interface CellsFromIndexOptions {
  /** Dataset label; default: `WikiText-2` when present, else the dataset with the most cells. */
  readonly dataset?: string;
  /**
   * Study only this many cells, evenly spaced over the dataset's cells ordered by test loss (best first,
   * diverged last; the first and the last are always included), so a small study still spans the range.
   */
  readonly limit?: number;
  /** See {@link DIVERGED_LOSS}. */
  readonly divergedAbove?: number;
}

/** Picks a dataset of an index (see {@link CellsFromIndexOptions.dataset}); throws when it is unknown or the index is empty. */
export function chooseDataset(index: BenchmarkIndex, dataset?: string): string {
  const all = index.datasets();
  if (dataset !== undefined) {
    if (!all.includes(dataset))
      throw new Error(`no dataset "${dataset}" in the benchmark (have: ${all.join(', ') || 'none'})`);
    return dataset;
  }
  if (all.length === 0) throw new Error('the benchmark has no cells');
  if (all.includes('WikiText-2')) return 'WikiText-2';
  return [...all].sort((a, b) => index.entries(b).length - index.entries(a).length || (a < b ? -1 : 1))[0];
}

/** A study cell of a benchmark entry; undefined when its recipe string does not parse as an object. */
export function cellFromEntry(e: BenchmarkEntry, divergedAbove = DIVERGED_LOSS): StudyCell | undefined {
  let recipe: Recipe;
  try {
    const v = JSON.parse(e.recipe) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    recipe = v as Recipe;
  } catch {
    return undefined;
  }
  let divergedReason: string | undefined;
  if (e.diverged) divergedReason = [...new Set(e.runs.map((r) => r.status))].join(', ') || 'diverged';
  else if (!Number.isFinite(e.meanTest) || !Number.isFinite(e.meanVal)) divergedReason = 'non-finite loss';
  else if (e.meanTest > divergedAbove) divergedReason = `test loss ${e.meanTest.toFixed(2)} > ${divergedAbove}`;
  const id = e.recepieIds[0];
  return {
    hash: e.hash,
    recipe,
    label: id !== undefined ? `recepie ${id}` : e.hash.slice(0, 12),
    dataset: e.dataset,
    testLoss: divergedReason ? NaN : e.meanTest,
    valLoss: divergedReason ? NaN : e.meanVal,
    diverged: divergedReason !== undefined,
    ...(divergedReason ? { divergedReason } : {}),
    ...(e.rank !== undefined && !divergedReason ? { rank: e.rank } : {}),
    ...(e.numParams !== undefined ? { numParams: e.numParams } : {}),
  };
}

/** The cells of one dataset of a benchmark index, best first, diverged last (see {@link CellsFromIndexOptions}). */
export function cellsFromIndex(
  index: BenchmarkIndex,
  options: CellsFromIndexOptions = {},
): { dataset: string; cells: StudyCell[]; skipped: number } {
  const dataset = chooseDataset(index, options.dataset);
  const all: StudyCell[] = [];
  let skipped = 0;
  for (const e of index.entries(dataset)) {
    const c = cellFromEntry(e, options.divergedAbove);
    if (c) all.push(c);
    else skipped++;
  }
  // Trained first by loss, then the diverged (entries() orders by rank; huge-loss cells move to the end).
  const cells = [...all.filter((c) => !c.diverged), ...all.filter((c) => c.diverged)];
  return { dataset, cells: spread(cells, options.limit), skipped };
}

/** `limit` elements evenly spaced over `xs` (first and last included); all of them when limit ≥ length. */
export function spread<T>(xs: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= xs.length) return [...xs];
  if (limit <= 0) return [];
  if (limit === 1) return [xs[0]];
  const out: T[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < limit; i++) {
    const j = Math.round((i * (xs.length - 1)) / (limit - 1));
    if (!seen.has(j)) {
      seen.add(j);
      out.push(xs[j]);
    }
  }
  return out;
}

/** Progress after each cell. */
export interface StudyProgress {
  /** Cells finished (cached, scored or failed). */
  readonly done: number;
  readonly total: number;
  /** Of `done`: served from the cache, scored now, failed. */
  readonly cached: number;
  readonly scored: number;
  readonly failed: number;
  /** The cell just finished and how. */
  readonly cell: StudyCell;
  readonly outcome: 'cached' | 'scored' | 'failed';
  /** Wall time of this run so far. */
  readonly elapsedMs: number;
  /**
   * Estimated time left, from the observed rate of the scoring phase: the cells scored (or failed) per millisecond
   * since the first cell that was not cached began, for every cell left (undefined before one such cell finished).
   */
  readonly etaMs?: number;
  /** One line for people, e.g. "[12/260] recepie 1234 · 1.2 s · ETA 4 min". */
  readonly message: string;
}

/** What happened to one cell. */
export interface CellOutcome {
  readonly cell: StudyCell;
  /** The report (undefined when scoring failed). */
  readonly report?: ScoreReport;
  readonly cached: boolean;
  /** Why scoring failed. */
  readonly error?: string;
  /** Wall time of the scorer call (0 when cached). */
  readonly wallMs: number;
}

/** Options of {@link scoreCells}. */
export interface ScoreCellsOptions {
  readonly settings: ScoreSettings;
  /** The report cache; or give `cacheDir` and one is made there (memory only when neither is given). */
  readonly cache?: ScoreCache;
  readonly cacheDir?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: StudyProgress) => void;
  /** Called with a scorer error; returning true ends the run (`stopped` is set to its message). */
  readonly shouldStop?: (error: unknown) => boolean;
  /** Cells in flight at once (default 1; give a pool-backed scorer for more). */
  readonly concurrency?: number;
  /** The clock (ms; default `Date.now`): tests pass their own. */
  readonly now?: () => number;
}

/** The result of scoring a list of cells. */
export interface ScoringRun {
  /** One outcome per finished cell, in the order of the cells (unfinished cells of an aborted run are absent). */
  readonly outcomes: CellOutcome[];
  readonly total: number;
  readonly cached: number;
  readonly scored: number;
  readonly failed: number;
  /** The signal aborted the run before every cell was done. */
  readonly aborted: boolean;
  /** Set when `shouldStop` ended the run: the error's message. */
  readonly stopped?: string;
  /** Wall time of the whole run. */
  readonly elapsedMs: number;
  /** Sum of the scorer wall times of the cells scored now. */
  readonly scoringMs: number;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Scores the cells (cache first), with progress and cancellation. With `concurrency` N > 1, N cells are in flight at
 * once (the scorer is then a pool of processes); outcomes are in the order of the cells whatever order they finish
 * in, so the study is the same as with one worker. Never rejects on a scorer error.
 */
export async function scoreCells(
  cells: readonly StudyCell[],
  scorer: Scorer,
  options: ScoreCellsOptions,
): Promise<ScoringRun> {
  const cache =
    options.cache ?? new ScoreCache({ dir: options.cacheDir, maxEntries: Math.max(500, cells.length + 10) });
  const signal = options.signal ?? new AbortController().signal;
  const settings = options.settings;
  const now = options.now ?? Date.now;
  const t0 = now();
  const results = new Array<CellOutcome | undefined>(cells.length);
  let cached = 0,
    scored = 0,
    failed = 0,
    scoringMs = 0,
    fresh = 0,
    done = 0;
  // The scoring phase: from the start of the first cell not in the cache (cached cells take no time).
  let phaseStart: number | undefined;
  let aborted = false;
  let stopped: string | undefined;
  let next = 0;
  const concurrency = Math.max(1, Math.min(cells.length, Math.floor(options.concurrency ?? 1)));
  const runOne = async (i: number): Promise<void> => {
    const cell = cells[i];
    let outcome: CellOutcome;
    const hit = await cache.get(cell.hash, settings);
    if (hit) {
      outcome = { cell, report: hit, cached: true, wallMs: 0 };
      cached++;
    } else {
      const t1 = now();
      phaseStart ??= t1;
      try {
        const raw = await scorer(cell.recipe, settings, signal, cell.hash);
        if (signal.aborted) {
          aborted = true;
          return;
        }
        const report: ScoreReport = raw.hash === cell.hash ? raw : { ...raw, hash: cell.hash };
        await cache.put(report);
        const wallMs = now() - t1;
        outcome = { cell, report, cached: false, wallMs };
        scored++;
        scoringMs += wallMs;
        fresh++;
      } catch (e) {
        if (signal.aborted) {
          aborted = true;
          return;
        }
        const wallMs = now() - t1;
        outcome = { cell, cached: false, error: errorMessage(e), wallMs };
        failed++;
        fresh++;
        if (options.shouldStop?.(e)) stopped = errorMessage(e);
      }
    }
    results[i] = outcome;
    done++;
    // ETA: the observed rate of the scoring phase — cells scored (or failed) per ms since it began, whatever ran in
    // parallel or waited — for every cell left (a cached one among them only makes it come sooner).
    const t = now();
    const etaMs = phaseStart !== undefined ? remainingMs(fresh, cells.length - done, t - phaseStart) : undefined;
    const how = outcome.cached
      ? 'cached'
      : outcome.error
        ? `failed: ${outcome.error}`
        : `${(outcome.wallMs / 1000).toFixed(1)} s`;
    const eta = etaMs !== undefined && done < cells.length ? ` · ETA ${formatDuration(etaMs)}` : '';
    try {
      options.onProgress?.({
        done,
        total: cells.length,
        cached,
        scored,
        failed,
        cell,
        outcome: outcome.cached ? 'cached' : outcome.error ? 'failed' : 'scored',
        elapsedMs: t - t0,
        ...(etaMs !== undefined ? { etaMs } : {}),
        message: `[${done}/${cells.length}] ${cell.label} · ${how}${eta}`,
      });
    } catch {
      /* a progress listener must not break the run */
    }
  };
  const runner = async (): Promise<void> => {
    while (next < cells.length && stopped === undefined && !aborted) {
      if (signal.aborted) {
        aborted = true;
        return;
      }
      await runOne(next++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, runner));
  if (signal.aborted && results.some((r) => r === undefined)) aborted = true;
  // In cell order; for an aborted or stopped run, the cells that finished.
  const outcomes = results.filter((r): r is CellOutcome => r !== undefined);
  return {
    outcomes,
    total: cells.length,
    cached,
    scored,
    failed,
    aborted,
    ...(stopped !== undefined ? { stopped } : {}),
    elapsedMs: now() - t0,
    scoringMs,
  };
}

/** The editor's progress line of a study: "120/260 (40 cached, 2 failed) · about 40 s left". */
export function studyProgressText(p: StudyProgress): string {
  const failed = p.failed ? `, ${p.failed} failed` : '';
  const left = p.etaMs !== undefined && p.done < p.total ? ` · ${formatEstimate(p.etaMs)} left` : '';
  return `${p.done}/${p.total} (${p.cached} cached${failed})${left}`;
}

/** The study record of an outcome: the report's values of `scores` (NaN when missing or when scoring failed). */
export function toStudyRecord(o: CellOutcome, scores: readonly ScoreId[]): StudyRecord {
  const values: Partial<Record<ScoreId, number>> = {};
  for (const id of scores) {
    const r = o.report?.results.find((x) => x.id === id);
    values[id] = r ? r.value : NaN;
  }
  return {
    hash: o.cell.hash,
    testLoss: o.cell.testLoss,
    valLoss: o.cell.valLoss,
    diverged: o.cell.diverged,
    scores: values,
    label: o.cell.label,
  };
}

/** Options of {@link runBenchmarkStudy}: scoring options plus the study's. */
export interface BenchmarkStudyOptions extends ScoreCellsOptions {
  readonly study?: StudyOptions;
  /**
   * Runs the study on the records (default: {@link runStudy} here). The editor passes the scoring process's
   * (`ScoringClient.study`): the bootstrap and the ensemble's cross-validation take seconds for a few hundred
   * cells and must not block the extension host. It must return what `runStudy(records, options)` returns.
   */
  readonly analyse?: (records: StudyRecord[], options: StudyOptions) => Promise<StudyResult>;
}

/** The scored cells and their study. */
export interface BenchmarkStudy {
  readonly run: ScoringRun;
  readonly records: StudyRecord[];
  /** The study of the finished cells (undefined when none finished). Partial when `run.aborted` or `run.stopped`. */
  readonly study?: StudyResult;
  readonly complete: boolean;
}

/**
 * Scores the cells ({@link scoreCells}) and runs the study on them with the scores of `settings` (ensemble on
 * by default). Resumable: call it again after an abort and only the remaining cells are scored.
 */
export async function runBenchmarkStudy(
  cells: readonly StudyCell[],
  scorer: Scorer,
  options: BenchmarkStudyOptions,
): Promise<BenchmarkStudy> {
  const run = await scoreCells(cells, scorer, options);
  const scores = options.study?.scores ?? options.settings.scores;
  const records = run.outcomes.map((o) => toStudyRecord(o, scores));
  const studyOptions: StudyOptions = { ensemble: true, ...options.study, scores: [...scores] };
  const study =
    records.length === 0
      ? undefined
      : options.analyse
        ? await options.analyse(records, studyOptions)
        : runStudy(records, studyOptions);
  return {
    run,
    records,
    study,
    complete: !run.aborted && run.stopped === undefined && run.outcomes.length === cells.length,
  };
}

/** Everything a study produced, as plain data for `results.json` (write it with `encodeJson`: NaN/±∞ kept). */
export interface StudyResultsFile {
  readonly version: 1;
  readonly dataset: string;
  readonly command?: string;
  readonly createdAt: string;
  readonly settings: ScoreSettings;
  readonly timing: {
    readonly cells: number;
    readonly scored: number;
    readonly cached: number;
    readonly failed: number;
    readonly wallMs: number;
    readonly scoringMs: number;
    /** Cells scored now per second of scoring wall time (NaN when none was scored now). */
    readonly cellsPerSecond: number;
    /** Peak resident memory of the scoring process (bytes), when known. */
    readonly peakRssBytes?: number;
  };
  readonly study?: StudyResult;
  readonly cells: {
    readonly hash: string;
    readonly label: string;
    readonly testLoss: number;
    readonly valLoss: number;
    readonly diverged: boolean;
    readonly divergedReason?: string;
    readonly rank?: number;
    readonly cached: boolean;
    readonly error?: string;
    readonly totalMs?: number;
    readonly scores: Partial<Record<ScoreId, number>>;
    readonly recipe: Recipe;
  }[];
}

/** The `results.json` document of a study. */
export function studyResultsFile(
  dataset: string,
  settings: ScoreSettings,
  result: BenchmarkStudy,
  extra: { command?: string; peakRssBytes?: number; now?: Date } = {},
): StudyResultsFile {
  const { run } = result;
  return {
    version: 1,
    dataset,
    ...(extra.command !== undefined ? { command: extra.command } : {}),
    createdAt: (extra.now ?? new Date()).toISOString(),
    settings,
    timing: {
      cells: run.outcomes.length,
      scored: run.scored,
      cached: run.cached,
      failed: run.failed,
      wallMs: run.elapsedMs,
      scoringMs: run.scoringMs,
      cellsPerSecond: run.scored > 0 ? run.scored / (run.scoringMs / 1000) : NaN,
      ...(extra.peakRssBytes !== undefined ? { peakRssBytes: extra.peakRssBytes } : {}),
    },
    ...(result.study ? { study: result.study } : {}),
    cells: run.outcomes.map((o, i) => ({
      hash: o.cell.hash,
      label: o.cell.label,
      testLoss: o.cell.testLoss,
      valLoss: o.cell.valLoss,
      diverged: o.cell.diverged,
      ...(o.cell.divergedReason ? { divergedReason: o.cell.divergedReason } : {}),
      ...(o.cell.rank !== undefined ? { rank: o.cell.rank } : {}),
      cached: o.cached,
      ...(o.error ? { error: o.error } : {}),
      ...(o.report ? { totalMs: o.report.totalMs } : {}),
      scores: result.records[i].scores,
      recipe: o.cell.recipe,
    })),
  };
}

/**
 * The score report of a cell's stored values at `settings` (a results.json cell's `scores`): each score of the
 * settings as one repeat of its stored value, NaN where none is stored, no timing. What `study --merge` answers
 * from shard outputs, and how tests turn stored values into reports.
 */
export function storedReport(
  hash: string,
  scores: Readonly<Partial<Record<string, number>>>,
  settings: ScoreSettings,
): ScoreReport {
  const results = settings.scores.map((id) => ({
    id,
    value: scores[id] ?? NaN,
    std: 0,
    values: [scores[id] ?? NaN],
    seed: settings.seed,
    repeats: settings.repeats,
    wallMs: 0,
    backend: 'wasm' as const,
  }));
  return { hash, settings, backend: 'wasm', results, totalMs: 0 };
}

/** The shard (0 … n − 1) of a cell: its canonical hash's first 8 hex digits modulo n (stable, disjoint, covering). */
export function shardOf(hash: string, n: number): number {
  const v = parseInt(hash.slice(0, 8), 16);
  return Number.isFinite(v) ? v % n : 0;
}
