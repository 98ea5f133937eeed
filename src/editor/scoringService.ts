/**
 * The editor side of scoring: owns the {@link ScoringPool} of scoring processes (the CLI's pool: the first process
 * starts on first use and is kept, the others, `cellLens.scoring.workers`, stop after `idleStopSeconds`), the score
 * cache (memory + the extension's global storage) and the "score these cells" flow with a cancellable progress
 * notification. What runs now is one progress state ({@link ScoringActivity}) that the lens, the hover, the status
 * bar ({@link ScoringStatusBar}) and the notification all read. TensorFlow.js never runs in the extension host.
 *
 * Workspace trust: nothing is scored in an untrusted workspace (the user is told why and offered the trust
 * editor); `cellLens.scoring.nodePath` is a restricted setting and only the user's own value is used there.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { ScoreCache, settingsKey } from '../scoring/cache';
import { estimateMs, formatDuration, formatEstimate, remainingMs } from '../scoring/estimate';
import { SIZE_PRESETS, presetOf } from '../scoring/presets';
import { ScoringError, type Disposable, type ScoringState, type ScoringStatus } from '../process/client';
import { ScoringPool, type PoolEvent, type ScoringPoolOptions } from '../process/pool';
import type { Recipe } from '../recipe/types';
import type { ScoreReport, ScoreSettings } from '../scoring/types';
import type { StudyOptions, StudyRecord, StudyResult } from '../study/study';
import { choosePair, chooseReport, type ReportChoice } from '../report/choice';
import { processSettings, scoreSettings, scoringWorkers } from './config';
import { ScoringActivity, type CellProgress } from './scoringProgress';
import { ScoringStatusBar } from './scoringStatusBar';

/** A batch expected to take longer than this asks first (and offers the proxy size). */
const LONG_JOB_MS = 2 * 60_000;

/** A cell to score. */
export interface ScoreTarget {
  readonly hash: string;
  readonly recipe: Recipe;
  /** For messages: "LSTM (cells.json)". */
  readonly label: string;
}

/** What a scoring run did. */
export interface ScoreRunResult {
  readonly scored: number;
  readonly cached: number;
  readonly failed: number;
  readonly cancelled: boolean;
  readonly reports: ReadonlyMap<string, ScoreReport>;
}

export interface ScoringServiceOptions {
  /** dist/worker.js of the extension. */
  readonly workerPath: string;
  /** Folder of the tfjs wasm binaries (dist/). */
  readonly wasmDir?: string;
  /** Disk cache folder (global storage + /scores); memory only when absent. */
  readonly cacheDir?: string;
  readonly log: vscode.LogOutputChannel;
  /** Tests: extra Node flags / environment of the worker. */
  readonly execArgv?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

const ACTION_RESTART = 'Restart Scoring Process';
const ACTION_LOG = 'Show Log';
const ACTION_TRUST = 'Manage Workspace Trust';

export class ScoringService implements vscode.Disposable {
  private readonly pool: ScoringPool;
  private readonly cache: ScoreCache;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a report arrives, progress moves, or the settings change what is shown. */
  readonly onDidChange = this.changed.event;
  private readonly reportsChanged = new vscode.EventEmitter<void>();
  /** Fires when reports arrive, are loaded from disk or are cleared (not on progress). */
  readonly onDidChangeReports = this.reportsChanged.event;
  /** What is being scored now: the one progress state the lens, hover, status bar and notification read. */
  private readonly activity = new ScoringActivity(() => this.onActivity());
  private readonly statusBar = new ScoringStatusBar();
  /** The first process's last state (a crash while nothing runs is told to the user). */
  private lastState: ScoringState | undefined;
  private disposed = false;
  /** Cells (settings key | hash) whose disk cache entry was looked up after a memory miss. */
  private readonly diskChecked = new Set<string>();
  private readonly pendingLoads = new Set<string>();
  private loadTimer: ReturnType<typeof setTimeout> | undefined;
  /** Measured wall time per scored cell (ms, moving average) by settings key, for the estimate of long batches. */
  private readonly measuredMs = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly opts: ScoringServiceOptions) {
    this.cache = new ScoreCache({ dir: opts.cacheDir, log: (level, msg) => opts.log[level](msg) });
    // Processes start on demand; the first is kept while the editor runs, the others stop when idle.
    this.pool = new ScoringPool({
      ...this.poolSettings(this.settings()),
      keepAlive: 1,
      log: (level, msg) => opts.log[level](`scoring: ${msg}`),
    });
    const states = this.pool.onEvent((e) => {
      if (e.type === 'state' && e.slot === 0) this.onState(e.status);
    });
    this.renderStatus();
    this.subscriptions.push(this.statusBar, this.changed, this.reportsChanged, states);
  }

