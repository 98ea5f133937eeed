/**
 * A cell's text with its recipe replaced by another, written in the document's own style: only what differs changes
 * (an op, an input, a node deleted, a node inserted before the first node that reads it, copying that node's layout),
 * so the keys, spacing, line breaks and comments of everything else stay as written, inside a recipe object as inside
 * a training log's `recepie` string. The result is checked by parsing it again; when the minimal edit would not give
 * exactly the new recipe, the cell is written whole (JSON, indented as the cell was). Pure; no `vscode` import.
 */
import type { Cell, CellNode, Recipe, Span } from './types';
import { parseDocument } from './parse';
import { recipeToJson, toRecipe } from './model';
import { applyLayoutEdits, type LayoutEdit } from './layout';

/** How a string value is written in the cell's text: JSON, or JSON inside a JSON string (a log's `recepie`). */
function encoderOf(text: string, cell: Cell): (s: string) => string {
  return cell.source === 'log' && text[cell.span.start] === '"'
    ? (s) => JSON.stringify(JSON.stringify(s)).slice(1, -1)
    : JSON.stringify;
}

const slice = (text: string, s: Span) => text.slice(s.start, s.end);

/** Whether two recipes have the same nodes (key order aside). */
function sameRecipe(a: Recipe, b: Recipe): boolean {
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every(
      (k) =>
        Object.prototype.hasOwnProperty.call(b, k) &&
        a[k].op === b[k].op &&
        a[k].input.length === b[k].input.length &&
        a[k].input.every((x, i) => x === b[k].input[i]),
    )
  );
}

/** The minimal edits (document offsets) that turn the cell's nodes into `next`. */
function minimalEdits(text: string, cell: Cell, next: Recipe, enc: (s: string) => string): LayoutEdit[] {
  const nodes = cell.nodes;
  const edits: LayoutEdit[] = [];
  // The separator between two inputs, from any node that has two (else `, `).
  const withTwo = nodes.find((n) => n.inputs.length >= 2);
  const inputSep = withTwo ? text.slice(withTwo.inputs[0].span.end, withTwo.inputs[1].span.start) : ', ';
  /** An input list in the layout of node `n`'s list. */
  const list = (n: CellNode, inputs: readonly string[]): string => {
    const l = n.inputListSpan;
    if (n.inputs.length === 0) return `[${inputs.map(enc).join(inputSep)}]`;
    const open = text.slice(l.start, n.inputs[0].span.start);
    const close = text.slice(n.inputs[n.inputs.length - 1].span.end, l.end);
    return open + inputs.map(enc).join(inputSep) + close;
  };
  /** Node `n`'s value text with another op and inputs (for a node inserted in its layout). */
  const valueLike = (n: CellNode, op: string, inputs: readonly string[]): string => {
    const v = n.valueSpan;
    const parts = [
      { span: n.opSpan, text: enc(op) },
      { span: n.inputListSpan, text: list(n, inputs) },
    ].sort((a, b) => b.span.start - a.span.start);
    let out = slice(text, v);
    for (const p of parts) out = out.slice(0, p.span.start - v.start) + p.text + out.slice(p.span.end - v.start);
    return out;
  };
  const kept = (n: CellNode) => Object.prototype.hasOwnProperty.call(next, n.name);
  // Changed nodes: their op, their inputs (one by one when the count is the same).
  for (const n of nodes) {
    if (!kept(n)) continue;
    const want = next[n.name];
    if (want.op !== n.op) edits.push({ ...n.opSpan, text: enc(want.op) });
    if (want.input.length === n.inputs.length) {
      n.inputs.forEach((x, i) => {
        if (x.name !== want.input[i]) edits.push({ ...x.span, text: enc(want.input[i]) });
      });
    } else edits.push({ ...n.inputListSpan, text: list(n, want.input) });
  }
  // Deleted nodes, by runs: up to the next node's key, or, for a run at the end, from the previous node's value.
  for (let i = 0; i < nodes.length; i++) {
    if (kept(nodes[i])) continue;
    let j = i;
    while (j + 1 < nodes.length && !kept(nodes[j + 1])) j++;
    if (j + 1 < nodes.length) edits.push({ start: nodes[i].keySpan.start, end: nodes[j + 1].keySpan.start, text: '' });
    else if (i > 0) edits.push({ start: nodes[i - 1].valueSpan.end, end: nodes[j].valueSpan.end, text: '' });
    else return []; // every node deleted: no minimal edit
    i = j;
  }
  // New nodes: before the first kept node that reads them, laid out like it.
  const names = new Set(nodes.map((n) => n.name));
  for (const name of Object.keys(next)) {
    if (names.has(name)) continue;
    const at = nodes.findIndex((n) => kept(n) && next[n.name].input.includes(name));
    if (at < 0) return [];
    const c = nodes[at];
    const sep =
      at > 0
        ? text.slice(nodes[at - 1].valueSpan.end, c.keySpan.start)
        : ',' + text.slice(text.lastIndexOf('{', c.keySpan.start) + 1, c.keySpan.start);
    const entry =
      enc(name) + text.slice(c.keySpan.end, c.valueSpan.start) + valueLike(c, next[name].op, next[name].input);
    edits.push({ start: c.keySpan.start, end: c.keySpan.start, text: entry + sep });
  }
  return edits;
}

/** The cell written whole: indented JSON where the cell spans lines, compact JSON otherwise; a log's string escaped. */
function wholeCell(text: string, cell: Cell, next: Recipe): string {
  const old = slice(text, cell.span);
  const json = recipeToJson(next, old.includes('\n') ? 2 : undefined);
  return encoderOf(text, cell) === JSON.stringify ? json : JSON.stringify(json);
}

/** Whether `cellText` in place of the cell's span parses to exactly `next` at the cell's position. */
function gives(text: string, cell: Cell, cellText: string, next: Recipe): boolean {
  const doc = parseDocument(text.slice(0, cell.span.start) + cellText + text.slice(cell.span.end));
  const c = doc.cells.find((x) => x.index === cell.index);
  return c !== undefined && sameRecipe(toRecipe(c), next);
}

/**
 * The new text of `cell.span` (the recipe object, or a log's `recepie` string) for recipe `next`, in the document's
 * style (see the module comment). `text` is the whole document the cell was parsed from.
 */
export function rewriteCellText(text: string, cell: Cell, next: Recipe): string {
  const edits = minimalEdits(text, cell, next, encoderOf(text, cell));
  if (edits.length > 0) {
    const local = edits.map((e) => ({ ...e, start: e.start - cell.span.start, end: e.end - cell.span.start }));
    const cellText = applyLayoutEdits(slice(text, cell.span), local);
    if (gives(text, cell, cellText, next)) return cellText;
  }
  return wholeCell(text, cell, next);
}
