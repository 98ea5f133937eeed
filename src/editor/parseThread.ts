/**
 * Parsing big documents off the extension host: one worker thread (`parseWorker.ts`, started on the first big
 * document, stopped when idle) parses with recipe/parse `parseDocument`, and this side pulls the cells in slices of
 * about {@link SLICE_CHARS} source characters, one reply at a time, so that no single message takes long to
 * receive (see `parseProtocol.ts`). The result equals `parseDocument(text)`: the parser's output is plain data and
 * travels as a structured clone. Pure Node code, no `vscode` import.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Cell, ParsedDocument } from '../recipe/types';
import { isParseReply, PARSE_PROTOCOL_VERSION, type ParseReply, type ParseRequest } from './parseProtocol';

/**
 * Source characters per slice: about 40 cells of a pretty-printed candidates file, a few milliseconds to receive
 * (a cell's clone is about three times its source and costs ~70 µs per kB to deserialise on a slow machine).
 */
export const SLICE_CHARS = 32_000;
/** The worker stops after this long without work (it starts again in a few tens of milliseconds). */
const IDLE_STOP_MS = 60_000;

/** The worker entry: `parseWorker.js` beside the bundle (dist/), or `parseWorker.ts` beside this file (sources, under tsx). */
export function parseWorkerScript(): string | undefined {
  return [join(__dirname, 'parseWorker.js'), join(__dirname, 'parseWorker.ts')].find((p) => existsSync(p));
}

function abortError(): Error {
  const e = new Error('parse aborted');
  e.name = 'AbortError';
  return e;
}

/** A slice of a parse's cells as this side received it: one reply of the worker. */
export interface ReceivedSlice {
  /** The parse (the request id). */
  readonly id: number;
  /** Index of the slice's first cell. */
  readonly start: number;
  readonly cells: number;
  /** Source characters of those cells, as the worker counts them when it cuts a slice (see {@link SLICE_CHARS}). */
  readonly chars: number;
}

interface Pending {
  readonly resolve: (p: ParsedDocument) => void;
  readonly reject: (e: Error) => void;
  readonly cells: Cell[];
  total: number;
  diagnostics: ParsedDocument['diagnostics'];
}

export class ParseThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly sliceListeners = new Set<(s: ReceivedSlice) => void>();

  constructor(private readonly script: string) {}

  /** Fires for each slice of cells received from the worker (how the work on this side is cut: the log, tests). */
  onDidReceiveSlice(listener: (s: ReceivedSlice) => void): { dispose(): void } {
    this.sliceListeners.add(listener);
    return {
      dispose: () => {
        this.sliceListeners.delete(listener);
      },
    };
  }

  /**
   * `parseDocument(text)`, computed on the worker. Rejects when the worker fails (the caller parses itself then),
   * and with an `AbortError` when `signal` aborts (the worker forgets the parse).
   */
  parse(text: string, signal?: AbortSignal): Promise<ParsedDocument> {
    if (this.disposed) return Promise.reject(new Error('the parse thread is disposed'));
    if (signal?.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<ParsedDocument>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        if (this.worker) this.worker.postMessage({ type: 'drop', id } satisfies ParseRequest);
        reject(abortError());
        this.idle();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (p) => {
          done();
          resolve(p);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        cells: [],
        total: 0,
        diagnostics: [],
      });
      this.busy();
      this.send({ type: 'parse', protocol: PARSE_PROTOCOL_VERSION, id, text });
    });
  }

  dispose(): void {
    this.disposed = true;
    this.stop(new Error('the parse thread is disposed'));
  }

  private send(m: ParseRequest): void {
    this.start().postMessage(m);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // A malformed document may make the parser use a lot of memory: the limit turns that into an error of the
    // worker (and a parse on the host) instead of taking the extension host down.
    const resourceLimits = { maxOldGenerationSizeMb: 1024 };
    let w: Worker;
    if (this.script.endsWith('.ts')) {
      // From the sources (tests, benches under tsx): the worker registers tsx's require hook before loading the entry.
      // (The name is not a literal so that bundlers leave it alone: a bundle never starts a .ts worker.)
      const tsxCjs = require.resolve(['tsx', 'cjs'].join('/'));
      w = new Worker(this.script, { resourceLimits, execArgv: ['--require', tsxCjs] });
    } else {
      w = new Worker(this.script, { resourceLimits });
    }
    w.on('message', (m: unknown) => this.receive(m));
    w.on('error', (e) => {
      if (this.worker === w) this.stop(e);
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.stop(new Error(`the parse worker exited (code ${code})`));
    });
    this.worker = w;
    return w;
  }

  /** Work in flight keeps the process alive (a test, the CLI); an idle worker does not, and stops after a while. */
  private busy(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.start().ref();
  }

  private idle(): void {
    if (this.pending.size > 0 || !this.worker) return;
    this.worker.unref();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.pending.size === 0) this.stop();
    }, IDLE_STOP_MS);
    this.idleTimer.unref?.();
  }

  private stop(error?: Error): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error ?? new Error('the parse worker stopped'));
  }

  private receive(m: unknown): void {
    if (!isParseReply(m)) {
      this.stop(new Error('the parse worker sent a malformed message'));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    const r: ParseReply = m;
    switch (r.type) {
      case 'error':
        this.pending.delete(r.id);
        p.reject(new Error(`the parse worker: ${r.message}`));
        break;
      case 'parsed':
        p.total = r.cells;
        p.diagnostics = r.diagnostics;
        if (r.cells === 0) this.finish(r.id, p);
        else this.send({ type: 'slice', id: r.id, start: 0, maxChars: SLICE_CHARS });
        break;
      case 'cells':
        if (r.start !== p.cells.length) {
          this.pending.delete(r.id);
          p.reject(new Error(`the parse worker sent cells from ${r.start}, expected ${p.cells.length}`));
          break;
        }
        for (const c of r.cells) p.cells.push(c);
        if (this.sliceListeners.size > 0) {
          const chars = r.cells.reduce((n, c) => n + Math.max(1, c.span.end - c.span.start), 0);
          const slice = { id: r.id, start: r.start, cells: r.cells.length, chars };
          for (const l of [...this.sliceListeners]) {
            try {
              l(slice);
            } catch {
              // a listener's failure is its own: the parse goes on
            }
          }
        }
        if (p.cells.length >= p.total) this.finish(r.id, p);
        else this.send({ type: 'slice', id: r.id, start: p.cells.length, maxChars: SLICE_CHARS });
        break;
    }
    this.idle();
  }

  private finish(id: number, p: Pending): void {
    this.pending.delete(id);
    p.resolve({ cells: p.cells, diagnostics: p.diagnostics });
  }
}
