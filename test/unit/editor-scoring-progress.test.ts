/**
 * One progress state (src/editor/scoringProgress.ts): at every step of a run, the CodeLens (scoringLensTitle of
 * the cell's progress) shows the percent the status bar shows (ScoringActivity.label), and when the run ends both
 * are idle at once — no lens left at "scoring… 67%" beside an idle status bar. Pure: no VS Code, no process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoringActivity } from '../../src/editor/scoringProgress';
import { scoringLensTitle } from '../../src/report/scoreFormat';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell, STEP_WORDS } from '../../src/scoring/engine';
import { SCORE_IDS } from '../../src/scoring/types';
import type { Recipe } from '../../src/recipe/types';

/** What the lens of `hash` and the status bar show after each change, as percents (undefined: idle). */
function recorder(hashes: readonly string[]) {
  const seen: { lens: (number | undefined)[]; bar: string | undefined }[] = [];
  const activity = new ScoringActivity(() => {
    const lens = hashes.map((h) => {
      const p = activity.of(h);
      const m = p && /scoring… (\d+)%/.exec(scoringLensTitle(p.percent));
      return m ? Number(m[1]) : undefined;
    });
    seen.push({ lens, bar: activity.label() });
  });
  return { activity, seen };
}

const barPercent = (bar: string | undefined) => {
  const m = bar && /^Scoring .* (\d+)%$/.exec(bar);
  return m ? Number(m[1]) : undefined;
};

test('one cell at a time: the lens percent equals the status bar percent at every step, and both end together', () => {
  const { activity, seen } = recorder(['h1', 'h2']);
  const run = activity.begin(2);
  const a = run.start('LSTM (a.json)', 'h1');
  for (const done of [1, 2]) run.progress(a, done, 3);
  run.finish(a);
  const b = run.start('GRU (a.json)', 'h2');
  run.progress(b, 1, 2);
  run.progress(b, 2, 2);
  run.finish(b);
  assert.equal(run.fraction, 1, 'the notification reaches 100%');
  run.end();
  assert.ok(seen.length >= 7, JSON.stringify(seen));
  assert.ok(
    seen.some((s) => s.lens[0] === 67),
    `the 67% step was shown: ${JSON.stringify(seen)}`,
  );
  for (const s of seen) {
    const shown = s.lens.filter((x) => x !== undefined);
    assert.ok(shown.length <= 1, 'one cell in flight');
    assert.equal(barPercent(s.bar), shown[0], `lens and status bar agree: ${JSON.stringify(s)}`);
  }
  // The moment a cell finishes, and when the run ends: nothing spins anywhere.
  assert.deepEqual(seen.at(-1), { lens: [undefined, undefined], bar: undefined });
  assert.equal(activity.busy, false);
});

test('a task without a cell (a search or study cell) shows the caller’s label and no lens', () => {
  const { activity, seen } = recorder(['h1']);
  const run = activity.begin(1);
  const item = run.start('Search: cell 12 of 60');
  assert.deepEqual(seen.at(-1), { lens: [undefined], bar: 'Search: cell 12 of 60' });
  run.finish(item);
  run.end();
  assert.deepEqual(seen.at(-1), { lens: [undefined], bar: undefined });
});

test('the engine’s progress messages name what is computed in plain words (no internal pass names)', async () => {
  await initBackend('cpu');
  const recipe: Recipe = {
    l: { op: 'linear', input: ['x', 'h_prev_0'] },
    h_new_0: { op: 'activation_tanh', input: ['l'] },
  };
  const small = { vocab: 50, embed: 8, hidden: 8, layers: 1, seqLen: 4, batch: 4, seed: 0, backend: 'cpu' as const };
  const words: string[] = Object.values(STEP_WORDS);
  for (const repeats of [1, 2]) {
    const messages: string[] = [];
    await scoreCell(
      recipe,
      { ...small, repeats, scores: [...SCORE_IDS] },
      { onProgress: (p) => messages.push(p.message) },
    );
    const plain = [...words, 'scores computed'];
    const prefix = repeats > 1 ? /^repeat [12] of 2 \(seed [01]\): / : /^/;
    for (const m of messages) {
      assert.match(m, prefix);
      assert.ok(plain.includes(m.replace(prefix, '')), `a plain message: "${m}" (of ${JSON.stringify(messages)})`);
      assert.doesNotMatch(m, /\bpass\b|\bgauss\b|\bhidden pass\b|forward \+ backward/);
    }
    for (const w of words)
      assert.ok(
        messages.some((m) => m.endsWith(w)),
        `"${w}" is shown: ${messages.join(' | ')}`,
      );
  }
});
