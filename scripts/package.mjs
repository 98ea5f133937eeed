// `npm run package`: builds production bundles and packs cell-lens-<version>.vsix with @vscode/vsce.
//
// The bundles are built into a staging folder (out/vsix-stage/, git-ignored) with scripts/build.mjs itself
// (--production: minified, no source maps), so the dev bundles in dist/ that tests and F5 use are never touched
// while other processes read them. The staging folder holds package.json, README, CHANGELOG, LICENSE,
// .vscodeignore, media/, data/, the pictures README.md links under docs/images/ (shown offline in the Extensions view) and
// links to src/, webview/ and node_modules/ for esbuild. vsce runs with --no-dependencies: everything is bundled;
// the optional native TF.js backends (tfjs-node, -node-gpu, webgpu) are loaded lazily and may be absent.
//
//   node scripts/package.mjs              → ./cell-lens-<version>.vsix, prints its size and file list
//   node scripts/package.mjs --out F.vsix → F.vsix
//   node scripts/package.mjs --if-stale   → reuse the vsix when it is newer than every input (for the e2e tests)
//   node scripts/package.mjs --icon       → only render media/icon.svg to media/icon.png (128×128, Chromium)
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  copyFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(root, opt('--out') ?? `${pkg.name}-${pkg.version}.vsix`);
const stage = join(root, 'out', 'vsix-stage');

/** Packages the bundles may require at run time: Node built-ins, `vscode`, and the lazily loaded optional backends. */
const OPTIONAL_NATIVE = [
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'webgpu',
  '@tensorflow/tfjs-backend-webgpu',
];
/** Requires inside try/catch of bundled third-party code (node-fetch's optional `encoding`). */
const GUARDED = ['encoding'];
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

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`package: ${cmd} ${argv.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  return r;
}

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

/** The non-built-in modules a bundle `require`s with a literal name. */
function requiredModules(file) {
  const text = readFileSync(file, 'utf8');
  const names = new Set();
  for (const m of text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) names.add(m[1]);
  return [...names].filter((n) => !builtinModules.includes(n.replace(/^node:/, '')));
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
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'scripts'), { recursive: true });
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
copyFileSync(join(root, 'scripts/build.mjs'), join(stage, 'scripts/build.mjs'));
for (const d of ['src', 'webview', 'node_modules', 'native']) symlinkSync(join(root, d), join(stage, d), 'dir');

// --- production bundles into out/vsix-stage/dist -----------------------------------------------------------------
run(process.execPath, [join(stage, 'scripts/build.mjs'), '--production']);
for (const b of BUNDLES) {
  if (!existsSync(join(stage, 'dist', b))) {
    console.error(`package: the build made no dist/${b}`);
    process.exit(1);
  }
}
// Every bundle ships (.vscodeignore: dist/*.js) but the command line and the benchmark bundles.
for (const f of readdirSync(join(stage, 'dist'))) if (NOT_SHIPPED.test(f)) rmSync(join(stage, 'dist', f));
for (const b of readdirSync(join(stage, 'dist')).filter((f) => f.endsWith('.js'))) {
  const bad = requiredModules(join(stage, 'dist', b)).filter(
    (m) => m !== 'vscode' && !OPTIONAL_NATIVE.includes(m) && !GUARDED.includes(m),
  );
  if (bad.length) {
    console.error(`package: dist/${b} requires modules that are not bundled: ${bad.join(', ')}`);
    process.exit(1);
  }
}
// The links are for esbuild only; vsce must not see them.
for (const d of ['src', 'webview', 'node_modules', 'native']) rmSync(join(stage, d));
rmSync(join(stage, 'scripts'), { recursive: true });

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
