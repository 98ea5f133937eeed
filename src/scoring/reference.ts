/**
 * The reference populations: every score's values on the trained WikiText-2 cells, scored at the proxy and the
 * nas-bench-nlp preset (data/reference-wikitext2.json, built from the study by scripts/build-reference.ts), with
 * each score's measured correlation with test loss. They turn a bare number into a percentile ("82nd pct" = the
 * cell scores better than 82 % of the benchmark's trained cells) and feed the hybrid score. Pure; the JSON is
 * bundled. A reference applies only to reports of the same sizes, seed and repeats as the preset it was built at.
 */
import type { ModelSizes, ScoreReport, ScoreResult, ScoreSettings } from './types';
import { SCORE_DEFS } from './scores/index';
import { presetOf, type PresetName } from './presets';
import data from '../../data/reference-wikitext2.json';

/** One score's reference population and evidence. */
export interface ReferenceScore {
  /** Finite values of the trained cells, ascending. */
  readonly values: number[];
  readonly posInf: number;
  readonly negInf: number;
  readonly nNaN: number;
  /** Kendall τ-b of the RAW score vs −test loss (positive: higher predicts lower loss), 95 % bootstrap interval. */
  readonly tau: number;
  readonly tauLo: number;
  readonly tauHi: number;
  /** Spearman ρ of the raw score vs −test loss. */
  readonly rho: number;
  /** The measured direction: sign of τ. */
  readonly better: 'higher' | 'lower';
}

/** The reference of one preset. */
export interface PresetReference {
  readonly settings: ModelSizes & { readonly seed: number; readonly repeats: number };
  /** Trained (non-diverged) cells in the population. */
  readonly nCells: number;
  readonly scores: Readonly<Record<string, ReferenceScore>>;
}

/** The whole file. */
export interface ReferenceFile {
  readonly version: number;
  /** ENGINE_VERSION the values were computed with. */
  readonly engineVersion: number;
  readonly dataset: string;
  readonly createdAt?: string;
  readonly command?: string;
  readonly presets: Readonly<Partial<Record<PresetName, PresetReference>>>;
  /** A few cells with all their values, to check the file is fresh (test/unit/scoring-reference.test.ts). */
  readonly probes: readonly {
    preset: PresetName;
    hash: string;
    recipe: Record<string, { op: string; input: string[] }>;
    values: Record<string, number | string | null>;
  }[];
}

export const REFERENCE: ReferenceFile = data as unknown as ReferenceFile;

/** The preset whose reference applies to `settings` (same sizes, seed and repeats), if any. */
export function referencePresetFor(
  settings: ModelSizes & Partial<Pick<ScoreSettings, 'seed' | 'repeats'>>,
  ref: ReferenceFile = REFERENCE,
): PresetName | undefined {
  const name = presetOf(settings);
  const p = name ? ref.presets[name] : undefined;
  if (!name || !p || presetOf(p.settings) !== name) return undefined;
  return (settings.seed ?? 0) === p.settings.seed && (settings.repeats ?? 1) === p.settings.repeats ? name : undefined;
}

/** Count of sorted `xs` below v and equal to v (binary search). */
function countBelowEqual(xs: readonly number[], v: number): [number, number] {
  const lower = (pred: (x: number) => boolean) => {
    let lo = 0,
      hi = xs.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (pred(xs[m])) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  const below = lower((x) => x < v);
  const upTo = lower((x) => x <= v);
  return [below, upTo - below];
}

/**
 * Oriented percentile of `value` among a reference population: the share (0 … 100) of reference cells the value
 * beats in the score's better direction, ties counting half. undefined for NaN or an empty population.
 */
export function percentileIn(ref: ReferenceScore, value: number, better: 'higher' | 'lower'): number | undefined {
  if (Number.isNaN(value)) return undefined;
  const n = ref.values.length + ref.posInf + ref.negInf;
  if (!n) return undefined;
  let below: number, equal: number;
  if (value === Infinity) {
    below = ref.values.length + ref.negInf;
    equal = ref.posInf;
  } else if (value === -Infinity) {
    below = 0;
    equal = ref.negInf;
  } else {
    const [b, e] = countBelowEqual(ref.values, value);
    below = b + ref.negInf;
    equal = e;
  }
  const above = n - below - equal;
  const worse = better === 'higher' ? below : above;
  return (100 * (worse + equal / 2)) / n;
}

/** Percentile of a score value for the settings of a report, or undefined when no reference applies. */
export function percentileOf(
  id: string,
  value: number,
  settings: ScoreSettings,
  ref: ReferenceFile = REFERENCE,
): number | undefined {
  const preset = referencePresetFor(settings, ref);
  if (!preset) return undefined;
  const r = ref.presets[preset]?.scores[id];
  const def = SCORE_DEFS.find((d) => d.id === id);
  if (!r || !def) return undefined;
  return percentileIn(r, value, def.better);
}

/**
 * The report with its derived scores (e.g. hybrid) recomputed from its component values against the reference.
 * Applied by the engine to every new report and by the cache to every report it reads, so a derived value always
 * follows the bundled reference (the cache never holds a stale one).
 */
export function withDerivedScores(report: ScoreReport, ref: ReferenceFile = REFERENCE): ScoreReport {
  const derived = SCORE_DEFS.filter((d) => d.derive && report.results.some((r) => r.id === d.id));
  if (!derived.length) return report;
  const byId = new Map(report.results.map((r) => [r.id as string, r]));
  const results = report.results.map((r): ScoreResult => {
    const def = derived.find((d) => d.id === r.id);
    if (!def?.derive) return r;
    const parts = def.combines ?? [];
    const perRepeat = Array.from({ length: Math.max(1, r.repeats) }, (_, k) => {
      const vals = new Map<string, number>();
      for (const id of parts) {
        const c = byId.get(id);
        if (c) vals.set(id, c.values[k] ?? c.value);
      }
      return def.derive!(vals, (id, v) => percentileOf(id, v, report.settings, ref));
    });
    const values = perRepeat.map((v) => v.value);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const reason = perRepeat.find((v) => !Number.isFinite(v.value))?.reason;
    const details = perRepeat[0].details;
    const { reason: _old, details: _d, ...rest } = r;
    return {
      ...rest,
      value: mean,
      std: Number.isNaN(mean) ? NaN : std,
      values,
      ...(reason !== undefined && !Number.isFinite(mean) ? { reason } : {}),
      ...(details ? { details } : {}),
    };
  });
  return { ...report, results };
}
