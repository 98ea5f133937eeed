/**
 * The Score Correlations panel's message and page: one best single score (the table's τ, wherever it is named), the
 * bundled predictor's cross-validated τ beside it, and the HiddenCov plot of the bundled WikiText-2 scores drawn on
 * the rank axis with the open cell's label whole (headless Chromium).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeRng } from '../../src/scoring/rng';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { SCORE_IDS } from '../../src/scoring/ids';
import type { ScoreSettings } from '../../src/scoring/types';
import { ROOT, chromiumMissing, launch } from '../../testkit/graph-browser';
import { plotsFromStudy } from '../../src/study/plots';
import { calibrationOf, predictorSummaryFor } from '../../src/study/calibration';
import { smallCalibration } from '../helpers/calibration';
import { isToStudyWebview, studyMessage, tauText, type StudyMessage } from '../../src/study/protocol';
import { runStudy, type StudyRecord } from '../../src/study/study';

const PROXY: ScoreSettings = { ...SIZE_PRESETS.proxy, scores: [...SCORE_IDS], seed: 0, repeats: 1, backend: 'auto' };

/**
 * 257 cells with the bundled HiddenCov values of WikiText-2 (proxy preset), a test loss that follows their rank with
 * noise, NASWOT weaker, NTK trace noise, and a Hybrid that tracks the loss best of all (but is no single score).
 */
function records(): StudyRecord[] {
  const ref = JSON.parse(readFileSync(join(ROOT, 'data/reference-wikitext2.json'), 'utf8')) as {
    presets: { proxy: { scores: { hidden_cov: { values: number[] } } } };
  };
  const hc = ref.presets.proxy.scores.hidden_cov.values;
  const rng = makeRng(7).next;
  return hc.map((x, i) => {
    const loss = 6.2 - (1.5 * i) / hc.length + 0.9 * rng();
    return {
      hash: i.toString(16).padStart(32, '0'),
      label: `recepie ${1000 + i}`,
      testLoss: loss,
      valLoss: loss + 0.01,
      diverged: false,
      scores: { hidden_cov: x, naswot: -loss + 1.5 * rng(), ntk_trace: 50 + 10 * rng(), hybrid: -loss + 0.2 * rng() },
    };
  });
}

function message(): StudyMessage {
  const recs = records();
  const study = runStudy(recs, { bootstrapSamples: 50, ensemble: true });
  const specs = plotsFromStudy(recs, study, { dataset: 'WikiText-2' }).map((sp) => ({
    ...sp,
    marks: [{ label: 'recepie 1234 (lstm.json)', hash: 'e'.repeat(32), x: -1367 }],
  }));
  return studyMessage(study, specs, {
    title: 'Train-free scores vs WikiText-2 test loss',
    subtitle: 'WikiText-2 · 257 of 257 cells · proxy sizes · seed 0',
    dataset: 'WikiText-2',
    complete: true,
    predictor: predictorSummaryFor(PROXY),
  });
}

test('one best single score: the summary, the ensemble line and the table give it the same τ string', () => {
  const recs = records();
  const study = runStudy(recs, { bootstrapSamples: 50, ensemble: true });
  const m = message();
  assert.ok(isToStudyWebview(JSON.parse(JSON.stringify(m))));
  // Hybrid has the highest τ, but it is a combination: the best single score is HiddenCov.
  const byTau = [...m.plots].sort((a, b) => (b.tau ?? -2) - (a.tau ?? -2)).map((p) => p.id);
  assert.equal(byTau[0], 'hybrid');
  assert.equal(m.best, 'hidden_cov');
  const best = m.plots.find((p) => p.id === m.best)!;
  const table = tauText(best.tau); // the table's τ cell is `${tauText(p.tau)} [lo, hi]`
  // the cross-validated τ of the same score differs in these data: the footer used to call that "best single score"
  const cv = study.ensemble!.baselines.find((b) => b.id === 'hidden_cov')!.cvTau;
  assert.notEqual(cv.toFixed(3), table);
  assert.equal(
    m.bestLine,
    `Best single score: HiddenCov, τ ${table} on 257 cells (oriented: + = ranks low-loss cells first)`,
  );
  // Wherever "best single score" is written, the number after it is the table's.
  for (const line of [m.bestLine, m.ensemble, m.predictor]) {
    for (const hit of (line ?? '').matchAll(/best single score[^0-9−]*([−0-9.]+)/gi))
      assert.equal(hit[1], table, `in: ${line}`);
  }
  // the ensemble's cross-validation names its baselines by their names and says what its numbers are
  assert.match(
    m.ensemble!,
    /^Learned rank ensemble: cross-validated τ [−0-9.]+ \(mean over 5 held-out folds; on the same folds: HiddenCov [−0-9.]+ · Hybrid /,
  );
});

test("the panel shows the bundled predictor's cross-validated τ, ρ and top-10% with its cells, dataset and preset", () => {
  const p = predictorSummaryFor(PROXY)!;
  assert.equal(p.preset, 'proxy');
  assert.equal(p.dataset, 'WikiText-2');
  const m = message();
  assert.equal(
    m.predictor,
    'Loss predictor (cross-validated): τ 0.566 [0.502, 0.628] · ρ 0.742 · top-10% 0.62 — 5-fold CV on 258 WikiText-2 cells at the proxy preset (the bundled predictor: scores and cell structure)',
  );
  // the README's headline number
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /cross-validated τ of 0\.566/);
  // no predictor applies to other settings (the rule of predictionFor): no line
  assert.equal(predictorSummaryFor({ ...PROXY, seed: 3 }), undefined);
  assert.equal(predictorSummaryFor({ ...PROXY, hidden: 64 }), undefined);
});

