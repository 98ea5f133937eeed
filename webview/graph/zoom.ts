/** Pan and zoom of the graph view (d3-zoom): fit, zoom steps, keyboard panning, keeping a focused node in view. */
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { Point } from '../../src/graph/geometry';
import type { CellView } from '../../src/graph/protocol';
import type { SvgSel } from './draw';

/** The smallest zoom "Fit" uses when only the height would need less: node names stay ≥ 9 px (12 px × 0.75). */
const READABLE_SCALE = 0.75;
/** Keyboard panning step (screen px); Shift or PageUp/PageDown pan by most of the view. */
const PAN_STEP = 60;

/** A zoom transform as the page state keeps it (per cell). */
export interface ZoomState {
  k: number;
  x: number;
  y: number;
}

type GraphLayout = CellView['layout'];

const stateOf = (t: ZoomTransform): ZoomState => ({ k: t.k, x: t.x, y: t.y });

export class ZoomControl {
  private readonly zoomer: ZoomBehavior<SVGSVGElement, unknown>;

  /** `zoom` follows every change of the transform, `end` the end of a gesture. */
  constructor(
    private readonly svg: SvgSel,
    private readonly stage: HTMLElement,
    on: { zoom(t: ZoomTransform): void; end(t: ZoomTransform): void },
  ) {
    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.1, 6])
      .filter(
        (ev: Event) =>
          (ev.type !== 'mousedown' || !(ev.target as Element).closest?.('.cl-node')) && !(ev as MouseEvent).button,
      )
      .on('zoom', (ev: { transform: ZoomTransform }) => on.zoom(ev.transform))
      .on('end', (ev: { transform: ZoomTransform }) => on.end(ev.transform));
    this.svg.call(this.zoomer).on('dblclick.zoom', null);
  }

  /** The current zoom transform. */
  transform(): ZoomTransform {
    const n = this.svg.node() as SVGSVGElement & { __zoom?: ZoomTransform };
    return n.__zoom ?? zoomIdentity;
  }

  /** The size of the stage the graph is drawn in (at least 50 × 50). */
  stageSize(): { w: number; h: number } {
    const r = this.stage.getBoundingClientRect();
    return { w: Math.max(50, r.width), h: Math.max(50, r.height) };
  }

  /** Apply a saved transform. */
  restore(z: ZoomState): void {
    this.zoomer.transform(this.svg, zoomIdentity.translate(z.x, z.y).scale(z.k));
  }

  /** Fit a graph of `layout` into the view; the transform applied. */
  fit(layout: GraphLayout): ZoomState {
    const { w, h } = this.stageSize();
    // Fit the whole graph, but never below a readable scale (node names ≥ 9 px: 12 px × 0.75): a tall cell (19–26
    // nodes at half width) starts at the top and pans down, a wide one is centred and pans sideways; the overview
    // (mini-map) shows what is out of view. (Zoom out with − to see it all at a smaller size.)
    const kAll = Math.min(1.6, w / layout.width, h / layout.height);
    const k = Math.max(kAll, READABLE_SCALE);
    const tall = layout.height * k > h;
    const t = zoomIdentity.translate((w - layout.width * k) / 2, tall ? 8 : (h - layout.height * k) / 2).scale(k);
    this.zoomer.transform(this.svg, t);
    return stateOf(t);
  }

  /** Zoom by `f` about the centre of the view; the transform after. */
  zoomBy(f: number): ZoomState {
    const { w, h } = this.stageSize();
    this.zoomer.scaleBy(this.svg, f, [w / 2, h / 2]);
    return stateOf(this.transform());
  }

  /** Pan the view by (dx, dy) screen pixels (positive: show what is further right / down). */
  panBy(dx: number, dy: number): void {
    const k = this.transform().k;
    this.zoomer.translateBy(this.svg, -dx / k, -dy / k);
  }

  /** Pan to the top (inputs) or the bottom (outputs) of a graph of `layout`, keeping the horizontal position. */
  panToEnd(layout: GraphLayout, end: 'top' | 'bottom'): void {
    const t = this.transform();
    const { h } = this.stageSize();
    const y = end === 'top' ? 8 : h - 8 - layout.height * t.k;
    this.zoomer.transform(this.svg, zoomIdentity.translate(t.x, y).scale(t.k));
  }

  /** Centre the view on a point of the graph. */
  moveTo(x: number, y: number): void {
    this.zoomer.translateTo(this.svg, x, y);
  }

  /** Centre the view on `p` unless it is already well inside the view. */
  ensureVisible(p: Point): void {
    const t = this.transform();
    const { w, h } = this.stageSize();
    const [sx, sy] = t.apply([p.x, p.y]);
    const m = 40;
    if (sx >= m && sx <= w - m && sy >= m && sy <= h - m) return;
    this.zoomer.translateTo(this.svg, p.x, p.y);
  }

  /** The pan (screen px) of an arrow key (Shift: most of the view) or PageUp / PageDown; undefined for other keys. */
  keyPan(key: string, shift: boolean): [number, number] | undefined {
    const { w: sw, h: sh } = this.stageSize();
    const step = shift ? 0.8 : 0;
    const pans: Record<string, [number, number]> = {
      ArrowUp: [0, -(step * sh || PAN_STEP)],
      ArrowDown: [0, step * sh || PAN_STEP],
      ArrowLeft: [-(step * sw || PAN_STEP), 0],
      ArrowRight: [step * sw || PAN_STEP, 0],
      PageUp: [0, -0.8 * sh],
      PageDown: [0, 0.8 * sh],
    };
    return pans[key];
  }
}
