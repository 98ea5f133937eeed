/** Test helpers: the shared NAS-Bench-NLP data beside the repo (../shared/nas-bench-nlp). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { rng } from '../../testkit/data';

export const REPO = join(__dirname, '..', '..');
export const SHARED = join(REPO, '..', 'shared', 'nas-bench-nlp');
export const EXAMPLES_PATH = join(SHARED, 'recepies_example.json');
export const WT2_ZIP = join(SHARED, 'wikitext-2-logs.zip');

export function exampleText(): string {
  return readFileSync(EXAMPLES_PATH, 'utf8');
}

let logs: { file: string; text: string }[] | undefined;
/** All 345 WikiText-2 training logs as raw text. */
export function wikitextLogs(): { file: string; text: string }[] {
  if (!logs) {
    const z = unzipSync(readFileSync(WT2_ZIP));
    logs = Object.entries(z)
      .filter(([f]) => f.endsWith('.json'))
      .map(([file, u]) => ({ file, text: strFromU8(u) }))
      .sort((a, b) => a.file.localeCompare(b.file));
  }
  return logs;
}

export function shuffle<T>(xs: T[], r: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

type R = Record<string, { op: string; input: string[] }>;
const COMMUTATIVE = new Set(['linear', 'elementwise_sum', 'elementwise_prod']);
/**
 * An isomorphic copy of a recipe: every internal node (not h_new_i) gets a random new name, keys are shuffled,
 * operands of commutative ops are shuffled. Written independently of the code under test.
 */
export function scramble(recipe: R, seed: number): R {
  const r = rng(seed);
  const rename = new Map<string, string>();
  for (const k of Object.keys(recipe)) {
    if (!/^h_new_\d+$/.test(k)) rename.set(k, `n${Math.floor(r() * 1e9).toString(36)}_${rename.size}`);
  }
  const out: R = {};
  for (const k of shuffle(Object.keys(recipe), r)) {
    const spec = recipe[k];
    let input = spec.input.map((i) => rename.get(i) ?? i);
    if (COMMUTATIVE.has(spec.op)) input = shuffle(input, r);
    out[rename.get(k) ?? k] = { op: spec.op, input };
  }
  return out;
}
