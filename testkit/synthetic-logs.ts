/**
 * A seeded generator of synthetic NAS-Bench-NLP training logs, for tests and benches of large benchmarks (the
 * 14k PTB logs are not in this repository). Pure: the same options give the same bytes.
 *
 * Each log has the fields and size of a real one (compare `/work/shared/nas-bench-nlp/wikitext-2-logs.zip`): the
 * training hyper-parameters, `recepie` as a JSON string, `recepie_id`, `experiment_id`, `init_time`,
 * `num_params`, and per-epoch `wall_times`, `train_losses`, `val_losses`, `test_losses` written the way Python's
 * `json.dump` writes them (`", "` / `": "` separators, shortest round-trip floats, bare `NaN`), so a log is
 * about 5 kB. Cells are drawn by the search space's own generator (`randomCell`) and are pairwise distinct by
 * canonical hash. Some cells get 2 or 3 runs: another experiment of the same recepie, or (half the time) an
 * isomorphic copy with renamed internal nodes and shuffled keys under its own recepie id, as the real logs
 * have. A few runs diverge: their curves end with `NaN` at a random epoch and their status is `loss is nan!`.
 */
import { zipSync, strToU8, type Zippable } from 'fflate';
import { canonicalHash } from '../src/recipe/canonical';
import { randomCell } from '../src/search/space';
import type { Recipe } from '../src/recipe/types';
import { rng as mulberry } from './data';

export interface SyntheticOptions {
  /** Number of logs (runs) to write. */
  readonly logs: number;
  /** Seed of everything drawn (default 1). */
  readonly seed?: number;
  /** The log's `data` field (default `data/ptb`, which the loader labels `PTB`). */
  readonly data?: string;
  /** Share of cells with more than one run (default 0.12; a tenth of those get 3 runs). */
  readonly repeatedShare?: number;
  /** Share of runs that diverge (default 0.02). */
  readonly divergedShare?: number;
  /** Epochs per run (default 50, NAS-Bench-NLP's). */
  readonly epochs?: number;
  /** First `recepie_id` (default 2000000). */
  readonly firstId?: number;
}

/** One written log, as the tests know it (what the index must find). */
export interface SyntheticRun {
  /** Zip entry name, `log_stats_model_<recepie_id>_<init_time>_<experiment_id>.json`. */
  readonly name: string;
  readonly recepieId: number;
  readonly experimentId: number;
  /** The `recepie` string of this log (an isomorphic copy's string differs from the cell's first run). */
  readonly recipe: string;
  readonly numParams: number;
  readonly status: string;
  readonly diverged: boolean;
  /** The curves as written (NaN in a diverged run's last epoch). */
  readonly testLosses: readonly number[];
  readonly valLosses: readonly number[];
}

/** One distinct cell and its runs. */
export interface SyntheticCell {
  /** `canonicalHash` of the cell; distinct over the set. */
  readonly hash: string;
  readonly recipe: Recipe;
  readonly runs: readonly SyntheticRun[];
}

export interface SyntheticSet {
  readonly cells: readonly SyntheticCell[];
  /** Every log: entry name and text, in name order. */
  readonly logs: readonly { readonly name: string; readonly text: string }[];
}

