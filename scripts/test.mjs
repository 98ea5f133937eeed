// `npm test`: build the bundles, type-check, lint (ESLint, type-aware), check the formatting (Prettier), then run
// every test file with node's test runner (the layer rule is test/unit/architecture.test.ts). A lint or format error
// fails the suite. Node's runner prints its closing summary (`# pass N`, `# fail N`), which CI reads.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** What ESLint and Prettier check (the same lists as `npm run lint` / `npm run format`). */
const LINTED = ['src', 'webview', 'test', 'testkit', 'bench', 'scripts'];
const FORMATTED = [
  'src/**/*.ts',
  'webview/**/*.ts',
  'test/**/*.ts',
  'testkit/**/*.ts',
  'bench/**/*.ts',
  'scripts/**/*.{ts,mjs}',
  '*.mjs',
  '.dependency-cruiser.cjs',
];
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.', '--noEmit']);
run(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), ...LINTED]);
run(process.execPath, [
  join(root, 'node_modules/prettier/bin/prettier.cjs'),
  '--check',
  '--log-level',
  'warn',
  ...FORMATTED,
]);
// Headless Chromium for the webview render tests (Debian's package; installed once, idempotent).
if (process.platform === 'linux') {
  const r = spawnSync('bash', ['scripts/ensure-chromium.sh'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0)
    console.warn('Chromium could not be installed: the webview render tests will say they are skipped.');
}
const dirs = ['test/unit', 'test/integration', 'test/e2e'].filter((d) => existsSync(join(root, d)));
const files = dirs.flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(d, f)),
);
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
