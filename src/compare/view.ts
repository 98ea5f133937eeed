/**
 * Two cells → the `compare` message: both graphs with the nodes and edges that have no counterpart marked
 * (src/compare/diff.ts), and the table of their benchmark records, scores (with percentiles) and predicted losses,
 * each row with B − A and which side is better by the quantity's declared direction.
 * Pure: no `vscode`; the panel passes what the benchmark and the score cache know (both may still be loading).
 */
import type { Cell } from '../recipe/types';
import { toRecipe } from '../recipe/model';
import { hPrevIndex, INPUT_X } from '../recipe/ops';
import type { BenchmarkMatch } from '../benchmark/index';
import { SCORES, type ScoreReport } from '../scoring/types';
import { populationCells, presetLabel, settingsSummary } from '../report/scoreFormat';
import { cellVerdict, valueKind, type CellVerdict, type ScoreVerdict } from '../report/verdict';
import { formatCount, formatInteger, formatLoss, formatPredicted, formatScore, formatTopShare } from '../shared/format';
import { cellView } from '../graph/views';
import type { GraphModelOptions } from '../graph/model';
import type { CellView } from '../graph/protocol';
import { diffCells, type CellDiff, type SideDiff } from './diff';
import {
  COMPARE_PROTOCOL_VERSION,
  type Better,
  type CompareMessage,
  type CompareRow,
  type CompareSide,
} from './protocol';

/** One cell to compare, with what the editor knows about it. */
export interface CompareInput {
  readonly cell: Cell;
  /** URI of its document. */
  readonly uri: string;
  /** Short file name for titles. */
  readonly fileName: string;
  /** Its benchmark records, one per dataset (empty: not in the benchmark); undefined while the benchmark loads. */
  readonly matches?: readonly BenchmarkMatch[];
  /** Its score report at the current settings, if it was scored. */
  readonly report?: ScoreReport;
}

