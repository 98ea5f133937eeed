/**
 * Entry of the cells-table webview bundle (dist/table.js, browser IIFE): a plain, accessible HTML table of the rows
 * the host sends (src/table/protocol.ts, validated on receipt), sorted and filtered with the same pure functions the
 * host uses for the exports (src/table/view.ts). Keyboard: Tab reaches the filter, the toolbar, the column headers
 * (Enter / Space sorts, again reverses) and the rows; ↑ ↓ Home End PageUp PageDown move between rows, Enter reveals
 * the row's cell in its editor; `/` jumps to the filter, Escape clears it. Colours: media/table.css (theme variables).
 * Why no component library: see src/webviews/table/panel.ts.
 */
import {
  isSortState,
  isToTableWebview,
  type FromTableWebview,
  type SortState,
  type TableColumn,
  type TableRenderMessage,
  type TableRow,
  type TableWebviewState,
} from '../src/table/protocol';
import { DEFAULT_SORT, nextSort, visibleRows } from '../src/table/view';
import { formatLoss, formatPredicted } from '../src/shared/format';
import { el, startPage, type VsCodeApi } from './page';

const PRESET_LABEL: Readonly<Record<string, string>> = {
  'nas-bench-nlp': 'full size',
  proxy: 'proxy',
  custom: 'custom',
};

