import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as path from 'node:path';
import {
  PROTOCOL_VERSION,
  checkClientMessage,
  checkWorkerMessage,
  isClientMessage,
  isWorkerMessage,
} from '../../src/process/protocol';
import { ScoringClient, ScoringError } from '../../src/process/client';
import type { ScoreReport } from '../../src/scoring/types';
import { FIXTURES, RNN, TINY, TSX_ARGV } from '../fixtures/scoring/helpers';

const v = PROTOCOL_VERSION;
const result = (over: Record<string, unknown> = {}) => ({
  id: 'params',
  value: 870,
  std: 0,
  values: [870],
  seed: 0,
  repeats: 1,
  wallMs: 1,
  backend: 'cpu',
  ...over,
});
const report = (over: Record<string, unknown> = {}, r: Record<string, unknown> = {}) => ({
  hash: 'abc',
  settings: TINY,
  backend: 'cpu',
  results: [result(r)],
  totalMs: 3,
  ...over,
});

test('client messages: well-formed ones pass, malformed ones and other versions are rejected with a reason', () => {
  const good = [
    { v, type: 'hello', backend: 'auto' },
    { v, type: 'hello', backend: 'wasm', wasmDir: '/x' },
    { v, type: 'score', id: 1, recipe: RNN, settings: TINY },
    { v, type: 'score', id: 2, recipe: RNN, settings: TINY, hash: 'h', fault: 'hang' },
    { v, type: 'cancel', id: 1 },
    { v, type: 'shutdown' },
  ];
  for (const m of good) assert.equal(checkClientMessage(m), undefined, JSON.stringify(m));
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    [[{ v, type: 'shutdown' }], /not an object/],
    [{ type: 'shutdown' }, /no protocol version/],
    [{ v: v + 1, type: 'shutdown' }, new RegExp(`protocol version ${v + 1} \\(expected ${v}\\)`)],
    [{ v: String(v), type: 'shutdown' }, /protocol version/],
    [{ v, type: 'launch' }, /unknown message type "launch"/],
    [{ v, type: 'hello', backend: 'gpu' }, /backend/],
    [{ v, type: 'score', id: -1, recipe: RNN, settings: TINY }, /id/],
    [{ v, type: 'score', id: 1.5, recipe: RNN, settings: TINY }, /id/],
    [{ v, type: 'score', id: 1, recipe: { a: { op: 'linear', input: 'x' } }, settings: TINY }, /input list/],
    [{ v, type: 'score', id: 1, recipe: [], settings: TINY }, /recipe is not an object/],
    [{ v, type: 'score', id: 1, recipe: RNN, settings: { ...TINY, scores: ['params', 'iq'] } }, /settings.scores/],
    [{ v, type: 'score', id: 1, recipe: RNN, settings: { ...TINY, hidden: 0 } }, /settings.hidden/],
    [{ v, type: 'score', id: 1, recipe: RNN, settings: { ...TINY, seed: NaN } }, /settings.seed/],
    [{ v, type: 'score', id: 1, recipe: RNN, settings: TINY, fault: 'explode' }, /fault/],
    [{ v, type: 'cancel' }, /cancel.id/],
  ];
  for (const [m, re] of bad) {
    const why = checkClientMessage(m);
    assert.ok(why, `accepted ${JSON.stringify(m)}`);
    assert.match(why, re);
    assert.equal(isClientMessage(m), false);
  }
});

