/**
 * Text of the score surfaces (CodeLens titles and tooltips, hover Markdown, status bar), as pure functions of a cell's
 * verdict (src/report/verdict.ts) so they are unit-tested without VS Code and show the same numbers as the side
 * panel, the table, compare and the CLI. NaN and ±∞ are always shown as such, with their reason, never as a number.
 * No `vscode` import.
 */
import { SCORES, type ScoreId, type ScoreReport, type ScoreSettings } from '../scoring/types';
import { presetOf, sameSizes } from '../scoring/presets';
import { formatElapsed, formatInteger, formatPredictedLoss, formatStat, formatValue } from '../shared/format';
import { valueKind, type CellVerdict, type Population, type PredictionVerdict } from './verdict';

/** Short preset name for lenses: `full size`, `proxy`, `custom`. */
export function presetLabel(s: ScoreSettings): string {
  const p = presetOf(s);
  return p === 'nas-bench-nlp' ? 'full size' : p === 'proxy' ? 'proxy' : 'custom size';
}

/**
 * Where a report's settings are not the current ones, in the lens's words: `proxy, not the current full size`,
 * `full size, seed 3, not the current seed 0`, `full size, other scores, not the current settings` (the preset first,
 * then what differs).
 */
export function notCurrentText(s: ScoreSettings, current: ScoreSettings): string {
  const { was, now } = settingsDifference(s, current);
  return `${was.join(', ')}, not the current ${now.join(', ') || 'settings'}`;
}

/** What a report's settings are where they differ from the current ones (`was`) and what the current ones are. */
function settingsDifference(s: ScoreSettings, current: ScoreSettings): { was: string[]; now: string[] } {
  const was = [presetLabel(s)],
    now: string[] = [];
  if (!sameSizes(s, current)) now.push(presetLabel(current));
  if (s.seed !== current.seed) {
    was.push(`seed ${s.seed}`);
    now.push(`seed ${current.seed}`);
  }
  const reps = (n: number) => `${n} repeat${n === 1 ? '' : 's'}`;
  if (s.repeats !== current.repeats) {
    was.push(reps(s.repeats));
    now.push(reps(current.repeats));
  }
  const set = (x: ScoreSettings) => [...new Set(x.scores)].sort().join(',');
  if (set(s) !== set(current)) was.push('other scores');
  return { was, now };
}

/** The lens (and hover) action that scores a cell shown at other settings: `score at full size`. */
export function scoreAtCurrentTitle(s: ScoreSettings, current: ScoreSettings): string {
  return `score at ${sameSizes(s, current) ? 'the current settings' : presetLabel(current)}`;
}

/**
 * The score lens, longest first: the best score (the first of the chosen ids present, else the first computed) with
 * its value and percentile, `HiddenCov −34.9 (82nd pct)`, then without its value, `HiddenCov 82nd pct`; percentiles in
 * the verdict's reference population when one applies. Every score is in the tooltip and the full report.
 * `otherThan`: the current settings, given when the report is not at them: every title says so
 * (`· proxy, not the current full size`; the shortest `HiddenCov 82nd pct (proxy)`).
 */
export function scoreLensTitles(v: CellVerdict, show: readonly ScoreId[], otherThan?: ScoreSettings): string[] {
  const at = otherThan ? ` · ${notCurrentText(v.report.settings, otherThan)}` : '';
  const best = show.map((id) => v.byId.get(id)).find((s) => s !== undefined) ?? v.scores[0];
  if (!best) return [`$(beaker) no scores${at || ` · ${presetLabel(v.report.settings)}`}`];
  const pct = best.percentileText;
  // A user's calibration: the longest title names its population (`82nd pct of 14,322 PTB cells`).
  const pop = v.population;
  const named = pop?.calibrated ? [`$(beaker) ${best.label} ${best.value} (${pct} pct ${populationCells(pop)})`] : [];
  const titles =
    pct === undefined
      ? [`$(beaker) ${best.label} ${best.value}`]
      : [...named, `$(beaker) ${best.label} ${best.value} (${pct} pct)`, `$(beaker) ${best.label} ${pct} pct`];
  if (!otherThan) return titles;
  // At other settings every title says so; the shortest only which settings (`(proxy)`), the tooltip the rest.
  // (the size when it differs, else what does: `(proxy)`, `(seed 3)`)
  const { was } = settingsDifference(v.report.settings, otherThan);
  const short = `(${sameSizes(v.report.settings, otherThan) ? was.slice(1).join(', ') || was[0] : was[0]})`;
  return [...titles.map((t) => t + at), `${titles[titles.length - 1]} ${short}`];
}

