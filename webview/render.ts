/**
 * The cell-graph view: draws a CellView (model + layout from the extension) as SVG with d3, with pan/zoom,
 * keyboard access, tooltips, highlight, diagnostics badges, heat-map overlay, side panel and SVG/PNG export.
 * Browser-only (DOM); no `vscode` import: the host messaging is injected (see main.ts).
 */
import { select, type Selection } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { line, curveBasis, curveMonotoneY } from 'd3-shape';
import { scaleLinear } from 'd3-scale';
import { axisBottom } from 'd3-axis';
import { OPS, isOpName } from '../src/recipe/ops';

/** The smallest zoom "Fit" uses when only the height would need less: node names stay ≥ 9 px (12 px × 0.75). */
const READABLE_SCALE = 0.75;
/** Largest size (px) of the overview (mini-map) shown when the graph does not fit the panel. */
const MINIMAP_W = 140,
  MINIMAP_H = 180;
/** Keyboard panning step (screen px); Shift or PageUp/PageDown pan by most of the view. */
const PAN_STEP = 60;
import type { GraphEdge, GraphNode } from '../src/graph/model';
import type { Point } from '../src/graph/geometry';
import { isMonotoneY } from '../src/graph/geometry';
import type {
  CellView,
  ExportFormat,
  FromWebview,
  RenderMessage,
  ScoreSummary,
  WebviewState,
} from '../src/graph/protocol';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** What the view needs from its host (the VS Code webview API, or a test page). */
export interface ViewHost {
  post(message: FromWebview): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

interface ZoomState {
  k: number;
  x: number;
  y: number;
}

type SvgSel = Selection<SVGSVGElement, unknown, null, undefined>;
type GSel = Selection<SVGGElement, unknown, null, undefined>;

const fmtInt = (n: number): string => n.toLocaleString('en-US');
function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The shape outline of a node (centred at 0,0) as an SVG path. */
export function shapePath(n: Pick<GraphNode, 'category' | 'width' | 'height'>): string {
  const w = n.width / 2,
    h = n.height / 2;
  const rect = (r: number): string => {
    r = Math.min(r, h, w);
    return (
      `M${-w + r},${-h}H${w - r}A${r},${r} 0 0 1 ${w},${-h + r}V${h - r}A${r},${r} 0 0 1 ${w - r},${h}` +
      `H${-w + r}A${r},${r} 0 0 1 ${-w},${h - r}V${-h + r}A${r},${r} 0 0 1 ${-w + r},${-h}Z`
    );
  };
  switch (n.category) {
    case 'input':
      return rect(h);
    case 'linear':
      return rect(2);
    case 'activation':
      return rect(10);
    case 'blend': {
      const c = Math.min(14, w / 3);
      return `M${-w + c},${-h}H${w - c}L${w},0L${w - c},${h}H${-w + c}L${-w},0Z`;
    }
    case 'elementwise': {
      // An ellipse as two arcs.
      return `M${-w},0A${w},${h} 0 1 0 ${w},0A${w},${h} 0 1 0 ${-w},0Z`;
    }
    default:
      return rect(4);
  }
}

/** Renders one document's cells into `root` and keeps the interaction state. */
export class GraphView {
  private readonly toolbar: HTMLElement;
  private readonly cellPicker: HTMLSelectElement;
  private readonly heatPicker: HTMLSelectElement;
  private readonly pinButton: HTMLButtonElement;
  private readonly banner: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly svg: SvgSel;
  private readonly viewport: GSel;
  private readonly edgeLayer: GSel;
  private readonly nodeLayer: GSel;
  private readonly legend: HTMLElement;
  private readonly side: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly minimap: HTMLElement;
  private readonly mmSvg: SvgSel;
  private readonly mmNodes: GSel;
  private readonly mmView: Selection<SVGRectElement, unknown, null, undefined>;
  private mmScale = 1;
  private readonly zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private last: RenderMessage | undefined;
  private cell: CellView | undefined;
  private selected = 0;
  private heat = '';
  private zooms: Record<string, ZoomState> = {};
  private highlighted: { cellIndex: number; node?: string } | undefined;
  private uri: string | undefined;
  private pinned = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: ViewHost,
  ) {
    const st = host.getState() ?? {};
    this.selected = st.selectedCell ?? 0;
    this.heat = st.heat ?? '';
    this.zooms = { ...(st.zoom ?? {}) };
    this.uri = st.uri;
    this.pinned = st.pinned === true;

    root.classList.add('cl-root');
    this.toolbar = el('div', 'cl-toolbar');
    this.toolbar.setAttribute('role', 'toolbar');
    this.toolbar.setAttribute('aria-label', 'Cell graph');
    this.cellPicker = el('select', 'cl-select');
    this.cellPicker.setAttribute('aria-label', 'Cell');
    this.cellPicker.addEventListener('change', () => this.selectCell(Number(this.cellPicker.value), true));
    this.heatPicker = el('select', 'cl-select');
    this.heatPicker.setAttribute('aria-label', 'Heat-map quantity');
    this.heatPicker.addEventListener('change', () => {
      this.heat = this.heatPicker.value;
      this.saveState();
      this.draw();
    });
    const button = (label: string, title: string, action: () => void, cls = ''): HTMLButtonElement => {
      const b = el('button', `cl-button ${cls}`.trim(), label);
      b.type = 'button';
      b.title = title;
      b.setAttribute('aria-label', title);
      b.addEventListener('click', action);
      return b;
    };
    // Pin: keep this panel on its file (otherwise it follows the active editor to the next cell file).
    this.pinButton = button(
      'Pin',
      'Pin the graph to this file',
      () => this.host.post({ type: 'pin', pinned: !this.pinned }),
      'cl-pin',
    );
    this.pinButton.setAttribute('aria-pressed', 'false');
    const spacer = el('span', 'cl-spacer');
    this.toolbar.append(
      this.cellPicker,
      this.heatPicker,
      spacer,
      this.pinButton,
      button('−', 'Zoom out (-)', () => this.zoomBy(1 / 1.25)),
      button('+', 'Zoom in (+)', () => this.zoomBy(1.25)),
      button('Fit', 'Fit to view (0)', () => this.fit(true), 'cl-fit'),
      button('SVG', 'Export SVG', () => void this.exportAs('svg')),
      button('PNG', 'Export PNG', () => void this.exportAs('png')),
    );
    this.banner = el('div', 'cl-banner');
    this.banner.setAttribute('role', 'status');
    this.banner.hidden = true;
    const body = el('div', 'cl-body');
    this.stage = el('div', 'cl-stage');
    this.side = el('aside', 'cl-side');
    this.side.setAttribute('aria-label', 'Cell details');
    this.legend = el('div', 'cl-legend');
    this.legend.hidden = true;
    this.empty = el('div', 'cl-empty', 'Waiting for a cell…');
    this.tooltip = el('div', 'cl-tooltip');
    this.tooltip.setAttribute('role', 'tooltip');
    this.tooltip.hidden = true;
    body.append(this.stage, this.side);
    root.append(this.toolbar, this.banner, body, this.tooltip);

    this.svg = select(this.stage)
      .append('svg')
      .attr('class', 'cl-graph')
      .attr('role', 'group')
      .attr('aria-label', 'Cell graph') as unknown as SvgSel;
    // Overview of a graph larger than the panel: the node boxes and the visible part; click or drag to move the
    // view there, or focus it (Tab) and use the arrow keys, PageUp/PageDown, Home/End.
    this.minimap = el('div', 'cl-minimap');
    this.minimap.hidden = true;
    this.minimap.tabIndex = 0;
    this.minimap.setAttribute('role', 'group');
    this.minimap.setAttribute('aria-roledescription', 'mini-map');
    this.minimap.setAttribute('aria-label', 'Overview of the graph: arrow keys, Page Up/Down, Home/End move the view');
    this.minimap.setAttribute('aria-keyshortcuts', 'ArrowUp ArrowDown ArrowLeft ArrowRight PageUp PageDown Home End');
    this.minimap.title = 'Overview: click or drag to move the view (arrow keys when focused)';
    this.mmSvg = select(this.minimap)
      .append('svg')
      .attr('class', 'cl-minimap-svg')
      .attr('aria-hidden', 'true') as unknown as SvgSel;
    this.mmNodes = this.mmSvg.append('g').attr('class', 'cl-mm-nodes') as unknown as GSel;
    this.mmView = this.mmSvg.append('rect').attr('class', 'cl-mm-view') as unknown as Selection<
      SVGRectElement,
      unknown,
      null,
      undefined
    >;
    const moveTo = (ev: PointerEvent): void => {
      const r = (this.mmSvg.node() as SVGSVGElement).getBoundingClientRect();
      this.zoomer.translateTo(this.svg, (ev.clientX - r.left) / this.mmScale, (ev.clientY - r.top) / this.mmScale);
    };
    this.minimap.addEventListener('pointerdown', (ev) => {
      ev.preventDefault();
      this.minimap.focus();
      this.minimap.setPointerCapture?.(ev.pointerId);
      moveTo(ev);
      const move = (e: PointerEvent): void => moveTo(e);
      const up = (): void => {
        this.minimap.removeEventListener('pointermove', move);
        this.minimap.removeEventListener('pointerup', up);
      };
      this.minimap.addEventListener('pointermove', move);
      this.minimap.addEventListener('pointerup', up);
    });
    this.stage.append(this.legend, this.empty, this.minimap);
    const defs = this.svg.append('defs');
    for (const kind of ['data', 'recurrence', 'back', 'hot']) {
      defs
        .append('marker')
        .attr('id', `cl-arrow-${kind}`)
        .attr('class', `cl-arrow cl-arrow-${kind}`)
        .attr('viewBox', '0 0 10 10')
        .attr('refX', 9)
        .attr('refY', 5)
        .attr('markerUnits', 'userSpaceOnUse')
        .attr('markerWidth', 9)
        .attr('markerHeight', 9)
        .attr('orient', 'auto-start-reverse')
        .append('path')
        .attr('d', 'M0,0L10,5L0,10Z');
    }
    this.viewport = this.svg.append('g').attr('class', 'cl-viewport') as unknown as GSel;
    this.edgeLayer = this.viewport.append('g').attr('class', 'cl-edges') as unknown as GSel;
    this.nodeLayer = this.viewport.append('g').attr('class', 'cl-nodes') as unknown as GSel;

    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.1, 6])
      .filter(
        (ev: Event) =>
          (ev.type !== 'mousedown' || !(ev.target as Element).closest?.('.cl-node')) && !(ev as MouseEvent).button,
      )
      .on('zoom', (ev: { transform: ZoomTransform }) => {
        this.viewport.attr('transform', ev.transform.toString());
        this.hideTooltip();
        this.updateMinimap(ev.transform);
      })
      .on('end', (ev: { transform: ZoomTransform }) => {
        this.zooms[String(this.selected)] = { k: ev.transform.k, x: ev.transform.x, y: ev.transform.y };
        this.saveState();
      });
    this.svg.call(this.zoomer).on('dblclick.zoom', null);

    root.addEventListener('keydown', (ev) => this.onKey(ev));
    this.renderSidePanel();
  }

  /** The last cell drawn (for tests and export). */
  get current(): CellView | undefined {
    return this.cell;
  }

  /** Apply a `render` message: draw the selected cell, keep the zoom transform. */
  render(msg: RenderMessage): void {
    const first = this.last === undefined;
    if (msg.uri !== this.uri) {
      // Another document (the panel follows the active editor): its own selection and zoom, fitted afresh.
      if (this.uri !== undefined) {
        this.zooms = {};
        this.selected = msg.selectedCell ?? 0;
        this.cell = undefined;
      }
      this.uri = msg.uri;
    } else if (first && msg.selectedCell !== undefined && this.host.getState()?.selectedCell === undefined) {
      this.selected = msg.selectedCell;
    }
    this.last = msg;
    this.pinned = msg.pinned === true;
    this.showPin(msg.title);
    if (msg.cells.length > 0 && !msg.cells.some((c) => c.index === this.selected)) this.selected = msg.cells[0].index;
    this.root.classList.toggle('cl-stale', msg.stale);
    this.banner.hidden = !msg.stale;
    this.banner.textContent = msg.stale
      ? `Showing the last valid graph — ${msg.error ?? 'the document is not valid JSON'}`
      : '';
    this.fillCellPicker();
    this.saveState();
    this.draw();
  }

  private showPin(title: string): void {
    const file = title.replace(/^Graph: /, '').replace(/ \(pinned\)$/, '');
    this.pinButton.textContent = this.pinned ? 'Pinned' : 'Pin';
    this.pinButton.setAttribute('aria-pressed', String(this.pinned));
    const tip = this.pinned
      ? `Pinned to ${file}: click to follow the active editor again`
      : `Pin the graph to ${file} (it stops following the active editor)`;
    this.pinButton.title = tip;
    this.pinButton.setAttribute('aria-label', tip);
  }

  /** Outline the node `node` of cell `cellIndex` (switching cells if needed); no node clears. */
  highlight(cellIndex: number, node: string | undefined): void {
    this.highlighted = { cellIndex, node };
    if (cellIndex !== this.selected && this.last?.cells.some((c) => c.index === cellIndex)) {
      this.selectCell(cellIndex, false);
      return;
    }
    this.applyHighlight();
  }

  /** Redraw with the current theme colours (VS Code changed the theme). */
  refreshTheme(): void {
    this.draw();
  }

  private selectCell(index: number, fromUser: boolean): void {
    if (!this.last?.cells.some((c) => c.index === index)) return;
    this.selected = index;
    this.cellPicker.value = String(index);
    this.saveState();
    this.draw();
    if (fromUser) this.host.post({ type: 'selectCell', cellIndex: index });
  }

  private fillCellPicker(): void {
    const cells = this.last?.cells ?? [];
    this.cellPicker.replaceChildren(
      ...cells.map((c) => {
        const o = el('option', undefined, c.label);
        o.value = String(c.index);
        return o;
      }),
    );
    this.cellPicker.value = String(this.selected);
    this.cellPicker.hidden = cells.length < 2;
  }

  private fillHeatPicker(scores: readonly ScoreSummary[]): void {
    const withNodes = scores.filter((s) => s.perNode && Object.keys(s.perNode).length > 0);
    const off = el('option', undefined, 'Heat-map: off');
    off.value = '';
    this.heatPicker.replaceChildren(
      off,
      ...withNodes.map((s) => {
        const o = el('option', undefined, `Heat-map: ${s.label}`);
        o.value = s.id;
        return o;
      }),
    );
    if (!withNodes.some((s) => s.id === this.heat)) this.heatPicker.value = '';
    else this.heatPicker.value = this.heat;
    this.heatPicker.hidden = withNodes.length === 0;
  }

  private saveState(): void {
    this.host.setState({
      uri: this.uri,
      selectedCell: this.selected,
      zoom: this.zooms,
      heat: this.heat,
      ...(this.pinned ? { pinned: true } : {}),
    });
  }

  private cssVar(name: string, fallback: string): string {
    const v = getComputedStyle(this.root).getPropertyValue(name).trim();
    return v || fallback;
  }

  private draw(): void {
    const cell = this.last?.cells.find((c) => c.index === this.selected);
    const previous = this.cell;
    this.cell = cell;
    const focusedId =
      (document.activeElement as Element | null)?.closest?.('.cl-node')?.getAttribute('data-id') ?? undefined;
    this.edgeLayer.selectAll('*').remove();
    this.nodeLayer.selectAll('*').remove();
    this.hideTooltip();
    this.empty.hidden = !!cell;
    if (!cell) {
      this.empty.textContent = this.last
        ? this.last.stale
          ? 'The document is not valid JSON yet.'
          : 'No NAS-Bench-NLP cell in this document.'
        : 'Waiting for a cell…';
      this.fillHeatPicker([]);
      this.legend.hidden = true;
      this.renderSidePanel();
      return;
    }
    const { model, layout } = cell;
    this.svg.attr('aria-label', `Graph of ${cell.label}: ${model.nodes.length} nodes, ${model.edges.length} edges`);
    this.fillHeatPicker(cell.scores ?? []);
    const heat = (cell.scores ?? []).find((s) => s.id === this.heat && s.perNode);
    const heatColor = heat ? this.heatScale(heat) : undefined;

    const byId = new Map(model.nodes.map((n) => [n.id, n] as const));
    // The layout routes edges monotone in y (vertical through node rows, bends between them): a monotone curve
    // through those points stays inside each pair's bounding box, so the drawn edge keeps out of the rows too.
    // Anything else (a self-loop) gets the smoothing B-spline.
    const monotone = line<Point>()
      .x((p) => p.x)
      .y((p) => p.y)
      .curve(curveMonotoneY);
    const basis = line<Point>()
      .x((p) => p.x)
      .y((p) => p.y)
      .curve(curveBasis);
    const path = (pts: Point[]): string | null => (isMonotoneY(pts) ? monotone(pts) : basis(pts));
    for (const e of model.edges) {
      const pts = layout.edges[e.id];
      if (!pts || pts.length < 2) continue;
      const g = this.edgeLayer
        .append('g')
        .attr('class', `cl-edge cl-edge-${e.kind}${e.onlyHere ? ' cl-only' : ''}`)
        .attr('data-id', e.id)
        .attr('data-source', e.source)
        .attr('data-target', e.target);
      g.append('path')
        .attr('class', 'cl-edge-line')
        .attr('d', path(pts as Point[]) ?? '')
        .attr('marker-end', `url(#cl-arrow-${e.kind})`);
      const label = edgeLabel(e);
      if (label) {
        const at = pointBefore(pts, 16);
        g.append('text')
          .attr('class', 'cl-edge-label')
          .attr('x', at.x + 7)
          .attr('y', at.y)
          .text(label);
      }
      const title =
        e.kind === 'recurrence'
          ? `${byId.get(e.source)?.name} → ${byId.get(e.target)?.name} (next time step)`
          : `${byId.get(e.source)?.name} → ${byId.get(e.target)?.name}${e.kind === 'back' ? ' (closes a cycle)' : ''}`;
      g.append('title').text(title);
    }

    for (const n of model.nodes) {
      const p = layout.nodes[n.id];
      if (!p) continue;
      const value = heat?.perNode?.[n.name];
      const classes = ['cl-node', `cl-cat-${n.category}`, `cl-kind-${n.kind}`];
      if (n.dead) classes.push('cl-dead');
      if (n.onlyHere) classes.push('cl-only');
      if (n.outputIndex !== undefined) classes.push('cl-output');
      if (heatColor && value !== undefined) classes.push('cl-heated');
      else if (heatColor) classes.push('cl-unheated');
      const g = this.nodeLayer
        .append('g')
        .attr('class', classes.join(' '))
        .attr('data-id', n.id)
        .attr('data-name', n.name)
        .attr('transform', `translate(${p.x},${p.y})`)
        .attr('tabindex', 0)
        .attr('role', 'button')
        .attr('aria-label', nodeAria(n, value, heat?.label));
      if (n.outputIndex !== undefined) {
        // Outputs get a double outline.
        g.append('path')
          .attr('class', 'cl-out-ring')
          .attr('d', shapePath({ category: n.category, width: n.width + 8, height: n.height + 8 }));
      }
      const shape = g.append('path').attr('class', 'cl-shape').attr('d', shapePath(n));
      if (heatColor && value !== undefined && Number.isFinite(value)) shape.style('fill', heatColor(value));
      g.append('text')
        .attr('class', 'cl-name')
        .attr('y', n.kind === 'op' ? -4 : 1)
        .text(n.name);
      if (n.kind === 'op') g.append('text').attr('class', 'cl-op').attr('y', 12).text(n.opLabel);
      if (n.markers.length > 0) {
        const worst = n.markers.some((m) => m.severity === 'error')
          ? 'error'
          : n.markers.some((m) => m.severity === 'warning')
            ? 'warning'
            : 'info';
        const b = g
          .append('g')
          .attr('class', `cl-badge cl-badge-${worst}`)
          .attr('transform', `translate(${n.width / 2 - 2},${-n.height / 2 + 2})`);
        b.append('circle').attr('r', 7.5);
        b.append('text')
          .attr('y', 0.5)
          .text(worst === 'info' ? 'i' : '!');
      }
      const node = g.node() as SVGGElement;
      node.addEventListener('mouseenter', () => this.showTooltip(n, value, heat, node));
      node.addEventListener('mouseleave', () => {
        if (document.activeElement !== node) this.hideTooltip();
      });
      node.addEventListener('focus', () => {
        this.ensureVisible(n.id);
        this.showTooltip(n, value, heat, node);
      });
      node.addEventListener('blur', () => this.hideTooltip());
      node.addEventListener('click', (ev) => {
        ev.stopPropagation();
        this.reveal(n);
      });
    }

    this.legend.hidden = !heatColor;
    if (heat && heatColor) this.renderLegend(heat, heatColor);
    this.renderSidePanel();
    this.applyHighlight();

    // Zoom: keep the user's transform on a redraw of the same cell; restore or fit when switching cells.
    const sameCell = previous !== undefined && previous.index === cell.index;
    if (!sameCell) {
      const z = this.zooms[String(cell.index)];
      if (z) this.svg.call(this.zoomer.transform, zoomIdentity.translate(z.x, z.y).scale(z.k));
      else this.fit(false);
    }
    if (focusedId)
      (this.nodeLayer.node()?.querySelector(`[data-id="${cssEscape(focusedId)}"]`) as SVGGElement | null)?.focus();
    this.drawMinimap();
  }

  /** The overview's node boxes for the current cell (the visible part is updated on every zoom/pan). */
  private drawMinimap(): void {
    this.mmNodes.selectAll('*').remove();
    const cell = this.cell;
    if (!cell) {
      this.minimap.hidden = true;
      return;
    }
    const L = cell.layout;
    const s = Math.min(MINIMAP_W / L.width, MINIMAP_H / L.height);
    this.mmScale = s;
    this.mmSvg.attr('width', Math.ceil(L.width * s)).attr('height', Math.ceil(L.height * s));
    for (const n of cell.model.nodes) {
      const p = L.nodes[n.id];
      if (!p) continue;
      this.mmNodes
        .append('rect')
        .attr('class', `cl-mm-node cl-cat-${n.category}${n.dead ? ' cl-dead' : ''}`)
        .attr('x', (p.x - n.width / 2) * s)
        .attr('y', (p.y - n.height / 2) * s)
        .attr('width', Math.max(1, n.width * s))
        .attr('height', Math.max(1, n.height * s));
    }
    this.updateMinimap(this.transform());
  }

  /** Show the overview when part of the graph is out of view, with the visible part outlined. */
  private updateMinimap(t: ZoomTransform): void {
    const cell = this.cell;
    if (!cell) {
      this.minimap.hidden = true;
      return;
    }
    const L = cell.layout;
    const { w, h } = this.stageSize();
    const vx = -t.x / t.k,
      vy = -t.y / t.k,
      vw = w / t.k,
      vh = h / t.k;
    const tol = 2;
    const outOfView = vx > tol || vy > tol || vx + vw < L.width - tol || vy + vh < L.height - tol;
    this.minimap.hidden = !outOfView;
    this.root.classList.toggle('cl-overflow', outOfView);
    if (!outOfView) return;
    const x0 = Math.max(0, vx),
      y0 = Math.max(0, vy);
    const x1 = Math.min(L.width, vx + vw),
      y1 = Math.min(L.height, vy + vh);
    const s = this.mmScale;
    this.mmView
      .attr('x', x0 * s)
      .attr('y', y0 * s)
      .attr('width', Math.max(2, (x1 - x0) * s))
      .attr('height', Math.max(2, (y1 - y0) * s));
    const pct = (v: number) => Math.round(Math.max(0, Math.min(100, v)));
    this.minimap.setAttribute(
      'aria-valuetext',
      `showing ${pct((y0 / L.height) * 100)}–${pct((y1 / L.height) * 100)} % of the height`,
    );
  }

  /** The panel was resized: the overview follows (the zoom transform itself is kept; 0 refits). */
  resized(): void {
    this.updateMinimap(this.transform());
  }

  /** Pan the view by (dx, dy) screen pixels (positive: show what is further right / down). */
  panBy(dx: number, dy: number): void {
    const k = this.transform().k;
    this.zoomer.translateBy(this.svg, -dx / k, -dy / k);
  }

  /** Pan to the top (inputs) or the bottom (outputs) of the graph, keeping the horizontal position. */
  private panToEnd(end: 'top' | 'bottom'): void {
    const cell = this.cell;
    if (!cell) return;
    const t = this.transform();
    const { h } = this.stageSize();
    const y = end === 'top' ? 8 : h - 8 - cell.layout.height * t.k;
    this.svg.call(this.zoomer.transform, zoomIdentity.translate(t.x, y).scale(t.k));
  }

  private heatScale(score: ScoreSummary): (v: number) => string {
    const vals = Object.values(score.perNode ?? {}).filter(Number.isFinite);
    let lo = Math.min(...vals),
      hi = Math.max(...vals);
    if (!Number.isFinite(lo)) {
      lo = 0;
      hi = 1;
    }
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const s = scaleLinear<string>()
      .domain([lo, (lo + hi) / 2, hi])
      .range([
        this.cssVar('--cl-heat-low', '#3794ff'),
        this.cssVar('--cl-heat-mid', '#cca700'),
        this.cssVar('--cl-heat-high', '#f14c4c'),
      ])
      .clamp(true);
    return (v: number) => s(v);
  }

  private renderLegend(score: ScoreSummary, color: (v: number) => string): void {
    const vals = Object.values(score.perNode ?? {}).filter(Number.isFinite);
    let lo = Math.min(...vals),
      hi = Math.max(...vals);
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const w = 180,
      h = 10;
    this.legend.replaceChildren(el('div', 'cl-legend-title', `${score.label} per node (${score.better} is better)`));
    const svg = select(this.legend)
      .append('svg')
      .attr('width', w + 20)
      .attr('height', h + 24);
    const grad = svg.append('defs').append('linearGradient').attr('id', 'cl-legend-grad');
    for (let i = 0; i <= 10; i++) {
      grad
        .append('stop')
        .attr('offset', `${i * 10}%`)
        .attr('stop-color', color(lo + ((hi - lo) * i) / 10));
    }
    svg
      .append('rect')
      .attr('x', 10)
      .attr('y', 2)
      .attr('width', w)
      .attr('height', h)
      .attr('fill', 'url(#cl-legend-grad)')
      .attr('class', 'cl-legend-bar');
    const x = scaleLinear()
      .domain([lo, hi])
      .range([10, 10 + w]);
    svg
      .append('g')
      .attr('class', 'cl-legend-axis')
      .attr('transform', `translate(0,${h + 3})`)
      .call(
        axisBottom(x)
          .ticks(4)
          .tickSize(3)
          .tickFormat((d) => fmtNum(Number(d))),
      );
  }

  private renderSidePanel(): void {
    const cell = this.cell;
    const parts: HTMLElement[] = [];
    if (!cell) {
      this.side.replaceChildren(el('p', 'cl-muted', 'No cell.'));
      return;
    }
    const m = cell.model;
    parts.push(el('h2', 'cl-side-title', cell.label));
    const ops = m.nodes.filter((n) => n.kind === 'op');
    const facts = el('dl', 'cl-facts');
    const fact = (k: string, v: string, title?: string): void => {
      const dt = el('dt', undefined, k),
        dd = el('dd', undefined, v);
      if (title) dd.title = title;
      facts.append(dt, dd);
    };
    fact('Nodes', `${ops.length} ops, ${m.nodes.filter((n) => n.kind === 'input').length} inputs`);
    fact('Hidden states', String(m.nodes.filter((n) => n.outputIndex !== undefined).length));
    fact('Linear params', fmtInt(m.totalParams), `first layer: x ${m.sizes.embed}-d, hidden ${m.sizes.hidden}-d`);
    const dead = ops.filter((n) => n.dead).length;
    if (dead > 0) fact('Dead nodes', String(dead));
    parts.push(facts);

    const b = cell.benchmark;
    if (b && Object.keys(b).length > 0) {
      parts.push(el('h3', undefined, `Benchmark${b.dataset ? ` · ${b.dataset}` : ''}`));
      const dl = el('dl', 'cl-facts');
      const add = (k: string, v: string | undefined): void => {
        if (v !== undefined) dl.append(el('dt', undefined, k), el('dd', undefined, v));
      };
      add('Test loss', b.testLoss !== undefined ? fmtNum(b.testLoss) : undefined);
      add('Test ppl', b.testLoss !== undefined && b.testLoss < 50 ? fmtNum(Math.exp(b.testLoss)) : undefined);
      add('Val loss', b.valLoss !== undefined ? fmtNum(b.valLoss) : undefined);
      add('Epochs', b.epochs !== undefined ? String(b.epochs) : undefined);
      add('#params (benchmark model)', b.numParams !== undefined ? fmtInt(b.numParams) : undefined);
      add('Status', b.status);
      add('Recipe id', b.recepieId !== undefined ? String(b.recepieId) : undefined);
      parts.push(dl);
    }
    const scores = cell.scores ?? [];
    if (scores.length > 0) {
      parts.push(el('h3', undefined, 'Scores'));
      const table = el('table', 'cl-scores');
      for (const s of scores) {
        const tr = el('tr');
        const name = el('td', undefined, s.label);
        name.title = `${s.better} is better${s.evidence ? ` (measured: ${s.evidence} vs −test loss)` : ''}`;
        const val = el('td', 'cl-num', `${fmtNum(s.value)}${s.std ? ` ± ${fmtNum(s.std)}` : ''}`);
        if (s.reason) val.title = s.reason;
        const pct = el('td', 'cl-num cl-muted', s.percentile !== undefined ? `${Math.round(s.percentile)} pct` : '');
        pct.title =
          s.percentile !== undefined
            ? "percentile among the benchmark's trained cells at the same settings (100 = best)"
            : 'no reference population for these settings';
        tr.append(name, val, pct, el('td', 'cl-muted', s.better === 'higher' ? '↑' : '↓'));
        table.append(tr);
      }
      parts.push(table);
    }
    const diags = [
      ...m.cellMarkers,
      ...m.nodes.flatMap((n) => n.markers.map((x) => ({ ...x, message: `${n.name}: ${x.message}` }))),
    ];
    if (diags.length > 0) {
      parts.push(el('h3', undefined, 'Problems'));
      const ul = el('ul', 'cl-problems');
      for (const d of diags.slice(0, 30)) ul.append(el('li', `cl-sev-${d.severity}`, d.message));
      parts.push(ul);
    }
    const key = el('div', 'cl-key');
    for (const [cat, text] of [
      ['input', 'input / state'],
      ['linear', 'linear'],
      ['blend', 'blend'],
      ['elementwise', 'element-wise'],
      ['activation', 'activation'],
    ] as const) {
      const item = el('span', `cl-key-item cl-cat-${cat}`);
      item.append(el('span', 'cl-key-swatch'), document.createTextNode(text));
      key.append(item);
    }
    const rec = el('span', 'cl-key-item cl-key-rec');
    rec.append(el('span', 'cl-key-dash'), document.createTextNode('h_new → h_prev (next step)'));
    key.append(rec);
    parts.push(el('h3', undefined, 'Key'), key);
    this.side.replaceChildren(...parts);
  }

  private applyHighlight(): void {
    this.nodeLayer.selectAll('.cl-node').classed('cl-highlight', false);
    this.edgeLayer.selectAll('.cl-edge').classed('cl-edge-hot', false);
    const h = this.highlighted;
    if (!h || h.node === undefined || !this.cell || h.cellIndex !== this.cell.index) return;
    const id = nodeIdForName(this.cell, h.node);
    if (!id) return;
    this.nodeLayer
      .selectAll<SVGGElement, unknown>('.cl-node')
      .filter(function () {
        return this.getAttribute('data-id') === id;
      })
      .classed('cl-highlight', true)
      .raise();
    this.edgeLayer
      .selectAll<SVGGElement, unknown>('.cl-edge')
      .filter(function () {
        return this.getAttribute('data-target') === id || this.getAttribute('data-source') === id;
      })
      .classed('cl-edge-hot', true)
      .raise();
  }

  private reveal(n: GraphNode): void {
    if (!this.cell) return;
    this.highlighted = { cellIndex: this.cell.index, node: n.name };
    this.applyHighlight();
    this.host.post({ type: 'reveal', cellIndex: this.cell.index, node: n.name });
  }

  private showTooltip(n: GraphNode, value: number | undefined, heat: ScoreSummary | undefined, anchor: Element): void {
    const t = this.tooltip;
    const parts: HTMLElement[] = [];
    const head = el('div', 'cl-tt-head');
    head.append(
      el('strong', undefined, n.name),
      el(
        'span',
        'cl-muted',
        ` ${n.kind === 'op' ? n.op || '(no op)' : n.kind === 'input' ? (n.name === 'x' ? 'cell input' : 'previous hidden state') : 'missing node'}`,
      ),
    );
    parts.push(head);
    if (n.kind === 'op' && isOpName(n.op)) parts.push(el('div', 'cl-tt-desc', OPS[n.op].description));
    const row = (k: string, v: string): void => {
      const d = el('div', 'cl-tt-row');
      d.append(el('span', 'cl-tt-key', k), el('span', undefined, v));
      parts.push(d);
    };
    if (n.kind === 'op')
      row(
        'inputs',
        n.inputs.length ? n.inputs.map((x, i) => (n.op === 'blend' && i < 3 ? `${'abc'[i]}=${x}` : x)).join(', ') : '—',
      );
    row('consumers', n.consumers.length ? n.consumers.join(', ') : '—');
    if (n.params !== undefined) row('params', `${fmtInt(n.params)} (layer 1)`);
    if (n.outputIndex !== undefined) row('output', `hidden state ${n.outputIndex} → h_prev_${n.outputIndex} next step`);
    if (heat && value !== undefined) row(heat.label, fmtNum(value));
    if (n.dead) parts.push(el('div', 'cl-tt-warn', 'Dead: does not reach any output.'));
    for (const m of n.markers) parts.push(el('div', `cl-tt-marker cl-sev-${m.severity}`, m.message));
    if (n.span) parts.push(el('div', 'cl-muted cl-tt-hint', 'Click or Enter: select in the editor'));
    t.replaceChildren(...parts);
    t.hidden = false;
    // Beside the node (right, else left), top-aligned with it, kept inside the window.
    const r = anchor.getBoundingClientRect();
    const gap = 10,
      w = t.offsetWidth,
      h = t.offsetHeight;
    let left = r.right + gap;
    if (left + w > window.innerWidth - 4) left = r.left - gap - w;
    if (left < 4) left = Math.max(4, Math.min(window.innerWidth - w - 4, r.left));
    let top = r.top;
    if (top + h > window.innerHeight - 4) top = Math.max(4, window.innerHeight - h - 4);
    t.style.left = `${left}px`;
    t.style.top = `${top}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  private stageSize(): { w: number; h: number } {
    const r = this.stage.getBoundingClientRect();
    return { w: Math.max(50, r.width), h: Math.max(50, r.height) };
  }

  /** Fit the whole graph into the view. */
  fit(animate: boolean): void {
    const cell = this.cell;
    if (!cell) return;
    const { w, h } = this.stageSize();
    // Fit the whole graph, but never below a readable scale (node names ≥ 9 px: 12 px × 0.75): a tall cell (19–26
    // nodes at half width) starts at the top and pans down, a wide one is centred and pans sideways; the overview
    // (mini-map) shows what is out of view. (Zoom out with − to see it all at a smaller size.)
    const kAll = Math.min(1.6, w / cell.layout.width, h / cell.layout.height);
    const k = Math.max(kAll, READABLE_SCALE);
    const tall = cell.layout.height * k > h;
    const t = zoomIdentity
      .translate((w - cell.layout.width * k) / 2, tall ? 8 : (h - cell.layout.height * k) / 2)
      .scale(k);
    void animate;
    this.svg.call(this.zoomer.transform, t);
    this.zooms[String(cell.index)] = { k: t.k, x: t.x, y: t.y };
    this.saveState();
  }

  private zoomBy(f: number): void {
    const { w, h } = this.stageSize();
    this.zoomer.scaleBy(this.svg, f, [w / 2, h / 2]);
    const t = this.transform();
    this.zooms[String(this.selected)] = { k: t.k, x: t.x, y: t.y };
    this.saveState();
  }

  /** The current zoom transform. */
  transform(): ZoomTransform {
    const n = this.svg.node() as SVGSVGElement & { __zoom?: ZoomTransform };
    return n.__zoom ?? zoomIdentity;
  }

  private ensureVisible(id: string): void {
    const p = this.cell?.layout.nodes[id];
    if (!p) return;
    const t = this.transform();
    const { w, h } = this.stageSize();
    const [sx, sy] = t.apply([p.x, p.y]);
    const m = 40;
    if (sx >= m && sx <= w - m && sy >= m && sy <= h - m) return;
    this.zoomer.translateTo(this.svg, p.x, p.y);
  }

  private onKey(ev: KeyboardEvent): void {
    const target = ev.target as Element | null;
    if (target && (target.tagName === 'SELECT' || target.tagName === 'INPUT')) return;
    const node = target?.closest?.('.cl-node');
    if (node && (ev.key === 'Enter' || ev.key === ' ')) {
      const n = this.cell?.model.nodes.find((x) => x.id === node.getAttribute('data-id'));
      if (n) {
        ev.preventDefault();
        this.reveal(n);
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    // Arrow keys, PageUp/PageDown and Home/End pan (the overview shows where); not on the toolbar's buttons.
    const onButton = target?.tagName === 'BUTTON';
    const { w: sw, h: sh } = this.stageSize();
    const step = ev.shiftKey ? 0.8 : 0;
    const pans: Record<string, [number, number]> = {
      ArrowUp: [0, -(step * sh || PAN_STEP)],
      ArrowDown: [0, step * sh || PAN_STEP],
      ArrowLeft: [-(step * sw || PAN_STEP), 0],
      ArrowRight: [step * sw || PAN_STEP, 0],
      PageUp: [0, -0.8 * sh],
      PageDown: [0, 0.8 * sh],
    };
    if (!onButton && pans[ev.key]) {
      ev.preventDefault();
      this.panBy(...pans[ev.key]);
      return;
    }
    if (!onButton && (ev.key === 'Home' || ev.key === 'End')) {
      ev.preventDefault();
      this.panToEnd(ev.key === 'Home' ? 'top' : 'bottom');
      return;
    }
    if (ev.key === '+' || ev.key === '=') {
      ev.preventDefault();
      this.zoomBy(1.25);
    } else if (ev.key === '-' || ev.key === '_') {
      ev.preventDefault();
      this.zoomBy(1 / 1.25);
    } else if (ev.key === '0') {
      ev.preventDefault();
      this.fit(true);
    } else if (ev.key === 'Escape') this.hideTooltip();
  }

  /** Serialize the current graph as a standalone SVG (computed styles inlined as presentation attributes). */
  exportSvg(): string {
    const cell = this.cell;
    const src = this.svg.node() as SVGSVGElement;
    const width = Math.ceil(cell?.layout.width ?? 100),
      height = Math.ceil(cell?.layout.height ?? 100);
    const out = document.createElementNS(SVG_NS, 'svg');
    out.setAttribute('xmlns', SVG_NS);
    out.setAttribute('width', String(width));
    out.setAttribute('height', String(height));
    out.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const bg = document.createElementNS(SVG_NS, 'rect');
    bg.setAttribute('width', '100%');
    bg.setAttribute('height', '100%');
    bg.setAttribute(
      'fill',
      getComputedStyle(this.root).backgroundColor || this.cssVar('--vscode-editor-background', '#ffffff'),
    );
    out.append(bg);
    const defs = src.querySelector('defs');
    const vp = this.viewport.node() as SVGGElement;
    for (const part of [defs, vp]) {
      if (!part) continue;
      const clone = part.cloneNode(true) as Element;
      inlineStyles(part, clone);
      if (part === vp) clone.removeAttribute('transform');
      out.append(clone);
    }
    // Interaction-only attributes do not belong in a file.
    out.querySelectorAll('[tabindex]').forEach((e) => {
      e.removeAttribute('tabindex');
      e.removeAttribute('role');
    });
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(out);
  }

  /** Rasterise exportSvg() at `scale`× into a PNG data URL. */
  async exportPng(scale = 2): Promise<string> {
    const svgText = this.exportSvg();
    const width = Math.ceil(this.cell?.layout.width ?? 100),
      height = Math.ceil(this.cell?.layout.height ?? 100);
    const img = new Image();
    const loaded = new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the SVG could not be rasterised'));
    });
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
    await loaded;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return canvas.toDataURL('image/png');
  }

  /** Export and post the result to the host. */
  async exportAs(format: ExportFormat): Promise<void> {
    if (!this.cell) {
      this.host.post({ type: 'log', level: 'warn', message: 'Nothing to export: no cell is shown.' });
      return;
    }
    try {
      const data = format === 'svg' ? this.exportSvg() : await this.exportPng();
      this.host.post({ type: 'export', format, cellIndex: this.cell.index, data });
    } catch (e) {
      this.host.post({ type: 'log', level: 'error', message: `Export ${format} failed: ${String(e)}` });
    }
  }
}

function edgeLabel(e: GraphEdge): string | undefined {
  if (e.label) return e.label;
  if (e.kind === 'back') return '↺';
  return undefined;
}

/** The point at distance `d` before the end of a polyline. */
function pointBefore(pts: readonly Point[], d: number): Point {
  let rest = d;
  for (let i = pts.length - 1; i > 0; i--) {
    const a = pts[i],
      b = pts[i - 1];
    const len = Math.hypot(a.x - b.x, a.y - b.y);
    if (len >= rest && len > 0) return { x: a.x + ((b.x - a.x) * rest) / len, y: a.y + ((b.y - a.y) * rest) / len };
    rest -= len;
  }
  return pts[0];
}

function nodeAria(n: GraphNode, value: number | undefined, heatLabel: string | undefined): string {
  const bits = [n.name, n.kind === 'op' ? n.op || 'no op' : n.kind === 'input' ? 'input' : 'missing node'];
  if (n.inputs.length) bits.push(`inputs ${n.inputs.join(', ')}`);
  if (n.dead) bits.push('dead');
  if (n.onlyHere) bits.push('only in this cell');
  if (n.markers.length)
    bits.push(
      `${n.markers.length} problem${n.markers.length > 1 ? 's' : ''}: ${n.markers.map((m) => m.message).join(' ')}`,
    );
  if (value !== undefined && heatLabel) bits.push(`${heatLabel} ${fmtNum(value)}`);
  return bits.join(', ');
}

function nodeIdForName(cell: CellView, name: string): string | undefined {
  for (const prefix of ['n:', 'in:', 'missing:'])
    if (cell.model.nodes.some((n) => n.id === prefix + name)) return prefix + name;
  return undefined;
}

function cssEscape(s: string): string {
  return typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&');
}

/** SVG presentation properties copied from computed styles on export. */
const INLINE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
  'stop-color',
  'stop-opacity',
];

function inlineStyles(src: Element, dst: Element): void {
  const cs = getComputedStyle(src);
  for (const p of INLINE_PROPS) {
    const v = cs.getPropertyValue(p);
    if (v) dst.setAttribute(p, v);
  }
  if (dst instanceof SVGElement || dst instanceof HTMLElement) dst.style.cssText = '';
  dst.removeAttribute('style');
  dst.removeAttribute('class');
  const a = src.children,
    b = dst.children;
  for (let i = 0; i < a.length && i < b.length; i++) inlineStyles(a[i], b[i]);
}
