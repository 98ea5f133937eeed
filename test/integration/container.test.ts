/**
 * The Containerfile, built and run (opt-in: CELL_LENS_CONTAINER_TEST=1; it takes minutes, most of them `npm ci` in the
 * build stage). No image registry is reachable here, so the Node base images are stand-ins with the same layout:
 * Debian bookworm from Debian's packages (`debootstrap --variant=minbase`), this machine's node and npm under
 * /usr/local, a `node` user with uid 1000. They come in through the Containerfile's BUILD_IMAGE and RUN_IMAGE
 * arguments; the stand-in has no compiler, so the build stage's addon build is skipped (it says so) and the image
 * scores in WebAssembly. The build stage reaches the npm registry (`--network host`) through this machine's npm cache.
 * Where this machine reaches the registry through a proxy with its own certificate authority (NODE_EXTRA_CA_CERTS),
 * the stand-in trusts it too. The stand-ins are kept for the next run (`podman rmi` them to rebuild).
 * The image then scores the example cells with no network, as uid 1000, with the values of the checkout's CLI.
 *
 * Podman quirks of this VM, applied when needed: no CAP_SYS_RESOURCE (the default rlimits cannot be set: lower ones
 * are passed) and hybrid cgroups, which crun refuses (runc is used when installed).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJson } from '../../src/scoring/cache';
import { EXAMPLES_PATH, REPO, SHARED } from '../helpers/data';
import { ensureBuilt, runCli } from '../helpers/cli';

const ROOTFS = 'localhost/cell-lens-standin:rootfs';
const STANDIN = 'localhost/cell-lens-standin:node20';
const IMAGE = 'localhost/cell-lens:test';
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const timings: string[] = [];

function skipReason(): string | undefined {
  if (process.env.CELL_LENS_CONTAINER_TEST !== '1')
    return 'opt-in: set CELL_LENS_CONTAINER_TEST=1 (builds an image, minutes)';
  if (!has('podman')) return 'podman is not installed (Debian: apt-get install podman runc debootstrap)';
  if (
    !existsSync('/usr/local/include/node') &&
    !existsSync(path.join(path.dirname(process.execPath), '..', 'include', 'node'))
  )
    return 'no Node headers beside this node to put in the stand-in base';
  return undefined;
}

let tmp = '';
/** The images there were before the build: what the build adds besides the stand-ins (its build stage) goes after. */
let imagesBefore: Set<string> | undefined;
const images = () =>
  new Set(spawnSync('podman', ['images', '-q', '--no-trunc'], { encoding: 'utf8' }).stdout.split('\n'));
after(() => {
  if (timings.length) console.log(`# container: ${timings.join(', ')}`);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (imagesBefore) {
    spawnSync('podman', ['rmi', '-f', IMAGE], { stdio: 'ignore' });
    const added = [...images()].filter((id) => id && !imagesBefore!.has(id));
    if (added.length) spawnSync('podman', ['rmi', '-f', ...added], { stdio: 'ignore' });
  }
});

/** The global podman flags and run/build flags this machine needs (see the header). */
function podmanFlags(): { global: string[]; limits: string[] } {
  const global = has('runc') ? ['--runtime', 'runc'] : [];
  return { global, limits: ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] };
}

function run(label: string, cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  timings.push(`${label} ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  assert.equal(
    r.status,
    0,
    `${cmd} ${args.join(' ')}:\n${String(r.stdout).slice(-3000)}\n${String(r.stderr).slice(-3000)}`,
  );
  return String(r.stdout);
}

const why = skipReason();

test(
  'the Containerfile builds on stand-in bases and its image scores like the checkout',
  { skip: why, timeout: 30 * 60_000 },
  async () => {
    ensureBuilt();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-container-'));
    const { global, limits } = podmanFlags();
    const exists = (image: string) => spawnSync('podman', ['image', 'exists', image]).status === 0;
    if (!exists(STANDIN)) {
      if (!exists(ROOTFS)) {
        const rootfs = path.join(tmp, 'rootfs');
        run('debootstrap', 'debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian']);
        run('import the root file system', 'sh', ['-c', `tar -C "${rootfs}" -c . | podman import - ${ROOTFS}`]);
      }
      const ctx = path.join(tmp, 'standin');
      mkdirSync(path.join(ctx, 'include'), { recursive: true });
      const prefix = path.join(path.dirname(process.execPath), '..');
      cpSync(process.execPath, path.join(ctx, 'node'));
      cpSync(path.join(prefix, 'lib', 'node_modules', 'npm'), path.join(ctx, 'npm'), { recursive: true });
      cpSync(path.join(prefix, 'include', 'node'), path.join(ctx, 'include', 'node'), { recursive: true });
      // This machine's extra certificate authorities (a proxy's), without which npm ci cannot reach the registry.
      const ca = process.env.NODE_EXTRA_CA_CERTS;
      if (ca && existsSync(ca)) cpSync(ca, path.join(ctx, 'extra-ca.crt'));
      writeFileSync(
        path.join(ctx, 'Containerfile'),
        [
          `FROM ${ROOTFS}`,
          'COPY node /usr/local/bin/node',
          'COPY npm /usr/local/lib/node_modules/npm',
          'COPY include /usr/local/include',
          ...(ca && existsSync(ca)
            ? [
                'COPY extra-ca.crt /usr/local/share/extra-ca.crt',
                'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/extra-ca.crt',
              ]
            : []),
          'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && groupadd -g 1000 node && useradd -m -u 1000 -g node node',
          '',
        ].join('\n'),
      );
      run('stand-in base', 'podman', [...global, 'build', ...limits, '-t', STANDIN, ctx]);
    }
    imagesBefore = images();
    const npmCache = path.join(os.homedir(), '.npm');
    mkdirSync(npmCache, { recursive: true });
    run(
      'image build',
      'podman',
      [
        ...global,
        'build',
        ...limits,
        '--network',
        'host',
        '-v',
        `${npmCache}:/root/.npm`,
        '--build-arg',
        `BUILD_IMAGE=${STANDIN}`,
        '--build-arg',
        `RUN_IMAGE=${STANDIN}`,
        '-t',
        IMAGE,
        '-f',
        'Containerfile',
        '.',
      ],
      { cwd: REPO },
    );

    const args = ['score', '/data/recepies_example.json', '--preset', 'proxy', '--json', '--no-cache'];
    const inImage = run('score in the image', 'podman', [
      ...global,
      'run',
      '--rm',
      ...limits,
      '--network',
      'none',
      '-v',
      `${SHARED}:/data:ro`,
      IMAGE,
      ...args,
    ]);
    assert.equal(
      run('id', 'podman', [...global, 'run', '--rm', ...limits, '--entrypoint', 'id', IMAGE, '-u']).trim(),
      '1000',
    );
    const here = await runCli(tmp, ['score', EXAMPLES_PATH, ...args.slice(2)]);
    assert.equal(here.code, 0, here.err);
    type Out = { files: { cells: { label: string; report: { results: { id: string; values: unknown[] }[] } }[] }[] };
    const values = (o: string) =>
      (decodeJson(o) as Out).files[0].cells.map((c) => [c.label, c.report.results.map((r) => [r.id, r.values])]);
    assert.equal(values(inImage).length, 10);
    assert.deepEqual(values(inImage), values(here.out));
  },
);
