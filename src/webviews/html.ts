/**
 * The graph webview's HTML, as a pure function (no `vscode`), so a unit test can check its Content Security Policy.
 */
import { escapeMarkup } from '../shared/escape';

/** What the HTML needs: URIs already converted with `webview.asWebviewUri`, and the webview's CSP source. */
export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** URI of dist/webview.js as the webview sees it. */
  readonly scriptUri: string;
  /** URI of media/graph.css as the webview sees it; several stylesheets are linked in order (later ones win). */
  readonly styleUri: string | readonly string[];
  /** A fresh random nonce (see makeNonce). */
  readonly nonce: string;
  readonly title?: string;
  /** Id of the root element the script mounts into (default `cell-lens-graph`; the study panel uses its own). */
  readonly rootId?: string;
}

/** A 32-character random nonce from [A-Za-z0-9] (crypto.getRandomValues). */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += chars[b % chars.length];
  return s;
}

/** The Content-Security-Policy of the graph webview: nothing but our own script (by nonce), style and images. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** The complete HTML document of the graph webview, and of the other Cell Lens webviews (another root, script, styles). */
export function webviewHtml(o: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(o.nonce)) throw new Error('webviewHtml: the nonce must be ≥ 16 base64 characters');
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeMarkup(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${(typeof o.styleUri === 'string' ? [o.styleUri] : o.styleUri).map((u) => `<link rel="stylesheet" href="${escapeMarkup(u)}">`).join('\n')}
<title>${escapeMarkup(o.title ?? 'Cell graph')}</title>
</head>
<body>
<div id="${escapeMarkup(o.rootId ?? 'cell-lens-graph')}"></div>
<script nonce="${o.nonce}" src="${escapeMarkup(o.scriptUri)}"></script>
</body>
</html>`;
}
