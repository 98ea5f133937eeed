/**
 * The pixel layout of a scatter plot of a score against the final test loss: scales, ticks, the drawn points and
 * the user's marks. Pure (d3-scale; no DOM, no Node, no `vscode`) and free of the score registry — the caller hands in
 * the score's label and direction — so the webview bundle (webview/plots.ts) carries no score module.
 *
 * The x axis is one of {@link XScale}: the raw score (linear), its logarithm (positive scores), a symmetric log
 * (sign · log10(1 + |x| / c), for heavy tails of either sign) or its rank (the percentile among the plotted cells:
 * evenly spread whatever the tail). 'auto' keeps the log axis for positive scores spanning ≥ 3 decades and takes
 * the rank axis when the linear (or log) axis would crowd the points ({@link isCrowded}). Every text the layout
 * places (tick labels, the marks' labels) is measured and kept inside the plot ({@link placeLabel}).
 */
import { scaleLinear, scaleLog, type ScaleLinear } from 'd3-scale';
import { formatScore, formatStat } from '../shared/format';
import type { ScoreId } from '../scoring/ids';

/** An x axis. */
export type XScale = 'rank' | 'linear' | 'symlog' | 'log';
/** An x axis or 'auto' ({@link resolveXScale}). */
export type XScaleChoice = 'auto' | XScale;
/** The axis choices, in the order a picker lists them, with their names. */
export const X_SCALE_CHOICES: readonly { readonly id: XScaleChoice; readonly label: string }[] = [
  { id: 'auto', label: 'auto' },
  { id: 'rank', label: 'rank (percentile)' },
  { id: 'linear', label: 'linear' },
  { id: 'symlog', label: 'symmetric log' },
  { id: 'log', label: 'log' },
];

/** Type guard: `v` is an {@link XScaleChoice}. */
export function isXScaleChoice(v: unknown): v is XScaleChoice {
  return X_SCALE_CHOICES.some((c) => c.id === v);
}

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
  /** x axis (default 'auto': see {@link resolveXScale}). */
  readonly xScale?: XScaleChoice;
  /** Your cells (e.g. of the open file): drawn as labelled vertical lines at their score (their loss is unknown). */
  readonly marks?: readonly { readonly label: string; readonly x: number; readonly hash?: string }[];
}

/** A tick: value, pixel position, label (centred at `labelX`, which stays inside the plot's width). */
export interface Tick {
  readonly value: number;
  readonly pos: number;
  readonly label: string;
  readonly labelX: number;
  /** What the tick is, when the label alone does not say (the rank axis: "25th percentile"). */
  readonly title?: string;
}

/** A placed label: its text (shortened with "…" only when the whole does not fit), x and anchor. */
export interface PlacedLabel {
  readonly text: string;
  /** The whole text (the tooltip when `text` is shortened). */
  readonly full: string;
  readonly x: number;
  readonly anchor: 'start' | 'middle' | 'end';
}

