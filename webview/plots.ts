/**
 * Entry of the "Score Correlations" webview bundle (dist/plots.js, browser IIFE): a table of the scores' τ / ρ
 * and, for the selected score, its scatter plot against the test loss drawn with d3 from the same layout as the
 * exported SVG (src/study/plots.ts). Hover a point for the cell, click it (or Enter) to open its recipe; "Export
 * SVG" asks the host to save the plot. Colours are VS Code theme variables (media/plots.css). Every message is
 * validated (src/study/protocol.ts); no `vscode` import.
 */
import { select } from 'd3-selection';
import { scatterLayout, type ScatterPoint } from '../src/study/scatter';
import { formatLoss, formatScore, formatStat } from '../src/shared/format';
import {
  STUDY_PROTOCOL_VERSION,
  isToStudyWebview,
  type FromStudyWebview,
  type PlotPayload,
  type StudyMessage,
  type StudyWebviewState,
} from '../src/study/protocol';
import type { ScoreId } from '../src/scoring/ids';
import { SVG_NS, el, startPage, type VsCodeApi } from './page';

/** The view: header, score table, plot, tooltip. */
class PlotsView {
  private study: StudyMessage | undefined;
  private selected: ScoreId | undefined;
  private readonly header = el('div', 'cl-plots-header');
  private readonly table = el('table', 'cl-plots-table');
  private readonly toolbar = el('div', 'cl-plots-toolbar');
  private readonly picker = el('select', 'cl-select');
  private readonly exportButton = el('button', 'cl-button', 'Export SVG');
  private readonly stage = el('div', 'cl-plots-stage');
  private readonly tooltip = el('div', 'cl-plots-tooltip');
  private readonly note = el('div', 'cl-plots-note');

  constructor(
    private readonly root: HTMLElement,
    private readonly post: (m: FromStudyWebview) => void,
    private readonly api: VsCodeApi,
  ) {
    root.classList.add('cl-plots');
    this.picker.setAttribute('aria-label', 'Score');
    this.picker.addEventListener('change', () => this.select(this.picker.value as ScoreId));
    this.exportButton.title = 'Save this plot as a standalone SVG file';
    this.exportButton.addEventListener('click', () => {
      if (!this.selected) return;
      const b = document.body.classList;
      const light = b.contains('vscode-light') || b.contains('vscode-high-contrast-light');
      this.post({ type: 'exportSvg', id: this.selected, theme: light ? 'light' : 'dark' });
    });
    const label = el('label', 'cl-plots-label', 'Score ');
    label.appendChild(this.picker);
    this.toolbar.append(label, this.exportButton);
    this.tooltip.setAttribute('role', 'status');
    this.tooltip.hidden = true;
    const left = el('div', 'cl-plots-left');
    left.append(this.table, this.note);
    const right = el('div', 'cl-plots-right');
    right.append(this.toolbar, this.stage);
    const body = el('div', 'cl-plots-body');
    body.append(left, right);
    root.append(this.header, body, this.tooltip);
    this.header.textContent = 'Waiting for the study…';
    let t: ReturnType<typeof setTimeout> | undefined;
    window.addEventListener('resize', () => {
      if (t) clearTimeout(t);
      t = setTimeout(() => this.drawPlot(), 80);
    });
  }

  show(m: StudyMessage, selected?: ScoreId): void {
    if (m.version !== STUDY_PROTOCOL_VERSION) {
      this.post({
        type: 'log',
        level: 'warn',
        message: `score correlations: ignored a study of protocol version ${m.version}`,
      });
      return;
    }
    this.study = m;
    const keep = selected ?? this.selected;
    this.selected = m.plots.some((p) => p.id === keep) ? keep : this.best(m)?.id;
    this.header.replaceChildren(
      el('h1', undefined, m.title),
      el('div', 'cl-muted', m.subtitle + (m.complete ? '' : ' · partial (cancelled)')),
    );
    this.picker.replaceChildren(
      ...m.plots.map((p) => {
        const o = el('option', undefined, `${p.label} (τ ${formatStat(p.tau)})`);
        o.value = p.id;
        return o;
      }),
    );
    this.drawTable();
    this.note.textContent = m.ensemble ?? '';
    this.select(this.selected);
  }

  private best(m: StudyMessage): PlotPayload | undefined {
    return [...m.plots].sort((a, b) => (b.tau ?? -2) - (a.tau ?? -2))[0];
  }

