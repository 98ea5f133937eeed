/**
 * THE escaper of markup text: HTML text, XML / SVG text, and attribute values of both. Every page, chart and plot
 * Cell Lens writes as a string goes through it. Pure, no imports: the host and the webviews share it.
 *
 * Attributes are always written in double quotes, so `'` needs no entity (and a page's Content-Security-Policy,
 * whose keywords are quoted with `'`, reads as written).
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** `s` with `& < > "` as entities: safe as HTML / XML text and as a double-quoted attribute value. */
export function escapeMarkup(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ENTITIES[c]);
}
