/**
 * The compare webview's HTML, as a pure function (no `vscode`), so a unit test can check its Content Security
 * Policy: the graph panel's policy (src/graph/html.ts: nothing but our script by nonce, our styles and images),
 * with the graph's stylesheet (the graphs are drawn by the graph view) and the compare layout's.
 */
import { contentSecurityPolicy } from '../graph/html';

export interface CompareHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** dist/compare.js, media/graph.css and media/compare.css as the webview sees them. */
  readonly scriptUri: string;
  readonly graphStyleUri: string;
  readonly styleUri: string;
  /** A fresh random nonce (graph/html `makeNonce`). */
  readonly nonce: string;
  readonly title?: string;
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function compareHtml(o: CompareHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(o.nonce)) throw new Error('compareHtml: the nonce must be ≥ 16 base64 characters');
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.graphStyleUri)}">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeAttr(o.title ?? 'Compare cells')}</title>
</head>
<body>
<div id="cell-lens-compare"></div>
<script nonce="${o.nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
