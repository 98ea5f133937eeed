/**
 * Which of a cell's score reports the surfaces show (lens, hover, Show Scores, graph side panel, table, compare),
 * chosen in this one place: the report at the current settings when there is one, else the most useful other one
 * (a search scores at the proxy size while the user's setting may be the full size), marked as not current so
 * every surface says so ({@link notCurrentText}). Pure; no `vscode` import.
 */
import { settingsKey } from '../scoring/cache';
import { sameSizes } from '../scoring/presets';
import { referencePresetFor } from '../scoring/reference';
import type { ScoreReport, ScoreSettings } from '../scoring/types';

/** The report a surface shows for a cell, and whether it is at the current settings. */
export interface ReportChoice {
  readonly report: ScoreReport;
  /** False: scored at other settings (another size, seed, repeat count or set of scores); the label says which. */
  readonly current: boolean;
}

/** Whether a report was computed at these settings (the cache's key: sizes, seed, repeats, scores; not the backend). */
export function atSettings(report: ScoreReport, settings: ScoreSettings): boolean {
  return settingsKey(report.settings) === settingsKey(settings);
}

/**
 * How useful a report at other settings is, as a tuple compared in order: the same seed and repeats as the
 * current settings (its values are those the user asked for, at another size); a reference population (percentiles
 * and a predicted loss: the proxy and full presets); the same sizes; how many of the current scores it has.
 */
function usefulness(r: ScoreReport, current: ScoreSettings): number[] {
  const s = r.settings;
  const wanted = new Set(current.scores);
  return [
    s.seed === current.seed && s.repeats === current.repeats ? 1 : 0,
    referencePresetFor(s) ? 1 : 0,
    sameSizes(s, current) ? 1 : 0,
    r.results.filter((x) => wanted.has(x.id)).length,
  ];
}

/**
 * THE choice of a cell's report, from its reports at any settings (the most recently used first: ties keep that
 * order): the one at `current` if any, else the most useful other one; undefined when there is none.
 */
export function chooseReport(reports: readonly ScoreReport[], current: ScoreSettings): ReportChoice | undefined {
  const exact = reports.find((r) => atSettings(r, current));
  if (exact) return { report: exact, current: true };
  let best: ScoreReport | undefined, bestRank: number[] | undefined;
  for (const r of reports) {
    const rank = usefulness(r, current);
    const i = bestRank ? rank.findIndex((x, k) => x !== bestRank![k]) : 0;
    if (!bestRank || (i >= 0 && rank[i] > bestRank[i])) {
      best = r;
      bestRank = rank;
    }
  }
  return best && { report: best, current: false };
}

/**
 * The reports two cells are compared at (compare): both at the same settings — the choice above among the
 * settings both cells have — since a difference across sizes or seeds would compare different things. With no
 * settings in common, one side only: the one at the current settings, else the first cell's choice (the other side
 * reads "not scored yet at these settings").
 */
export function choosePair(
  a: readonly ScoreReport[],
  b: readonly ScoreReport[],
  current: ScoreSettings,
): [ReportChoice | undefined, ReportChoice | undefined] {
  const inB = new Map(b.map((r) => [settingsKey(r.settings), r]));
  const both = chooseReport(
    a.filter((r) => inB.has(settingsKey(r.settings))),
    current,
  );
  if (both) return [both, { report: inB.get(settingsKey(both.report.settings))!, current: both.current }];
  const ca = chooseReport(a, current),
    cb = chooseReport(b, current);
  return cb?.current || !ca ? [undefined, cb] : [ca, undefined];
}