/** A drawn mark: one of your cells at its score. */
export interface LayoutMark {
  readonly label: string;
  readonly x: number;
  /** Pixel x, clamped into the plot; `outside` when beyond the axis (the label then ends in an arrow). */
  readonly px: number;
  readonly outside: boolean;
  /** Its label, placed inside the plotting area. */
  readonly text: PlacedLabel;
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
  /** The x axis drawn. */
  readonly xScale: XScale;
  readonly xLog: boolean;
  readonly xTicks: Tick[];
  readonly yTicks: Tick[];
  /** The drawn points (finite x and y), with pixel positions. */
  readonly points: (ScatterPoint & { readonly cx: number; readonly cy: number })[];
  /** Points left out: non-finite score / non-finite loss. */
  readonly omittedScore: number;
  readonly omittedLoss: number;
  /** The marks with finite scores (and, on a log axis, positive ones). */
  readonly marks: LayoutMark[];
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
const sup = (e: number): string =>
  String(e)
    .split('')
    .map((c) => SUP[c] ?? c)
    .join('');

/** What the layout needs to know of the score: its label and measured direction (the registry's, scoring/types). */
export interface ScatterScore {
  readonly label: string;
  readonly better: 'higher' | 'lower';
}

/** The x axis label of a score: its label and its direction. */
export function scoreAxisLabel(s: ScatterScore): string {
  return s.better === 'higher' ? `${s.label} (higher is better →)` : `${s.label} (← lower is better)`;
}

// ---- text ---------------------------------------------------------------------------------------------------

/** Width in pixels of a text at the plot's 11 px font. */
export type TextMeasure = (text: string) => number;

/** A generous estimate of a text's width at 11 px (0.62 em a character), for SVG files and tests. */
export const approxTextWidth: TextMeasure = (text) => [...text].length * 6.82;

/**
 * Places a label of `text` so that it lies inside [lo, hi]. 'middle': centred on `at`, moved inwards when it would
 * cross an end. 'after': starting `gap` px right of `at` (a marker line), else ending `gap` px left of it, else
 * (wider than either side) clamped inside. Shortened with "…" only when wider than hi − lo.
 */
export function placeLabel(
  text: string,
  anchorAt: number,
  lo: number,
  hi: number,
  measure: TextMeasure = approxTextWidth,
  mode: 'middle' | 'after' = 'middle',
  gap = 3,
): PlacedLabel {
  const room = Math.max(0, hi - lo);
  const at = Math.min(Math.max(anchorAt, lo), hi);
  let shown = text;
  let w = measure(shown);
  if (w > room) {
    const chars = [...text];
    let n = chars.length;
    do {
      n--;
      shown = n > 0 ? `${chars.slice(0, n).join('').trimEnd()}…` : '…';
      w = measure(shown);
    } while (n > 0 && w > room);
  }
  if (mode === 'middle') {
    const x = Math.min(Math.max(at, lo + w / 2), hi - w / 2);
    return { text: shown, full: text, x: round(w > room ? (lo + hi) / 2 : x), anchor: 'middle' };
  }
  if (at + gap + w <= hi) return { text: shown, full: text, x: round(Math.max(lo, at + gap)), anchor: 'start' };
  if (at - gap - w >= lo) return { text: shown, full: text, x: round(at - gap), anchor: 'end' };
  return { text: shown, full: text, x: round(Math.max(lo, Math.min(hi - w, at - w / 2))), anchor: 'start' };
}

/** The ticks whose labels (at `labelX`, `measure`d) do not run into the previous kept one's, `gap` px apart. */
function spaced(ticks: Tick[], measure: TextMeasure, gap = 6): Tick[] {
  const out: Tick[] = [];
  let right = -Infinity;
  for (const t of ticks) {
    const w = measure(t.label);
    if (t.labelX - w / 2 < right + gap) continue;
    out.push(t);
    right = t.labelX + w / 2;
  }
  return out;
}

// ---- axis math ----------------------------------------------------------------------------------------------

/** The share of the axis width {@link isCrowded} looks at, and the share of points that makes it crowded. */
export const CROWD_WINDOW = 0.05;
export const CROWD_SHARE = 0.5;
/** Fewer points than this are never called crowded (a rank axis says little about a handful of cells). */
export const CROWD_MIN_POINTS = 10;

/** The largest share of `ts` (positions on an axis) inside one window of `window` × their range (0 … 1). */
export function densestShare(ts: readonly number[], window = CROWD_WINDOW): number {
  const s = ts.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const w = (s[s.length - 1] - s[0]) * window;
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i] - s[j] > w) j++;
    best = Math.max(best, i - j + 1);
  }
  return best / s.length;
}

/**
 * Whether an axis through `ts` would crowd them: at least {@link CROWD_MIN_POINTS} points with a spread, and more
 * than {@link CROWD_SHARE} of them within {@link CROWD_WINDOW} of the axis (one heavy tail squeezes the rest).
 */
