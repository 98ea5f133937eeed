/**
 * Where a cell graph goes in its panel: whether the side panel sits beside the graph, the drawing area the overlays
 * (heat-map legend, overview) leave, the Fit transform and the opening view, the corner of the overview and the
 * place of the legend. Pure (no DOM): screen pixels of the stage, origin top left; graph sizes are the layout's
 * (src/graph/layout.ts). The webview (webview/graph/) measures and applies; the tests check the numbers.
 */

export interface Size {
  readonly w: number;
  readonly h: number;
}

/** A rectangle of the stage (screen px). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A zoom transform: screen = graph × k + (x, y). */
export interface Transform {
  readonly k: number;
  readonly x: number;
  readonly y: number;
}

/** A graph's extent (its layout's width and height). */
export interface GraphSize {
  readonly width: number;
  readonly height: number;
}

/** The largest zoom Fit uses (a 4-node cell is not blown up to fill a big panel). */
export const MAX_FIT_SCALE = 1.6;
/** The smallest zoom (d3-zoom's scale extent in webview/graph/zoom.ts). */
export const MIN_SCALE = 0.1;
/** The smallest zoom the opening view uses: node names stay ≥ 9 px (12 px × 0.75). */
export const READABLE_SCALE = 0.75;
/** Space (px) kept between an overlay and the stage's edge, and between an overlay and the graph. */
export const OVERLAY_MARGIN = 8;

/** Width (px) of the side panel as media/graph.css draws it (.cl-side: 230 + 2 × 12 padding + 1 border). */
export const SIDE_PANEL_WIDTH = 255;
/**
 * Panels narrower than this keep the side panel closed (a Details toggle opens it): beside it the graph would get
 * less than 600 px, the width of the LSTM at 1:1. A half-width panel of a 1600-px window (626 px) gives the graph
 * all its width.
 */
export const SIDE_PANEL_BREAKPOINT = 860;

/** Whether the side panel is open in a panel `panelWidth` wide: the user's toggle if any, else by the breakpoint. */
export function sidePanelOpen(panelWidth: number, choice?: boolean): boolean {
  return choice ?? panelWidth >= SIDE_PANEL_BREAKPOINT;
}

/** `graph` whole and centred in `area`, at most MAX_FIT_SCALE (at least MIN_SCALE). */
export function fitTransform(graph: GraphSize, area: Rect): Transform {
  const k = Math.max(
    MIN_SCALE,
    Math.min(MAX_FIT_SCALE, area.w / Math.max(1, graph.width), area.h / Math.max(1, graph.height)),
  );
  return { k, x: area.x + (area.w - graph.width * k) / 2, y: area.y + (area.h - graph.height * k) / 2 };
}

/**
 * The part of the stage the graph is fitted into: each overlay (a rectangle at an edge of the stage, such as the
 * heat-map legend at the bottom left) is cut away either as a strip along the top or bottom edge or as a column along
 * the left or right edge, whichever lets `graph` be fitted larger.
 */
export function drawingArea(stage: Size, graph: GraphSize, overlays: readonly Rect[]): Rect {
  let best: { area: Rect; k: number } | undefined;
  for (let mask = 0; mask < 1 << overlays.length; mask++) {
    let x0 = 0,
      y0 = 0,
      x1 = stage.w,
      y1 = stage.h;
    overlays.forEach((o, i) => {
      if (mask & (1 << i)) {
        // A column: left or right of the overlay, whichever side of the stage it is on.
        if (o.x + o.w / 2 > stage.w / 2) x1 = Math.min(x1, o.x - OVERLAY_MARGIN);
        else x0 = Math.max(x0, o.x + o.w + OVERLAY_MARGIN);
      } else if (o.y + o.h / 2 > stage.h / 2) y1 = Math.min(y1, o.y - OVERLAY_MARGIN);
      else y0 = Math.max(y0, o.y + o.h + OVERLAY_MARGIN);
    });
    const area = { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };
    const k = fitTransform(graph, area).k;
    if (!best || k > best.k + 1e-9) best = { area, k };
  }
  return best?.area ?? { x: 0, y: 0, w: stage.w, h: stage.h };
}

/** What Fit (the toolbar's button, the 0 key) shows: the whole graph in the area the overlays leave. */
export function fitView(graph: GraphSize, stage: Size, overlays: readonly Rect[] = []): Transform {
  return fitTransform(graph, drawingArea(stage, graph, overlays));
}

/**
 * The view a cell opens at: Fit, when the graph is readable fitted whole (names ≥ 9 px); else the readable scale
 * from the top (pan down for the rest), centred in the width left of the overview (`overview`, shown then at the
 * top right) when it fits there, else centred in the stage.
 */
