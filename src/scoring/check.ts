/**
 * Validation of the scoring contract's data (recipes, settings, reports), used wherever such data arrives from
 * outside the process: the scoring process protocol (src/process/protocol.ts) and the disk cache. No `vscode`
 * import.
 */

import { isScoreId } from './ids';
import type { BackendChoice, BackendName } from './settings';

/** The backends a worker can report (mirrors {@link BackendName}). */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
export const isNum = (x: unknown): x is number => typeof x === 'number';
export const isInt = (x: unknown): x is number => Number.isSafeInteger(x);
export const isStr = (x: unknown): x is string => typeof x === 'string';

/** Why `x` is not a {@link Recipe} (plain `{ name: { op, input: string[] } }`), or undefined. */
export function checkRecipe(x: unknown): string | undefined {
  if (!isObj(x)) return 'recipe is not an object';
  for (const [name, node] of Object.entries(x)) {
    if (!isObj(node)) return `recipe node "${name}" is not an object`;
    if (!isStr(node.op)) return `recipe node "${name}" has no op string`;
    if (!Array.isArray(node.input) || !node.input.every(isStr))
      return `recipe node "${name}" has no input list of strings`;
  }
  return undefined;
}

/** Every backend choice of the settings (`auto` first), for pickers and validation. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_NAMES];

/** Type guard: `x` is a {@link BackendChoice}. */
export function isBackendChoice(x: unknown): x is BackendChoice {
  return isStr(x) && (BACKEND_CHOICES as readonly string[]).includes(x);
}

/** Why `x` is not a {@link ScoreSettings}, or undefined. */
export function checkSettings(x: unknown): string | undefined {
  if (!isObj(x)) return 'settings is not an object';
  for (const k of ['vocab', 'embed', 'hidden', 'layers', 'seqLen', 'batch', 'repeats'] as const) {
    if (!isInt(x[k]) || x[k] < 1) return `settings.${k} is not a positive integer`;
  }
  if (!isInt(x.seed)) return 'settings.seed is not an integer';
  if (!Array.isArray(x.scores) || !x.scores.every((s) => isScoreId(s))) {
    return 'settings.scores is not a list of known score ids';
  }
  if (!isBackendChoice(x.backend)) return 'settings.backend is not a backend choice';
  return undefined;
}

function checkNumRecord(x: unknown, what: string): string | undefined {
  if (x === undefined) return undefined;
  if (!isObj(x)) return `${what} is not an object`;
  for (const [k, v] of Object.entries(x)) if (!isNum(v)) return `${what}.${k} is not a number`;
  return undefined;
}

function checkResult(x: unknown, i: number): string | undefined {
  const at = `results[${i}]`;
  if (!isObj(x)) return `${at} is not an object`;
  if (!isStr(x.id) || !isScoreId(x.id)) return `${at}.id is not a score id`;
  if (!isNum(x.value)) return `${at}.value is not a number`;
  if (!isNum(x.std)) return `${at}.std is not a number`;
  if (!Array.isArray(x.values) || !x.values.every(isNum)) return `${at}.values is not a list of numbers`;
  if (x.reason !== undefined && !isStr(x.reason)) return `${at}.reason is not a string`;
  if (!isInt(x.seed)) return `${at}.seed is not an integer`;
  if (!isInt(x.repeats)) return `${at}.repeats is not an integer`;
  if (!isNum(x.wallMs)) return `${at}.wallMs is not a number`;
  if (!isStr(x.backend) || !BACKEND_NAMES.includes(x.backend as BackendName)) return `${at}.backend is not a backend`;
  return checkNumRecord(x.details, `${at}.details`) ?? checkNumRecord(x.perNode, `${at}.perNode`);
}

/** Why `x` is not a {@link ScoreReport}, or undefined. Used on receipt and by the disk cache. */
export function checkReport(x: unknown): string | undefined {
  if (!isObj(x)) return 'report is not an object';
  if (!isStr(x.hash)) return 'report.hash is not a string';
  const s = checkSettings(x.settings);
  if (s) return `report.${s}`;
  if (!isStr(x.backend) || !BACKEND_NAMES.includes(x.backend as BackendName)) return 'report.backend is not a backend';
  if (!Array.isArray(x.results)) return 'report.results is not a list';
  for (let i = 0; i < x.results.length; i++) {
    const r = checkResult(x.results[i], i);
    if (r) return `report.${r}`;
  }
  if (!isNum(x.totalMs)) return 'report.totalMs is not a number';
  return undefined;
}
