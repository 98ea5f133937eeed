/**
 * Cell → graph model → layout. Pure (no `vscode`, no DOM): the extension host builds the model and the
 * dagre layout, the webview only draws what it receives (see protocol.ts).
 *
 * Graph conventions:
 *  - cell inputs (`x`, `h_prev_i`) are sources pinned to the top rank; outputs (`h_new_i`) are pulled to the
 *    bottom (an `h_new_i` that feeds other nodes sits as low as its consumers allow);
 *  - an input that names nothing becomes a `missing` placeholder node (drawn dashed);
 *  - edges carry their operand index (blend operands are labelled a/b/c);
 *  - the recurrence `h_new_i → h_prev_i` is one dashed `recurrence` edge per state, routed by dagre like a
 *    normal edge from h_prev_i down to h_new_i and then reversed, so it never crosses a node box;
 *  - a cycle inside one time step is broken for layout: the closing edge is marked `back` (drawn reversed).
 */
import type * as DagreModule from '@dagrejs/dagre' with { 'resolution-mode': 'import' };
import type { Cell, Severity, Span } from '../recipe/types';
import { recipeInfo, toRecipe } from '../recipe/model';
import { segmentCrossesBox, type Box, type Point } from './geometry';
import { OPS, INPUT_X, hNewIndex, hPrevIndex, isCellInput, isOpName, type OpCategory } from '../recipe/ops';

/** Layer sizes used for the parameter count of `linear` nodes (NAS-Bench-NLP: embed 400, hidden 600; first layer). */
export interface GraphSizes {
  /** Size of the cell input `x` in the first layer (the embedding size). */
  readonly embed: number;
  /** Hidden-state size of the first layer. */
  readonly hidden: number;
}

/** NAS-Bench-NLP's first recurrent layer: x is the 400-d embedding, the hidden state is 600-d. */
export const DEFAULT_GRAPH_SIZES: GraphSizes = { embed: 400, hidden: 600 };

/** What a node is drawn as. `unknown` = op not in the op table; `input` = x / h_prev_i; `missing` = dangling reference. */
export type NodeCategory = OpCategory | 'input' | 'unknown' | 'missing';

export type NodeKind = 'input' | 'op' | 'missing';

/** A diagnostic shown on a node (from the parser/validator or found while building the graph). */
export interface NodeMarker {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
}

/** One node of the cell graph. */
export interface GraphNode {
  /** Unique within the graph: `in:<name>`, `n:<name>` or `missing:<name>`. */
  readonly id: string;
  /** The name as written in the recipe (`x`, `h_prev_0`, `f_act`, ...). */
  readonly name: string;
  readonly kind: NodeKind;
  /** The op as written (`''` for inputs and missing nodes). */
  readonly op: string;
  /** Short op label for drawing (`linear`, `tanh`, `⊙ prod`, ...). */
  readonly opLabel: string;
  readonly category: NodeCategory;
  /** `i` for `h_new_i` recipe nodes. */
  readonly outputIndex?: number;
  /** `i` for `h_prev_i` inputs. */
  readonly stateIndex?: number;
  /** Trainable parameters of a linear node (first layer sizes), else undefined. */
  readonly params?: number;
  /** Names of the operands, in order. */
  readonly inputs: readonly string[];
  /** Names of the nodes that read this node (each once). */
  readonly consumers: readonly string[];
  /** Where `reveal` selects: the key of an op node; the first reference of an input / missing node. */
  readonly span?: Span;
  /** The whole `{...}` value of an op node (used to find the node under the cursor). */
  readonly valueSpan?: Span;
  /** Does not contribute to any output (over time steps). */
  readonly dead: boolean;
  readonly markers: readonly NodeMarker[];
  /** Drawing size (also used by the layout). */
  readonly width: number;
  readonly height: number;
  /** Set by the compare view (src/compare): no counterpart in the other cell, drawn marked. */
  readonly onlyHere?: boolean;
}

export type EdgeKind = 'data' | 'recurrence' | 'back';