export function openingView(graph: GraphSize, stage: Size, overview: Size, overlays: readonly Rect[] = []): Transform {
  const area = drawingArea(stage, graph, overlays);
  const fit = fitTransform(graph, area);
  if (fit.k >= READABLE_SCALE) return fit;
  const k = READABLE_SCALE;
  const w = graph.width * k,
    h = graph.height * k;
  const beside = area.w - overview.w - 2 * OVERLAY_MARGIN;
  const x = w <= beside ? area.x + (beside - w) / 2 : area.x + (area.w - w) / 2;
  const y = h <= area.h ? area.y + (area.h - h) / 2 : area.y + OVERLAY_MARGIN;
  return { k, x, y };
}

/** Largest size (px) of the overview's map, and its frame (padding and border, media/graph.css .cl-minimap). */
export const OVERVIEW_MAX: Size = { w: 140, h: 180 };
export const OVERVIEW_FRAME = 8;

/** The scale of the overview's map of `graph` and the overview's size on screen (frame included). */
export function overviewSize(graph: GraphSize): { scale: number; size: Size } {
  const scale = Math.min(OVERVIEW_MAX.w / Math.max(1, graph.width), OVERVIEW_MAX.h / Math.max(1, graph.height));
  return {
    scale,
    size: { w: Math.ceil(graph.width * scale) + OVERVIEW_FRAME, h: Math.ceil(graph.height * scale) + OVERVIEW_FRAME },
  };
}

export type Corner = 'top-right' | 'bottom-right' | 'bottom-left' | 'top-left';
const CORNERS: readonly Corner[] = ['top-right', 'bottom-right', 'top-left', 'bottom-left'];

/** The rectangle of an overlay of `size` in `corner` of the stage. */
export function cornerRect(stage: Size, size: Size, corner: Corner): Rect {
  const right = corner.endsWith('right'),
    bottom = corner.startsWith('bottom');
  return {
    x: right ? stage.w - OVERLAY_MARGIN - size.w : OVERLAY_MARGIN,
    y: bottom ? stage.h - OVERLAY_MARGIN - size.h : OVERLAY_MARGIN,
    w: size.w,
    h: size.h,
  };
}

const overlaps = (a: Rect, b: Rect): boolean =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The smaller sizes the overview tries when no corner is free at full size. */
const OVERVIEW_SHRINK = [1, 0.6];

/**
 * Where the overview goes: the first corner of the stage (the current one first, then top right, bottom right, top
 * left, bottom left) where it covers no node (`nodes`: their boxes on screen) and no other overlay (`avoid`), at
 * full size or else at 60 %; undefined when every corner is taken (the overview stays hidden: it must not cover the
 * graph).
 */
export function placeOverview(
  stage: Size,
  size: Size,
  nodes: readonly Rect[],
  avoid: readonly Rect[] = [],
  current?: Corner,
): { corner: Corner; shrink: number; rect: Rect } | undefined {
  const order = current ? [current, ...CORNERS.filter((c) => c !== current)] : CORNERS;
  for (const shrink of OVERVIEW_SHRINK) {
    const s = { w: Math.ceil(size.w * shrink), h: Math.ceil(size.h * shrink) };
    if (s.w + 2 * OVERLAY_MARGIN > stage.w || s.h + 2 * OVERLAY_MARGIN > stage.h) continue;
    for (const corner of order) {
      const rect = cornerRect(stage, s, corner);
      if (!nodes.some((n) => overlaps(n, rect)) && !avoid.some((o) => overlaps(o, rect)))
        return { corner, shrink, rect };
    }
  }
  return undefined;
}

/** The gradient bar of the heat-map legend: at most 180 px, narrower in a narrow stage (at least 60 px). */
export function legendBarWidth(stageWidth: number): number {
  return Math.max(60, Math.min(180, stageWidth - 2 * OVERLAY_MARGIN - 60));
}

/**
 * The heat-map legend's place: at the bottom left of the stage, inside it (moved up as far as needed); a legend
 * larger than the stage is drawn smaller (`scale` < 1, from its top left corner) so that it still fits. `rect` is
 * what it covers.
 */
export function placeLegend(stage: Size, legend: Size): { rect: Rect; scale: number } {
  const scale = Math.min(
    1,
    (stage.w - 2 * OVERLAY_MARGIN) / Math.max(1, legend.w),
    (stage.h - 2 * OVERLAY_MARGIN) / Math.max(1, legend.h),
  );
  const w = legend.w * Math.max(0, scale),
    h = legend.h * Math.max(0, scale);
  return {
    rect: { x: OVERLAY_MARGIN, y: Math.max(OVERLAY_MARGIN, stage.h - OVERLAY_MARGIN - h), w, h },
    scale: Math.max(0, scale),
  };
}
