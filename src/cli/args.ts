/**
 * The argument layer of every `cell-lens` subcommand: each one declares its options once (name, type, default, a
 * one-line help) in a {@link CommandSpec}; {@link parseCommand} parses argv against it and {@link helpText} prints
 * the help from the same declarations, so a flag cannot be accepted without being documented, or the reverse.
 *
 * Parsing is Node's built-in `util.parseArgs` in strict mode: it is part of Node (no dependency to vet or update),
 * strict mode rejects unknown flags, missing values and stray positionals for us, and `--flag value`,
 * `--flag=value`, repeatable flags and `--` are all our flags need. What it does not do — typed numbers, choices,
 * help — is the thin part below. Every parse error becomes a {@link UsageError} with a plain message, which
 * {@link parseCli} prints the same way for every subcommand (`cell-lens NAME: message`, blank line, the help)
 * with exit code 2. `-h` / `--help` anywhere before `--` prints the help and exits 0, whatever else is on the line.
 */
import { parseArgs } from 'node:util';
import type { CliIO } from './io';

/** A wrong command line: the message is shown above the subcommand's help, exit code 2. */
export class UsageError extends Error {}

/** One option of a subcommand. */
export interface OptionSpec {
  /**
   * boolean: a switch; string: a value (`choices` restrict it, `multiple` repeats it); int: a whole number ≥ `min`
   * (default 1); number: a finite number > `above` (default 0), e.g. seconds.
   */
  readonly type: 'boolean' | 'string' | 'int' | 'number';
  /** One line for the help. */
  readonly help: string;
  /** The value's placeholder in the help (N, PATH, …); default from the type. */
  readonly arg?: string;
  /** Value when the flag is absent (shown in the help unless `help` says it). */
  readonly default?: string | number;
  /** int: smallest accepted value (default 1). */
  readonly min?: number;
  /** number: values must be greater than this (default 0). */
  readonly above?: number;
  /** number: the unit of the value, for the error message (e.g. seconds). */
  readonly unit?: string;
  /** string: the accepted values, in the order the messages list them. */
  readonly choices?: readonly string[];
  /** string: repeatable; the values in order. */
  readonly multiple?: boolean;
  /** Accepted but left out of the help (a synonym, or a flag a command refuses with its own message). */
  readonly hidden?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A subcommand: its options, positionals and help text around the generated option list. */
export interface CommandSpec<S extends OptionSpecs = OptionSpecs> {
  /** The subcommand (`score`). */
  readonly name: string;
  /** What follows the name in the usage line (`FILE... [options]`). */
  readonly synopsis: string;
  /** Paragraph(s) between the usage line and the options. */
  readonly description?: string;
  /** Positional arguments: their name in messages (FILE) and whether at least one is required; absent = none allowed. */
  readonly positionals?: { readonly name: string; readonly required: boolean };
  readonly options: S;
  /** Text after the options (exit codes, notes). */
  readonly footer?: string;
}

type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean
  : O['type'] extends 'int' | 'number'
    ? number
    : O['multiple'] extends true
      ? string[]
      : O['choices'] extends readonly (infer C)[]
        ? C
        : string;

/** Parsed values: switches are false when absent, repeatable flags [], flags with a default never undefined. */
export type Values<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends { type: 'boolean' } | { multiple: true } | { default: string | number }
    ? ValueOf<S[K]>
    : ValueOf<S[K]> | undefined;
};

export interface Parsed<S extends OptionSpecs> {
  readonly values: Values<S>;
  readonly positionals: string[];
  /** Flags given on the command line (not defaulted), by option name. */
  readonly given: ReadonlySet<keyof S & string>;
}

/** Whether `-h` / `--help` is on the command line (before a `--`). */
export function helpRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '-h' || a === '--help');
}

/** `a, b or c`. */
function orList(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** The flag a parseArgs message names (`'--batch <value>'`, `'-h, --help'`), or undefined. */
function flagIn(message: string): string | undefined {
  const m = /'(?:-[^-' ,], )?(--?[^' ,<]+)/.exec(message);
  return m?.[1].trim();
}

/** parseArgs' error as our message (the original text when its wording is not one we know). */
function usageMessage(e: Error & { code?: string }): string {
  const flag = flagIn(e.message);
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return flag ? `unknown option ${flag}` : e.message;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const m = /'([^']*)'/.exec(e.message);
      return m ? `unexpected argument "${m[1]}"` : e.message;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (!flag) return e.message;
      if (/argument missing/.test(e.message)) return `${flag} needs a value`;
      if (/ambiguous/.test(e.message))
        return `${flag} needs a value (write ${flag}=-… for a value that starts with "-")`;
      if (/does not take an argument/.test(e.message)) return `${flag} takes no value`;
      return e.message;
    default:
      return e.message;
  }
}

