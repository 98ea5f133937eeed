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
import { canonicalHash } from '../recipe/canonical';
import type { BackendName, ScoreId, ScoreProgress, ScoreReport, ScoreResult, ScoreSettings } from './types';
import { currentBackend } from './backends';
import { ScoreContext, type LmNeed } from './model/passes';
import { buildPlan, checkAbort, AbortError } from './model/network';
import type { RepeatValue } from './scores/types';
import { paramsScore } from './scores/params';
import { gradNormScore } from './scores/grad_norm';
import { snipScore } from './scores/snip';
import { synflowScore } from './scores/synflow';
import { jacobCovScore } from './scores/jacob_cov';
import { naswotScore } from './scores/naswot';
import { ninaswotScore } from './scores/ninaswot';
import { zenScore } from './scores/zen';
import { maedetScore } from './scores/maedet';
import { ntkTraceScore, ntkCondScore } from './scores/ntk';
import { hybridScore } from './scores/hybrid';

export { AbortError };

/** Options of {@link scoreCell}. */
export interface ScoreOptions {
  /** Checked between scores, repeats and passes (and between time steps of forward-only passes). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ScoreProgress) => void;
  /** The cell's canonical hash, if the caller has it (else computed). */
  readonly hash?: string;
}

/** What each score reads from the shared LM pass (model/passes). */
const LM_NEEDS: Partial<Record<ScoreId, readonly LmNeed[]>> = {
  grad_norm: ['ce'], snip: ['ce'], jacob_cov: ['sum'], ntk_trace: ['sum'], ntk_cond: ['sum'],
  naswot: ['codes'], ninaswot: ['codes'], hybrid: ['codes', 'sum'],
};

/**
 * The timed parts each score reads (for `wallMs`: a part's time is split equally among the requested scores
 * that read it). `init` = parameter/embedding init, `forward`/`backward` = the shared LM pass, `codes` = the
 * activation-code kernels, `ntk` = the NTK Gram matrices, `gauss` and `synflow` their passes.
 */
const PARTS: Record<ScoreId, readonly string[]> = {
  params: [], zen: ['gauss'], maedet: ['gauss'], synflow: ['init', 'synflow'],
  grad_norm: ['init', 'forward', 'backward'], snip: ['init', 'forward', 'backward'],
  jacob_cov: ['init', 'forward', 'backward'], ntk_trace: ['init', 'forward', 'backward', 'ntk'], ntk_cond: ['init', 'forward', 'backward', 'ntk'],
  naswot: ['init', 'forward', 'codes'], ninaswot: ['init', 'forward', 'codes'],
  hybrid: ['init', 'forward', 'codes', 'backward', 'ntk', 'gauss'],
};
/** Steps (for progress and abort checks), in order. */
const STEPS = ['lm', 'gauss', 'synflow'] as const;
const STEP_OF: Record<ScoreId, readonly (typeof STEPS)[number][]> = {
  params: [], zen: ['gauss'], maedet: ['gauss'], synflow: ['synflow'], grad_norm: ['lm'], snip: ['lm'], jacob_cov: ['lm'],
  ntk_trace: ['lm'], ntk_cond: ['lm'], naswot: ['lm'], ninaswot: ['lm'], hybrid: ['lm', 'gauss'],
};

function backendName(): BackendName {
  const c = currentBackend();
  if (c && (c.name === tf.getBackend() || (c.name === 'tensorflow-gpu' && tf.getBackend() === 'tensorflow'))) return c.name;
  return tf.getBackend() as BackendName;
}

function mean(xs: number[]): number { return xs.reduce((a, b) => a + b, 0) / xs.length; }

function averageRecords(rs: (Record<string, number> | undefined)[]): Record<string, number> | undefined {
  const defined = rs.filter((r): r is Record<string, number> => !!r);
  if (!defined.length) return undefined;
  const out: Record<string, number> = {};
  for (const k of Object.keys(defined[0])) out[k] = mean(defined.map((r) => r[k] ?? NaN));
  return out;
}

/** Aggregates one score's repeat values into a ScoreResult. */
export function aggregate(id: ScoreId, values: RepeatValue[], settings: ScoreSettings, wallMs: number, backend: BackendName): ScoreResult {
  const v = values.map((r) => r.value);
  const m = mean(v);
  const std = v.some((x) => Number.isNaN(x)) ? NaN : Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
  const reason = values.find((r) => !Number.isFinite(r.value) && r.reason)?.reason;
  const details = averageRecords(values.map((r) => r.details));
  const perNode = averageRecords(values.map((r) => r.perNode));
  return {
    id, value: m, std: values.length === 1 ? (Number.isNaN(m) ? NaN : 0) : (Number.isFinite(std) ? std : NaN), values: v,
    ...(reason !== undefined && !Number.isFinite(m) ? { reason } : {}),
    seed: settings.seed, repeats: settings.repeats, wallMs, backend,
    ...(details ? { details } : {}), ...(perNode ? { perNode } : {}),
  };
}

