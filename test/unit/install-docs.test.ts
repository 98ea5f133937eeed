/**
 * The install paths as documented: docs/cluster.md shows docs/cluster/study.sbatch as it is (the file the SLURM e2e
 * test submits), no documented command resolves `cell-lens` on a public registry (it is not published), the
 * Containerfile keeps its invariants (multi-stage, the final stage installs only the packed CLI, no build tools,
 * a non-root numeric user, `cell-lens` as entrypoint), its ignore files agree, and the versions named match package.json.
 * The image itself is built by test/integration/container.test.ts where podman can run (opt-in).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/data';

const read = (f: string) => readFileSync(path.join(REPO, f), 'utf8');
const version = (JSON.parse(read('package.json')) as { version: string }).version;

/** Files under `dir` (relative to the repository) whose names match `ext`. */
function files(dir: string, ext: RegExp): string[] {
  return readdirSync(path.join(REPO, dir)).flatMap((n) => {
    const f = path.join(dir, n);
    return statSync(path.join(REPO, f)).isDirectory() ? files(f, ext) : ext.test(n) ? [f] : [];
  });
}

test('docs/cluster.md shows docs/cluster/study.sbatch exactly', () => {
  const m = /<!-- include docs\/cluster\/study\.sbatch -->\n```sh\n([\s\S]*?)```\n<!-- end include -->/.exec(
    read('docs/cluster.md'),
  );
  assert.ok(m, 'the include block is in docs/cluster.md');
  assert.equal(m[1], read('docs/cluster/study.sbatch'));
});

test('no documented command asks a public registry for cell-lens', () => {
  const docs = [
    'README.md',
    'package.json',
    'Containerfile',
    ...files('docs', /\.(md|sbatch|ya?ml)$/),
    ...files('media', /\.md$/),
    ...files('src', /\.ts$/),
  ];
  const bad =
    /\b(npx|npm exec|pnpm dlx|yarn dlx|bunx)\s+(--yes\s+|-y\s+)?cell-lens\b|npm (install|i)\s+(-g\s+)?cell-lens\b/;
  for (const f of docs) {
    const hits = read(f)
      .split('\n')
      .map((l, i) => [i + 1, l] as const)
      .filter(([, l]) => bad.test(l));
    assert.deepEqual(hits, [], `${f} resolves cell-lens on a registry`);
  }
});

test('the Containerfile: multi-stage, the final stage installs only the packed CLI and runs it as a non-root user', () => {
  const lines = read('Containerfile')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  const froms = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
  assert.ok(froms.length >= 2, 'multi-stage');
  assert.match(lines[froms[0]], /^FROM \$\{BUILD_IMAGE\} AS build$/);
  assert.match(lines.join('\n'), /^ARG RUN_IMAGE=docker\.io\/library\/node:20-bookworm-slim$/m, 'a slim Node base');
  assert.match(lines.join('\n'), /npm run package:cli -- --out \/out\/cell-lens\.tgz/, 'stage 1 packs the CLI');
  const final = lines.slice(froms[froms.length - 1]);
  assert.match(final[0], /^FROM \$\{RUN_IMAGE\}$/);
  const copies = final.filter((l) => /^(COPY|ADD)\s/i.test(l));
  assert.deepEqual(copies, ['COPY --from=build /out/cell-lens.tgz /tmp/cell-lens.tgz'], 'only the tarball comes in');
  const runs = final.filter((l) => /^RUN\s/i.test(l));
  assert.deepEqual(runs.length, 1);
  assert.match(runs[0], /^RUN npm install -g --offline .* \/tmp\/cell-lens\.tgz && rm -rf \/tmp\/cell-lens\.tgz/);
  assert.doesNotMatch(final.join('\n'), /apt-get|apk |gcc|g\+\+|make|python|build-essential|node-gyp/);
  const users = final.filter((l) => /^USER\s/i.test(l));
  assert.equal(users.length, 1);
  const uid = /^USER (\d+)(?::\d+)?$/.exec(users[0]);
  assert.ok(uid && Number(uid[1]) > 0, `${users[0]}: a numeric non-root user (Kubernetes' runAsNonRoot checks it)`);
  assert.ok(final.includes('ENTRYPOINT ["cell-lens"]'));
  assert.ok(final.indexOf(users[0]) > final.indexOf(runs[0]), 'the install runs before the user switch');
});

test('.containerignore and .dockerignore are the same', () => {
  assert.equal(read('.containerignore'), read('.dockerignore'));
  for (const p of ['node_modules', 'dist', '.git', 'native/build'])
    assert.ok(read('.containerignore').split('\n').includes(p), `${p} stays out of the build context`);
});

test("the versions the install docs name are package.json's", () => {
  for (const f of ['README.md', 'docs/cluster.md', 'Containerfile']) {
    const text = read(f);
    for (const m of text.matchAll(/cell-lens(?:-linux-x64)?-(\d+\.\d+\.\d+)\.(?:tgz|vsix)|cell-lens:(\d+\.\d+\.\d+)/g))
      assert.equal(m[1] ?? m[2], version, `${f}: ${m[0]}`);
  }
  assert.match(
    read('docs/cluster.md'),
    new RegExp(`image: <your-registry>/cell-lens:${version.replace(/\./g, '\\.')}`),
  );
  assert.doesNotMatch(read('docs/cluster.md'), /image: node/);
});