/** Python `json.dumps` of a plain value: `", "` and `": "` separators, bare NaN / Infinity. */
export function pythonJson(v: unknown): string {
  if (typeof v === 'number')
    return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pythonJson(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

/** An isomorphic copy: internal nodes renamed, keys shuffled, commutative operands shuffled. */
function isomorphicCopy(recipe: Recipe, r: () => number): Recipe {
  const names = Object.keys(recipe);
  const rename = new Map<string, string>();
  let k = 0;
  for (const n of names)
    if (!/^h_new_\d+$/.test(n)) rename.set(n, `n${(k++ * 7 + 3).toString(36)}_${Math.floor(r() * 1000)}`);
  const to = (n: string) => rename.get(n) ?? n;
  const keys = [...names];
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const out: Recipe = {};
  for (const n of keys) {
    const input = recipe[n].input.map(to);
    if (recipe[n].op !== 'blend' && r() < 0.5) input.reverse();
    out[to(n)] = { op: recipe[n].op, input };
  }
  return out;
}

/** Python `json.dumps` of a recipe, as the logs' `recepie` strings are written. */
function recipeString(recipe: Recipe): string {
  return `{${Object.entries(recipe)
    .map(
      ([k, n]) =>
        `${JSON.stringify(k)}: {"op": ${JSON.stringify(n.op)}, "input": [${n.input.map((x) => JSON.stringify(x)).join(', ')}]}`,
    )
    .join(', ')}}`;
}

/** Loss curves of one run: a decaying curve to `final` plus noise; train below val, test just below val. */
function curves(r: () => number, final: number, epochs: number, divergeAt: number | undefined) {
  const n = divergeAt ?? epochs;
  const start = final + 0.9 + r() * 0.6;
  const tau = 4 + r() * 8;
  const train: number[] = [],
    val: number[] = [],
    test: number[] = [],
    wall: number[] = [];
  const perEpoch = 60 + r() * 120;
  for (let e = 0; e < n; e++) {
    const base = final + (start - final) * Math.exp(-e / tau);
    val.push(base + 0.03 + (r() - 0.5) * 0.01);
    test.push(base + (r() - 0.5) * 0.01);
    train.push(base + 0.1 - e * 0.004 + (r() - 0.5) * 0.02);
    wall.push(perEpoch + (r() - 0.5) * 2);
  }
  if (divergeAt !== undefined) {
    // The last logged epoch is the one whose loss became NaN (as in the real diverged logs).
    train[n - 1] = NaN;
    val[n - 1] = NaN;
    test[n - 1] = NaN;
  }
  return { train, val, test, wall };
}

function pad2(x: number): string {
  return String(x).padStart(2, '0');
}

/** The cells and log texts (see the module comment). */
export function syntheticLogs(options: SyntheticOptions): SyntheticSet {
  const r = mulberry(options.seed ?? 1);
  const epochs = options.epochs ?? 50;
  const repeatedShare = options.repeatedShare ?? 0.12;
  const divergedShare = options.divergedShare ?? 0.02;
  const data = options.data ?? 'data/ptb';
  let nextId = options.firstId ?? 2_000_000;
  const seen = new Set<string>();
  const cells: SyntheticCell[] = [];
  const logs: { name: string; text: string }[] = [];
  let written = 0;
  while (written < options.logs) {
    const recipe = randomCell(r);
    const hash = canonicalHash(recipe);
    if (seen.has(hash)) continue;
    seen.add(hash);
    const repeats = r() < repeatedShare ? (r() < 0.1 ? 3 : 2) : 1;
    const nRuns = Math.min(repeats, options.logs - written);
    const final = 4.45 + r() * 0.9 + (r() < 0.05 ? 1.5 : 0); // PTB: ppl ≈ 85–210, a few poor cells
    const params = 15_000_000 + Object.keys(recipe).length * 240_000 + Math.floor(r() * 2) * 480_000;
    const firstText = recipeString(recipe);
    let recepieId = nextId++;
    const runs: SyntheticRun[] = [];
    for (let k = 0; k < nRuns; k++) {
      let text = firstText;
      if (k > 0 && r() < 0.5) {
        text = recipeString(isomorphicCopy(recipe, r));
        recepieId = nextId++;
      }
      const diverged = r() < divergedShare;
      const divergeAt = diverged ? 1 + Math.floor(r() * (epochs - 1)) : undefined;
      const c = curves(r, final + (r() - 0.5) * 0.02, epochs, divergeAt);
      const experimentId = 999_000_000 + Math.floor(r() * 999_999);
      const day = 1 + Math.floor(r() * 28),
        h = Math.floor(r() * 24),
        m = Math.floor(r() * 60),
        s = Math.floor(r() * 60);
      const initTime = `2020-04-${pad2(day)}_${pad2(h)}-${pad2(m)}-${pad2(s)}`;
      const name = `log_stats_model_${recepieId}_${initTime}_${experimentId}.json`;
      const log = {
        data,
        recepie_id: recepieId,
        recepies_list_path: 'data/models_recepies.json',
        cuda: true,
        batch_size: 20,
        model: 'CustomRNN',
        emsize: 400,
        nhid: 600,
        nlayers: 3,
        dropout: 0.1,
        dropouth: 0.25,
        dropouti: 0.4,
        dropoute: 0.1,
        wdrop: 0.1,
        tied: true,
        bptt: 70,
        lr: 0.001,
        wdecay: 1.2e-6,
        epochs,
        alpha: 2,
        beta: 1,
        log_interval: 200,
        clip: 0.25,
        eval_batch_size: 50,
        recepie: text,
        experiment_id: experimentId,
        init_time: initTime,
        num_params: params,
        wall_times: c.wall,
        train_losses: c.train,
        val_losses: c.val,
        test_losses: c.test,
        status: diverged ? 'loss is nan!' : 'OK',
      };
      logs.push({ name, text: pythonJson(log) });
      runs.push({
        name,
        recepieId,
        experimentId,
        recipe: text,
        numParams: params,
        status: log.status,
        diverged,
        testLosses: c.test,
        valLosses: c.val,
      });
      written++;
    }
    cells.push({ hash, recipe, runs });
  }
  logs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { cells, logs };
}

/** The logs as the bytes of a `.zip` (deflate `level`, default 6 like `zip`), plus what was written. */
export function syntheticZip(
  options: SyntheticOptions & { readonly level?: 0 | 1 | 6 | 9 },
): SyntheticSet & { zip: Uint8Array } {
  const set = syntheticLogs(options);
  const files: Zippable = {};
  const mtime = new Date(Date.UTC(2020, 5, 11, 2, 34));
  for (const l of set.logs) files[l.name] = [strToU8(l.text), { level: options.level ?? 6, mtime }];
  return { ...set, zip: zipSync(files) };
}
