/** The score texts of the editor (lens, tooltip, hover): numbers, NaN/∞ with reasons, directions, settings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  predictedRankText,
  predictionMarkdown,
  scoreLensTitles,
  scoreLensTooltip,
  scoreTableMarkdown,
  settingsSummary,
  verdictHoverMarkdown,
} from '../../src/report/scoreFormat';
import { cellVerdict } from '../../src/report/verdict';
import { formatScore, formatWithSpread } from '../../src/shared/format';
import {
  SCORES,
  SCORE_IDS,
  DEFAULT_SIZES,
  type ScoreReport,
  type ScoreResult,
  type ScoreSettings,
} from '../../src/scoring/types';
import { SIZE_PRESETS, presetOf } from '../../src/scoring/presets';
import { REFERENCE } from '../../src/scoring/reference';

const settings: ScoreSettings = { ...DEFAULT_SIZES, scores: [...SCORE_IDS], seed: 3, repeats: 2, backend: 'auto' };

function result(id: ScoreResult['id'], value: number, extra: Partial<ScoreResult> = {}): ScoreResult {
  return {
    id,
    value,
    std: Number.isFinite(value) ? 0.5 : NaN,
    values: [value, value],
    seed: 3,
    repeats: 2,
    wallMs: 1234,
    backend: 'wasm',
    ...extra,
  };
}

test('formatScore: 3–4 significant digits, exponent form for very large/small, NaN and infinities as words', () => {
  assert.equal(formatScore(12.345), '12.3');
  assert.equal(formatScore(834.06), '834.1');
  assert.equal(formatScore(-4.4321), '-4.43');
  assert.equal(formatScore(1234), '1234');
  assert.equal(formatScore(123456.7), '1.2e5');
  assert.equal(formatScore(0.00123), '1.2e-3');
  assert.equal(formatScore(0), '0');
  assert.equal(formatScore(NaN), 'NaN');
  assert.equal(formatScore(Infinity), '∞');
  assert.equal(formatScore(-Infinity), '−∞');
  assert.equal(formatScore(20352000), '2.0e7');
});

test('a spread is shown only for repeats with finite values', () => {
  assert.equal(formatWithSpread(result('zen', 12.34)), '12.3 ± 0.5');
  assert.equal(formatWithSpread(result('zen', 12.34, { repeats: 1 })), '12.3');
  assert.equal(formatWithSpread(result('naswot', NaN)), 'NaN');
});

const report: ScoreReport = {
  hash: 'a'.repeat(32),
  settings,
  backend: 'wasm',
  totalMs: 65_400,
  results: [
    result('zen', 12.34),
    result('naswot', NaN, { reason: 'kernel determinant is 0: inputs 1 | 2 share a code' }),
    result('ntk_cond', Infinity, { reason: 'λ_min is 0' }),
    result('params', 20352000),
  ],
};

test('the score lens shows the best chosen score (NaN as NaN), the first computed one when none was', () => {
  // seed 3, 2 repeats: no reference population, so no percentiles and no shorter title.
  assert.deepEqual(scoreLensTitles(cellVerdict(report), ['zen', 'naswot', 'ntk_cond']), ['$(beaker) Zen 12.3']);
  assert.deepEqual(scoreLensTitles(cellVerdict(report), ['naswot', 'zen']), ['$(beaker) NASWOT NaN']);
  assert.deepEqual(scoreLensTitles(cellVerdict(report), ['ntk_cond']), ['$(beaker) TE-NAS κ ∞']);
  // Chosen scores that were not computed: the first computed one is shown instead.
  assert.deepEqual(scoreLensTitles(cellVerdict(report), ['synflow']), ['$(beaker) Zen 12.3']);
  // The hover names the three chosen ones, says how many more the report has, and that no population applies.
  assert.equal(
    verdictHoverMarkdown(cellVerdict(report), ['zen', 'naswot', 'ntk_cond']),
    'Zen **12.3** · NASWOT **NaN** · TE-NAS κ **∞** · 1 more — _full size, no reference population_',
  );
});

test('tooltip and hover: every score with its direction; undefined ones with their reason; settings and time', () => {
  const tip = scoreLensTooltip(cellVerdict(report));
  assert.match(tip, /^Zen: 12\.3 ± 0\.5 \(higher is better\)$/m);
  assert.match(tip, /^TE-NAS κ: ∞ \(lower is better\) — λ_min is 0$/m);
  assert.match(tip, /1 min 5 s/);
  const md = scoreTableMarkdown(cellVerdict(report));
  const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| score'));
  assert.equal(rows.length, report.results.length);
  for (const r of report.results) {
    const row = rows.find((l) => l.startsWith(`| ${SCORES[r.id].label} |`));
    assert.ok(row, `row for ${r.id}`);
    assert.match(row, SCORES[r.id].better === 'higher' ? /↑ higher/ : /↓ lower/);
    assert.ok(row.includes('1.2 s'));
    assert.equal(row.split(/(?<!\\)\|/).length, 8, `a pipe in a cell is escaped: ${row}`);
  }
  assert.match(md, /\*\*NASWOT is NaN\*\*: kernel determinant is 0: inputs 1 \\\| 2 share a code/);
  assert.match(md, /\| #params \| 20,352,000 \(vocab 10,000\) \|/);
  assert.match(md, /No reference population for these settings/);
  assert.match(md, /\*\*TE-NAS κ is ∞\*\*: λ_min is 0/);
  assert.match(
    md,
    /NAS-Bench-NLP size \(vocab 10000, embed 400, hidden 600, 3 layers, seq 35, batch 16\) · seed 3 · 2 repeats · backend wasm · total 1 min 5 s/,
  );
  assert.ok(!/NaN\.|\d NaN/.test(md.replace(/NASWOT is NaN|NaN \|/g, '')), 'NaN never next to a number');
});

test('settings summaries name the preset the sizes match', () => {
  assert.equal(presetOf({ ...settings, ...SIZE_PRESETS.proxy }), 'proxy');
  assert.equal(presetOf(settings), 'nas-bench-nlp');
  assert.equal(presetOf({ ...settings, batch: 4 }), undefined);
  assert.match(
    settingsSummary({ ...settings, ...SIZE_PRESETS.proxy, repeats: 1 }),
    /^proxy size \(vocab 1000, embed 32, hidden 48, 2 layers, seq 10, batch 8\) · seed 3 · 1 repeat$/,
  );
  assert.match(settingsSummary({ ...settings, layers: 1 }), /^custom size \(.*1 layer,/);
});

test('at a reference preset the lens, tooltip and hover carry percentiles and the measured evidence', () => {
  const proxy: ScoreSettings = { ...SIZE_PRESETS.proxy, scores: [...SCORE_IDS], seed: 0, repeats: 1, backend: 'auto' };
  const one = (id: ScoreResult['id'], value: number): ScoreResult => ({
    id,
    value,
    std: 0,
    values: [value],
    seed: 0,
    repeats: 1,
    wallMs: 10,
    backend: 'wasm',
  });
  const ref = REFERENCE.presets.proxy!.scores;
  const med = (id: string) => ref[id].values[Math.floor(ref[id].values.length / 2)];
  const rep: ScoreReport = {
    hash: 'b'.repeat(32),
    settings: proxy,
    backend: 'wasm',
    totalMs: 100,
    results: [one('hidden_cov', med('hidden_cov')), one('naswot', med('naswot')), one('ntk_cond', med('ntk_cond'))],
  };
  const titles = scoreLensTitles(cellVerdict(rep), ['hidden_cov', 'naswot', 'ntk_cond']);
  assert.equal(titles.length, 2);
  assert.match(titles[0], /^\$\(beaker\) HiddenCov -?[\d.e-]+ \((49|50|51)th pct\)$/);
  assert.match(titles[1], /^\$\(beaker\) HiddenCov (49|50|51)th pct$/);
  assert.match(
    verdictHoverMarkdown(cellVerdict(rep), ['hidden_cov', 'naswot', 'ntk_cond']),
    /^HiddenCov \*\*-?[\d.e-]+\*\* \((49|50|51)th pct\) · NASWOT \*\*[\d.e-]+\*\* \((49|50|51)th pct\) · TE-NAS κ \*\*[\d.e-]+\*\* \((49|50|51)th pct\) — _percentiles of 258 WikiText-2 cells, proxy preset_$/,
  );
  assert.match(scoreLensTooltip(cellVerdict(rep)), /HiddenCov: .*, (49|50|51)th percentile \(higher is better\)/);
  const md = scoreTableMarkdown(cellVerdict(rep));
  assert.match(md, /\| HiddenCov \| [^|]+ \| (49|50|51)th \| ↑ higher \(τ 0\.\d\d \[0\.\d\d, 0\.\d\d\]\) \|/);
  assert.match(md, /trained WikiText-2 cells this cell scores better than/);
  // The lens scores' formulas from the registry.
  assert.match(
    scoreTableMarkdown(cellVerdict(rep), ['hidden_cov', 'ntk_cond']),
    /\*\*Definitions\*\*[\s\S]*- \*\*HiddenCov\*\*: At every step[\s\S]*- \*\*TE-NAS κ\*\*: Θ as in ntk_trace/,
  );
});

test('the predicted loss says where it would rank in counts: the best cell is "rank 1 of 258", never "better than 100 %"', () => {
  // A benchmark cell is one of the 258: a predicted loss below every recorded one ranks first, not "beats 100 %".
  assert.equal(predictedRankText({ percentile: 100, nCells: 258 }), 'would rank 1 of 258 trained benchmark cells');
  assert.equal(
    predictedRankText({ percentile: (100 * 200) / 258, nCells: 258 }),
    'would rank 59 of 258 trained benchmark cells',
  );
  assert.equal(predictedRankText({ percentile: 0, nCells: 258 }), 'below all 258 trained benchmark cells');
  const md = predictionMarkdown({
    dataset: 'WikiText-2',
    preset: 'proxy',
    loss: 4.4,
    lo: 4.2,
    hi: 4.6,
    percentile: 100,
    topPercent: 1,
    nCells: 258,
    missing: [],
    lossText: '4.40 [4.20, 4.60]',
    topText: 'top 1%',
  } as unknown as Parameters<typeof predictionMarkdown>[0]);
  assert.match(
    md,
    /\*\*Predicted WikiText-2 test loss: 4\.40 \[4\.20, 4\.60\]\*\* \(80 % interval\), would rank 1 of 258 trained benchmark cells \(top 1%\)\./,
  );
  assert.doesNotMatch(md, /100 %/);
});
