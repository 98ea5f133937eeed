/**
 * Named model/scoring sizes shared by the editor, the CLI, the study and the benchmark. No `vscode` import.
 *
 * - `nas-bench-nlp`: the benchmark's own model (embedding 400, hidden 600, 3 layers, PTB vocabulary 10k) scored
 *   with sequence length 35 and batch 16 — faithful, seconds to a minute per cell on a 2-core CPU.
 * - `proxy`: a small stand-in of the same architecture (vocabulary 1000, embedding 32, hidden 48, 2 layers,
 *   sequence length 10, batch 8) — about a second per cell on a 2-core CPU; what the study and search use.
 */
import { DEFAULT_SIZES, type ModelSizes } from './types';

export const PRESET_NAMES = ['nas-bench-nlp', 'proxy'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const SIZE_PRESETS: Readonly<Record<PresetName, ModelSizes>> = {
  'nas-bench-nlp': DEFAULT_SIZES,
  proxy: { vocab: 1000, embed: 32, hidden: 48, layers: 2, seqLen: 10, batch: 8 },
};

/** The size fields of {@link ModelSizes}. */
export const SIZE_KEYS = [
  'vocab',
  'embed',
  'hidden',
  'layers',
  'seqLen',
  'batch',
] as const satisfies readonly (keyof ModelSizes)[];

/** Whether two settings have the same model and scoring sizes. */
export function sameSizes(a: ModelSizes, b: ModelSizes): boolean {
  return SIZE_KEYS.every((k) => a[k] === b[k]);
}

/** The preset the sizes match, if any. */
export function presetOf(s: ModelSizes): PresetName | undefined {
  return PRESET_NAMES.find((name) => sameSizes(SIZE_PRESETS[name], s));
}

export function isPresetName(x: unknown): x is PresetName {
  return typeof x === 'string' && (PRESET_NAMES as readonly string[]).includes(x);
}

/** Bounds a size setting must respect (also what the settings schema declares). */
export const SIZE_LIMITS: Readonly<Record<keyof ModelSizes, readonly [number, number]>> = {
  vocab: [2, 100000],
  embed: [1, 4096],
  hidden: [1, 4096],
  layers: [1, 8],
  seqLen: [1, 512],
  batch: [2, 256],
};

/** Sizes from a partial user object: missing or invalid fields take `fallback`'s value; numbers are clamped to {@link SIZE_LIMITS}. */
export function sanitizeSizes(raw: unknown, fallback: ModelSizes = DEFAULT_SIZES): ModelSizes {
  const src = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const out = { ...fallback } as Record<keyof ModelSizes, number>;
  for (const k of Object.keys(SIZE_LIMITS) as (keyof ModelSizes)[]) {
    const v = src[k];
    if (typeof v === 'number' && Number.isFinite(v)) {
      const [lo, hi] = SIZE_LIMITS[k];
      out[k] = Math.min(hi, Math.max(lo, Math.round(v)));
    }
  }
  return out;
}
