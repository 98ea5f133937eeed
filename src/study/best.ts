/**
 * THE best single score of a study, wherever one is named: the ensemble's baseline (study.ts), the panel's summary
 * line and its first plot (protocol.ts). A leaf (no registry), so the webview's protocol can use it.
 */

/** What the pick reads of a study row (study.ts `ScoreRow`). */
export interface RankedRow {
  readonly id: string;
  readonly test: { readonly tau: { readonly estimate: number } };
}

/**
 * The studied score with the highest τ vs test loss — oriented (the registry's direction, study.ts), on all trained
 * cells with a value (the table's τ), chosen on all data (slightly optimistic, like any pick) — leaving out `hybrid`,
 * a fixed combination of scores. Ties: the first in row order. Undefined when no score has a τ.
 */
export function bestSingleScore<R extends RankedRow>(rows: readonly R[]): R | undefined {
  let best: R | undefined;
  for (const r of rows)
    if (
      r.id !== 'hybrid' &&
      !Number.isNaN(r.test.tau.estimate) &&
      (!best || r.test.tau.estimate > best.test.tau.estimate)
    )
      best = r;
  return best;
}
