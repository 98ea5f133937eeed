/**
 * Live scoring: the predicted loss follows the edit. After a pause in typing ({@link LIVE_DELAY_MS}) the cells of
 * an edited cell document whose canonical hash is new — an edit that keeps the canonical cell (a renamed node, inputs
 * of a sum reordered, spaces) changes nothing — are scored at the proxy preset (ScoringService.scoreLive: no
 * notification, the one progress state, the cache first). When the text changes again the pause starts over and the
 * work of the previous pause is cancelled (the pool's cancel). The lenses and the graph panel follow the service's
 * report events as for any other report; while the JSON or a cell is invalid nothing is scored and the lenses of the
 * last valid version stay, marked stale (src/editor/providers.ts).
 *
 * Off with `cellLens.scoring.live`, and in an untrusted workspace.
 */
import * as vscode from 'vscode';
import { hashCells, invalidJson, type AnalysisCache, type AnalysedCell } from './analysis';
import { liveScoring } from './config';
import { targetOf } from './scoringCommands';
import type { ScoringService } from './scoringService';

/** The pause in typing (ms) after which the edited cells are scored. */
export const LIVE_DELAY_MS = 400;

/**
 * More new cells than this after one pause (a paste of many cells, a file replaced) are not scored live: Score All
 * Cells in This File scores them, with its progress and its estimate.
 */
export const MAX_LIVE_CELLS = 4;

/** When the pause is over: `setTimeout` in the editor; tests drive it by hand. */
export interface LiveScheduler {
  schedule(run: () => void, ms: number): { cancel(): void };
}

