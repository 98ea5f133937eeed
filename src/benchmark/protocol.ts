/**
 * The protocol between the benchmark loader (`background.ts`, on the extension host or the CLI's main thread) and
 * its worker threads (`worker.ts` → `dist/benchmarkWorker.js`). A worker gets a {@link LoadJob} as `workerData`,
 * reads its share of every source (items shard, shard + shards, …) and posts {@link LoadMessage}s; messages are
 * checked on receipt ({@link isLoadMessage}) so a worker of another version is told apart from a bug.
 * Pure Node code, no `vscode` import.
 */
import type { LogOutcome, LogSource } from './sources';

/** Version of this protocol; a worker answers a job of another version with an error message. */
export const LOAD_PROTOCOL_VERSION = 1;

/** What a worker is asked to do (its `workerData`). */
export interface LoadJob {
  readonly version: number;
  readonly sources: readonly LogSource[];
  /** This worker reads the items shard, shard + shards, shard + 2·shards, … of every source. */
  readonly shard: number;
  readonly shards: number;
  /**
   * Per source: the bytes of a zip source, read once by the loader into shared memory for all workers;
   * undefined where the worker opens the source itself (folders, single files, a zip that cannot be read).
   */
  readonly zips: readonly (SharedArrayBuffer | undefined)[];
}

/** Messages from a worker, in this order per source: `source`, then `outcomes` (any number); `done` at the end. */
export type LoadMessage =
  /** Source `source` is open and holds `items` logs (every worker sends it; the numbers agree). */
  | { readonly type: 'source'; readonly source: number; readonly items: number }
  /** Outcomes of source `source` (shard 0 also sends the source's prelude, `pos` −1, first). */
  | { readonly type: 'outcomes'; readonly source: number; readonly outcomes: readonly LogOutcome[] }
  /** Every source read. */
  | { readonly type: 'done' }
  /** The job could not be done (a bad job, an exception); the loader reads the logs itself instead. */
  | { readonly type: 'error'; readonly message: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Whether `v` is a well-formed {@link LoadJob} of this version (what a worker checks before it starts). */
export function isLoadJob(v: unknown): v is LoadJob {
  const j = v as Partial<LoadJob> | null;
  return (
    typeof j === 'object' &&
    j !== null &&
    j.version === LOAD_PROTOCOL_VERSION &&
    isInt(j.shard) &&
    isInt(j.shards) &&
    j.shards > 0 &&
    j.shard >= 0 &&
    j.shard < j.shards &&
    Array.isArray(j.sources) &&
    Array.isArray(j.zips) &&
    j.zips.length === j.sources.length &&
    j.zips.every((z) => z === undefined || z instanceof SharedArrayBuffer) &&
    j.sources.every(
      // the job is unknown data (Array.isArray made its sources any[]): each source's fields are checked
      (s: { readonly path?: unknown; readonly dataset?: unknown } | null) =>
        typeof s === 'object' &&
        s !== null &&
        typeof s.path === 'string' &&
        (s.dataset === undefined || typeof s.dataset === 'string'),
    )
  );
}

/** Whether `v` is a well-formed {@link LoadMessage} (outcomes are checked for their shape, not field by field). */
export function isLoadMessage(v: unknown): v is LoadMessage {
  const m = v as { type?: unknown; source?: unknown; items?: unknown; outcomes?: unknown; message?: unknown } | null;
  if (typeof m !== 'object' || m === null) return false;
  switch (m.type) {
    case 'source':
      return isInt(m.source) && isInt(m.items) && m.items >= 0;
    case 'outcomes':
      return (
        isInt(m.source) &&
        Array.isArray(m.outcomes) &&
        m.outcomes.every(
          (o: unknown) =>
            typeof o === 'object' &&
            o !== null &&
            isInt((o as LogOutcome).pos) &&
            ('run' in o || 'warning' in o || 'ignored' in o),
        )
      );
    case 'done':
      return true;
    case 'error':
      return typeof m.message === 'string';
    default:
      return false;
  }
}
