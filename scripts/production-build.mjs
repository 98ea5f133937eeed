// The one production build both packages are made of: the extension's .vsix (scripts/package.mjs) and the
// command line's npm tarball (scripts/package-cli.mjs). Both run scripts/build.mjs itself with --production
// (minified, no source maps) in a staging folder, so the dev bundles in dist/ that tests and F5 use are never touched
// while other processes read them, and check that every bundle is self-contained.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The optional TensorFlow.js backends: loaded lazily (src/scoring/backends.ts), never bundled, may be absent. */
export const OPTIONAL_NATIVE = [
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'webgpu',
  '@tensorflow/tfjs-backend-webgpu',
];
/** Requires inside try/catch of bundled third-party code (node-fetch's optional `encoding`). */
const GUARDED = ['encoding'];

/** The addon scripts/build.mjs copies into dist/ when `npm install` built it (scripts/build-native.mjs). */
export const ADDON = 'cell_lens_native.node';
/** The vsce name of the platform this machine packs for, e.g. `linux-x64` (the addon it built runs only there). */
export const HOST_TARGET = `${process.platform}-${process.arch}`;

/**
 * A fresh staging folder out/NAME-XXXXXX (git-ignored), removed when this process exits: one per run, so packs that
 * run at once (the e2e harness and the packaging tests) never share one.
 */
export function stagingFolder(name) {
  mkdirSync(join(root, 'out'), { recursive: true });
  const dir = mkdtempSync(join(root, 'out', `${name}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a command; exits this script with its status when it fails. */
export function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`${cmd} ${argv.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  return r;
}

/** The non-built-in modules a bundle `require`s with a literal name. */
function requiredModules(file) {
  const text = readFileSync(file, 'utf8');
  const names = new Set();
  for (const m of text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) names.add(m[1]);
  return [...names].filter((n) => !builtinModules.includes(n.replace(/^node:/, '')));
}

/**
 * The modules `file` requires that are neither built in, nor optional backends, nor `allowed` (e.g. `vscode` for the
 * extension): what a package holding only the bundles would lack at run time.
 */
export function unbundledModules(file, allowed = []) {
  return requiredModules(file).filter(
    (m) => !allowed.includes(m) && !OPTIONAL_NATIVE.includes(m) && !GUARDED.includes(m),
  );
}

/**
 * Builds the production bundles into `stage`/dist with scripts/build.mjs --production: links src/, webview/,
 * node_modules/ and native/ into `stage` for esbuild, builds, and removes the links again.
 */
export function productionBuild(stage) {
  const links = ['src', 'webview', 'node_modules', 'native'];
  mkdirSync(join(stage, 'scripts'), { recursive: true });
  copyFileSync(join(root, 'scripts/build.mjs'), join(stage, 'scripts/build.mjs'));
  for (const d of links) symlinkSync(join(root, d), join(stage, d), 'dir');
  try {
    run(process.execPath, [join(stage, 'scripts/build.mjs'), '--production']);
  } finally {
    for (const d of links) rmSync(join(stage, d));
    rmSync(join(stage, 'scripts'), { recursive: true });
  }
}
