// ESLint (flat config) with typescript-eslint's type-aware rules, run by `npm test` (scripts/test.mjs): a lint error
// fails the suite. Formatting is Prettier's job (.prettierrc.json), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      '.e2e/',
      '.cache/',
      '.scratch/',
      'native/build/',
      'test/fixtures/workspace/',
      '**/*.js',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's test()/describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests and benchmarks install the fake `vscode` module first and only then load the modules that import it; an
    // `import` would be hoisted above the install, so those loads (of vscode and of src/) are require() calls.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allow: ['^vscode$', '/src/'] }] },
  },
  {
    // The fake VS Code host implements VS Code's Thenable API: async keeps every failure a rejection, as in VS Code.
    files: ['testkit/fake-vscode.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // The build scripts are plain JavaScript outside tsconfig.json: no types for the type-aware rules to read.
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    // Node's globals they read (no-undef is on for JavaScript; the `globals` package is no dependency).
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
