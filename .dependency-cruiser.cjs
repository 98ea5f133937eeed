/**
 * The layer rule of docs/architecture.md, checked by `npm test` (test/unit/architecture.test.ts runs
 * `depcruise` with this file). Type-only imports count (tsPreCompilationDeps): a type import is a dependency too.
 *
 * Layers, lowest first. A folder may import its own layer and the layers below it, never one above; two folders of
 * the same rank do not import each other.
 */
const LAYERS = [
  ['shared'],
  ['recipe'],
  ['benchmark'],
  ['scoring'],
  ['study'],
  ['search'],
  ['process'],
  ['report'],
  ['graph'],
  ['compare', 'table'],
  ['editor'],
  ['webviews'],
  ['cli'],
];
const dir = (names) => `^src/(${names.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, rank) => {
  const above = LAYERS.slice(rank + 1).flat();
  const rules = [];
  if (above.length)
    rules.push({
      name: `layer-${layer.join('-')}`,
      comment: `src/${layer.join(', src/')} may not import a higher layer (${above.join(', ')}); see docs/architecture.md`,
      severity: 'error',
      from: { path: dir(layer) },
      to: { path: [dir(above), '^src/(extension|cli)\\.ts$'] },
    });
  for (const a of layer)
    for (const b of layer)
      if (a !== b)
        rules.push({
          name: `same-rank-${a}-${b}`,
          comment: `src/${a} and src/${b} are of the same rank and do not import each other`,
          severity: 'error',
          from: { path: `^src/${a}/` },
          to: { path: `^src/${b}/` },
        });
  return rules;
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circles, type imports included.',
      severity: 'error',
      from: { path: '^(src|webview)/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'pure-without-vscode',
      comment:
        'Pure logic and the CLI run without VS Code: only src/editor, src/webviews and src/extension.ts import vscode.',
      severity: 'error',
      from: {
        path: '^(src/(shared|recipe|benchmark|scoring|study|search|process|report|graph|compare|table|cli)/|src/cli\\.ts$|webview/)',
      },
      to: { path: ['^vscode$', '(^|/)node_modules/@types/vscode/'] },
    },
    {
      name: 'scoring-model-below-scores',
      comment:
        'The model layer (passes, network, Grams) returns raw arrays; it never imports the score modules or the registry.',
      severity: 'error',
      from: { path: '^src/scoring/model/' },
      to: { path: '^src/scoring/', pathNot: '^src/scoring/(model/|settings\\.ts$|rng\\.ts$)' },
    },
    {
      name: 'scores-below-registry',
      comment:
        'A score module imports the model, the settings and its own folder, never the registry front, the engine or the process.',
      severity: 'error',
      from: { path: '^src/scoring/scores/' },
      to: { path: '^src/scoring/', pathNot: '^src/scoring/(model/|scores/|settings\\.ts$|rng\\.ts$)' },
    },
    {
      name: 'webview-imports-only-shared',
      comment:
        'Browser code imports only pure modules shared with the host (of scoring, only the list of score ids), never scores, the process, the editor, the host panels, the CLI, node or TF.js.',
      severity: 'error',
      from: { path: '^webview/' },
      to: {
        path: [
          '^src/(scoring|process|editor|webviews|cli|benchmark|search|report)/',
          '^src/(extension|cli)\\.ts$',
          '^@tensorflow/',
        ],
        pathNot: '^src/scoring/ids\\.ts$',
      },
    },
    {
      name: 'webview-no-node',
      comment: 'Browser code runs without Node.',
      severity: 'error',
      from: { path: '^webview/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'bench-no-tests',
      comment: 'Benchmarks and the harness they share with the tests (testkit/) import no test file.',
      severity: 'error',
      from: { path: '^(bench|testkit)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|out|\\.e2e|native/build)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