test("with a user's calibration, the panel states that calibration's predictor: its CV, cells, dataset and file", async () => {
  const file = await smallCalibration();
  const cal = calibrationOf(file, '/cal/ptb.json');
  const p = predictorSummaryFor(PROXY, cal)!;
  assert.deepEqual(
    { dataset: p.dataset, preset: p.preset, calibration: p.calibration },
    { dataset: 'PTB', preset: 'proxy', calibration: '/cal/ptb.json' },
  );
  const cv = file.predictor.cv!;
  const s = cv.predictor;
  const m = studyMessage(runStudy(records(), { bootstrapSamples: 50 }), [], {
    title: 'Train-free scores vs PTB test loss',
    subtitle: 'PTB',
    dataset: 'PTB',
    complete: true,
    predictor: p,
  });
  assert.equal(
    m.predictor,
    `Loss predictor (cross-validated): τ ${tauText(s.tau.estimate)} [${tauText(s.tau.lo)}, ${tauText(s.tau.hi)}] · ρ ${tauText(s.rho.estimate)} · top-10% ${s.topK.estimate.toFixed(2)} — 5-fold CV on 40 PTB cells at the proxy preset (from calibration /cal/ptb.json: scores and cell structure)`,
  );
  assert.doesNotMatch(m.predictor, /WikiText-2|bundled/);
  // Its numbers, not the bundled predictor's.
  assert.notEqual(s.tau.estimate, predictorSummaryFor(PROXY)!.cv.predictor.tau.estimate);
  // The calibration's rule: its preset, seed and repeats only.
  assert.equal(predictorSummaryFor({ ...PROXY, ...SIZE_PRESETS['nas-bench-nlp'] }, cal), undefined);
  assert.equal(predictorSummaryFor({ ...PROXY, seed: 1 }, cal), undefined);
});