  /** The settings scores are computed (and looked up) with. */
  settings(): ScoreSettings {
    return scoreSettings();
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted !== false;
  }

  /**
   * The report the surfaces show for a cell (the lens, the hover, Show Scores, the graph side panel, the table,
   * compare), if in memory (synchronous): {@link chooseReport} of its reports at any settings — the one at the
   * current settings, else the most useful other one, marked not current. On a miss of the current settings the
   * disk cache is read in the background (once per cell and settings until the cache changes), and onDidChange
   * fires when a report was found: a scored cell keeps its scores however many cells were scored since (the memory
   * LRU holds the 500 most recent reports; the disk keeps them all).
   */
  peek(hash: string): ReportChoice | undefined {
    const s = this.settings();
    const choice = chooseReport(this.cache.peekAll(hash), s);
    if (choice) this.cache.peek(hash, choice.report.settings); // what is shown stays in memory
    if (choice?.current) return choice;
    const key = `${settingsKey(s)}|${hash}`;
    if (!this.diskChecked.has(key)) {
      this.diskChecked.add(key);
      this.pendingLoads.add(hash);
      this.loadTimer ??= setTimeout(() => {
        this.loadTimer = undefined;
        const hashes = [...this.pendingLoads];
        this.pendingLoads.clear();
        void this.warm(hashes);
      }, 0);
    }
    return choice;
  }

  /** The reports two cells are compared at ({@link choosePair}: the same settings for both), as {@link peek}. */
  peekPair(a: string | undefined, b: string | undefined): [ReportChoice | undefined, ReportChoice | undefined] {
    const all = (h: string | undefined) => {
      if (h === undefined) return [];
      this.peek(h); // the disk read, as for one cell
      return this.cache.peekAll(h);
    };
    return choosePair(all(a), all(b), this.settings());
  }

  /** Progress of a cell being scored now (the same numbers the status bar shows). */
  progressOf(hash: string): CellProgress | undefined {
    return this.activity.of(hash);
  }

  /** Status of the first scoring process (undefined before it started). */
  get processStatus(): ScoringStatus | undefined {
    return this.pool.statusOf(0);
  }

  /** Process ids of the scoring processes that run now. */
  get pids(): number[] {
    return this.pool.pids;
  }

  /** What the scoring processes do, as it happens (which process scored which part of which cell; tests). */
  onPoolEvent(listener: (e: PoolEvent) => void): Disposable {
    return this.pool.onEvent(listener);
  }

  /** Load disk-cached reports of these cells (at any settings) into memory; fires onDidChange when any was found. */
  async warm(hashes: readonly string[]): Promise<void> {
    const found = await this.cache.load(hashes);
    if (found > 0 && !this.disposed) {
      this.changed.fire();
      this.reportsChanged.fire();
    }
  }

  /** Show the status item (a cell file is active) or hide it unless scoring is running. */
  setVisible(visible: boolean): void {
    this.statusBar.setVisible(visible);
  }

