/**
 * The overview (mini-map) of a graph larger than the panel: the node boxes and the visible part; click or drag to
 * move the view there, or focus it (Tab) and use the arrow keys, PageUp/PageDown, Home/End. It sits in a corner of
 * the stage where it covers no node (src/graph/viewport.ts placeOverview), and stays hidden while the whole graph is
 * in view or no corner is free.
 */
import { select, type Selection } from 'd3-selection';
import type { ZoomTransform } from 'd3-zoom';
import { el } from '../page';
import type { CellView } from '../../src/graph/protocol';
import { overviewSize, placeOverview, type Corner, type Rect } from '../../src/graph/viewport';

type SvgSel = Selection<SVGSVGElement, unknown, null, undefined>;

export class Minimap {
  readonly el: HTMLElement;
  private readonly svg: SvgSel;
  private readonly nodes: Selection<SVGGElement, unknown, null, undefined>;
  private readonly view: Selection<SVGRectElement, unknown, null, undefined>;
  private scale = 1;
  private corner: Corner | undefined;

  /** `moveTo(x, y)` centres the view on a point of the graph; `root` (the view's) gets `cl-overflow` while it shows. */
  constructor(
    private readonly root: Element,
    moveTo: (x: number, y: number) => void,
  ) {
    this.el = el('div', 'cl-minimap');
    this.el.hidden = true;
    this.el.tabIndex = 0;
    this.el.setAttribute('role', 'group');
    this.el.setAttribute('aria-roledescription', 'mini-map');
    this.el.setAttribute('aria-label', 'Overview of the graph: arrow keys, Page Up/Down, Home/End move the view');
    this.el.setAttribute('aria-keyshortcuts', 'ArrowUp ArrowDown ArrowLeft ArrowRight PageUp PageDown Home End');
    this.el.title = 'Overview: click or drag to move the view (arrow keys when focused)';
    this.svg = select(this.el).append('svg').attr('class', 'cl-minimap-svg').attr('aria-hidden', 'true');
    this.nodes = this.svg.append('g').attr('class', 'cl-mm-nodes');
    this.view = this.svg.append('rect').attr('class', 'cl-mm-view');
    const move = (ev: PointerEvent): void => {
      const svg = this.svg.node() as SVGSVGElement;
      const r = svg.getBoundingClientRect();
      // The map may be drawn smaller than its viewBox (a shrunk overview): screen → map → graph.
      const f = r.width > 0 ? svg.viewBox.baseVal.width / r.width : 1;
      moveTo(((ev.clientX - r.left) * f) / this.scale, ((ev.clientY - r.top) * f) / this.scale);
    };
    this.el.addEventListener('pointerdown', (ev) => {
      ev.preventDefault();
      this.el.focus();
      this.el.setPointerCapture?.(ev.pointerId);
      move(ev);
      const up = (): void => {
        this.el.removeEventListener('pointermove', move);
        this.el.removeEventListener('pointerup', up);
      };
      this.el.addEventListener('pointermove', move);
      this.el.addEventListener('pointerup', up);
    });
  }

  /** The node boxes of `cell` (none: hidden), then update() for the zoom transform `t` of a `stage` this large. */
  draw(
    cell: CellView | undefined,
    t: ZoomTransform,
    stage: { w: number; h: number },
    avoid: readonly Rect[] = [],
  ): void {
    this.nodes.selectAll('*').remove();
    if (!cell) {
      this.el.hidden = true;
      return;
    }
    const L = cell.layout;
    const s = overviewSize(L).scale;
    this.scale = s;
    this.svg.attr('viewBox', `0 0 ${Math.ceil(L.width * s)} ${Math.ceil(L.height * s)}`);
    for (const n of cell.model.nodes) {
      const p = L.nodes[n.id];
      if (!p) continue;
      this.nodes
        .append('rect')
        .attr('class', `cl-mm-node cl-cat-${n.category}${n.dead ? ' cl-dead' : ''}`)
        .attr('x', (p.x - n.width / 2) * s)
        .attr('y', (p.y - n.height / 2) * s)
        .attr('width', Math.max(1, n.width * s))
        .attr('height', Math.max(1, n.height * s));
    }
    this.update(cell, t, stage, avoid);
  }

  /**
   * Show the overview when part of the graph is out of view, with the visible part outlined, in a corner where it
   * covers no node and none of `avoid` (the legend; stage coordinates).
   */
  update(
    cell: CellView | undefined,
    t: ZoomTransform,
    stage: { w: number; h: number },
    avoid: readonly Rect[] = [],
  ): void {
    if (!cell) {
      this.el.hidden = true;
      return;
    }
    const L = cell.layout;
    const { w, h } = stage;
    const vx = -t.x / t.k,
      vy = -t.y / t.k,
      vw = w / t.k,
      vh = h / t.k;
    const tol = 2;
    const outOfView = vx > tol || vy > tol || vx + vw < L.width - tol || vy + vh < L.height - tol;
    const nodes = cell.model.nodes.flatMap((n) => {
      const p = L.nodes[n.id];
      return p
        ? [
            {
              x: t.x + (p.x - n.width / 2) * t.k,
              y: t.y + (p.y - n.height / 2) * t.k,
              w: n.width * t.k,
              h: n.height * t.k,
            },
          ]
        : [];
    });
    const place = outOfView ? placeOverview(stage, overviewSize(L).size, nodes, avoid, this.corner) : undefined;
    this.el.hidden = !place;
    this.root.classList.toggle('cl-overflow', outOfView);
    if (!place) return;
    this.corner = place.corner;
    this.el.dataset.corner = place.corner;
    Object.assign(this.el.style, {
      left: `${place.rect.x}px`,
      top: `${place.rect.y}px`,
      width: `${place.rect.w}px`,
      height: `${place.rect.h}px`,
    });
    const x0 = Math.max(0, vx),
      y0 = Math.max(0, vy);
    const x1 = Math.min(L.width, vx + vw),
      y1 = Math.min(L.height, vy + vh);
    const s = this.scale;
    this.view
      .attr('x', x0 * s)
      .attr('y', y0 * s)
      .attr('width', Math.max(2, (x1 - x0) * s))
      .attr('height', Math.max(2, (y1 - y0) * s));
    const pct = (v: number) => Math.round(Math.max(0, Math.min(100, v)));
    this.el.setAttribute(
      'aria-valuetext',
      `showing ${pct((y0 / L.height) * 100)}–${pct((y1 / L.height) * 100)} % of the height`,
    );
  }
}
