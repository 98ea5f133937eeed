/**
 * The argument layer every `cell-lens` subcommand shares (src/cli/args.ts over `util.parseArgs`): typed values and
 * defaults from one declaration, the same usage error (message + the subcommand's help, exit 2) for every kind of
 * wrong command line, and `--help` generated from the declarations — checked on the layer, then on every
 * subcommand of the built binary (dist/cli.js, a real process).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError, helpText, parseCommand, type CommandSpec } from '../../src/cli/args';
import { CHECK_COMMAND } from '../../src/cli/check';
import { LOOKUP_COMMAND } from '../../src/cli/lookup';
import { SCORE_COMMAND } from '../../src/cli/score';
import { CALIBRATE_COMMAND, STUDY_COMMAND } from '../../src/cli/study';
import { SEARCH_COMMAND } from '../../src/cli/search';
import { PREDICT_COMMAND } from '../../src/cli/predict';
import { SUGGEST_COMMAND } from '../../src/cli/suggest';
import { runCli, ensureBuilt } from '../helpers/cli';

const SPEC = {
  name: 'demo',
  synopsis: 'FILE... [options]',
  positionals: { name: 'FILE', required: true },
  options: {
    count: { type: 'int', min: 1, default: 3, help: 'how many' },
    seed: { type: 'int', min: -5, help: 'a seed' },
    rate: { type: 'number', unit: 'seconds', help: 'how long' },
    mode: { type: 'string', choices: ['fast', 'slow'], default: 'fast', help: 'the mode' },
    tag: { type: 'string', multiple: true, help: 'tags' },
    json: { type: 'boolean', help: 'JSON' },
    secret: { type: 'string', hidden: true, help: 'not shown' },
  },
} as const satisfies CommandSpec;

const usage = (argv: string[]): string => {
  try {
    parseCommand(SPEC, argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.message;
  }
  assert.fail(`no usage error for ${argv.join(' ')}`);
};

test('the layer: typed values, defaults, repeatable flags in order, --flag=value, -- and which flags were given', () => {
  const p = parseCommand(SPEC, [
    'a.json',
    '--count',
    '7',
    '--tag=x',
    '--seed',
    '-2',
    'b.json',
    '--tag',
    'y',
    '--rate',
    '1.5',
    '--json',
    '--',
    '--count',
  ]);
  assert.deepEqual(p.positionals, ['a.json', 'b.json', '--count']);
  assert.deepEqual(p.values, {
    count: 7,
    seed: -2,
    rate: 1.5,
    mode: 'fast',
    tag: ['x', 'y'],
    json: true,
    secret: undefined,
  });
  assert.deepEqual([...p.given].sort(), ['count', 'json', 'rate', 'seed', 'tag']);
  const d = parseCommand(SPEC, ['a']);
  assert.deepEqual(d.values, {
    count: 3,
    seed: undefined,
    rate: undefined,
    mode: 'fast',
    tag: [],
    json: false,
    secret: undefined,
  });
  assert.equal(d.given.size, 0);
});

test('the layer: every wrong command line is a UsageError with a plain message', () => {
  assert.equal(usage(['a', '--frobnicate']), 'unknown option --frobnicate');
  assert.equal(usage(['a', '-x']), 'unknown option -x');
  assert.equal(usage(['a', '--count']), '--count needs a value');
  assert.match(usage(['a', '--tag', '-v']), /^--tag needs a value \(write --tag=-… for a value that starts with "-"\)/);
  assert.equal(usage(['a', '--count', '-1']), '--count takes an integer ≥ 1, not "-1"'); // a negative number is a value
  assert.equal(usage(['a', '--rate', '-.5']), '--rate takes a number of seconds > 0, not "-.5"');
  assert.equal(usage(['a', '--json=yes']), '--json takes no value');
  assert.equal(usage(['a', '--count', '0']), '--count takes an integer ≥ 1, not "0"');
  assert.equal(usage(['a', '--count', '2.5']), '--count takes an integer ≥ 1, not "2.5"');
  assert.equal(usage(['a', '--count', 'two']), '--count takes an integer ≥ 1, not "two"');
  assert.equal(usage(['a', '--seed=-6']), '--seed takes an integer ≥ -5, not "-6"');
  assert.equal(usage(['a', '--rate', '0']), '--rate takes a number of seconds > 0, not "0"');
  assert.equal(usage(['a', '--rate', 'soon']), '--rate takes a number of seconds > 0, not "soon"');
  assert.equal(usage(['a', '--mode', 'medium']), '--mode takes fast or slow, not "medium"');
  assert.equal(usage([]), 'no FILE given');
  assert.equal(usage(['--json']), 'no FILE given');
  const noPositionals = { ...SPEC, positionals: undefined };
  assert.throws(
    () => parseCommand(noPositionals, ['stray']),
    (e: unknown) => e instanceof UsageError && e.message === 'unexpected argument "stray"',
  );
});

test('the layer: the help lists every option that is not hidden, with its value, default and help line', () => {
  const h = helpText(SPEC);
  assert.match(h, /^Usage: cell-lens demo FILE\.\.\. \[options\]\n/);
  assert.match(h, /\n {2}--count N +how many \(default 3\)\n/);
  assert.match(h, /\n {2}--mode X +the mode: fast \| slow \(default fast\)\n/);
  assert.match(h, /\n {2}--json +JSON\n/);
  assert.match(h, /\n {2}-h, --help +this help\n/);
  assert.doesNotMatch(h, /--secret/);
});

const COMMANDS = [
  CHECK_COMMAND,
  LOOKUP_COMMAND,
  SCORE_COMMAND,
  STUDY_COMMAND,
  CALIBRATE_COMMAND,
  SEARCH_COMMAND,
  PREDICT_COMMAND,
  SUGGEST_COMMAND,
] as readonly CommandSpec[];
/** A valid rest of the command line for each subcommand, so only the flag under test is wrong. */
const VALID: Record<string, string[]> = {
  check: ['cell.json'],
  lookup: ['cell.json'],
  score: ['cell.json'],
  predict: ['cell.json'],
  suggest: ['cell.json'],
  study: [],
  calibrate: [],
  search: ['--algo', 'random', '--score', 'naswot', '--budget', '3'],
};

