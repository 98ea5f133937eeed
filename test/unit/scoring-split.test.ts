/**
 * One cell on two cores: its scores split into the LM-pass half and the own-pass half (engine
 * `splitScoreSettings`), scored separately and joined (`mergeSplitReports`), give bit-identical values to one run;
 * the pool splits a lone cell over two idle workers, combines their progress, and stops the sibling half when one
 * half fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Recipe } from '../../src/recipe/types';
import { mergeSplitReports, scoreCell, splitScoreSettings } from '../../src/scoring/engine';
import { ScoringError } from '../../src/process/client';
import { ScoringPool, type PoolClient } from '../../src/process/pool';
import {
  DEFAULT_SCORE_IDS,
  SCORE_IDS,
  type ScoreProgress,
  type ScoreReport,
  type ScoreSettings,
} from '../../src/scoring/types';
import { EXAMPLES_PATH } from '../helpers/data';
import { recordPool } from '../helpers/pool-events';

const SMALL: ScoreSettings = {
  vocab: 120,
  embed: 16,
  hidden: 24,
  layers: 2,
  seqLen: 6,
  batch: 6,
  seed: 3,
  repeats: 2,
  scores: [...SCORE_IDS],
  backend: 'cpu',
};
const values = (r: ScoreReport) =>
  r.results.map((x) => [x.id, x.values.map((v) => (Object.is(v, -0) ? '-0' : String(v)))]);

test('split: the LM-pass half and the own-pass half cover every score once; one group alone does not split', () => {
  const [a, b] = splitScoreSettings({ ...SMALL, scores: [...DEFAULT_SCORE_IDS] })!;
  assert.ok(a.scores.includes('ntk_cond') && a.scores.includes('naswot') && a.scores.includes('params'));
  assert.ok(b.scores.includes('hidden_cov') && b.scores.includes('zen') && b.scores.includes('synflow'));
  assert.equal(a.scores.filter((s) => b.scores.includes(s)).length, 0, 'no score in both halves');
  assert.ok(!a.scores.includes('hybrid') && !b.scores.includes('hybrid'), 'derived scores are joined, not computed');
  assert.equal(splitScoreSettings({ ...SMALL, scores: ['naswot', 'ntk_cond'] }), undefined);
  assert.equal(splitScoreSettings({ ...SMALL, scores: ['zen'] }), undefined);
});

test('split: the joined report of two halves equals one run, value for value, for the example cells (2 repeats)', async () => {
  await tf.setBackend('cpu');
  const cells = (JSON.parse(readFileSync(EXAMPLES_PATH, 'utf8')) as Recipe[]).slice(0, 4);
  for (const [i, cell] of cells.entries()) {
    const one = await scoreCell(cell, SMALL);
    const halves = splitScoreSettings(SMALL)!;
    const parts = [await scoreCell(cell, halves[0]), await scoreCell(cell, halves[1])];
    const joined = mergeSplitReports(SMALL, parts, 1);
    assert.deepEqual(values(joined), values(one), `example ${i}`);
    assert.deepEqual(
      joined.results.map((r) => r.reason),
      one.results.map((r) => r.reason),
    );
    assert.deepEqual(
      joined.results.find((r) => r.id === 'hybrid')?.details,
      one.results.find((r) => r.id === 'hybrid')?.details,
    );
    assert.equal(joined.hash, one.hash);
  }
});

/** A fake client: each request waits for the test to settle it. */
class FakeClient implements PoolClient {
  readonly pending: {
    settings: ScoreSettings;
    resolve: (r: ScoreReport) => void;
    reject: (e: Error) => void;
    progress?: (p: ScoreProgress) => void;
    signal?: AbortSignal;
  }[] = [];
  readonly pid = 1;
  score(
    _r: Recipe,
    settings: ScoreSettings,
    opts: { signal?: AbortSignal; onProgress?: (p: ScoreProgress) => void } = {},
  ): Promise<ScoreReport> {
    return new Promise((resolve, reject) => {
      this.pending.push({ settings, resolve, reject, progress: opts.onProgress, signal: opts.signal });
      opts.signal?.addEventListener('abort', () => reject(new ScoringError('cancelled', 'cancelled')), { once: true });
    });
  }
  dispose(): void {
    /* nothing */
  }
}
const RNN: Recipe = { l: { op: 'linear', input: ['x', 'h_prev_0'] }, h_new_0: { op: 'activation_tanh', input: ['l'] } };
const result = (id: string, value: number, settings: ScoreSettings) =>
  ({ id, value, std: 0, values: [value], seed: 0, repeats: 1, wallMs: 1, backend: 'cpu', settings }) as never;