  /**
   * The pool's settings from the user's: how a process runs (`cellLens.scoring.nodePath`, `timeoutSeconds`,
   * `maxMemoryMB`), the backend, `workers` and `idleStopSeconds`.
   */
  private poolSettings(settings: ScoreSettings): Omit<ScoringPoolOptions, 'keepAlive' | 'log' | 'makeClient'> {
    const p = processSettings();
    const { workers, idleStopMs } = scoringWorkers(settings);
    return {
      workerPath: this.opts.workerPath,
      wasmDir: this.opts.wasmDir,
      nodePath: p.nodePath,
      execArgv: [`--max-old-space-size=${p.maxMemoryMb}`, ...(this.opts.execArgv ?? [])],
      backend: settings.backend,
      timeoutMs: p.timeoutMs,
      startTimeoutMs: Math.max(30_000, p.timeoutMs),
      env: this.opts.env,
      workers,
      idleStopMs,
    };
  }

  /** The pool, following the user's current settings (ScoringPool.configure: it grows, shrinks, restarts). */
  private usePool(settings = this.settings()): ScoringPool {
    this.pool.configure(this.poolSettings(settings));
    return this.pool;
  }

  private onState(s: ScoringStatus): void {
    const prev = this.lastState;
    this.lastState = s.state;
    // A process that dies while nobody waits on it (killed from outside, OOM killer): tell the user here; a
    // death during a request is reported by that request.
    if (s.state === 'crashed' && prev !== 'crashed' && !this.activity.busy && !this.disposed) {
      void vscode.window
        .showWarningMessage(`Cell Lens: ${s.lastError ?? 'The scoring process stopped.'}`, ACTION_RESTART, ACTION_LOG)
        .then((a) => this.onAction(a));
    }
    this.renderStatus();
  }

  private onActivity(): void {
    if (this.disposed) return;
    this.renderStatus();
    this.changed.fire();
  }

