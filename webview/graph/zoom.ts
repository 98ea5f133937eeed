/** Pan and zoom of the graph view (d3-zoom): applying a fitted transform, zoom steps, keyboard panning, keeping a focused node in view. */
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { Point } from '../../src/graph/geometry';
import { MIN_SCALE, type Transform } from '../../src/graph/viewport';
import type { CellView } from '../../src/graph/protocol';
import type { SvgSel } from './draw';

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

  /** Set while apply() runs: the transform it sets is the view's own (Fit, the opening view), not the user's. */
  private applying = false;

  /**
   * `zoom` follows every change of the transform, `end` the end of a gesture (`auto`: the transform came from
   * apply(), not from the user).
   */
  constructor(
    private readonly svg: SvgSel,
    private readonly stage: HTMLElement,
    on: { zoom(t: ZoomTransform): void; end(t: ZoomTransform, auto: boolean): void },
  ) {
    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, 6])
      .filter(
        (ev: Event) =>
          (ev.type !== 'mousedown' || !(ev.target as Element).closest?.('.cl-node')) && !(ev as MouseEvent).button,
      )
      .on('zoom', (ev: { transform: ZoomTransform }) => on.zoom(ev.transform))
      .on('end', (ev: { transform: ZoomTransform }) => on.end(ev.transform, this.applying));
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

  /** Apply a transform computed for the stage (src/graph/viewport.ts: Fit, the opening view); the state applied. */
  apply(t: Transform): ZoomState {
    const z = zoomIdentity.translate(t.x, t.y).scale(t.k);
    this.applying = true;
    try {
      this.zoomer.transform(this.svg, z);
    } finally {
      this.applying = false;
    }
    return stateOf(this.transform());
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
