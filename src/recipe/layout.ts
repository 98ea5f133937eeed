/**
 * The layout of a list-of-cells document: which lines hold several cells (the shipped recepies_example.json holds
 * ten cells on one line, so their CodeLenses would stack above line 1), and the formatter that puts each item of
 * the list on a line of its own.
 *
 * The formatter only changes whitespace between the items of the top-level list: every item, every comment and
 * everything before `[` and after `]` stays as written, so re-parsing gives the same cells (same recipes, same
 * order, same labels) and formatting twice changes nothing the second time. Pure; no `vscode`.
 */
import { parseTree, type ParseError } from 'jsonc-parser';
import { replaceNonFiniteLiterals } from './parse';

/** A text replacement: `text` in place of [start, end). */
export interface LayoutEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Lines that hold the start of more than one cell, with how many start there: line → count (only counts ≥ 2).
 * `lines` are the 0-based start lines of the cells, in any order.
 */
export function crowdedLines(lines: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  for (const [l, n] of counts) if (n < 2) counts.delete(l);
  return counts;
}

/** What {@link oneCellPerLine} found. */
export type LayoutResult =
  { readonly ok: true; readonly edits: readonly LayoutEdit[] } | { readonly ok: false; readonly reason: string };

const isSpace = (c: string) => c === ' ' || c === '\t';

/**
 * Edits that put each item of the document's top-level list on its own line (indented by `indent`) and the closing
 * `]` on a line of its own. Items that already start a line are left alone: no edits means the document already is
 * one cell per line. Not a list, or not valid JSON: `ok: false` with the reason (nothing is changed).
 */
export function oneCellPerLine(text: string, opts: { indent?: string; eol?: string } = {}): LayoutResult {
  const indent = opts.indent ?? '  ';
  const eol = opts.eol ?? (text.includes('\r\n') ? '\r\n' : '\n');
  // NaN / Infinity (Python's json in training logs) become numbers of the same length: offsets stay valid.
  const { text: json } = replaceNonFiniteLiterals(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text);
  const errors: ParseError[] = [];
  const root = parseTree(json, errors, { allowTrailingComma: false, disallowComments: false, allowEmptyContent: true });
  if (errors.length || !root) return { ok: false, reason: 'the file is not valid JSON' };
  if (root.type !== 'array') return { ok: false, reason: 'the file holds one cell, not a list of cells' };
  const items = root.children ?? [];
  const close = root.offset + root.length - 1; // the `]`
  const edits: LayoutEdit[] = [];
  /** Make the text at `at` start a line: replace the blanks before it (back to `from`) by a line break, unless the gap holds one. */
  const breakBefore = (from: number, at: number, pad: string) => {
    const gap = text.slice(from, at);
    if (gap.includes('\n')) return;
    let s = at;
    while (s > from && isSpace(text[s - 1])) s--;
    edits.push({ start: s, end: at, text: eol + pad });
  };
  let prevEnd = root.offset + 1; // just after `[`
  for (const item of items) {
    breakBefore(prevEnd, item.offset, indent);
    prevEnd = item.offset + item.length;
  }
  if (items.length) breakBefore(prevEnd, close, '');
  return { ok: true, edits };
}

/** The text with the edits applied (edits must not overlap; any order). */
export function applyLayoutEdits(text: string, edits: readonly LayoutEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
