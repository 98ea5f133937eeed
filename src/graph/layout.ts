/**
 * Graph model → layout: node centres and edge polylines with dagre (top to bottom), the edges re-routed through the
 * gaps between node rows, and the measure of edges that run through node boxes. Pure (no `vscode`, no DOM); runs
 * on the extension host (the webview bundle never imports it: it draws the layout it receives).
 */
import type { Cell } from '../recipe/types';
import { drawnBox, segmentCrossesBox, type Box, type Point } from './geometry';
import { buildGraphModel, type GraphModel, type GraphModelOptions } from './model';

// @dagrejs/dagre ships ESM typings only, while this package compiles as CommonJS: load the CommonJS build
// (dist/dagre.cjs) at run time; esbuild bundles it either way. Its typings are of no use here: their extensionless
// relative imports do not resolve under Node16 resolution, so `graphlib` came out `any`. The part used here:
interface DagreGraph {
  setGraph(label: {
    rankdir: 'TB';
    nodesep: number;
    ranksep: number;
    edgesep: number;
    marginx: number;
    marginy: number;
  }): void;
  setDefaultEdgeLabel(label: () => object): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(v: string, w: string, label: { weight: number; minlen: number }, name: string): void;
  /** A node's label; `layout` sets its centre. */
  node(id: string): Point;
  /** An edge's label; `layout` sets its polyline. */
  edge(v: string, w: string, name: string): { points?: Point[] } | undefined;
}
interface Dagre {
  graphlib: { Graph: new (options: { multigraph: boolean }) => DagreGraph };
  layout(g: DagreGraph, options: { disableOptimalOrderHeuristic: boolean }): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dagre = require('@dagrejs/dagre') as Dagre;
/** Positions for a GraphModel: node centres and edge polylines, in graph coordinates (origin top left). */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  /** Node id → centre. Node width/height are on the model. */
  readonly nodes: Readonly<Record<string, Point>>;
  /** Edge id → polyline from source to target (≥ 2 points). */
  readonly edges: Readonly<Record<string, readonly Point[]>>;
}

/** Layout tuning. */
export interface LayoutOptions {
  readonly nodesep?: number;
  readonly ranksep?: number;
  readonly margin?: number;
  /**
   * `gaps` (default): edges cross node rows vertically and bend between rows (routeThroughGaps); `dagre`:
   * dagre's own polylines (kept to measure the difference, see bench/graph.ts).
   */
  readonly routing?: 'gaps' | 'dagre';
}

const TOP = '\u0000top';
const BOTTOM = '\u0000bottom';

/**
 * Layered layout with dagre (top to bottom). Inputs are pinned to the first rank, outputs pulled to the last;
 * back edges and recurrence edges are laid out reversed (so the graph is acyclic) and their points reversed
 * again, so every polyline runs from its source to its target. Never throws: on an internal dagre failure it
 * falls back to a simple grid.
 */
export function layoutGraph(model: GraphModel, options: LayoutOptions = {}): GraphLayout {
  try {
    return dagreLayout(model, options);
  } catch {
    return gridLayout(model, options);
  }
}