/**
 * The line saying a report is not at the current settings (lens tooltip, hover, Show Scores): at which it is,
 * which are current, and how to score at those.
 */
export function notCurrentLine(s: ScoreSettings, current: ScoreSettings): string {
  return `Scored at ${settingsSummary(s)}; not at the current settings (${settingsSummary(current)}). "${scoreAtCurrentTitle(s, current)}" (the lens, or Cell Lens: Score This Cell) scores it at the current settings.`;
}

/**
 * Plain-text tooltip of the score lens: every score on one line with its direction, then the population.
 * `otherThan` as in {@link scoreLensTitles}.
 */
export function scoreLensTooltip(v: CellVerdict, otherThan?: ScoreSettings): string {
  const lines = v.scores.map((s) => {
    const r = s.result;
    const why = !Number.isFinite(r.value) && r.reason ? ` — ${r.reason}` : '';
    return `${s.label}: ${s.text}${s.percentileText === undefined ? '' : `, ${s.percentileText} percentile`} (${s.better} is better)${why}`;
  });
  const { report } = v;
  return [
    ...(otherThan ? [notCurrentLine(report.settings, otherThan), ''] : []),
    ...lines,
    '',
    ...(v.population ? [`Percentiles ${v.population.text}.`] : []),
    `${settingsSummary(report.settings)} · ${report.backend} · ${formatElapsed(report.totalMs)}`,
    'Click for the details.',
  ].join('\n');
}

/** Lens while a cell is being scored (`percent`: the one progress state's, as the status bar shows it). */
export function scoringLensTitle(percent: number): string {
  return `$(sync~spin) scoring… ${percent}%`;
}

/** Hover while a cell is being scored. */
export function scoringHoverMarkdown(percent: number): string {
  return `_Scoring… ${percent}%_`;
}

/** `NAS-Bench-NLP size (vocab 10000, embed 400, hidden 600, 3 layers, seq 35, batch 16) · seed 0 · 1 repeat`. */
export function settingsSummary(s: ScoreSettings): string {
  const preset = presetOf(s);
  const name = preset === 'nas-bench-nlp' ? 'NAS-Bench-NLP size' : preset === 'proxy' ? 'proxy size' : 'custom size';
  return `${name} (vocab ${s.vocab}, embed ${s.embed}, hidden ${s.hidden}, ${s.layers} layer${s.layers === 1 ? '' : 's'}, seq ${s.seqLen}, batch ${s.batch}) · seed ${s.seed} · ${s.repeats} repeat${s.repeats === 1 ? '' : 's'}`;
}

function escapeCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
/**
 * The scores in the full report: a table of every score with value ± spread, its percentile in the reference
 * population, the measured direction with its evidence (Kendall τ vs −test loss), time and meaning; NaN reasons
 * below, then the definitions of `defineIds`. `otherThan` as in {@link scoreLensTitles}: a line under the title says so.
 */
