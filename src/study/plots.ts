/**
 * Scatter plots of a train-free score against the final test loss, as standalone SVG text (docs, export) and
 * as a layout the webview draws interactively (webview/plots.ts). Pure: d3-scale for the scales and ticks, no
 * DOM, no Node, no `vscode` — it runs in Node and in the webview bundle.
 *
 * One point per cell with a finite score and a finite loss (diverged cells have no loss and are not drawn; the
 * subtitle counts what was left out). The x axis is the raw score with its direction ("higher is better →");
 * a score whose finite values are all positive and span ≥ 3 decades is drawn on a log axis. The y axis is the
 * test loss (lower is better). The title carries τ and ρ (oriented: positive = the score ranks low-loss cells
 * first, see study.ts).
 */
import { scaleLinear, scaleLog } from 'd3-scale';
import { SCORES, type ScoreId } from '../scoring/types';
import { escapeMarkup } from '../shared/escape';
import { formatLoss, formatScore, formatStat } from '../shared/format';
import type { StudyRecord, StudyResult } from './study';

/** One cell of a plot. */
export interface ScatterPoint {
  /** Score value (raw, not oriented). */
  readonly x: number;
  /** Final test loss. */
  readonly y: number;
  readonly hash: string;
  readonly label: string;
}

/** What to plot. */
export interface ScatterSpec {
  readonly scoreId: ScoreId;
  readonly points: readonly ScatterPoint[];
  /** τ and ρ vs test loss (oriented); NaN / absent: not shown. */
  readonly tau?: number;
  readonly rho?: number;
  /** Dataset name for the subtitle. */
  readonly dataset?: string;
  readonly width?: number;
  readonly height?: number;
  /** x axis: 'auto' (default) picks log for positive scores spanning ≥ 3 decades. */
  readonly xScale?: 'auto' | 'linear' | 'log';
  /** Your cells (e.g. of the open file): drawn as labelled vertical lines at their score (their loss is unknown). */
  readonly marks?: readonly { readonly label: string; readonly x: number; readonly hash?: string }[];
}

/** A tick: value, pixel position, label. */
export interface Tick {
  readonly value: number;
  readonly pos: number;
  readonly label: string;
}

/** Everything needed to draw a plot, in pixels. */
export interface ScatterLayout {
  readonly width: number;
  readonly height: number;
  /** The plotting area. */
  readonly area: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  readonly title: string;
  readonly subtitle: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog: boolean;
  readonly xTicks: Tick[];
  readonly yTicks: Tick[];
  /** The drawn points (finite x and y), with pixel positions. */
  readonly points: (ScatterPoint & { readonly cx: number; readonly cy: number })[];
  /** Points left out: non-finite score / non-finite loss. */
  readonly omittedScore: number;
  readonly omittedLoss: number;
  /** The marks with finite scores, at their pixel x (clamped into the plot; `outside` when beyond the axis). */
  readonly marks: { readonly label: string; readonly x: number; readonly px: number; readonly outside: boolean }[];
}

const MARGIN = { left: 62, right: 18, top: 48, bottom: 48 };
const SUP: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** The x axis label of a score: its label and its direction. */
export function scoreAxisLabel(id: ScoreId): string {
  const s = SCORES[id];
  return s.better === 'higher' ? `${s.label} (higher is better →)` : `${s.label} (← lower is better)`;
}

