// `npm run package:cli`: packs the `cell-lens` command line as an npm tarball, cell-lens-<version>.tgz, that
// `npm install -g ./cell-lens-<version>.tgz` (or `--prefix DIR`) installs anywhere with Node ≥ 20, offline: it has no
// dependencies and no install scripts. Everything runs from its production bundles (scripts/production-build.mjs, the
// build the .vsix uses): dist/cli.js, the scoring worker dist/worker.js, the wasm binaries, and data/ with the prebuilt
// WikiText-2 index (its licence beside it). The optional matrix-product addon that `npm install` built here
// (native/, scripts/build-native.mjs) ships too; it loads only on this platform, elsewhere scoring runs in WebAssembly
// with the same values. The optional native TF.js backends are optional peer dependencies: never installed with it,
// used when installed beside it.
//
//   node scripts/package-cli.mjs              → ./cell-lens-<version>.tgz, prints its size and file list
//   node scripts/package-cli.mjs --out F.tgz  → F.tgz
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  ADDON,
  OPTIONAL_NATIVE,
  productionBuild,
  root,
  run,
  stagingFolder,
  unbundledModules,
} from './production-build.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--out');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(root, i >= 0 ? args[i + 1] : `${pkg.name}-${pkg.version}.tgz`);
const stage = stagingFolder('cli-stage');
const build = join(stage, 'build');
const dir = join(stage, pkg.name);

/** The bundles and files the command line reads at run time (src/cli/common.ts workerPath, src/scoring/backends.ts
 * defaultWasmDir, src/benchmark/compact.ts prebuiltIndexPath); the addon is added when it was built. */
const RUNTIME = [
  'dist/cli.js',
  'dist/worker.js',
  'dist/tfjs-backend-wasm.wasm',
  'dist/tfjs-backend-wasm-simd.wasm',
  'dist/tfjs-backend-wasm-threaded-simd.wasm',
  'data/wikitext-2.index.json',
  'data/LICENSE-NAS-Bench-NLP.txt',
];

const t0 = Date.now();
mkdirSync(build, { recursive: true });
productionBuild(build);

mkdirSync(join(dir, 'dist'), { recursive: true });
mkdirSync(join(dir, 'data'), { recursive: true });
for (const f of RUNTIME) {
  const from = f.startsWith('dist/') ? join(build, f) : join(root, f);
  if (!existsSync(from)) {
    console.error(`package-cli: ${relative(root, from)} is missing`);
    process.exit(1);
  }
  copyFileSync(from, join(dir, f));
}
const files = [...RUNTIME];
if (existsSync(join(build, 'dist', ADDON))) {
  copyFileSync(join(build, 'dist', ADDON), join(dir, 'dist', ADDON));
  files.push(`dist/${ADDON}`);
}
for (const b of ['dist/cli.js', 'dist/worker.js']) {
  const bad = unbundledModules(join(dir, b));
  if (bad.length) {
    console.error(`package-cli: ${b} requires modules that are not bundled: ${bad.join(', ')}`);
    process.exit(1);
  }
}
for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE']) copyFileSync(join(root, f), join(dir, f));

// The package: the bin and its files only. No dependencies (all bundled), no scripts (nothing to build at install).
const optional = Object.fromEntries(OPTIONAL_NATIVE.map((m) => [m, pkg.optionalDependencies[m]]));
const manifest = {
  name: pkg.name,
  version: pkg.version,
  description: 'The Cell Lens command line: check, look up, score and study NAS-Bench-NLP recurrent cells.',
  license: pkg.license,
  keywords: pkg.keywords,
  engines: { node: pkg.engines.node },
  bin: { [pkg.name]: 'dist/cli.js' },
  files: ['dist', 'data', 'CHANGELOG.md'],
  peerDependencies: optional,
  peerDependenciesMeta: Object.fromEntries(OPTIONAL_NATIVE.map((m) => [m, { optional: true }])),
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

const packed = run('npm', ['pack', '--json', '--pack-destination', stage], {
  cwd: dir,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
  env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
});
const [info] = JSON.parse(packed.stdout);
const inTarball = new Set(info.files.map((f) => f.path));
const missing = [...files, 'package.json'].filter((f) => !inTarball.has(f));
if (missing.length) {
  console.error(`package-cli: the tarball lacks ${missing.join(', ')}`);
  process.exit(1);
}
mkdirSync(dirname(out), { recursive: true });
renameSync(join(stage, info.filename), out);

const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
console.log(
  `package-cli: ${relative(process.cwd(), out)} — ${kb(info.size)} (${info.entryCount} files, ${kb(info.unpackedSize)} unpacked) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
for (const f of info.files) console.log(`  ${f.path.padEnd(48)} ${kb(f.size).padStart(8)}`);