function dagreLayout(model: GraphModel, options: LayoutOptions): GraphLayout {
  const margin = options.margin ?? 24;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({
    rankdir: 'TB',
    nodesep: options.nodesep ?? 28,
    ranksep: options.ranksep ?? 44,
    edgesep: 14,
    marginx: 0,
    marginy: 0,
  });
  g.setDefaultEdgeLabel(() => ({}));
  if (model.nodes.length === 0) return { width: 2 * margin, height: 2 * margin, nodes: {}, edges: {} };
  for (const n of model.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  const reversed = new Set<string>();
  for (const e of model.edges) {
    if (e.kind === 'recurrence') continue;
    if (e.kind === 'back') {
      reversed.add(e.id);
      g.setEdge(e.target, e.source, { weight: 1, minlen: 1 }, e.id);
    } else {
      g.setEdge(e.source, e.target, { weight: 2, minlen: 1 }, e.id);
    }
  }
  // Pin inputs to the top, pull outputs (and other sinks) down.
  g.setNode(TOP, { width: 0, height: 0 });
  g.setNode(BOTTOM, { width: 0, height: 0 });
  const hasOut = new Set<string>();
  for (const e of model.edges) if (e.kind === 'data') hasOut.add(e.source);
  for (const n of model.nodes) {
    if (n.kind === 'input') g.setEdge(TOP, n.id, { weight: 50, minlen: 1 }, 'pin');
    // Sinks go to the bottom: outputs firmly, dead ends lightly. (Only sinks: every other pin edge would add a
    // chain of dummy nodes for dagre to order.)
    if (n.kind === 'op' && !hasOut.has(n.id))
      g.setEdge(n.id, BOTTOM, { weight: n.outputIndex !== undefined ? 20 : 1, minlen: 1 }, 'pin');
  }
  // Recurrence: laid out as h_prev_i → h_new_i (downwards), then reversed. Light weight: it should not pull.
  for (const e of model.edges) {
    if (e.kind !== 'recurrence') continue;
    reversed.add(e.id);
    g.setEdge(e.target, e.source, { weight: 0, minlen: 1 }, e.id);
  }
  // dagre 3's "optimal order heuristic" was both slower (~2×) and gave more crossings on the NAS-Bench-NLP cells
  // (815 vs 253 segment crossings over 72 cells), so it is off.
  dagre.layout(g, { disableOptimalOrderHeuristic: true });

  // Bounds of the real nodes and edges (the helper nodes are dropped).
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  const grow = (x: number, y: number, hw = 0, hh = 0): void => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    minX = Math.min(minX, x - hw);
    maxX = Math.max(maxX, x + hw);
    minY = Math.min(minY, y - hh);
    maxY = Math.max(maxY, y + hh);
  };
  for (const n of model.nodes) {
    const p = g.node(n.id);
    grow(p.x, p.y, n.width / 2, n.height / 2);
  }
  const boxOf = (id: string): Box => {
    const n = model.nodes.find((x) => x.id === id);
    const p = g.node(id);
    const hw = (n?.width ?? 0) / 2,
      hh = (n?.height ?? 0) / 2;
    return { x0: p.x - hw, x1: p.x + hw, y0: p.y - hh, y1: p.y + hh };
  };
  const bands = rankBands(model.nodes.map((n) => ({ y: g.node(n.id).y, h: n.height })));
  const rawEdges = new Map<string, Point[]>();
  for (const e of model.edges) {
    const v = reversed.has(e.id) ? e.target : e.source;
    const w = reversed.has(e.id) ? e.source : e.target;
    const lab = g.edge(v, w, e.id);
    let pts = (lab?.points ?? [])
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .map((p) => ({ x: p.x, y: p.y }));
    if (pts.length < 2) {
      const a = g.node(v),
        b = g.node(w);
      pts = [
        { x: a.x, y: a.y },
        { x: b.x, y: b.y },
      ];
    }
    if (e.source !== e.target && options.routing !== 'dagre') pts = routeThroughGaps(pts, boxOf(v), boxOf(w), bands);
    if (reversed.has(e.id)) pts.reverse();
    for (const p of pts) grow(p.x, p.y);
    rawEdges.set(e.id, pts);
  }
  if (!Number.isFinite(minX)) {
    minX = 0;
    minY = 0;
    maxX = 0;
    maxY = 0;
  }
  const dx = margin - minX,
    dy = margin - minY;
  const nodes: Record<string, Point> = {};
  for (const n of model.nodes) {
    const p = g.node(n.id);
    nodes[n.id] = { x: p.x + dx, y: p.y + dy };
  }
  const edges: Record<string, Point[]> = {};
  for (const [id, pts] of rawEdges) edges[id] = pts.map((p) => ({ x: p.x + dx, y: p.y + dy }));
  return { width: maxX - minX + 2 * margin, height: maxY - minY + 2 * margin, nodes, edges };
}

/**
 * The horizontal bands the node rows occupy: dagre gives every node of a rank the same centre y, so a band is
 * that y ± half the tallest node of the rank. Between two bands (the rank gap) there is no node box.
 */
export function rankBands(nodes: readonly { y: number; h: number }[]): Box[] {
  const byY = new Map<number, number>();
  for (const n of nodes) {
    if (!Number.isFinite(n.y) || n.h <= 0) continue;
    const y = Math.round(n.y * 100) / 100;
    byY.set(y, Math.max(byY.get(y) ?? 0, n.h));
  }
  return [...byY]
    .sort((a, b) => a[0] - b[0])
    .map(([y, h]) => ({ x0: -Infinity, x1: Infinity, y0: y - h / 2, y1: y + h / 2 }));
}

