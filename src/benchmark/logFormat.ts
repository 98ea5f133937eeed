/**
 * The NAS-Bench-NLP training log format (`log_stats_model_<id>_<date>_<experiment>.json`): one log's text → one
 * {@link BenchmarkRun}, or a {@link LogWarning} saying why the text is not a usable log (bad JSON, no `recepie`, a
 * recipe that does not parse …); nothing here throws on bad input. Where logs are read from (folders, zips, the
 * user's `cellLens.benchmark.logPaths`) is `sources.ts`. Pure logic, no `vscode` import.
 */
import { canonicalHash } from '../recipe/canonical';
import { datasetLabel } from '../recipe/parse';
import type { Recipe } from '../recipe/types';

/** A problem with one file (or one zip entry, or a whole source); never thrown, always collected. */
export interface LogWarning {
  /** The file: an absolute path, or `<zip path>:<entry name>` for a zip entry. */
  readonly file: string;
  readonly message: string;
}

/** One training run: the facts of one NAS-Bench-NLP log. Loss values are natural-log cross-entropy per token. */
export interface BenchmarkRun {
  /** `recepie_id` of the log (undefined when absent or not a number). */
  readonly recepieId: number | undefined;
  /** `experiment_id` of the log (undefined when absent or not a number). */
  readonly experimentId: number | undefined;
  /** Dataset label, e.g. `WikiText-2`, `PTB`. */
  readonly dataset: string;
  /** Where the log came from: absolute path of a file, or `<zip path>:<entry name>`; the entry name for the prebuilt index. */
  readonly file: string;
  /** `canonicalHash` of the recipe. */
  readonly hash: string;
  /** The recipe exactly as the log stores it (the `recepie` JSON string). */
  readonly recipe: string;
  /** `num_params` of the log (whole language model), undefined when absent. */
  readonly numParams: number | undefined;
  /** Number of epochs actually logged (length of `test_losses`). */
  readonly epochs: number;
  /** Number of epochs the run was configured for (`epochs` field), undefined when absent. */
  readonly plannedEpochs: number | undefined;
  /** Test loss of the last logged epoch (NaN when that is not finite or nothing was logged). */
  readonly finalTest: number;
  /** Validation loss of the last logged epoch (NaN as above). */
  readonly finalVal: number;
  /** Minimum finite test loss over all epochs (NaN when none is finite). */
  readonly bestTest: number;
  /** Minimum finite validation loss over all epochs (NaN when none is finite). */
  readonly bestVal: number;
  /** `status` of the log (`OK`, `loss is nan!`, …); `unknown` when absent. */
  readonly status: string;
  /** True when the status mentions `nan`, no epoch was logged, or the final test/val loss is not finite. */
  readonly diverged: boolean;
  /** Test loss per epoch (NaN where the log has NaN/null). */
  readonly testLosses: readonly number[];
  /** Validation loss per epoch (NaN where the log has NaN/null). */
  readonly valLosses: readonly number[];
  /** Training loss per epoch (NaN where the log has NaN/null); absent when the log has none. */
  readonly trainLosses?: readonly number[];
}

/** What loading produced: the runs, the per-file warnings, and the names of entries ignored as not `.json`. */

/**
 * Dataset label from a log's `data` field, the same label the document parser gives (`datasetLabel`):
 * `data/wikitext-2` → `WikiText-2`, `data/ptb` / `data/penn` → `PTB`, anything else → its last path part;
 * `unknown` when the field is missing or empty.
 */
export function datasetFromDataField(data: unknown): string {
  return (typeof data === 'string' ? datasetLabel(data) : undefined) || 'unknown';
}

const SENTINEL_PREFIX = '\u0000cell-lens:';
const SENTINELS: Readonly<Record<string, number>> = {
  [`${SENTINEL_PREFIX}NaN`]: NaN,
  [`${SENTINEL_PREFIX}Infinity`]: Infinity,
  [`${SENTINEL_PREFIX}-Infinity`]: -Infinity,
};

/**
 * `JSON.parse` that also accepts the bare `NaN`, `Infinity` and `-Infinity` tokens Python's `json.dump` writes
 * (NAS-Bench-NLP logs of diverged runs contain `[NaN]`). Throws like `JSON.parse` on anything else.
 */
export function parseJsonWithNaN(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
  }
  // Rewrite the bare tokens (outside strings) to sentinel strings, then revive them as numbers.
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: string | undefined;
    if (text.startsWith('NaN', i)) token = 'NaN';
    else if (text.startsWith('Infinity', i)) token = 'Infinity';
    else if (text.startsWith('-Infinity', i)) token = '-Infinity';
    if (token !== undefined) {
      out += text.slice(last, i) + JSON.stringify(SENTINEL_PREFIX + token);
      i += token.length - 1;
      last = i + 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(SENTINEL_PREFIX) && value in SENTINELS ? SENTINELS[value] : value,
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A loss list: numbers; `null`, NaN and non-numbers become NaN. Undefined when the value is not an array. */
function lossList(v: unknown): number[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => (typeof x === 'number' ? x : NaN));
}

