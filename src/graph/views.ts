/**
 * Cell → CellView (what a `render` message carries): the graph, its layout, the scores and the benchmark facts.
 * Pure: no `vscode`; used by the panel and by the tests / bench.
 */
import type { Cell, LogInfo } from '../recipe/types';
import { toRecipe } from '../recipe/model';
import type { ScoreReport } from '../scoring/types';
import { cellVerdict, type CellVerdict } from '../report/verdict';
import type { GraphModelOptions } from './model';
import { cellGraph, type LayoutOptions } from './layout';
import type { BenchmarkSummary, CellView, PredictionSummary, ScoreSummary } from './protocol';

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
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
}

/** `{ [key]: value }`, or nothing when the value is undefined (optional fields of a protocol object). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A cell's verdict as the side panel shows it (NaN / ±∞ become null with the reason kept; texts as the lens). */
export function scoreSummaries(v: CellVerdict): ScoreSummary[] {
  return v.scores.map(({ result: r, ...s }) => ({
    id: s.id,
    label: s.label,
    better: s.better,
    value: Number.isFinite(r.value) ? r.value : null,
    std: Number.isFinite(r.std) ? r.std : null,
    text: s.text,
    ...(r.reason ? { reason: r.reason } : {}),
    ...optional('percentile', s.percentile),
    ...optional('percentileText', s.percentileText),
    ...(s.percentile !== undefined ? optional('population', v.population?.text) : {}),
    ...optional('evidence', s.evidence?.text),
    ...(r.perNode
      ? { perNode: Object.fromEntries(Object.entries(r.perNode).filter(([, x]) => Number.isFinite(x))) }
      : {}),
  }));
}

/** A cell's predicted test loss as the side panel shows it. */
function predictionSummary(v: CellVerdict): PredictionSummary | undefined {
  const p = v.prediction;
  return p && { dataset: p.dataset, text: p.lossText, top: p.topText };
}

/** Everything the webview needs about one cell. */
export function cellView(
  cell: Cell,
  extra: { scores?: ScoreReport; benchmark?: BenchmarkSummary; options?: GraphModelOptions & LayoutOptions } = {},
): CellView {
  const g = cellGraph(cell, extra.options ?? {});
  const benchmark = cell.log ? benchmarkFromLog(cell.log) : extra.benchmark;
  const verdict = extra.scores ? cellVerdict(extra.scores, toRecipe(cell)) : undefined;
  const prediction = verdict && predictionSummary(verdict);
  return {
    index: cell.index,
    label: cell.label,
    ...g,
    ...(verdict ? { scores: scoreSummaries(verdict) } : {}),
    ...(prediction ? { prediction } : {}),
    ...(benchmark && Object.keys(benchmark).length > 0 ? { benchmark } : {}),
  };
}