/** Converts one string value of `--name` per its spec; throws UsageError. */
function convert(name: string, spec: OptionSpec, v: string): string | number {
  const flag = `--${name}`;
  switch (spec.type) {
    case 'int': {
      const min = spec.min ?? 1;
      const n = Number(v);
      if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min)
        throw new UsageError(`${flag} takes an integer ≥ ${min}, not "${v}"`);
      return n;
    }
    case 'number': {
      const above = spec.above ?? 0;
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n <= above)
        throw new UsageError(`${flag} takes a number${spec.unit ? ` of ${spec.unit}` : ''} > ${above}, not "${v}"`);
      return n;
    }
    default:
      if (spec.choices && !spec.choices.includes(v))
        throw new UsageError(`${flag} takes ${orList(spec.choices)}, not "${v}"`);
      return v;
  }
}

/** Parses argv (the arguments after the subcommand) against `cmd`; throws UsageError. */
export function parseCommand<S extends OptionSpecs>(cmd: CommandSpec<S>, argv: readonly string[]): Parsed<S> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(cmd.options))
    options[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.multiple ? { multiple: true } : {}),
    };
  // Strict parseArgs refuses a value that starts with "-" after a separate flag (it reads like a forgotten value);
  // a negative number is a value all the same (`--seed -5`, as the old hand-written loops took it).
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const spec = name !== undefined && Object.hasOwn(cmd.options, name) ? cmd.options[name] : undefined;
    if (spec && spec.type !== 'boolean' && i + 1 < argv.length && /^-\.?\d/.test(argv[i + 1]))
      args.push(`${a}=${argv[++i]}`);
    else args.push(a);
  }
  let raw: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    raw = parseArgs({ args, options, strict: true, allowPositionals: cmd.positionals !== undefined });
  } catch (e) {
    const code = (e as { code?: unknown } | undefined)?.code;
    if (e instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError(usageMessage(e));
    throw e;
  }
  if (cmd.positionals?.required && raw.positionals.length === 0)
    throw new UsageError(`no ${cmd.positionals.name} given`);
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, spec] of Object.entries(cmd.options)) {
    const v = raw.values[name];
    if (v !== undefined) given.add(name);
    if (spec.type === 'boolean') values[name] = v === true;
    else if (spec.multiple) values[name] = ((v as string[] | undefined) ?? []).map((x) => convert(name, spec, x));
    else if (v !== undefined) values[name] = convert(name, spec, v as string);
    else values[name] = spec.default;
  }
  return { values: values as Values<S>, positionals: raw.positionals, given };
}

/** Width the option help is wrapped to. */
const HELP_WIDTH = 110;

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** The help of a subcommand, generated from its declarations. */
export function helpText(cmd: CommandSpec): string {
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries(cmd.options)) {
    if (spec.hidden) continue;
    const arg =
      spec.type === 'boolean'
        ? ''
        : ` ${spec.arg ?? (spec.type === 'int' ? 'N' : spec.type === 'number' ? 'X' : spec.choices ? 'X' : 'VALUE')}`;
    const choices = spec.choices && !spec.help.includes(spec.choices[0]) ? `: ${spec.choices.join(' | ')}` : '';
    const dflt = spec.default !== undefined && !/\(default/.test(spec.help) ? ` (default ${spec.default})` : '';
    rows.push([`--${name}${arg}`, `${spec.help}${choices}${dflt}`]);
  }
  rows.push(['-h, --help', 'this help']);
  const w = Math.min(24, Math.max(...rows.map(([f]) => f.length)));
  const indent = ' '.repeat(w + 4);
  const lines = rows.map(([f, h]) => {
    const text = wrap(h, HELP_WIDTH - indent.length).join(`\n${indent}`);
    return f.length > w ? `  ${f}\n${indent}${text}` : `  ${f.padEnd(w)}  ${text}`;
  });
  return (
    [
      `Usage: cell-lens ${cmd.name} ${cmd.synopsis}`,
      '',
      ...(cmd.description ? [cmd.description.trimEnd(), ''] : []),
      'Options:',
      ...lines,
      ...(cmd.footer ? ['', cmd.footer.trimEnd()] : []),
    ].join('\n') + '\n'
  );
}

/** The uniform usage error: `cell-lens NAME: message`, a blank line, the subcommand's help. */
export function usageErrorText(cmd: CommandSpec, message: string): string {
  return `cell-lens ${cmd.name}: ${message}\n\n${helpText(cmd)}`;
}

/**
 * Parses a subcommand's argv and builds its arguments with `build` (which may throw UsageError for checks across
 * flags). Returns `{ args }`, or `{ exit }` after printing the help (0) or the uniform usage error (2).
 */
export function parseCli<S extends OptionSpecs, T>(
  cmd: CommandSpec<S>,
  argv: readonly string[],
  io: CliIO,
  build: (p: Parsed<S>) => T,
): { args: T; exit?: undefined } | { exit: number } {
  if (helpRequested(argv)) {
    io.stdout(helpText(cmd));
    return { exit: 0 };
  }
  try {
    return { args: build(parseCommand(cmd, argv)) };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(usageErrorText(cmd, e.message));
    return { exit: 2 };
  }
}