test('worker messages: well-formed ones pass (NaN and ±Infinity are numbers), malformed ones are rejected', () => {
  const good = [
    {
      v,
      type: 'ready',
      backend: 'wasm',
      tried: [{ name: 'tensorflow', error: 'not installed' }, { name: 'wasm' }],
      pid: 1,
      description: 'wasm (SIMD)',
    },
    { v, type: 'progress', id: 3, progress: { done: 1, total: 2, message: 'zen' } },
    { v, type: 'result', id: 3, report: report() },
    {
      v,
      type: 'result',
      id: 3,
      report: report({}, { value: NaN, std: NaN, values: [NaN], reason: 'singular', details: { l: Infinity } }),
    },
    { v, type: 'error', id: 3, kind: 'cancelled', message: 'The scoring was cancelled.' },
    { v, type: 'error', kind: 'backend', message: 'no', tried: [{ name: 'webgpu', error: 'no adapter' }] },
    { v, type: 'log', level: 'debug', message: 'hi' },
  ];
  for (const m of good) assert.equal(checkWorkerMessage(m), undefined, JSON.stringify(m));
  const bad: [unknown, RegExp][] = [
    [{ v: 0, type: 'log', level: 'info', message: 'x' }, /protocol version 0/],
    [{ v, type: 'ready', backend: 'cuda', tried: [], pid: 1 }, /ready.backend/],
    [{ v, type: 'ready', backend: 'cpu', tried: [{ error: 'x' }], pid: 1 }, /tried/],
    [{ v, type: 'progress', id: 3, progress: { done: 1 } }, /progress/],
    [{ v, type: 'result', id: 3, report: report({ hash: 1 }) }, /report.hash/],
    [{ v, type: 'result', id: 3, report: report({}, { value: null }) }, /results\[0\].value/],
    [{ v, type: 'result', id: 3, report: report({}, { value: '1' }) }, /results\[0\].value/],
    [{ v, type: 'result', id: 3, report: report({}, { values: [1, null] }) }, /values/],
    [{ v, type: 'result', id: 3, report: report({}, { id: 'iq' }) }, /results\[0\].id/],
    [{ v, type: 'result', id: 3, report: report({}, { details: { a: 'b' } }) }, /details.a/],
    [{ v, type: 'result', id: 3, report: report({ settings: { ...TINY, repeats: 0 } }) }, /settings.repeats/],
    [{ v, type: 'error', id: 3, kind: 'explosion', message: 'x' }, /error.kind/],
    [{ v, type: 'error', id: 3, kind: 'internal' }, /error.message/],
    [{ v, type: 'log', level: 'loud', message: 'x' }, /log.level/],
  ];
  for (const [m, re] of bad) {
    const why = checkWorkerMessage(m);
    assert.ok(why, `accepted ${JSON.stringify(m)}`);
    assert.match(why, re);
    assert.equal(isWorkerMessage(m), false);
  }
});

/** Send `msg` to a real child over IPC with the given serialization and return what comes back. */
async function echo(msg: unknown, serialization: 'advanced' | 'json'): Promise<unknown> {
  const child = fork(path.join(FIXTURES, 'echo-child.ts'), [], {
    execArgv: [...TSX_ARGV],
    serialization,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    return await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`echo child exited (${code})`)));
      child.send(msg as never);
    });
  } finally {
    child.kill();
  }
}

test('over a real IPC channel, advanced serialization keeps NaN and ±Infinity (JSON would turn them into null)', async () => {
  const msg = {
    v,
    type: 'result',
    id: 7,
    report: report({}, { value: NaN, std: Infinity, values: [NaN, -Infinity], reason: 'singular' }),
  };
  const [adv, json] = await Promise.all([echo(msg, 'advanced'), echo(msg, 'json')]);
  assert.equal(checkWorkerMessage(adv), undefined);
  const r = (adv as typeof msg).report.results[0];
  assert.ok(Number.isNaN(r.value));
  assert.equal(r.std, Infinity);
  assert.ok(Number.isNaN(r.values[0]));
  assert.equal(r.values[1], -Infinity);
  // The control: the same message over JSON loses the values, and the validator notices.
  assert.equal((json as typeof msg).report.results[0].value, null);
  assert.match(checkWorkerMessage(json) ?? '', /value is not a number/);
});

test('the client delivers a report with NaN / ±Infinity from a worker intact', async () => {
  const client = new ScoringClient({
    workerPath: path.join(FIXTURES, 'fake-worker.ts'),
    execArgv: [...TSX_ARGV],
    env: { FAKE_MODE: 'nan' },
    timeoutMs: 20_000,
  });
  try {
    const r: ScoreReport = await client.score(RNN, TINY, { hash: 'nan-cell' });
    assert.equal(r.hash, 'nan-cell');
    const [naswot, ntk, syn] = r.results;
    assert.ok(Number.isNaN(naswot.value) && Number.isNaN(naswot.std) && Number.isNaN(naswot.values[0]));
    assert.equal(naswot.values[1], 1);
    assert.equal(naswot.reason, 'K_H is singular');
    assert.ok(Number.isNaN(naswot.details!.lambdaMin));
    assert.equal(ntk.value, Infinity);
    assert.equal(syn.value, -Infinity);
    assert.ok(Number.isNaN(syn.perNode!.h_new_0));
  } finally {
    client.dispose();
  }
});

test('a reply of another protocol version fails the request (kind internal) instead of leaving it hanging', async () => {
  const client = new ScoringClient({
    workerPath: path.join(FIXTURES, 'fake-worker.ts'),
    execArgv: [...TSX_ARGV],
    env: { FAKE_MODE: 'bad-reply' },
    timeoutMs: 20_000,
  });
  try {
    await assert.rejects(client.score(RNN, TINY), (e: unknown) => {
      assert.ok(e instanceof ScoringError);
      assert.equal(e.kind, 'internal');
      assert.match(e.message, new RegExp(`malformed reply \\(protocol version ${v + 1} \\(expected ${v}\\)\\)`));
      return true;
    });
  } finally {
    client.dispose();
  }
});
