/**
 * Score results as data, without TensorFlow.js (the extension host and the pool import this; the engine too):
 * aggregating repeats, the list of scores a request reports, and one cell's scores split over two processes
 * and joined again.
 */
import type { BackendName, ScoreId, ScoreReport, ScoreResult, ScoreSettings } from './types';
import { SCORES } from './types';
import type { PassId, RepeatValue } from './scores/types';
import { SCORE_DEFS } from './scores/index';
import { withDerivedScores } from './reference';

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function averageRecords(rs: (Record<string, number> | undefined)[]): Record<string, number> | undefined {
  const defined = rs.filter((r): r is Record<string, number> => !!r);
  if (!defined.length) return undefined;
  const out: Record<string, number> = {};
  for (const k of Object.keys(defined[0])) out[k] = mean(defined.map((r) => r[k] ?? NaN));
  return out;
}

/** Aggregates one score's repeat values into a ScoreResult. */
export function aggregate(
  id: ScoreId,
  values: RepeatValue[],
  settings: ScoreSettings,
  wallMs: number,
  backend: BackendName,
): ScoreResult {
  const v = values.map((r) => r.value);
  const m = mean(v);
  const std = v.some((x) => Number.isNaN(x)) ? NaN : Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
  const reason = values.find((r) => !Number.isFinite(r.value) && r.reason)?.reason;
  const details = averageRecords(values.map((r) => r.details));
  const perNode = averageRecords(values.map((r) => r.perNode));
  return {
    id,
    value: m,
    std: values.length === 1 ? (Number.isNaN(m) ? NaN : 0) : Number.isFinite(std) ? std : NaN,
    values: v,
    ...(reason !== undefined && !Number.isFinite(m) ? { reason } : {}),
    seed: settings.seed,
    repeats: settings.repeats,
    wallMs,
    backend,
    ...(details ? { details } : {}),
    ...(perNode ? { perNode } : {}),
  };
}

/**
 * The scores a request reports, in registry order: the requested ones plus the components of derived ones
 * (a derived score needs its components computed first; they are reported too).
 */
export function scoreIdsOf(scores: readonly ScoreId[]): ScoreId[] {
  const requested = [...new Set(scores)].filter((id) => SCORES[id]);
  return [...new Set([...requested.flatMap((id) => (SCORES[id].combines ?? []) as ScoreId[]), ...requested])].sort(
    (a, b) => SCORE_DEFS.findIndex((d) => d.id === a) - SCORE_DEFS.findIndex((d) => d.id === b),
  );
}

/** The passes of the shared LM pass; the rest (gauss, synflow, hidden) run on their own. */
const LM_PASSES: ReadonlySet<PassId> = new Set(['grad', 'sum', 'codes']);

/**
 * One cell's scores split over two processes: the scores reading the shared LM pass (forward + backward, codes,
 * NTK; and those reading no pass) and those reading only the passes of their own (Gaussian forward, synflow,
 * hidden states). The two halves share no pass, so together they do the work of one run (plus one parameter
 * init each) on two cores. Undefined when one half would be empty. Every pass draws from its own seeded
 * streams, so each half's values are bit-identical to those of one run (tested); {@link mergeSplitReports}
 * joins them.
 */
export function splitScoreSettings(settings: ScoreSettings): [ScoreSettings, ScoreSettings] | undefined {
  const computed = scoreIdsOf(settings.scores).filter((id) => SCORES[id].compute);
  const own = computed.filter((id) => SCORES[id].reads.length && SCORES[id].reads.every((p) => !LM_PASSES.has(p)));
  const lm = computed.filter((id) => !own.includes(id));
  if (!lm.length || !own.length) return undefined;
  return [
    { ...settings, scores: lm },
    { ...settings, scores: own },
  ];
}

/**
 * Joins the reports of {@link splitScoreSettings}'s halves into the report one run of `settings` gives: the same
 * results in the same order (derived scores recomputed), pass times summed (CPU time of both processes),
 * `totalMs` the wall time of the split run.
 */
export function mergeSplitReports(
  settings: ScoreSettings,
  parts: readonly ScoreReport[],
  totalMs: number,
): ScoreReport {
  const byId = new Map(parts.flatMap((p) => p.results.map((r) => [r.id, r] as const)));
  const backend = parts[0].backend;
  const results = scoreIdsOf(settings.scores).map(
    (id) =>
      byId.get(id) ??
      aggregate(
        id,
        Array.from({ length: Math.max(1, Math.floor(settings.repeats)) }, () => ({ value: NaN })),
        settings,
        0,
        backend,
      ),
  );
  const passMs: Record<string, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.passMs ?? {})) passMs[k] = Math.round(((passMs[k] ?? 0) + v) * 10) / 10;
  return withDerivedScores({ hash: parts[0].hash, settings, backend, results, totalMs, passMs });
}
