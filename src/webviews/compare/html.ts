/**
 * The compare webview's HTML, as a pure function (no `vscode`), so a unit test can check its Content Security
 * Policy: the graph panel's document and policy (src/webviews/html.ts: nothing but our script by nonce, our styles and
 * images), with the graph's stylesheet (the graphs are drawn by the graph view) and the compare layout's over it.
 */
import { webviewHtml } from '../html';

export interface CompareHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** dist/compare.js, media/graph.css and media/compare.css as the webview sees them. */
  readonly scriptUri: string;
  readonly graphStyleUri: string;
  readonly styleUri: string;
  /** A fresh random nonce (webviews/html `makeNonce`). */
  readonly nonce: string;
  readonly title?: string;
}

export function compareHtml(o: CompareHtmlOptions): string {
  return webviewHtml({
    cspSource: o.cspSource,
    nonce: o.nonce,
    scriptUri: o.scriptUri,
    styleUri: [o.graphStyleUri, o.styleUri],
    title: o.title ?? 'Compare cells',
    rootId: 'cell-lens-compare',
  });
}
