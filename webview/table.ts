/**
 * Entry of the cells-table webview bundle (dist/table.js, browser IIFE): a plain, accessible HTML table of the rows
 * the host sends (src/table/protocol.ts, validated on receipt), sorted and filtered with the same pure functions the
 * host uses for the exports (src/table/view.ts). Keyboard: Tab reaches the filter, the toolbar, the column headers
 * (Enter / Space sorts, again reverses) and the rows; ↑ ↓ Home End PageUp PageDown move between rows, Enter reveals
 * the row's cell in its editor; `/` jumps to the filter, Escape clears it. Colours: media/table.css (theme variables).
 * Why no component library: see src/webviews/table/panel.ts.
 *
 * Big tables (a 5,000-cell file): the rows arrive in pages (`render`, then `rows` messages) and show as they come;
 * the body holds only the rows in view and a few around them (a virtualised list: two spacer rows stand for the
 * others, `aria-rowcount` / `aria-rowindex` tell assistive technology where a row is), so sorting or filtering
 * thousands of rows redraws a few dozen.
 */
import {
  isSortState,
  isToTableWebview,
  type FromTableWebview,
  type SortState,
  type TableColumn,
  type TableRenderMessage,
  type TableRow,
  type TableRowsMessage,
  type TableWebviewState,
  type ToTableWebview,
} from '../src/table/protocol';
import { DEFAULT_SORT, nextSort, visibleRows } from '../src/table/view';
import { formatLoss, formatPredicted } from '../src/shared/format';
import { el, startPage, type VsCodeApi } from './page';

const PRESET_LABEL: Readonly<Record<string, string>> = {
  'nas-bench-nlp': 'full size',
  proxy: 'proxy',
  custom: 'custom',
};

/** Rows drawn beyond the visible ones, above and below (scrolling a little shows rows already there). */
const OVERSCAN_ROWS = 20;
/** Rows drawn before the height of a row is known (the first draw). */
const FIRST_WINDOW_ROWS = 60;

/** The table view: owns the DOM under `root`, the sort and the filter. */
export class CellsTableView {
  private msg: TableRenderMessage | undefined;
  private sort: SortState;
  private filter: string;
  /** The rows of the table received so far (its pages, in order). */
  private received: TableRow[] = [];
  /** While a new table's pages arrive: the previous table's rows, shown after the new ones received so far. */
  private previous: TableRow[] = [];
  private shown: TableRow[] = [];
  /** Index in `shown` by row key. */
  private position = new Map<string, number>();
  /** The rows drawn: `shown[first … first + drawn)`. */
  private first = 0;
  private drawn = 0;
  /** Height of a row in px (measured once rows are drawn). */
  private rowHeight = 0;
  private frame = 0;
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
  private readonly scroll: HTMLElement;

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
    const scroll = (this.scroll = el('div', 'ct-scroll'));
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
    scroll.addEventListener('scroll', () => this.scheduleWindow(), { passive: true });
    window.addEventListener('resize', () => this.scheduleWindow());
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

  /** A message of the host: a new table (its first page) or the next page of the current one. */
  receive(m: ToTableWebview): void {
    if (m.type === 'render') this.render(m);
    else this.append(m);
  }

