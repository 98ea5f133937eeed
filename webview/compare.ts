/**
 * Entry of the "Compare Cells" webview bundle (dist/compare.js, browser IIFE): two graphs side by side or one above
 * the other (whichever shows both larger: src/compare/arrangement.ts), each drawn by the graph view's own renderer
 * (webview/graph/view.ts, one GraphView per side; nodes and edges with `onlyHere` get the `cl-only` mark of
 * media/graph.css), a "Score this side" button on a side not scored yet, and the table of benchmark records, scores
 * and predictions below. Validates every message it receives (src/compare/protocol.ts). No `vscode` import.
 */
import { GraphView, type ViewHost } from './graph/view';
import { el, startPage, type VsCodeApi } from './page';
import { PROTOCOL_VERSION, type FromWebview, type WebviewState } from '../src/graph/protocol';
import {
  isToCompareWebview,
  type CompareMessage,
  type CompareRow,
  type CompareSide,
  type FromCompareWebview,
  type Side,
  type ToCompareWebview,
} from '../src/compare/protocol';
import { compareArrangement } from '../src/compare/arrangement';

/** One side: its caption and a GraphView whose messages are tagged with the side. */
class Pane {
  readonly root: HTMLElement;
  readonly view: GraphView;
  private readonly caption: HTMLElement;
  private state: WebviewState | undefined;

  constructor(
    readonly side: Side,
    private readonly post: (m: FromCompareWebview) => void,
  ) {
    this.root = el('section', `cmp-pane cmp-${side}`);
    this.root.setAttribute('aria-label', side === 'left' ? 'Cell A' : 'Cell B');
    this.caption = el('header', 'cmp-caption');
    const mount = el('div', 'cmp-graph');
    this.root.append(this.caption, mount);
    const host: ViewHost = {
      post: (m: FromWebview) => {
        if (m.type === 'reveal') post({ type: 'reveal', side, node: m.node });
        else if (m.type === 'log') post(m);
      },
      getState: () => this.state,
      setState: (s) => {
        this.state = s;
      },
    };
    // Each graph opens whole in its pane (Fit), however small: the two shapes are what is compared.
    this.view = new GraphView(mount, host, { opening: 'fit' });
  }

  show(s: CompareSide): void {
    const only = s.onlyNodes.length;
    this.caption.replaceChildren(
      el('span', 'cmp-letter', this.side === 'left' ? 'A' : 'B'),
      el('span', 'cmp-title', s.title.replace(/^[AB] · /, '')),
      el('span', 'cmp-count', only === 0 ? 'no node only here' : `${only} node${only === 1 ? '' : 's'} only here`),
    );
    if (!s.scored) {
      const letter = this.side === 'left' ? 'A' : 'B';
      const score = el('button', 'cl-button cmp-score', 'Score this side');
      score.type = 'button';
      score.title = `Compute the train-free scores of ${letter} at the current settings (Cell Lens: Score This Cell)`;
      score.addEventListener('click', () => {
        score.disabled = true;
        score.textContent = 'Scoring…';
        this.post({ type: 'score', side: this.side });
      });
      this.caption.append(score);
    }
    this.caption.title = `canonical hash ${s.hash}`;
    this.view.render({
      type: 'render',
      version: PROTOCOL_VERSION,
      uri: `${s.uri}#${s.cellIndex}`,
      title: s.title,
      cells: [s.cell],
      stale: false,
      selectedCell: s.cell.index,
    });
  }
}

function betterMark(r: CompareRow, side: Side): string {
  return r.better === side ? ' ▲' : '';
}