test("pool: a lone cell goes to both idle workers as two halves; progress adds up; the report is one run's", async () => {
  const made: FakeClient[] = [];
  const pool = new ScoringPool({
    workers: 2,
    workerPath: 'x',
    idleStopMs: 0,
    makeClient: () => {
      const c = new FakeClient();
      made.push(c);
      return c;
    },
  });
  const settings: ScoreSettings = { ...SMALL, repeats: 1, scores: ['naswot', 'zen'] };
  const seen: ScoreProgress[] = [];
  // The pool decides to split after the caller's synchronous burst: wait for what it recorded.
  const rec = recordPool(pool);
  const p = pool.score(RNN, settings, { onProgress: (x) => seen.push(x), hash: 'h' });
  await rec.started(2);
  assert.deepEqual(
    rec.starts().map((e) => [e.slot, e.job, e.hash, e.scores]),
    [
      [0, 'half 1', 'h', ['naswot']],
      [1, 'half 2', 'h', ['zen']],
    ],
  );
  assert.equal(made.length, 2);
  assert.deepEqual(
    made.map((c) => c.pending[0].settings.scores),
    [['naswot'], ['zen']],
  );
  made[0].pending[0].progress!({ done: 0, total: 2, message: 'lm' });
  made[0].pending[0].progress!({ done: 1, total: 2, message: 'lm' });
  made[1].pending[0].progress!({ done: 1, total: 3, message: 'gauss' });
  made[1].pending[0].progress!({ done: 2, total: 3, message: 'gauss' });
  assert.deepEqual(
    seen.map((s) => [s.done, s.total]),
    [
      [2, 5],
      [3, 5],
    ],
    'reported once both halves gave their totals',
  );
  made[0].pending[0].resolve({
    hash: 'h',
    settings: made[0].pending[0].settings,
    backend: 'cpu',
    results: [result('naswot', 5, settings)],
    totalMs: 9,
    passMs: { forward: 4 },
  });
  made[1].pending[0].resolve({
    hash: 'h',
    settings: made[1].pending[0].settings,
    backend: 'cpu',
    results: [result('zen', 7, settings)],
    totalMs: 8,
    passMs: { forward: 1, gauss: 3 },
  });
  const r = await p;
  assert.deepEqual(
    r.results.map((x) => [x.id, x.value]),
    [
      ['zen', 7],
      ['naswot', 5],
    ],
    'registry order, as one run reports',
  );
  assert.deepEqual(r.settings.scores, ['naswot', 'zen']);
  assert.deepEqual(r.passMs, { forward: 5, gauss: 3 });
  // With a cell waiting (two in flight), nothing splits: each cell keeps one worker.
  const q = [pool.score(RNN, settings), pool.score(RNN, settings)];
  await rec.started(4);
  assert.deepEqual(
    rec
      .starts()
      .slice(2)
      .map((e) => e.job),
    ['cell', 'cell'],
  );
  assert.deepEqual(
    made.map((c) => c.pending.length),
    [2, 2],
    'one more request on each worker',
  );
  assert.ok(
    made.every((c) => c.pending.at(-1)!.settings.scores.length === 2),
    'whole cells, not halves',
  );
  for (const c of made) c.pending.at(-1)!.resolve({ hash: 'h', settings, backend: 'cpu', results: [], totalMs: 1 });
  await Promise.all(q);
  pool.dispose();
});

test("pool: one half failing stops the other and the caller gets the failure; a caller's cancel is reported as cancelled", async () => {
  const made: FakeClient[] = [];
  const pool = new ScoringPool({
    workers: 2,
    workerPath: 'x',
    idleStopMs: 0,
    retries: 0,
    makeClient: () => {
      const c = new FakeClient();
      made.push(c);
      return c;
    },
  });
  const settings: ScoreSettings = { ...SMALL, repeats: 1, scores: ['naswot', 'zen'] };
  const rec = recordPool(pool);
  const p = pool.score(RNN, settings);
  const fails = assert.rejects(p, /out of memory/);
  await rec.started(2);
  assert.equal(made.length, 2);
  const sibling = made[1].pending[0];
  assert.equal(sibling.signal?.aborted, false);
  made[0].pending[0].reject(new ScoringError('oom', 'The scoring process ran out of memory'));
  await fails;
  assert.equal(sibling.signal?.aborted, true, 'the other half was stopped');
  const ac = new AbortController();
  const c = pool.score(RNN, settings, { signal: ac.signal });
  const cancelled = assert.rejects(c, (e: unknown) => e instanceof ScoringError && e.kind === 'cancelled');
  await rec.started(4);
  assert.ok(made.every((m) => m.pending.length === 2));
  ac.abort();
  await cancelled;
  pool.dispose();
});
