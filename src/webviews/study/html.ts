/** The study panel's HTML, as a pure function (no `vscode`), so a unit test can check its Content Security Policy. */
import { webviewHtml } from '../html';

/** The complete HTML document of the panel: the graph panel's document and CSP (our script by nonce, our CSS), another root. */
export function studyWebviewHtml(o: {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
  title?: string;
}): string {
  return webviewHtml({ ...o, title: o.title ?? 'Score Correlations', rootId: 'cell-lens-plots' });
}
