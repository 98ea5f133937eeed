/**
 * Text of the editor surfaces (CodeLens titles, hover Markdown), as pure functions so they are unit-tested
 * without VS Code. No `vscode` import.
 */
import type { BenchmarkMatch } from '../benchmark/index';
import type { Cell, CellNode, LogInfo, Recipe } from '../recipe/types';
import { INPUT_X, OPS, isOpName, isCellInput } from '../recipe/ops';
import { recipeInfo } from '../recipe/model';
import { knownCellName } from '../recipe/known';
import { linearParams } from '../recipe/params';
import { modelParams, type ModelParams } from '../scoring/model/params';
import { formatCount, formatInteger, formatLoss, formatTopShare } from '../shared/format';

/**
 * THE name of a cell on every surface (lens, hover, table, compare, graph title, CLI): a reference cell's known name
 * (`LSTM`), else the benchmark recipe id of its runs (`recepie 1001636`), else the parser's label (`cell 4`,
 * `recipe`). A training log or search result keeps its own label (`log 1009257`: the run the file holds).
 * `hash` only for a valid cell; `matches` once the benchmark is loaded.
 */
export function cellName(
  cell: Pick<Cell, 'label' | 'source'>,
  hash?: string,
  matches?: readonly BenchmarkMatch[],
): string {
  if (cell.source === 'log' || hash === undefined) return cell.label;
  const known = knownCellName(hash);
  if (known) return known;
  const id = matches?.find((m) => m.entry.recepieIds.length > 0)?.entry.recepieIds[0];
  return id !== undefined ? `recepie ${id}` : cell.label;
}

/** A parameter count and the model it counts: `20.2M params (WikiText-2 LM, vocab 33,278)` (`exact`: every digit). */
export function paramsText(p: ModelParams, exact = false): string {
  return `${exact ? formatInteger(p.count) : formatCount(p.count)} params (${p.dataset} LM, vocab ${formatInteger(p.vocab)})`;
}

/**
 * The benchmark CodeLens of one dataset match, longest first, e.g.
 * `WikiText-2 test loss 4.982 · rank 12/341 (top 4%) · 20.3M params (WikiText-2 LM, vocab 33,278)`,
 * `WikiText-2 test loss 4.982 · top 4%`, `test 4.982` (`WikiText-2 4.982` when the cell has records in several
 * datasets); `WikiText-2: diverged in benchmark (loss is nan!)`, `diverged in benchmark`. In a diverged training log,
 * the cell's other runs (one title). The parameters are those of `recipe`'s model on the match's dataset.
 */
export function benchmarkLensTitles(m: BenchmarkMatch, recipe: Recipe, fromLog?: LogInfo, datasets = 1): string[] {
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
  const params = ` · ${paramsText(modelParams(recipe, m.dataset))}`;
  // The shortest names the runs it averages when there are several (beside a log's own run, `test 5.264` would read
  // as that run's).
  const shortest =
    e.trainedRuns > 1
      ? `$(graph-line) ${datasets > 1 ? `${m.dataset} ` : ''}${e.trainedRuns} runs: ${loss} ± ${formatLoss(e.stdTest)}`
      : `$(graph-line) ${datasets > 1 ? m.dataset : 'test'} ${loss}`;
  return [
    `$(graph-line) ${m.dataset} test loss ${loss}${runs}${rank}${params}`,
    `$(graph-line) ${m.dataset} test loss ${loss}${top ? ` · ${top}` : ''}`,
    shortest,
  ];
}

/** Whether a training log's run diverged (NAS-Bench-NLP status "loss is nan!", or no finite test loss). */
export function logDiverged(l: LogInfo): boolean {
  return (
    /nan/i.test(l.status ?? '') ||
    (l.testLosses !== undefined && l.testLosses.length > 0 && !l.testLosses.some((x) => Number.isFinite(x)))
  );
}

/**
 * The lens of the run a training-log file holds, longest first: `this run (recepie 1009182): diverged after 1 epoch —
 * loss is nan!`, `this run: diverged`; `this run (recepie 1000000): test loss 5.260 after 50 epochs`, `this run: test
 * loss 5.260`.
 */
export function logLensTitles(l: LogInfo): string[] {
  const id = l.recepieId !== undefined ? ` (recepie ${l.recepieId})` : '';
  const n = l.testLosses?.length ?? l.epochs;
  const epochs = n !== undefined ? ` after ${n} epoch${n === 1 ? '' : 's'}` : '';
  if (logDiverged(l))
    return [
      `$(error) this run${id}: diverged${epochs}${l.status ? ` — ${l.status}` : ''}`,
      '$(error) this run: diverged',
    ];
  const finite = (l.testLosses ?? []).filter((x) => Number.isFinite(x));
  const loss = `test loss ${finite.length ? formatLoss(finite[finite.length - 1]) : '?'}`;
  return [`$(file) this run${id}: ${loss}${epochs}`, `$(file) this run: ${loss}`];
}

/**
 * Lens for a cell the benchmark does not know, longest first: `not in benchmark · 8 nodes · 13.6M params (WikiText-2
 * LM, vocab 33,278)`, `not in benchmark · 8 nodes`, `not in benchmark` (a count is never shown without its model).
 */
