// Compiles the extension-host suites in test/vscode/ to out/test/vscode/ for `@vscode/test-cli` (`npm run test:vscode`).
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test/vscode');
await esbuild.build({
  entryPoints: readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f)),
  outdir: join(root, 'out/test/vscode'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
