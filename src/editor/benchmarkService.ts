/**
 * The benchmark index for the editor: loaded lazily on first use (never at activation), reloaded when the
 * log-path settings change, with its state shown in the status bar and the log. A big benchmark (the 14k PTB
 * logs) is read on worker threads and the index built in slices (`benchmark/background.ts`), so the extension
 * host keeps answering while it loads; until it is loaded, lookups return undefined ("loading").
 * It also picks the calibration every verdict reads (`cellLens.calibrations`): the first whose dataset the loaded
 * benchmark has, else the bundled WikiText-2 one; a file that cannot be used is logged with the reason.
 */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { loadBenchmarkIndexInBackground, type BackgroundLoad, type LoadProgress } from '../benchmark/background';
import { BenchmarkIndex, type BenchmarkMatch } from '../benchmark/index';
import { calibrationPaths, logSources, usePrebuiltIndex } from './config';
import { calibrationFor, parseCalibration, type Calibration } from '../study/calibration';
import { useCalibration } from '../report/verdict';
import { formatInteger } from '../shared/format';

/** Options of {@link BenchmarkService} (tests and benches; the extension uses the defaults). */
export interface BenchmarkServiceOptions {
  /** Worker threads for reading logs (default: one per CPU but one, 1 to 4); 0 reads them on the host thread, in slices. */
  readonly workers?: number;
  /** The worker entry (default: `benchmarkWorker.js` beside the bundle). */
  readonly workerScript?: string;
}

/** How the last load went (for the log, the info command and tests). */
export interface BenchmarkLoadInfo {
  readonly ms: number;
  readonly mode: BackgroundLoad['mode'];
  readonly workers: number;
  readonly fallback?: string;
  readonly logs: number;
}