  private select(id: ScoreId | undefined): void {
    this.selected = id;
    if (id) this.picker.value = id;
    for (const row of Array.from(this.table.querySelectorAll('tr[data-id]')))
      row.classList.toggle('cl-selected', (row as HTMLElement).dataset.id === id);
    this.api.setState({ study: this.study, selected: id } satisfies StudyWebviewState);
    this.drawPlot();
  }

  private drawTable(): void {
    const m = this.study!;
    const head = el('thead');
    const hr = el('tr');
    for (const h of ['score', 'dir', 'n', 'NaN', 'τ [95% CI]', 'ρ', 'top-10%']) hr.appendChild(el('th', undefined, h));
    head.appendChild(hr);
    const body = el('tbody');
    for (const p of m.plots) {
      const tr = el('tr');
      tr.dataset.id = p.id;
      tr.tabIndex = 0;
      tr.setAttribute('role', 'button');
      tr.setAttribute('aria-label', `${p.label}: tau ${formatStat(p.tau)}; show its plot`);
      tr.append(
        el('td', undefined, p.label),
        el('td', undefined, p.better === 'higher' ? '↑' : '↓'),
        el('td', 'cl-num', String(p.n)),
        el('td', 'cl-num', String(p.nNaN)),
        el('td', 'cl-num', `${formatStat(p.tau)} [${formatStat(p.tauLo)}, ${formatStat(p.tauHi)}]`),
        el('td', 'cl-num', formatStat(p.rho)),
        el('td', 'cl-num', formatStat(p.topK, 2)),
      );
      tr.addEventListener('click', () => this.select(p.id));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.select(p.id);
        }
      });
      body.appendChild(tr);
    }
    this.table.replaceChildren(head, body);
  }

  private drawPlot(): void {
    const m = this.study;
    const p = m?.plots.find((x) => x.id === this.selected);
    this.stage.replaceChildren();
    this.tooltip.hidden = true;
    if (!m || !p) return;
    const width = Math.max(360, Math.min(900, this.stage.clientWidth || 560));
    const height = Math.round(width * 0.72);
    const points: ScatterPoint[] = p.points.map((q) => ({
      x: q.x ?? NaN,
      y: q.y ?? NaN,
      hash: q.hash,
      label: q.label,
    }));
    const marks = (p.marks ?? []).filter((k) => k.x !== null).map((k) => ({ label: k.label, x: k.x as number }));
    const L = scatterLayout(
      {
        scoreId: p.id,
        points,
        tau: p.tau ?? NaN,
        rho: p.rho ?? NaN,
        dataset: m.dataset,
        width,
        height,
        marks,
      },
      p,
    );
    const svg = select(this.stage)
      .append(() => document.createElementNS(SVG_NS, 'svg'))
      .attr('class', 'cl-plot')
      .attr('width', width)
      .attr('height', height)
      .attr('viewBox', `0 0 ${width} ${height}`)
      .attr('role', 'img')
      .attr('aria-label', L.title);
    const { area } = L;
    svg
      .append('text')
      .attr('class', 'cl-plot-title')
      .attr('x', width / 2)
      .attr('y', 18)
      .attr('text-anchor', 'middle')
      .text(L.title);
    svg
      .append('text')
      .attr('class', 'cl-plot-subtitle')
      .attr('x', width / 2)
      .attr('y', 34)
      .attr('text-anchor', 'middle')
      .text(L.subtitle);
    const grid = svg.append('g').attr('class', 'cl-plot-grid');
    grid
      .selectAll('line.x')
      .data(L.xTicks)
      .join('line')
      .attr('class', 'x')
      .attr('x1', (t) => t.pos)
      .attr('x2', (t) => t.pos)
      .attr('y1', area.top)
      .attr('y2', area.bottom);
    grid
      .selectAll('line.y')
      .data(L.yTicks)
      .join('line')
      .attr('class', 'y')
      .attr('x1', area.left)
      .attr('x2', area.right)
      .attr('y1', (t) => t.pos)
      .attr('y2', (t) => t.pos);
    const axes = svg.append('g').attr('class', 'cl-plot-axis');
    axes.append('line').attr('x1', area.left).attr('x2', area.right).attr('y1', area.bottom).attr('y2', area.bottom);
    axes.append('line').attr('x1', area.left).attr('x2', area.left).attr('y1', area.top).attr('y2', area.bottom);
    const ticks = svg.append('g').attr('class', 'cl-plot-ticks');
    ticks
      .selectAll('text.x')
      .data(L.xTicks)
      .join('text')
      .attr('class', 'x')
      .attr('x', (t) => t.pos)
      .attr('y', area.bottom + 14)
      .attr('text-anchor', 'middle')
      .text((t) => t.label);
    ticks
      .selectAll('text.y')
      .data(L.yTicks)
      .join('text')
      .attr('class', 'y')
      .attr('x', area.left - 6)
      .attr('y', (t) => t.pos + 4)
      .attr('text-anchor', 'end')
      .text((t) => t.label);
    svg
      .append('text')
      .attr('class', 'cl-plot-label')
      .attr('x', (area.left + area.right) / 2)
      .attr('y', height - 10)
      .attr('text-anchor', 'middle')
      .text(L.xLabel);
    svg
      .append('text')
      .attr('class', 'cl-plot-label')
      .attr('transform', `translate(14 ${(area.top + area.bottom) / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .text(L.yLabel);
    const show = (ev: MouseEvent | FocusEvent, d: (typeof L.points)[number]): void => {
      this.tooltip.replaceChildren(
        el('div', 'cl-tip-title', d.label),
        el('div', undefined, `${p.label}: ${formatScore(d.x)}`),
        el('div', undefined, `test loss: ${formatLoss(d.y)}`),
        el('div', 'cl-muted', `${d.hash.slice(0, 12)} · click to open the recipe`),
      );
      this.tooltip.hidden = false;
      const r = this.root.getBoundingClientRect();
      const target = (ev.target as Element).getBoundingClientRect();
      const x = ev instanceof MouseEvent ? ev.clientX : target.x + target.width / 2;
      const y = ev instanceof MouseEvent ? ev.clientY : target.y;
      this.tooltip.style.left = `${Math.min(x - r.left + 12, r.width - 240)}px`;
      this.tooltip.style.top = `${y - r.top + 12}px`;
    };
    const hide = (): void => {
      this.tooltip.hidden = true;
    };
    // Your cells: a dashed line at their score (their test loss is unknown), labelled, below the points.
    const mk = svg
      .append('g')
      .attr('class', 'cl-plot-marks')
      .selectAll('g')
      .data(L.marks)
      .join('g')
      .attr('class', 'cl-plot-mark');
    mk.append('line')
      .attr('x1', (d) => d.px)
      .attr('x2', (d) => d.px)
      .attr('y1', area.top)
      .attr('y2', area.bottom);
    mk.append('text')
      .attr('x', (d) => d.px + 3)
      .attr('y', (_d, i) => area.top + 12 + 12 * (i % 4))
      .text((d) => `${d.label}${d.outside ? (d.px <= area.left ? ' ←' : ' →') : ''}`);
    mk.append('title').text((d) => `${d.label}: ${p.label} ${formatScore(d.x)} (your cell; its loss is unknown)`);
    svg
      .append('g')
      .attr('class', 'cl-plot-points')
      .selectAll('circle')
      .data(L.points)
      .join('circle')
      .attr('cx', (d) => d.cx)
      .attr('cy', (d) => d.cy)
      .attr('r', 3.5)
      .attr('tabindex', 0)
      .attr('aria-label', (d) => `${d.label}: ${p.label} ${formatScore(d.x)}, test loss ${formatLoss(d.y)}`)
      .on('mouseenter', (ev: MouseEvent, d) => {
        (ev.target as Element).classList.add('cl-hover');
        show(ev, d);
      })
      .on('mousemove', (ev: MouseEvent, d) => show(ev, d))
      .on('mouseleave', (ev: MouseEvent) => {
        (ev.target as Element).classList.remove('cl-hover');
        hide();
      })
      .on('focus', (ev: FocusEvent, d) => show(ev, d))
      .on('blur', hide)
      .on('click', (_ev: MouseEvent, d) => this.post({ type: 'openCell', hash: d.hash }))
      .on('keydown', (ev: KeyboardEvent, d) => {
        if (ev.key === 'Enter') this.post({ type: 'openCell', hash: d.hash });
      });
  }
}

startPage({
  name: 'score correlations',
  isToWebview: isToStudyWebview,
  setup: (api) => {
    const post = (m: FromStudyWebview): void => api.postMessage(m);
    const root = document.getElementById('cell-lens-plots') ?? document.body.appendChild(document.createElement('div'));
    const view = new PlotsView(root, post, api);
    (window as unknown as { cellLensPlots: PlotsView }).cellLensPlots = view;
    // A panel that was hidden and shown again re-renders from its saved state before the host answers.
    const saved = api.getState() as StudyWebviewState | undefined;
    if (saved?.study && isToStudyWebview(saved.study)) view.show(saved.study, saved.selected);
    return (m) => view.show(m);
  },
});