/** One edge: `source` feeds operand `operand` of `target`. Recurrence edges go from h_new_i to h_prev_i. */
export interface GraphEdge {
  readonly id: string;
  /** Node id. */
  readonly source: string;
  /** Node id. */
  readonly target: string;
  /** Operand position in the target's input list (-1 for recurrence edges). */
  readonly operand: number;
  /** `a`/`b`/`c` for blend operands. */
  readonly label?: string;
  readonly kind: EdgeKind;
  /** Set by the compare view (src/compare): no counterpart in the other cell, drawn marked. */
  readonly onlyHere?: boolean;
}

/** The graph of one cell, before layout. */
export interface GraphModel {
  readonly cellIndex: number;
  readonly label: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Total trainable parameters of the linear nodes (first layer). */
  readonly totalParams: number;
  /** Cell-level diagnostics that name no node (shown above the graph). */
  readonly cellMarkers: readonly NodeMarker[];
  readonly sizes: GraphSizes;
}

export type { Point, Box } from './geometry';
export { isMonotoneY, segmentCrossesBox } from './geometry';

/** Positions for a GraphModel: node centres and edge polylines, in graph coordinates (origin top left). */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  /** Node id → centre. Node width/height are on the model. */
  readonly nodes: Readonly<Record<string, Point>>;
  /** Edge id → polyline from source to target (≥ 2 points). */
  readonly edges: Readonly<Record<string, readonly Point[]>>;
}

/** Options of buildGraphModel. */
export interface GraphModelOptions {
  readonly sizes?: GraphSizes;
  /** Live recipe node names; `recipeInfo(toRecipe(cell)).liveNodes` when absent. */
  readonly liveNodes?: ReadonlySet<string>;
}

const OP_LABEL: Record<string, string> = {
  linear: 'linear',
  blend: 'blend',
  elementwise_prod: '⊙ prod',
  elementwise_sum: '⊕ sum',
  activation_tanh: 'tanh',
  activation_sigm: 'sigmoid',
  activation_leaky_relu: 'leaky ReLU',
};

const BLEND_LABELS = ['a', 'b', 'c'];

// @dagrejs/dagre ships ESM typings only, while this package compiles as CommonJS: take the types from the ESM
// declaration and load the CommonJS build (dist/dagre.cjs) at run time; esbuild bundles it either way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dagre = require('@dagrejs/dagre') as typeof DagreModule;

/** Approximate text width (px) of `s` at 12 px for box sizing; deliberately generous. */
function textWidth(s: string, px: number): number {
  let w = 0;
  for (const ch of s) w += /[A-Z_mwMW]/.test(ch) ? px * 0.72 : px * 0.58;
  return w;
}

function nodeSize(kind: NodeKind, name: string, opLabel: string): { width: number; height: number } {
  const nameW = textWidth(name, 12.5);
  const opW = textWidth(opLabel, 11);
  const pad = kind === 'op' ? 28 : 24;
  const width = Math.round(Math.min(260, Math.max(kind === 'op' ? 76 : 56, Math.max(nameW, opW) + pad)));
  const height = kind === 'op' ? 42 : 30;
  return { width, height };
}

/** Parameter count of a linear node: Σ (in_size × hidden) over inputs + hidden (bias). */
export function linearParams(inputs: readonly string[], sizes: GraphSizes = DEFAULT_GRAPH_SIZES): number {
  let p = sizes.hidden;
  for (const i of inputs) p += (i === INPUT_X ? sizes.embed : sizes.hidden) * sizes.hidden;
  return p;
}

/**
 * Fallback liveness (used only if recipeInfo fails). Live recipe nodes over time steps: everything h_new_0 depends on; and when a live node reads h_prev_i,
 * h_new_i and its ancestors are live too (fixed point). Input names are included when a live node reads them.
 */
export function computeLiveNodes(nodes: ReadonlyMap<string, readonly string[]>): Set<string> {
  const live = new Set<string>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    if (live.has(name)) return;
    live.add(name);
    stack.push(name);
  };
  if (nodes.has('h_new_0')) visit('h_new_0');
  while (stack.length > 0) {
    const n = stack.pop() as string;
    const i = hPrevIndex(n);
    if (i !== undefined) {
      const out = `h_new_${i}`;
      if (nodes.has(out)) visit(out);
      continue;
    }
    if (n === INPUT_X) continue;
    for (const inp of nodes.get(n) ?? []) visit(inp);
  }
  return live;
}