function minFinite(xs: readonly number[]): number {
  let m = NaN;
  for (const x of xs) if (Number.isFinite(x) && !(x >= m)) m = x;
  return m;
}

function lastFinite(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const x = xs[xs.length - 1];
  return Number.isFinite(x) ? x : NaN;
}

/**
 * The recipe of a `recepie` string as plain data, or an error message. Checks the shape only
 * (an object of `{op: string, input: string[]}` with at least one node); the validator judges the rest.
 */
export function recipeFromString(text: string): { recipe: Recipe } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `the "recepie" string is not valid JSON (${(err as Error).message})` };
  }
  if (!isRecord(value)) return { error: 'the "recepie" string is not a JSON object of nodes' };
  const names = Object.keys(value);
  if (names.length === 0) return { error: 'the recipe has no nodes' };
  const recipe: Recipe = {};
  for (const name of names) {
    const node = value[name];
    if (!isRecord(node)) return { error: `node "${name}" is not an object {op, input}` };
    if (typeof node.op !== 'string') return { error: `node "${name}" has no "op" string` };
    if (!Array.isArray(node.input) || !node.input.every((x): x is string => typeof x === 'string')) {
      return { error: `node "${name}" has no "input" list of strings` };
    }
    recipe[name] = { op: node.op, input: [...node.input] };
  }
  return { recipe };
}

/** Per-epoch lists of a log that nothing here reads: about 20% of a log's text. */
const UNREAD_LISTS = ['"wall_times": ['];

/**
 * {@link parseJsonWithNaN} of a log, without parsing the lists nobody reads ({@link UNREAD_LISTS}): each is cut
 * from its `[` to the next `]` and replaced by `0` before parsing (number parsing is most of a log's JSON
 * cost). A key written inside a string cannot match (its quotes are escaped there); if a cut makes the text
 * invalid (a list holding `]`), the whole text is parsed instead, so the result is the same but for those lists.
 */
export function parseLogJson(text: string): unknown {
  let cut = '';
  let from = 0;
  for (const key of UNREAD_LISTS) {
    const at = text.indexOf(key, from);
    if (at < 0) continue;
    const open = at + key.length - 1;
    const close = text.indexOf(']', open);
    if (close < 0) break;
    cut += text.slice(from, open) + '0';
    from = close + 1;
  }
  if (from === 0) return parseJsonWithNaN(text);
  try {
    return parseJsonWithNaN(cut + text.slice(from));
  } catch {
    return parseJsonWithNaN(text);
  }
}

/**
 * One log from its text. `file` names it in the run and in warnings; `dataset` overrides the label inferred
 * from the log's `data` field. Returns a run, or a warning explaining why the text is not a usable log.
 * `hashes` memoises recipe string → canonical hash over many logs (repeated runs of a cell share the string,
 * and the hash is most of the cost of a log).
 */
export function parseLog(
  text: string,
  file: string,
  dataset?: string,
  hashes?: Map<string, string>,
): { run: BenchmarkRun } | { warning: LogWarning } {
  const warn = (message: string) => ({ warning: { file, message } });
  let value: unknown;
  try {
    value = parseLogJson(text);
  } catch (err) {
    return warn(`not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(value) || !('recepie' in value)) {
    return warn('not a NAS-Bench-NLP training log (no "recepie" field)');
  }
  if (typeof value.recepie !== 'string')
    return warn('the "recepie" field is not a string (it must hold the recipe as a JSON string)');
  let hash = hashes?.get(value.recepie);
  if (hash === undefined) {
    const parsed = recipeFromString(value.recepie);
    if ('error' in parsed) return warn(parsed.error);
    try {
      hash = canonicalHash(parsed.recipe);
    } catch (err) {
      return warn(`the recipe cannot be hashed (${(err as Error).message})`);
    }
    hashes?.set(value.recepie, hash);
  }
  const testLosses = lossList(value.test_losses);
  const valLosses = lossList(value.val_losses);
  const trainLosses = lossList(value.train_losses);
  if (testLosses === undefined) return warn('no "test_losses" list');
  if (valLosses === undefined) return warn('no "val_losses" list');
  const status = typeof value.status === 'string' ? value.status : 'unknown';
  const finalTest = lastFinite(testLosses);
  const finalVal = lastFinite(valLosses);
  const epochs = testLosses.length;
  const diverged = /nan/i.test(status) || epochs === 0 || !Number.isFinite(finalTest) || !Number.isFinite(finalVal);
  const label = dataset !== undefined && dataset.trim() !== '' ? dataset.trim() : datasetFromDataField(value.data);
  return {
    run: {
      recepieId: optionalNumber(value.recepie_id),
      experimentId: optionalNumber(value.experiment_id),
      dataset: label,
      file,
      hash,
      recipe: value.recepie,
      numParams: optionalNumber(value.num_params),
      epochs,
      plannedEpochs: optionalNumber(value.epochs),
      finalTest,
      finalVal,
      bestTest: minFinite(testLosses),
      bestVal: minFinite(valLosses),
      status,
      diverged,
      testLosses,
      valLosses,
      ...(trainLosses ? { trainLosses } : {}),
    },
  };
}