/** The graph view of a cell with the diff's only-here nodes and edges marked. */
export function markView(view: CellView, side: SideDiff): CellView {
  const nodeIds = new Set(
    side.onlyNodes.map((n) => (n === INPUT_X || hPrevIndex(n) !== undefined ? `in:${n}` : `n:${n}`)),
  );
  const edgeIds = new Set(
    side.onlyEdges.map((e) => (e.operand < 0 ? `r:${hPrevIndex(e.target)}` : `e:${e.target}:${e.operand}`)),
  );
  return {
    ...view,
    model: {
      ...view.model,
      nodes: view.model.nodes.map((n) => (nodeIds.has(n.id) ? { ...n, onlyHere: true } : n)),
      edges: view.model.edges.map((e) => (edgeIds.has(e.id) ? { ...e, onlyHere: true } : e)),
    },
  };
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** Which side is better: by direction; ±∞ compare as such (a singular NTK's +∞ κ loses to any finite κ); NaN never. */
export function betterSide(
  l: number | undefined,
  r: number | undefined,
  direction: 'higher' | 'lower',
): Better | undefined {
  if (l === undefined || r === undefined || Number.isNaN(l) || Number.isNaN(r)) return undefined;
  if (l === r) return 'tie';
  return (direction === 'lower') === l < r ? 'left' : 'right';
}

/** `+0.123` / `−4` / `0`: B − A with an explicit sign; empty unless both are finite. */
function deltaText(l: number | null, r: number | null, f: (x: number) => string): string {
  if (l === null || r === null) return '';
  const d = r - l;
  if (d === 0) return '0';
  return (d > 0 ? '+' : '−') + f(Math.abs(d));
}

function row(
  group: string,
  label: string,
  l: number | undefined,
  r: number | undefined,
  o: {
    format: (x: number) => string;
    direction?: 'higher' | 'lower';
    deltaFormat?: (x: number) => string;
    leftText?: string;
    rightText?: string;
    leftNote?: string;
    rightNote?: string;
    title?: string;
  },
): CompareRow {
  const lv = finite(l),
    rv = finite(r);
  const text = (v: number | undefined, t: string | undefined): string =>
    t ?? (v === undefined ? '—' : Number.isNaN(v) ? 'NaN' : o.format(v));
  const better = o.direction ? betterSide(l, r, o.direction) : undefined;
  return {
    group,
    label,
    left: text(l, o.leftText),
    right: text(r, o.rightText),
    leftValue: lv,
    rightValue: rv,
    delta: deltaText(lv, rv, o.deltaFormat ?? o.format),
    ...(o.leftNote ? { leftNote: o.leftNote } : {}),
    ...(o.rightNote ? { rightNote: o.rightNote } : {}),
    ...(better ? { better } : {}),
    ...(o.direction ? { direction: o.direction } : {}),
    ...(o.title ? { title: o.title } : {}),
  };
}

/** Benchmark rows of every dataset either cell is in: test / validation loss, rank, runs. */
function benchmarkRows(a: readonly BenchmarkMatch[], b: readonly BenchmarkMatch[]): CompareRow[] {
  const datasets = [...new Set([...a, ...b].map((m) => m.dataset))].sort();
  const rows: CompareRow[] = [];
  for (const d of datasets) {
    const ma = a.find((m) => m.dataset === d)?.entry,
      mb = b.find((m) => m.dataset === d)?.entry;
    const group = `Benchmark · ${d}`;
    const absent = (e: typeof ma) => (e ? undefined : 'not in benchmark');
    const spread = (e: typeof ma, std: number) =>
      e && e.trainedRuns > 1 && Number.isFinite(std) ? `± ${formatLoss(std)}` : undefined;
    const diverged = (e: typeof ma) => (e?.diverged ? 'diverged' : undefined);
    rows.push(
      row(group, 'test loss (mean final)', ma?.meanTest, mb?.meanTest, {
        format: formatLoss,
        direction: 'lower',
        leftText: absent(ma) ?? diverged(ma),
        rightText: absent(mb) ?? diverged(mb),
        leftNote: ma ? spread(ma, ma.stdTest) : undefined,
        rightNote: mb ? spread(mb, mb.stdTest) : undefined,
        title: 'Mean final test loss over the trained runs; lower is better.',
      }),
    );
    rows.push(
      row(group, 'validation loss (mean final)', ma?.meanVal, mb?.meanVal, {
        format: formatLoss,
        direction: 'lower',
        leftText: absent(ma) ?? diverged(ma),
        rightText: absent(mb) ?? diverged(mb),
        title: 'Mean final validation loss over the trained runs; lower is better.',
      }),
    );
    const top = (e: typeof ma) => (e?.rank !== undefined && e.size > 0 ? formatTopShare(e.rank, e.size) : undefined);
    rows.push(
      row(group, 'rank', ma?.rank, mb?.rank, {
        format: (x) => String(x),
        direction: 'lower',
        leftText: ma ? (ma.rank !== undefined ? `${ma.rank} / ${ma.size}` : 'not ranked') : 'not in benchmark',
        rightText: mb ? (mb.rank !== undefined ? `${mb.rank} / ${mb.size}` : 'not ranked') : 'not in benchmark',
        leftNote: top(ma),
        rightNote: top(mb),
        title: "Rank by mean final test loss among the dataset's trained cells (1 = best).",
      }),
    );
    const runsText = (e: typeof ma) =>
      e ? `${e.runs.length}${e.divergedRuns ? ` (${e.divergedRuns} diverged)` : ''}` : '—';
    rows.push(
      row(group, 'runs', ma?.runs.length, mb?.runs.length, {
        format: (x) => String(x),
        leftText: runsText(ma),
        rightText: runsText(mb),
        title: 'Training runs of the cell in the benchmark.',
      }),
    );
  }
  return rows;
}

/** Score rows: every score either verdict has, value ± spread, percentile, B − A, better by the declared direction. */
function scoreRows(a: CellVerdict | undefined, b: CellVerdict | undefined): CompareRow[] {
  const settings = (a ?? b)?.report.settings;
  if (!settings) return [];
  const population = (a ?? b)?.population;
  // A user's calibration: the heading names the population of the percentiles (`… · percentiles of 40 PTB cells`).
  const group = `Scores · ${presetLabel(settings)}${population?.calibrated ? ` · percentiles ${populationCells(population)}` : ''}`;
  const ids = [...new Set([...(a?.scores ?? []), ...(b?.scores ?? [])].map((s) => s.id))];
  return ids.map((id) => {
    const sa = a?.byId.get(id),
      sb = b?.byId.get(id);
    const info = SCORES[id];
    const pct = (s: ScoreVerdict | undefined): string | undefined =>
      s?.percentileText === undefined ? undefined : `${s.percentileText} pct`;
    const ev = population?.evidence[id]?.text;
    const reason = (s: ScoreVerdict | undefined) =>
      s && !Number.isFinite(s.result.value) && s.result.reason ? s.result.reason : undefined;
    const why = [reason(sa) && `A: ${reason(sa)}`, reason(sb) && `B: ${reason(sb)}`].filter(Boolean).join(' ');
    return row(group, info?.label ?? id, sa?.result.value, sb?.result.value, {
      format: formatScore,
      direction: info?.better ?? 'higher',
      deltaFormat: valueKind(id) === 'count' ? formatCount : formatScore,
      leftText: sa ? sa.text : a ? '—' : 'not scored',
      rightText: sb ? sb.text : b ? '—' : 'not scored',
      leftNote: pct(sa),
      rightNote: pct(sb),
      title: `${info?.meaning ?? id} — ${info?.better ?? 'higher'} is better${ev ? ` (measured: ${ev} vs −test loss)` : ''}.${population ? ` Percentiles ${population.text}.` : ''}${why ? ` ${why}` : ''}`,
    });
  });
}

/** The predicted test loss of each scored cell (when a predictor applies to the report's settings). */
function predictionRows(a: CellVerdict | undefined, b: CellVerdict | undefined): CompareRow[] {
  const pa = a?.prediction,
    pb = b?.prediction;
  const p = pa ?? pb;
  if (!p) return [];
  // A user's calibration: the title says whose predictor and among which cells (the group names the dataset).
  const by = p.calibrated ? ` by the ${p.dataset} calibration's predictor` : '';
  const among = p.calibrated ? `; top k% among its ${formatInteger(p.nCells)} trained ${p.dataset} cells` : '';
  return [
    row(`Prediction · ${p.dataset}`, 'predicted test loss', pa?.loss, pb?.loss, {
      format: formatPredicted,
      direction: 'lower',
      leftText: pa?.lossText ?? '—',
      rightText: pb?.lossText ?? '—',
      leftNote: pa?.topText,
      rightNote: pb?.topText,
      title: `${p.calibrated ? `${p.dataset} test loss` : 'Test loss'} predicted from the cell's train-free scores and structure${by} (docs/predictor.md), with its 80 % interval${among}; lower is better.`,
    }),
  ];
}

function summaryOf(diff: CellDiff): string {
  if (diff.isomorphic)
    return `Isomorphic: the same cell up to renaming and operand order (canonical hash ${diff.hashes[0].slice(0, 12)}).`;
  if (!diff.comparable) return `Not compared node by node: ${diff.reason ?? 'a cell is not valid'}.`;
  const n = (k: number) => `${k} node${k === 1 ? '' : 's'}`;
  return `Not isomorphic: ${n(diff.left.onlyNodes.length)} only in A, ${n(diff.right.onlyNodes.length)} only in B, ${diff.left.matched.size} matched.`;
}

/**
 * The compare panel's tab title: each side's file and cell name (the one name, src/report/format.ts cellName, which
 * the panel puts in the cell's label), e.g. `Compare: a.json cell 3 ↔ b.json LSTM`.
 */
export function compareTitle(
  left: Pick<CompareInput, 'fileName'> & { readonly cell: Pick<Cell, 'label'> },
  right: Pick<CompareInput, 'fileName'> & { readonly cell: Pick<Cell, 'label'> },
): string {
  return `Compare: ${left.fileName} ${left.cell.label} ↔ ${right.fileName} ${right.cell.label}`;
}

/** The complete `compare` message of two cells. */
export function compareMessage(
  left: CompareInput,
  right: CompareInput,
  options: GraphModelOptions = {},
): CompareMessage {
  const ra = toRecipe(left.cell),
    rb = toRecipe(right.cell);
  const diff = diffCells(ra, rb);
  const side = (x: CompareInput, letter: string, d: SideDiff, hash: string): CompareSide => ({
    title: `${letter} · ${x.cell.label} (${x.fileName})`,
    uri: x.uri,
    cellIndex: x.cell.index,
    hash,
    cell: markView(cellView(x.cell, { options }), d),
    onlyNodes: d.onlyNodes,
    onlyEdges: d.onlyEdges.length,
    scored: x.report !== undefined,
  });
  const notes: string[] = [];
  const rows: CompareRow[] = [];
  if (left.matches === undefined || right.matches === undefined) notes.push('The benchmark is loading…');
  else if (left.matches.length === 0 && right.matches.length === 0)
    notes.push('Neither cell is in the loaded benchmark.');
  rows.push(...benchmarkRows(left.matches ?? [], right.matches ?? []));
  const va = left.report ? cellVerdict(left.report, ra) : undefined,
    vb = right.report ? cellVerdict(right.report, rb) : undefined;
  rows.push(...scoreRows(va, vb), ...predictionRows(va, vb));
  if (!left.report && !right.report)
    notes.push(
      'Not scored yet: run Cell Lens: Score This Cell on each cell (or Score All Cells in This File) and the scores appear here.',
    );
  else if (!left.report || !right.report)
    notes.push(`${!left.report ? 'A' : 'B'} is not scored yet at these settings.`);
  else
    notes.push(
      `Scores at ${settingsSummary(left.report.settings)}; percentiles among the benchmark's trained cells at the same settings (100 = best). Δ = B − A; ▲ marks the better side by the score's declared direction.`,
    );
  return {
    type: 'compare',
    version: COMPARE_PROTOCOL_VERSION,
    left: side(left, 'A', diff.left, diff.hashes[0]),
    right: side(right, 'B', diff.right, diff.hashes[1]),
    isomorphic: diff.isomorphic,
    comparable: diff.comparable,
    summary: summaryOf(diff),
    rows,
    notes,
  };
}
