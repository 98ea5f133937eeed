/** Suggested edits ranked by the verdict's predicted loss (src/report/suggest.ts), with a fake scorer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_CELLS } from '../../src/recipe/known';
import { formatDelta, suggestEdits, suggestSettings, type SuggestProgress } from '../../src/report/suggest';
import { cellVerdict, useCalibration } from '../../src/report/verdict';
import { calibrationOf } from '../../src/study/calibration';
import { smallCalibration } from '../helpers/calibration';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import type { ScoreReport, ScoreSettings } from '../../src/scoring/types';
import { PREDICTORS } from '../../src/study/predictions';
import type { Scorer } from '../../src/study/runner';

const LSTM = KNOWN_CELLS.find((c) => c.name === 'LSTM')!.recipe;

/** A report whose values follow from the hash (the same cell always gets the same values). */
function fakeReport(hash: string, settings: ScoreSettings): ScoreReport {
  let h = parseInt(hash.slice(0, 8), 16);
  const next = () => ((h = (h * 1103515245 + 12345) >>> 0) / 2 ** 32) * 10;
  return {
    hash,
    settings,
    backend: 'cpu',
    totalMs: 1,
    results: settings.scores.map((id) => ({
      id,
      value: next(),
      std: 0,
      values: [],
      seed: 0,
      repeats: 1,
      wallMs: 0,
      backend: 'cpu' as const,
    })),
  };
}

function fakeScorer(calls: string[] = [], fail?: (hash: string) => boolean): Scorer {
  return async (_recipe, settings, signal, hash) => {
    if (signal.aborted) throw new Error('cancelled');
    calls.push(hash!);
    await new Promise((r) => setImmediate(r));
    if (fail?.(hash!)) throw new Error('crash');
    return fakeReport(hash!, settings);
  };
}

test('suggestSettings: the proxy sizes, exactly the scores the proxy predictor reads, seed 0, one repeat', () => {
  const s = suggestSettings('proxy', 'cpu');
  assert.deepEqual(
    { ...s, scores: [...s.scores] },
    { ...SIZE_PRESETS.proxy, scores: PREDICTORS.proxy!.scoreIds, seed: 0, repeats: 1, backend: 'cpu' },
  );
});

test('the best k by predicted loss, with Δ against the original and the verdict’s prediction of each edited cell', async () => {
  const progress: SuggestProgress[] = [];
  const calls: string[] = [];
  const r = await suggestEdits(LSTM, fakeScorer(calls), { top: 4, onProgress: (p) => progress.push(p) });
  assert.equal(calls.length, 61); // the original and 60 edits
  assert.equal(r.scored, 60);
  assert.equal(r.suggestions.length, 4);
  assert.equal(r.aborted, false);
  assert.deepEqual(
    progress.map((p) => p.done),
    Array.from({ length: 61 }, (_, i) => i + 1),
  );
  assert.ok(progress.every((p) => p.total === 61));
  assert.equal(r.prediction.loss, cellVerdict(r.report, LSTM).prediction!.loss);
  for (let i = 0; i < r.suggestions.length; i++) {
    const s = r.suggestions[i];
    assert.equal(s.prediction.loss, cellVerdict(s.report, s.edit.recipe).prediction!.loss);
    assert.equal(s.delta, s.prediction.loss - r.prediction.loss);
    if (i > 0) assert.ok(r.suggestions[i - 1].prediction.loss <= s.prediction.loss);
  }
  // Nothing left out is better than the last shown.
  const all = await suggestEdits(LSTM, fakeScorer(), { top: 100 });
  assert.equal(all.suggestions.length, 60);
  assert.deepEqual(
    all.suggestions.slice(0, 4).map((s) => s.edit.hash),
    r.suggestions.map((s) => s.edit.hash),
  );
  assert.equal(r.improving, all.suggestions.filter((s) => s.delta < 0).length);
});

test('the same ranking with 3 cells in flight as with 1', async () => {
  const one = await suggestEdits(LSTM, fakeScorer(), { top: 10 });
  const three = await suggestEdits(LSTM, fakeScorer(), { top: 10, parallel: 3 });
  assert.deepEqual(
    three.suggestions.map((s) => [s.edit.text, s.prediction.loss]),
    one.suggestions.map((s) => [s.edit.text, s.prediction.loss]),
  );
});