/** Pixel layout of a scatter plot (see the module comment). */
export function scatterLayout(spec: ScatterSpec): ScatterLayout {
  const width = spec.width ?? 480;
  const height = spec.height ?? 360;
  const area = { left: MARGIN.left, top: MARGIN.top, right: width - MARGIN.right, bottom: height - MARGIN.bottom };
  const finite = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const omittedLoss = spec.points.filter((p) => !Number.isFinite(p.y)).length;
  const omittedScore = spec.points.filter((p) => Number.isFinite(p.y) && !Number.isFinite(p.x)).length;
  const xs = finite.map((p) => p.x);
  const ys = finite.map((p) => p.y);
  const xMin = xs.length ? Math.min(...xs) : 0,
    xMax = xs.length ? Math.max(...xs) : 1;
  const yMin = ys.length ? Math.min(...ys) : 0,
    yMax = ys.length ? Math.max(...ys) : 1;
  const wantLog = spec.xScale === 'log' || (spec.xScale !== 'linear' && xMin > 0 && xMax / xMin >= 1000);
  const xLog = wantLog && xMin > 0;
  const pad = (lo: number, hi: number): [number, number] =>
    lo === hi ? [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5] : [lo, hi];

  let xTicks: Tick[];
  let xPos: (v: number) => number;
  if (xLog) {
    const sx = scaleLog()
      .domain(xMin === xMax ? [xMin / 10, xMax * 10] : [xMin, xMax])
      .nice()
      .range([area.left, area.right]);
    const [d0, d1] = sx.domain();
    const e0 = Math.ceil(Math.log10(d0) - 1e-9),
      e1 = Math.floor(Math.log10(d1) + 1e-9);
    const step = Math.max(1, Math.ceil((e1 - e0 + 1) / 7));
    xTicks = [];
    for (let e = e0; e <= e1; e += step)
      xTicks.push({
        value: 10 ** e,
        pos: sx(10 ** e),
        label: `10${String(e)
          .split('')
          .map((c) => SUP[c] ?? c)
          .join('')}`,
      });
    xPos = (v) => sx(v);
  } else {
    const sx = scaleLinear().domain(pad(xMin, xMax)).nice(6).range([area.left, area.right]);
    const big = Math.max(Math.abs(sx.domain()[0]), Math.abs(sx.domain()[1])) >= 1e5;
    const fmt = sx.tickFormat(6, big ? '~s' : undefined);
    xTicks = sx.ticks(6).map((v) => ({ value: v, pos: sx(v), label: fmt(v).replace('-', '−') }));
    xPos = (v) => sx(v);
  }
  const sy = scaleLinear().domain(pad(yMin, yMax)).nice(6).range([area.bottom, area.top]);
  const fy = sy.tickFormat(6);
  const yTicks = sy.ticks(6).map((v) => ({ value: v, pos: sy(v), label: fy(v).replace('-', '−') }));

  const info = SCORES[spec.scoreId];
  const omitted: string[] = [];
  if (omittedLoss) omitted.push(`${omittedLoss} diverged`);
  if (omittedScore) omitted.push(`${omittedScore} with a NaN/∞ score`);
  return {
    width,
    height,
    area,
    title: `${info.label} vs test loss: τ = ${formatStat(spec.tau)}, ρ = ${formatStat(spec.rho)}`,
    subtitle: `${spec.dataset ? `${spec.dataset} · ` : ''}${finite.length} cells${omitted.length ? ` · not shown: ${omitted.join(', ')}` : ''}`,
    xLabel: scoreAxisLabel(spec.scoreId) + (xLog ? ', log scale' : ''),
    yLabel: 'final test loss (lower is better)',
    xLog,
    xTicks,
    yTicks,
    points: finite.map((p) => ({ ...p, cx: round(xPos(p.x)), cy: round(sy(p.y)) })),
    omittedScore,
    omittedLoss,
    marks: (spec.marks ?? [])
      .filter((m) => Number.isFinite(m.x) && (!xLog || m.x > 0))
      .map((m) => {
        const raw = xPos(m.x);
        const px = Math.min(area.right, Math.max(area.left, raw));
        return { label: m.label, x: m.x, px: round(px), outside: Math.abs(px - raw) > 0.5 };
      }),
  };
}

const round = (v: number): number => Math.round(v * 100) / 100;

/** Colours of a standalone SVG. */
export interface PlotColours {
  readonly background: string;
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly point: string;
}

export const LIGHT_COLOURS: PlotColours = {
  background: '#ffffff',
  foreground: '#1f2328',
  muted: '#59636e',
  grid: '#d1d9e0',
  point: '#0969da',
};
export const DARK_COLOURS: PlotColours = {
  background: '#1e1e1e',
  foreground: '#d4d4d4',
  muted: '#a0a0a0',
  grid: '#3c3c3c',
  point: '#3794ff',
};

