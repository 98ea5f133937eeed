/**
 * The bundled loss predictors as the editor and the CLI use them: a prediction for a proxy-preset report (also for a
 * cell the benchmark does not know), none for other settings; `cell-lens predict` end to end with the real worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Recipe } from '../../src/recipe/types';
import { PREDICTORS, predictionFor } from '../../src/study/predictions';
import { predictionMarkdown, predictionText } from '../../src/report/scoreFormat';
import { cellVerdict } from '../../src/report/verdict';
import { REFERENCE } from '../../src/scoring/reference';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { SCORE_IDS, type ScoreReport, type ScoreResult } from '../../src/scoring/types';
import { runPredict } from '../../src/cli/predict';
import { WORKER_TS } from '../fixtures/scoring/helpers';

function reportOf(
  values: Record<string, number>,
  settings = { ...SIZE_PRESETS.proxy, scores: [...SCORE_IDS], seed: 0, repeats: 1, backend: 'wasm' as const },
): ScoreReport {
  const results = Object.entries(values).map(([id, value]): ScoreResult => ({
    id: id as ScoreResult['id'],
    value,
    std: 0,
    values: [value],
    seed: 0,
    repeats: 1,
    wallMs: 1,
    backend: 'wasm',
  }));
  return { hash: 'c'.repeat(32), settings, backend: 'wasm', results, totalMs: 1 };
}

test('the proxy predictor is bundled and predicts a loss inside the benchmark range, with an interval and a percentile', () => {
  const model = PREDICTORS.proxy;
  assert.ok(model, 'data/predictor-proxy.json is bundled');
  for (const probe of REFERENCE.probes.filter((p) => p.preset === 'proxy')) {
    const values = Object.fromEntries(
      Object.entries(probe.values).map(([k, v]) => [k, typeof v === 'number' ? v : Number(v)]),
    );
    const p = cellVerdict(reportOf(values), probe.recipe).prediction!;
    assert.ok(p, 'a prediction');
    assert.ok(p.loss > model.losses[0] - 1 && p.loss < model.losses[model.losses.length - 1] + 1, `${p.loss}`);
    assert.ok(p.lo <= p.loss && p.loss <= p.hi, `${p.lo} ≤ ${p.loss} ≤ ${p.hi}`);
    assert.ok(p.percentile >= 0 && p.percentile <= 100);
    assert.match(predictionText(p), /^predicted test loss \d\.\d\d \[\d\.\d\d, \d\.\d\d\] · top \d+%$/);
    // The hover shows the lens's digits (it showed 3 decimals before the one formatter).
    assert.match(predictionMarkdown(p), /\*\*Predicted WikiText-2 test loss: \d\.\d\d \[\d\.\d\d, \d\.\d\d\]\*\*/);
  }
  // The best probe is predicted better than the worst one.
  const [best, , worst] = REFERENCE.probes
    .filter((p) => p.preset === 'proxy')
    .map((probe) => {
      const values = Object.fromEntries(
        Object.entries(probe.values).map(([k, v]) => [k, typeof v === 'number' ? v : Number(v)]),
      );
      return predictionFor(reportOf(values), probe.recipe)!.loss;
    });
  assert.ok(best < worst, `${best} < ${worst}`);
});

test('no prediction without a predictor for the settings (custom sizes, another seed)', () => {
  const probe = REFERENCE.probes.find((p) => p.preset === 'proxy')!;
  const values = { hidden_cov: -30, naswot: 40 };
  assert.equal(
    predictionFor(
      reportOf(values, {
        ...SIZE_PRESETS.proxy,
        hidden: 40,
        scores: [...SCORE_IDS],
        seed: 0,
        repeats: 1,
        backend: 'wasm',
      }),
      probe.recipe as Recipe,
    ),
    undefined,
  );
  assert.equal(
    predictionFor(
      reportOf(values, { ...SIZE_PRESETS.proxy, scores: [...SCORE_IDS], seed: 4, repeats: 1, backend: 'wasm' }),
      probe.recipe as Recipe,
    ),
    undefined,
  );
});

test('cell-lens predict: a known cell shows its benchmark loss beside the prediction; an unknown cell is predicted too', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-predict-'));
  try {
    const known = REFERENCE.probes.find((p) => p.preset === 'proxy')!.recipe;
    const unknown = {
      a: { op: 'linear', input: ['x', 'h_prev_0'] },
      b: { op: 'activation_sigm', input: ['a'] },
      c: { op: 'linear', input: ['b', 'h_prev_0'] },
      d: { op: 'activation_leaky_relu', input: ['c'] },
      e: { op: 'elementwise_sum', input: ['d', 'b'] },
      h_new_0: { op: 'activation_tanh', input: ['e'] },
    };
    const file = path.join(dir, 'cells.json');
    writeFileSync(file, JSON.stringify([known, unknown], null, 1));
    let out = '',
      err = '';
    const ac = new AbortController();
    const code = await runPredict(
      [file, '--preset', 'proxy', '--backend', 'wasm', '--cache-dir', path.join(dir, 'cache')],
      {
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          err += s;
        },
      },
      { workerPath: WORKER_TS, signal: ac.signal },
    );
    assert.equal(code, 0, err);
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(
      lines[0],
      /LSTM · [0-9a-f]{12} · predicted test loss \d\.\d\d \[\d\.\d\d, \d\.\d\d\] · top \d+% \(proxy\) · benchmark WikiText-2 test loss \d\.\d{3} \(rank \d+\/258\)/,
    );
    assert.match(lines[1], /cell 1 · [0-9a-f]{12} · predicted test loss \d\.\d\d .* · not in the benchmark/);
    let js = '';
    assert.equal(
      await runPredict(
        [file, '--preset', 'proxy', '--backend', 'wasm', '--cache-dir', path.join(dir, 'cache'), '--json'],
        {
          stdout: (s) => {
            js += s;
          },
          stderr: () => undefined,
        },
        { workerPath: WORKER_TS, signal: ac.signal },
      ),
      0,
    );
    const parsed = JSON.parse(js) as { predictions: { prediction: { loss: number; preset: string } }[] };
    assert.equal(parsed.predictions.length, 2);
    assert.equal(parsed.predictions[0].prediction.preset, 'proxy');
    let e2 = '';
    assert.equal(
      await runPredict([file, '--seed', '3'], {
        stdout: () => undefined,
        stderr: (s) => {
          e2 += s;
        },
      }),
      2,
    );
    assert.match(e2, /do not apply/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
