/**
 * The cell-graph view: draws a CellView (model + layout from the extension) as SVG with d3, with pan/zoom,
 * keyboard access, tooltips, highlight, diagnostics badges, heat-map overlay, side panel and SVG/PNG export.
 * Composes the parts of webview/graph/ (toolbar, draw, minimap, legend, sidePanel, tooltip, zoom, export) and keeps
 * the interaction state. Browser-only (DOM); no `vscode` import: the host messaging is injected (see main.ts).
 */
import type { ZoomTransform } from 'd3-zoom';
import type { GraphNode } from '../../src/graph/model';
import type {
  CellView,
  ExportBackground,
  ExportFormat,
  FromWebview,
  RenderMessage,
  WebviewState,
} from '../../src/graph/protocol';
import { fitView, openingView, overviewSize, sidePanelOpen, type Rect, type Transform } from '../../src/graph/viewport';
import { el } from '../page';
import { cssVar } from './format';
import { Toolbar } from './toolbar';
import { GraphDrawing } from './draw';
import { Minimap } from './minimap';
import { HeatLegend, heatScale } from './legend';
import { SidePanel } from './sidePanel';
import { Tooltip } from './tooltip';
import { ZoomControl, type ZoomState } from './zoom';
import { exportSvg, svgToPng } from './export';

/** What the view needs from its host (the VS Code webview API, or a test page). */
export interface ViewHost {
  post(message: FromWebview): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

/** Renders one document's cells into `root` and keeps the interaction state. */
export class GraphView {
  private readonly toolbar: Toolbar;
  private readonly banner: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly drawing: GraphDrawing;
  private readonly legend: HeatLegend;
  private readonly side: SidePanel;
  private readonly tooltip: Tooltip;
  private readonly empty: HTMLElement;
  private readonly minimap: Minimap;
  private readonly zoom: ZoomControl;
  private last: RenderMessage | undefined;
  private cell: CellView | undefined;
  private selected = 0;
  private heat = '';
  private zooms: Record<string, ZoomState> = {};
  private highlighted: { cellIndex: number; node?: string } | undefined;
  private uri: string | undefined;
  private pinned = false;
  /** The side panel opened / closed with the Details toggle (undefined: by the panel's width). */
  private details: boolean | undefined;
  private background: ExportBackground = 'theme';
  /** The view the current transform is (Fit, the opening view) until the user moves it: refitted on a resize. */
  private autoView: 'fit' | 'opening' | undefined;

  /**
   * `options.opening`: how a cell opens: `readable` (default; the graph panel) fits it whole when its names stay
   * ≥ 9 px, else opens it readable from the top; `fit` (Compare's small panes, where the shape is the point) fits it.
   */
  constructor(
    private readonly root: HTMLElement,
    private readonly host: ViewHost,
    private readonly options: { readonly opening?: 'readable' | 'fit' } = {},
  ) {
    const st = host.getState() ?? {};
    this.selected = st.selectedCell ?? 0;
    this.heat = st.heat ?? '';
    this.zooms = { ...(st.zoom ?? {}) };
    this.uri = st.uri;
    this.pinned = st.pinned === true;
    this.details = st.details;
    this.background = st.exportBackground ?? 'theme';

    root.classList.add('cl-root');
    this.side = new SidePanel();
    this.toolbar = new Toolbar(
      {
        selectCell: (index) => this.selectCell(index, true),
        selectHeat: (id) => {
          this.heat = id;
          this.saveState();
          this.draw();
        },
        togglePin: () => this.host.post({ type: 'pin', pinned: !this.pinned }),
        zoomBy: (f) => this.zoomBy(f),
        fit: () => this.fit(true),
        toggleDetails: () => {
          this.details = !this.sideOpen();
          this.saveState();
          this.resized();
        },
        selectBackground: (background) => {
          this.background = background;
          this.saveState();
        },
        exportAs: (format) => void this.exportAs(format),
      },
      this.side.el.id,
    );
    this.toolbar.showBackground(this.background);
    this.banner = el('div', 'cl-banner');
    this.banner.setAttribute('role', 'status');
    this.banner.hidden = true;
    const body = el('div', 'cl-body');
    this.stage = el('div', 'cl-stage');
    this.legend = new HeatLegend();
    this.empty = el('div', 'cl-empty', 'Waiting for a cell…');
    this.tooltip = new Tooltip();
    body.append(this.stage, this.side.el);
    root.append(this.toolbar.el, this.banner, body, this.tooltip.el);

    this.drawing = new GraphDrawing(this.stage);
    this.minimap = new Minimap(root, (x, y) => this.zoom.moveTo(x, y));
    this.stage.append(this.legend.el, this.empty, this.minimap.el);
    this.zoom = new ZoomControl(this.drawing.svg, this.stage, {
      zoom: (t) => {
        this.drawing.viewport.attr('transform', t.toString());
        this.tooltip.hide();
        this.minimap.update(this.cell, t, this.zoom.stageSize(), this.overlays());
      },
      end: (t, auto) => {
        if (!auto) this.autoView = undefined;
        this.zooms[String(this.selected)] = { k: t.k, x: t.x, y: t.y };
        this.saveState();
      },
    });

    root.addEventListener('keydown', (ev) => this.onKey(ev));
    this.side.render(this.cell);
    this.layoutSide();
  }

