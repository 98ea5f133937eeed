/**
 * Records what a scoring pool did (its {@link PoolEvent}s: which process took which part of which cell), so tests
 * wait for and assert on events instead of polling process ids on a timer.
 */
import type { PoolEvent } from '../../src/process/pool';

type JobStart = Extract<PoolEvent, { type: 'job-start' }>;
type JobEnd = Extract<PoolEvent, { type: 'job-end' }>;

export interface PoolRecord {
  readonly events: PoolEvent[];
  /** Resolves once `ok(events so far)` holds: checked now and on each event (no timer). */
  when(ok: (events: readonly PoolEvent[]) => boolean): Promise<void>;
  /** Resolves once `n` requests (of the cell `hash`, when given) have started since recording began. */
  started(n: number, hash?: string): Promise<void>;
  /** The started requests (of the cell `hash`, when given). */
  starts(hash?: string): JobStart[];
  /** The answered requests (of the cell `hash`, when given). */
  ends(hash?: string): JobEnd[];
  dispose(): void;
}

export function recordPool(pool: { onEvent(l: (e: PoolEvent) => void): { dispose(): void } }): PoolRecord {
  const events: PoolEvent[] = [];
  const waits: { ok: (es: readonly PoolEvent[]) => boolean; resolve: () => void }[] = [];
  // While a test waits for an event, keep the event loop alive: the pool's own timers (idle stop) are unref'd so that
  // a CLI can exit, and node's test runner cancels a test whose loop has nothing left to do. No time is measured.
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const settle = () => {
    if (waits.length === 0 && keepAlive) {
      clearInterval(keepAlive);
      keepAlive = undefined;
    }
  };
  const sub = pool.onEvent((e) => {
    events.push(e);
    for (const w of [...waits])
      if (w.ok(events)) {
        waits.splice(waits.indexOf(w), 1);
        w.resolve();
      }
    settle();
  });
  const of = (e: PoolEvent, hash?: string) => hash === undefined || ('hash' in e && e.hash === hash);
  const starts = (hash?: string) => events.filter((e): e is JobStart => e.type === 'job-start' && of(e, hash));
  const ends = (hash?: string) => events.filter((e): e is JobEnd => e.type === 'job-end' && of(e, hash));
  const when = (ok: (es: readonly PoolEvent[]) => boolean) =>
    ok(events)
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          waits.push({ ok, resolve });
          keepAlive ??= setInterval(() => undefined, 60_000);
        });
  return {
    events,
    when,
    started: (n, hash) => when(() => starts(hash).length >= n),
    starts,
    ends,
    dispose: () => {
      sub.dispose();
      waits.length = 0;
      settle();
    },
  };
}
