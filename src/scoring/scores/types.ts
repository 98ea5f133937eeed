/**
 * The score registry's contract. Each score is ONE module in this folder that declares what it is (id, label,
 * direction, meaning, formula, the passes it reads) and how it is computed from those passes; scores/index.ts lists
 * the modules, and the engine, the settings enum, the docs table and the hover all iterate that list.
 * Score modules import only types and pure helpers (no TF.js at import time): the webviews read this metadata too.
 */
import type { Recipe } from '../../recipe/types';
import type { ModelSizes } from '../settings';
import type { CodesPass, GaussPass, GradPass, HiddenPass, SumPass } from '../model/passes';
import type { SynflowPass } from '../model/synflow';

/** What a score module returns for one seed (the engine aggregates repeats into a ScoreResult). */
export interface RepeatValue {
  /** The score for this seed; NaN (with `reason`) when undefined, ±Infinity where that is the honest value. */
  readonly value: number;
  readonly reason?: string;
  readonly details?: Record<string, number>;
  readonly perNode?: Record<string, number>;
}

/**
 * The network passes a score can read (model/passes): `grad` (gradient of mean(y²) w.r.t. the recurrent weights),
 * `sum` (input Jacobians and the empirical NTK of s_b = Σ y), `codes` (activation codes, clean and noisy),
 * `gauss` (Gaussian weights and inputs, clean and perturbed), `synflow` (log-space synaptic flow), `hidden`
 * (layer 1's incoming hidden states over B = 50 × T = 70 steps). Each runs at most once per cell and seed.
 */
export type PassId = 'grad' | 'sum' | 'codes' | 'gauss' | 'synflow' | 'hidden';

/** What a score's `compute` is given: the canonical cell, its sizes and seed, and lazy passes. */
export interface ScoreInputs {
  /** The canonical recipe (recipe/canonical `canonicalCell`): node names n<k>, canonical operand order. */
  readonly recipe: Recipe;
  readonly settings: ModelSizes;
  readonly seed: number;
  readonly grad: () => GradPass;
  readonly sum: () => SumPass;
  readonly codes: () => CodesPass;
  readonly gauss: () => GaussPass;
  readonly synflow: () => SynflowPass;
  readonly hidden: () => HiddenPass;
  /** G = R·Rᵀ in float64 (n rows of `len`): the engine passes its multi-threaded Gram (model/gram); same bits as linalg `gramMatrix`. */
  readonly gram: (R: Float32Array | Float64Array, n: number, len: number) => Float64Array;
}

/** Oriented percentile (0 = worst, 100 = best) of a component's value among the reference cells; undefined without one. */
export type PercentileOf = (id: string, value: number) => number | undefined;

/** A score's declaration. */
export interface ScoreDef<I extends string = string> {
  readonly id: I;
  /** Short label used in CodeLens, e.g. "NASWOT". */
  readonly label: string;
  /**
   * Which direction predicts a LOWER test loss. Measured on the bundled WikiText-2 benchmark (the sign of the
   * score's Kendall τ vs −test loss at the proxy preset; data/reference-wikitext2.json carries the evidence, and a
   * test keeps the two in agreement), not assumed from the paper.
   */
  readonly better: 'higher' | 'lower';
  /** One sentence: what the number is. */
  readonly meaning: string;
  /** The exact definition (markdown, for docs/scores.md and the hover). */
  readonly formula: string;
  /** When the value is NaN / ±∞. */
  readonly undefinedWhen: string;
  /** Where it comes from. */
  readonly source: string;
  /** Passes it reads (for scheduling and for splitting time among scores). */
  readonly reads: readonly PassId[];
  /** Whether it is in the default score set. */
  readonly byDefault: boolean;
  /** Per seed, from the passes (absent for a derived score). */
  readonly compute?: (inputs: ScoreInputs) => RepeatValue;
  /** A derived score: the scores it combines (computed first), and how, from their values and the reference. */
  readonly combines?: readonly string[];
  readonly derive?: (values: ReadonlyMap<string, number>, percentileOf: PercentileOf) => RepeatValue;
}

/** Declares a score (keeps the literal id type). */
export function defineScore<const I extends string>(def: ScoreDef<I>): ScoreDef<I> {
  return def;
}
