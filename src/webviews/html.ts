/**
 * The HTML of the Cell Lens webview pages and the list of the scripted pages (which bundle, stylesheets and root
 * element each one has), as pure code (no `vscode`), so unit tests can check every page's Content Security Policy.
 * The panel host (host.ts) builds each page from here with a fresh nonce.
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

/** A scripted page: its bundle in dist/, its stylesheets in media/ (later ones win), its root element and title. */
export interface WebviewPage {
  readonly script: string;
  readonly styles: readonly string[];
  readonly rootId: string;
  /** The document title; the panel's title when absent. */
  readonly title?: string;
}

/** The cell graph (webview/main.ts). */
export const GRAPH_PAGE: WebviewPage = {
  script: 'webview.js',
  styles: ['graph.css'],
  rootId: 'cell-lens-graph',
  title: 'Cell graph',
};
/** "Compare Cells" (webview/compare.ts): the graph's stylesheet (the graphs are drawn by the graph view), the compare layout over it. */
export const COMPARE_PAGE: WebviewPage = {
  script: 'compare.js',
  styles: ['graph.css', 'compare.css'],
  rootId: 'cell-lens-compare',
  title: 'Compare Cells',
};
/** The cells table (webview/table.ts); its title is the panel's. */
export const TABLE_PAGE: WebviewPage = { script: 'table.js', styles: ['table.css'], rootId: 'cell-lens-table' };
/** "Score Correlations" (webview/plots.ts). */
export const STUDY_PAGE: WebviewPage = {
  script: 'plots.js',
  styles: ['plots.css'],
  rootId: 'cell-lens-plots',
  title: 'Score Correlations',
};

/**
 * The complete HTML document of a scripted page. `asset(folder, file)` is the webview URI of a file of the
 * extension's dist/ or media/ folder; `title` stands in for a page without its own.
 */
export function pageHtml(
  page: WebviewPage,
  o: {
    readonly cspSource: string;
    readonly nonce: string;
    readonly asset: (folder: 'dist' | 'media', file: string) => string;
    readonly title?: string;
  },
): string {
  return webviewHtml({
    cspSource: o.cspSource,
    nonce: o.nonce,
    scriptUri: o.asset('dist', page.script),
    styleUri: page.styles.map((f) => o.asset('media', f)),
    rootId: page.rootId,
    ...(page.title !== undefined || o.title !== undefined ? { title: page.title ?? o.title } : {}),
  });
}
