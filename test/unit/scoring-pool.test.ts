/**
 * The pool of scoring processes: cells in flight on every worker, FIFO beyond that, a crashed or hung worker loses
 * only its cell (retried once on a fresh process), cancellation reaches waiting and running cells, idle workers stop
 * and start again on demand; with real processes, the same values as one worker, also after a worker is killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recipe } from '../../src/recipe/types';
import { ScoringError, type ScoringClientOptions, type ScoringStatus } from '../../src/process/client';
import { ScoringPool, defaultWorkers, gramHelpersPerProcess, type PoolClient } from '../../src/process/pool';
import type { ScoreReport, ScoreSettings } from '../../src/scoring/types';
import { RNN, TINY, TSX_ARGV, WORKER_TS } from '../fixtures/scoring/helpers';
import { recordPool } from '../helpers/pool-events';

/** A fake client: each request waits for the test to settle it. */
class FakeClient implements PoolClient {
  static made: FakeClient[] = [];
  readonly pending: {
    recipe: Recipe;
    resolve: (r: ScoreReport) => void;
    reject: (e: Error) => void;
    signal?: AbortSignal;
  }[] = [];
  disposed = false;
  readonly pid = 1000 + FakeClient.made.length;
  constructor() {
    FakeClient.made.push(this);
  }
  score(recipe: Recipe, settings: ScoreSettings, opts: { signal?: AbortSignal } = {}): Promise<ScoreReport> {
    return new Promise((resolve, reject) => {
      this.pending.push({ recipe, resolve, reject, signal: opts.signal });
      opts.signal?.addEventListener('abort', () => reject(new ScoringError('cancelled', 'cancelled')), { once: true });
    });
  }
  dispose(): void {
    this.disposed = true;
  }
}

const report = (hash: string): ScoreReport => ({ hash, settings: TINY, backend: 'cpu', results: [], totalMs: 1 });
const cell = (k: string): Recipe => ({
  [k]: { op: 'linear', input: ['x', 'h_prev_0'] },
  h_new_0: { op: 'activation_tanh', input: [k] },
});

test("N workers: N cells in flight at once, the rest wait in order; a crash is retried once on the slot's fresh process", async () => {
  FakeClient.made = [];
  const logs: string[] = [];
  const pool = new ScoringPool({
    workers: 2,
    workerPath: 'x',
    makeClient: () => new FakeClient(),
    idleStopMs: 0,
    log: (_l, m) => logs.push(m),
  });
  const rec = recordPool(pool);
  const results = ['a', 'b', 'c'].map((k) => pool.score(cell(k), TINY, { hash: k }));
  await rec.started(2);
  assert.equal(FakeClient.made.length, 2);
  assert.deepEqual(
    FakeClient.made.map((c) => c.pending.length),
    [1, 1],
    'two in flight, the third waits',
  );
  // Worker 0 crashes on cell a: a is retried (on the same slot, whose client restarts its process).
  FakeClient.made[0].pending.shift()!.reject(new ScoringError('crash', 'The scoring process was killed (SIGKILL)'));
  await rec.started(2, 'a');
  assert.ok(logs.some((l) => /retrying the cell on a fresh process/.test(l)));
  assert.equal(FakeClient.made[0].pending[0].recipe.a ? 'a' : '?', 'a', 'a is retried first (it holds the slot)');
  FakeClient.made[0].pending.shift()!.resolve(report('a'));
  FakeClient.made[1].pending.shift()!.resolve(report('b'));
  await rec.started(1, 'c');
  const third = FakeClient.made.filter((c) => c.pending.length);
  assert.equal(third.length, 1);
  assert.equal(third[0].pending.length, 1);
  third[0].pending.shift()!.resolve(report('c'));
  assert.deepEqual(
    (await Promise.all(results)).map((r) => r.hash),
    ['a', 'b', 'c'],
  );
  // A second crash of the same cell is not retried again: the error reaches the caller.
  const d = pool.score(cell('d'), TINY, { hash: 'd' });
  const dFails = assert.rejects(d, /hung/);
  await rec.started(1, 'd');
  const slotOf = () => FakeClient.made.find((c) => c.pending.length)!;
  slotOf().pending.shift()!.reject(new ScoringError('timeout', 'hung'));
  await rec.started(2, 'd');
  slotOf().pending.shift()!.reject(new ScoringError('timeout', 'hung'));
  await dFails;
  // An invalid cell is not retried.
  const e = pool.score(cell('e'), TINY, { hash: 'e' });
  const eFails = assert.rejects(e, /bad cell/);
  await rec.started(1, 'e');
  slotOf().pending.shift()!.reject(new ScoringError('invalid', 'bad cell'));
  await eFails;
  pool.dispose();
  assert.ok(FakeClient.made.every((c) => c.disposed));
});

