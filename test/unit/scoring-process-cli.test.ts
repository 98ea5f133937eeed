/** `cell-lens score` through runScore, with the real worker (from source through tsx) as a child process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runScore, type ScoreCliOptions } from '../../src/cli/score';
import { countParams } from '../../src/scoring/model/params';
import { FIXTURES, TINY, WORKER_TS } from '../fixtures/scoring/helpers';
import { exampleText } from '../helpers/data';

const CELLS = path.join(FIXTURES, 'cells.json');
const INVALID = path.join(FIXTURES, 'invalid.json');
const SIZES = ['--vocab', '50', '--embed', '8', '--hidden', '12', '--layers', '2', '--seq', '5', '--batch', '4'];
const LSTMISH = {
  i: { op: 'linear', input: ['x', 'h_prev_0'] },
  g: { op: 'activation_sigm', input: ['i'] },
  c: { op: 'linear', input: ['x', 'h_prev_0'] },
  t: { op: 'activation_tanh', input: ['c'] },
  h_new_0: { op: 'blend', input: ['g', 't', 'h_prev_0'] },
};
const RNN = { l: { op: 'linear', input: ['x', 'h_prev_0'] }, h_new_0: { op: 'activation_tanh', input: ['l'] } };

async function run(argv: string[], opts: ScoreCliOptions = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '',
    err = '';
  const ac = new AbortController(); // keeps runScore from installing a SIGINT handler in the test runner
  const code = await runScore(
    argv,
    {
      stdout: (s) => {
        out += s;
      },
      stderr: (s) => {
        err += s;
      },
    },
    { workerPath: WORKER_TS, signal: ac.signal, ...opts },
  );
  return { code, out, err };
}

const grouped = (n: number) => n.toLocaleString('en-US');

test('scores every cell of a file and prints a table; a second run is served from the disk cache', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-cli-'));
  try {
    const args = [CELLS, '--scores', 'params', '--backend', 'cpu', ...SIZES, '--cache-dir', dir];
    const first = await run(args);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /cells\.json · RNN · [0-9a-f]{12} · cpu · \d+ ms\n/); // the reference RNN, by name
    assert.match(first.out, /cells\.json · cell 1 · /);
    assert.match(first.out, /score\s+value\s+pct\s+dir\s+ms/);
    assert.match(first.out, new RegExp(`#params\\s+${grouped(countParams(RNN, TINY))}\\s+—\\s+↓\\s+\\d+`));
    assert.match(first.out, new RegExp(`#params\\s+${grouped(countParams(LSTMISH, TINY))}\\s+—\\s+↓`));
    assert.doesNotMatch(first.out, /cached/);
    assert.equal(readdirSync(dir).length, 2);
    // The second run needs no worker at all: point it at one that does not exist.
    const second = await run(args, { workerPath: path.join(dir, 'no-such-worker.js') });
    assert.equal(second.code, 0, second.err);
    assert.equal((second.out.match(/· cached ·/g) ?? []).length, 2);
    // --no-cache really scores again (and so needs the worker).
    const third = await run([...args, '--no-cache'], { workerPath: path.join(dir, 'no-such-worker.js') });
    assert.equal(third.code, 2);
    assert.match(third.err, /scoring worker is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--json prints one parseable document with the reports; repeats show up', async () => {
  const { code, out, err } = await run([
    CELLS,
    '--json',
    '--no-cache',
    '--scores',
    'params',
    '--repeats',
    '2',
    '--seed',
    '7',
    '--backend',
    'cpu',
    ...SIZES,
  ]);
  assert.equal(code, 0, err);
  const doc = JSON.parse(out) as {
    files: {
      file: string;
      cells: {
        label: string;
        valid: boolean;
        hash: string;
        report: {
          settings: { seed: number; repeats: number };
          results: { id: string; value: number; values: number[] }[];
        };
      }[];
    }[];
  };
  assert.equal(doc.files.length, 1);
  const cells = doc.files[0].cells;
  assert.equal(cells.length, 2);
  assert.ok(cells.every((c) => c.valid && /^[0-9a-f]+$/.test(c.hash)));
  assert.notEqual(cells[0].hash, cells[1].hash);
  assert.equal(cells[0].report.settings.seed, 7);
  assert.equal(cells[0].report.results[0].value, countParams(RNN, TINY));
  assert.equal(cells[0].report.settings.repeats, 2);
});

test('an invalid cell is reported with file:line:column and exit code 1; valid files in the same run are scored', async () => {
  const { code, out, err } = await run([
    INVALID,
    CELLS,
    '--no-cache',
    '--scores',
    'params',
    '--backend',
    'cpu',
    ...SIZES,
  ]);
  assert.equal(code, 1);
  assert.match(err, /invalid\.json \(recipe\):3:\d+: error: Unknown op "activation_relu"/);
  assert.match(out, /invalid\.json · recipe · invalid, not scored/);
  assert.match(out, /cells\.json · cell 1 · /);
});

test('usage errors exit with 2 and say what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [[], /no FILE given/],
    [[CELLS, '--scores', 'params,iq'], /unknown score "iq"/],
    [[CELLS, '--seed', 'abc'], /--seed takes an integer/],
    [[CELLS, '--hidden', '0'], /--hidden takes an integer ≥ 1/],
    [[CELLS, '--backend', 'cuda'], /--backend takes auto/],
    [[CELLS, '--timeout', '-1'], /--timeout takes a number of seconds/],
    [[CELLS, '--frobnicate'], /unknown option --frobnicate/],
    [[CELLS, '--batch'], /--batch needs a value/],
  ];
  for (const [argv, re] of cases) {
    const { code, err } = await run(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(err, re);
    assert.match(err, /Usage: cell-lens score/);
  }
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Exit codes/);
  const missing = await run([path.join(FIXTURES, 'no-such-file.json'), '--no-cache']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read .*no-such-file\.json: ENOENT/);
});

test('a scoring failure (backend that cannot load) exits with 2 and a readable message', async () => {
  const { code, err } = await run([CELLS, '--no-cache', '--scores', 'params', '--backend', 'tensorflow', ...SIZES]);
  assert.equal(code, 2);
  assert.match(err, /RNN: Could not load the TensorFlow\.js backend "tensorflow"/);
});

test('--preset proxy picks the proxy sizes; explicit size flags override the preset whatever their order', async () => {
  const base = [CELLS, '--json', '--no-cache', '--scores', 'params', '--backend', 'cpu'];
  for (const [args, want] of [
    [['--preset', 'proxy'], { vocab: 1000, embed: 32, hidden: 48, layers: 2, seqLen: 10, batch: 8 }],
    [['--hidden', '20', '--preset', 'proxy'], { vocab: 1000, embed: 32, hidden: 20, layers: 2, seqLen: 10, batch: 8 }],
  ] as const) {
    const { code, out, err } = await run([...base, ...args]);
    assert.equal(code, 0, err);
    const s = (JSON.parse(out) as { files: { cells: { report: { settings: Record<string, number> } }[] }[] }).files[0]
      .cells[0].report.settings;
    assert.deepEqual(
      { vocab: s.vocab, embed: s.embed, hidden: s.hidden, layers: s.layers, seqLen: s.seqLen, batch: s.batch },
      want,
    );
  }
  const bad = await run([...base, '--preset', 'huge']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--preset takes nas-bench-nlp or proxy, not "huge"/);
});

test('--workers 2 scores the cells in two processes with the same values, in the same order, as --workers 1', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-cli-workers-'));
  try {
    // The first five example cells: cells 0 and 3 are the same cell (one canonical hash), scored once.
    const file = path.join(dir, 'five.json');
    writeFileSync(file, JSON.stringify((JSON.parse(exampleText()) as unknown[]).slice(0, 5)));
    const base = [
      file,
      '--no-cache',
      '--scores',
      'params,naswot,hidden_cov',
      '--backend',
      'cpu',
      '--verbose',
      ...SIZES,
    ];
    type Doc = {
      files: {
        cells: {
          label: string;
          hash: string;
          cached: boolean;
          percentiles: unknown;
          report: { results: { id: string; value: number; std: number; values: number[] }[] };
        }[];
      }[];
    };
    const values = (out: string) =>
      (JSON.parse(out) as Doc).files[0].cells.map((c) => ({
        label: c.label,
        hash: c.hash,
        cached: c.cached,
        percentiles: c.percentiles,
        results: c.report.results.map((r) => [r.id, r.value, r.std, r.values]),
      }));
    const processes = (err: string) => new Set([...err.matchAll(/scoring process (\d+) ready/g)].map((m) => m[1])).size;
    const one = await run([...base, '--json', '--workers', '1']);
    const two = await run([...base, '--json', '--workers', '2']);
    assert.equal(one.code, 0, one.err);
    assert.equal(two.code, 0, two.err);
    assert.equal(processes(one.err), 1);
    assert.equal(processes(two.err), 2);
    const v1 = values(one.out);
    assert.equal(v1.length, 5);
    assert.equal(new Set(v1.map((c) => c.hash)).size, 4);
    assert.deepEqual(v1[3].results, v1[0].results);
    assert.deepEqual(values(two.out), v1);
    // The table: the same cells in the same order (timings aside).
    const table = async (w: string) =>
      (await run([...base, '--workers', w])).out.replace(/\d+ ms\n/g, 'ms\n').replace(/ +\d+\n/g, '\n');
    assert.equal(await table('2'), await table('1'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
