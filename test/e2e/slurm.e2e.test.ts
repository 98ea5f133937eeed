/**
 * The SLURM path of docs/cluster.md on a real SLURM: a one-node cluster on localhost (munged, slurmctld, slurmd in a
 * temporary state folder, on free ports), docs/cluster/study.sbatch — the very file docs/cluster.md shows — submitted
 * as a 3-task array at the proxy preset and as the merge job with --dependency=afterok; the merged study must equal one
 * run (report.csv, every plot, the study and every cell's scores in results.json, as test/unit/study-shards.test.ts
 * compares). The daemons are this test's own children, stopped by PID, also when it fails.
 *
 * SLURM comes from Debian's packages (slurmctld, slurmd, slurm-client, munge): used when installed, else installed
 * with apt-get when this runs as root (≈ 14 s here); otherwise — or with CELL_LENS_SLURM_TEST=0 — the test is skipped,
 * saying why.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJson } from '../../src/scoring/cache';
import { REPO } from '../helpers/data';
import { CLI, ensureBuilt, runCli } from '../helpers/cli';

const SCRIPT = path.join(REPO, 'docs', 'cluster', 'study.sbatch');
const PACKAGES = ['slurmctld', 'slurmd', 'slurm-client', 'munge'];
const TOOLS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'sinfo'];
/** The study both the array and the single run compute: small, at the proxy preset (as study-shards.test.ts). */
const STUDY_OPTIONS = '--limit 12 --preset proxy --seed 0 --bootstrap 200 --scores naswot,hidden_cov,ntk_cond,params';
const SHARDS = 3;

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const secs = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);
const timings: string[] = [];

/** Why SLURM cannot be had here, or undefined when it is installed (installing it when it can). */
function slurmUnavailable(): string | undefined {
  if (process.env.CELL_LENS_SLURM_TEST === '0') return 'CELL_LENS_SLURM_TEST=0';
  if (process.platform !== 'linux') return `SLURM runs on Linux, not ${process.platform}`;
  if (TOOLS.every(has)) return undefined;
  if (process.getuid?.() !== 0)
    return `${TOOLS.filter((t) => !has(t)).join(', ')} missing and not root to install ${PACKAGES.join(' ')}`;
  if (!has('apt-get')) return `${TOOLS.filter((t) => !has(t)).join(', ')} missing and no apt-get to install them`;
  const t0 = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], { encoding: 'utf8', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { encoding: 'utf8', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], { encoding: 'utf8', env });
  }
  if (r.status !== 0 || !TOOLS.every(has))
    return `apt-get install ${PACKAGES.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`;
  timings.push(`apt-get install ${secs(t0)} s`);
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
let tmp = '';
after(async () => {
  // Our daemons only, by PID, newest first; each is awaited (slurmctld saves its state as it stops), then the folder.
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(c.pid, 'SIGTERM');
    if ((await Promise.race([exited, sleep(10_000).then(() => 'late')])) === 'late') process.kill(c.pid, 'SIGKILL');
  }
  if (timings.length) console.log(`# SLURM: ${timings.join(', ')}`);
  if (tmp) rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
});

/** Starts a daemon in the foreground as our child; its output goes to `log`. */
function daemon(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv): ChildProcess {
  const out = path.join(tmp, log);
  const c = spawn('sh', ['-c', `exec "$0" "$@" >>"${out}" 2>&1`, cmd, ...args], { env, stdio: 'ignore' });
  children.push(c);
  return c;
}

/** Polls `f` every 500 ms until it returns a value, at most `deadlineMs` (waiting on external daemons). */
async function until<T>(what: string, deadlineMs: number, f: () => T | undefined, diag: () => string): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`${what}: not within ${deadlineMs / 1000} s\n${diag()}`);
    await sleep(500);
  }
}

const why = slurmUnavailable();

