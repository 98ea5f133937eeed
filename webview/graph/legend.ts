/** The heat-map: the colour scale of a score's per-node values and its legend (a gradient bar with an axis). */
import { select } from 'd3-selection';
import { scaleLinear } from 'd3-scale';
import { axisBottom } from 'd3-axis';
import { el } from '../page';
import { cssVar } from './format';
import { formatScore } from '../../src/shared/format';
import type { ScoreSummary } from '../../src/graph/protocol';

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

  constructor() {
    this.el = el('div', 'cl-legend');
    this.el.hidden = true;
  }

  set hidden(hidden: boolean) {
    this.el.hidden = hidden;
  }

  show(score: ScoreSummary, color: (v: number) => string): void {
    const vals = Object.values(score.perNode ?? {}).filter(Number.isFinite);
    let lo = Math.min(...vals),
      hi = Math.max(...vals);
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const w = 180,
      h = 10;
    this.el.replaceChildren(el('div', 'cl-legend-title', `${score.label} per node (${score.better} is better)`));
    const svg = select(this.el)
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
          .tickFormat((d) => formatScore(Number(d))),
      );
  }
}
