/**
 * The scoring engine: `scoreCell` computes the requested train-free scores of one cell (see docs/scores.md for
 * every definition). It runs wherever TF.js has a backend (the scoring child process calls
 * {@link initBackend} first; without it the current tf backend is used). Pure: no `vscode` import, nothing
 * heavy at import time.
 *
 * Repeats use seeds seed … seed + repeats − 1; each score's value is the mean over repeats (std = population
 * standard deviation; NaN if any repeat is NaN, then `reason` is the first repeat's reason). Scores share
 * passes (see model/passes): one forward + backward of the LM serves every gradient and code score, and each
 * pass runs at most once per seed. The report's `passMs` gives the time of each part (summed over repeats);
 * a score's `wallMs` is its share of the parts it reads (a part split equally among the requested scores
 * that read it) plus its own arithmetic.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '../recipe/types';
import { canonicalCell, canonicalHash } from '../recipe/canonical';
import type { BackendName, ScoreId, ScoreProgress, ScoreReport, ScoreSettings } from './types';
import { SCORES } from './types';
import { currentBackend } from './backends';
import { ScoreContext, type LmNeed } from './model/passes';
import { flopCounter } from './model/flops';
import { gram } from './model/gram';
import { buildPlan, checkAbort, AbortError } from './model/network';
import type { PassId, RepeatValue, ScoreInputs } from './scores/types';
import { withDerivedScores } from './reference';
import { aggregate, scoreIdsOf } from './merge';

export { AbortError };
export { aggregate, mergeSplitReports, scoreIdsOf, splitScoreSettings } from './merge';

/** Options of {@link scoreCell}. */
export interface ScoreOptions {
  /** Checked between scores, repeats and passes (and between time steps of forward-only passes). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ScoreProgress) => void;
  /** The cell's canonical hash, if the caller has it (else computed). */
  readonly hash?: string;
}

/** The timed parts behind each pass (for `wallMs`: a part's time is split among the requested scores reading it). */
const PASS_PARTS: Record<PassId, readonly string[]> = {
  grad: ['init', 'forward', 'backward'],
  sum: ['init', 'forward', 'backward', 'ntk'],
  codes: ['init', 'forward', 'codes'],
  gauss: ['gauss'],
  synflow: ['init', 'synflow'],
  hidden: ['init', 'hidden'],
};
/** Progress steps, in order: the shared LM pass, then the passes of their own. */
const STEPS = ['lm', 'gauss', 'synflow', 'hidden'] as const;
/**
 * What each step computes, in the words of the progress messages every surface shows (the notification, the
 * CLI): the scores it is for, not the pass's internal name.
 */
export const STEP_WORDS: Readonly<Record<(typeof STEPS)[number], string>> = {
  lm: 'gradient and activation scores',
  gauss: 'Gaussian-input scores',
  synflow: 'SynFlow score',
  hidden: 'hidden-state covariance',
};
const STEP_OF: Record<PassId, (typeof STEPS)[number]> = {
  grad: 'lm',
  sum: 'lm',
  codes: 'lm',
  gauss: 'gauss',
  synflow: 'synflow',
  hidden: 'hidden',
};

function backendName(): BackendName {
  const c = currentBackend();
  if (c && (c.name === tf.getBackend() || (c.name === 'tensorflow-gpu' && tf.getBackend() === 'tensorflow')))
    return c.name;
  return tf.getBackend() as BackendName;
}

/** Renames the keys of a per-node record from canonical node names to the scored recipe's names. */
function renameNodes(
  rec: Record<string, number> | undefined,
  origin: ReadonlyMap<string, string>,
): Record<string, number> | undefined {
  if (!rec) return rec;
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [origin.get(k) ?? k, v]));
}

/**
 * Scores one cell. The network is built from the CANONICAL cell (recipe/canonical `canonicalCell`: node order,
 * operand order and so the parameter draw order), so every renaming or reordering of a cell gets bit-identical
 * values for a seed; per-node values are reported under the given recipe's node names. Throws
 * {@link AbortError} when `opts.signal` aborts, and an Error for a recipe that cannot be built (cycle, missing
 * h_new_0, dangling input). Every tensor is disposed before it returns or throws.
 */
