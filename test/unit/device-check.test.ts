/**
 * The summarising half of the GPU device check (bench/device-check.ts): what gpu.json keeps of a `cell-lens score
 * --json` run, how backends are compared with wasm and which one the study takes. The runs themselves need the
 * device (docs/gpu.md); `scripts/device-check.sh --local` is their dry run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  agreement,
  pickStudyBackend,
  probeRecord,
  relativeDifferences,
  setPath,
  summariseScoreRun,
  summariseStudy,
  type CellRun,
} from '../../bench/device-check';
import { encodeJson } from '../../src/scoring/cache';

/** The shape `cell-lens score FILE --json` prints for one cell (NaN as a string, as encodeJson writes it). */
function scoreOutput(values: Record<string, number | string>, totalMs: number): string {
  return JSON.stringify({
    files: [
      {
        file: 'rnn.json',
        diagnostics: [],
        cells: [
          {
            index: 0,
            label: 'cell 0',
            valid: true,
            hash: 'abc',
            cached: false,
            report: {
              hash: 'abc',
              backend: 'webgpu',
              totalMs,
              results: Object.entries(values).map(([id, value]) => ({
                id,
                value,
                ...(value === 'NaN' ? { reason: 'not positive' } : {}),
              })),
            },
          },
        ],
      },
    ],
  });
}

function run(label: string, scores: Record<string, number | string>, totalMs: number, ok = true): CellRun {
  return { label, ok, scores, totalMs, rc: ok ? 0 : 2, wallS: totalMs / 1000 + 1 };
}

test('a score run keeps the values, the undefined scores with their reason, and the timing', () => {
  const r = summariseScoreRun(scoreOutput({ naswot: 48.5, synflow: 'NaN' }, 1234.56), '', 0, 3.04, 'RNN');
  assert.equal(r.ok, true);
  assert.equal(r.backend, 'webgpu');
  assert.equal(r.totalMs, 1234.6);
  assert.equal(r.wallS, 3);
  assert.deepEqual(r.scores, { naswot: 48.5, synflow: 'NaN' });
  assert.deepEqual(r.undefinedScores, { synflow: 'not positive' });
});

test("a score run that timed out or failed says so, with the log's last line", () => {
  const t = summariseScoreRun('', 'scoring LSTM…\n', 124, 120, 'LSTM');
  assert.equal(t.ok, false);
  assert.equal(t.timedOut, true);
  assert.match(t.error!, /timed out after 120 s/);
  const f = summariseScoreRun(
    '',
    "starting\ncell-lens score: Scoring backend 'webgpu' is not available: no adapter\n\n",
    2,
    1.5,
    'RNN',
  );
  assert.equal(f.ok, false);
  assert.equal(f.timedOut, undefined);
  assert.equal(f.error, "cell-lens score: Scoring backend 'webgpu' is not available: no adapter");
});

test('a probe that printed nothing is recorded from its exit code and log', () => {
  assert.deepEqual(
    probeRecord('{"name":"wasm","ok":true,"description":"wasm (SIMD, 1 thread)"}\n', '', 0, 2.04, 'wasm'),
    { name: 'wasm', ok: true, description: 'wasm (SIMD, 1 thread)', wallS: 2 },
  );
  assert.deepEqual(probeRecord('', '', 137, 60, 'webgpu'), {
    name: 'webgpu',
    ok: false,
    error: 'timed out after 60 s',
    wallS: 60,
  });
  assert.equal(probeRecord('', 'Segmentation fault\n', 139, 1, 'webgpu').error, 'exit code 139: Segmentation fault');
});

test('relative differences: per score, NaN on both sides agrees, NaN on one side does not', () => {
  const d = relativeDifferences({ a: 100, b: 'NaN', c: 'NaN', e: 5 }, { a: 101, b: 'NaN', c: 3, e: 5, extra: 1 });
  assert.ok(Math.abs((d.a as number) - 1 / 101) < 1e-15);
  assert.equal(d.b, 0);
  assert.equal(d.c, 'one is NaN');
  assert.equal(d.e, 0);
  assert.equal('extra' in d, false);
});

