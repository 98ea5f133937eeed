/** The side panel of the graph view: the cell's facts, benchmark record, scores, problems and the colour key. */
import { el } from '../page';
import { formatInteger, formatLoss, formatScore } from '../../src/shared/format';
import type { CellView } from '../../src/graph/protocol';

/** A row of the panel's facts: label, value, and a tooltip. */
export type Fact = readonly [label: string, value: string, title?: string];

/**
 * The loss section of a cell: the benchmark's record with the predicted test loss right under the measured one
 * (the verdict's prediction, the lens's digits); for a cell the benchmark does not know, the prediction alone.
 */
export function lossFacts(
  cell: Pick<CellView, 'benchmark' | 'prediction'>,
): { heading: string; facts: Fact[] } | undefined {
  const b = cell.benchmark && Object.keys(cell.benchmark).length > 0 ? cell.benchmark : undefined;
  const p = cell.prediction;
  if (!b && !p) return undefined;
  const facts: Fact[] = [];
  const add = (k: string, v: string | undefined, title?: string): void => {
    if (v !== undefined) facts.push(title ? [k, v, title] : [k, v]);
  };
  const predicted = (): void => {
    if (p)
      add(
        b?.dataset && b.dataset !== p.dataset ? `Predicted ${p.dataset} loss` : 'Predicted loss',
        `${p.text} · ${p.top}`,
        `Predicted ${p.dataset} test loss from the train-free scores and the structure (80 % interval); ${p.top} of the benchmark's trained cells`,
      );
  };
  if (!b) {
    predicted();
    return { heading: `Prediction · ${p!.dataset}`, facts };
  }
  add('Test loss', b.testLoss !== undefined ? formatLoss(b.testLoss) : undefined);
  predicted();
  add('Test ppl', b.testLoss !== undefined && b.testLoss < 50 ? formatScore(Math.exp(b.testLoss)) : undefined);
  add('Val loss', b.valLoss !== undefined ? formatLoss(b.valLoss) : undefined);
  add('Epochs', b.epochs !== undefined ? String(b.epochs) : undefined);
  add('#params (benchmark model)', b.numParams !== undefined ? formatInteger(b.numParams) : undefined);
  add('Status', b.status);
  add('Recipe id', b.recepieId !== undefined ? String(b.recepieId) : undefined);
  return { heading: `Benchmark${b.dataset ? ` · ${b.dataset}` : ''}`, facts };
}

let panels = 0;

export class SidePanel {
  readonly el: HTMLElement;

  constructor() {
    this.el = el('aside', 'cl-side');
    this.el.id = `cl-side-${++panels}`;
    this.el.setAttribute('aria-label', 'Cell details');
  }

  /** Show the facts of `cell` (none: "No cell."). */
  render(cell: CellView | undefined): void {
    const parts: HTMLElement[] = [];
    if (!cell) {
      this.el.replaceChildren(el('p', 'cl-muted', 'No cell.'));
      return;
    }
    const m = cell.model;
    parts.push(el('h2', 'cl-side-title', cell.label));
    const ops = m.nodes.filter((n) => n.kind === 'op');
    const facts = el('dl', 'cl-facts');
    const fact = (k: string, v: string, title?: string): void => {
      const dt = el('dt', undefined, k),
        dd = el('dd', undefined, v);
      if (title) dd.title = title;
      facts.append(dt, dd);
    };
    fact('Nodes', `${ops.length} ops, ${m.nodes.filter((n) => n.kind === 'input').length} inputs`);
    fact('Hidden states', String(m.nodes.filter((n) => n.outputIndex !== undefined).length));
    fact(
      'Linear params',
      formatInteger(m.totalParams),
      `first layer: x ${m.sizes.embed}-d, hidden ${m.sizes.hidden}-d`,
    );
    const dead = ops.filter((n) => n.dead).length;
    if (dead > 0) fact('Dead nodes', String(dead));
    parts.push(facts);

    const loss = lossFacts(cell);
    if (loss) {
      parts.push(el('h3', undefined, loss.heading));
      const dl = el('dl', 'cl-facts');
      for (const [k, v, title] of loss.facts) {
        const dd = el('dd', undefined, v);
        if (title) dd.title = title;
        dl.append(el('dt', undefined, k), dd);
      }
      parts.push(dl);
    }
    const scores = cell.scores ?? [];
    if (scores.length > 0) {
      parts.push(el('h3', undefined, 'Scores'));
      const table = el('table', 'cl-scores');
      for (const s of scores) {
        const tr = el('tr');
        const name = el('td', undefined, s.label);
        name.title = `${s.better} is better${s.evidence ? ` (measured: ${s.evidence} vs −test loss)` : ''}`;
        const val = el('td', 'cl-num', s.text);
        if (s.reason) val.title = s.reason;
        const pct = el('td', 'cl-num cl-muted', s.percentileText !== undefined ? `${s.percentileText} pct` : '');
        pct.title =
          s.percentileText !== undefined
            ? `percentile ${s.population ?? ''} at the same settings (100 = best)`
            : 'no reference population for these settings';
        tr.append(name, val, pct, el('td', 'cl-muted', s.better === 'higher' ? '↑' : '↓'));
        table.append(tr);
      }
      parts.push(table);
    }
    const diags = [
      ...m.cellMarkers,
      ...m.nodes.flatMap((n) => n.markers.map((x) => ({ ...x, message: `${n.name}: ${x.message}` }))),
    ];
    if (diags.length > 0) {
      parts.push(el('h3', undefined, 'Problems'));
      const ul = el('ul', 'cl-problems');
      for (const d of diags.slice(0, 30)) ul.append(el('li', `cl-sev-${d.severity}`, d.message));
      parts.push(ul);
    }
    const key = el('div', 'cl-key');
    for (const [cat, text] of [
      ['input', 'input / state'],
      ['linear', 'linear'],
      ['blend', 'blend'],
      ['elementwise', 'element-wise'],
      ['activation', 'activation'],
    ] as const) {
      const item = el('span', `cl-key-item cl-cat-${cat}`);
      item.append(el('span', 'cl-key-swatch'), document.createTextNode(text));
      key.append(item);
    }
    const rec = el('span', 'cl-key-item cl-key-rec');
    rec.append(el('span', 'cl-key-dash'), document.createTextNode('h_new → h_prev (next step)'));
    key.append(rec);
    parts.push(el('h3', undefined, 'Key'), key);
    this.el.replaceChildren(...parts);
  }
}