export async function scoreCell(
  recipe: Recipe,
  settings: ScoreSettings,
  opts: ScoreOptions = {},
): Promise<ScoreReport> {
  const t0 = performance.now();
  const ids = scoreIdsOf(settings.scores);
  const computed = ids.filter((id) => SCORES[id].compute);
  const backend = backendName();
  const hash = opts.hash ?? canonicalHash(recipe);
  if (computed.some((id) => SCORES[id].reads.length)) buildPlan(recipe); // clear error before any tensor work
  const canon = canonicalCell(recipe);
  const cell = canon?.recipe ?? recipe;
  const origin = canon?.origin ?? new Map<string, string>();
  const repeats = Math.max(1, Math.floor(settings.repeats));
  const reads = new Set(computed.flatMap((id) => SCORES[id].reads));
  const lmNeeds = (['grad', 'sum', 'codes'] as const).filter((n) => reads.has(n)) as LmNeed[];
  const steps = STEPS.filter((st) => [...reads].some((r) => STEP_OF[r] === st));
  const total = repeats * (steps.length + 1);
  let done = 0;
  const progress = (message: string) => opts.onProgress?.({ done, total, message });
  const perScore = new Map<ScoreId, RepeatValue[]>(computed.map((id) => [id, []]));
  const passMs: Record<string, number> = {};
  const addMs = (part: string, ms: number) => {
    passMs[part] = (passMs[part] ?? 0) + ms;
  };
  const scoreMs = new Map<ScoreId, number>(computed.map((id) => [id, 0]));
  const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));
  for (let r = 0; r < repeats; r++) {
    const seed = settings.seed + r;
    const repeat = repeats > 1 ? `repeat ${r + 1} of ${repeats} (seed ${seed}): ` : '';
    checkAbort(opts.signal);
    const ctx = new ScoreContext(cell, settings, seed, opts.signal, lmNeeds);
    try {
      for (const st of steps) {
        await yieldToLoop(); // let an abort message arrive
        checkAbort(opts.signal);
        progress(`${repeat}${STEP_WORDS[st]}`);
        if (st === 'lm') {
          if (lmNeeds.includes('codes')) ctx.codes();
          if (lmNeeds.includes('grad')) ctx.grad();
          if (lmNeeds.includes('sum')) ctx.sum();
        } else if (st === 'gauss') ctx.gauss();
        else if (st === 'synflow') ctx.synflow();
        else ctx.hidden();
        done++;
      }
      const inputs: ScoreInputs = {
        recipe: cell,
        settings,
        seed,
        grad: () => ctx.grad(),
        sum: () => ctx.sum(),
        codes: () => ctx.codes(),
        gauss: () => ctx.gauss(),
        synflow: () => ctx.synflow(),
        hidden: () => ctx.hidden(),
        gram,
      };
      for (const id of computed) {
        const s = performance.now();
        flopCounter.part = 'scores';
        const v = SCORES[id].compute!(inputs);
        flopCounter.part = 'other';
        perScore.get(id)!.push({ ...v, ...(v.perNode ? { perNode: renameNodes(v.perNode, origin) } : {}) });
        const ms = performance.now() - s;
        scoreMs.set(id, scoreMs.get(id)! + ms);
        addMs('scores', ms);
      }
      for (const [part, ms] of Object.entries(ctx.timings)) addMs(part, ms);
      done++;
      progress(`${repeat}scores computed`);
    } finally {
      ctx.dispose();
    }
  }
  // Split each part's time equally among the computed scores that read it; add each score's own arithmetic.
  const partsOf = (id: ScoreId) => [...new Set(SCORES[id].reads.flatMap((p) => PASS_PARTS[p]))];
  const readers = new Map<string, number>();
  for (const id of computed) for (const p of partsOf(id)) readers.set(p, (readers.get(p) ?? 0) + 1);
  const results = ids.map((id) => {
    if (!SCORES[id].compute) {
      // Placeholder, filled by withDerivedScores below.
      return aggregate(
        id,
        Array.from({ length: repeats }, () => ({ value: NaN })),
        settings,
        0,
        backend,
      );
    }
    const ms = partsOf(id).reduce((s, p) => s + (passMs[p] ?? 0) / (readers.get(p) ?? 1), scoreMs.get(id)!);
    return aggregate(id, perScore.get(id)!, settings, ms, backend);
  });
  const rounded = Object.fromEntries(Object.entries(passMs).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  return withDerivedScores({ hash, settings, backend, results, totalMs: performance.now() - t0, passMs: rounded });
}