const PAGE = (root: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>study panel test page</title>
<style>body.vscode-light { --vscode-editor-background: #ffffff; --vscode-editor-foreground: #000000; --vscode-charts-blue: #1a85ff; --vscode-descriptionForeground: #717171; }</style>
<link rel="stylesheet" href="${pathToFileURL(join(root, 'media/plots.css')).href}">
<script>
  window.__posted = []; window.__state = undefined;
  window.acquireVsCodeApi = function () { return {
    postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
    getState: function () { return window.__state; },
    setState: function (s) { window.__state = JSON.parse(JSON.stringify(s)); },
  }; };
</script></head>
<body class="vscode-light"><div id="cell-lens-plots"></div>
<script src="${pathToFileURL(join(root, 'dist/plots.js')).href}"></script></body></html>`;

test(
  "the HiddenCov plot at 1600×900's half width: rank axis by default, the open cell's label whole, linear and symlog on pick",
  { skip: chromiumMissing() ?? false },
  async () => {
    const esbuild = await import('esbuild');
    await esbuild.build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      logLevel: 'warning',
      entryPoints: [join(ROOT, 'webview/plots.ts')],
      outfile: join(ROOT, 'dist/plots.js'),
    });
    const dir = mkdtempSync(join(tmpdir(), 'cell-lens-panel-'));
    const browser = await launch();
    try {
      const file = join(dir, 'page.html');
      writeFileSync(file, PAGE(ROOT));
      const page = await browser.newPage({ viewport: { width: 760, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() =>
        (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'),
      );
      const m = message();
      await page.evaluate((msg) => window.postMessage(msg, '*'), m as never);
      await page.waitForSelector('.cl-plot-points circle');
      const text = (sel: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? '', sel);
      // the best single score's plot first, on the rank axis
      assert.match(await text('.cl-plot-title'), /^HiddenCov vs test loss: τ = /);
      assert.match(await text('.cl-plot-label'), /^HiddenCov \(higher is better →\), rank scale/);
      assert.equal(
        await page.evaluate(() => (document.querySelector('.cl-plots-axis') as HTMLSelectElement).value),
        'auto',
      );
      assert.equal(await text('.cl-plots-axis option[value="auto"]'), 'auto: rank (percentile)');
      // summary above the table: the predictor's τ, then the best single score — its τ as the table's cell starts
      const lines = await page.evaluate(() =>
        Array.from(document.querySelectorAll('.cl-plots-summary-line')).map((e) => e.textContent),
      );
      assert.deepEqual(lines, [m.predictor, m.bestLine]);
      const cell = await text('.cl-plots-table tr.cl-best td:nth-child(5)');
      assert.ok(cell.startsWith(`${tauText(m.plots.find((p) => p.id === 'hidden_cov')!.tau)} [`), cell);
      assert.ok(m.bestLine!.includes(`τ ${cell.split(' [')[0]} `));
      // The open cell's mark: its whole label inside the plotting area and the SVG (measured in the page).
      const inside = async () =>
        page.evaluate(`(() => {
          const svg = document.querySelector('svg.cl-plot').getBoundingClientRect();
          const t = document.querySelector('.cl-plot-mark text');
          const r = t.getBoundingClientRect();
          return { text: t.textContent, inside: r.left >= svg.left - 0.5 && r.right <= svg.right + 0.5 };
        })()`);
      assert.deepEqual(await inside(), { text: 'recepie 1234 (lstm.json)', inside: true });
      // the points spread: no 1 % column of the axis holds more than a handful
      const crowd = async () =>
        page.evaluate(`(() => {
          const xs = Array.from(document.querySelectorAll('.cl-plot-points circle')).map((c) => +c.getAttribute('cx'));
          const lo = Math.min(...xs), hi = Math.max(...xs), w = (hi - lo) / 100;
          let best = 0;
          for (const x of xs) best = Math.max(best, xs.filter((y) => y >= x && y <= x + w).length);
          return { n: xs.length, densest1pct: best };
        })()`);
      const ranked = (await crowd()) as { n: number; densest1pct: number };
      assert.equal(ranked.n, 257);
      assert.ok(ranked.densest1pct <= 5, JSON.stringify(ranked));
      if (process.env.CELL_LENS_PANEL_SCREENSHOT)
        await page.screenshot({
          path: process.env.CELL_LENS_PANEL_SCREENSHOT.replace('.png', '-rank.png'),
          fullPage: true,
        });
      // linear on pick: the crowd at 0 the user met, the label still whole; symlog spreads again
      await page.selectOption('.cl-plots-axis', 'linear');
      assert.doesNotMatch(await text('.cl-plot-label'), /scale/);
      const linear = (await crowd()) as { n: number; densest1pct: number };
      assert.ok(linear.densest1pct > 100, JSON.stringify(linear));
      assert.deepEqual(await inside(), { text: 'recepie 1234 (lstm.json)', inside: true });
      if (process.env.CELL_LENS_PANEL_SCREENSHOT)
        await page.screenshot({
          path: process.env.CELL_LENS_PANEL_SCREENSHOT.replace('.png', '-linear.png'),
          fullPage: true,
        });
      await page.selectOption('.cl-plots-axis', 'symlog');
      assert.match(await text('.cl-plot-label'), /symmetric log scale/);
      assert.deepEqual(await inside(), { text: 'recepie 1234 (lstm.json)', inside: true });
      // the pick is kept for the next score and for the exported SVG
      await page.click('.cl-plots-table tbody tr[data-id="naswot"]');
      assert.match(await text('.cl-plot-label'), /^NASWOT \(higher is better →\), symmetric log scale/);
      await page.click('button:text("Export SVG")');
      const posted = await page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
      assert.deepEqual(
        posted.find((x) => x.type === 'exportSvg'),
        { type: 'exportSvg', id: 'naswot', theme: 'light', xScale: 'symlog' },
      );
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