  /** Whether the side panel is open: the Details toggle's choice, else by the panel's width (src/graph/viewport.ts). */
  private sideOpen(): boolean {
    return sidePanelOpen(this.root.getBoundingClientRect().width, this.details);
  }

  /** Open or close the side panel as sideOpen() says; whether that changed it. */
  private layoutSide(): boolean {
    const open = this.sideOpen();
    const changed = this.root.classList.contains('cl-side-closed') === open;
    this.root.classList.toggle('cl-side-closed', !open);
    this.toolbar.showDetails(open);
    return changed;
  }

  /** The overlays of the stage the graph should not be under (the heat-map legend while shown). */
  private overlays(): Rect[] {
    const legend = this.legend.rect();
    return legend ? [legend] : [];
  }

  /** The last cell drawn (for tests and export). */
  get current(): CellView | undefined {
    return this.cell;
  }

  /**
   * Apply a `render` message: draw the selected cell, keep the zoom transform. A busy render (a big document being
   * analysed) clears the previous document's graph and says what is happening; the render that follows opens at
   * its selected cell (the cell under the cursor), fitted.
   */
  render(msg: RenderMessage): void {
    const first = this.last === undefined;
    const afterBusy = this.last?.busy !== undefined && this.last.uri === msg.uri;
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
    } else if (afterBusy && msg.selectedCell !== undefined) {
      this.selected = msg.selectedCell;
      this.zooms = {};
      this.cell = undefined;
    }
    this.last = msg;
    this.pinned = msg.pinned === true;
    this.toolbar.showPin(this.pinned, msg.title);
    if (msg.cells.length > 0 && !this.cells().some((c) => c.index === this.selected))
      this.selected = msg.cells[0].index;
    this.root.classList.toggle('cl-stale', msg.stale);
    this.banner.hidden = !msg.stale;
    this.banner.textContent = msg.stale
      ? `Showing the last valid graph — ${msg.error ?? 'the document is not valid JSON'}`
      : '';
    this.toolbar.fillCells(this.cells(), this.selected);
    this.saveState();
    this.draw();
  }

  /** The document's cells as the picker lists them (all of them, also in a big document whose views come on demand). */
  private cells(): readonly { index: number; label: string }[] {
    return this.last?.outline ?? this.last?.cells ?? [];
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
    if (!this.cells().some((c) => c.index === index)) return;
    this.selected = index;
    this.toolbar.showCell(index);
    this.saveState();
    this.draw();
    if (fromUser) this.host.post({ type: 'selectCell', cellIndex: index });
  }