export function scoreTableMarkdown(
  v: CellVerdict,
  defineIds: readonly ScoreId[] = [],
  otherThan?: ScoreSettings,
): string {
  const { report, population } = v;
  const rows = [
    `**Train-free scores${otherThan ? ` · ${notCurrentText(report.settings, otherThan)}` : ''}**`,
    '',
    ...(otherThan ? [`_${notCurrentLine(report.settings, otherThan)}_`, ''] : []),
    '| score | value | percentile | better (evidence) | time | meaning |',
    '|---|---|---|---|---|---|',
  ];
  for (const s of v.scores) {
    const info = SCORES[s.id];
    const arrow = s.better === 'higher' ? '↑ higher' : '↓ lower';
    const shown = s.exactText + (s.id === 'params' ? ` (vocab ${formatInteger(report.settings.vocab)})` : '');
    rows.push(
      `| ${escapeCell(s.label)} | ${escapeCell(shown)} | ${s.percentileText ?? '—'} | ${arrow}${s.evidence ? ` (${s.evidence.text})` : ''} | ${formatElapsed(s.result.wallMs)} | ${escapeCell(info.meaning)} |`,
    );
  }
  rows.push(
    '',
    population
      ? `_Percentile: share of the ${population.nCells} trained ${population.dataset} cells this cell scores better than, scored at the same settings (${population.preset} preset); τ = Kendall τ of the raw score vs −test loss over them, 95 % interval._`
      : '_No reference population for these settings: percentiles exist for the proxy and nas-bench-nlp presets with seed 0 and 1 repeat._',
  );
  const undefinedOnes = v.scores.filter((s) => !Number.isFinite(s.result.value));
  if (undefinedOnes.length) {
    rows.push(
      '',
      ...undefinedOnes.map(
        (s) =>
          `- **${escapeCell(s.label)} is ${s.value}**: ${escapeCell(s.result.reason ?? 'no finite value (no reason recorded)')}`,
      ),
    );
  }
  const defs = defineIds.filter((id) => v.byId.has(id));
  if (defs.length)
    rows.push(
      '',
      '**Definitions** (also in docs/scores.md)',
      '',
      ...defs.map((id) => `- **${escapeCell(SCORES[id].label)}**: ${SCORES[id].formula}`),
    );
  rows.push(
    '',
    `_${settingsSummary(report.settings)} · backend ${report.backend} · total ${formatElapsed(report.totalMs)}. Definitions: docs/scores.md._`,
  );
  return rows.join('\n');
}

/** `of 14,322 PTB cells`: a population's cells and dataset. */
export function populationCells(p: Pick<Population, 'nCells' | 'dataset'>): string {
  return `of ${formatInteger(p.nCells)} ${p.dataset} cells`;
}

/**
 * The status-bar and table text of a prediction (the prediction lens's longest title): `predicted test loss 4.93
 * [4.71, 5.18] · top 20%`; from a user's calibration it names the dataset, `predicted PTB test loss 4.61 …`.
 */
export function predictionText(p: PredictionVerdict): string {
  return `predicted ${p.calibrated ? `${p.dataset} ` : ''}test loss ${p.lossText} · ${p.topText}`;
}

/**
 * The prediction lens, longest first: `predicted test loss 4.93 [4.71, 5.18] · top 20%`, `predicted 4.93 [4.71,
 * 5.18]`, `predicted 4.93`. From a user's calibration every title names its dataset (`predicted PTB 4.61`): beside
 * a benchmark lens of another dataset's measured loss, a bare number would read as the same dataset's. `preset`:
 * given for a report at other settings than the current ones, every title names it, as the CLI writes it
 * (`predicted 4.93 (proxy)`).
 */
export function predictionLensTitles(p: PredictionVerdict, preset?: string): string[] {
  const of = p.calibrated ? `${p.dataset} ` : '';
  const titles = [predictionText(p), `predicted ${of}${p.lossText}`, `predicted ${of}${formatPredictedLoss(p.loss)}`];
  return [...new Set(titles)].map((t) => `$(target) ${t}${preset ? ` (${preset})` : ''}`);
}

/** Tooltip of the prediction lens: what the number rests on. */
export function predictionTooltip(p: PredictionVerdict): string {
  return `Predicted ${p.dataset} test loss from the train-free scores (${p.preset} preset) and the cell's structure; 80 % interval from cross-validated residuals${p.cvTau !== undefined ? `; cross-validated τ ${formatStat(p.cvTau, 2)}` : ''}.`;
}

/**
 * Where the predicted loss would rank among the benchmark's trained cells, in counts: `would rank 1 of 258 trained
 * benchmark cells`. (A share, "better than 100 % of the 258", reads wrong for a benchmark cell, which is one of them.)
 */
export function predictedRankText(p: Pick<PredictionVerdict, 'percentile' | 'nCells'>): string {
  const worse = Math.round((p.percentile * p.nCells) / 100);
  const rank = p.nCells - worse + 1;
  return rank > p.nCells
    ? `below all ${p.nCells} trained benchmark cells`
    : `would rank ${rank} of ${p.nCells} trained benchmark cells`;
}