function table(rows: readonly CompareRow[]): HTMLElement {
  const t = el('table', 'cmp-table');
  const head = el('tr');
  for (const [text, cls] of [
    ['', ''],
    ['A', 'cmp-num'],
    ['B', 'cmp-num'],
    ['Δ (B − A)', 'cmp-num'],
    ['better', ''],
  ] as const)
    head.append(el('th', cls || undefined, text));
  const thead = el('thead');
  thead.append(head);
  t.append(thead);
  const body = el('tbody');
  let group = '';
  for (const r of rows) {
    if (r.group !== group) {
      group = r.group;
      const tr = el('tr', 'cmp-group');
      const th = el('th', undefined, group);
      th.colSpan = 5;
      tr.append(th);
      body.append(tr);
    }
    const tr = el('tr', 'cmp-row');
    tr.dataset.label = r.label;
    if (r.better) tr.dataset.better = r.better;
    const name = el('td', 'cmp-label', r.label);
    if (r.title) name.title = r.title;
    const cell = (side: Side): HTMLElement => {
      const td = el('td', `cmp-num cmp-value${r.better === side ? ' cmp-better' : ''}`);
      td.append(el('span', undefined, (side === 'left' ? r.left : r.right) + betterMark(r, side)));
      const note = side === 'left' ? r.leftNote : r.rightNote;
      if (note) td.append(el('span', 'cmp-note', note));
      return td;
    };
    const better = el(
      'td',
      'cmp-verdict',
      r.better === 'left' ? 'A' : r.better === 'right' ? 'B' : r.better === 'tie' ? 'tie' : '',
    );
    if (r.direction) better.title = `${r.direction} is better`;
    tr.append(name, cell('left'), cell('right'), el('td', 'cmp-num cmp-delta', r.delta), better);
    body.append(tr);
  }
  t.append(body);
  return t;
}

function setup(api: VsCodeApi): (m: ToCompareWebview) => void {
  const post = (m: FromCompareWebview) => api.postMessage(m);
  const root = document.getElementById('cell-lens-compare') ?? document.body.appendChild(el('div'));
  root.classList.add('cmp-root');
  const summary = el('div', 'cmp-summary', 'Waiting for two cells…');
  summary.setAttribute('role', 'status');
  const key = el('div', 'cmp-key');
  const swatch = el('span', 'cmp-swatch');
  key.append(
    swatch,
    document.createTextNode('only in this cell (no node with the same canonical sub-expression in the other)'),
  );
  const top = el('div', 'cmp-top');
  top.append(summary, key);
  const panes = el('div', 'cmp-panes');
  const left = new Pane('left', post),
    right = new Pane('right', post);
  panes.append(left.root, right.root);
  const details = el('div', 'cmp-details');
  details.setAttribute('aria-label', 'Benchmark records and scores');
  root.append(top, panes, details);
  // For tests (harmless in VS Code).
  (window as unknown as { cellLensCompare: { left: GraphView; right: GraphView } }).cellLensCompare = {
    left: left.view,
    right: right.view,
  };

  // Side by side or one above the other: whichever shows both graphs larger in the panes' area (on each
  // comparison and resize); the graphs follow (a view the user has not moved is fitted again).
  let last: CompareMessage | undefined;
  const arrange = (): void => {
    if (!last) return;
    const r = panes.getBoundingClientRect();
    const rows =
      compareArrangement({ w: r.width, h: r.height }, [last.left.cell.layout, last.right.cell.layout]) === 'rows';
    panes.classList.toggle('cmp-rows', rows);
    panes.dataset.arrangement = rows ? 'rows' : 'columns';
  };
  window.addEventListener('resize', () => {
    arrange();
    left.view.resized();
    right.view.resized();
  });

  const render = (m: CompareMessage): void => {
    last = m;
    root.classList.toggle('cmp-isomorphic', m.isomorphic);
    summary.textContent = m.summary;
    left.show(m.left);
    right.show(m.right);
    const notes = el('div', 'cmp-notes');
    for (const n of m.notes) notes.append(el('p', undefined, n));
    details.replaceChildren(...(m.rows.length ? [table(m.rows)] : []), notes);
    const before = panes.dataset.arrangement;
    arrange();
    if (panes.dataset.arrangement !== before) {
      left.view.resized();
      right.view.resized();
    }
  };

  return (m) => {
    if (m.type === 'compare') render(m);
    else {
      document.body.dataset.theme = m.kind;
      left.view.refreshTheme();
      right.view.refreshTheme();
    }
  };
}

startPage({ name: 'compare', isToWebview: isToCompareWebview, setup });