/** The table view: owns the DOM under `root`, the sort and the filter. */
export class CellsTableView {
  private msg: TableRenderMessage | undefined;
  private sort: SortState;
  private filter: string;
  private shown: TableRow[] = [];
  /** Key of the row that holds the roving tabindex (kept across re-renders). */
  private current: string | undefined;
  private readonly filterInput: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly note: HTMLElement;
  private readonly formatButton: HTMLButtonElement;
  private readonly scoreButton: HTMLButtonElement;
  private readonly table: HTMLTableElement;
  private readonly caption: HTMLTableCaptionElement;
  private readonly thead: HTMLTableSectionElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly empty: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: VsCodeApi,
  ) {
    const state = api.getState() as TableWebviewState | undefined;
    this.sort = state && isSortState(state.sort) ? state.sort : DEFAULT_SORT;
    this.filter = typeof state?.filter === 'string' ? state.filter : '';
    root.className = 'ct-root';
    const bar = el('div', 'ct-toolbar');
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', 'Cells table');
    this.filterInput = el('input', 'ct-filter');
    this.filterInput.type = 'search';
    this.filterInput.placeholder = 'Filter: label, file, op, hash, dataset, preset; "a phrase"';
    this.filterInput.setAttribute('aria-label', 'Filter the cells (every word must match)');
    this.filterInput.value = this.filter;
    this.count = el('span', 'ct-count');
    this.count.setAttribute('aria-live', 'polite');
    this.formatButton = this.button(
      'One cell per line',
      'Format the file so each cell is on its own line (then each cell gets its own lenses)',
      () => this.post({ type: 'command', command: 'formatOnePerLine' }),
    );
    this.formatButton.hidden = true;
    this.scoreButton = this.button(
      'Score all',
      'Compute the train-free scores of every cell (Score All Cells in This File)',
      () => this.post({ type: 'command', command: 'score' }),
    );
    const csv = this.button('Export CSV…', 'Save the rows shown (filtered, in this order) as CSV', () =>
      this.exportAs('csv'),
    );
    const json = this.button('Export JSON…', 'Save the rows shown (filtered, in this order) as JSON', () =>
      this.exportAs('json'),
    );
    bar.append(this.filterInput, this.count, el('span', 'ct-spacer'), this.formatButton, this.scoreButton, csv, json);
    this.note = el('div', 'ct-note');
    const scroll = el('div', 'ct-scroll');
    this.table = el('table', 'ct-table');
    this.caption = el('caption', 'ct-caption');
    this.thead = el('thead');
    this.tbody = el('tbody');
    this.table.append(this.caption, this.thead, this.tbody);
    this.empty = el('div', 'ct-empty');
    this.empty.hidden = true;
    scroll.append(this.table, this.empty);
    root.replaceChildren(bar, this.note, scroll);

    this.filterInput.addEventListener('input', () => {
      this.filter = this.filterInput.value;
      this.saveState();
      this.draw();
    });
    this.filterInput.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.filterInput.value) {
        e.preventDefault();
        this.filterInput.value = '';
        this.filter = '';
        this.saveState();
        this.draw();
      } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
        e.preventDefault();
        this.focusRow(0);
      }
    });
    this.tbody.addEventListener('click', (e) => {
      const tr = (e.target as Element).closest('tr');
      if (tr?.dataset.key) {
        this.setCurrent(tr.dataset.key);
        this.post({ type: 'reveal', key: tr.dataset.key });
      }
    });
    this.tbody.addEventListener('keydown', (e) => this.onRowKey(e));
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && !(e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        this.filterInput.focus();
        this.filterInput.select();
      }
    });
  }

  private button(label: string, title: string, run: () => void): HTMLButtonElement {
    const b = el('button', 'ct-button', label);
    b.type = 'button';
    b.title = title;
    b.addEventListener('click', run);
    return b;
  }

  private post(m: FromTableWebview): void {
    this.api.postMessage(m);
  }

  private saveState(): void {
    const s: TableWebviewState = { sort: this.sort, filter: this.filter };
    this.api.setState(s);
  }

  private exportAs(format: 'csv' | 'json'): void {
    this.post({ type: 'export', format, filter: this.filter, sort: this.sort });
  }

  /** Show the rows of a `render` message (sort, filter and the focused row are kept). */
  render(m: TableRenderMessage): void {
    this.msg = m;
    // A sort by a column that is gone (a score no longer computed) falls back to the file order.
    if (!m.columns.some((c) => c.id === this.sort.column)) this.sort = DEFAULT_SORT;
    this.note.textContent = m.note ?? '';
    this.formatButton.hidden = !m.crowdedLines;
    if (m.crowdedLines)
      this.formatButton.title = `${m.crowdedLines} line${m.crowdedLines === 1 ? ' holds' : 's hold'} several cells: put each cell on its own line (then each cell gets its own lenses)`;
    this.scoreButton.textContent = m.scope === 'workspace' ? 'Score workspace' : 'Score all';
    this.caption.textContent = `Cells of ${m.title}. Column headers sort; Enter on a row reveals its cell.`;
    this.drawHeader(m.columns);
    this.draw();
  }

  private drawHeader(columns: readonly TableColumn[]): void {
    const tr = el('tr');
    for (const c of columns) {
      const th = el('th', `ct-col-${c.kind}`);
      th.scope = 'col';
      th.dataset.column = c.id;
      const b = el('button', 'ct-sort');
      b.type = 'button';
      b.append(el('span', 'ct-label', c.label), el('span', 'ct-arrow'));
      if (c.better) b.append(el('span', 'ct-better', c.better === 'higher' ? '↑' : '↓'));
      b.title = c.title
        ? `${c.title}\nClick (or Enter) to sort; again to reverse.`
        : 'Click (or Enter) to sort; again to reverse.';
      b.addEventListener('click', () => {
        this.sort = nextSort(this.sort, c.id, c.better);
        this.saveState();
        this.draw();
      });
      th.append(b);
      tr.append(th);
    }
    this.thead.replaceChildren(tr);
  }

  /** Sort state on the headers, then the body. */
  private draw(): void {
    const m = this.msg;
    if (!m) return;
    for (const th of Array.from(this.thead.querySelectorAll('th'))) {
      const on = th.dataset.column === this.sort.column;
      if (on) th.setAttribute('aria-sort', this.sort.dir === 'asc' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
      th.classList.toggle('ct-sorted', on);
      th.querySelector('.ct-arrow')!.textContent = on ? (this.sort.dir === 'asc' ? ' ▲' : ' ▼') : '';
    }
    this.shown = visibleRows(m.rows, this.filter, this.sort);
    const rows = this.shown.map((r) => this.rowElement(r, m.columns));
    this.tbody.replaceChildren(...rows);
    this.count.textContent = this.filter.trim()
      ? `${this.shown.length} of ${m.rows.length} cells`
      : `${m.rows.length} cell${m.rows.length === 1 ? '' : 's'}`;
    this.empty.hidden = this.shown.length > 0;
    this.empty.textContent = m.rows.length ? 'No cell matches the filter.' : (m.note ?? 'No cells.');
    if (!this.shown.some((r) => r.key === this.current)) this.current = this.shown[0]?.key;
    for (const tr of rows) tr.tabIndex = tr.dataset.key === this.current ? 0 : -1;
  }

  private rowElement(r: TableRow, columns: readonly TableColumn[]): HTMLTableRowElement {
    const tr = el('tr', r.valid ? 'ct-row' : 'ct-row ct-invalid');
    tr.dataset.key = r.key;
    tr.setAttribute('aria-label', `${r.label}${this.msg?.scope === 'workspace' ? ` in ${r.file}` : ''}`);
    for (const c of columns) tr.append(this.cellElement(r, c));
    return tr;
  }

  private cellElement(r: TableRow, c: TableColumn): HTMLTableCellElement {
    const td = el('td', `ct-col-${c.kind}`);
    td.dataset.column = c.id;
    const muted = (text: string, title?: string) => {
      const s = el('span', 'ct-muted', text);
      if (title) s.title = title;
      return s;
    };
    switch (c.id) {
      case 'cell': {
        td.append(el('span', 'ct-cell-label', r.label));
        if (!r.valid) td.append(el('span', 'ct-error', ` ⚠ ${r.errors} error${r.errors === 1 ? '' : 's'}`));
        td.title = `${r.file}, line ${r.line + 1}${r.hash ? `\ncanonical hash ${r.hash}` : ''}`;
        break;
      }
      case 'file':
        td.textContent = r.file;
        break;
      case 'nodes':
        td.textContent = String(r.nodes);
        break;
      case 'testLoss': {
        const b = r.benchmark;
        if (!r.valid) td.append(muted('—', 'fix the errors to look the cell up'));
        else if (!b) td.append(muted('—', 'not in the benchmark (no trained cell computes the same function)'));
        else if (b.testLoss === undefined) td.append(el('span', 'ct-error', 'diverged'));
        else {
          td.textContent = formatLoss(b.testLoss);
          td.title = `${b.dataset} mean final test loss${b.valLoss !== undefined ? `; validation ${formatLoss(b.valLoss)}` : ''}${b.others?.length ? `\nalso in ${b.others.join(', ')}` : ''}`;
        }
        break;
      }
      case 'rank': {
        const b = r.benchmark;
        if (b?.rank !== undefined) {
          td.append(document.createTextNode(String(b.rank)), muted(` / ${b.size}`));
          td.title = `rank ${b.rank} of the ${b.size} trained ${b.dataset} cells (1 = lowest test loss)`;
        } else td.append(muted('—'));
        break;
      }
      case 'predicted': {
        const p = r.predicted;
        if (!p) {
          td.append(muted('—', r.preset ? 'no predictor for these settings' : 'not scored'));
          break;
        }
        td.append(document.createTextNode(formatPredicted(p.loss)));
        if (p.lo !== undefined && p.hi !== undefined)
          td.append(muted(` [${formatPredicted(p.lo)}, ${formatPredicted(p.hi)}]`));
        td.title = `${p.text} (${p.dataset})`;
        break;
      }
      case 'preset': {
        if (r.preset) {
          td.textContent = PRESET_LABEL[r.preset] ?? r.preset;
          td.title = r.settings ?? '';
        } else td.append(muted('not scored'));
        break;
      }
      default: {
        const s = r.scores[c.id.slice('score:'.length)];
        if (!s) {
          td.append(muted('—', 'not scored at the current settings'));
          break;
        }
        const v = el('span', s.kind === 'finite' ? 'ct-value' : 'ct-value ct-special', s.text);
        td.append(v);
        if (s.percentileText !== undefined) td.append(el('span', 'ct-pct', s.percentileText));
        td.title =
          s.reason ??
          (s.percentileText !== undefined
            ? `${s.percentileText} percentile ${s.population ?? ''}, scored at the same settings (100 = best)`
            : 'no reference population for these settings');
      }
    }
    return td;
  }

  private rowsInBody(): HTMLTableRowElement[] {
    return Array.from(this.tbody.rows);
  }

  private setCurrent(key: string): void {
    this.current = key;
    for (const tr of this.rowsInBody()) tr.tabIndex = tr.dataset.key === key ? 0 : -1;
  }

  private focusRow(i: number): void {
    const rows = this.rowsInBody();
    if (!rows.length) return;
    const tr = rows[Math.max(0, Math.min(rows.length - 1, i))];
    this.setCurrent(tr.dataset.key!);
    tr.focus();
    tr.scrollIntoView({ block: 'nearest' });
  }

  private onRowKey(e: KeyboardEvent): void {
    const tr = (e.target as Element).closest('tr');
    if (!tr?.dataset.key) return;
    const rows = this.rowsInBody();
    const i = rows.indexOf(tr);
    const page = Math.max(
      1,
      Math.floor(
        this.tbody.parentElement!.parentElement!.clientHeight / Math.max(1, tr.getBoundingClientRect().height),
      ) - 1,
    );
    const go: Record<string, number> = {
      ArrowDown: i + 1,
      ArrowUp: i - 1,
      Home: 0,
      End: rows.length - 1,
      PageDown: i + page,
      PageUp: i - page,
    };
    if (e.key in go) {
      e.preventDefault();
      this.focusRow(go[e.key]);
      return;
    }
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.post({ type: 'reveal', key: tr.dataset.key });
    }
  }
}

startPage({
  name: 'cells table',
  isToWebview: isToTableWebview,
  setup: (api) => {
    const root = document.getElementById('cell-lens-table') ?? document.body.appendChild(document.createElement('div'));
    const view = new CellsTableView(root, api);
    (window as unknown as { cellLensTable: CellsTableView }).cellLensTable = view;
    return (m) => view.render(m);
  },
});