test('cancellation reaches running and waiting cells; dispose rejects what waits', async () => {
  FakeClient.made = [];
  const pool = new ScoringPool({ workers: 1, workerPath: 'x', makeClient: () => new FakeClient(), idleStopMs: 0 });
  const rec = recordPool(pool);
  const ac = new AbortController();
  const running = pool.score(cell('a'), TINY, { signal: ac.signal, hash: 'a' });
  const waiting = pool.score(cell('b'), TINY, { signal: ac.signal, hash: 'b' });
  const other = pool.score(cell('c'), TINY, { hash: 'c' });
  void other.catch(() => undefined);
  const cancelled = (e: unknown) => e instanceof ScoringError && e.kind === 'cancelled';
  const both = Promise.all([assert.rejects(running, cancelled), assert.rejects(waiting, cancelled)]);
  await rec.started(1, 'a');
  ac.abort();
  await both;
  await rec.started(1, 'c');
  assert.deepEqual(
    rec.starts().map((e) => e.hash),
    ['a', 'c'],
    'the waiting cell never reached a worker',
  );
  assert.equal(FakeClient.made[0].pending.at(-1)!.recipe.c !== undefined, true, 'the next cell runs');
  const last = pool.score(cell('d'), TINY);
  const lastFails = assert.rejects(last, (e: unknown) => e instanceof ScoringError && e.kind === 'disposed');
  pool.dispose();
  await lastFails;
});

test('idle workers give their memory back and start again on demand', async () => {
  FakeClient.made = [];
  const pool = new ScoringPool({ workers: 2, workerPath: 'x', makeClient: () => new FakeClient(), idleStopMs: 30 });
  const rec = recordPool(pool);
  const p = pool.score(cell('a'), TINY, { hash: 'a' });
  await rec.started(1, 'a');
  FakeClient.made[0].pending.shift()!.resolve(report('a'));
  await p;
  assert.equal(pool.running, 1);
  await rec.when((es) => es.some((e) => e.type === 'idle-stop'));
  assert.equal(pool.running, 0, 'stopped after idleStopMs');
  assert.ok(FakeClient.made[0].disposed);
  assert.deepEqual(
    rec.events.filter((e) => e.type === 'idle-stop'),
    [{ type: 'idle-stop', slot: 0, pid: FakeClient.made[0].pid }],
  );
  const q = pool.score(cell('b'), TINY, { hash: 'b' });
  await rec.started(1, 'b');
  assert.equal(FakeClient.made.length, 2, 'a fresh process on demand');
  FakeClient.made[1].pending.shift()!.resolve(report('b'));
  await q;
  pool.dispose();
});

test('default worker count: the cores, bounded by the memory a process of the preset needs', () => {
  const full = { embed: 400, hidden: 600, vocab: 10000 };
  const proxy = { embed: 32, hidden: 48, vocab: 1000 };
  assert.equal(defaultWorkers(full, 2, 24 * 2 ** 30), 2);
  assert.equal(defaultWorkers(full, 16, 5 * 2 ** 30), 2, '2 GB per full-size process');
  assert.equal(defaultWorkers(full, 16, 1 * 2 ** 30), 1, 'never below one');
  assert.equal(defaultWorkers(proxy, 16, 5 * 2 ** 30), 16);
});