  private saveState(): void {
    this.host.setState({
      uri: this.uri,
      selectedCell: this.selected,
      zoom: this.zooms,
      heat: this.heat,
      ...(this.pinned ? { pinned: true } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
      ...(this.background !== 'theme' ? { exportBackground: this.background } : {}),
    });
  }

  private draw(): void {
    const cell = this.last?.cells.find((c) => c.index === this.selected);
    const previous = this.cell;
    this.cell = cell;
    const focusedId = document.activeElement?.closest?.('.cl-node')?.getAttribute('data-id') ?? undefined;
    this.drawing.clear();
    this.tooltip.hide();
    this.empty.hidden = !!cell;
    if (!cell) {
      this.empty.textContent = this.last?.busy
        ? this.last.busy
        : this.last?.cells.length
          ? `Loading ${this.cells().find((c) => c.index === this.selected)?.label ?? 'the cell'}…`
          : this.last
            ? this.last.stale
              ? 'The document is not valid JSON yet.'
              : 'No NAS-Bench-NLP cell in this document.'
            : 'Waiting for a cell…';
      this.toolbar.fillHeat([], this.heat);
      this.legend.hidden = true;
      this.side.render(undefined);
      return;
    }
    this.toolbar.fillHeat(cell.scores ?? [], this.heat);
    const heat = (cell.scores ?? []).find((s) => s.id === this.heat && s.perNode);
    const heatColor = heat ? heatScale(heat, this.root) : undefined;
    this.drawing.draw(cell, heat, heatColor, {
      enter: (n, value, node) => this.tooltip.show(n, value, heat, node),
      leave: (node) => {
        if (document.activeElement !== node) this.tooltip.hide();
      },
      focus: (n, value, node) => {
        const p = this.cell?.layout.nodes[n.id];
        if (p) this.zoom.ensureVisible(p);
        this.tooltip.show(n, value, heat, node);
      },
      blur: () => this.tooltip.hide(),
      click: (n) => this.reveal(n),
    });

    this.legend.hidden = !heatColor;
    if (heat && heatColor) this.legend.show(heat, heatColor, this.zoom.stageSize());
    this.side.render(cell);
    this.applyHighlight();

    // Zoom: keep the user's transform on a redraw of the same cell; restore or fit when switching cells.
    const sameCell = previous !== undefined && previous.index === cell.index;
    if (!sameCell) {
      const z = this.zooms[String(cell.index)];
      if (z) {
        this.zoom.restore(z);
        this.autoView = undefined;
      } else this.applyView('opening');
    } else if (this.autoView) this.applyView(this.autoView);
    if (focusedId) this.drawing.focus(focusedId);
    this.minimap.draw(this.cell, this.zoom.transform(), this.zoom.stageSize(), this.overlays());
  }

  /**
   * The panel was resized (or the side panel opened / closed): the side panel follows the width, the legend stays
   * inside, a view the user has not moved is fitted again (a moved one is kept; 0 refits), the overview follows.
   */
  resized(): void {
    this.layoutSide();
    this.legend.place(this.zoom.stageSize());
    if (this.cell && this.autoView) this.applyView(this.autoView);
    this.minimap.update(this.cell, this.zoom.transform(), this.zoom.stageSize(), this.overlays());
  }

  /** The transform of `view` for the current cell in the current stage (src/graph/viewport.ts). */
  private viewTransform(view: 'fit' | 'opening'): Transform | undefined {
    const cell = this.cell;
    if (!cell) return undefined;
    const stage = this.zoom.stageSize();
    const size = { w: stage.w, h: stage.h };
    return view === 'fit' || this.options.opening === 'fit'
      ? fitView(cell.layout, size, this.overlays())
      : openingView(cell.layout, size, overviewSize(cell.layout).size, this.overlays());
  }

  private applyView(view: 'fit' | 'opening'): void {
    const t = this.viewTransform(view);
    if (!t || !this.cell) return;
    this.zooms[String(this.cell.index)] = this.zoom.apply(t);
    this.autoView = view;
    this.saveState();
  }

  /** Pan the view by (dx, dy) screen pixels (positive: show what is further right / down). */
  panBy(dx: number, dy: number): void {
    this.zoom.panBy(dx, dy);
  }

  private applyHighlight(): void {
    const h = this.highlighted;
    this.drawing.highlight(this.cell, h && this.cell && h.cellIndex === this.cell.index ? h.node : undefined);
  }

  private reveal(n: GraphNode): void {
    if (!this.cell) return;
    this.highlighted = { cellIndex: this.cell.index, node: n.name };
    this.applyHighlight();
    this.host.post({ type: 'reveal', cellIndex: this.cell.index, node: n.name });
  }

  /** Fit the whole graph into the part of the view the overlays (the legend) leave. */
  fit(animate: boolean): void {
    void animate;
    this.applyView('fit');
  }

  private zoomBy(f: number): void {
    this.zooms[String(this.selected)] = this.zoom.zoomBy(f);
    this.saveState();
  }

  /** The current zoom transform. */
  transform(): ZoomTransform {
    return this.zoom.transform();
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
    const pan = this.zoom.keyPan(ev.key, ev.shiftKey);
    if (!onButton && pan) {
      ev.preventDefault();
      this.panBy(...pan);
      return;
    }
    if (!onButton && (ev.key === 'Home' || ev.key === 'End')) {
      ev.preventDefault();
      if (this.cell) this.zoom.panToEnd(this.cell.layout, ev.key === 'Home' ? 'top' : 'bottom');
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
    } else if (ev.key === 'Escape') this.tooltip.hide();
  }

  /**
   * Serialize the current graph as a standalone SVG (computed styles inlined as presentation attributes) on
   * `background` (default: the toolbar's choice).
   */
  exportSvg(background: ExportBackground = this.background): string {
    return exportSvg(
      this.drawing.svg.node() as SVGSVGElement,
      this.drawing.viewport.node() as SVGGElement,
      this.exportSize(),
      background,
      getComputedStyle(this.root).backgroundColor || cssVar(this.root, '--vscode-editor-background', '#ffffff'),
      this.root,
    );
  }

  /** Rasterise exportSvg() at `scale`× into a PNG data URL. */
  async exportPng(scale = 2, background: ExportBackground = this.background): Promise<string> {
    return svgToPng(this.exportSvg(background), this.exportSize(), scale);
  }

  private exportSize(): { width: number; height: number } {
    return { width: this.cell?.layout.width ?? 100, height: this.cell?.layout.height ?? 100 };
  }

  /** Export on `background` (default: the toolbar's choice) and post the result to the host. */
  async exportAs(format: ExportFormat, background: ExportBackground = this.background): Promise<void> {
    if (!this.cell) {
      this.host.post({ type: 'log', level: 'warn', message: 'Nothing to export: no cell is shown.' });
      return;
    }
    try {
      const data = format === 'svg' ? this.exportSvg(background) : await this.exportPng(2, background);
      this.host.post({ type: 'export', format, cellIndex: this.cell.index, data });
    } catch (e) {
      this.host.post({ type: 'log', level: 'error', message: `Export ${format} failed: ${String(e)}` });
    }
  }
}
