// `npm run package`: builds production bundles and packs cell-lens-<version>.vsix with @vscode/vsce.
//
// The bundles are built into a staging folder (out/vsix-stage-XXXXXX/, git-ignored, removed afterwards) by
// scripts/production-build.mjs (the build the CLI tarball uses too). The staging folder holds package.json, README,
// CHANGELOG, LICENSE, .vscodeignore, media/, data/ and the pictures README.md links under docs/images/ (shown offline
// in the Extensions view). vsce runs with --no-dependencies: everything is bundled; the optional native TF.js backends
// (tfjs-node, -node-gpu, webgpu) are loaded lazily and may be absent.
//
// Platforms (README "Platforms"): without --target the package is universal and carries no native code — scoring
// runs in WebAssembly, with the same values as everywhere. `--target T` packs for one vsce platform (`vsce package
// --target T`) and adds the optional matrix-product addon (native/) that `npm install` built here; T must then be
// this machine's platform (the addon is not cross-compiled).
//
//   node scripts/package.mjs              → ./cell-lens-<version>.vsix (universal), prints its size and file list
//   node scripts/package.mjs --out F.vsix → F.vsix
//   node scripts/package.mjs --target linux-x64 → ./cell-lens-linux-x64-<version>.vsix with the addon
//   node scripts/package.mjs --if-stale   → reuse the vsix when it is newer than every input (for the e2e tests)
//   node scripts/package.mjs --icon       → only render media/icon.svg to media/icon.png (128×128, Chromium)
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, copyFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  ADDON,
  HOST_TARGET,
  productionBuild,
  root,
  run,
  stagingFolder,
  unbundledModules,
} from './production-build.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const target = opt('--target');
if (target !== undefined && target !== HOST_TARGET) {
  console.error(
    `package: --target ${target}: the addon is built for this machine only (${HOST_TARGET}); pack on a ${target} machine`,
  );
  process.exit(2);
}
const out = resolve(root, opt('--out') ?? `${pkg.name}-${target ? `${target}-` : ''}${pkg.version}.vsix`);

/** Bundles the extension cannot work without; any other dist/*.js ships too, except NOT_SHIPPED. */
const BUNDLES = ['extension.js', 'worker.js', 'webview.js'];
/** Built by scripts/build.mjs but not used by the extension: the `cell-lens` CLI, benchmark bundles, source maps. */
const NOT_SHIPPED = /^(cli\.js|bench-.*\.js)$|\.map$/;
/** What the vsix must contain (checked after packing). */
const REQUIRED = [
  'extension/package.json',
  'extension/readme.md',
  'extension/changelog.md',
  'extension/media/icon.png',
  'extension/media/graph.css',
  'extension/data/wikitext-2.index.json',
  'extension/data/LICENSE-NAS-Bench-NLP.txt',
  ...BUNDLES.map((b) => `extension/dist/${b}`),
  'extension/dist/tfjs-backend-wasm.wasm',
];

/** Newest modification time (ms) of the files under `p`. */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(join(p, e)));
  return m;
}
const INPUTS = [
  'src',
  'webview',
  'media',
  'data',
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  '.vscodeignore',
  'scripts/build.mjs',
  'scripts/production-build.mjs',
  'scripts/package.mjs',
  'docs/images',
];

async function renderIcon() {
  const { chromium } = await import('playwright-core');
  const svg = readFileSync(join(root, 'media/icon.svg'), 'utf8');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
    await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: join(root, 'media/icon.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
  console.log('package: media/icon.png rendered from media/icon.svg');
}

/** Entry names of a zip file (central directory), with uncompressed sizes. */
function zipEntries(file) {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const size = buf.readUInt32LE(p + 24),
      nameLen = buf.readUInt16LE(p + 28),
      extra = buf.readUInt16LE(p + 30),
      comment = buf.readUInt16LE(p + 32);
    entries.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), size });
    p += 46 + nameLen + extra + comment;
  }
  return entries;
}

if (args.includes('--icon')) {
  await renderIcon();
  process.exit(0);
}

if (args.includes('--if-stale') && existsSync(out)) {
  const inputs = Math.max(...INPUTS.map((p) => newest(join(root, p))));
  if (statSync(out).mtimeMs > inputs) {
    console.log(`package: ${relative(root, out)} is newer than its inputs; reusing it`);
    process.exit(0);
  }
}