export function isCrowded(ts: readonly number[]): boolean {
  const f = ts.filter((v) => Number.isFinite(v));
  if (f.length < CROWD_MIN_POINTS || Math.min(...f) === Math.max(...f)) return false;
  return densestShare(f) > CROWD_SHARE;
}

/**
 * The axis of a choice for these (finite) score values. 'log' needs positive values (else symlog). 'auto': log for
 * positive values spanning ≥ 3 decades, else linear — and rank instead when that axis {@link isCrowded} the points.
 */
export function resolveXScale(choice: XScaleChoice, xs: readonly number[]): XScale {
  const f = xs.filter((v) => Number.isFinite(v));
  const lo = f.length ? Math.min(...f) : 0,
    hi = f.length ? Math.max(...f) : 1;
  if (choice === 'log') return lo > 0 ? 'log' : 'symlog';
  if (choice !== 'auto') return choice;
  const base: XScale = lo > 0 && hi / lo >= 1000 ? 'log' : 'linear';
  return isCrowded(base === 'log' ? f.map((v) => Math.log10(v)) : f) ? 'rank' : base;
}

/** Percentile ranks (0 … 100) of `xs` among themselves: ties share their mid-rank; one value: 50. NaN stays NaN. */
export function rankPercentiles(xs: readonly number[]): number[] {
  const idx = xs.map((_, i) => i).filter((i) => !Number.isNaN(xs[i]));
  idx.sort((a, b) => xs[a] - xs[b]);
  const n = idx.length;
  const out = xs.map(() => NaN);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && xs[idx[j + 1]] === xs[idx[i]]) j++;
    const mid = (i + j) / 2; // 0-based mid-rank of the tie group
    for (let k = i; k <= j; k++) out[idx[k]] = n > 1 ? (100 * mid) / (n - 1) : 50;
    i = j + 1;
  }
  return out;
}

/**
 * The percentile a value would have among `sorted` (ascending, finite), as {@link rankPercentiles} gives the
 * values themselves: a value equal to some shares their mid-rank; below the least 0, above the greatest 100.
 */
export function percentileAmong(sorted: readonly number[], v: number): number {
  const n = sorted.length;
  if (n === 0 || Number.isNaN(v)) return NaN;
  let below = 0;
  while (below < n && sorted[below] < v) below++;
  let eq = 0;
  while (below + eq < n && sorted[below + eq] === v) eq++;
  if (eq === 0) return below === 0 ? 0 : below === n ? 100 : (100 * (below - 0.5)) / (n - 1);
  return n > 1 ? (100 * (below + (eq - 1) / 2)) / (n - 1) : 50;
}

/** The value at percentile `p` (0 … 100) of `sorted` (ascending), linearly interpolated. */
export function quantileOf(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const at = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const i = Math.floor(at);
  return i + 1 < n ? sorted[i] + (sorted[i + 1] - sorted[i]) * (at - i) : sorted[n - 1];
}

/**
 * The constant c of the symmetric log of these values: the power of ten at or below the 10th percentile of the
 * non-zero |x| (so most points are in the logarithmic part); 1 when there is none.
 */
export function symlogConstant(xs: readonly number[]): number {
  const a = xs
    .filter((v) => Number.isFinite(v) && v !== 0)
    .map((v) => Math.abs(v))
    .sort((p, q) => p - q);
  if (!a.length) return 1;
  const c = 10 ** Math.floor(Math.log10(quantileOf(a, 10)));
  return c > 0 && Number.isFinite(c) ? c : 1;
}

/** sign(v) · log10(1 + |v| / c): monotone, linear near 0, logarithmic beyond c, finite for every finite v. */
export function symlog(v: number, c: number): number {
  const a = Math.abs(v) / c;
  const t = Number.isFinite(a) && a < 1e12 ? Math.log10(1 + a) : Math.log10(Math.abs(v)) - Math.log10(c);
  return v < 0 ? -t : t;
}

