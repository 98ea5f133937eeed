/**
 * THE message protocol between the extension host and the cell-graph webview (both directions), versioned.
 * Both sides validate what they receive with `isToWebview` / `isFromWebview`; anything else is dropped.
 * Pure: no `vscode`, no DOM.
 *
 * The extension builds the graph model and its dagre layout (src/graph/model.ts, layout.ts) and sends them ready to draw;
 * the webview only renders, so the layout is tested in Node and the webview bundle stays small.
 */
import type { EdgeKind, GraphNode, NodeCategory } from './model';
import type { CellGraph } from './layout';

/** Bumped on any incompatible change; a webview ignores `render` messages of another version. */
export const PROTOCOL_VERSION = 1;

/** The view type of the graph panel (also the WebviewPanelSerializer's). */
export const GRAPH_VIEW_TYPE = 'cellLens.graph';

/** One score of a cell, as the side panel shows it. */
export interface ScoreSummary {
  readonly id: string;
  readonly label: string;
  readonly value: number | null;
  readonly std?: number | null;
  /** The value as the lens and the table show it, e.g. `12.3 ± 0.5` (src/report/verdict.ts). */
  readonly text: string;
  readonly better: 'higher' | 'lower';
  readonly reason?: string;
  /** Percentile (0 … 100, 100 = best) among the benchmark's trained cells at the same settings; absent without a reference. */
  readonly percentile?: number;
  /** The percentile as the lens shows it (`82nd`) and the population it counts in (`of 258 WikiText-2 cells, proxy preset`). */
  readonly percentileText?: string;
  readonly population?: string;
  /** Measured evidence of the direction, e.g. `τ 0.37 [0.33, 0.41]`. */
  readonly evidence?: string;
  /** Node name → value, for the heat-map. */
  readonly perNode?: Readonly<Record<string, number>>;
}

/** Benchmark facts of a cell (from its training log or the benchmark index). */
export interface BenchmarkSummary {
  readonly dataset?: string;
  readonly testLoss?: number;
  readonly valLoss?: number;
  readonly epochs?: number;
  readonly numParams?: number;
  readonly status?: string;
  readonly recepieId?: number;
}

/** The predicted test loss of a scored cell, as the lens shows it. */
export interface PredictionSummary {
  readonly dataset: string;
  /** `4.93 [4.71, 5.18]` and `top 20%`. */
  readonly text: string;
  readonly top: string;
}