/**
 * Build the graph model of one cell. Never throws: unknown ops, dangling inputs, cycles, duplicate names and
 * empty cells all give a model (with markers where something is wrong).
 */
export function buildGraphModel(cell: Cell, options: GraphModelOptions = {}): GraphModel {
  const sizes = options.sizes ?? DEFAULT_GRAPH_SIZES;
  const recipeNodes = cell.nodes ?? [];
  const byName = new Map<string, (typeof recipeNodes)[number]>();
  for (const n of recipeNodes) byName.set(n.name, n);
  const inputsOf = new Map<string, string[]>();
  for (const n of byName.values())
    inputsOf.set(
      n.name,
      (n.inputs ?? []).map((r) => String(r.name)),
    );

  // Markers from the cell's diagnostics, per node name.
  const markersByName = new Map<string, NodeMarker[]>();
  const cellMarkers: NodeMarker[] = [];
  const addMarker = (name: string, m: NodeMarker): void => {
    const list = markersByName.get(name) ?? [];
    if (!list.some((x) => x.code === m.code && x.message === m.message)) list.push(m);
    markersByName.set(name, list);
  };
  for (const d of cell.diagnostics ?? []) {
    const m: NodeMarker = { code: d.code, severity: d.severity, message: d.message };
    if (d.nodes && d.nodes.length > 0) for (const n of d.nodes) addMarker(n, m);
    else cellMarkers.push(m);
  }

  let live: ReadonlySet<string>;
  try {
    live = options.liveNodes ?? recipeInfo(toRecipe(cell)).liveNodes;
  } catch {
    live = computeLiveNodes(inputsOf);
  }
  // An input is live when a live node reads it.
  const liveInput = (id: string): boolean => (consumers.get(id) ?? []).some((c) => live.has(c));

  // Resolve every reference: cell input, recipe node, or missing. A state input is drawn under its canonical
  // name (`h_prev_01` reads state 1, like `h_prev_1`; the input nodes below are named `h_prev_<i>`).
  const idOf = (ref: string): string => {
    const k = hPrevIndex(ref);
    return k !== undefined
      ? `in:h_prev_${k}`
      : isCellInput(ref)
        ? `in:${ref}`
        : byName.has(ref)
          ? `n:${ref}`
          : `missing:${ref}`;
  };

  const consumers = new Map<string, string[]>();
  const firstRef = new Map<string, Span>();
  const referenced = new Set<string>();
  for (const n of byName.values()) {
    for (const r of n.inputs ?? []) {
      const id = idOf(r.name);
      referenced.add(id);
      if (!firstRef.has(id)) firstRef.set(id, r.span);
      const c = consumers.get(id) ?? [];
      if (!c.includes(n.name)) c.push(n.name);
      consumers.set(id, c);
    }
  }

  const nodes: GraphNode[] = [];
  // Inputs: x first, then h_prev_i by index (those read, and those whose h_new_i exists).
  const stateIdx = new Set<number>();
  for (const id of referenced) {
    if (id.startsWith('in:')) {
      const i = hPrevIndex(id.slice(3));
      if (i !== undefined) stateIdx.add(i);
    }
  }
  for (const n of byName.values()) {
    const i = hNewIndex(n.name);
    if (i !== undefined) stateIdx.add(i);
  }
  const inputNames: string[] = [];
  if (referenced.has(`in:${INPUT_X}`)) inputNames.push(INPUT_X);
  for (const i of [...stateIdx].sort((a, b) => a - b)) inputNames.push(`h_prev_${i}`);
  for (const name of inputNames) {
    const id = `in:${name}`;
    const size = nodeSize('input', name, '');
    const si = hPrevIndex(name);
    nodes.push({
      id,
      name,
      kind: 'input',
      op: '',
      opLabel: name === INPUT_X ? 'input' : 'state',
      category: 'input',
      stateIndex: si,
      inputs: [],
      consumers: consumers.get(id) ?? [],
      span: firstRef.get(id),
      dead: !liveInput(id),
      markers: markersByName.get(name) ?? [],
      ...size,
    });
  }

  let totalParams = 0;
  for (const n of byName.values()) {
    const known = isOpName(n.op);
    const category: NodeCategory = known ? OPS[n.op as keyof typeof OPS].category : 'unknown';
    const inputs = inputsOf.get(n.name) ?? [];
    const markers = [...(markersByName.get(n.name) ?? [])];
    if (!known && !markers.some((m) => m.code === 'unknown-op' || m.code === 'missing-op')) {
      markers.push({
        code: 'unknown-op',
        severity: 'error',
        message: n.op ? `Unknown op "${n.op}".` : 'Node has no op.',
      });
    }
    const params = n.op === 'linear' ? linearParams(inputs, sizes) : undefined;
    if (params !== undefined) totalParams += params;
    const opLabel = known ? OP_LABEL[n.op] : n.op ? `? ${n.op}` : '? no op';
    nodes.push({
      id: `n:${n.name}`,
      name: n.name,
      kind: 'op',
      op: n.op,
      opLabel,
      category,
      outputIndex: hNewIndex(n.name),
      params,
      inputs,
      consumers: consumers.get(`n:${n.name}`) ?? [],
      span: n.keySpan,
      valueSpan: n.valueSpan,
      dead: !live.has(n.name),
      markers,
      ...nodeSize('op', n.name, opLabel),
    });
  }

  for (const id of referenced) {
    if (!id.startsWith('missing:')) continue;
    const name = id.slice('missing:'.length);
    const markers = [...(markersByName.get(name) ?? [])];
    if (!markers.some((m) => m.code === 'dangling-input')) {
      markers.push({
        code: 'dangling-input',
        severity: 'error',
        message: `"${name}" is not a node of this cell nor a cell input (x, h_prev_i).`,
      });
    }
    nodes.push({
      id,
      name,
      kind: 'missing',
      op: '',
      opLabel: 'missing',
      category: 'missing',
      inputs: [],
      consumers: consumers.get(id) ?? [],
      span: firstRef.get(id),
      dead: true,
      markers,
      ...nodeSize('missing', name, 'missing'),
    });
  }

  // Edges, with the cycle-closing ones marked `back` (DFS over recipe nodes in document order).
  const edges: GraphEdge[] = [];
  const back = findBackEdges(byName.keys(), inputsOf, (r) => byName.has(r) && !isCellInput(r));
  for (const n of byName.values()) {
    const isBlend = n.op === 'blend';
    (inputsOf.get(n.name) ?? []).forEach((ref, k) => {
      const source = idOf(ref);
      const target = `n:${n.name}`;
      edges.push({
        id: `e:${n.name}:${k}`,
        source,
        target,
        operand: k,
        label: isBlend && k < 3 ? BLEND_LABELS[k] : undefined,
        kind: back.has(`${n.name}\u0000${k}`) ? 'back' : 'data',
      });
    });
  }
  for (const i of [...stateIdx].sort((a, b) => a - b)) {
    const out = `h_new_${i}`;
    if (byName.has(out))
      edges.push({ id: `r:${i}`, source: `n:${out}`, target: `in:h_prev_${i}`, operand: -1, kind: 'recurrence' });
  }

  return { cellIndex: cell.index, label: cell.label, nodes, edges, totalParams, cellMarkers, sizes };
}

