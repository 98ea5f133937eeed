/** Scatter plots as SVG text, their layout, and the Score Correlations webview protocol. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeRng } from '../../src/scoring/rng';
import { ROOT, chromiumMissing, launch } from '../../testkit/graph-browser';
import { DARK_COLOURS, plotFileName, plotsFromStudy, scatterSvg } from '../../src/study/plots';
import { scatterLayout, type ScatterPoint } from '../../src/study/scatter';
import { SCORES } from '../../src/scoring/types';
import { escapeMarkup } from '../../src/shared/escape';
import { runStudy, type StudyRecord } from '../../src/study/study';
import { STUDY_PROTOCOL_VERSION, isFromStudyWebview, isToStudyWebview, studyMessage } from '../../src/study/protocol';
import { STUDY_PAGE, pageHtml } from '../../src/webviews/html';

/**
 * A small XML well-formedness check: every tag is closed in order, attributes are quoted, text and attribute
 * values hold no raw `<` and only the five predefined / numeric entities.
 */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<\?[^>]*\?>|<!--[\s\S]*?-->/g;
  let last = 0;
  const checkText = (t: string): void => {
    assert.ok(!t.includes('<'), `raw < in text: ${t.slice(0, 60)}`);
    for (const m of t.matchAll(/&([^;\s]*);?/g))
      assert.match(m[0], /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);$/i, `bad entity ${m[0]}`);
  };
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    checkText(xml.slice(last, m.index));
    last = re.lastIndex;
    if (!m[2]) continue;
    for (const a of m[3].matchAll(/="([^"]*)"/g)) checkText(a[1]);
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else if (!m[4]) stack.push(m[2]);
  }
  checkText(xml.slice(last));
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.match(xml.trimStart(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
}

function points(n: number, seed = 1): ScatterPoint[] {
  const rng = makeRng(seed).next;
  return Array.from({ length: n }, (_, i) => {
    const y = 4.5 + 2.5 * rng();
    return { x: 60 - 5 * y + 3 * rng(), y, hash: `${i.toString(16).padStart(8, '0')}`, label: `recepie ${1000 + i}` };
  });
}

test('the SVG is well-formed, has one circle per finite point, axis labels with the direction, τ and ρ in the title', () => {
  const ps = points(50);
  ps.push(
    { x: NaN, y: 5, hash: 'aa', label: 'nan score' },
    { x: Infinity, y: 5, hash: 'bb', label: 'inf score' },
    { x: 3, y: NaN, hash: 'cc', label: 'diverged' },
  );
  const svg = scatterSvg({ scoreId: 'naswot', points: ps, tau: 0.2241, rho: -0.335, dataset: 'WikiText-2' });
  assertWellFormedXml(svg);
  assert.equal((svg.match(/<circle /g) ?? []).length, 50);
  assert.match(svg, />NASWOT \(higher is better →\)</);
  assert.match(svg, />final test loss \(lower is better\)</);
  assert.match(svg, /<title>NASWOT vs test loss: τ = 0\.224, ρ = −0\.335<\/title>/);
  assert.match(svg, /WikiText-2 · 50 cells · not shown: 1 diverged, 2 with a NaN\/∞ score/);
  // every circle lies inside the plotting area
  const L = scatterLayout({ scoreId: 'naswot', points: ps }, SCORES.naswot);
  for (const p of L.points) {
    assert.ok(
      p.cx >= L.area.left - 0.01 &&
        p.cx <= L.area.right + 0.01 &&
        p.cy >= L.area.top - 0.01 &&
        p.cy <= L.area.bottom + 0.01,
    );
  }
  assert.ok(L.xTicks.length >= 3 && L.yTicks.length >= 3);
  // a lower-is-better score says so; tooltips name the cell
  const k = scatterSvg({ scoreId: 'ntk_cond', points: points(5), tau: NaN });
  assert.match(k, /TE-NAS κ \(← lower is better\)/);
  assert.match(k, /τ = n\/a/);
  assert.match(k, /<title>recepie 1000 · TE-NAS κ [^<]+ · test loss [\d.]+<\/title>/);
  assert.match(scatterSvg({ scoreId: 'zen', points: points(5) }, DARK_COLOURS), /fill="#1e1e1e"/);
});

test('text is escaped in labels, titles and tooltips', () => {
  // One escaper for every page and plot (src/shared/escape.ts): attributes are double-quoted, so `'` stays as it is.
  assert.equal(escapeMarkup(`<a href="x">&'</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;'&lt;/a&gt;");
  const svg = scatterSvg({
    scoreId: 'zen',
    points: [
      { x: 1, y: 5, hash: 'h', label: '<script>alert("x")</script> & co' },
      { x: 2, y: 6, hash: 'g', label: 'ok' },
    ],
    dataset: 'A&B <test>',
  });
  assertWellFormedXml(svg);
  assert.ok(!svg.includes('<script>'));
  assert.match(svg, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; co/);
  assert.match(svg, /A&amp;B &lt;test&gt;/);
});

test('scores spanning several decades get a log axis with power-of-ten ticks; degenerate data still draws', () => {
  const ps = Array.from({ length: 30 }, (_, i) => ({
    x: 10 ** (1 + i / 5),
    y: 5 + (i % 7) / 10,
    hash: `h${i}`,
    label: `c${i}`,
  }));
  const L = scatterLayout({ scoreId: 'ntk_cond', points: ps }, SCORES.ntk_cond);
  assert.equal(L.xLog, true);
  assert.match(L.xLabel, /log scale/);
  assert.ok(
    L.xTicks.every((t) => /^10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$/.test(t.label)),
    L.xTicks.map((t) => t.label).join(' '),
  );
  assert.equal(scatterLayout({ scoreId: 'ntk_cond', points: ps, xScale: 'linear' }, SCORES.ntk_cond).xLog, false);
  // one point, all equal, none: finite ranges and well-formed output
  for (const p of [
    [{ x: 3, y: 5, hash: 'a', label: 'a' }],
    [
      { x: 3, y: 5, hash: 'a', label: 'a' },
      { x: 3, y: 5, hash: 'b', label: 'b' },
    ],
    [],
  ]) {
    const svg = scatterSvg({ scoreId: 'params', points: p });
    assertWellFormedXml(svg);
    assert.equal((svg.match(/<circle /g) ?? []).length, p.length);
    assert.ok(!/NaN/.test(svg.replace(/<title>[^<]*<\/title>/g, '')), 'no NaN coordinates');
  }
  assert.equal(plotFileName('ntk_cond'), 'study-ntk_cond.svg');
});

function records(): StudyRecord[] {
  const rng = makeRng(3).next;
  const out: StudyRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const loss = 4 + rng();
    out.push({
      hash: i.toString(16).padStart(32, '0'),
      label: `r${i}`,
      testLoss: loss,
      valLoss: loss,
      diverged: false,
      scores: { naswot: -loss + rng() * 0.3, ntk_cond: i % 8 ? 10 ** (1 + 5 * (loss - 4)) : NaN },
    });
  }
  out.push({
    hash: 'f'.repeat(32),
    label: 'bad',
    testLoss: NaN,
    valLoss: NaN,
    diverged: true,
    scores: { naswot: -9, ntk_cond: 1e9 },
  });
  return out;
}

test('plots of a study and the webview message: NaN travels as null, the message validates', () => {
  const recs = records();
  const study = runStudy(recs, { bootstrapSamples: 50, ensemble: true });
  const specs = plotsFromStudy(recs, study, { dataset: 'Toy' });
  assert.deepEqual(
    specs.map((s) => s.scoreId),
    ['naswot', 'ntk_cond'],
  );
  assert.equal(specs[0].points.length, 41);
  assert.ok(specs[0].tau! > 0.5);
  const m = studyMessage(study, specs, { title: 'T', subtitle: 'S', dataset: 'Toy', complete: true });
  assert.equal(m.version, STUDY_PROTOCOL_VERSION);
  assert.ok(isToStudyWebview(m));
  assert.ok(isToStudyWebview(JSON.parse(JSON.stringify(m))), 'survives JSON');
  const k = m.plots.find((p) => p.id === 'ntk_cond')!;
  assert.equal(k.points.filter((p) => p.x === null).length, 5);
  assert.equal(k.nNaN, 5);
  assert.equal(m.plots[0].points[40].y, null, 'the diverged cell has no loss');
  assert.match(m.ensemble!, /cross-validated τ/);
  // malformed messages are rejected
  assert.ok(!isToStudyWebview({ ...m, plots: [{ ...m.plots[0], id: 'nope' }] }));
  assert.ok(!isToStudyWebview({ ...m, plots: [{ ...m.plots[0], tau: NaN }] }));
  assert.ok(!isToStudyWebview({ ...m, complete: 'yes' }));
  assert.ok(isFromStudyWebview({ type: 'ready' }));
  assert.ok(isFromStudyWebview({ type: 'openCell', hash: 'a'.repeat(32) }));
  assert.ok(!isFromStudyWebview({ type: 'openCell', hash: '../../etc/passwd' }));
  assert.ok(isFromStudyWebview({ type: 'exportSvg', id: 'naswot', theme: 'dark' }));
  assert.ok(!isFromStudyWebview({ type: 'exportSvg', id: 'naswot', theme: 'blue' }));
  assert.ok(!isFromStudyWebview({ type: 'log', level: 'fatal', message: 'x' }));
  assert.ok(!isFromStudyWebview(null));
});

test('your cells are marked on the plots: a labelled line at their score, clamped with an arrow when off the axis', () => {
  const recs = records();
  const study = runStudy(recs, { bootstrapSamples: 20 });
  const spec = plotsFromStudy(recs, study, { dataset: 'Toy' })[0];
  const xs = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => p.x);
  const mid = (Math.min(...xs) + Math.max(...xs)) / 2;
  const L = scatterLayout(
    {
      ...spec,
      marks: [
        { label: 'mine', x: mid },
        { label: 'far', x: Math.max(...xs) * 100 + 1e6 },
        { label: 'nan', x: NaN },
      ],
    },
    SCORES[spec.scoreId],
  );
  assert.deepEqual(
    L.marks.map((m) => [m.label, m.outside]),
    [
      ['mine', false],
      ['far', true],
    ],
  );
  assert.ok(L.marks[0].px > L.area.left && L.marks[0].px < L.area.right);
  assert.equal(L.marks[1].px, L.area.right);
  const m = studyMessage(
    study,
    [
      {
        ...spec,
        marks: [
          { label: 'mine', x: mid, hash: 'c'.repeat(32) },
          { label: 'nan', x: NaN, hash: 'd'.repeat(32) },
        ],
      },
    ],
    { title: 'T', subtitle: 'S', dataset: 'Toy', complete: true },
  );
  assert.deepEqual(m.plots[0].marks, [
    { label: 'mine', hash: 'c'.repeat(32), x: mid },
    { label: 'nan', hash: 'd'.repeat(32), x: null },
  ]);
  assert.ok(isToStudyWebview(m));
  assert.ok(!isToStudyWebview({ ...m, plots: [{ ...m.plots[0], marks: [{ label: 1, hash: 'x', x: 0 }] }] }));
});

test('the panel HTML: strict CSP with the nonce, our script and style only', () => {
  const nonce = 'abcdefghijklmnopqrstuvwxyz012345';
  const html = pageHtml(STUDY_PAGE, {
    cspSource: 'vscode-webview://x',
    asset: (folder, file) => `vscode-webview://x/${folder}/${file}`,
    nonce,
  });
  assert.match(html, /default-src 'none'/);
  assert.match(html, new RegExp(`script-src 'nonce-${nonce}'`));
  assert.match(html, new RegExp(`<script nonce="${nonce}" src="vscode-webview://x/dist/plots.js"></script>`));
  assert.match(html, /<div id="cell-lens-plots"><\/div>/);
  assert.match(html, /<link rel="stylesheet" href="vscode-webview:\/\/x\/media\/plots.css">/);
  assert.ok(!/https?:/.test(html.replace('http-equiv', '')));
  assert.throws(() => pageHtml(STUDY_PAGE, { cspSource: 'c', asset: () => 's', nonce: 'short' }));
});

// ---- the webview in headless Chromium -------------------------------------------------------------------

const PAGE = (root: string, theme: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>plots test page</title>
<style>
  body.vscode-light { --vscode-editor-background: #ffffff; --vscode-editor-foreground: #000000; --vscode-charts-blue: #1a85ff; --vscode-descriptionForeground: #717171; }
  body.vscode-dark { --vscode-editor-background: #1e1e1e; --vscode-editor-foreground: #d4d4d4; --vscode-charts-blue: #3794ff; }
</style>
<link rel="stylesheet" href="${pathToFileURL(join(root, 'media/plots.css')).href}">
<script>
  window.__posted = []; window.__state = undefined;
  window.acquireVsCodeApi = function () { return {
    postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
    getState: function () { return window.__state; },
    setState: function (s) { window.__state = JSON.parse(JSON.stringify(s)); },
  }; };
</script></head>
<body class="${theme}"><div id="cell-lens-plots"></div>
<script src="${pathToFileURL(join(root, 'dist/plots.js')).href}"></script></body></html>`;

test(
  'the webview draws the plot with d3: hover shows the cell, click opens it, Export SVG asks the host',
  { skip: chromiumMissing() ?? false },
  async () => {
    const esbuild = await import('esbuild');
    await esbuild.build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: true,
      logLevel: 'warning',
      entryPoints: [join(ROOT, 'webview/plots.ts')],
      outfile: join(ROOT, 'dist/plots.js'),
    });
    const dir = mkdtempSync(join(tmpdir(), 'cell-lens-plots-'));
    const browser = await launch();
    try {
      const file = join(dir, 'page.html');
      writeFileSync(file, PAGE(ROOT, 'vscode-light'));
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() =>
        (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'),
      );
      const recs = records();
      const study = runStudy(recs, { bootstrapSamples: 50, ensemble: true });
      const specs0 = plotsFromStudy(recs, study, { dataset: 'Toy' });
      const specs = specs0.map((sp) => ({
        ...sp,
        marks: [{ label: 'my cell', hash: 'e'.repeat(32), x: sp.points.find((q) => Number.isFinite(q.x))!.x }],
      }));
      const m = studyMessage(study, specs, {
        title: 'Toy study',
        subtitle: 'Toy · 41 cells',
        dataset: 'Toy',
        complete: true,
      });
      await page.evaluate((msg) => window.postMessage(msg, '*'), m as never);
      await page.waitForSelector('.cl-plot-points circle');
      const count = () => page.evaluate(() => document.querySelectorAll('.cl-plot-points circle').length);
      assert.equal(await count(), 35, 'the best τ first (TE-NAS κ, perfect here): 35 finite points');
      assert.equal(
        await page.evaluate(() => document.querySelectorAll('.cl-plot-mark line').length),
        1,
        "the open file's cell is marked",
      );
      assert.equal(await page.evaluate(() => document.querySelector('.cl-plot-mark text')!.textContent), 'my cell');
      assert.equal(await page.evaluate(() => document.querySelectorAll('.cl-plots-table tbody tr').length), 2);
      assert.match(
        await page.evaluate(() => document.querySelector('.cl-plot-title')!.textContent),
        /^TE-NAS κ vs test loss: τ = 1\.000/,
      );
      assert.match(
        await page.evaluate(() => document.querySelector('.cl-plot-label')!.textContent),
        /TE-NAS κ \(← lower is better\), log scale/,
      );
      // hover → tooltip with the cell; click → openCell
      const circle = page.locator('.cl-plot-points circle').first();
      await circle.hover();
      assert.equal(
        await page.evaluate(() => (document.querySelector('.cl-plots-tooltip') as HTMLElement).hidden),
        false,
      );
      assert.match(
        await page.evaluate(() => document.querySelector('.cl-plots-tooltip')!.textContent),
        /^r\d+TE-NAS κ: /,
      );
      await circle.click();
      await page.click('button:text("Export SVG")');
      // the other score via its table row
      await page.click('.cl-plots-table tbody tr[data-id="naswot"]');
      assert.equal(await count(), 40);
      assert.match(
        await page.evaluate(() => document.querySelector('.cl-plot-label')!.textContent),
        /^NASWOT \(higher is better →\)$/,
      );
      // a malformed message is reported, not rendered
      await page.evaluate(() => window.postMessage({ type: 'study', version: 1 }, '*'));
      await page.waitForFunction(() =>
        (window as unknown as { __posted: { type: string; message?: string }[] }).__posted.some(
          (m) => m.type === 'log' && /malformed/.test(String(m.message)),
        ),
      );
      const msgs = await page.evaluate(
        () => (window as unknown as { __posted: { type: string; [k: string]: unknown }[] }).__posted,
      );
      assert.ok(
        msgs.every((x) => isFromStudyWebview(x)),
        JSON.stringify(msgs),
      );
      const open = msgs.find((x) => x.type === 'openCell');
      assert.ok(open && recs.some((r) => r.hash === open.hash));
      assert.deepEqual(
        msgs.find((x) => x.type === 'exportSvg'),
        { type: 'exportSvg', id: 'ntk_cond', theme: 'light' },
      );
      assert.ok(msgs.some((x) => x.type === 'log' && /malformed/.test(String(x.message))));
      // the state is persisted for a re-shown panel
      assert.equal(
        await page.evaluate(() => (window as unknown as { __state: { selected: string } }).__state.selected),
        'naswot',
      );
      // Responsive: at 940 px (and narrower) the score table and the plot column never draw over each other.
      for (const width of [940, 760, 560]) {
        await page.setViewportSize({ width, height: 800 });
        // (a string: tsx would wrap named functions in a helper the page does not have)
        const overlap = await page.evaluate(`(() => {
        const r = (sel) => document.querySelector(sel).getBoundingClientRect();
        const table = r('.cl-plots-table'), right = r('.cl-plots-right'), left = r('.cl-plots-left');
        const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
        return { tableOverPlot: hit(table, right), tableInsideColumn: table.right <= left.right + 0.5 || document.querySelector('.cl-plots-left').scrollWidth > left.width };
      })()`);
        assert.deepEqual(overlap, { tableOverPlot: false, tableInsideColumn: true }, `at ${width} px`);
      }
      assert.deepEqual(errors, []);
      if (process.env.CELL_LENS_PLOTS_SCREENSHOT)
        await page.screenshot({ path: process.env.CELL_LENS_PLOTS_SCREENSHOT });
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
