/**
 * The editor side of scoring: owns the {@link ScoringClient} (the child process, started on first use), the score
 * cache (memory + the extension's global storage), the scoring status bar item, and the "score these cells" flow
 * with a cancellable progress notification. TensorFlow.js never runs in the extension host.
 *
 * Workspace trust: nothing is scored in an untrusted workspace (the user is told why and offered the trust
 * editor); `cellLens.scoring.nodePath` is a restricted setting and only the user's own value is used there.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { ScoreCache, settingsKey } from '../scoring/cache';
import { estimateMs, formatDuration, formatEstimate } from '../scoring/estimate';
import { SIZE_PRESETS, presetOf } from '../scoring/presets';
import { ScoringClient, ScoringError, type ScoreOptions, type ScoringStatus } from '../process/client';
import { scoreHalves } from '../process/pool';
import { splitScoreSettings } from '../scoring/merge';
import type { Recipe } from '../recipe/types';
import type { ScoreReport, ScoreSettings } from '../scoring/types';
import type { StudyOptions, StudyRecord, StudyResult } from '../study/study';
import { processSettings, scoreSettings, scoringWorkers, type ProcessSettings } from './config';

/** A cell to score. */
/** A batch expected to take longer than this asks first (and offers the proxy size). */
const LONG_JOB_MS = 2 * 60_000;

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
  private client: ScoringClient | undefined;
  private clientKey = '';
  private readonly cache: ScoreCache;
  private readonly running = new Map<string, { done: number; total: number }>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a report arrives, progress moves, or the settings change what is shown. */
  readonly onDidChange = this.changed.event;
  private readonly reportsChanged = new vscode.EventEmitter<void>();
  /** Fires when reports arrive, are loaded from disk or are cleared (not on progress). */
  readonly onDidChangeReports = this.reportsChanged.event;
  readonly status: vscode.StatusBarItem;
  private lastStatus: ScoringStatus | undefined;
  private busyLabel: string | undefined;
  private inFlight = 0;
  private wantVisible = false;
  private disposed = false;
  /** Cells (settings key | hash) whose disk cache entry was looked up after a memory miss. */
  private readonly diskChecked = new Set<string>();
  private readonly pendingLoads = new Set<string>();
  private loadTimer: ReturnType<typeof setTimeout> | undefined;
  /** Extra scoring processes of batch runs (cellLens.scoring.workers), stopped after idleStopSeconds. */
  private readonly extras: ScoringClient[] = [];
  /** Measured wall time per scored cell (ms, moving average) by settings key, for the estimate of long batches. */
  private readonly measuredMs = new Map<string, number>();
  private extraTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly opts: ScoringServiceOptions) {
    this.cache = new ScoreCache({ dir: opts.cacheDir, log: (level, msg) => opts.log[level](msg) });
    this.status = vscode.window.createStatusBarItem('cellLens.scoring', vscode.StatusBarAlignment.Right, 99);
    this.status.name = 'Cell Lens Scoring';
    this.status.command = 'cellLens.scoringActions';
    this.renderStatus();
    this.subscriptions.push(this.status, this.changed, this.reportsChanged);
  }

  /** The settings scores are computed (and looked up) with. */
  settings(): ScoreSettings {
    return scoreSettings();
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted !== false;
  }

  /**
   * The report of a cell for the current settings, if in memory (synchronous, for lenses and hovers). On a miss the
   * disk cache is read in the background (once per cell and settings until the cache changes), and onDidChange
   * fires when a report was found: a scored cell keeps its scores however many cells were scored since (the memory
   * LRU holds the 500 most recent reports; the disk keeps them all).
   */
  peek(hash: string): ScoreReport | undefined {
    const s = this.settings();
    const hit = this.cache.peek(hash, s);
    if (hit) return hit;
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
    return undefined;
  }

  /** Progress of a cell being scored now. */
  progressOf(hash: string): { done: number; total: number } | undefined {
    return this.running.get(hash);
  }

  /** Status of the scoring process (undefined before the first start). */
  get processStatus(): ScoringStatus | undefined {
    return this.client?.status;
  }

  /** Load disk-cached reports of these cells into memory; fires onDidChange when any was found. */
  async warm(hashes: readonly string[]): Promise<void> {
    const s = this.settings();
    let found = false;
    for (const h of new Set(hashes)) {
      if (this.cache.peek(h, s)) continue;
      if (await this.cache.get(h, s)) found = true;
    }
    if (found && !this.disposed) {
      this.changed.fire();
      this.reportsChanged.fire();
    }
  }

  /** Show the status item (a cell file is active) or hide it unless scoring is running. */
  setVisible(visible: boolean): void {
    this.wantVisible = visible;
    this.renderStatus();
  }

  /** A scoring client with the current process settings (the main one reports its state to the status item). */
  private makeClient(p: ProcessSettings): ScoringClient {
    const log = this.opts.log;
    return new ScoringClient({
      workerPath: this.opts.workerPath,
      ...(this.opts.wasmDir ? { wasmDir: this.opts.wasmDir } : {}),
      ...(p.nodePath ? { nodePath: p.nodePath } : {}),
      execArgv: [`--max-old-space-size=${p.maxMemoryMb}`, ...(this.opts.execArgv ?? [])],
      backend: this.settings().backend,
      timeoutMs: p.timeoutMs,
      startTimeoutMs: Math.max(30_000, p.timeoutMs),
      ...(this.opts.env ? { env: this.opts.env } : {}),
      log: (level, msg) => log[level](`scoring: ${msg}`),
    });
  }

  private getClient(): ScoringClient {
    const p: ProcessSettings = processSettings();
    const key = JSON.stringify(p);
    if (this.client && key !== this.clientKey && this.inFlight === 0) {
      this.opts.log.info('scoring: process settings changed; the scoring process will be started again');
      this.client.dispose();
      this.client = undefined;
      this.stopExtras();
    }
    if (!this.client) {
      this.clientKey = key;
      const client = this.makeClient(p);
      client.onStateChange((s) => this.onState(s));
      this.client = client;
    }
    this.client.setBackend(this.settings().backend);
    return this.client;
  }

  /** The k-th extra process of a batch (k ≥ 1), started on demand. */
  private extraClient(k: number): ScoringClient {
    if (this.extraTimer) {
      clearTimeout(this.extraTimer);
      this.extraTimer = undefined;
    }
    const c = (this.extras[k - 1] ??= this.makeClient(processSettings()));
    c.setBackend(this.settings().backend);
    return c;
  }

  /** Stops the extra processes of batches (memory back). */
  private stopExtras(): void {
    if (this.extraTimer) {
      clearTimeout(this.extraTimer);
      this.extraTimer = undefined;
    }
    for (const c of this.extras) c?.dispose();
    this.extras.length = 0;
  }

  /** Process ids of the extra batch processes that run now (tests). */
  get extraPids(): number[] {
    return this.extras.map((c) => c?.pid).filter((p): p is number => p !== undefined);
  }

  private onState(s: ScoringStatus): void {
    const prev = this.lastStatus;
    this.lastStatus = s;
    // A worker that dies while nobody waits on it (killed from outside, OOM killer): tell the user here; a
    // death during a request is reported by that request.
    if (s.state === 'crashed' && prev?.state !== 'crashed' && this.inFlight === 0 && !this.disposed) {
      void vscode.window
        .showWarningMessage(`Cell Lens: ${s.lastError ?? 'The scoring process stopped.'}`, ACTION_RESTART, ACTION_LOG)
        .then((a) => this.onAction(a));
    }
    this.renderStatus();
  }

  private onAction(a: string | undefined): void {
    if (a === ACTION_RESTART) this.restart();
    else if (a === ACTION_LOG) this.opts.log.show(true);
    else if (a === ACTION_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
  }

  private renderStatus(): void {
    if (this.disposed) return;
    const st = this.status;
    const s = this.lastStatus;
    st.backgroundColor = undefined;
    if (!this.trusted) {
      st.text = '$(shield) Scoring · off';
      st.tooltip = 'Cell Lens does not run the scorer in an untrusted workspace. Click for scoring actions.';
    } else if (this.busyLabel) {
      // One naming for every state: "Scoring · <state>".
      st.text = `$(sync~spin) ${this.busyLabel}`;
      st.tooltip = `Cell Lens is scoring${s?.backendDescription ? ` on ${s.backendDescription}` : ''}. Click for scoring actions.`;
    } else if (!s) {
      st.text = '$(beaker) Scoring · not started';
      st.tooltip = 'The scoring process starts on the first "Score This Cell". Click for scoring actions.';
    } else if (s.state === 'crashed') {
      st.text = '$(error) Scoring · stopped';
      st.tooltip = `${s.lastError ?? 'The scoring process stopped.'} It restarts on the next score request. Click for actions.`;
      st.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (s.state === 'starting' || s.state === 'restarting') {
      st.text = '$(sync~spin) Scoring · starting';
      st.tooltip = 'Loading TensorFlow.js in the scoring process…';
    } else {
      st.text = `$(beaker) Scoring · ${s.backend ?? 'ready'}`;
      const tried = s.tried?.filter((t) => t.error).map((t) => `  ${t.name}: ${t.error}`) ?? [];
      st.tooltip = [
        `Scoring backend: ${s.backendDescription ?? s.backend ?? 'unknown'}${s.pid ? ` (process ${s.pid})` : ''}`,
        ...(tried.length ? ['Not available:', ...tried] : []),
        ...(s.restarts ? [`Restarted ${s.restarts} time${s.restarts === 1 ? '' : 's'}.`] : []),
        'Click for scoring actions.',
      ].join('\n');
    }
    if (this.wantVisible || this.busyLabel) st.show();
    else st.hide();
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
    let settings = this.settings();
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
          proxy = 'Use the Proxy Size';
        const pick = await vscode.window.showWarningMessage(
          `Cell Lens: scoring ${todo} cell${todo === 1 ? '' : 's'} at this size takes ${formatEstimate(est)} on ${Math.min(workers, todo)} process${Math.min(workers, todo) === 1 ? '' : 'es'}. The proxy size takes ${formatEstimate(estimateMs(todo, SIZE_PRESETS.proxy, workers))} (its percentiles and predicted loss are those of the proxy preset).`,
          go,
          proxy,
        );
        if (pick === proxy) {
          await vscode.workspace
            .getConfiguration('cellLens')
            .update('scoring.preset', 'proxy', vscode.ConfigurationTarget.Global);
          settings = this.settings();
          known.clear(); // looked up at the other size
        } else if (pick !== go) {
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
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: opts.title, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        try {
          // Lanes: several cells at once on several processes (cellLens.scoring.workers); one cell = one process.
          const { workers, idleStopMs } = scoringWorkers(settings);
          const lanes = Math.max(1, Math.min(workers, unique.length));
          let next = 0,
            stop = false;
          const runLane = async (lane: number): Promise<void> => {
            while (!stop && next < unique.length) {
              if (ac.signal.aborted) {
                cancelled = true;
                return;
              }
              const i = next++;
              const t = unique[i];
              // One cell: the notification's title names it already; several: "3/10 cell 4 (file)".
              const doneNow = scored + failed;
              const eta =
                unique.length > 1 && doneNow > 0
                  ? ` · ETA ${formatDuration(Math.max(1000, (((Date.now() - t0) / doneNow) * (unique.length - i)) / lanes))}`
                  : '';
              const prefix = unique.length > 1 ? `${i + 1}/${unique.length}${eta} ${t.label}` : '';
              const hit = opts.force
                ? undefined
                : known.has(t.hash)
                  ? known.get(t.hash)
                  : await this.cache.get(t.hash, settings);
              if (hit) {
                reports.set(t.hash, hit);
                cached++;
                progress.report({ message: prefix ? `${prefix}: cached` : 'cached', increment: 100 / unique.length });
                this.changed.fire();
                this.reportsChanged.fire();
                continue;
              }
              progress.report({ message: prefix ? `${prefix}: starting` : 'starting' });
              this.running.set(t.hash, { done: 0, total: 1 });
              this.busyLabel = `Scoring ${t.label}`;
              this.inFlight++;
              this.changed.fire();
              this.renderStatus();
              let lastPct = 0;
              try {
                // A lone cell with two processes allowed is split over both (same values, about half the wall time).
                const halves = unique.length === 1 && workers >= 2 ? splitScoreSettings(settings) : undefined;
                const scoreOn = (o: ScoreOptions) =>
                  halves
                    ? scoreHalves(
                        (h, ho) => (h === 0 ? this.getClient() : this.extraClient(1)).score(t.recipe, halves[h], ho),
                        settings,
                        o,
                      )
                    : (lane === 0 ? this.getClient() : this.extraClient(lane)).score(t.recipe, settings, o);
                const report = await scoreOn({
                  signal: ac.signal,
                  hash: t.hash,
                  onProgress: (p) => {
                    this.running.set(t.hash, { done: p.done, total: p.total });
                    const pct = p.total ? (100 * p.done) / p.total : 0;
                    progress.report({
                      message: prefix ? `${prefix}: ${p.message}` : p.message,
                      increment: Math.max(0, (pct - lastPct) / unique.length),
                    });
                    lastPct = pct;
                    this.busyLabel =
                      this.running.size > 1
                        ? `Scoring ${this.running.size} cells`
                        : `Scoring ${t.label} ${Math.round(pct)}%`;
                    this.renderStatus();
                    this.changed.fire();
                  },
                });
                await this.cache.put(report);
                reports.set(t.hash, report);
                scored++;
                const k = settingsKey(settings),
                  prev = this.measuredMs.get(k);
                this.measuredMs.set(k, prev === undefined ? report.totalMs : 0.8 * prev + 0.2 * report.totalMs);
                this.reportsChanged.fire();
                // One short info line per cell; the values at debug level.
                this.opts.log.info(
                  `scored ${t.label} (${t.hash.slice(0, 12)}) in ${report.totalMs.toFixed(0)} ms on ${report.backend}`,
                );
                this.opts.log.debug(
                  `${t.hash.slice(0, 12)}: ` +
                    report.results
                      .map(
                        (r) =>
                          `${r.id}=${Number.isFinite(r.value) ? r.value.toPrecision(5) : `${r.value} (${r.reason ?? 'no reason'})`}`,
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
                this.inFlight--;
                this.running.delete(t.hash);
                this.busyLabel =
                  this.running.size > 1
                    ? `Scoring ${this.running.size} cells`
                    : this.running.size === 1
                      ? 'Scoring 1 cell'
                      : undefined;
                lastPct = 0;
                this.renderStatus();
                this.changed.fire();
              }
            }
          };
          await Promise.all(Array.from({ length: lanes }, (_, k) => runLane(k)));
          if (this.extras.length) {
            this.extraTimer = setTimeout(() => {
              this.extraTimer = undefined;
              if (this.inFlight === 0) {
                this.opts.log.info('scoring: stopping the idle batch processes');
                this.stopExtras();
              }
            }, idleStopMs);
            this.extraTimer.unref?.();
          }
        } finally {
          sub.dispose();
        }
      },
    );
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
   * Score one cell with explicit settings and no UI of its own (the study and search show their own progress).
   * Throws a ScoringError (kind `cancelled` when the token fires); refuses in an untrusted workspace.
   */
  async scoreQuiet(
    recipe: Recipe,
    settings: ScoreSettings,
    token?: vscode.CancellationToken,
    label = 'cell',
  ): Promise<ScoreReport> {
    if (!this.trusted) throw new ScoringError('start', 'Scoring is disabled in an untrusted workspace.');
    const ac = new AbortController();
    const sub = token?.onCancellationRequested(() => ac.abort());
    if (token?.isCancellationRequested) ac.abort();
    this.inFlight++;
    this.busyLabel = `Scoring ${label}`;
    this.renderStatus();
    try {
      return await this.getClient().score(recipe, settings, { signal: ac.signal });
    } finally {
      sub?.dispose();
      this.inFlight--;
      this.busyLabel = undefined;
      this.renderStatus();
    }
  }

  /**
   * The correlation study of scored records, computed in the scoring process (`runStudy`: the bootstrap and the
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
    const ac = new AbortController();
    const sub = token?.onCancellationRequested(() => ac.abort());
    if (token?.isCancellationRequested) ac.abort();
    this.inFlight++;
    this.busyLabel = 'Computing the study';
    this.renderStatus();
    try {
      return await this.getClient().study(records, options, { signal: ac.signal });
    } finally {
      sub?.dispose();
      this.inFlight--;
      this.busyLabel = undefined;
      this.renderStatus();
    }
  }

  /** "Restart scoring process": a fresh worker now (the request in flight, if any, is cancelled). */
  restart(): void {
    if (!this.checkTrust()) return;
    this.getClient().restart();
    this.opts.log.info('scoring: restarted on request');
  }

  /** Kill the worker (tests, and "Stop"). */
  kill(): void {
    this.client?.kill();
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
    this.stopExtras();
    this.client?.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

/** Where the worker and the wasm binaries are in the installed extension. */
export function workerLocation(extensionPath: string): { workerPath: string; wasmDir: string } {
  const dist = path.join(extensionPath, 'dist');
  return { workerPath: path.join(dist, 'worker.js'), wasmDir: dist };
}
