/**
 * THE escapers: markup text (HTML text, XML / SVG text, and attribute values of both: every page, chart and plot
 * Cell Lens writes as a string) and CSV text fields (every CSV export). Pure, no imports: the host and the webviews
 * share it.
 *
 * Attributes are always written in double quotes, so `'` needs no entity (and a page's Content-Security-Policy,
 * whose keywords are quoted with `'`, reads as written).
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** `s` with `& < > "` as entities: safe as HTML / XML text and as a double-quoted attribute value. */
export function escapeMarkup(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ENTITIES[c]);
}

/**
 * A text field for CSV (RFC 4180): quoted when it holds a comma, quote or line break (or edge spaces); a leading `=`,
 * `+`, `-`, `@`, tab or CR (a formula to a spreadsheet) is neutralised with a `'`. Numbers are written as numbers by
 * the caller, never through this.
 */
export function csvText(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}
