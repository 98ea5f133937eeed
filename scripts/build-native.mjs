// Builds Cell Lens's optional native addon (native/: a float32 matrix product that returns the same bits as
// tfjs-backend-wasm's, faster; see native/sgemm.c). Run by `npm install` (package.json "postinstall") and by hand:
//   node scripts/build-native.mjs
// It never fails the install: without a C compiler, Python or Node's headers the addon is simply absent and the
// scoring engine multiplies in WebAssembly (same values, slower), saying why in its log. CELL_LENS_NATIVE=0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native');
const addon = join(dir, 'build', 'Release', 'cell_lens_native.node');

function skip(reason) {
  console.warn(
    `cell-lens: native matrix kernel not built (${reason}); scoring runs in WebAssembly only (same values, slower).`,
  );
  process.exit(0);
}

if (process.env.CELL_LENS_NATIVE === '0') skip('CELL_LENS_NATIVE=0');
// node-gyp: the one npm hands to install scripts, else the one bundled with npm beside this node.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter(Boolean);
const gyp = candidates.find((p) => existsSync(p));
if (!gyp) skip('node-gyp not found');
const t0 = Date.now();
// Node's own headers when they sit beside this node (as npm's `nodedir` setting points to); else node-gyp
// uses its cache or downloads them, which fails offline (then: skipped, as above).
const prefix = join(dirname(process.execPath), '..');
const nodedir =
  process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const r = spawnSync(process.execPath, [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
  cwd: dir,
  encoding: 'utf8',
  timeout: 180_000,
});
if (r.status !== 0 || !existsSync(addon)) {
  const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`
    .split('\n')
    .filter((l) => /error|ERR!/i.test(l))
    .slice(0, 4)
    .join(' | ');
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  skip(r.error ? r.error.message : tail || `node-gyp exited with ${r.status ?? r.signal}`);
}
console.log(`cell-lens: built the native matrix kernel (${((Date.now() - t0) / 1000).toFixed(1)} s): ${addon}`);