let tmp = '';
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cell-lens-cli-args-'));
  writeFileSync(
    path.join(tmp, 'cell.json'),
    JSON.stringify({ l: { op: 'linear', input: ['x', 'h_prev_0'] }, h_new_0: { op: 'activation_tanh', input: ['l'] } }),
  );
  ensureBuilt();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(tmp, args, 60_000);

/** The uniform usage error of `name`: the message on the first line, then the subcommand's help; nothing on stdout. */
function assertUsageError(
  r: { code: number; out: string; err: string },
  name: string,
  message: RegExp,
  what: string,
): void {
  assert.equal(r.code, 2, `${what}: ${r.err}`);
  assert.equal(r.out, '', what);
  const [first, blank, usageLine] = r.err.split('\n');
  assert.match(first, new RegExp(`^cell-lens ${name}: `), what);
  assert.match(first.slice(`cell-lens ${name}: `.length), message, what);
  assert.equal(blank, '', what);
  assert.match(usageLine, new RegExp(`^Usage: cell-lens ${name} `), what);
  assert.match(r.err, /\n {2}-h, --help +this help\n/, what);
}

test('every subcommand: an unknown flag is the same usage error with exit code 2', async () => {
  for (const cmd of COMMANDS) {
    const r = await cli([cmd.name, ...VALID[cmd.name], '--frobnicate']);
    assertUsageError(r, cmd.name, /^unknown option --frobnicate$/, `${cmd.name} --frobnicate`);
  }
});

test('every subcommand: a bad number is the same usage error with exit code 2', async () => {
  // check and lookup take no number; the others take --workers (and more).
  const cases: [string, string[], RegExp][] = [
    ['score', ['--workers', '0'], /^--workers takes an integer ≥ 1, not "0"$/],
    ['score', ['--batch', 'many'], /^--batch takes an integer ≥ 1, not "many"$/],
    ['study', ['--workers', 'two'], /^--workers takes an integer ≥ 1, not "two"$/],
    ['study', ['--bootstrap', '5'], /^--bootstrap takes an integer ≥ 10, not "5"$/],
    ['search', ['--workers', '-1'], /^--workers takes an integer ≥ 1, not "-1"$/],
    ['search', ['--workers=1.5'], /^--workers takes an integer ≥ 1, not "1\.5"$/],
    ['search', ['--population', '1'], /^--population takes an integer ≥ 2, not "1"$/],
    ['predict', ['--workers', '0'], /^--workers takes an integer ≥ 1, not "0"$/],
    ['predict', ['--timeout', '-'], /^--timeout takes a number of seconds > 0, not "-"$/],
    ['suggest', ['--top', '0'], /^--top takes an integer ≥ 1, not "0"$/],
    ['suggest', ['--cell', '-1'], /^--cell takes an integer ≥ 0, not "-1"$/],
  ];
  for (const [name, flags, message] of cases) {
    const r = await cli([name, ...VALID[name], ...flags]);
    assertUsageError(r, name, message, `${name} ${flags.join(' ')}`);
  }
  // A flag that needs a value, given none, and a stray argument: the same shape.
  assertUsageError(await cli(['lookup', 'cell.json', '--logs']), 'lookup', /^--logs needs a value$/, 'lookup --logs');
  assertUsageError(await cli(['study', 'stray']), 'study', /^unexpected argument "stray"$/, 'study stray');
  assertUsageError(await cli(['check']), 'check', /^no FILE given$/, 'check');
});

test('every subcommand: --help and -h print the help generated from its declarations, exit 0', async () => {
  for (const cmd of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      // Even on a command line that is otherwise wrong.
      const r = await cli([cmd.name, '--frobnicate', flag]);
      assert.equal(r.code, 0, `${cmd.name} ${flag}: ${r.err}`);
      assert.equal(r.err, '');
      assert.match(r.out, new RegExp(`^Usage: cell-lens ${cmd.name} `));
      for (const [name, spec] of Object.entries(cmd.options)) {
        if (spec.hidden)
          assert.doesNotMatch(r.out, new RegExp(`\\n {2}--${name}\\b`), `${cmd.name}: --${name} is hidden`);
        else assert.match(r.out, new RegExp(`\\n {2}--${name}\\b`), `${cmd.name} --help lists --${name}`);
      }
      if (cmd.name !== 'check' && cmd.name !== 'lookup')
        assert.match(r.out, /\n {2}--workers N /, `${cmd.name} takes --workers`);
    }
  }
  // The top-level help names every subcommand and the uniform flags.
  const top = await cli(['--help']);
  assert.equal(top.code, 0);
  for (const cmd of COMMANDS) assert.match(top.out, new RegExp(`\\n {2}${cmd.name} `));
  assert.match(top.out, /Every command takes -h \/ --help/);
});
