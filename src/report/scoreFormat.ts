/**
 * Text of the score surfaces (CodeLens titles and tooltips, hover Markdown, status bar), as pure functions so
 * they are unit-tested without VS Code. NaN and ±∞ are always shown as such, with their reason, never as a
 * number. No `vscode` import.
 */
import { SCORES, type ScoreId, type ScoreReport, type ScoreResult, type ScoreSettings } from '../scoring/types';
import { presetOf } from '../scoring/presets';
import { REFERENCE, evidenceOf, percentileOf, referencePresetFor } from '../scoring/reference';
import { compactCount } from './format';

/** A score value for display: 3 significant digits, exponent form outside [0.01, 10^5); NaN/∞ as words. */
export function formatScore(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-2) {
    const [m, e] = v.toExponential(1).split('e');
    return `${m}e${Number(e)}`;
  }
  if (Number.isInteger(v) && a < 1e5) return String(v);
  return String(Number(v.toPrecision(a >= 100 ? 4 : 3)));
}

/** A result's value: parameter counts as `20.4M` (exact in the hover), other scores by {@link formatScore}. */
export function formatValue(r: ScoreResult, exact = false): string {
  if (r.id === 'params' && Number.isFinite(r.value))
    return exact ? r.value.toLocaleString('en-US') : compactCount(r.value);
  return formatScore(r.value);
}

/** `12.3 ± 0.4` (spread only when there were repeats and it is finite). */
export function formatWithSpread(r: ScoreResult, exact = false): string {
  const v = formatValue(r, exact);
  if (r.id === 'params') return v;
  return r.repeats > 1 && Number.isFinite(r.std) && Number.isFinite(r.value) ? `${v} ± ${formatScore(r.std)}` : v;
}

