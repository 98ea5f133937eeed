/**
 * Entry of the "Score Correlations" webview bundle (dist/plots.js, browser IIFE): a table of the scores' τ / ρ
 * and, for the selected score, its scatter plot against the test loss drawn with d3 from the same layout as the
 * exported SVG (src/study/plots.ts), on the x axis picked ("auto": rank when a linear axis would crowd the points,
 * src/study/scatter.ts; the labels are measured in the page's font and placed inside the plot). Above the table:
 * the bundled loss predictor's cross-validated τ beside the best single score. Hover a point for the cell, click
 * it (or Enter) to open its recipe; "Export SVG" asks the host to save the plot as shown. Colours are VS Code theme variables (media/plots.css). Every message is
 * validated (src/study/protocol.ts); no `vscode` import.
 */
import { select } from 'd3-selection';
import {
  X_SCALE_CHOICES,
  approxTextWidth,
  isXScaleChoice,
  resolveXScale,
  scatterLayout,
  type ScatterPoint,
  type TextMeasure,
  type XScaleChoice,
} from '../src/study/scatter';
import { formatLoss, formatScore, formatStat } from '../src/shared/format';
import {
  STUDY_PROTOCOL_VERSION,
  isToStudyWebview,
  tauText,
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
  private xScale: XScaleChoice = 'auto';
  private readonly header = el('div', 'cl-plots-header');
  private readonly summary = el('div', 'cl-plots-summary');
  private readonly axisPicker = el('select', 'cl-select cl-plots-axis');
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
      const xScale = this.xScale === 'auto' ? {} : { xScale: this.xScale };
      this.post({ type: 'exportSvg', id: this.selected, theme: light ? 'light' : 'dark', ...xScale });
    });
    const label = el('label', 'cl-plots-label', 'Score ');
    label.appendChild(this.picker);
    this.axisPicker.setAttribute('aria-label', 'x axis');
    this.axisPicker.title =
      'How the score is spread along the x axis. Rank (percentile): evenly by rank, whatever the tails. Symmetric log: sign · log(1 + |x| / c). Auto: rank when a linear axis would squeeze most cells into a few per cent of its width.';
    this.axisPicker.addEventListener('change', () => {
      if (isXScaleChoice(this.axisPicker.value)) this.xScale = this.axisPicker.value;
      this.select(this.selected);
    });
    const axisLabel = el('label', 'cl-plots-label', 'x axis ');
    axisLabel.appendChild(this.axisPicker);
    this.toolbar.append(label, axisLabel, this.exportButton);
    this.tooltip.setAttribute('role', 'status');
    this.tooltip.hidden = true;
    const left = el('div', 'cl-plots-left');
    left.append(this.summary, this.table, this.note);
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

  show(m: StudyMessage, selected?: ScoreId, xScale?: XScaleChoice): void {
    if (m.version !== STUDY_PROTOCOL_VERSION) {
      this.post({
        type: 'log',
        level: 'warn',
        message: `score correlations: ignored a study of protocol version ${m.version}`,
      });
      return;
    }
    this.study = m;
    if (xScale) this.xScale = xScale;
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
    this.summary.replaceChildren(
      ...[m.predictor, m.bestLine].filter((t): t is string => !!t).map((t) => el('div', 'cl-plots-summary-line', t)),
    );
    this.drawTable();
    this.note.textContent = m.ensemble ?? '';
    this.select(this.selected);
  }

  /** The best single score (the host names it: src/study/best.ts), else the first plot. */
  private best(m: StudyMessage): PlotPayload | undefined {
    return m.plots.find((p) => p.id === m.best) ?? m.plots[0];
  }

  private select(id: ScoreId | undefined): void {
    this.selected = id;
    if (id) this.picker.value = id;
    for (const row of Array.from(this.table.querySelectorAll('tr[data-id]')))
      row.classList.toggle('cl-selected', (row as HTMLElement).dataset.id === id);
    this.api.setState({ study: this.study, selected: id, xScale: this.xScale } satisfies StudyWebviewState);
    this.drawPlot();
  }

  private drawTable(): void {
    const m = this.study!;
    const head = el('thead');
    const hr = el('tr');
    const heads: [string, string][] = [
      ['score', ''],
      ['better', "The score's direction (the registry's, measured on the benchmark): τ and ρ are taken in it"],
      ['n', 'Trained cells with a value of the score'],
      ['NaN', 'Trained cells where the score is NaN'],
      [
        'τ [95% CI]',
        'Kendall τ-b of the score, oriented by its direction, against the negative test loss: + = ranks low-loss cells first, − = the other way round (in its stated direction), 0 = no information',
      ],
      ['ρ', 'Spearman ρ, oriented as τ'],
      ['top-10%', 'Share of the 10% best-scored cells among the 10% lowest-loss cells'],
    ];
    for (const [h, tip] of heads) {
      const th = el('th', undefined, h);
      if (tip) th.title = tip;
      hr.appendChild(th);
    }
    head.appendChild(hr);
    const body = el('tbody');
    for (const p of m.plots) {
      const tr = el('tr');
      tr.dataset.id = p.id;
      tr.tabIndex = 0;
      tr.setAttribute('role', 'button');
      tr.setAttribute('aria-label', `${p.label}: tau ${tauText(p.tau)}; show its plot`);
      const name = el('td', undefined, p.label);
      if (p.id === m.best) {
        tr.classList.add('cl-best');
        name.title = 'the best single score of this study (highest τ; the hybrid left out)';
      }
      tr.append(
        name,
        el('td', undefined, p.better === 'higher' ? '↑ higher' : '↓ lower'),
        el('td', 'cl-num', String(p.n)),
        el('td', 'cl-num', String(p.nNaN)),
        el('td', 'cl-num', `${tauText(p.tau)} [${formatStat(p.tauLo)}, ${formatStat(p.tauHi)}]`),
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

  /** Text width in the plot's font (11 px, the page's family), measured on a canvas; an estimate without one. */
  private measure(): TextMeasure {
    const ctx = document.createElement('canvas').getContext('2d');
    if (!ctx) return approxTextWidth;
    ctx.font = `11px ${getComputedStyle(this.stage).fontFamily || 'sans-serif'}`;
    return (t) => ctx.measureText(t).width;
  }

  /** The x axis choices; "auto" says what it picks for this score, "log" only for positive scores. */
  private fillAxisPicker(xs: readonly number[]): void {
    const auto = resolveXScale('auto', xs);
    const name = (id: XScaleChoice) => X_SCALE_CHOICES.find((c) => c.id === id)?.label ?? id;
    this.axisPicker.replaceChildren(
      ...X_SCALE_CHOICES.map((c) => {
        const o = el('option', undefined, c.id === 'auto' ? `auto: ${name(auto)}` : c.label);
        o.value = c.id;
        if (c.id === 'log' && !(xs.length && Math.min(...xs) > 0)) {
          o.disabled = true;
          o.title = 'a log axis needs positive scores';
        }
        return o;
      }),
    );
    this.axisPicker.value = this.xScale;
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
    this.fillAxisPicker(points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y)).map((q) => q.x));
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
        xScale: this.xScale,
      },
      p,
      this.measure(),
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
    const xt = ticks
      .selectAll('text.x')
      .data(L.xTicks)
      .join('text')
      .attr('class', 'x')
      .attr('x', (t) => t.labelX)
      .attr('y', area.bottom + 14)
      .attr('text-anchor', 'middle')
      .text((t) => t.label);
    xt.filter((t) => !!t.title)
      .append('title')
      .text((t) => t.title ?? '');
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
    // The label is placed inside the plot (flipped left of the line near the right edge), shortened only when
    // wider than the plot; the whole is in the mark's tooltip.
    mk.append('text')
      .attr('x', (d) => d.text.x)
      .attr('y', (_d, i) => area.top + 12 + 12 * (i % 4))
      .attr('text-anchor', (d) => d.text.anchor)
      .text((d) => d.text.text);
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
    if (saved?.study && isToStudyWebview(saved.study))
      view.show(saved.study, saved.selected, isXScaleChoice(saved.xScale) ? saved.xScale : undefined);
    return (m) => view.show(m);
  },
});