/** The scheduler of the editor: a timer that does not keep the process alive. */
export const timerScheduler: LiveScheduler = {
  schedule(run, ms) {
    const t = setTimeout(run, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

export interface LiveScoringOptions {
  readonly cache: AnalysisCache;
  readonly service: ScoringService;
  readonly log: vscode.LogOutputChannel;
  /** Default {@link timerScheduler}. */
  readonly scheduler?: LiveScheduler;
}

/** What one pause's work did (tests and the bench wait for it; the log says it in words). */
export interface LivePass {
  readonly uri: string;
  readonly version: number;
  /**
   * `scored`: the new cells were scored (or found in the cache; a failure is logged); `unchanged`: no canonical hash
   * is new; `invalid-json`: nothing to score, the lenses stay, stale; `too-many`: more than {@link MAX_LIVE_CELLS}
   * new cells; `superseded`: the text changed again (or the document closed) before the work ended.
   */
  readonly outcome: 'scored' | 'unchanged' | 'invalid-json' | 'too-many' | 'superseded';
  /** Canonical hashes of the cells found new (those scored, for `scored`). */
  readonly hashes: readonly string[];
}

/** One document's state: the hashes of its last valid version, the pause under way, the work of the last pause. */
interface DocState {
  /** Canonical hashes of the valid cells of the last version seen (undefined before the first edit). */
  known?: ReadonlySet<string>;
  pause?: { cancel(): void };
  work?: AbortController;
}

export class LiveScoring implements vscode.Disposable {
  private readonly docs = new Map<string, DocState>();
  private readonly subs: vscode.Disposable[];
  private readonly scheduler: LiveScheduler;
  private readonly passes = new vscode.EventEmitter<LivePass>();
  /** Fires when the work of a pause in typing ends, whatever it did. */
  readonly onDidPass = this.passes.event;

  constructor(private readonly opts: LiveScoringOptions) {
    this.scheduler = opts.scheduler ?? timerScheduler;
    this.subs = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.edited(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('cellLens.scoring.live')) return;
        const on = liveScoring();
        opts.log.info(`live scoring ${on ? 'on' : 'off'} (cellLens.scoring.live)`);
        if (!on) this.stopAll();
      }),
    ];
  }

  /** The text of a document changed: the pause starts (over), the work of the last pause is cancelled. */
  private edited(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (!liveScoring() || !this.opts.service.trusted || !this.opts.cache.isCellDocument(doc)) {
      this.forget(key);
      return;
    }
    let st = this.docs.get(key);
    if (!st) {
      // The version before this edit, as the cache last analysed it (its cells' hashes, where known: the lenses
      // shown hash them; a cell never hashed counts as new).
      const before = this.opts.cache.peek(doc.uri);
      st = {
        known: new Set(before ? before.cells.filter((c) => c.valid && c.hashed).map((c) => c.hash) : []),
      };
      this.docs.set(key, st);
    }
    this.cancelWork(st);
    st.pause?.cancel();
    st.pause = this.scheduler.schedule(() => {
      st.pause = undefined;
      const uri = doc.uri.toString(),
        version = doc.version;
      void this.scoreEdited(doc, st).then(
        (p) => this.passes.fire({ uri, version, ...p }),
        (e: unknown) => this.opts.log.warn(`live: ${String(e)}`),
      );
    }, LIVE_DELAY_MS);
  }

  /** The pause is over: score the cells whose canonical hash is new. */
  private async scoreEdited(doc: vscode.TextDocument, st: DocState): Promise<Omit<LivePass, 'uri' | 'version'>> {
    const superseded = { outcome: 'superseded', hashes: [] } as const;
    if (doc.isClosed || !liveScoring() || !this.opts.service.trusted) return superseded;
    const work = new AbortController();
    st.work = work;
    const version = doc.version;
    const a = await this.opts.cache.analyse(doc);
    // Changed again meanwhile: that edit's pause scores it.
    if (!a || work.signal.aborted || a.version !== version) return superseded;
    const name = `${doc.uri.toString()} v${version}`;
    if (invalidJson(a)) {
      this.opts.log.trace(`live: ${name}: invalid JSON, nothing scored (the lenses stay, stale)`);
      return { outcome: 'invalid-json', hashes: [] };
    }
    const valid = a.cells.filter((c) => c.valid);
    let hashes: string[];
    try {
      hashes = await hashCells(valid, { signal: work.signal });
    } catch {
      return superseded;
    }
    const known = st.known ?? new Set<string>();
    const fresh = new Map<string, AnalysedCell>();
    for (const [i, h] of hashes.entries()) if (!known.has(h) && !fresh.has(h)) fresh.set(h, valid[i]);
    // The next pause compares with this version — and, while a cell has errors (an op half typed), with the last
    // version too, so that the cell typed back as it was is not new. A new cell counts as known once its work is
    // done (a cell whose scoring the next edit cancels is still new then, whatever that edit changed).
    const invalid = a.cells.length - valid.length;
    const next = new Set(invalid ? [...known, ...hashes] : hashes);
    if (fresh.size <= MAX_LIVE_CELLS) for (const h of fresh.keys()) next.delete(h);
    st.known = next;
    if (fresh.size === 0) {
      this.opts.log.trace(
        `live: ${name}: no cell changed canonically${invalid ? ` (${invalid} with errors: their lenses stay, stale)` : ''}`,
      );
      return { outcome: 'unchanged', hashes: [] };
    }
    if (fresh.size > MAX_LIVE_CELLS) {
      this.opts.log.info(
        `live: ${fresh.size} cells of ${name} changed at once; not scored live (Score All Cells in This File scores them)`,
      );
      return { outcome: 'too-many', hashes: [...fresh.keys()] };
    }
    for (const c of fresh.values()) {
      if (work.signal.aborted) return superseded;
      const t = targetOf(doc.uri, c);
      this.opts.log.debug(`live: ${t.label} changed (${c.hash.slice(0, 12)}): scoring at the proxy preset`);
      await this.opts.service.scoreLive(t, work.signal);
      if (!work.signal.aborted) next.add(c.hash);
    }
    if (work.signal.aborted) return superseded;
    if (st.work === work) st.work = undefined;
    return { outcome: 'scored', hashes: [...fresh.keys()] };
  }

  private cancelWork(st: DocState): void {
    st.work?.abort();
    st.work = undefined;
  }

  private forget(key: string): void {
    const st = this.docs.get(key);
    if (!st) return;
    st.pause?.cancel();
    this.cancelWork(st);
    this.docs.delete(key);
  }

  private stopAll(): void {
    for (const key of [...this.docs.keys()]) this.forget(key);
  }

  dispose(): void {
    this.stopAll();
    this.passes.dispose();
    for (const s of this.subs) s.dispose();
  }
}