  private onAction(a: string | undefined): void {
    if (a === ACTION_RESTART) this.restart();
    else if (a === ACTION_LOG) this.opts.log.show(true);
    else if (a === ACTION_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
  }

  private renderStatus(): void {
    if (this.disposed) return;
    this.statusBar.render({ trusted: this.trusted, process: this.pool.statusOf(0), busy: this.activity.label() });
  }

  /** Tells the user scoring needs trust; false when untrusted. */
  private checkTrust(): boolean {
    if (this.trusted) return true;
    void vscode.window
      .showWarningMessage(
        'Cell Lens does not score cells in an untrusted workspace: scoring runs TensorFlow.js on the cell in a child process. Trust this workspace to score.',
        ACTION_TRUST,
      )
      .then((a) => this.onAction(a));
    return false;
  }

  /**
   * Score cells (deduplicated by canonical hash) with a cancellable progress notification. Cached reports are used
   * unless `force`. Failures are reported to the user in plain words; the process restarts by itself.
   */
  async score(
    targets: readonly ScoreTarget[],
    opts: { title: string; force?: boolean; confirmLong?: boolean },
  ): Promise<ScoreRunResult> {
    const reports = new Map<string, ScoreReport>();
    if (!this.checkTrust()) return { scored: 0, cached: 0, failed: 0, cancelled: false, reports };
    const unique = [...new Map(targets.map((t) => [t.hash, t])).values()];
    let settings = this.settings(),
      title = opts.title;
    // Cache lookups of the estimate below, reused by the loop (each cell's report is read from disk once).
    const known = new Map<string, ScoreReport | undefined>();
    // A long batch: say how long before starting, and offer the proxy size (issue: long jobs are safe).
    if (opts.confirmLong && unique.length > 1 && presetOf(settings) !== 'proxy') {
      if (!opts.force)
        await Promise.all(
          unique.map(async (t) => {
            known.set(t.hash, await this.cache.get(t.hash, settings));
          }),
        );
      const todo = unique.filter((t) => !known.get(t.hash)).length;
      const { workers } = scoringWorkers(settings);
      const est = estimateMs(todo, settings, workers, this.measuredMs.get(settingsKey(settings)));
      if (est > LONG_JOB_MS) {
        const go = 'Score at This Size',
          proxy = 'Use the Proxy Size',
          cancel = 'Cancel';
        const pick = await vscode.window.showWarningMessage(
          `Cell Lens: scoring ${todo} cell${todo === 1 ? '' : 's'} at this size takes ${formatEstimate(est)} on ${Math.min(workers, todo)} process${Math.min(workers, todo) === 1 ? '' : 'es'}. The proxy size takes ${formatEstimate(estimateMs(todo, SIZE_PRESETS.proxy, workers))} (its percentiles and predicted loss are those of the proxy preset).`,
          go,
          proxy,
          cancel,
        );
        if (pick === proxy) {
          // This run only: the user's setting stays as it is; the proxy reports show, labelled, where the cells
          // have none at the current settings (report/choice.ts).
          settings = { ...settings, ...SIZE_PRESETS.proxy };
          title = `${opts.title} at the proxy size`;
          known.clear(); // looked up at the other size
          this.opts.log.info(`${opts.title}: this run scores at the proxy size (the setting is unchanged)`);
        } else if (pick !== go) {
          // Cancel, or the notification closed (Escape, "Clear All Notifications"): nothing started; say so.
          const why = pick === cancel ? 'cancelled' : 'the estimate was closed';
          this.opts.log.info(`${opts.title}: not started (${why})`);
          void vscode.window.setStatusBarMessage(`$(circle-slash) Cell Lens: scoring not started (${why})`, 8000);
          return { scored: 0, cached: 0, failed: 0, cancelled: true, reports };
        }
      }
    }
    const t0 = Date.now();
    let scored = 0,
      cached = 0,
      failed = 0,
      cancelled = false;
    const errors: string[] = [];
    const run = this.activity.begin(unique.length);
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const ac = new AbortController();
          const sub = token.onCancellationRequested(() => ac.abort());
          // The notification's bar follows the run's share done (the numbers the lens and the status bar show).
          let shown = 0;
          const report = (message: string) => {
            const pct = 100 * run.fraction;
            progress.report({ message, increment: Math.max(0, pct - shown) });
            shown = Math.max(shown, pct);
          };
          try {
            const pool = this.usePool(settings);
            // A lone cell may go to two processes at once (the pool splits it when two are free); a batch keeps one
            // process per cell. As many cells in flight as the pool has processes; it gives each a free one.
            const split = unique.length === 1 ? undefined : false;
            const inFlight = Math.max(1, Math.min(pool.size, unique.length));
            let next = 0,
              stop = false;
            const scoreNext = async (): Promise<void> => {
              while (!stop && next < unique.length) {
                if (ac.signal.aborted) {
                  cancelled = true;
                  return;
                }
                const i = next++;
                const t = unique[i];
                // One cell: the notification's title names it already; several: "3/10 cell 4 (file)".
                // The time left from the observed rate (one rule with the study's: remainingMs).
                const doneNow = scored + failed;
                const left =
                  unique.length > 1 ? remainingMs(doneNow, unique.length - doneNow, Date.now() - t0) : undefined;
                const eta = left !== undefined ? ` · ETA ${formatDuration(Math.max(1000, left))}` : '';
                const prefix = unique.length > 1 ? `${i + 1}/${unique.length}${eta} ${t.label}` : '';
                const hit = opts.force
                  ? undefined
                  : known.has(t.hash)
                    ? known.get(t.hash)
                    : await this.cache.get(t.hash, settings);
                if (hit) {
                  reports.set(t.hash, hit);
                  cached++;
                  run.skip();
                  report(prefix ? `${prefix}: cached` : 'cached');
                  this.reportsChanged.fire();
                  continue;
                }
                progress.report({ message: prefix ? `${prefix}: starting` : 'starting' });
                const item = run.start(t.label, t.hash);
                try {
                  const r = await pool.score(t.recipe, settings, {
                    signal: ac.signal,
                    hash: t.hash,
                    split,
                    onProgress: (p) => {
                      run.progress(item, p.done, p.total);
                      report(prefix ? `${prefix}: ${p.message}` : p.message);
                    },
                  });
                  await this.cache.put(r);
                  reports.set(t.hash, r);
                  scored++;
                  const k = settingsKey(settings),
                    prev = this.measuredMs.get(k);
                  this.measuredMs.set(k, prev === undefined ? r.totalMs : 0.8 * prev + 0.2 * r.totalMs);
                  this.reportsChanged.fire();
                  // One short info line per cell; the values at debug level.
                  this.opts.log.info(
                    `scored ${t.label} (${t.hash.slice(0, 12)}) in ${r.totalMs.toFixed(0)} ms on ${r.backend}`,
                  );
                  this.opts.log.debug(
                    `${t.hash.slice(0, 12)}: ` +
                      r.results
                        .map(
                          (x) =>
                            `${x.id}=${Number.isFinite(x.value) ? x.value.toPrecision(5) : `${x.value} (${x.reason ?? 'no reason'})`}`,
                        )
                        .join(', '),
                  );
                } catch (e) {
                  if (e instanceof ScoringError && e.kind === 'cancelled') {
                    cancelled = true;
                    stop = true;
                    this.opts.log.info(`scoring ${t.label}: ${e.message}`);
                    break;
                  }
                  failed++;
                  const msg = e instanceof ScoringError ? e.message : String(e);
                  this.opts.log.error(
                    `scoring ${t.label} failed: ${msg}${e instanceof ScoringError && e.detail ? `\n${e.detail}` : ''}`,
                  );
                  errors.push(`${t.label}: ${msg}`);
                  // The process died or cannot start: report now (the next cell gets a fresh process).
                  if (
                    e instanceof ScoringError &&
                    (e.kind === 'crash' || e.kind === 'oom' || e.kind === 'timeout' || e.kind === 'start')
                  ) {
                    void vscode.window
                      .showErrorMessage(`Cell Lens: scoring ${t.label} failed. ${msg}`, ACTION_RESTART, ACTION_LOG)
                      .then((a) => this.onAction(a));
                    if (e.kind === 'start') {
                      stop = true;
                      return;
                    }
                  }
                } finally {
                  run.finish(item);
                }
              }
            };
            await Promise.all(Array.from({ length: inFlight }, scoreNext));
          } finally {
            sub.dispose();
          }
        },
      );
    } finally {
      run.end();
    }
    const crashReported = errors.length > 0 && failed === errors.length;
    if (failed && !crashReported) {
      void vscode.window
        .showWarningMessage(
          `Cell Lens: ${failed} cell${failed === 1 ? '' : 's'} could not be scored — ${errors[0]}`,
          ACTION_LOG,
        )
        .then((a) => this.onAction(a));
    }
    if (cancelled)
      void vscode.window.showInformationMessage(
        `Cell Lens: scoring cancelled (${scored + cached} of ${unique.length} cells done).`,
      );
    return { scored, cached, failed, cancelled, reports };
  }

  /**
   * Live scoring of an edited cell (src/editor/liveScoring.ts): at the proxy preset whatever the user's preset (a
   * report at other settings shows labelled, report/choice.ts), with no notification of its own — the status bar
   * and the cell's lens show it through the one progress state. Nothing is requested when the cell has a report at
   * the current settings or at the proxy preset already (memory or disk). Never asks anything: in an untrusted
   * workspace, and on a cancel or a failure (logged), it resolves undefined.
   */
  async scoreLive(target: ScoreTarget, signal: AbortSignal): Promise<ScoreReport | undefined> {
    if (!this.trusted || signal.aborted) return undefined;
    const current = this.settings();
    const settings: ScoreSettings = { ...current, ...SIZE_PRESETS.proxy };
    for (const s of [current, settings]) {
      const hit = await this.cache.get(target.hash, s);
      if (hit) {
        this.changed.fire();
        this.reportsChanged.fire();
        return hit;
      }
    }
    if (signal.aborted || this.disposed) return undefined;
    const run = this.activity.begin(1);
    const item = run.start(`${target.label} · live`, target.hash);
    try {
      const r = await this.usePool(settings).score(target.recipe, settings, {
        signal,
        hash: target.hash,
        onProgress: (p) => run.progress(item, p.done, p.total),
      });
      await this.cache.put(r);
      this.reportsChanged.fire();
      this.opts.log.info(
        `live: scored ${target.label} (${target.hash.slice(0, 12)}) at the proxy preset in ${r.totalMs.toFixed(0)} ms on ${r.backend}`,
      );
      return r;
    } catch (e) {
      if (e instanceof ScoringError && e.kind === 'cancelled')
        this.opts.log.debug(`live: ${target.label} (${target.hash.slice(0, 12)}) cancelled: the text changed again`);
      else
        this.opts.log.warn(
          `live: scoring ${target.label} failed: ${e instanceof ScoringError ? e.message : String(e)}${e instanceof ScoringError && e.detail ? `\n${e.detail}` : ''}`,
        );
      return undefined;
    } finally {
      run.finish(item);
      run.end();
    }
  }

  /**
   * A request of the pool on behalf of a caller without UI of its own (the study and search show their own
   * progress): the status bar shows `label` meanwhile; `token` cancels it.
   */
  private async quietly<T>(
    label: string,
    token: vscode.CancellationToken | undefined,
    request: (pool: ScoringPool, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const ac = new AbortController();
    const sub = token?.onCancellationRequested(() => ac.abort());
    if (token?.isCancellationRequested) ac.abort();
    const run = this.activity.begin(1);
    const item = run.start(label);
    try {
      return await request(this.usePool(), ac.signal);
    } finally {
      sub?.dispose();
      run.finish(item);
      run.end();
    }
  }

  /**
   * Score one cell with explicit settings and no UI of its own (the study and search show their own progress);
   * `label` is what the status bar says meanwhile, from the caller, who knows what runs ("Search: cell 12 of 60").
   * Throws a ScoringError (kind `cancelled` when the token fires); refuses in an untrusted workspace.
   */
  async scoreQuiet(
    recipe: Recipe,
    settings: ScoreSettings,
    token: vscode.CancellationToken | undefined,
    label: string,
  ): Promise<ScoreReport> {
    if (!this.trusted) throw new ScoringError('start', 'Scoring is disabled in an untrusted workspace.');
    return this.quietly(label, token, (pool, signal) => pool.score(recipe, settings, { signal }));
  }

  /**
   * The correlation study of scored records, computed in a scoring process (`runStudy`: the bootstrap and the
   * ensemble's cross-validation take seconds for a few hundred cells; the extension host must stay responsive).
   * Throws a ScoringError (kind `cancelled` when the token fires).
   */
  async study(
    records: readonly StudyRecord[],
    options: StudyOptions,
    token?: vscode.CancellationToken,
  ): Promise<StudyResult> {
    if (!this.trusted)
      throw new ScoringError(
        'start',
        'The study runs in the scoring process, which is disabled in an untrusted workspace.',
      );
    return this.quietly('Computing the study', token, (pool, signal) => pool.study(records, options, { signal }));
  }

  /** "Restart scoring process": fresh processes now (the requests in flight, if any, are cancelled). */
  restart(): void {
    if (!this.checkTrust()) return;
    this.usePool().restart();
    this.opts.log.info('scoring: restarted on request');
  }

  /** Kill the scoring processes (tests, and "Stop"). */
  kill(): void {
    this.pool.kill();
  }

  /** Forget every cached report (memory and disk). */
  async clearCache(): Promise<void> {
    await this.cache.clear();
    this.diskChecked.clear();
    this.changed.fire();
    this.reportsChanged.fire();
  }

  dispose(): void {
    this.disposed = true;
    if (this.loadTimer) clearTimeout(this.loadTimer);
    this.pool.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

/** Where the worker and the wasm binaries are in the installed extension. */
export function workerLocation(extensionPath: string): { workerPath: string; wasmDir: string } {
  const dist = path.join(extensionPath, 'dist');
  return { workerPath: path.join(dist, 'worker.js'), wasmDir: dist };
}
