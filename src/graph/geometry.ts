/**
 * Small geometry helpers of the graph layout, pure and dependency-free so the webview bundle can use them
 * without pulling in dagre (the layout, src/graph/layout.ts, uses them too).
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** An axis-aligned box (node bounds) in layout coordinates. */
export interface Box {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/**
 * How far the double outline of an output node reaches beyond its box (webview/graph/draw.ts draws it; the edge
 * routing keeps edges off it, src/graph/layout.ts).
 */
export const OUTPUT_RING = 4;

/** The box a node is drawn in around its centre `p`: its own box, and for an output the ring around it. */
export function drawnBox(
  n: { readonly width: number; readonly height: number; readonly outputIndex?: number },
  p: Point,
): Box {
  const ring = n.outputIndex !== undefined ? OUTPUT_RING : 0;
  const hw = n.width / 2 + ring,
    hh = n.height / 2 + ring;
  return { x0: p.x - hw, x1: p.x + hw, y0: p.y - hh, y1: p.y + hh };
}

/** Whether the polyline's y strictly increases or strictly decreases (drawn with a monotone curve, see webview/graph/draw.ts). */
export function isMonotoneY(pts: readonly Point[]): boolean {
  if (pts.length < 2) return false;
  const dir = Math.sign(pts[pts.length - 1].y - pts[0].y);
  if (dir === 0) return false;
  for (let i = 1; i < pts.length; i++) if (Math.sign(pts[i].y - pts[i - 1].y) !== dir) return false;
  return true;
}

/** Whether the segment a–b runs through the inside of box `b` (touching an edge does not count). */
export function segmentCrossesBox(a: Point, b: Point, box: Box, inset = 1): boolean {
  const x0 = box.x0 + inset,
    x1 = box.x1 - inset,
    y0 = box.y0 + inset,
    y1 = box.y1 - inset;
  if (x0 >= x1 || y0 >= y1) return false;
  let t0 = 0,
    t1 = 1;
  const dx = b.x - a.x,
    dy = b.y - a.y;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
    return true;
  };
  if (!clip(-dx, a.x - x0) || !clip(dx, x1 - a.x) || !clip(-dy, a.y - y0) || !clip(dy, y1 - a.y)) return false;
  return t1 - t0 > 1e-9;
}
