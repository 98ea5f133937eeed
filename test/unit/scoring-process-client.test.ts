/**
 * ScoringClient + the real worker (src/process/worker.ts run through tsx) as a real child process:
 * round trips, cancel, SIGKILL, crash, hang, out of memory, backend failure, restart back-off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ScoringClient, ScoringError, type ScoringErrorKind, type ScoringStatus } from '../../src/process/client';
import { countParams } from '../../src/scoring/model/params';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell } from '../../src/scoring/engine';
import { SCORE_IDS, type ScoreProgress, type ScoreReport } from '../../src/scoring/types';
import { FIXTURES, RNN, TINY, TSX_ARGV, testClient } from '../fixtures/scoring/helpers';

/** Resolves with the error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<ScoringError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ScoringError, `not a ScoringError: ${String(e)}`);
    return e;
  }
  assert.fail('the request was expected to fail but it succeeded');
}

function expectKind(e: ScoringError, kind: ScoringErrorKind, message?: RegExp): void {
  assert.equal(e.kind, kind, `kind ${e.kind}: ${e.message}`);
  if (message) assert.match(e.message, message);
}

const paramsOf = (r: { results: readonly { id: string; value: number }[] }) =>
  r.results.find((x) => x.id === 'params')?.value;
const EXPECTED_PARAMS = countParams(RNN, TINY);

test('a real score request round-trips; the same process serves the next one', async () => {
  const { client, logs } = testClient();
  const states: ScoringStatus[] = [];
  client.onStateChange((s) => states.push(s));
  try {
    const progress: ScoreProgress[] = [];
    const r = await client.score(RNN, TINY, { hash: 'cell-1', onProgress: (p) => progress.push(p) });
    assert.equal(r.hash, 'cell-1');
    assert.equal(r.backend, 'cpu');
    assert.deepEqual(r.settings, TINY);
    assert.ok(EXPECTED_PARAMS > 0);
    assert.equal(paramsOf(r), EXPECTED_PARAMS);
    const pid = client.pid;
    assert.ok(pid && pid !== process.pid);
    const r2 = await client.score(RNN, { ...TINY, hidden: 24 }, { hash: 'cell-1' });
    assert.equal(paramsOf(r2), countParams(RNN, { ...TINY, hidden: 24 }));
    assert.equal(client.pid, pid, 'the worker was restarted between two good requests');
    assert.equal(client.status.restarts, 0);
    assert.equal(client.status.backend, 'cpu');
    assert.deepEqual([...new Set(states.map((s) => s.state))].slice(0, 3), ['starting', 'busy', 'idle']);
  } catch (e) {
    console.error(logs.join('\n'));
    throw e;
  } finally {
    client.dispose();
  }
});

test('every score through the worker equals the engine run in this process (values survive the trip exactly)', async () => {
  const { client } = testClient();
  const settings = { ...TINY, scores: [...SCORE_IDS], repeats: 2, seed: 3 };
  try {
    const viaWorker = await client.score(RNN, settings, { hash: 'h' });
    await initBackend('cpu');
    const local = await scoreCell(RNN, settings, { hash: 'h' });
    const strip = (r: ScoreReport) => r.results.map(({ wallMs: _w, ...rest }) => rest);
    assert.deepEqual(
      viaWorker.results.map((r) => r.id),
      [...SCORE_IDS],
    );
    assert.deepEqual(strip(viaWorker), strip(local)); // deepEqual treats NaN as equal to NaN
    assert.ok(viaWorker.results.every((r) => r.values.length === 2 && typeof r.value === 'number'));
  } finally {
    client.dispose();
  }
});

test('an allocation the engine cannot make (hidden 70000) is reported as out of memory; the worker lives on', async () => {
  const { client } = testClient();
  try {
    await client.score(RNN, TINY);
    const pid = client.pid;
    const e = await failure(client.score(RNN, { ...TINY, hidden: 70_000, scores: ['zen'] }));
    expectKind(
      e,
      'oom',
      /^The scoring process ran out of memory \(hidden 70000 may be too large; try a smaller size\)\.$/,
    );
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
    assert.equal(client.pid, pid);
  } finally {
    client.dispose();
  }
});

test('an invalid cell is rejected with kind invalid and the worker lives on', async () => {
  const { client } = testClient();
  try {
    const e = await failure(client.score({ h_new_0: { op: 'activation_tanh', input: ['nowhere'] } }, TINY));
    expectKind(e, 'invalid', /cannot be scored/);
    const pid = client.pid;
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
    assert.equal(client.pid, pid);
  } finally {
    client.dispose();
  }
});

test('cancel mid-run: the worker acknowledges, the request rejects as cancelled, the same worker serves the next', async () => {
  const { client } = testClient();
  try {
    await client.score(RNN, TINY); // started and warm
    const pid = client.pid;
    const ac = new AbortController();
    const p = client.score(RNN, TINY, { signal: ac.signal, fault: 'slow', onProgress: () => ac.abort() });
    expectKind(await failure(p), 'cancelled');
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
    assert.equal(client.pid, pid, 'an acknowledged cancel must not restart the worker');
    assert.equal(client.status.restarts, 0);
  } finally {
    client.dispose();
  }
});

test('cancel of a hung request: no acknowledgement within the grace period → killed, restarted, next served', async () => {
  const { client, logs } = testClient({ cancelGraceMs: 800 });
  try {
    const ac = new AbortController();
    const p = client.score(RNN, TINY, { signal: ac.signal, fault: 'hang', onProgress: () => ac.abort() });
    expectKind(await failure(p), 'cancelled');
    const pid = client.pid;
    const r = await client.score(RNN, TINY);
    assert.equal(paramsOf(r), EXPECTED_PARAMS);
    assert.notEqual(client.pid, pid, 'the hung worker must have been replaced');
    assert.equal(client.status.restarts, 1);
    assert.ok(
      logs.some((l) => /did not acknowledge a cancel within 0\.8 s; killing it/.test(l)),
      `killed for the missing acknowledgement: ${logs.join(' | ')}`,
    );
  } finally {
    client.dispose();
  }
});

test('a queued request can be cancelled before it starts; the running one is unaffected', async () => {
  const { client } = testClient();
  try {
    const ac = new AbortController();
    const first = client.score(RNN, TINY);
    const second = client.score(RNN, TINY, { signal: ac.signal });
    const third = client.score(RNN, { ...TINY, hidden: 20 });
    ac.abort();
    expectKind(await failure(second), 'cancelled');
    assert.equal(paramsOf(await first), EXPECTED_PARAMS);
    assert.equal(paramsOf(await third), countParams(RNN, { ...TINY, hidden: 20 }));
    // An already aborted signal fails at once.
    expectKind(await failure(client.score(RNN, TINY, { signal: AbortSignal.abort() })), 'cancelled');
  } finally {
    client.dispose();
  }
});

test('SIGKILL of the worker mid-request → plain-words crash error, restarted, next request served', async () => {
  const { client } = testClient();
  const states: ScoringStatus[] = [];
  client.onStateChange((s) => states.push(s));
  try {
    let killed: number | undefined;
    const p = client.score(RNN, TINY, {
      fault: 'slow',
      onProgress: () => {
        if (killed === undefined) {
          killed = client.pid!;
          process.kill(killed, 'SIGKILL');
        }
      },
    });
    const e = await failure(p);
    expectKind(e, 'crash', /^The scoring process was killed \(SIGKILL\) and will be restarted for the next request\.$/);
    assert.equal(client.status.state, 'crashed');
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
    assert.ok(client.pid !== undefined && client.pid !== killed);
    assert.equal(client.status.restarts, 1);
    assert.ok(states.some((s) => s.state === 'crashed'));
    assert.ok(states.some((s) => s.state === 'restarting'));
    assert.equal(client.status.state, 'idle');
  } finally {
    client.dispose();
  }
});

test('a worker that exits mid-request (exit code 3) → crash error naming the code; next served', async () => {
  const { client } = testClient();
  try {
    expectKind(
      await failure(client.score(RNN, TINY, { fault: 'crash' })),
      'crash',
      /stopped unexpectedly \(exit code 3\)/,
    );
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
  } finally {
    client.dispose();
  }
});

test('a hung worker (busy loop) is killed after the timeout, restarted, and the next request served', async () => {
  const { client } = testClient({ timeoutMs: 1500 });
  try {
    await client.score(RNN, TINY); // warm: the start allowance does not apply
    const hungPid = client.pid;
    const e = await failure(client.score(RNN, TINY, { fault: 'hang' }));
    // Kind `timeout`: the hang timer (armed for timeoutMs) killed it, not a crash or an answer.
    expectKind(e, 'timeout', /^The scoring process stopped responding after 1\.5 s and was restarted\.$/);
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
    assert.notEqual(client.pid, hungPid);
    assert.match(client.status.lastError ?? '', /stopped responding/);
  } finally {
    client.dispose();
  }
});

test('running out of V8 heap is reported as out of memory with a size hint; next request served', async () => {
  const { client, logs } = testClient({ execArgv: [...TSX_ARGV, '--max-old-space-size=64'] });
  try {
    const e = await failure(client.score(RNN, { ...TINY, hidden: 4096 }, { fault: 'oom' }));
    expectKind(
      e,
      'oom',
      /^The scoring process ran out of memory \(hidden 4096 may be too large; try a smaller size\)\.$/,
    );
    assert.match(e.detail ?? '', /heap/i);
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
  } catch (err) {
    console.error(logs.join('\n'));
    throw err;
  } finally {
    client.dispose();
  }
});

test('a forced backend that cannot load gives a clear backend error (no restart loop)', async () => {
  const { client } = testClient({ backend: 'tensorflow' }); // @tensorflow/tfjs-node is not installed here
  try {
    const e = await failure(client.score(RNN, { ...TINY, backend: 'tensorflow' }));
    expectKind(e, 'backend', /Could not load the TensorFlow\.js backend "tensorflow"/);
    assert.match(client.status.lastError ?? '', /tensorflow/);
    const e2 = await failure(client.score(RNN, TINY));
    expectKind(e2, 'backend');
    assert.equal(client.status.restarts, 0);
    // Switching the backend restarts the worker and scoring works again.
    client.setBackend('cpu');
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
    assert.equal(client.status.backend, 'cpu');
  } finally {
    client.dispose();
  }
});

test('test faults are ignored unless CELL_LENS_TEST_FAULTS=1', async () => {
  const { client } = testClient({ env: {} });
  try {
    assert.equal(paramsOf(await client.score(RNN, TINY, { fault: 'crash' })), EXPECTED_PARAMS);
    assert.equal(client.status.restarts, 0);
  } finally {
    client.dispose();
  }
});

test('restart storms back off: after maxCrashes crashes the next start waits', async () => {
  const { client, logs } = testClient({ maxCrashes: 2, crashWindowMs: 60_000, backoffMs: 2000 });
  try {
    expectKind(await failure(client.score(RNN, TINY, { fault: 'crash' })), 'crash');
    expectKind(await failure(client.score(RNN, TINY, { fault: 'crash' })), 'crash');
    assert.ok(
      logs.some((l) => /failed 2 times within 60 s; waiting 2 s before starting it again/.test(l)),
      logs.join(' | '),
    );
    // A request now waits: no process is started for it until the back-off is over; then it is served.
    const r = client.score(RNN, TINY);
    assert.equal(client.pid, undefined, 'started again at once, without back-off');
    assert.equal(paramsOf(await r), EXPECTED_PARAMS);
    // restart() clears the back-off at once: a process starts now and serves the next request.
    expectKind(await failure(client.score(RNN, TINY, { fault: 'crash' })), 'crash');
    assert.equal(client.pid, undefined);
    client.restart();
    assert.notEqual(client.pid, undefined, 'restart() starts a process at once, back-off or not');
    assert.equal(paramsOf(await client.score(RNN, TINY)), EXPECTED_PARAMS);
  } finally {
    client.dispose();
  }
});

test('restart() cancels the running request and serves the queue on a fresh worker; dispose() rejects the rest', async () => {
  let onLog = (_m: string): void => undefined;
  const { client } = testClient({ log: (_l, m) => onLog(m) });
  try {
    const running = client.score(RNN, TINY, { fault: 'slow', onProgress: () => client.restart() });
    const queued = client.score(RNN, TINY);
    expectKind(await failure(running), 'cancelled', /restarted/);
    assert.equal(paramsOf(await queued), EXPECTED_PARAMS);
    assert.equal(client.status.restarts, 1);
    const pid = client.pid!;
    // The worker goes away: the client logs its exit (the child's 'exit' event, after it was reaped).
    const gone = new Promise<void>((resolve) => {
      onLog = (m) => {
        if (m.startsWith(`scoring process ${pid} ended`)) resolve();
      };
    });
    const pending = client.score(RNN, TINY, { fault: 'slow' });
    client.dispose();
    expectKind(await failure(pending), 'disposed');
    expectKind(await failure(client.score(RNN, TINY)), 'disposed');
    await gone;
    assert.throws(() => process.kill(pid, 0), 'the worker survived dispose()');
  } finally {
    client.dispose();
  }
});

test('a worker that never becomes ready is stopped after the start timeout', async () => {
  const client = new ScoringClient({
    workerPath: path.join(FIXTURES, 'fake-worker.ts'),
    execArgv: [...TSX_ARGV],
    env: { FAKE_MODE: 'silent-ready' },
    timeoutMs: 500,
    startTimeoutMs: 1500,
  });
  try {
    expectKind(await failure(client.score(RNN, TINY)), 'timeout', /did not start within 1\.5 s/);
  } finally {
    client.dispose();
  }
});

test('a node binary that does not exist gives a start error', async () => {
  const { client } = testClient({ nodePath: '/nonexistent/node' });
  try {
    expectKind(await failure(client.score(RNN, TINY)), 'start', /Could not start the scoring process/);
  } finally {
    client.dispose();
  }
});
