/**
 * Text of the editor surfaces (CodeLens titles, hover Markdown), as pure functions so they are unit-tested
 * without VS Code. No `vscode` import.
 */
import type { BenchmarkEntry, BenchmarkMatch } from '../benchmark/index';
import type { Cell, CellNode, LogInfo, Recipe } from '../recipe/types';
import { OPS, isOpName, isCellInput } from '../recipe/ops';
import { recipeInfo } from '../recipe/model';
import { formatCount, formatInteger, formatLoss, formatTopShare } from '../shared/format';

/** Vocabulary sizes of the NAS-Bench-NLP datasets (their logs' num_params include vocab·embed + vocab). */
export const DATASET_VOCAB: Readonly<Record<string, number>> = { 'WikiText-2': 33278, PTB: 10000 };

/**
 * The benchmark CodeLens of one dataset match, longest first, e.g.
 * `WikiText-2 test loss 4.982 · rank 12/341 (top 4%) · 20.3M params`, `WikiText-2 test loss 4.982 · top 4%`,
 * `test 4.982` (`WikiText-2 4.982` when the cell has records in several datasets); `WikiText-2: diverged in
 * benchmark (loss is nan!)`, `diverged in benchmark`. In a diverged training log, the cell's other runs (one title).
 */
export function benchmarkLensTitles(m: BenchmarkMatch, fromLog?: LogInfo, datasets = 1): string[] {
  const e = m.entry;
  // In a training log that diverged, the benchmark's numbers come from the cell's other runs: say so.
  const other = fromLog && logDiverged(fromLog) && !m.diverged ? " (the cell's other runs)" : '';
  if (other) {
    const rank = m.rank !== undefined ? ` · rank ${m.rank}/${m.size}` : '';
    return [
      `$(graph-line) ${m.dataset}${other}: test loss ${formatLoss(e.meanTest)}${e.trainedRuns > 1 ? ` (${e.trainedRuns} runs)` : ''}${rank}`,
    ];
  }
  if (m.diverged)
    return [
      `$(error) ${m.dataset}: diverged in benchmark (${e.runs[0]?.status ?? 'loss is nan'})`,
      `$(error) ${datasets > 1 ? `${m.dataset}: ` : ''}diverged in benchmark`,
    ];
  const loss = formatLoss(e.meanTest);
  const runs = e.trainedRuns > 1 ? ` ± ${formatLoss(e.stdTest)} (${e.trainedRuns} runs)` : '';
  const top = m.rank !== undefined ? formatTopShare(m.rank, m.size) : undefined;
  const rank = m.rank !== undefined ? ` · rank ${m.rank}/${m.size} (${top})` : '';
  const params = e.numParams !== undefined ? ` · ${formatCount(e.numParams)} params` : '';
  return [
    `$(graph-line) ${m.dataset} test loss ${loss}${runs}${rank}${params}`,
    `$(graph-line) ${m.dataset} test loss ${loss}${top ? ` · ${top}` : ''}`,
    `$(graph-line) ${datasets > 1 ? m.dataset : 'test'} ${loss}`,
  ];
}

/** Whether a training log's run diverged (NAS-Bench-NLP status "loss is nan!", or no finite test loss). */
export function logDiverged(l: LogInfo): boolean {
  return (
    /nan/i.test(l.status ?? '') ||
    (l.testLosses !== undefined && l.testLosses.length > 0 && !l.testLosses.some((x) => Number.isFinite(x)))
  );
}

/** The lens of the run a training-log file holds: `this run (recepie 1009182): diverged after 1 epoch — loss is nan!`. */
export function logLensTitle(l: LogInfo): string {
  const id = l.recepieId !== undefined ? ` (recepie ${l.recepieId})` : '';
  const n = l.testLosses?.length ?? l.epochs;
  const epochs = n !== undefined ? ` after ${n} epoch${n === 1 ? '' : 's'}` : '';
  if (logDiverged(l)) return `$(error) this run${id}: diverged${epochs}${l.status ? ` — ${l.status}` : ''}`;
  const finite = (l.testLosses ?? []).filter((x) => Number.isFinite(x));
  return `$(file) this run${id}: test loss ${finite.length ? formatLoss(finite[finite.length - 1]) : '?'}${epochs}`;
}