/** Round values of a linear scale and their labels (SI prefixes from 10⁵ on, a true minus). */
function linearTicks(sx: ScaleLinear<number, number>, count: number): { value: number; label: string }[] {
  const big = Math.max(Math.abs(sx.domain()[0]), Math.abs(sx.domain()[1])) >= 1e5;
  const fmt = sx.tickFormat(count, big ? '~s' : undefined);
  return sx.ticks(count).map((v) => ({ value: v, label: fmt(v).replace('-', '−') }));
}

/** A tick value of the rank axis: the score formatter's digits with a true minus. */
const tickValue = (v: number): string => formatScore(v).replace('-', '−');

/** "25th" for a percentile. */
const nth = (p: number): string =>
  p === 0 ? 'least value' : p === 100 ? 'greatest value' : `${p}th percentile${p === 50 ? ' (median)' : ''}`;

// ---- layout -------------------------------------------------------------------------------------------------

/** Pixel layout of a scatter plot (see the module comment); `measure` sizes the labels (the webview's font). */
export function scatterLayout(
  spec: ScatterSpec,
  score: ScatterScore,
  measure: TextMeasure = approxTextWidth,
): ScatterLayout {
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
  const kind = resolveXScale(spec.xScale ?? 'auto', xs);
  const pad = (lo: number, hi: number): [number, number] =>
    lo === hi ? [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5] : [lo, hi];
  const tick = (value: number, pos: number, label: string, title?: string): Tick => {
    const w = measure(label);
    const labelX = round(Math.min(Math.max(pos, 2 + w / 2), width - 2 - w / 2));
    return { value, pos, label, labelX, ...(title ? { title } : {}) };
  };

  let xTicks: Tick[];
  /** Pixel x of a point (its index among `finite`) and of any other value (a mark). */
  let pointX: (v: number, i: number) => number;
  let valueX: (v: number) => number;
  let suffix = '';
  if (kind === 'log') {
    const sx = scaleLog()
      .domain(xMin === xMax ? [xMin / 10, xMax * 10] : [xMin, xMax])
      .nice()
      .range([area.left, area.right]);
    const [d0, d1] = sx.domain();
    const e0 = Math.ceil(Math.log10(d0) - 1e-9),
      e1 = Math.floor(Math.log10(d1) + 1e-9);
    const step = Math.max(1, Math.ceil((e1 - e0 + 1) / 7));
    xTicks = [];
    for (let e = e0; e <= e1; e += step) xTicks.push(tick(10 ** e, sx(10 ** e), `10${sup(e)}`));
    valueX = (v) => sx(v);
    pointX = valueX;
    suffix = ', log scale';
  } else if (kind === 'symlog') {
    const c = symlogConstant(xs);
    const [t0, t1] = pad(symlog(xMin, c), symlog(xMax, c));
    const sx = scaleLinear().domain([t0, t1]).range([area.left, area.right]);
    valueX = (v) => sx(symlog(v, c));
    pointX = valueX;
    // 0 and ±10^e from c on inside the axis, every `step`-th so that at most 7 remain (0 kept).
    const t0i = Math.min(t0, t1) - 1e-9,
      t1i = Math.max(t0, t1) + 1e-9;
    const eC = Math.round(Math.log10(c));
    const eMax = Math.ceil(Math.log10(Math.max(Math.abs(xMin), Math.abs(xMax), c)));
    const all = [0];
    for (let e = eC; e <= eMax; e++) all.push(-(10 ** e), 10 ** e);
    const powers = all.filter((v) => symlog(v, c) >= t0i && symlog(v, c) <= t1i).sort((p, q) => p - q);
    const step = Math.ceil(powers.length / 7);
    const zero = Math.max(0, powers.indexOf(0));
    if (powers.length >= 3)
      xTicks = powers
        .filter((_v, i) => (i - zero) % step === 0)
        .map((v) => {
          const e = Math.round(Math.log10(Math.abs(v)));
          return tick(v, sx(symlog(v, c)), v === 0 ? '0' : `${v < 0 ? '−' : ''}10${sup(e)}`);
        });
    else {
      // Less than a few decades wide: the linear axis's round values (the scale is near-linear there).
      const lin = scaleLinear().domain(pad(xMin, xMax));
      xTicks = linearTicks(lin, 5)
        .filter((t) => symlog(t.value, c) >= t0i && symlog(t.value, c) <= t1i)
        .map((t) => tick(t.value, sx(symlog(t.value, c)), t.label));
    }
    suffix = `, symmetric log scale (linear within ±${tickValue(c)})`;
  } else if (kind === 'rank') {
    const sorted = [...xs].sort((a, b) => a - b);
    const pct = rankPercentiles(xs);
    const sx = scaleLinear().domain([0, 100]).range([area.left, area.right]);
    pointX = (_v, i) => sx(pct[i]);
    valueX = (v) => sx(percentileAmong(sorted, v));
    xTicks = [];
    for (const p of sorted.length > 1 ? [0, 25, 50, 75, 100] : sorted.length ? [50] : []) {
      const label = tickValue(quantileOf(sorted, p));
      if (xTicks.length && xTicks[xTicks.length - 1].label === label) continue;
      xTicks.push(tick(quantileOf(sorted, p), sx(p), label, nth(p)));
    }
    suffix = ', rank scale (ticks: least, quartiles, greatest)';
  } else {
    const sx = scaleLinear().domain(pad(xMin, xMax)).nice(6).range([area.left, area.right]);
    xTicks = linearTicks(sx, 6).map((t) => tick(t.value, sx(t.value), t.label));
    valueX = (v) => sx(v);
    pointX = valueX;
  }
  xTicks = spaced(xTicks, measure);
  const sy = scaleLinear().domain(pad(yMin, yMax)).nice(6).range([area.bottom, area.top]);
  const fy = sy.tickFormat(6);
  const yTicks = sy
    .ticks(6)
    .map((v) => ({ value: v, pos: sy(v), label: fy(v).replace('-', '−'), labelX: area.left - 6 }));

  const omitted: string[] = [];
  if (omittedLoss) omitted.push(`${omittedLoss} diverged`);
  if (omittedScore) omitted.push(`${omittedScore} with a NaN/∞ score`);
  return {
    width,
    height,
    area,
    title: `${score.label} vs test loss: τ = ${formatStat(spec.tau)}, ρ = ${formatStat(spec.rho)}`,
    subtitle: `${spec.dataset ? `${spec.dataset} · ` : ''}${finite.length} cells${omitted.length ? ` · not shown: ${omitted.join(', ')}` : ''}`,
    xLabel: scoreAxisLabel(score) + suffix,
    yLabel: 'final test loss (lower is better)',
    xScale: kind,
    xLog: kind === 'log',
    xTicks,
    yTicks,
    points: finite.map((p, i) => ({ ...p, cx: round(pointX(p.x, i)), cy: round(sy(p.y)) })),
    omittedScore,
    omittedLoss,
    marks: (spec.marks ?? [])
      .filter((m) => Number.isFinite(m.x) && (kind !== 'log' || m.x > 0))
      .map((m) => {
        const raw = valueX(m.x);
        const px = Math.min(area.right, Math.max(area.left, raw));
        // On the rank axis a value beyond the least / greatest sits on the end: outside it.
        const outside = Math.abs(px - raw) > 0.5 || (kind === 'rank' && (m.x < xMin || m.x > xMax));
        const arrow = outside ? (m.x < xMin ? ' ←' : ' →') : '';
        return {
          label: m.label,
          x: m.x,
          px: round(px),
          outside,
          text: placeLabel(m.label + arrow, px, area.left, area.right, measure, 'after'),
        };
      }),
  };
}

/** A pixel position rounded to 1/100 px (the SVG text stays short). */
export const round = (v: number): number => Math.round(v * 100) / 100;
