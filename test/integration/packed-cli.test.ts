/**
 * The packed command line (`npm run package:cli` → cell-lens-<version>.tgz) installs outside the checkout, with the
 * registry turned off, and runs from there: `check`, `score --preset proxy` (the same values as the checkout's CLI),
 * `predict` and a 12-cell `study`. The commands run in a temporary folder with a clean environment (no npm_* variables),
 * through the installed bin.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJson } from '../../src/scoring/cache';
import { EXAMPLES_PATH, REPO } from '../helpers/data';
import { ensureBuilt, runCli } from '../helpers/cli';

let tmp = '';
let prefix = '';
let work = '';
let bin = '';
const timings: string[] = [];

/** This environment without npm's variables (as a fresh shell would have it), with this node first on PATH. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`, ...extra };
}

function timed<T>(label: string, f: () => T): T {
  const t0 = Date.now();
  const r = f();
  timings.push(`${label} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

/** The installed `cell-lens` in the work folder. */
function cellLens(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { cwd: work, env: cleanEnv(), timeout: 300_000, maxBuffer: 16 * 2 ** 20 },
      (error, out, err) => {
        timings.push(`cell-lens ${args[0]} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out, err });
      },
    );
  });
}

before(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cell-lens-packed-')));
  prefix = path.join(tmp, 'prefix');
  work = path.join(tmp, 'work');
  mkdirSync(work);
  const tgz = path.join(tmp, 'cell-lens.tgz');
  const pack = timed('pack', () =>
    spawnSync(process.execPath, [path.join(REPO, 'scripts/package-cli.mjs'), '--out', tgz], {
      cwd: REPO,
      encoding: 'utf8',
    }),
  );
  assert.equal(pack.status, 0, `${pack.stdout}\n${pack.stderr}`);
  // The registry is turned off twice: --offline, and a registry address nothing listens on; an empty cache.
  const install = timed('npm install -g', () =>
    spawnSync(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        './cell-lens.tgz',
      ],
      {
        cwd: tmp,
        encoding: 'utf8',
        env: cleanEnv({ npm_config_cache: path.join(tmp, 'npm-cache'), npm_config_registry: 'http://127.0.0.1:9/' }),
      },
    ),
  );
  assert.equal(install.status, 0, `${install.stdout}\n${install.stderr}`);
  bin = path.join(prefix, 'bin', 'cell-lens');
});

after(() => {
  if (timings.length) console.log(`# packed CLI: ${timings.join(', ')}`);
  rmSync(tmp, { recursive: true, force: true });
});

test('the tarball installs alone: a bin inside the prefix, no dependencies, nothing that points into the checkout', () => {
  assert.ok(existsSync(bin), `${bin} exists`);
  const target = realpathSync(bin);
  assert.ok(target.startsWith(prefix + path.sep), `${target} is inside ${prefix}`);
  const pkgDir = path.join(prefix, 'lib', 'node_modules', 'cell-lens');
  assert.equal(target, path.join(pkgDir, 'dist', 'cli.js'));
  assert.ok(!existsSync(path.join(pkgDir, 'node_modules')), 'no dependencies were installed');
  const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.scripts, undefined, 'no install scripts');
  for (const f of readdirSync(path.join(pkgDir, 'dist')).filter((n) => n.endsWith('.js')))
    assert.ok(!readFileSync(path.join(pkgDir, 'dist', f), 'utf8').includes(REPO), `dist/${f} names no checkout path`);
});

test('check, score, predict and study run from the installed bin', async () => {
  const check = await cellLens(['check', EXAMPLES_PATH]);
  assert.equal(check.code, 0, check.err);
  assert.match(check.out, /10 cells, 0 errors/);

  const cells = JSON.parse(readFileSync(EXAMPLES_PATH, 'utf8')) as unknown[];
  writeFileSync(path.join(work, 'rnn.json'), JSON.stringify(cells[0], null, 1));
  const args = ['score', 'rnn.json', '--preset', 'proxy', '--json', '--no-cache'];
  const score = await cellLens(args);
  assert.equal(score.code, 0, score.err);
  // The same values, to the bit, as the checkout's command line.
  ensureBuilt();
  const here = await runCli(work, args);
  assert.equal(here.code, 0, here.err);
  type Out = { files: { cells: { report: { results: { id: string; values: unknown[] }[] } }[] }[] };
  const values = (o: string) =>
    (decodeJson(o) as Out).files[0].cells[0].report.results.map((r) => [r.id, r.values] as const);
  assert.equal(values(score.out).length, 13, 'every score');
  assert.deepEqual(values(score.out), values(here.out));

  const predict = await cellLens(['predict', 'rnn.json', '--preset', 'proxy', '--json']);
  assert.equal(predict.code, 0, predict.err);

  const study = await cellLens(['study', '--limit', '12', '--preset', 'proxy', '--out', 'study', '--no-cache']);
  assert.equal(study.code, 0, study.err);
  const results = decodeJson(readFileSync(path.join(work, 'study', 'results.json'), 'utf8')) as { cells: unknown[] };
  assert.equal(results.cells.length, 12);
  assert.ok(existsSync(path.join(work, 'study', 'report.md')));
});