export class BenchmarkService implements vscode.Disposable {
  private index: BenchmarkIndex | undefined;
  private loading: Promise<BenchmarkIndex> | undefined;
  /** Aborts the load in progress (a reload or dispose makes it stale). */
  private abort: AbortController | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a (re)load finished. */
  readonly onDidChange = this.changed.event;
  /** How the last completed load went. */
  lastLoad: BenchmarkLoadInfo | undefined;
  private disposed = false;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly status: vscode.StatusBarItem,
    private readonly options: BenchmarkServiceOptions = {},
  ) {
    status.name = 'Cell Lens benchmark';
    status.command = 'cellLens.showBenchmarkInfo';
    status.text = '$(database) Cell Lens';
    status.tooltip = 'NAS-Bench-NLP benchmark: not loaded yet';
  }

  /** The index if it is loaded; otherwise starts loading and returns undefined (callers refresh on onDidChange). */
  peek(): BenchmarkIndex | undefined {
    if (!this.index) void this.get();
    return this.index;
  }

  get(): Promise<BenchmarkIndex> {
    if (this.index) return Promise.resolve(this.index);
    if (this.disposed) return Promise.resolve(BenchmarkIndex.empty());
    if (!this.loading) this.loading = this.load();
    return this.loading;
  }

  /** Whether a load is in progress. */
  get isLoading(): boolean {
    return !this.index && this.loading !== undefined;
  }

  lookup(hash: string): BenchmarkMatch[] | undefined {
    return this.peek()?.lookup(hash);
  }

  reload(): void {
    this.abort?.abort();
    this.index = undefined;
    this.loading = undefined;
    void this.get();
  }

  private showProgress(p: LoadProgress): void {
    const pct = p.total > 0 ? ` ${Math.floor((100 * p.done) / p.total)}%` : '';
    this.status.text = `$(sync~spin) Cell Lens: loading benchmark${pct}`;
    this.status.tooltip = `NAS-Bench-NLP benchmark: ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} logs read`;
  }

  private async load(): Promise<BenchmarkIndex> {
    const t0 = performance.now();
    const abort = new AbortController();
    this.abort = abort;
    this.status.text = '$(sync~spin) Cell Lens: loading benchmark';
    this.status.tooltip = 'NAS-Bench-NLP benchmark: loading';
    const sources = logSources();
    let loaded: BackgroundLoad;
    try {
      loaded = await loadBenchmarkIndexInBackground(sources, {
        prebuilt: usePrebuiltIndex(),
        ...this.options,
        signal: abort.signal,
        onProgress: (p) => {
          if (!abort.signal.aborted) this.showProgress(p);
        },
      });
    } catch (err) {
      if (!abort.signal.aborted) throw err; // never: only an abort rejects
      return this.stale();
    }
    if (abort.signal.aborted) return this.stale();
    const index = loaded.index;
    const ms = performance.now() - t0;
    this.lastLoad = {
      ms,
      mode: loaded.mode,
      workers: loaded.workers,
      logs: loaded.logs,
      ...(loaded.fallback ? { fallback: loaded.fallback } : {}),
    };
    const sets = index.datasets().map((d) => `${d} (${index.entries(d).length} cells)`);
    const how =
      loaded.mode === 'workers'
        ? ` (${loaded.logs} logs read on ${loaded.workers} worker thread${loaded.workers === 1 ? '' : 's'})`
        : loaded.mode === 'main-thread'
          ? ` (${loaded.logs} logs read on the extension host${loaded.fallback ? `: ${loaded.fallback}` : ''})`
          : '';
    this.log.info(
      `benchmark loaded in ${ms.toFixed(0)} ms${how}: ${sets.join(', ') || 'no datasets'}${sources.length ? ` from the bundled index and ${sources.map((s) => s.path).join(', ')}` : ''}`,
    );
    const warnings = index.warnings;
    if (warnings.length) {
      this.log.warn(`${warnings.length} benchmark file(s) skipped`);
      for (const w of warnings.slice(0, 50)) this.log.warn(`  ${w.file}: ${w.message}`);
    }
    this.status.text = `$(database) ${index.datasets().join(' · ') || 'no benchmark'}`;
    this.status.tooltip = new vscode.MarkdownString(
      `**Cell Lens benchmark**\n\n${sets.map((s) => `- ${s}`).join('\n') || 'No datasets loaded.'}\n\nSettings: \`cellLens.benchmark.logPaths\``,
    );
    await this.calibrate(index);
    if (abort.signal.aborted) return this.stale();
    this.index = index;
    this.abort = undefined;
    this.changed.fire();
    return index;
  }

  /** The calibration verdicts read, chosen for the loaded datasets at the last load or {@link recalibrate}. */
  calibration: Calibration | undefined;

  /** Reads `cellLens.calibrations` again and picks for the loaded index; fires onDidChange when the choice changed. */
  async recalibrate(): Promise<void> {
    if (this.index && (await this.calibrate(this.index)) && !this.disposed) this.changed.fire();
  }

  /** Loads the calibration files and makes the one for `index`'s datasets active; whether the active one changed. */
  private async calibrate(index: BenchmarkIndex): Promise<boolean> {
    const loaded: Calibration[] = [];
    for (const file of calibrationPaths()) {
      try {
        loaded.push(parseCalibration(await fs.readFile(file, 'utf8'), file));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        this.log.warn(`calibration ${file} not used: ${code ? `cannot read it (${code})` : (e as Error).message}`);
      }
    }
    const chosen = calibrationFor(index.datasets(), loaded);
    this.calibration = chosen;
    for (const c of loaded)
      if (c !== chosen && !index.datasets().includes(c.dataset))
        this.log.info(`calibration ${c.source} (${c.dataset}) not used: no ${c.dataset} logs are loaded`);
    if (!chosen.bundled) {
      const sizes = Object.entries(chosen.reference.presets).map(
        ([preset, p]) => `${formatInteger(p?.nCells ?? 0)} ${chosen.dataset} cells at the ${preset} preset`,
      );
      this.log.info(`calibration: percentiles and predicted loss of ${sizes.join(', ')} (${chosen.source})`);
    }
    return useCalibration(chosen);
  }

  /**
   * What a caller of a load that a reload made stale gets: the newer load's index. After dispose, an empty
   * index (never a rejection: `peek` starts loads without awaiting them).
   */
  private stale(): Promise<BenchmarkIndex> {
    return this.disposed ? Promise.resolve(BenchmarkIndex.empty()) : this.get();
  }

  dispose(): void {
    this.disposed = true;
    this.abort?.abort();
    this.changed.dispose();
  }
}