const EPS = 0.5;

/**
 * Re-route a dagre polyline so that it crosses node rows only vertically and bends only in the gaps between
 * rows. dagre separates an edge's dummy points from the nodes of their own rank, but the straight segments
 * between dummies of successive ranks (and between the source and the first dummy) are diagonal, and a
 * diagonal that runs through a row can clip a neighbour's box (319 such segments over the 345 WikiText-2
 * cells). Here:
 *  - the edge leaves the source through the bottom of its box (x kept inside the box) and goes straight down
 *    to the bottom of the source's row;
 *  - a dummy point inside a row becomes a vertical run through that row at the dummy's x (dagre keeps that
 *    x clear of the row's boxes);
 *  - the edge enters the target's row straight above its box and ends on the box's top edge.
 * The result is monotone in y, so the webview can draw it with a monotone curve that never leaves the
 * bounding box of two successive points: the drawn curve crosses rows vertically too. Upward polylines are
 * handled by reversing; a polyline between two nodes of the same row is returned as is.
 */
export function routeThroughGaps(pts: readonly Point[], src: Box, tgt: Box, bands: readonly Box[]): Point[] {
  if (pts.length < 2) return [...pts];
  const sy = (src.y0 + src.y1) / 2,
    ty = (tgt.y0 + tgt.y1) / 2;
  if (Math.abs(sy - ty) < EPS) return [...pts];
  if (sy > ty) return routeThroughGaps([...pts].reverse(), tgt, src, bands).reverse();
  const bandAt = (y: number): Box | undefined => bands.find((b) => y > b.y0 + EPS && y < b.y1 - EPS);
  const clampX = (x: number, b: Box): number => {
    const inset = Math.min(8, (b.x1 - b.x0) / 2);
    return Math.min(b.x1 - inset, Math.max(b.x0 + inset, x));
  };
  const inner = pts.slice(1, -1);
  const out: Point[] = [];
  const push = (p: Point): void => {
    const last = out[out.length - 1];
    if (last && p.y < last.y + EPS && Math.abs(p.x - last.x) < EPS) return; // duplicate
    if (last && p.y < last.y + EPS) return; // would not go down: keep the polyline monotone
    out.push(p);
  };
  const firstNext = inner[0] ?? pts[pts.length - 1];
  const start = { x: clampX(pts[0].y >= src.y1 - EPS ? pts[0].x : firstNext.x, src), y: src.y1 };
  push(start);
  const sb = bandAt(sy),
    tb = bandAt(ty);
  if (sb && sb.y1 > start.y + EPS) push({ x: start.x, y: sb.y1 });
  for (const p of inner) {
    const b = bandAt(p.y);
    if (b && (b === sb || b === tb)) continue; // (dagre puts no dummy in the rows of the edge's own ends)
    if (b) {
      push({ x: p.x, y: b.y0 });
      push({ x: p.x, y: b.y1 });
    } else push(p);
  }
  const lastIn = pts[pts.length - 1];
  const end = {
    x: clampX(lastIn.y <= tgt.y0 + EPS ? lastIn.x : (inner[inner.length - 1] ?? pts[0]).x, tgt),
    y: tgt.y0,
  };
  if (tb && tb.y0 < end.y - EPS) push({ x: end.x, y: tb.y0 });
  // A point at or below where the edge must end is dropped (the target's row starts there).
  while (out.length > 1 && end.y < out[out.length - 1].y + EPS) out.pop();
  out.push(end);
  return out.length >= 2 ? bendClearOfRows(out, bands) : [...pts];
}

/** How far (px) a bend stays from the node rows above and below its gap (an output's ring reaches 4 px out). */
export const BEND_CLEARANCE = 12;

/**
 * Keep the slanted segments of a downward polyline (which, routed, lie each in one gap between rows) at least
 * BEND_CLEARANCE from both rows: a segment that starts on a row's bottom or ends on a row's top first runs
 * vertically into the gap. Without it a shallow slant that ends on its target's top edge skims along that row,
 * through the out-rings of the outputs beside the target (the dashed recurrence edges over h_new_0 and h_new_2).
 * In a narrow gap the clearance is a third of the gap.
 */
