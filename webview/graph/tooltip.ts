/** The tooltip of a node (on hover or keyboard focus): its op, operands, consumers, parameters, heat value, problems. */
import { el } from '../page';
import { formatInteger, formatScore } from '../../src/shared/format';
import { OPS, isOpName } from '../../src/recipe/ops';
import type { GraphNode } from '../../src/graph/model';
import type { ScoreSummary } from '../../src/graph/protocol';

export class Tooltip {
  readonly el: HTMLElement;

  constructor() {
    this.el = el('div', 'cl-tooltip');
    this.el.setAttribute('role', 'tooltip');
    this.el.hidden = true;
  }

  /** Show the facts of `n` beside `anchor` (its drawn node). */
  show(n: GraphNode, value: number | undefined, heat: ScoreSummary | undefined, anchor: Element): void {
    const t = this.el;
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
    if (n.params !== undefined) row('params', `${formatInteger(n.params)} (layer 1)`);
    if (n.outputIndex !== undefined) row('output', `hidden state ${n.outputIndex} → h_prev_${n.outputIndex} next step`);
    if (heat && value !== undefined) row(heat.label, formatScore(value));
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

  hide(): void {
    this.el.hidden = true;
  }
}
