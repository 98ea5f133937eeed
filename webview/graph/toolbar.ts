/**
 * The graph view's toolbar: the cell and heat-map pickers, Pin, zoom, Fit, the Details toggle (the side panel) and
 * the SVG / PNG exports with their background.
 */
import { el } from '../page';
import type { CellView, ExportBackground, ScoreSummary } from '../../src/graph/protocol';

/** What the toolbar's controls do. */
export interface ToolbarActions {
  selectCell(index: number): void;
  selectHeat(id: string): void;
  togglePin(): void;
  zoomBy(factor: number): void;
  fit(): void;
  toggleDetails(): void;
  selectBackground(background: ExportBackground): void;
  exportAs(format: 'svg' | 'png'): void;
}

/** The export backgrounds: value, option text, tooltip. */
const BACKGROUNDS: readonly (readonly [ExportBackground, string, string])[] = [
  ['theme', 'Theme background', 'Export on the theme background, as shown'],
  ['light', 'Light', 'Export in light colours on white, whatever the theme (for papers)'],
  ['transparent', 'Transparent', 'Export in the theme colours on a transparent background'],
];

export class Toolbar {
  readonly el: HTMLElement;
  private readonly cellPicker: HTMLSelectElement;
  private readonly heatPicker: HTMLSelectElement;
  private readonly pinButton: HTMLButtonElement;
  private readonly detailsButton: HTMLButtonElement;
  private readonly backgroundPicker: HTMLSelectElement;

  /** `sideId`: the id of the side panel the Details toggle controls. */
  constructor(actions: ToolbarActions, sideId: string) {
    this.el = el('div', 'cl-toolbar');
    this.el.setAttribute('role', 'toolbar');
    this.el.setAttribute('aria-label', 'Cell graph');
    this.cellPicker = el('select', 'cl-select');
    this.cellPicker.setAttribute('aria-label', 'Cell');
    this.cellPicker.addEventListener('change', () => actions.selectCell(Number(this.cellPicker.value)));
    this.heatPicker = el('select', 'cl-select');
    this.heatPicker.setAttribute('aria-label', 'Heat-map quantity');
    this.heatPicker.addEventListener('change', () => actions.selectHeat(this.heatPicker.value));
    const button = (label: string, title: string, action: () => void, cls = ''): HTMLButtonElement => {
      const b = el('button', `cl-button ${cls}`.trim(), label);
      b.type = 'button';
      b.title = title;
      b.setAttribute('aria-label', title);
      b.addEventListener('click', action);
      return b;
    };
    // Pin: keep this panel on its file (otherwise it follows the active editor to the next cell file).
    this.pinButton = button('Pin', 'Pin the graph to this file', () => actions.togglePin(), 'cl-pin');
    this.pinButton.setAttribute('aria-pressed', 'false');
    this.detailsButton = button('Details', 'Show the cell details', () => actions.toggleDetails(), 'cl-details');
    this.detailsButton.setAttribute('aria-pressed', 'false');
    this.detailsButton.setAttribute('aria-controls', sideId);
    this.backgroundPicker = el('select', 'cl-select cl-export-bg');
    this.backgroundPicker.setAttribute('aria-label', 'Export background');
    this.backgroundPicker.title = 'Background of the exported SVG / PNG';
    for (const [value, text, title] of BACKGROUNDS) {
      const o = el('option', undefined, text);
      o.value = value;
      o.title = title;
      this.backgroundPicker.append(o);
    }
    this.backgroundPicker.addEventListener('change', () =>
      actions.selectBackground(this.backgroundPicker.value as ExportBackground),
    );
    const spacer = el('span', 'cl-spacer');
    this.el.append(
      this.cellPicker,
      this.heatPicker,
      spacer,
      this.pinButton,
      button('−', 'Zoom out (-)', () => actions.zoomBy(1 / 1.25)),
      button('+', 'Zoom in (+)', () => actions.zoomBy(1.25)),
      button('Fit', 'Fit to view (0)', () => actions.fit(), 'cl-fit'),
      this.detailsButton,
      this.backgroundPicker,
      button('SVG', 'Export SVG', () => actions.exportAs('svg')),
      button('PNG', 'Export PNG', () => actions.exportAs('png')),
    );
  }

  /** The Details toggle for a side panel that is open or not. */
  showDetails(open: boolean): void {
    this.detailsButton.setAttribute('aria-pressed', String(open));
    this.detailsButton.setAttribute('aria-expanded', String(open));
    const tip = open ? 'Hide the cell details (the graph gets the width)' : 'Show the cell details';
    this.detailsButton.title = tip;
    this.detailsButton.setAttribute('aria-label', tip);
  }

  /** Show `background` as the picked export background. */
  showBackground(background: ExportBackground): void {
    this.backgroundPicker.value = background;
  }

  /** The Pin button for a panel (title `Graph: <file>[ (pinned)]`) that is pinned or not. */
  showPin(pinned: boolean, title: string): void {
    const file = title.replace(/^Graph: /, '').replace(/ \(pinned\)$/, '');
    this.pinButton.textContent = pinned ? 'Pinned' : 'Pin';
    this.pinButton.setAttribute('aria-pressed', String(pinned));
    const tip = pinned
      ? `Pinned to ${file}: click to follow the active editor again`
      : `Pin the graph to ${file} (it stops following the active editor)`;
    this.pinButton.title = tip;
    this.pinButton.setAttribute('aria-label', tip);
  }

  /** The cells to pick from (hidden for one cell), `selected` shown. */
  fillCells(cells: readonly Pick<CellView, 'index' | 'label'>[], selected: number): void {
    this.cellPicker.replaceChildren(
      ...cells.map((c) => {
        const o = el('option', undefined, c.label);
        o.value = String(c.index);
        return o;
      }),
    );
    this.cellPicker.value = String(selected);
    this.cellPicker.hidden = cells.length < 2;
  }

  /** Show `index` as the picked cell. */
  showCell(index: number): void {
    this.cellPicker.value = String(index);
  }

  /** The scores with per-node values to pick for the heat-map (hidden when none), `heat` shown if it is one. */
  fillHeat(scores: readonly ScoreSummary[], heat: string): void {
    const withNodes = scores.filter((s) => s.perNode && Object.keys(s.perNode).length > 0);
    const off = el('option', undefined, 'Heat-map: off');
    off.value = '';
    this.heatPicker.replaceChildren(
      off,
      ...withNodes.map((s) => {
        const o = el('option', undefined, `Heat-map: ${s.label}`);
        o.value = s.id;
        return o;
      }),
    );
    if (!withNodes.some((s) => s.id === heat)) this.heatPicker.value = '';
    else this.heatPicker.value = heat;
    this.heatPicker.hidden = withNodes.length === 0;
  }
}
