/**
 * Entry of the cell-graph webview bundle (dist/webview.js, browser IIFE). Wires the VS Code webview API to the
 * GraphView (webview/graph/view.ts); every message it receives is validated (src/graph/protocol.ts, webview/page.ts).
 */
import { GraphView } from './graph/view';
import { startPage } from './page';
import { isToWebview, type FromWebview, type WebviewState } from '../src/graph/protocol';

startPage({
  name: 'cell graph',
  isToWebview,
  setup: (api) => {
    const root = document.getElementById('cell-lens-graph') ?? document.body.appendChild(document.createElement('div'));
    const view = new GraphView(root, {
      post: (m: FromWebview) => api.postMessage(m),
      getState: () => {
        const s = api.getState();
        return typeof s === 'object' && s !== null ? s : undefined;
      },
      setState: (s: WebviewState) => api.setState(s),
    });
    // For tests and the bench page (harmless in VS Code).
    (window as unknown as { cellLensGraph: GraphView }).cellLensGraph = view;
    // On a resize the side panel follows the width and an unmoved view is fitted again (view.resized).
    window.addEventListener('resize', () => view.resized());
    return (m) => {
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
          void view.exportAs(m.format, m.background);
          break;
      }
    };
  },
});