function bendClearOfRows(pts: readonly Point[], bands: readonly Box[]): Point[] {
  const out: Point[] = [pts[0]];
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1],
      b = pts[i];
    if (Math.abs(a.x - b.x) > EPS) {
      const above = Math.max(-Infinity, ...bands.filter((r) => r.y1 <= a.y + EPS).map((r) => r.y1));
      const below = Math.min(Infinity, ...bands.filter((r) => r.y0 >= b.y - EPS).map((r) => r.y0));
      const gap = below - above;
      const clear = Number.isFinite(gap) ? Math.min(BEND_CLEARANCE, gap / 3) : BEND_CLEARANCE;
      const ya = Number.isFinite(above) ? Math.max(a.y, above + clear) : a.y;
      const yb = Number.isFinite(below) ? Math.min(b.y, below - clear) : b.y;
      if (ya < yb - EPS) {
        if (ya > a.y + EPS) out.push({ x: a.x, y: ya });
        if (yb < b.y - EPS) out.push({ x: b.x, y: yb });
      }
    }
    out.push(b);
  }
  return out;
}

/** One edge segment that runs through a node that is neither its source nor its target. */
export interface EdgeCrossing {
  readonly edge: string;
  readonly segment: number;
  readonly node: string;
}

/** How close (px) an edge may pass a node it does not connect to, measured from the node as drawn (ring included). */
export const EDGE_CLEARANCE = 2;

/**
 * Edge segments of `layout` that run through, or within {@link EDGE_CLEARANCE} of, the box a node other than the
 * edge's own ends is drawn in (an output's ring included: drawnBox). The measure of "edges kept out of node rows";
 * bench/graph.ts records it. Self-loops are skipped.
 */
export function edgeNodeCrossings(
  model: GraphModel,
  layout: GraphLayout,
  polylines: Readonly<Record<string, readonly Point[]>> = layout.edges,
): EdgeCrossing[] {
  const boxes = model.nodes.flatMap((n) => {
    const p = layout.nodes[n.id];
    return p ? [{ id: n.id, box: drawnBox(n, p) }] : [];
  });
  const out: EdgeCrossing[] = [];
  for (const e of model.edges) {
    if (e.source === e.target) continue;
    const pts = polylines[e.id] ?? [];
    for (let i = 1; i < pts.length; i++) {
      for (const b of boxes) {
        if (b.id === e.source || b.id === e.target) continue;
        if (segmentCrossesBox(pts[i - 1], pts[i], b.box, -EDGE_CLEARANCE))
          out.push({ edge: e.id, segment: i, node: b.id });
      }
    }
  }
  return out;
}

/** Fallback: nodes on a grid, straight edges. */
function gridLayout(model: GraphModel, options: LayoutOptions): GraphLayout {
  const margin = options.margin ?? 24;
  const cols = Math.max(1, Math.ceil(Math.sqrt(model.nodes.length)));
  const cw = Math.max(80, ...model.nodes.map((n) => n.width)) + 30;
  const ch = 80;
  const nodes: Record<string, Point> = {};
  model.nodes.forEach((n, i) => {
    nodes[n.id] = { x: margin + (i % cols) * cw + cw / 2, y: margin + Math.floor(i / cols) * ch + ch / 2 };
  });
  const edges: Record<string, Point[]> = {};
  for (const e of model.edges) {
    const a = nodes[e.source],
      b = nodes[e.target];
    if (a && b) edges[e.id] = [a, b];
  }
  const rows = Math.ceil(model.nodes.length / cols);
  return { width: cols * cw + 2 * margin, height: rows * ch + 2 * margin, nodes, edges };
}

/** A cell ready to draw: the model and its layout. */
export interface CellGraph {
  readonly model: GraphModel;
  readonly layout: GraphLayout;
}

/** buildGraphModel + layoutGraph. */
export function cellGraph(cell: Cell, options: GraphModelOptions & LayoutOptions = {}): CellGraph {
  const model = buildGraphModel(cell, options);
  return { model, layout: layoutGraph(model, options) };
}
