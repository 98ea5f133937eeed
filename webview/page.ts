/**
 * What the four webview pages (the cell graph, Compare Cells, the cells table, Score Correlations) share on the
 * browser side: the VS Code webview API, the start once the DOM is ready, the validation of every message from the
 * host (a malformed one is dropped and logged to the host), the `ready` that tells the host the page listens
 * (src/webviews/host.ts answers it), and the small DOM helpers. No `vscode` import.
 */

/** The VS Code webview API of a page. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/**
 * Start a page once the DOM is ready: `setup` builds the view and returns the handler of the host's messages, which
 * gets only messages that pass `isToWebview` (`name` names the page in the log line of a malformed one); then the
 * page posts `ready`.
 */
export function startPage<To>(page: {
  readonly name: string;
  readonly isToWebview: (m: unknown) => m is To;
  setup(api: VsCodeApi): (m: To) => void;
}): void {
  const start = (): void => {
    const api = acquireVsCodeApi();
    const handle = page.setup(api);
    window.addEventListener('message', (event: MessageEvent) => {
      const m: unknown = event.data;
      if (!page.isToWebview(m)) {
        const type = typeof m === 'object' && m !== null ? String((m as { type?: unknown }).type) : typeof m;
        api.postMessage({
          type: 'log',
          level: 'warn',
          message: `${page.name}: ignored a malformed message (type ${type})`,
        });
        return;
      }
      handle(m);
    });
    api.postMessage({ type: 'ready' });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}

/** A new element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';
