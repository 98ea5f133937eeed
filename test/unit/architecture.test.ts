/**
 * The layer rule of docs/architecture.md, enforced: dependency-cruiser (.dependency-cruiser.cjs) over src/,
 * webview/ and bench/ finds no circle (type imports counted), no import from a lower layer into a higher one, no
 * `vscode` in pure code and no test file in a benchmark; the same rules find every violation planted in
 * test/fixtures/architecture (so the check cannot pass by checking nothing); and the browser bundles contain no
 * scoring model or score module, no scoring process, editor or host-panel code and no TensorFlow.js.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { REPO } from '../helpers/data';

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

function cruise(cwd: string, paths: string[]): Violation[] {
  const r = spawnSync(
    process.execPath,
    [
      join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      ...paths,
      '--config',
      join(REPO, '.dependency-cruiser.cjs'),
      '--output-type',
      'json',
    ],
    { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  assert.ok(r.stdout, `depcruise printed nothing: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  return out.summary.violations;
}

test('the import graph keeps the layers: no circle, no upward import, no vscode in pure code, no test file in bench/', () => {
  const v = cruise(REPO, ['src', 'webview', 'bench', 'testkit']);
  assert.deepEqual(
    v.map((x) => `${x.rule.name}: ${x.from} → ${x.to}`),
    [],
  );
});

test('the layer rules find each violation planted in test/fixtures/architecture', () => {
  const v = cruise(join(REPO, 'test/fixtures/architecture'), ['src', 'webview']);
  const found = new Set(v.map((x) => `${x.rule.name}: ${x.from} → ${x.to}`));
  for (const want of [
    /^no-circular: src\/scoring\/model\/a\.ts → src\/scoring\/model\/b\.ts$/,
    /^layer-scoring: src\/scoring\/model\/a\.ts → src\/study\/s\.ts$/,
    /^scoring-model-below-scores: src\/scoring\/model\/a\.ts → src\/scoring\/scores\/x\.ts$/,
    /^layer-study: src\/study\/s\.ts → src\/editor\/e\.ts$/,
    /^pure-without-vscode: src\/study\/v\.ts → (vscode|.*node_modules\/@types\/vscode\/index\.d\.ts)$/,
    /^webview-imports-only-shared: webview\/w\.ts → src\/editor\/e\.ts$/,
  ])
    assert.ok(
      [...found].some((f) => want.test(f)),
      `${String(want)} not found among:\n${[...found].join('\n')}`,
    );
});

const FORBIDDEN_IN_BROWSER =
  /^(src\/(scoring\/(model|scores)|process|editor|webviews|cli|search)\/|node_modules\/@tensorflow\/)/;

test('the webview bundles contain no score, model, process, editor or TensorFlow.js module', async (t) => {
  for (const entry of ['main', 'plots', 'compare', 'table']) {
    const r = await esbuild.build({
      absWorkingDir: REPO,
      entryPoints: [`webview/${entry}.ts`],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    const bad = inputs.filter((p) => FORBIDDEN_IN_BROWSER.test(p));
    assert.deepEqual(bad, [], `webview/${entry}.ts bundles ${bad.join(', ')}`);
    t.diagnostic(`webview/${entry}.ts: ${r.outputFiles[0].contents.length} bytes, ${inputs.length} modules`);
  }
});
