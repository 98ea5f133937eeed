/**
 * The full report of a cell (Markdown): what the lens line and the short hover leave out — the predicted loss and
 * what it rests on, every score with its percentile, direction, evidence, time and meaning, the reasons of undefined
 * scores, the definitions, and the benchmark record with its loss curve. "Show Scores" opens it beside the editor.
 * Pure; no `vscode` import.
 */
import type { BenchmarkMatch } from '../benchmark/index';
import type { ScoreSettings } from '../scoring/types';
import { benchmarkRecordMarkdown, type HoveredCell } from './format';
import { predictionMarkdown, scoreTableMarkdown } from './scoreFormat';
import type { CellVerdict } from './verdict';

export interface CellReportInput {
  /** `LSTM (lstm.json)`: the cell's one name (cellName) and its file. */
  readonly title: string;
  /** The cell (its hash, recipe, and the training log it was read from): the benchmark record and parameter count. */
  readonly cell: HoveredCell;
  readonly verdict: CellVerdict;
  /** Benchmark matches of the cell; undefined while the index loads. */
  readonly matches: readonly BenchmarkMatch[] | undefined;
  /** The loaded benchmark's dataset (the parameter count of a cell it does not know). */
  readonly dataset?: string;
  /** The current settings, given when the verdict's report is not at them (the report then says so). */
  readonly otherThan?: ScoreSettings;
}

export function cellReportMarkdown(r: CellReportInput): string {
  const { verdict: v } = r;
  const parts = [`# ${r.title}`];
  if (v.prediction) parts.push('## Predicted test loss', predictionMarkdown(v.prediction));
  parts.push(
    scoreTableMarkdown(
      v,
      v.scores.map((s) => s.id),
      r.otherThan,
    ),
  );
  parts.push(
    '## Benchmark',
    r.matches === undefined
      ? '_The benchmark is still loading._'
      : benchmarkRecordMarkdown(r.matches, r.cell, r.dataset),
  );
  return parts.join('\n\n') + '\n';
}