/** Lens for a cell the benchmark does not know, longest first: `not in benchmark · 8 nodes · 13.6M params`, `not in benchmark`. */
export function notInBenchmarkTitles(cell: Cell, params: number | undefined, loading: boolean): string[] {
  const n = `${cell.nodes.length} node${cell.nodes.length === 1 ? '' : 's'}`;
  const p = params !== undefined ? ` · ${formatCount(params)} params` : '';
  return loading
    ? [`$(sync~spin) looking up benchmark · ${n}${p}`, '$(sync~spin) looking up benchmark']
    : [`$(circle-slash) not in benchmark · ${n}${p}`, '$(circle-slash) not in benchmark'];
}

/** A tiny text sparkline of a loss curve. */
export function sparkline(xs: readonly number[], width = 25): string {
  const bars = '▁▂▃▄▅▆▇█';
  const finite = xs.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const step = Math.max(1, Math.ceil(xs.length / width));
  const pts: number[] = [];
  for (let i = 0; i < xs.length; i += step) pts.push(xs[i]);
  const lo = Math.min(...finite),
    hi = Math.max(...finite);
  return pts
    .map((x) => (Number.isFinite(x) ? bars[hi > lo ? Math.round(((x - lo) / (hi - lo)) * 7) : 0] : '×'))
    .join('');
}

/**
 * The benchmark in the cell hover: one line per dataset, `**WikiText-2 test loss 4.982** ± 0.012 · rank **12** of 341
 * trained cells (top 4%) · recepie ids 1009, 1010 · 2 runs`; the record in full is in the full report
 * ({@link benchmarkRecordMarkdown}).
 */
export function benchmarkHoverLine(matches: readonly BenchmarkMatch[], hash: string): string {
  if (matches.length === 0) return `Not in the loaded benchmark (canonical hash \`${hash.slice(0, 12)}\`).`;
  return matches
    .map((m) => {
      const e = m.entry;
      const ids = `recepie id${e.recepieIds.length > 1 ? 's' : ''} ${e.recepieIds.join(', ')} · ${e.runs.length} run${e.runs.length === 1 ? '' : 's'}`;
      if (e.diverged)
        return `**${e.dataset}: diverged** (${[...new Set(e.runs.map((r) => r.status))].join(', ')}) — not ranked · ${ids}`;
      const spread = e.trainedRuns > 1 ? ` ± ${formatLoss(e.stdTest)}` : '';
      const rank =
        m.rank !== undefined
          ? ` · rank **${m.rank}** of ${m.size} trained cells (${formatTopShare(m.rank, m.size)})`
          : '';
      return `**${e.dataset} test loss ${formatLoss(e.meanTest)}**${spread}${rank} · ${ids}`;
    })
    .join('\n\n');
}

/** The benchmark record in the full report: each dataset's record with the loss-curve summary. */
export function benchmarkRecordMarkdown(matches: readonly BenchmarkMatch[], hash: string): string {
  if (matches.length === 0) return `**Not in the loaded benchmark** (canonical hash \`${hash.slice(0, 12)}\`).`;
  return matches.map((m) => entryMarkdown(m.entry)).join('\n\n---\n\n');
}