test(
  'real processes: two workers give the values of one; a worker killed mid-cell loses nothing (its cell is retried)',
  { timeout: 240_000 },
  async () => {
    const settings: ScoreSettings = {
      vocab: 200,
      embed: 48,
      hidden: 64,
      layers: 2,
      seqLen: 20,
      batch: 8,
      seed: 0,
      repeats: 1,
      scores: ['params', 'naswot', 'ntk_cond', 'hidden_cov', 'zen'],
      backend: 'cpu',
    };
    const cells = ['a', 'b', 'c', 'd'].map(cell).concat([RNN]);
    const opts = {
      workerPath: WORKER_TS,
      execArgv: [...TSX_ARGV],
      backend: 'cpu' as const,
      idleStopMs: 0,
      timeoutMs: 120_000,
    };
    const one = new ScoringPool({ ...opts, workers: 1 });
    const want = [];
    for (const c of cells) want.push(await one.score(c, settings));
    one.dispose();
    const logs: string[] = [];
    const two = new ScoringPool({ ...opts, workers: 2, log: (_l, m) => logs.push(m) });
    const rec = recordPool(two);
    // Kill one worker while it scores: the process of the first cell that reports progress, at that report.
    let killed: number | undefined;
    const killOnProgress = (hash: string) => () => {
      if (killed !== undefined) return;
      killed = rec.starts(hash).at(-1)!.pid!;
      process.kill(killed, 'SIGKILL');
    };
    const got = Promise.all(
      cells.map((c, i) => two.score(c, settings, { hash: String(i), onProgress: killOnProgress(String(i)) })),
    );
    const reports = await got;
    two.dispose();
    assert.ok(killed, 'a worker was killed mid-cell');
    assert.ok(
      rec.ends().some((e) => e.pid === killed && e.error === 'crash'),
      `the killed worker's cell failed on it: ${JSON.stringify(rec.ends())}`,
    );
    const values = (rs: ScoreReport[]) => rs.map((r) => r.results.map((x) => [x.id, x.value]));
    assert.deepEqual(values(reports), values(want), 'the same values as one worker');
    assert.ok(
      logs.some((l) => /killed.*retrying the cell/.test(l)),
      `the killed worker's cell was retried: ${logs.join(' | ')}`,
    );
  },
);

test('each scoring process gets the Gram helper threads of the cores it has to itself; an explicit setting wins', async () => {
  assert.equal(gramHelpersPerProcess(1, 2), 1);
  assert.equal(gramHelpersPerProcess(2, 2), 0);
  assert.equal(gramHelpersPerProcess(3, 2), 0);
  assert.equal(gramHelpersPerProcess(2, 16), 7);
  assert.equal(gramHelpersPerProcess(0, 4), 3);
  const saved = process.env.CELL_LENS_GRAM_THREADS;
  delete process.env.CELL_LENS_GRAM_THREADS;
  try {
    const envs: (Readonly<Record<string, string>> | undefined)[] = [];
    const make = (o: { env?: Readonly<Record<string, string>> }) => {
      envs.push(o.env);
      return new FakeClient();
    };
    const two = new ScoringPool({ workers: 2, workerPath: 'x', makeClient: make, idleStopMs: 0, env: { OTHER: '1' } });
    const p = two.score(cell('a'), TINY, { hash: 'a' });
    await recordPool(two).started(1);
    assert.equal(envs[0]?.CELL_LENS_GRAM_THREADS, String(gramHelpersPerProcess(2)));
    assert.equal(envs[0]?.OTHER, '1', "the caller's env is kept");
    FakeClient.made.at(-1)!.pending[0].resolve(report('a'));
    await p;
    two.dispose();
    const fixed = new ScoringPool({
      workers: 2,
      workerPath: 'x',
      makeClient: make,
      idleStopMs: 0,
      env: { CELL_LENS_GRAM_THREADS: '5' },
    });
    const q = fixed.score(cell('b'), TINY, { hash: 'b' });
    await recordPool(fixed).started(1);
    assert.equal(envs.at(-1)?.CELL_LENS_GRAM_THREADS, '5');
    FakeClient.made.at(-1)!.pending[0].resolve(report('b'));
    await q;
    fixed.dispose();
  } finally {
    if (saved !== undefined) process.env.CELL_LENS_GRAM_THREADS = saved;
  }
});

/** A fake with the rest of a ScoringClient the editor uses: backend, restart, study, state listeners. */
class FullFake extends FakeClient {
  readonly backends: string[] = [];
  restarts = 0;
  readonly studies: ((r: never) => void)[] = [];
  private readonly stateListeners: ((s: ScoringStatus) => void)[] = [];
  constructor(readonly opts: ScoringClientOptions) {
    super();
  }
  setBackend(b: string): void {
    this.backends.push(b);
  }
  restart(): void {
    this.restarts++;
  }
  study(): Promise<never> {
    return new Promise((resolve) => this.studies.push(resolve));
  }
  onStateChange(l: (s: ScoringStatus) => void) {
    this.stateListeners.push(l);
    return { dispose: () => undefined };
  }
  setState(s: ScoringStatus): void {
    for (const l of this.stateListeners) l(s);
  }
}

