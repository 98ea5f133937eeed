/**
 * The pixel layout of a scatter plot of a score against the final test loss: scales, ticks, the drawn points and
 * the user's marks. Pure (d3-scale; no DOM, no Node, no `vscode`) and free of the score registry — the caller hands in
 * the score's label and direction — so the webview bundle (webview/plots.ts) carries no score module.
 */
import { scaleLinear, scaleLog } from 'd3-scale';
import { formatStat } from '../shared/format';
import type { ScoreId } from '../scoring/ids';

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

/** What the layout needs to know of the score: its label and measured direction (the registry's, scoring/types). */
export interface ScatterScore {
  readonly label: string;
  readonly better: 'higher' | 'lower';
}

/** The x axis label of a score: its label and its direction. */
export function scoreAxisLabel(s: ScatterScore): string {
  return s.better === 'higher' ? `${s.label} (higher is better →)` : `${s.label} (← lower is better)`;
}

/** Pixel layout of a scatter plot (see the module comment). */
export function scatterLayout(spec: ScatterSpec, score: ScatterScore): ScatterLayout {
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

  const omitted: string[] = [];
  if (omittedLoss) omitted.push(`${omittedLoss} diverged`);
  if (omittedScore) omitted.push(`${omittedScore} with a NaN/∞ score`);
  return {
    width,
    height,
    area,
    title: `${score.label} vs test loss: τ = ${formatStat(spec.tau)}, ρ = ${formatStat(spec.rho)}`,
    subtitle: `${spec.dataset ? `${spec.dataset} · ` : ''}${finite.length} cells${omitted.length ? ` · not shown: ${omitted.join(', ')}` : ''}`,
    xLabel: scoreAxisLabel(score) + (xLog ? ', log scale' : ''),
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

/** A pixel position rounded to 1/100 px (the SVG text stays short). */
export const round = (v: number): number => Math.round(v * 100) / 100;
