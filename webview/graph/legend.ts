/**
 * The heat-map: the colour scale of a score's per-node values and its legend (a gradient bar with an axis), sized to
 * what it holds (no tick label clipped) and placed inside the stage (src/graph/viewport.ts placeLegend).
 */
import { select } from 'd3-selection';
import { scaleLinear } from 'd3-scale';
import { axisBottom } from 'd3-axis';
import { el } from '../page';
import { cssVar } from './format';
import { formatScore } from '../../src/shared/format';
import type { ScoreSummary } from '../../src/graph/protocol';
import { legendBarWidth, placeLegend, type Rect, type Size } from '../../src/graph/viewport';

/** The colour of a per-node value: low, mid and high from the theme (`--cl-heat-*`), over the values' range. */
export function heatScale(score: ScoreSummary, root: Element): (v: number) => string {
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
      cssVar(root, '--cl-heat-low', '#3794ff'),
      cssVar(root, '--cl-heat-mid', '#cca700'),
      cssVar(root, '--cl-heat-high', '#f14c4c'),
    ])
    .clamp(true);
  return (v: number) => s(v);
}

/** The legend over the graph while a heat-map is shown. */
export class HeatLegend {
  readonly el: HTMLElement;
  private placed: Rect | undefined;

  constructor() {
    this.el = el('div', 'cl-legend');
    this.el.hidden = true;
  }

  set hidden(hidden: boolean) {
    this.el.hidden = hidden;
  }

  /** The legend of `score` for a stage `stage` large (its bar narrower in a narrow stage), placed inside it. */
  show(score: ScoreSummary, color: (v: number) => string, stage: Size): void {
    const vals = Object.values(score.perNode ?? {}).filter(Number.isFinite);
    let lo = Math.min(...vals),
      hi = Math.max(...vals);
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const w = legendBarWidth(stage.w),
      h = 10;
    const title = el('div', 'cl-legend-title', `${score.label} per node (${score.better} is better)`);
    this.el.replaceChildren(title);
    const svg = select(this.el).append('svg').attr('class', 'cl-legend-svg');
    const grad = svg.append('defs').append('linearGradient').attr('id', 'cl-legend-grad');
    for (let i = 0; i <= 10; i++) {
      grad
        .append('stop')
        .attr('offset', `${i * 10}%`)
        .attr('stop-color', color(lo + ((hi - lo) * i) / 10));
    }
    const content = svg.append('g');
    content
      .append('rect')
      .attr('x', 0)
      .attr('y', 0)
      .attr('width', w)
      .attr('height', h)
      .attr('fill', 'url(#cl-legend-grad)')
      .attr('class', 'cl-legend-bar');
    const x = scaleLinear().domain([lo, hi]).range([0, w]);
    content
      .append('g')
      .attr('class', 'cl-legend-axis')
      .attr('transform', `translate(0,${h + 1})`)
      .call(
        axisBottom(x)
          .ticks(Math.max(2, Math.round(w / 45)))
          .tickSize(3)
          .tickFormat((d) => formatScore(Number(d))),
      );
    // Size the SVG to what it holds (tick labels reach past the bar's ends and below it), with a pixel to spare.
    const box = (content.node() as SVGGElement).getBBox();
    const x0 = Math.floor(box.x) - 1,
      y0 = Math.floor(box.y) - 1,
      bw = Math.ceil(box.width) + 2,
      bh = Math.ceil(box.height) + 2;
    svg.attr('width', bw).attr('height', bh).attr('viewBox', `${x0} ${y0} ${bw} ${bh}`);
    title.style.maxWidth = `${Math.max(bw, stage.w - 40)}px`;
    this.place(stage);
  }

  /** Keep the legend inside a stage `stage` large (after a resize). */
  place(stage: Size): void {
    if (this.el.hidden) return;
    const { rect, scale } = placeLegend(stage, { w: this.el.offsetWidth, h: this.el.offsetHeight });
    this.el.style.left = `${rect.x}px`;
    this.el.style.top = `${rect.y}px`;
    this.el.style.transform = scale < 1 ? `scale(${scale})` : '';
    this.placed = rect;
  }

  /** Where the legend is in the stage (undefined while hidden). */
  rect(): Rect | undefined {
    return this.el.hidden ? undefined : this.placed;
  }
}
