/**
 * Drawing a cell as SVG with d3: the arrow markers, the edges (a monotone curve through the layout's polyline) and
 * the nodes (shape by category, name, op, diagnostics badge, heat colour), and the highlight of a node and its edges.
 */
import { select, type Selection } from 'd3-selection';
import { line, curveBasis, curveMonotoneY } from 'd3-shape';
import { isMonotoneY, OUTPUT_RING, type Point } from '../../src/graph/geometry';
import { nodeIdForName, type GraphEdge, type GraphNode } from '../../src/graph/model';
import type { CellView, ScoreSummary } from '../../src/graph/protocol';
import { formatScore } from '../../src/shared/format';

type GSel = Selection<SVGGElement, unknown, null, undefined>;
export type SvgSel = Selection<SVGSVGElement, unknown, null, undefined>;

/** What a drawn node does on hover, focus and click. */
export interface NodeEvents {
  enter(n: GraphNode, value: number | undefined, node: SVGGElement): void;
  leave(node: SVGGElement): void;
  focus(n: GraphNode, value: number | undefined, node: SVGGElement): void;
  blur(): void;
  click(n: GraphNode): void;
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

/** The SVG of the graph view: markers, and under the zoomed viewport the edge and node layers. */
export class GraphDrawing {
  readonly svg: SvgSel;
  readonly viewport: GSel;
  private readonly edgeLayer: GSel;
  private readonly nodeLayer: GSel;

  constructor(stage: HTMLElement) {
    this.svg = select(stage)
      .append('svg')
      .attr('class', 'cl-graph')
      .attr('role', 'group')
      .attr('aria-label', 'Cell graph');
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
    this.viewport = this.svg.append('g').attr('class', 'cl-viewport');
    this.edgeLayer = this.viewport.append('g').attr('class', 'cl-edges');
    this.nodeLayer = this.viewport.append('g').attr('class', 'cl-nodes');
  }

  /** Remove the drawn cell. */
  clear(): void {
    this.edgeLayer.selectAll('*').remove();
    this.nodeLayer.selectAll('*').remove();
  }

  /** Draw `cell` (after clear()); with a heat-map, nodes with a value are filled by `heatColor`. */
  draw(
    cell: CellView,
    heat: ScoreSummary | undefined,
    heatColor: ((v: number) => string) | undefined,
    events: NodeEvents,
  ): void {
    const { model, layout } = cell;
    this.svg.attr('aria-label', `Graph of ${cell.label}: ${model.nodes.length} nodes, ${model.edges.length} edges`);
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
          .attr(
            'd',
            shapePath({ category: n.category, width: n.width + 2 * OUTPUT_RING, height: n.height + 2 * OUTPUT_RING }),
          );
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
      node.addEventListener('mouseenter', () => events.enter(n, value, node));
      node.addEventListener('mouseleave', () => events.leave(node));
      node.addEventListener('focus', () => events.focus(n, value, node));
      node.addEventListener('blur', () => events.blur());
      node.addEventListener('click', (ev) => {
        ev.stopPropagation();
        events.click(n);
      });
    }
  }

  /** Outline node `name` of `cell` and its edges (none: no outline). */
  highlight(cell: CellView | undefined, name: string | undefined): void {
    this.nodeLayer.selectAll('.cl-node').classed('cl-highlight', false);
    this.edgeLayer.selectAll('.cl-edge').classed('cl-edge-hot', false);
    if (name === undefined || !cell) return;
    const id = nodeIdForName(cell.model, name);
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

  /** Give the keyboard focus to the drawn node `id`, if it is drawn. */
  focus(id: string): void {
    (this.nodeLayer.node()?.querySelector(`[data-id="${cssEscape(id)}"]`) as SVGGElement | null)?.focus();
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
  if (value !== undefined && heatLabel) bits.push(`${heatLabel} ${formatScore(value)}`);
  return bits.join(', ');
}

function cssEscape(s: string): string {
  return typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&');
}