/**
 * Scores one cell. Throws {@link AbortError} when `opts.signal` aborts, and an Error for a recipe that cannot
 * be built (cycle, missing h_new_0, dangling input). Every tensor is disposed before it returns or throws.
 */
export async function scoreCell(recipe: Recipe, settings: ScoreSettings, opts: ScoreOptions = {}): Promise<ScoreReport> {
  const t0 = performance.now();
  const ids = [...new Set(settings.scores)];
  const backend = backendName();
  const hash = opts.hash ?? canonicalHash(recipe);
  if (ids.some((id) => id !== 'params')) buildPlan(recipe); // clear error before any tensor work
  const repeats = Math.max(1, Math.floor(settings.repeats));
  const lmNeeds = [...new Set(ids.flatMap((id) => LM_NEEDS[id] ?? []))];
  const steps = STEPS.filter((p) => ids.some((id) => STEP_OF[id].includes(p)));
  const total = repeats * (steps.length + 1);
  let done = 0;
  const progress = (message: string) => opts.onProgress?.({ done, total, message });
  const perScore = new Map<ScoreId, RepeatValue[]>(ids.map((id) => [id, []]));
  const passMs: Record<string, number> = {};
  const addMs = (part: string, ms: number) => { passMs[part] = (passMs[part] ?? 0) + ms; };
  const scoreMs = new Map<ScoreId, number>(ids.map((id) => [id, 0]));
  const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

  for (let r = 0; r < repeats; r++) {
    const seed = settings.seed + r;
    checkAbort(opts.signal);
    const ctx = new ScoreContext(recipe, settings, seed, opts.signal, lmNeeds);
    try {
      for (const p of steps) {
        await yieldToLoop(); // let an abort message arrive
        checkAbort(opts.signal);
        progress(`seed ${seed}: ${p === 'lm' ? 'forward + backward' : p} pass`);
        if (p === 'lm') {
          if (lmNeeds.includes('codes')) ctx.codes();
          if (lmNeeds.includes('ce')) ctx.ce();
          if (lmNeeds.includes('sum')) ctx.sum();
        } else if (p === 'gauss') ctx.gauss();
        else if (p === 'synflow') {
          const params = ctx.uniformParams();
          const s = performance.now();
          perScore.get('synflow')!.push(synflowScore(recipe, settings, seed, params));
          addMs('synflow', performance.now() - s);
        }
        done++;
      }
      for (const id of ids) {
        const push = (v: RepeatValue) => perScore.get(id)!.push(v);
        const s = performance.now();
        switch (id) {
          case 'params': push(paramsScore(recipe, settings)); break;
          case 'grad_norm': push(gradNormScore(ctx.ce())); break;
          case 'snip': push(snipScore(ctx.ce())); break;
          case 'synflow': break; // pushed by its pass
          case 'jacob_cov': push(jacobCovScore(ctx.sum())); break;
          case 'naswot': push(naswotScore(ctx.codes())); break;
          case 'ninaswot': push(ninaswotScore(ctx.codes())); break;
          case 'zen': push(zenScore(ctx.gauss())); break;
          case 'maedet': push(maedetScore(ctx.gauss())); break;
          case 'ntk_trace': push(ntkTraceScore(ctx.sum())); break;
          case 'ntk_cond': push(ntkCondScore(ctx.sum())); break;
          case 'hybrid': push(hybridScore(ninaswotScore(ctx.codes()), maedetScore(ctx.gauss()), ntkCondScore(ctx.sum()),
            settings.batch, ctx.codes().length, settings.layers)); break;
        }
        const ms = performance.now() - s;
        scoreMs.set(id, scoreMs.get(id)! + ms);
        addMs('scores', ms);
      }
      for (const [part, ms] of Object.entries(ctx.timings)) addMs(part, ms);
      done++;
      progress(`seed ${seed} done`);
    } finally {
      ctx.dispose();
    }
  }
  // Split each part's time equally among the requested scores that read it; add each score's own arithmetic.
  const readers = new Map<string, number>();
  for (const id of ids) for (const p of PARTS[id]) readers.set(p, (readers.get(p) ?? 0) + 1);
  const results = ids.map((id) => {
    const ms = PARTS[id].reduce((s, p) => s + (passMs[p] ?? 0) / (readers.get(p) ?? 1), scoreMs.get(id)!);
    return aggregate(id, perScore.get(id)!, settings, ms, backend);
  });
  const rounded = Object.fromEntries(Object.entries(passMs).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  return { hash, settings, backend, results, totalMs: performance.now() - t0, passMs: rounded };
}