export function notInBenchmarkTitles(cell: Cell, params: ModelParams | undefined, loading: boolean): string[] {
  const n = `${cell.nodes.length} node${cell.nodes.length === 1 ? '' : 's'}`;
  const p = params !== undefined ? ` · ${paramsText(params)}` : '';
  const titles = loading
    ? [
        `$(sync~spin) looking up benchmark · ${n}${p}`,
        `$(sync~spin) looking up benchmark · ${n}`,
        '$(sync~spin) looking up benchmark',
      ]
    : [
        `$(circle-slash) not in benchmark · ${n}${p}`,
        `$(circle-slash) not in benchmark · ${n}`,
        '$(circle-slash) not in benchmark',
      ];
  return [...new Set(titles)];
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

/** What the benchmark hover is about: a valid cell, and the training log it was read from, if any. */
export interface HoveredCell {
  readonly hash: string;
  readonly recipe: Recipe;
  readonly log?: LogInfo;
}

/**
 * The benchmark in the cell hover: the run a training log holds (its own curve), then one line per dataset,
 * `**WikiText-2 test loss 4.982** ± 0.012 · rank **12** of 341 trained cells (top 4%) · recepie ids 1009, 1010 · 2 runs
 * · 20,230,878 params (WikiText-2 LM, vocab 33,278)`; a cell the benchmark does not know, its parameter count on
 * `dataset` (the loaded benchmark's). The record in full is in the full report ({@link benchmarkRecordMarkdown}).
 */
export function benchmarkHoverLine(matches: readonly BenchmarkMatch[], cell: HoveredCell, dataset?: string): string {
  const run = cell.log ? logRunMarkdown(cell.log) : undefined;
  const record =
    matches.length === 0
      ? `Not in the loaded benchmark (canonical hash \`${cell.hash.slice(0, 12)}\`) · ${paramsText(modelParams(cell.recipe, dataset), true)}.`
      : matches
          .map((m) => {
            const e = m.entry;
            const ids = `recepie id${e.recepieIds.length > 1 ? 's' : ''} ${e.recepieIds.join(', ')} · ${e.runs.length} run${e.runs.length === 1 ? '' : 's'}`;
            const params = paramsText(modelParams(cell.recipe, m.dataset), true);
            if (e.diverged)
              return `**${e.dataset}: diverged** (${[...new Set(e.runs.map((r) => r.status))].join(', ')}) — not ranked · ${ids} · ${params}`;
            const spread = e.trainedRuns > 1 ? ` ± ${formatLoss(e.stdTest)}` : '';
            const rank =
              m.rank !== undefined
                ? ` · rank **${m.rank}** of ${m.size} trained cells (${formatTopShare(m.rank, m.size)})`
                : '';
            return `**${e.dataset} test loss ${formatLoss(e.meanTest)}**${spread}${rank} · ${ids} · ${params}`;
          })
          .join('\n\n');
  return run ? `${run}\n\n${record}` : record;
}

/**
 * The benchmark record in the full report: the run a training log holds (its own curve), then each dataset's record
 * with a loss-curve summary, and the cell's parameter count (on `dataset`, the loaded benchmark's, when the benchmark
 * does not know the cell).
 */
export function benchmarkRecordMarkdown(
  matches: readonly BenchmarkMatch[],
  cell: HoveredCell,
  dataset?: string,
): string {
  const run = cell.log ? logRunMarkdown(cell.log) : undefined;
  const record =
    matches.length === 0
      ? `**Not in the loaded benchmark** (canonical hash \`${cell.hash.slice(0, 12)}\`) · ${paramsText(modelParams(cell.recipe, dataset), true)}.`
      : matches.map((m) => entryMarkdown(m, cell.recipe, run === undefined)).join('\n\n---\n\n');
  return run ? `${run}\n\n---\n\n${record}` : record;
}

/** `Test loss over 23 epochs: ▇▅▃▂▁ 7.707 → 5.102`: a curve's sparkline, its first and last value. */
function curveText(losses: readonly number[]): string {
  return `over ${losses.length} epoch${losses.length === 1 ? '' : 's'}: \`${sparkline(losses)}\` ${formatLoss(losses[0])} → ${formatLoss(losses[losses.length - 1])}`;
}

/** The run a training log holds, from the file itself: `**This run** (recepie 1009257): test loss over 23 epochs …`. */
function logRunMarkdown(l: LogInfo): string | undefined {
  const losses = l.testLosses;
  if (!losses?.length) return undefined;
  const id = l.recepieId !== undefined ? ` (recepie ${l.recepieId})` : '';
  return `**This run**${id}: test loss ${curveText(losses)}${logDiverged(l) && l.status ? ` — ${l.status}` : ''}`;
}

function entryMarkdown(m: BenchmarkMatch, recipe: Recipe, withCurve: boolean): string {
  const e = m.entry;
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
  // The curve of a run that trained (a diverged run's curve is all NaN), named: a training log shows its own instead.
  const r = e.runs.find((x) => x.testLosses?.some((v) => Number.isFinite(v))) ?? e.runs[0];
  if (withCurve && r?.testLosses?.some((v) => Number.isFinite(v)))
    rows.push('', `Test loss of run${r.recepieId !== undefined ? ` ${r.recepieId}` : ''} ${curveText(r.testLosses)}`);
  rows.push(
    '',
    `${paramsText(modelParams(recipe, m.dataset), true)}; the train-free \`#params\` score counts the scored model at the scoring preset's sizes and vocabulary.`,
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
    // The formula first, so the sum (600,600) does not read as two sizes.
    const names = node.inputs.map((i) => i.name);
    const terms = names.map((i) => `${i === INPUT_X ? sizes.embed : sizes.hidden} × ${sizes.hidden} (\`${i}\`)`);
    lines.push(
      '',
      `Parameters in layer 1: ${[...terms, `${sizes.hidden} (bias)`].join(' + ')} = ${formatInteger(linearParams(names, sizes.embed, sizes.hidden))}`,
    );
  }
  if (!info.liveNodes.has(node.name) && recipe['h_new_0']) lines.push('', '_Does not reach the output h_new_0._');
  return lines.join('\n');
}