/**
 * The plot as a standalone SVG document (UTF-8 text, no external resources). Each point is a `<circle>` with
 * a `<title>` tooltip (cell, score, loss); nothing else in the document is a circle.
 */
export function scatterSvg(spec: ScatterSpec, colours: PlotColours = LIGHT_COLOURS): string {
  const L = scatterLayout(spec);
  const { area } = L;
  const c = colours;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">`,
  );
  out.push(`<title>${escapeMarkup(L.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${L.width}" height="${L.height}" fill="${c.background}"/>`);
  out.push(
    `<text x="${L.width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600" fill="${c.foreground}">${escapeMarkup(L.title)}</text>`,
  );
  out.push(`<text x="${L.width / 2}" y="34" text-anchor="middle" fill="${c.muted}">${escapeMarkup(L.subtitle)}</text>`);
  // grid + ticks
  out.push(`<g stroke="${c.grid}" stroke-width="1">`);
  for (const t of L.xTicks)
    out.push(`<line x1="${round(t.pos)}" x2="${round(t.pos)}" y1="${area.top}" y2="${area.bottom}"/>`);
  for (const t of L.yTicks)
    out.push(`<line x1="${area.left}" x2="${area.right}" y1="${round(t.pos)}" y2="${round(t.pos)}"/>`);
  out.push('</g>');
  out.push(
    `<g stroke="${c.foreground}" stroke-width="1"><line x1="${area.left}" x2="${area.right}" y1="${area.bottom}" y2="${area.bottom}"/><line x1="${area.left}" x2="${area.left}" y1="${area.top}" y2="${area.bottom}"/></g>`,
  );
  out.push(`<g fill="${c.muted}">`);
  for (const t of L.xTicks)
    out.push(`<text x="${round(t.pos)}" y="${area.bottom + 14}" text-anchor="middle">${escapeMarkup(t.label)}</text>`);
  for (const t of L.yTicks)
    out.push(`<text x="${area.left - 6}" y="${round(t.pos) + 4}" text-anchor="end">${escapeMarkup(t.label)}</text>`);
  out.push('</g>');
  out.push(
    `<text class="x-label" x="${(area.left + area.right) / 2}" y="${L.height - 10}" text-anchor="middle" fill="${c.foreground}">${escapeMarkup(L.xLabel)}</text>`,
  );
  out.push(
    `<text class="y-label" transform="translate(14 ${(area.top + area.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="${c.foreground}">${escapeMarkup(L.yLabel)}</text>`,
  );
  out.push(`<g fill="${c.point}" fill-opacity="0.55" stroke="${c.point}" stroke-width="0.8">`);
  for (const p of L.points) {
    out.push(
      `<circle cx="${p.cx}" cy="${p.cy}" r="3"><title>${escapeMarkup(`${p.label} · ${SCORES[spec.scoreId].label} ${formatScore(p.x)} · test loss ${formatLoss(p.y)}`)}</title></circle>`,
    );
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The plot specs of a study: one per studied score, points from the records (raw score vs test loss). */
export function plotsFromStudy(
  records: readonly StudyRecord[],
  study: StudyResult,
  options: { dataset?: string; scores?: readonly ScoreId[] } = {},
): ScatterSpec[] {
  const ids = options.scores ?? study.rows.map((r) => r.id);
  return ids.map((id) => {
    const row = study.rows.find((r) => r.id === id);
    return {
      scoreId: id,
      points: records.map((r) => ({
        x: r.scores[id] ?? NaN,
        y: r.diverged ? NaN : r.testLoss,
        hash: r.hash,
        label: r.label ?? r.hash.slice(0, 12),
      })),
      ...(row ? { tau: row.test.tau.estimate, rho: row.test.rho.estimate } : {}),
      ...(options.dataset ? { dataset: options.dataset } : {}),
    };
  });
}

/** File name of a score's plot: `study-<id>.svg` (ids are [a-z_]). */
export function plotFileName(id: ScoreId): string {
  return `study-${id.replace(/[^a-z0-9_-]/gi, '')}.svg`;
}
