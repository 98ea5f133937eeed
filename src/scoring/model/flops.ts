/**
 * FLOP accounting for the benchmark (bench/single-cell.ts), off unless a bench turns it on: each matrix product
 * and float64 Gram matrix adds its FLOPs, counted from its shapes (2·M·N·K for a product; n²·len for a symmetric
 * Gram, whose half is computed), to the part of the computation running (ScoreContext's timed parts: forward,
 * backward, ntk, gauss, …). Element-wise work is not counted: the passes' rates are those of their products.
 */
export const flopCounter = {
  enabled: false,
  /** The part running now (set by ScoreContext around each timed part). */
  part: 'other',
  byPart: {} as Record<string, number>,
};

/** Adds `n` FLOPs to the running part (no-op unless enabled). */
export function countFlops(n: number): void {
  if (flopCounter.enabled) flopCounter.byPart[flopCounter.part] = (flopCounter.byPart[flopCounter.part] ?? 0) + n;
}