function durationText(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `82nd` (ordinal of a rounded percentile). */
export function ordinal(p: number): string {
  const n = Math.max(0, Math.min(100, Math.round(p)));
  const s =
    n % 100 >= 11 && n % 100 <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${s}`;
}

/** A result's percentile among the benchmark's trained cells scored at the same settings (undefined: no reference). */
export function resultPercentile(r: ScoreResult, settings: ScoreSettings): number | undefined {
  return percentileOf(r.id, r.value, settings);
}

/** Short preset name for lenses: `full size`, `proxy`, `custom`. */
export function presetLabel(s: ScoreSettings): string {
  const p = presetOf(s);
  return p === 'nas-bench-nlp' ? 'full size' : p === 'proxy' ? 'proxy' : 'custom size';
}

/**
 * The score lens: `HiddenCov −34.9 (82nd pct) · NASWOT 9.62 (40th) · TE-NAS κ 485 (70th) · proxy ▸ more` for the
 * chosen ids (those present); percentiles among the benchmark's trained cells when a reference exists.
 */
export function scoreLensTitle(report: ScoreReport, show: readonly ScoreId[]): string {
  const byId = new Map(report.results.map((r) => [r.id, r]));
  const shown = show.map((id) => byId.get(id)).filter((r): r is ScoreResult => !!r);
  const list = shown.length ? shown : report.results.slice(0, 3);
  const parts = list.map((r, i) => {
    const p = resultPercentile(r, report.settings);
    return `${SCORES[r.id].label} ${formatValue(r)}${p === undefined ? '' : ` (${ordinal(p)}${i === 0 ? ' pct' : ''})`}`;
  });
  const more = report.results.length > list.length ? ' ▸ more' : '';
  return `$(beaker) ${parts.join(' · ')} · ${presetLabel(report.settings)}${more}`;
}

/** Plain-text tooltip of the score lens: every score on one line with its direction. */
export function scoreLensTooltip(report: ScoreReport): string {
  const lines = report.results.map((r) => {
    const info = SCORES[r.id];
    const why = !Number.isFinite(r.value) && r.reason ? ` — ${r.reason}` : '';
    const p = resultPercentile(r, report.settings);
    return `${info.label}: ${formatWithSpread(r)}${p === undefined ? '' : `, ${ordinal(p)} percentile`} (${info.better} is better)${why}`;
  });
  return [
    ...lines,
    '',
    `${settingsSummary(report.settings)} · ${report.backend} · ${durationText(report.totalMs)}`,
    'Click for the details.',
  ].join('\n');
}

/** Lens while a cell is being scored. */
export function scoringLensTitle(done: number, total: number): string {
  const pct = total > 0 ? Math.round((100 * done) / total) : 0;
  return `$(sync~spin) scoring… ${pct}%`;
}

export { presetOf };

/** `NAS-Bench-NLP size (vocab 10000, embed 400, hidden 600, 3 layers, seq 35, batch 16) · seed 0 · 1 repeat`. */
export function settingsSummary(s: ScoreSettings): string {
  const preset = presetOf(s);
  const name = preset === 'nas-bench-nlp' ? 'NAS-Bench-NLP size' : preset === 'proxy' ? 'proxy size' : 'custom size';
  return `${name} (vocab ${s.vocab}, embed ${s.embed}, hidden ${s.hidden}, ${s.layers} layer${s.layers === 1 ? '' : 's'}, seq ${s.seqLen}, batch ${s.batch}) · seed ${s.seed} · ${s.repeats} repeat${s.repeats === 1 ? '' : 's'}`;
}

function escapeCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** `τ 0.371 [0.33, 0.41]`: a score's measured rank correlation with −test loss at the report's preset. */
export function evidenceText(id: ScoreId, settings: ScoreSettings): string | undefined {
  const e = evidenceOf(id, settings);
  if (!e || !Number.isFinite(e.tau)) return undefined;
  const f = (x: number) => (x < 0 ? '−' : '') + Math.abs(x).toFixed(2);
  return `τ ${f(e.tau)} [${f(e.tauLo)}, ${f(e.tauHi)}]`;
}

/**
 * Hover Markdown: a table of every score with value ± spread, its percentile among the benchmark's trained cells,
 * the measured direction with its evidence (Kendall τ vs −test loss), time and meaning; NaN reasons below.
 */
export function scoreHoverMarkdown(report: ScoreReport, defineIds: readonly ScoreId[] = []): string {
  const preset = referencePresetFor(report.settings);
  const rows = [
    '**Train-free scores**',
    '',
    '| score | value | percentile | better (evidence) | time | meaning |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of report.results) {
    const info = SCORES[r.id];
    const arrow = info.better === 'higher' ? '↑ higher' : '↓ lower';
    const ev = evidenceText(r.id, report.settings);
    const p = resultPercentile(r, report.settings);
    const shown =
      formatWithSpread(r, true) +
      (r.id === 'params' ? ` (vocab ${report.settings.vocab.toLocaleString('en-US')})` : '');
    rows.push(
      `| ${escapeCell(info.label)} | ${escapeCell(shown)} | ${p === undefined ? '—' : ordinal(p)} | ${arrow}${ev ? ` (${ev})` : ''} | ${durationText(r.wallMs)} | ${escapeCell(info.meaning)} |`,
    );
  }
  rows.push(
    '',
    preset
      ? `_Percentile: share of the ${REFERENCE.presets[preset]?.nCells ?? ''} trained WikiText-2 cells this cell scores better than, scored at the same settings (${preset} preset); τ = Kendall τ of the raw score vs −test loss over them, 95 % interval._`
      : '_No reference population for these settings: percentiles exist for the proxy and nas-bench-nlp presets with seed 0 and 1 repeat._',
  );
  const undefinedOnes = report.results.filter((r) => !Number.isFinite(r.value));
  if (undefinedOnes.length) {
    rows.push(
      '',
      ...undefinedOnes.map(
        (r) =>
          `- **${escapeCell(SCORES[r.id].label)} is ${formatScore(r.value)}**: ${escapeCell(r.reason ?? 'no finite value (no reason recorded)')}`,
      ),
    );
  }
  const defs = defineIds.filter((id) => report.results.some((r) => r.id === id));
  if (defs.length)
    rows.push(
      '',
      '**Definitions** (the lens scores; all: docs/scores.md)',
      '',
      ...defs.map((id) => `- **${escapeCell(SCORES[id].label)}**: ${SCORES[id].formula}`),
    );
  rows.push(
    '',
    `_${settingsSummary(report.settings)} · backend ${report.backend} · total ${durationText(report.totalMs)}. Definitions: docs/scores.md._`,
  );
  return rows.join('\n');
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
      const shown = r.id === 'params' && Number.isFinite(v) ? v.toLocaleString('en-US') : formatScore(v);
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
