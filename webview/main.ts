/**
 * Entry of the cell-graph webview bundle (dist/webview.js, browser IIFE). Wires the VS Code webview API to the
 * GraphView and validates every message it receives (src/graph/protocol.ts).
 */
import { GraphView, type ViewHost } from './render';
import { isToWebview, type FromWebview, type WebviewState } from '../src/graph/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

function start(): void {
  const api = acquireVsCodeApi();
  const host: ViewHost = {
    post: (m: FromWebview) => api.postMessage(m),
    getState: () => {
      const s = api.getState();
      return typeof s === 'object' && s !== null ? (s as WebviewState) : undefined;
    },
    setState: (s: WebviewState) => api.setState(s),
  };
  const root = document.getElementById('cell-lens-graph') ?? document.body.appendChild(document.createElement('div'));
  const view = new GraphView(root, host);
  // For tests and the bench page (harmless in VS Code).
  (window as unknown as { cellLensGraph: GraphView }).cellLensGraph = view;

  window.addEventListener('message', (event: MessageEvent) => {
    const m: unknown = event.data;
    if (!isToWebview(m)) {
      const type = typeof m === 'object' && m !== null ? String((m as { type?: unknown }).type) : typeof m;
      host.post({ type: 'log', level: 'warn', message: `cell graph: ignored a malformed message (type ${type})` });
      return;
    }
    switch (m.type) {
      case 'render':
        view.render(m);
        break;
      case 'highlight':
        view.highlight(m.cellIndex, m.node);
        break;
      case 'theme':
        document.body.dataset.theme = m.kind;
        view.refreshTheme();
        break;
      case 'exportRequest':
        void view.exportAs(m.format);
        break;
    }
  });
  // The zoom transform is kept on a resize (the user presses 0 to refit); the overview follows.
  window.addEventListener('resize', () => view.resized());
  host.post({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
