/**
 * Cell → CellView (what a `render` message carries): the graph, its layout, the scores and the benchmark facts.
 * Pure: no `vscode`; used by the panel and by the tests / bench.
 */
import type { Cell, LogInfo } from '../recipe/types';
import { SCORES, type ScoreReport } from '../scoring/types';
import { percentileOf } from '../scoring/reference';
import { evidenceText } from '../report/scoreFormat';
import type { GraphModelOptions } from './model';
import { cellGraph, type LayoutOptions } from './layout';
import type { BenchmarkSummary, CellView, ScoreSummary } from './protocol';

function lastFinite(xs: readonly number[] | undefined): number | undefined {
  if (!xs) return undefined;
  for (let i = xs.length - 1; i >= 0; i--) if (Number.isFinite(xs[i])) return xs[i];
  return undefined;
}

/** Benchmark facts of a training log: the last finite test / validation loss, epochs, #params, status. */
export function benchmarkFromLog(l: LogInfo): BenchmarkSummary {
  const b: Record<string, unknown> = {
    dataset: l.dataset,
    testLoss: lastFinite(l.testLosses),
    valLoss: lastFinite(l.valLosses),
    epochs: l.epochs ?? l.testLosses?.length,
    numParams: l.numParams,
    status: l.status,
    recepieId: l.recepieId,
  };
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as BenchmarkSummary;
}

/** `{ [key]: value }`, or nothing when the value is undefined (optional fields of a protocol object). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Score results as the side panel shows them (NaN / ±∞ become null with the reason kept). */
export function scoreSummaries(report: ScoreReport): ScoreSummary[] {
  return report.results.map((r) => ({
    id: r.id,
    label: SCORES[r.id]?.label ?? r.id,
    better: SCORES[r.id]?.better ?? 'higher',
    value: Number.isFinite(r.value) ? r.value : null,
    std: Number.isFinite(r.std) ? r.std : null,
    ...(r.reason ? { reason: r.reason } : {}),
    ...optional('percentile', percentileOf(r.id, r.value, report.settings)),
    ...optional('evidence', evidenceText(r.id, report.settings)),
    ...(r.perNode
      ? { perNode: Object.fromEntries(Object.entries(r.perNode).filter(([, v]) => Number.isFinite(v))) }
      : {}),
  }));
}

/** Everything the webview needs about one cell. */
export function cellView(
  cell: Cell,
  extra: { scores?: ScoreReport; benchmark?: BenchmarkSummary; options?: GraphModelOptions & LayoutOptions } = {},
): CellView {
  const g = cellGraph(cell, extra.options ?? {});
  const benchmark = cell.log ? benchmarkFromLog(cell.log) : extra.benchmark;
  return {
    index: cell.index,
    label: cell.label,
    ...g,
    ...(extra.scores ? { scores: scoreSummaries(extra.scores) } : {}),
    ...(benchmark && Object.keys(benchmark).length > 0 ? { benchmark } : {}),
  };
}