test('agreement with wasm takes the worst cell per score and skips failed cells', () => {
  const runs = {
    wasm: [run('RNN', { x: 10, y: 1 }, 900), run('LSTM', { x: 20, y: 2 }, 2000)],
    webgpu: [run('RNN', { x: 10.1, y: 1 }, 300), run('LSTM', { x: 20, y: 2.2 }, 600)],
    cpu: [run('RNN', { x: 999, y: 999 }, 5000, false)],
  };
  const a = agreement(runs);
  assert.deepEqual(Object.keys(a), ['webgpu']);
  assert.equal(a.webgpu.cells, 2);
  assert.ok(Math.abs((a.webgpu.perScore.x as number) - 0.1 / 10.1) < 1e-12);
  assert.ok(Math.abs((a.webgpu.perScore.y as number) - 0.2 / 2.2) < 1e-12);
  assert.equal(a.webgpu.maxRelDiff, a.webgpu.perScore.y);
  assert.deepEqual(agreement({ webgpu: runs.webgpu }), {});
});

test('the study takes the fastest backend that scored every cell; cpu only when nothing else did', () => {
  const full = (ms: number) => [run('RNN', {}, ms), run('LSTM', {}, ms), run('GRU', {}, ms)];
  assert.equal(pickStudyBackend({ webgpu: full(300), wasm: full(900) }, 3), 'webgpu');
  assert.equal(pickStudyBackend({ webgpu: full(3000), wasm: full(900) }, 3), 'wasm');
  // A backend that lost a cell (timed out) or scored fewer cells is not a candidate.
  assert.equal(
    pickStudyBackend({ webgpu: [...full(100).slice(0, 2), run('GRU', {}, 100, false)], wasm: full(900) }, 3),
    'wasm',
  );
  assert.equal(pickStudyBackend({ webgpu: full(100).slice(0, 2), wasm: full(900) }, 3), 'wasm');
  assert.equal(pickStudyBackend({ cpu: full(50), wasm: full(900) }, 3), 'wasm');
  assert.equal(pickStudyBackend({ cpu: full(5000) }, 3), 'cpu');
  assert.equal(pickStudyBackend({}, 3), undefined);
});

test('setPath creates objects on the way and appends with []', () => {
  const doc: Record<string, never> = {};
  setPath(doc, 'scoring.runs.tensorflow-gpu[]', 1);
  setPath(doc, 'scoring.runs.tensorflow-gpu[]', 2);
  setPath(doc, 'gpu.present', false);
  assert.deepEqual(doc, { scoring: { runs: { 'tensorflow-gpu': [1, 2] } }, gpu: { present: false } });
});

/** A study's results.json as `cell-lens study` writes it (encodeJson: NaN as {"$num": "NaN"}). */
function studyResults(failed: number, tau: number): string {
  const row = (id: string) => ({
    id,
    nScored: 3 - failed,
    nNaN: failed,
    test: { tau: { estimate: tau, lo: tau - 0.2, hi: NaN, n: 3 - failed }, rho: { estimate: tau } },
  });
  return encodeJson({
    dataset: 'WikiText-2',
    command: 'cell-lens study --limit 3',
    settings: { vocab: 10000 },
    timing: { cells: 3, scored: 3 - failed, failed, cellsPerSecond: failed === 3 ? NaN : 0.5 },
    study: { nCells: 3, nTrained: 3, rows: [row('naswot'), row('hidden_cov')] },
    cells: [0, 1, 2].map((i) => (i < failed ? { error: 'backend failed' } : {})),
  });
}

test('a study keeps τ per score (NaN decoded, then kept as a string) and fails when every cell failed', () => {
  const s = summariseStudy(studyResults(1, 0.41234), '', 1, 12.34);
  assert.equal(s.ok, true, 'exit 1 with some cells scored is still a study');
  assert.equal(s.failedCells, 1);
  assert.deepEqual((s.tau as Record<string, unknown>).naswot, {
    tau: 0.412,
    lo: 0.212,
    hi: 'NaN',
    rho: 0.412,
    n: 2,
    nNaN: 1,
  });
  const all = summariseStudy(studyResults(3, NaN), '', 1, 2);
  assert.equal(all.ok, false);
  assert.equal((all.timing as Record<string, unknown>).cellsPerSecond, 'NaN');
  const none = summariseStudy(undefined, '[1/60] recepie 1 · 5 s\n[2/60] recepie 2 · 9 s\n', 124, 330);
  assert.deepEqual([none.ok, none.timedOut, none.cellsDone, none.error], [false, true, 2, 'timed out after 330 s']);
});
