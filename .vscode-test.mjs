// Real-editor tests with @vscode/test-cli + @vscode/test-electron, for machines with internet access
// (test-electron downloads VS Code): `npm run test:vscode` compiles test/vscode/*.test.ts to out/test/vscode/.
// CI and offline machines use the code-server harness instead: `npm run test:e2e` (scripts/setup-e2e.sh installs
// code-server 4.100 into .e2e/, test/e2e/ installs the packed .vsix into it and drives it from headless Chromium,
// asserting on what the user sees). See the README section "End-to-end tests".
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/vscode/**/*.test.js',
  workspaceFolder: './test/fixtures/workspace',
  mocha: { ui: 'tdd', timeout: 60000 },
});