/** One cell as sent to the webview. */
export interface CellView extends CellGraph {
  readonly index: number;
  readonly label: string;
  readonly scores?: readonly ScoreSummary[];
  readonly prediction?: PredictionSummary;
  readonly benchmark?: BenchmarkSummary;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** A cell of the document as the cell picker lists it. */
export interface CellEntry {
  readonly index: number;
  readonly label: string;
}

/**
 * Draw these cells. `stale`: the document is currently invalid; the cells are the last good ones, shown dimmed.
 * A big document (hundreds or thousands of cells) sends the views of a few cells around the selected one, and
 * `outline` lists every cell for the picker; picking another one asks the host (`selectCell`), which sends its view.
 */
export interface RenderMessage {
  readonly type: 'render';
  readonly version: number;
  /** The document shown (the webview persists it so the panel can be restored after a reload). */
  readonly uri: string;
  /** Short file name for the title. */
  readonly title: string;
  readonly cells: readonly CellView[];
  readonly stale: boolean;
  /** Why the graph is stale (a parse error with its position). */
  readonly error?: string;
  /** Cell to show when the webview has no selection of its own yet (or the document changed). */
  readonly selectedCell?: number;
  /** The panel is pinned to this document (the webview persists it, so the pin survives a reload). */
  readonly pinned?: boolean;
  /** Every cell of the document, when `cells` holds only some of them. */
  readonly outline?: readonly CellEntry[];
  /** What the host is doing before it can send the cells, e.g. `Analysing 5,000 cells…` (`cells` is empty). */
  readonly busy?: string;
}

/** Outline one node (the node under the editor cursor); `node` undefined clears the outline. */
export interface HighlightMessage {
  readonly type: 'highlight';
  readonly cellIndex: number;
  readonly node?: string;
}

export interface ThemeMessage {
  readonly type: 'theme';
  readonly kind: ThemeKind;
}

/** Ask the webview to serialise its graph and answer with an `export` message (`background`: the toolbar's choice). */
export interface ExportRequestMessage {
  readonly type: 'exportRequest';
  readonly format: ExportFormat;
  readonly background?: ExportBackground;
}

export type ToWebview = RenderMessage | HighlightMessage | ThemeMessage | ExportRequestMessage;

export type ExportFormat = 'svg' | 'png';

/**
 * The background of an exported graph: the theme's (as on screen), light (white, with the light palette of
 * src/graph/palette.ts whatever the theme: for papers), or transparent (the theme's colours, no background).
 */
export type ExportBackground = 'theme' | 'light' | 'transparent';
export const EXPORT_BACKGROUNDS: readonly ExportBackground[] = ['theme', 'light', 'transparent'];

export interface ReadyMessage {
  readonly type: 'ready';
}
/** Select the node's JSON in the editor. */
export interface RevealMessage {
  readonly type: 'reveal';
  readonly cellIndex: number;
  readonly node: string;
}
/** `data`: the SVG text, or the PNG as a `data:image/png;base64,...` URL. */
export interface ExportMessage {
  readonly type: 'export';
  readonly format: ExportFormat;
  readonly cellIndex: number;
  readonly data: string;
}
export interface SelectCellMessage {
  readonly type: 'selectCell';
  readonly cellIndex: number;
}
/** The toolbar's pin button: pin the panel to its document (`true`) or let it follow the active editor again. */
export interface PinMessage {
  readonly type: 'pin';
  readonly pinned: boolean;
}
/** A problem in the webview worth logging in the extension's output channel. */
export interface LogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FromWebview = ReadyMessage | RevealMessage | ExportMessage | SelectCellMessage | LogMessage | PinMessage;

/** What the webview persists with `setState` (also handed to the panel serializer on reload). */
export interface WebviewState {
  readonly uri?: string;
  readonly selectedCell?: number;
  /** Zoom transform per cell index. */
  readonly zoom?: Readonly<Record<string, { readonly k: number; readonly x: number; readonly y: number }>>;
  /** Heat-map quantity (score id) or '' for none. */
  readonly heat?: string;
  /** The panel was pinned to `uri` (see RenderMessage.pinned). */
  readonly pinned?: boolean;
  /** The side panel opened or closed with the Details toggle (absent: by the panel's width, src/graph/viewport.ts). */
  readonly details?: boolean;
  /** The export background picked in the toolbar. */
  readonly exportBackground?: ExportBackground;
}

// ---- validators -------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const optional = (v: unknown, f: (v: unknown) => boolean): boolean => v === undefined || f(v);
const isPoint = (p: unknown): boolean => isObj(p) && isNum(p.x) && isNum(p.y);
const isSpan = (s: unknown): boolean => isObj(s) && isIndex(s.start) && isIndex(s.end);

const CATEGORIES: readonly NodeCategory[] = [
  'linear',
  'blend',
  'elementwise',
  'activation',
  'input',
  'unknown',
  'missing',
];
const EDGE_KINDS: readonly EdgeKind[] = ['data', 'recurrence', 'back'];
const THEMES: readonly ThemeKind[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];
const SEVERITIES = ['error', 'warning', 'info'];

function isMarker(m: unknown): boolean {
  return isObj(m) && isStr(m.code) && isStr(m.message) && SEVERITIES.includes(m.severity as string);
}

function isGraphNode(n: unknown): n is GraphNode {
  return (
    isObj(n) &&
    isStr(n.id) &&
    isStr(n.name) &&
    ['input', 'op', 'missing'].includes(n.kind as string) &&
    isStr(n.op) &&
    isStr(n.opLabel) &&
    CATEGORIES.includes(n.category as NodeCategory) &&
    Array.isArray(n.inputs) &&
    n.inputs.every(isStr) &&
    Array.isArray(n.consumers) &&
    n.consumers.every(isStr) &&
    typeof n.dead === 'boolean' &&
    Array.isArray(n.markers) &&
    n.markers.every(isMarker) &&
    isNum(n.width) &&
    n.width > 0 &&
    isNum(n.height) &&
    n.height > 0 &&
    optional(n.params, isNum) &&
    optional(n.outputIndex, isIndex) &&
    optional(n.stateIndex, isIndex) &&
    optional(n.span, isSpan) &&
    optional(n.valueSpan, isSpan) &&
    optional(n.onlyHere, isBool)
  );
}

/** Whether `c` is a well-formed CellView (model, layout and the positions of every node and edge); the compare protocol reuses it. */
export function isCellView(c: unknown): c is CellView {
  if (!isObj(c) || !isIndex(c.index) || !isStr(c.label) || !isObj(c.model) || !isObj(c.layout)) return false;
  const m = c.model,
    l = c.layout;
  if (!Array.isArray(m.nodes) || !Array.isArray(m.edges) || !isNum(m.totalParams) || !Array.isArray(m.cellMarkers))
    return false;
  if (!m.cellMarkers.every(isMarker) || !isIndex(m.cellIndex) || !isStr(m.label)) return false;
  if (!isNum(l.width) || !isNum(l.height) || !isObj(l.nodes) || !isObj(l.edges)) return false;
  const lnodes = l.nodes,
    ledges = l.edges;
  const ids = new Set<string>();
  for (const n of m.nodes) {
    if (!isGraphNode(n) || ids.has(n.id) || !isPoint(lnodes[n.id])) return false;
    ids.add(n.id);
  }
  for (const e of m.edges) {
    if (!isObj(e) || !isStr(e.id) || !isStr(e.source) || !isStr(e.target) || !Number.isInteger(e.operand)) return false;
    if (!EDGE_KINDS.includes(e.kind as EdgeKind) || !optional(e.label, isStr) || !optional(e.onlyHere, isBool))
      return false;
    if (!ids.has(e.source) || !ids.has(e.target)) return false;
    const pts = ledges[e.id];
    if (!Array.isArray(pts) || pts.length < 2 || !pts.every(isPoint)) return false;
  }
  if (!optional(c.scores, (s) => Array.isArray(s) && s.every(isScore))) return false;
  if (!optional(c.prediction, (p) => isObj(p) && isStr(p.dataset) && isStr(p.text) && isStr(p.top))) return false;
  if (!optional(c.benchmark, isObj)) return false;
  return true;
}

function isScore(s: unknown): boolean {
  return (
    isObj(s) &&
    isStr(s.id) &&
    isStr(s.label) &&
    (s.value === null || typeof s.value === 'number') &&
    isStr(s.text) &&
    optional(s.percentileText, isStr) &&
    optional(s.population, isStr) &&
    (s.better === 'higher' || s.better === 'lower') &&
    optional(s.percentile, (p) => typeof p === 'number') &&
    optional(s.evidence, isStr) &&
    optional(s.perNode, (p) => isObj(p) && Object.values(p).every((v) => typeof v === 'number'))
  );
}

/** Whether `m` is a well-formed extension → webview message of this protocol version. */
export function isToWebview(m: unknown): m is ToWebview {
  if (!isObj(m) || !isStr(m.type)) return false;
  switch (m.type) {
    case 'render':
      return (
        m.version === PROTOCOL_VERSION &&
        isStr(m.uri) &&
        isStr(m.title) &&
        typeof m.stale === 'boolean' &&
        optional(m.error, isStr) &&
        optional(m.selectedCell, isIndex) &&
        optional(m.pinned, (p) => typeof p === 'boolean') &&
        optional(m.busy, isStr) &&
        optional(
          m.outline,
          (o) => Array.isArray(o) && o.every((e) => isObj(e) && isIndex(e.index) && isStr(e.label)),
        ) &&
        Array.isArray(m.cells) &&
        m.cells.every(isCellView)
      );
    case 'highlight':
      return isIndex(m.cellIndex) && optional(m.node, isStr);
    case 'theme':
      return THEMES.includes(m.kind as ThemeKind);
    case 'exportRequest':
      return (
        (m.format === 'svg' || m.format === 'png') &&
        optional(m.background, (b) => EXPORT_BACKGROUNDS.includes(b as ExportBackground))
      );
    default:
      return false;
  }
}

/** Largest export payload accepted (a PNG of a big graph at 2× is a few MB). */
export const MAX_EXPORT_CHARS = 40_000_000;

/** Whether `m` is a well-formed webview → extension message. */
export function isFromWebview(m: unknown): m is FromWebview {
  if (!isObj(m) || !isStr(m.type)) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'reveal':
      return isIndex(m.cellIndex) && isStr(m.node) && m.node.length > 0;
    case 'selectCell':
      return isIndex(m.cellIndex);
    case 'pin':
      return typeof m.pinned === 'boolean';
    case 'export':
      if (!isIndex(m.cellIndex) || !isStr(m.data) || m.data.length > MAX_EXPORT_CHARS) return false;
      if (m.format === 'svg') return /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(m.data);
      if (m.format === 'png') return m.data.startsWith('data:image/png;base64,');
      return false;
    case 'log':
      return isStr(m.message) && ['info', 'warn', 'error'].includes(m.level as string);
    default:
      return false;
  }
}