test(
  'docs/cluster/study.sbatch on a one-node SLURM: 3 array tasks and the merge give the report of one run',
  { skip: why && `SLURM not available: ${why}` },
  async () => {
    ensureBuilt();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-slurm-'));
    chmodSync(tmp, 0o755);
    const host = os.hostname().split('.')[0];

    // munge: its own key and socket, run as the munge user where there is one.
    const mungeDir = path.join(tmp, 'munge');
    mkdirSync(mungeDir, { mode: 0o711 });
    const key = path.join(mungeDir, 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o400 });
    const munge = spawnSync('id', ['-u', 'munge'], { encoding: 'utf8' });
    const mungeUser = munge.status === 0 ? ['runuser', '-u', 'munge', '--'] : [];
    if (mungeUser.length) {
      const gid = Number(spawnSync('id', ['-g', 'munge'], { encoding: 'utf8' }).stdout);
      chownSync(mungeDir, Number(munge.stdout), gid);
      chownSync(key, Number(munge.stdout), gid);
    }
    const socket = path.join(mungeDir, 'munge.sock');

    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    for (const d of ['state', 'spool', 'run']) mkdirSync(path.join(tmp, d));
    const conf = path.join(tmp, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=celllens',
        `SlurmctldHost=${host}(127.0.0.1)`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        'AuthType=auth/munge',
        `AuthInfo=socket=${socket}`,
        'CredType=cred/munge',
        'SlurmUser=root',
        'SlurmdUser=root',
        `StateSaveLocation=${tmp}/state`,
        `SlurmdSpoolDir=${tmp}/spool`,
        `SlurmctldPidFile=${tmp}/slurmctld.pid`,
        `SlurmdPidFile=${tmp}/slurmd.pid`,
        `SlurmctldLogFile=${tmp}/slurmctld.log`,
        `SlurmdLogFile=${tmp}/slurmd.log`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core_Memory',
        'SchedulerType=sched/builtin',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'MpiDefault=none',
        'ReturnToService=2',
        // Jobs stay visible to `scontrol show job` long after they end.
        'MinJobAge=3600',
        `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${Math.max(1, os.cpus().length)} RealMemory=2048 State=UNKNOWN`,
        'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(tmp, 'cgroup.conf'),
      'CgroupPlugin=cgroup/v1\nConstrainCores=no\nConstrainRAMSpace=no\nConstrainSwapSpace=no\nConstrainDevices=no\n',
    );
    const env = { ...process.env, SLURM_CONF: conf };
    const sh = (cmd: string, args: string[]) =>
      spawnSync(cmd, args, { encoding: 'utf8', env, cwd: path.join(tmp, 'run') });
    const logs = () =>
      ['munged.out', 'slurmctld.log', 'slurmd.log', 'slurmctld.out', 'slurmd.out']
        .map((f) => {
          try {
            return `--- ${f}\n${readFileSync(path.join(tmp, f), 'utf8').split('\n').slice(-15).join('\n')}`;
          } catch {
            return `--- ${f}: none`;
          }
        })
        .join('\n');

    const t0 = Date.now();
    const [m0, ...mArgs] = [
      ...mungeUser,
      'munged',
      '-F',
      `--key-file=${key}`,
      `--socket=${socket}`,
      `--pid-file=${mungeDir}/munged.pid`,
      `--seed-file=${mungeDir}/munged.seed`,
      `--log-file=${mungeDir}/munged.log`,
    ];
    // runuser stays the parent of munged (it waits for it), so its PID stops munged too.
    daemon(m0, mArgs, 'munged.out', env);
    await until('munged', 20_000, () => (sh('munge', ['-S', socket, '-n']).status === 0 ? true : undefined), logs);
    daemon('slurmctld', ['-D', '-i', '-f', conf], 'slurmctld.out', env);
    daemon('slurmd', ['-D', '-f', conf, '-N', host], 'slurmd.out', env);
    await until(
      'an idle node',
      60_000,
      () => (sh('sinfo', ['-h', '-o', '%T']).stdout.trim() === 'idle' ? true : undefined),
      logs,
    );
    timings.push(`cluster up ${secs(t0)} s`);

    // The documented submission, with the CLI of this checkout and a small study (docs/cluster.md).
    const jobEnv = { ...env, CELL_LENS: `${process.execPath} ${CLI}`, STUDY_OPTIONS };
    const submit = (args: string[]) => {
      const r = spawnSync('sbatch', ['--parsable', '--cpus-per-task=1', '--mem=512M', ...args], {
        encoding: 'utf8',
        env: jobEnv,
        cwd: path.join(tmp, 'run'),
      });
      assert.equal(r.status, 0, `sbatch ${args.join(' ')}: ${r.stderr}\n${logs()}`);
      return r.stdout.trim().split(';')[0];
    };
    const t1 = Date.now();
    const array = submit([`--array=1-${SHARDS}`, SCRIPT]);
    const merge = submit([`--dependency=afterok:${array}`, SCRIPT, 'merge', String(SHARDS)]);
    await until(
      'the array and the merge job',
      10 * 60_000,
      () => (sh('squeue', ['-h', '-j', `${array},${merge}`]).stdout.trim() === '' ? true : undefined),
      () => `${sh('squeue', ['-j', `${array},${merge}`]).stdout}\n${logs()}`,
    );
    timings.push(`jobs ${secs(t1)} s`);
    const jobs = `${sh('scontrol', ['show', 'job', '-o', array]).stdout}${sh('scontrol', ['show', 'job', '-o', merge]).stdout}`;
    const states = jobs
      .trim()
      .split('\n')
      .map(
        (l) =>
          `${/ArrayTaskId=(\S+)/.exec(l)?.[1] ?? 'merge'} ${/JobState=(\S+)/.exec(l)?.[1]} ${/ExitCode=(\S+)/.exec(l)?.[1]} ${/RunTime=(\S+)/.exec(l)?.[1]}`,
      );
    timings.push(`job states: ${states.join('; ')}`);
    const outputs = () => sh('sh', ['-c', 'tail -n 5 slurm-*.out']).stdout;
    assert.equal(states.length, SHARDS + 1, jobs);
    for (const s of states) assert.match(s, /^\S+ COMPLETED 0:0 /, `${s}\n${outputs()}`);

    // One run of the same study, then the comparison of study-shards.test.ts.
    const one = await runCli(path.join(tmp, 'run'), [
      'study',
      ...STUDY_OPTIONS.split(' '),
      '--out',
      'one',
      '--cache',
      'cache-one',
    ]);
    assert.equal(one.code, 0, one.err);
    const read = (d: string, f: string) => readFileSync(path.join(tmp, 'run', d, f), 'utf8');
    assert.equal(read('study', 'report.csv'), read('one', 'report.csv'), 'same rows, τ, intervals');
    for (const id of ['naswot', 'hidden_cov', 'ntk_cond', 'params'])
      assert.equal(read('study', `study-${id}.svg`), read('one', `study-${id}.svg`), `plot ${id}`);
    type R = { study: unknown; cells: { hash: string; scores: unknown }[] };
    const a = decodeJson(read('one', 'results.json')) as R,
      b = decodeJson(read('study', 'results.json')) as R;
    assert.equal(b.cells.length, 12);
    assert.deepEqual(b.study, a.study);
    assert.deepEqual(
      b.cells.map((c) => [c.hash, c.scores]),
      a.cells.map((c) => [c.hash, c.scores]),
    );
  },
);