test('cancelled: no further cell is started; what was scored is ranked', async () => {
  const ac = new AbortController();
  const calls: string[] = [];
  const r = await suggestEdits(LSTM, fakeScorer(calls), {
    signal: ac.signal,
    parallel: 2,
    onProgress: (p) => {
      if (p.done === 10) ac.abort();
    },
  });
  assert.equal(r.aborted, true);
  assert.ok(calls.length <= 11, `${calls.length} cells started`);
  assert.ok(r.scored >= 8 && r.scored <= 10, `${r.scored} scored`);
});

test('an edit whose scoring fails is left out and counted; a failing original rejects', async () => {
  let n = 0;
  const r = await suggestEdits(
    LSTM,
    fakeScorer([], () => n++ % 7 === 3),
  );
  assert.ok(r.failed > 0);
  assert.equal(r.scored + r.failed, 60);
  await assert.rejects(
    suggestEdits(
      LSTM,
      fakeScorer([], () => true),
    ),
    /crash/,
  );
});

test('formatDelta: a signed loss difference', () => {
  assert.equal(formatDelta(-0.0421), '−0.042');
  assert.equal(formatDelta(0.013), '+0.013');
  assert.equal(formatDelta(NaN), '—');
});

test('the original report can come from the caller (it is not scored again)', async () => {
  const calls: string[] = [];
  const first = await suggestEdits(LSTM, fakeScorer());
  const r = await suggestEdits(LSTM, fakeScorer(calls), { report: first.report });
  assert.equal(calls.length, 60);
  assert.equal(r.prediction.loss, first.prediction.loss);
});

test("with a calibration: its predictor's scores, seed and repeats, and every prediction is of its dataset", async () => {
  const file = await smallCalibration();
  const cal = calibrationOf(
    {
      ...file,
      settings: { ...file.settings, seed: 3 },
      reference: { ...file.reference, settings: { ...file.reference.settings, seed: 3 } },
    },
    '/cal/ptb.json',
  );
  const s = suggestSettings('proxy', 'cpu', cal);
  assert.deepEqual(
    { ...s, scores: [...s.scores] },
    { ...SIZE_PRESETS.proxy, scores: file.predictor.scoreIds, seed: 3, repeats: 1, backend: 'cpu' },
  );
  assert.throws(
    () => suggestSettings('nas-bench-nlp', 'cpu', cal),
    /no predictor of the PTB calibration for the nas-bench-nlp preset/,
  );
  const ptb = calibrationOf(file, '/cal/ptb.json');
  const bundled = await suggestEdits(LSTM, fakeScorer(), { top: 3 });
  const r = await suggestEdits(LSTM, fakeScorer(), { top: 3, calibration: ptb });
  assert.equal(r.prediction.dataset, 'PTB');
  assert.equal(r.prediction.nCells, 40);
  assert.equal(r.prediction.calibrated, true);
  assert.equal(r.prediction.loss, cellVerdict(r.report, LSTM, ptb).prediction!.loss);
  assert.notEqual(r.prediction.loss, bundled.prediction.loss);
  assert.equal(bundled.prediction.dataset, 'WikiText-2');
  for (const x of r.suggestions) {
    assert.equal(x.prediction.dataset, 'PTB');
    assert.equal(x.prediction.loss, cellVerdict(x.report, x.edit.recipe, ptb).prediction!.loss);
    assert.equal(x.delta, x.prediction.loss - r.prediction.loss);
  }
  // The active calibration is the default (the editor's command and lens read the same one).
  useCalibration(ptb);
  try {
    const active = await suggestEdits(LSTM, fakeScorer(), { top: 3 });
    assert.deepEqual(
      active.suggestions.map((x) => [x.edit.hash, x.prediction.loss]),
      r.suggestions.map((x) => [x.edit.hash, x.prediction.loss]),
    );
  } finally {
    useCalibration(undefined);
  }
});
