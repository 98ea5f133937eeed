// Bundles every entry point with esbuild. One place lists the bundles:
//   dist/extension.js  extension host (CommonJS, `vscode` external)
//   dist/cli.js        the `cell-lens` command line
//   dist/worker.js     the scoring child process (added by the scoring engine)
//   dist/benchmarkWorker.js  a worker thread reading benchmark logs (src/benchmark/worker.ts, started by background.ts)
//   dist/parseWorker.js  a worker thread parsing big documents (src/editor/parseWorker.ts, started by editor/parseThread.ts)
//   dist/webview.js    the graph / plot webview (browser bundle)
//   dist/plots.js      the "Score Correlations" webview (browser bundle)
//   dist/compare.js    the "Compare Cells" webview (browser bundle)
//   dist/table.js      the cells table webview (browser bundle)
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, chmodSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Native / optional TensorFlow.js backends are loaded lazily at run time, never bundled. */
const optionalNative = [
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'webgpu',
  '@tensorflow/tfjs-backend-webgpu',
];

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode', ...optionalNative],
  // jsonc-parser's UMD entry uses dynamic requires esbuild cannot follow; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
};
const entries = [
  { ...node, entryPoints: [join(root, 'src/extension.ts')], outfile: join(root, 'dist/extension.js') },
  {
    ...node,
    entryPoints: [join(root, 'src/cli.ts')],
    outfile: join(root, 'dist/cli.js'),
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (existsSync(join(root, 'src/process/worker.ts'))) {
  entries.push({ ...node, entryPoints: [join(root, 'src/process/worker.ts')], outfile: join(root, 'dist/worker.js') });
}
if (existsSync(join(root, 'src/benchmark/worker.ts'))) {
  entries.push({
    ...node,
    entryPoints: [join(root, 'src/benchmark/worker.ts')],
    outfile: join(root, 'dist/benchmarkWorker.js'),
  });
}
if (existsSync(join(root, 'src/editor/parseWorker.ts'))) {
  entries.push({
    ...node,
    entryPoints: [join(root, 'src/editor/parseWorker.ts')],
    outfile: join(root, 'dist/parseWorker.js'),
  });
}
if (existsSync(join(root, 'webview/main.ts'))) {
  entries.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(root, 'dist/webview.js'),
  });
}
if (existsSync(join(root, 'webview/table.ts'))) {
  entries.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/table.ts')],
    outfile: join(root, 'dist/table.js'),
  });
}
if (existsSync(join(root, 'webview/plots.ts'))) {
  entries.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/plots.ts')],
    outfile: join(root, 'dist/plots.js'),
  });
}
if (existsSync(join(root, 'webview/compare.ts'))) {
  entries.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/compare.ts')],
    outfile: join(root, 'dist/compare.js'),
  });
}

mkdirSync(join(root, 'dist'), { recursive: true });
// The wasm backend's binaries ship beside the worker bundle.
const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  if (existsSync(join(wasmDir, f))) copyFileSync(join(wasmDir, f), join(root, 'dist', f));
}
// So does the optional native matrix kernel, when `npm install` could build it (scripts/build-native.mjs);
// a stale copy goes when it could not.
const addon = join(root, 'native/build/Release/cell_lens_native.node');
if (existsSync(addon)) copyFileSync(addon, join(root, 'dist/cell_lens_native.node'));
else rmSync(join(root, 'dist/cell_lens_native.node'), { force: true });

if (watch) {
  const ctxs = await Promise.all(entries.map((e) => esbuild.context(e)));
  await Promise.all(ctxs.map((c) => c.watch()));
  console.log('esbuild: watching', entries.length, 'bundles');
} else {
  await Promise.all(entries.map((e) => esbuild.build(e)));
  if (existsSync(join(root, 'dist/cli.js'))) chmodSync(join(root, 'dist/cli.js'), 0o755);
}