/** Hover Markdown of a prediction: the number with its interval and what it rests on. */
export function predictionMarkdown(p: PredictionVerdict): string {
  const cv =
    p.cvTau !== undefined
      ? ` Cross-validated Kendall τ ${formatStat(p.cvTau)} between predicted and true test loss (folds by canonical cell).`
      : '';
  const missing = p.missing.length ? ` Imputed (missing or NaN): ${p.missing.join(', ')}.` : '';
  return (
    `**Predicted ${p.dataset} test loss: ${p.lossText}**${Number.isFinite(p.lo) && Number.isFinite(p.hi) ? ' (80 % interval)' : ''}, ${predictedRankText(p)} (${p.topText}). ` +
    `_From this cell's train-free scores (${p.preset} preset) and its structure, by a model trained on the benchmark (docs/predictor.md).${cv}${missing}_`
  );
}

/**
 * The verdict in the cell hover, two lines: the predicted loss with its interval and population, then the chosen
 * scores (at most three) with their percentiles. The table, the reasons and the definitions are in the full report.
 * `otherThan` as in {@link scoreLensTitles}: a line above them says at which settings they are, and how to score at
 * the current ones.
 */
export function verdictHoverMarkdown(v: CellVerdict, show: readonly ScoreId[], otherThan?: ScoreSettings): string {
  const lines: string[] = [];
  if (otherThan)
    lines.push(
      `**Train-free scores · ${notCurrentText(v.report.settings, otherThan)}** — _${notCurrentLine(v.report.settings, otherThan)}_`,
    );
  const p = v.prediction;
  if (p)
    lines.push(
      `**Predicted ${p.dataset} test loss: ${p.lossText}**${Number.isFinite(p.lo) && Number.isFinite(p.hi) ? ' (80 % interval)' : ''} · ${p.topText} of ${formatInteger(p.nCells)} trained cells`,
    );
  const chosen = show.map((id) => v.byId.get(id)).filter((s) => s !== undefined);
  const best = (chosen.length ? chosen : v.scores).slice(0, 3);
  const more = v.scores.length - best.length;
  lines.push(
    best
      .map(
        (s) =>
          `${escapeCell(s.label)} **${s.value}**${s.percentileText === undefined ? '' : ` (${s.percentileText} pct)`}`,
      )
      .join(' · ') +
      (more > 0 ? ` · ${more} more` : '') +
      (v.population
        ? ` — _percentiles ${v.population.text}_`
        : ` — _${presetLabel(v.report.settings)}, no reference population_`),
  );
  return lines.join('\n\n');
}

/** Hover line while no scores exist for the cell. */
export function notScoredMarkdown(trusted: boolean): string {
  return trusted
    ? '_Not scored yet: run **Cell Lens: Score This Cell** (or click the `Score` lens)._'
    : '_Scoring is disabled in an untrusted workspace (it runs TensorFlow.js on the cell in a child process)._';
}

/** What each score's per-node quantity is, for the node hover. */
const PER_NODE_MEANING: Partial<Record<ScoreId, string>> = {
  params: 'parameters of this node (all layers)',
  grad_norm: "‖∂L/∂θ‖ of this node's weights",
  snip: "Σ|g⊙θ| of this node's weights",
  synflow: 'share of the synaptic flow',
  naswot: 'activation-pattern diversity (mean normalised Hamming distance between inputs)',
  ntk_trace: 'share of the NTK trace',
};

/** Markdown lines for one node: every per-node quantity the report has for it (none → undefined). */
export function nodeScoreMarkdown(report: ScoreReport, node: string): string | undefined {
  const rows = report.results
    .filter((r) => r.perNode && Object.prototype.hasOwnProperty.call(r.perNode, node))
    .map((r) => {
      const v = r.perNode![node];
      const shown = formatValue(v, valueKind(r.id), true);
      return `| ${escapeCell(SCORES[r.id].label)} | ${escapeCell(shown)} | ${escapeCell(PER_NODE_MEANING[r.id] ?? 'per-node part of the score')} |`;
    });
  if (!rows.length) return undefined;
  return [
    "**This node in the scores** (also the graph's heat-map)",
    '',
    '| score | value | what |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}