const t0 = Date.now();
if (!existsSync(join(root, 'media/icon.png'))) await renderIcon();

// --- staging folder --------------------------------------------------------------------------------------------
const stage = stagingFolder('vsix-stage');
for (const f of [
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'LICENSE.md',
  'LICENSE.txt',
  '.vscodeignore',
]) {
  if (existsSync(join(root, f))) copyFileSync(join(root, f), join(stage, f));
}
cpSync(join(root, 'media'), join(stage, 'media'), {
  recursive: true,
  filter: (src) => !src.endsWith('icon.svg') || src.endsWith('graph-icon.svg'),
});
cpSync(join(root, 'data'), join(stage, 'data'), { recursive: true });
// The pictures the README shows (relative links), so the Extensions view shows them offline; no others.
const readme = readFileSync(join(root, 'README.md'), 'utf8');
for (const m of readme.matchAll(/(?:\]\(|src=["'])(?:\.\/)?(docs\/images\/[^)"'\s]+\.(?:png|svg|gif|jpe?g))/g)) {
  if (!existsSync(join(root, m[1]))) continue;
  mkdirSync(dirname(join(stage, m[1])), { recursive: true });
  copyFileSync(join(root, m[1]), join(stage, m[1]));
}

// --- production bundles into the stage's dist/ -------------------------------------------------------------------
productionBuild(stage);
for (const b of BUNDLES) {
  if (!existsSync(join(stage, 'dist', b))) {
    console.error(`package: the build made no dist/${b}`);
    process.exit(1);
  }
}
// Every bundle ships (.vscodeignore: dist/*.js) but the command line and the benchmark bundles.
for (const f of readdirSync(join(stage, 'dist'))) if (NOT_SHIPPED.test(f)) rmSync(join(stage, 'dist', f));
// The addon only in a package for this platform; the universal one is WebAssembly only.
if (!target) rmSync(join(stage, 'dist', ADDON), { force: true });
else if (!existsSync(join(stage, 'dist', ADDON)))
  console.warn(
    `package: warning: no ${ADDON} was built here (scripts/build-native.mjs): the ${target} package is WebAssembly only`,
  );
for (const b of readdirSync(join(stage, 'dist')).filter((f) => f.endsWith('.js'))) {
  const bad = unbundledModules(join(stage, 'dist', b), ['vscode']);
  if (bad.length) {
    console.error(`package: dist/${b} requires modules that are not bundled: ${bad.join(', ')}`);
    process.exit(1);
  }
}

// --- vsce ------------------------------------------------------------------------------------------------------
const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
const hasLicense = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].some((f) => existsSync(join(stage, f)));
if (!hasLicense)
  console.warn('package: warning: no LICENSE file in the repository root; packing without one (--skip-license)');
mkdirSync(dirname(out), { recursive: true });
run(
  process.execPath,
  [
    vsce,
    'package',
    '--no-dependencies',
    '--no-rewrite-relative-links',
    '--allow-missing-repository',
    '--out',
    out,
    ...(target ? ['--target', target] : []),
    ...(hasLicense ? [] : ['--skip-license']),
  ],
  { cwd: stage, env: { ...process.env, npm_config_update_notifier: 'false' } },
);

// --- check and report ------------------------------------------------------------------------------------------
const entries = zipEntries(out);
const names = new Set(entries.map((e) => e.name));
const missing = REQUIRED.filter((f) => !names.has(f));
if (missing.length) {
  console.error(`package: the vsix lacks ${missing.join(', ')}`);
  process.exit(1);
}
const stray = entries.filter((e) => /\.(ts|map)$|node_modules\/|^extension\/(src|test|scripts|bench)\//.test(e.name));
if (stray.length) {
  console.error(`package: the vsix holds files it should not: ${stray.map((e) => e.name).join(', ')}`);
  process.exit(1);
}
const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
console.log(
  `package: ${relative(root, out)} — ${kb(statSync(out).size)} (${entries.length} files, ${kb(entries.reduce((s, e) => s + e.size, 0))} unpacked) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
for (const e of entries) console.log(`  ${e.name.padEnd(56)} ${kb(e.size).padStart(8)}`);
