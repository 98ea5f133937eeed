/**
 * The full report of a cell (Markdown): what the lens line and the short hover leave out — the predicted loss and
 * what it rests on, every score with its percentile, direction, evidence, time and meaning, the reasons of undefined
 * scores, the definitions, and the benchmark record with its loss curve. "Show Scores" opens it beside the editor.
 * Pure; no `vscode` import.
 */
import type { BenchmarkMatch } from '../benchmark/index';
import { benchmarkRecordMarkdown } from './format';
import { predictionMarkdown, scoreTableMarkdown } from './scoreFormat';
import type { CellVerdict } from './verdict';

export interface CellReportInput {
  /** `cell 1 (lstm.json)`. */
  readonly title: string;
  readonly hash: string;
  readonly verdict: CellVerdict;
  /** Benchmark matches of the cell; undefined while the index loads. */
  readonly matches: readonly BenchmarkMatch[] | undefined;
}

export function cellReportMarkdown(r: CellReportInput): string {
  const { verdict: v } = r;
  const parts = [`# ${r.title}`];
  if (v.prediction) parts.push('## Predicted test loss', predictionMarkdown(v.prediction));
  parts.push(
    scoreTableMarkdown(
      v,
      v.scores.map((s) => s.id),
    ),
  );
  parts.push(
    '## Benchmark',
    r.matches === undefined ? '_The benchmark is still loading._' : benchmarkRecordMarkdown(r.matches, r.hash),
  );
  return parts.join('\n\n') + '\n';
}
