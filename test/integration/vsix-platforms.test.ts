/**
 * The extension's platforms (README "Platforms"): the universal .vsix (`npm run package`) carries no native code, and
 * its scoring worker — WebAssembly alone — scores the ten example cells with the values of the checkout's worker, to the
 * bit, where the checkout's has the native matrix-product addon. A per-platform package is packed only for this
 * machine's platform (the addon is not cross-compiled).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { decodeJson } from '../../src/scoring/cache';
import { EXAMPLES_PATH, REPO } from '../helpers/data';
import { CLI, ensureBuilt } from '../helpers/cli';

let tmp = '';
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-vsix-'));
  ensureBuilt();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** `node dist/cli.js score` of the ten example cells at the proxy size on wasm, with `worker` as the scoring worker. */
function score(worker: string): { values: unknown; log: string } {
  const r = spawnSync(
    process.execPath,
    [CLI, 'score', EXAMPLES_PATH, '--preset', 'proxy', '--backend', 'wasm', '--json', '--no-cache', '--verbose'],
    { cwd: tmp, encoding: 'utf8', env: { ...process.env, CELL_LENS_WORKER: worker }, maxBuffer: 64 * 2 ** 20 },
  );
  assert.equal(r.status, 0, r.stderr);
  type Out = { files: { cells: { label: string; report: { results: { id: string; values: unknown[] }[] } }[] }[] };
  const cells = (decodeJson(r.stdout) as Out).files[0].cells;
  assert.equal(cells.length, 10);
  return { values: cells.map((c) => [c.label, c.report.results.map((s) => [s.id, s.values])]), log: r.stderr };
}

test('the universal vsix has no native addon and scores the example cells with the same values', () => {
  const vsix = path.join(tmp, 'universal.vsix');
  const pack = spawnSync(process.execPath, [path.join(REPO, 'scripts/package.mjs'), '--out', vsix], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(pack.status, 0, `${pack.stdout}\n${pack.stderr}`);
  const files = unzipSync(readFileSync(vsix));
  const names = Object.keys(files);
  assert.deepEqual(
    names.filter((n) => n.endsWith('.node')),
    [],
    'no native code in the universal package',
  );
  assert.ok(names.includes('extension/dist/worker.js'));
  const dist = path.join(tmp, 'extension', 'dist');
  mkdirSync(dist, { recursive: true });
  for (const n of names.filter((f) => f.startsWith('extension/dist/'))) writeFileSync(path.join(tmp, n), files[n]);

  const packed = score(path.join(dist, 'worker.js'));
  assert.doesNotMatch(packed.log, /native AVX2/, 'the packed worker runs WebAssembly alone');
  const checkout = score(path.join(REPO, 'dist', 'worker.js'));
  if (!existsSync(path.join(REPO, 'dist', 'cell_lens_native.node')))
    console.log('# the checkout has no native addon either (scripts/build-native.mjs did not build it): wasm vs wasm');
  else assert.match(checkout.log, /native AVX2 matrix products/, "the checkout's worker multiplies natively");
  assert.deepEqual(packed.values, checkout.values);
});

test('a per-platform package is refused for another platform than this one', () => {
  const other = process.platform === 'linux' ? 'darwin-arm64' : 'linux-x64';
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/package.mjs'), '--target', other], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /built for this machine only/);
});
