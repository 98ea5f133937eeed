/**
 * Cell → graph model: the nodes and edges of one cell as the graph view draws them (layout: layout.ts). Pure (no
 * `vscode`, no DOM, no dagre): the extension host builds the model and its layout, the webview only draws what it
 * receives (see protocol.ts) and may use the small lookups here.
 *
 * Graph conventions:
 *  - cell inputs (`x`, `h_prev_i`) are sources pinned to the top rank; outputs (`h_new_i`) are pulled to the
 *    bottom (an `h_new_i` that feeds other nodes sits as low as its consumers allow);
 *  - an input that names nothing becomes a `missing` placeholder node (drawn dashed);
 *  - edges carry their operand index (blend operands are labelled a/b/c);
 *  - the recurrence `h_new_i → h_prev_i` is one dashed `recurrence` edge per state, routed by the layout like a
 *    normal edge from h_prev_i down to h_new_i and then reversed, so it never crosses a node box;
 *  - a cycle inside one time step is broken for layout: the closing edge is marked `back` (drawn reversed).
 */
import type { Cell, Recipe, Severity, Span } from '../recipe/types';
import { liveNodes } from '../recipe/model';
import { linearParams } from '../recipe/params';
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

/** Options of buildGraphModel. */
export interface GraphModelOptions {
  readonly sizes?: GraphSizes;
  /** Live recipe node names; `liveNodes` of the cell's recipe (src/recipe/model.ts) when absent. */
  readonly liveNodes?: ReadonlySet<string>;
}

const BLEND_LABELS = ['a', 'b', 'c'];

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

  // Liveness over time steps, on the recipe as read here (names and operand names only, so a malformed node
  // cannot make it throw).
  let live: ReadonlySet<string>;
  if (options.liveNodes) live = options.liveNodes;
  else {
    const recipe = Object.create(null) as Recipe;
    for (const n of byName.values()) recipe[n.name] = { op: n.op, input: inputsOf.get(n.name) ?? [] };
    live = liveNodes(recipe);
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
    const category: NodeCategory = known ? OPS[n.op].category : 'unknown';
    const inputs = inputsOf.get(n.name) ?? [];
    const markers = [...(markersByName.get(n.name) ?? [])];
    if (!known && !markers.some((m) => m.code === 'unknown-op' || m.code === 'missing-op')) {
      markers.push({
        code: 'unknown-op',
        severity: 'error',
        message: n.op ? `Unknown op "${n.op}".` : 'Node has no op.',
      });
    }
    const params = n.op === 'linear' ? linearParams(inputs, sizes.embed, sizes.hidden) : undefined;
    if (params !== undefined) totalParams += params;
    const opLabel = known ? OPS[n.op].label : n.op ? `? ${n.op}` : '? no op';
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