/** Edges (as `target\0operand`) that close a cycle in a DFS from the nodes in order. */
function findBackEdges(
  names: Iterable<string>,
  inputsOf: ReadonlyMap<string, readonly string[]>,
  isNode: (ref: string) => boolean,
): Set<string> {
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const back = new Set<string>();
  // Iterative DFS following inputs (edges point from input to consumer; following inputs walks them backwards,
  // which finds the same cycles).
  for (const root of names) {
    if (state.has(root)) continue;
    const stack: { name: string; k: number }[] = [{ name: root, k: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const ins = inputsOf.get(top.name) ?? [];
      if (top.k >= ins.length) {
        state.set(top.name, 2);
        stack.pop();
        continue;
      }
      const k = top.k++;
      const ref = ins[k];
      if (!isNode(ref)) continue;
      const s = state.get(ref);
      if (s === 1) back.add(`${top.name}\u0000${k}`);
      else if (s === undefined) {
        state.set(ref, 1);
        stack.push({ name: ref, k: 0 });
      }
    }
  }
  return back;
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
    const p = g.node(n.id) as { x: number; y: number };
    grow(p.x, p.y, n.width / 2, n.height / 2);
  }
  const boxOf = (id: string): Box => {
    const n = model.nodes.find((x) => x.id === id);
    const p = g.node(id) as Point;
    const hw = (n?.width ?? 0) / 2,
      hh = (n?.height ?? 0) / 2;
    return { x0: p.x - hw, x1: p.x + hw, y0: p.y - hh, y1: p.y + hh };
  };
  const bands = rankBands(model.nodes.map((n) => ({ y: (g.node(n.id) as Point).y, h: n.height })));
  const rawEdges = new Map<string, Point[]>();
  for (const e of model.edges) {
    const v = reversed.has(e.id) ? e.target : e.source;
    const w = reversed.has(e.id) ? e.source : e.target;
    const lab = g.edge(v, w, e.id) as { points?: Point[] } | undefined;
    let pts = (lab?.points ?? [])
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .map((p) => ({ x: p.x, y: p.y }));
    if (pts.length < 2) {
      const a = g.node(v) as Point,
        b = g.node(w) as Point;
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
    const p = g.node(n.id) as Point;
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
  return out.length >= 2 ? out : [...pts];
}

/** One edge segment that runs through a node that is neither its source nor its target. */
export interface EdgeCrossing {
  readonly edge: string;
  readonly segment: number;
  readonly node: string;
}

/**
 * Edge segments of `layout` that run through the box of a node other than the edge's own endpoints (the
 * measure of "edges kept out of node rows"; bench/graph.ts records it). Self-loops are skipped.
 */
export function edgeNodeCrossings(
  model: GraphModel,
  layout: GraphLayout,
  polylines: Readonly<Record<string, readonly Point[]>> = layout.edges,
): EdgeCrossing[] {
  const boxes = model.nodes.flatMap((n) => {
    const p = layout.nodes[n.id];
    return p
      ? [
          {
            id: n.id,
            box: { x0: p.x - n.width / 2, x1: p.x + n.width / 2, y0: p.y - n.height / 2, y1: p.y + n.height / 2 },
          },
        ]
      : [];
  });
  const out: EdgeCrossing[] = [];
  for (const e of model.edges) {
    if (e.source === e.target) continue;
    const pts = polylines[e.id] ?? [];
    for (let i = 1; i < pts.length; i++) {
      for (const b of boxes) {
        if (b.id === e.source || b.id === e.target) continue;
        if (segmentCrossesBox(pts[i - 1], pts[i], b.box)) out.push({ edge: e.id, segment: i, node: b.id });
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

/** The node of `cell` whose key or value contains `offset` (the node under the cursor), by name. */
export function nodeAtOffset(cell: Cell, offset: number): string | undefined {
  const inside = (s: Span | undefined): boolean => !!s && offset >= s.start && offset <= s.end;
  let best: { name: string; size: number } | undefined;
  for (const n of cell.nodes ?? []) {
    if (inside(n.keySpan) || inside(n.valueSpan)) {
      // An input reference under the cursor names the referenced node when it is an input.
      for (const r of n.inputs ?? []) {
        if (inside(r.span) && isCellInput(r.name)) return r.name;
      }
      const size = n.valueSpan.end - n.keySpan.start;
      if (!best || size < best.size) best = { name: n.name, size };
    }
  }
  return best?.name;
}

/** The graph node id a name refers to in `model` (op node first, then input, then missing). */
export function nodeIdForName(model: GraphModel, name: string): string | undefined {
  for (const prefix of ['n:', 'in:', 'missing:']) {
    if (model.nodes.some((n) => n.id === prefix + name)) return prefix + name;
  }
  return undefined;
}