  /** Show a new table: its first page now, its other rows as they come (sort, filter and the focused row are kept). */
  render(m: TableRenderMessage): void {
    // The rows shown until the new ones have all arrived: the previous table's (an update redraws in place).
    this.previous = this.msg ? this.rowsNow() : [];
    this.msg = m;
    this.received = [...m.rows];
    if (this.received.length >= m.total) this.previous = [];
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

  /** The next page of the current table (a page of an older table is dropped). */
  private append(m: TableRowsMessage): void {
    const t = this.msg;
    if (!t || m.id !== t.id) return;
    const keys = new Set(this.received.map((r) => r.key));
    this.received.push(...m.rows.filter((r) => !keys.has(r.key)));
    const columnsChanged = m.columns.map((c) => c.id).join('\n') !== t.columns.map((c) => c.id).join('\n');
    this.msg = { ...t, columns: m.columns, ...(m.note !== undefined ? { note: m.note } : {}) };
    if (m.note !== undefined) this.note.textContent = m.note;
    if (this.received.length >= t.total) this.previous = [];
    if (columnsChanged) this.drawHeader(m.columns);
    this.draw();
  }

  /** Whether rows of the current table are still to come. */
  private get loading(): boolean {
    return !!this.msg && this.received.length < this.msg.total;
  }

  /** The table's rows as they stand: those received, then the previous table's others while pages arrive. */
  private rowsNow(): TableRow[] {
    if (!this.previous.length) return this.received;
    const keys = new Set(this.received.map((r) => r.key));
    return [...this.received, ...this.previous.slice(this.received.length).filter((r) => !keys.has(r.key))];
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

  /** Sort state on the headers, then the rows (filtered and sorted once), then the window of them in view. */
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
    const all = this.rowsNow();
    this.shown = visibleRows(all, this.filter, this.sort);
    this.position = new Map(this.shown.map((r, i) => [r.key, i]));
    const n = all.length;
    const loading = this.loading ? ` (loading: ${this.received.length} of ${m.total})` : '';
    this.count.textContent = this.filter.trim()
      ? `${this.shown.length} of ${n} cells${loading}`
      : `${n} cell${n === 1 ? '' : 's'}${loading}`;
    this.empty.hidden = this.shown.length > 0;
    this.empty.textContent = n ? 'No cell matches the filter.' : this.loading ? 'Loading…' : (m.note ?? 'No cells.');
    // The focused row stays while it may still arrive; else the first row takes the tab stop.
    if (!this.position.has(this.current ?? '') && !(this.loading && this.current)) this.current = this.shown[0]?.key;
    this.table.setAttribute('aria-rowcount', String(this.shown.length + 1));
    this.drawWindow(true);
  }

  /** Redraw the window at the next frame (the table scrolled or the panel was resized). */
  private scheduleWindow(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawWindow(false);
    });
  }

  /** The rows in view, and `OVERSCAN_ROWS` around them: which to draw. */
  private windowAt(): { first: number; count: number } {
    const h = this.rowHeight;
    if (!h) return { first: 0, count: FIRST_WINDOW_ROWS };
    const top = Math.max(0, this.scroll.scrollTop - this.thead.offsetHeight);
    const first = Math.max(0, Math.floor(top / h) - OVERSCAN_ROWS);
    return { first, count: Math.ceil(this.scroll.clientHeight / h) + 2 * OVERSCAN_ROWS };
  }

  /** Draw `shown[first … first + count)` between two spacer rows standing for the others (`force`: rows changed). */
  private drawWindow(force: boolean, at = this.windowAt()): void {
    const first = Math.min(at.first, Math.max(0, this.shown.length - at.count));
    const end = Math.min(this.shown.length, first + at.count);
    if (!force && first === this.first && end - first === this.drawn) return;
    const focused = (document.activeElement as HTMLElement | null)?.closest?.('tr')?.dataset.key;
    const columns = this.msg?.columns ?? [];
    const rows = this.shown.slice(first, end).map((r, i) => {
      const tr = this.rowElement(r, columns);
      tr.setAttribute('aria-rowindex', String(first + i + 2));
      return tr;
    });
    this.first = first;
    this.drawn = rows.length;
    const h = this.rowHeight;
    const spacers = [
      this.spacer(first * h, columns.length),
      ...rows,
      this.spacer((this.shown.length - end) * h, columns.length),
    ].filter((x): x is HTMLTableRowElement => x !== undefined);
    this.tbody.replaceChildren(...spacers);
    if (!h && rows.length) {
      this.rowHeight = rows[0].getBoundingClientRect().height || 24;
      // Now that a row's height is known, draw the window that fits the view (with its spacers).
      if (this.shown.length > rows.length) return this.drawWindow(true);
    }
    const tabStop = rows.some((tr) => tr.dataset.key === this.current) ? this.current : rows[0]?.dataset.key;
    for (const tr of rows) tr.tabIndex = tr.dataset.key === tabStop ? 0 : -1;
    if (focused) rows.find((tr) => tr.dataset.key === focused)?.focus({ preventScroll: true });
  }

  /** A row of `px` height standing for rows not drawn; none for 0 px. */
  private spacer(px: number, span: number): HTMLTableRowElement | undefined {
    if (px <= 0) return undefined;
    const tr = el('tr', 'ct-spacer-row');
    tr.setAttribute('aria-hidden', 'true');
    const td = el('td');
    td.colSpan = Math.max(1, span);
    td.style.height = `${px}px`;
    td.style.padding = '0';
    td.style.border = 'none';
    tr.append(td);
    return tr;
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
    return Array.from(this.tbody.rows).filter((tr) => tr.dataset.key !== undefined);
  }

  private setCurrent(key: string): void {
    this.current = key;
    for (const tr of this.rowsInBody()) tr.tabIndex = tr.dataset.key === key ? 0 : -1;
  }

  /** Focus the row at `i` of the rows shown (scrolled into view, drawn if it was not). */
  private focusRow(i: number): void {
    if (!this.shown.length) return;
    const k = Math.max(0, Math.min(this.shown.length - 1, i));
    const key = this.shown[k].key;
    if (k < this.first || k >= this.first + this.drawn) {
      const h = this.rowHeight || 24;
      const view = Math.max(1, Math.floor(this.scroll.clientHeight / h));
      // Scroll so the row is in view (at the edge it came from), then draw the window there.
      this.scroll.scrollTop = Math.max(0, (k < this.first ? k : k - view + 2) * h);
      this.drawWindow(true, { first: Math.max(0, k - OVERSCAN_ROWS), count: view + 2 * OVERSCAN_ROWS });
    }
    this.setCurrent(key);
    const tr = this.rowsInBody().find((r) => r.dataset.key === key);
    if (!tr) return;
    tr.focus();
    tr.scrollIntoView({ block: 'nearest' });
  }

  private onRowKey(e: KeyboardEvent): void {
    const tr = (e.target as Element).closest('tr');
    if (!tr?.dataset.key) return;
    const i = this.position.get(tr.dataset.key) ?? 0;
    const page = Math.max(
      1,
      Math.floor(this.scroll.clientHeight / Math.max(1, this.rowHeight || tr.getBoundingClientRect().height)) - 1,
    );
    const go: Record<string, number> = {
      ArrowDown: i + 1,
      ArrowUp: i - 1,
      Home: 0,
      End: this.shown.length - 1,
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
    return (m) => view.receive(m);
  },
});