function entryMarkdown(e: BenchmarkEntry): string {
  const rows: string[] = [];
  rows.push(
    `**${e.dataset}** · recepie id${e.recepieIds.length > 1 ? 's' : ''} ${e.recepieIds.join(', ')} · ${e.runs.length} run${e.runs.length === 1 ? '' : 's'}`,
  );
  if (e.diverged) {
    rows.push(
      '',
      `Diverged: ${[...new Set(e.runs.map((r) => r.status))].join(', ')} — kept in the benchmark, not ranked.`,
    );
  } else {
    rows.push('', '| | final | best |', '|---|---|---|');
    rows.push(
      `| test loss | ${formatLoss(e.meanTest)}${e.trainedRuns > 1 ? ` ± ${formatLoss(e.stdTest)}` : ''} (ppl ${Math.exp(e.meanTest).toFixed(1)}) | ${formatLoss(e.bestTest)} |`,
    );
    rows.push(
      `| val loss | ${formatLoss(e.meanVal)}${e.trainedRuns > 1 ? ` ± ${formatLoss(e.stdVal)}` : ''} | ${formatLoss(e.bestVal)} |`,
    );
    if (e.rank !== undefined)
      rows.push('', `Rank **${e.rank}** of ${e.size} trained cells (beats ${e.percentile?.toFixed(1)}%).`);
  }
  // The curve of a run that trained (a diverged run's curve is all NaN).
  const r = e.runs.find((x) => x.testLosses?.some((v) => Number.isFinite(v))) ?? e.runs[0];
  if (r?.testLosses?.some((v) => Number.isFinite(v)))
    rows.push(
      '',
      `Test loss over ${r.testLosses.length} epochs: \`${sparkline(r.testLosses)}\` ${formatLoss(r.testLosses[0])} → ${formatLoss(r.testLosses[r.testLosses.length - 1])}`,
    );
  if (e.numParams !== undefined)
    rows.push(
      '',
      `${formatInteger(e.numParams)} parameters in the benchmark's ${e.dataset} model${DATASET_VOCAB[e.dataset] ? ` (vocabulary ${formatInteger(DATASET_VOCAB[e.dataset])})` : ''}; the train-free \`#params\` uses the scoring preset's vocabulary.`,
    );
  return rows.join('\n');
}

/** Markdown for the hover on a node: op, meaning, inputs, consumers, shapes. */
export function nodeHoverMarkdown(node: CellNode, recipe: Recipe, sizes: { embed: number; hidden: number }): string {
  const info = recipeInfo(recipe);
  const consumers = Object.keys(recipe).filter((k) => recipe[k].input.includes(node.name));
  const op = isOpName(node.op) ? OPS[node.op] : undefined;
  const lines: string[] = [`**${node.name}** = \`${node.op}\`(${node.inputs.map((i) => `\`${i.name}\``).join(', ')})`];
  if (op) lines.push('', op.description);
  else if (node.op) lines.push('', `Unknown op \`${node.op}\`.`);
  const shape = (n: string) => (n === 'x' ? `[batch, ${sizes.embed}] (x, layer 1)` : `[batch, ${sizes.hidden}]`);
  lines.push(
    '',
    `Output shape: \`[batch, ${sizes.hidden}]\` (hidden size of layer 1; ${sizes.embed} in the last, tied layer)`,
  );
  if (node.inputs.length)
    lines.push(
      '',
      'Inputs: ' +
        node.inputs
          .map((i) => `\`${i.name}\` ${isCellInput(i.name) ? `— cell input ${shape(i.name)}` : ''}`)
          .join(', '),
    );
  lines.push(
    '',
    consumers.length
      ? `Consumed by: ${consumers.map((c) => `\`${c}\``).join(', ')}`
      : info.liveNodes.has(node.name)
        ? 'Cell output.'
        : 'Consumed by nothing.',
  );
  if (node.op === 'linear') {
    const p =
      node.inputs.reduce((s, i) => s + sizes.hidden * (i.name === 'x' ? sizes.embed : sizes.hidden), 0) + sizes.hidden;
    lines.push(
      '',
      `Parameters in layer 1: ${formatInteger(p)} (${node.inputs.length} weight matri${node.inputs.length === 1 ? 'x' : 'ces'} + bias)`,
    );
  }
  if (!info.liveNodes.has(node.name) && recipe['h_new_0']) lines.push('', '_Does not reach the output h_new_0._');
  return lines.join('\n');
}