test("the editor's pool: grows and shrinks with `workers`, keeps its first process, replaces processes whose settings changed, restarts, runs the study, passes states on", async () => {
  FakeClient.made = [];
  const pool = new ScoringPool({
    workers: 1,
    keepAlive: 1,
    idleStopMs: 20,
    workerPath: 'x',
    timeoutMs: 1000,
    makeClient: (o) => new FullFake(o),
  });
  const rec = recordPool(pool);
  const fake = (pid: number | undefined) => FakeClient.made.find((c) => c.pid === pid) as FullFake;
  const settle = (hash: string) => {
    const c = fake(rec.starts(hash).at(-1)!.pid);
    c.pending.find((p) => p.recipe[hash])!.resolve(report(hash));
  };
  // Grow: three cells at once on three processes.
  pool.configure({ workers: 3 });
  assert.equal(pool.size, 3);
  const batch = ['b', 'c', 'd'].map((k) => pool.score(cell(k), TINY, { hash: k }));
  await rec.started(3);
  assert.deepEqual(
    rec
      .starts()
      .map((e) => e.slot)
      .sort(),
    [0, 1, 2],
  );
  // Shrink while all three are busy: the two beyond the new count go when their cells are done.
  pool.configure({ workers: 1 });
  assert.equal(pool.size, 1);
  assert.equal(pool.running, 3, 'busy processes finish their cells');
  for (const k of ['b', 'c', 'd']) settle(k);
  await Promise.all(batch);
  assert.equal(pool.running, 1);
  const [first, ...gone] = ['b', 'c', 'd'].map((k) => rec.starts(k)[0]).sort((x, y) => x.slot - y.slot);
  assert.ok(gone.every((e) => fake(e.pid).disposed) && !fake(first.pid).disposed);
  // Idle stop: of the second process only (both idle as long; the first's timer would have fired first).
  pool.configure({ workers: 2 });
  const pair = ['e', 'f'].map((k) => pool.score(cell(k), TINY, { hash: k, split: false }));
  await rec.started(5);
  settle('e');
  settle('f');
  await Promise.all(pair);
  await rec.when((es) => es.some((e) => e.type === 'idle-stop'));
  assert.deepEqual(
    rec.events.filter((e) => e.type === 'idle-stop').map((e) => e.type === 'idle-stop' && e.slot),
    [1],
    'the first process is kept',
  );
  assert.equal(pool.running, 1);
  // The backend reaches running processes; other settings replace them (a busy one when its cell is done).
  pool.configure({ backend: 'cpu' });
  const kept = fake(pool.pids[0]);
  assert.deepEqual(kept.backends, ['cpu']);
  const g = pool.score(cell('g'), TINY, { hash: 'g' });
  await rec.started(1, 'g');
  pool.configure({ timeoutMs: 2000 });
  assert.equal(kept.disposed, false, 'busy: replaced when its cell is done');
  settle('g');
  await g;
  assert.equal(kept.disposed, true);
  assert.equal(pool.running, 0);
  const h = pool.score(cell('h'), TINY, { hash: 'h' });
  await rec.started(1, 'h');
  const fresh = fake(rec.starts('h')[0].pid);
  assert.equal(fresh.opts.timeoutMs, 2000, 'a new process with the new settings');
  assert.equal(fresh.opts.backend, 'cpu');
  settle('h');
  await h;
  // Restart: every running process, and the first in any case.
  pool.restart();
  assert.equal(fresh.restarts, 1);
  // The study on a free process.
  const study = pool.study([], {});
  await rec.when((es) => es.some((e) => e.type === 'job-start' && e.job === 'study'));
  fresh.studies[0]({ ok: true } as never);
  assert.deepEqual(await study, { ok: true });
  // The first process's state changes are events.
  fresh.setState({ state: 'crashed', restarts: 0, lastError: 'gone' });
  assert.deepEqual(rec.events.at(-1), {
    type: 'state',
    slot: 0,
    status: { state: 'crashed', restarts: 0, lastError: 'gone' },
  });
  assert.equal(pool.statusOf(0), undefined, 'a fake without status');
  pool.dispose();
});
