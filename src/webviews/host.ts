/**
 * THE panel host: what every Cell Lens webview panel (the cell graph, Compare Cells, the cells table, Score
 * Correlations, and the static loss-curves page) has in common, written once.
 *  - Panel options: scripts on, command URIs off, local resources only from the extension's dist/ and media/
 *    folders (a static page: scripts off, media/ only). Nothing a panel adds can change those (`openPanel`).
 *  - The page: the HTML of webviews/html.ts (strict CSP) with a fresh nonce for every page, its asset URIs.
 *  - The handshake: the page posts `ready` when it listens (again after a reload); until then messages wait in a
 *    queue (the latest of each type, or every one of the types that are events), and the state the panel sends
 *    afresh on `ready` replaces what waited.
 *  - The colour theme kind, sent first on `ready` and on every change (pages that follow the theme).
 *  - Messages from the page: validated by the panel's protocol, `log` lines to the LogOutputChannel, failures
 *    logged; the panel handles the rest.
 *  - Visibility (a discarded hidden page queues again), the serializer that revives a panel after a reload, and
 *    dispose.
 * Generic over each panel's typed protocol (src/graph, src/compare, src/table, src/study protocol.ts).
 */
import * as vscode from 'vscode';
import type { ThemeKind } from '../graph/protocol';
import { makeNonce, pageHtml, type WebviewPage } from './html';

/** A message of a webview protocol. */
export interface ProtocolMessage {
  readonly type: string;
}

/** What every page sends: `ready` when it listens, `log` lines for the output channel. */
type PageMessage = { readonly type: 'ready' } | { readonly type: 'log' };
interface LogLine {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

/** A kind of panel. */
export interface PanelKind {
  readonly viewType: string;
  /** A scripted page (the default), or static HTML: scripts off, resources from media/ only. */
  readonly scripts?: false;
  /** Panel options such as the find widget (they cannot turn command URIs on or widen the resource roots). */
  readonly options?: vscode.WebviewPanelOptions;
  /** The tab's icon, a file of media/. */
  readonly icon?: string;
}

/** A kind of scripted panel and its protocol: `To` the host sends, `From` the page sends. */
export interface PanelSpec<To extends ProtocolMessage, From extends ProtocolMessage> extends PanelKind {
  readonly scripts?: undefined;
  readonly page: WebviewPage;
  /** The validator of the page's messages (the protocol's). */
  readonly isFromWebview: (m: unknown) => m is From;
  /** Name in the log (`graph: …`); the page's log lines read `<pageLabel>: …` (default `<label> webview`). */
  readonly label: string;
  readonly pageLabel?: string;
  /** The protocol's theme message, for a page that follows the colour theme kind. */
  readonly theme?: (kind: ThemeKind) => To;
  /** Types the panel sends afresh on `ready` (a queued one is dropped). */
  readonly resentOnReady?: readonly To['type'][];
  /** Types of which every message waits for `ready` (of the others, the latest one). */
  readonly queueAll?: readonly To['type'][];
  /** The page is discarded while the panel is hidden (no retainContextWhenHidden): messages wait again until it is shown and ready. */
  readonly queueWhileHidden?: boolean;
}

/** What the panel does at the host's events. */
export interface PanelHandlers<To extends ProtocolMessage, From extends ProtocolMessage> {
  /** The page is ready (first load or reload); the theme went out. Post the current state; `queued` goes next. */
  onReady?(queued: readonly To[]): void | Promise<void>;
  /** After the queued messages went out. */
  afterReady?(): void;
  /** A valid message of the page other than `ready` and `log`. */
  onMessage?(m: Exclude<From, PageMessage>): void | Promise<void>;
  /** The panel closes (by the user or by dispose()). */
  onDispose?(): void;
}

/** The extension's folder and log. */
export interface HostContext {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
}

/**
 * Webview and panel options of a kind of panel. The kind's own options come first, so nothing in them can turn
 * command URIs on or widen the resource roots.
 */
function panelOptions(kind: PanelKind, extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  const scripts = kind.scripts !== false;
  return {
    ...kind.options,
    enableScripts: scripts,
    enableCommandUris: false,
    localResourceRoots: scripts
      ? [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')]
      : [vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** A new panel of `kind` (the only place a Cell Lens webview panel is created). */
export function openPanel(
  kind: PanelKind,
  extensionUri: vscode.Uri,
  title: string,
  show: { viewColumn: vscode.ViewColumn; preserveFocus: boolean },
): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(kind.viewType, title, show, panelOptions(kind, extensionUri));
  if (kind.icon) panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', kind.icon);
  return panel;
}

/**
 * Revive the panels of `kind` that VS Code restores after a reload: the webview options again, then `restore` with
 * the state the page saved (`setState`).
 */
export function registerPanelSerializer(
  kind: PanelKind,
  extensionUri: vscode.Uri,
  restore: (panel: vscode.WebviewPanel, state: unknown) => void,
): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(kind.viewType, {
    // eslint-disable-next-line @typescript-eslint/require-await -- VS Code wants a Thenable; a failure rejects it
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      panel.webview.options = panelOptions(kind, extensionUri);
      if (kind.icon) panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', kind.icon);
      restore(panel, state);
    },
  });
}

/** The webview URI (as a string for the HTML) of a file of the extension, e.g. `assetUri(w, ext, 'media', 'x.css')`. */
export function assetUri(webview: vscode.Webview, extensionUri: vscode.Uri, ...path: string[]): string {
  return webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
}

/** VS Code's colour theme kind as the webviews' protocols name it. */
function themeKind(kind: vscode.ColorThemeKind): ThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}

/** One scripted panel's page: its HTML, handshake, queue, theme, messages and lifetime. */
export class WebviewHost<To extends ProtocolMessage, From extends ProtocolMessage> implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private pending: To[] = [];
  private isDisposed = false;
  private readonly pageLabel: string;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly spec: PanelSpec<To, From>,
    private readonly ctx: HostContext,
    private readonly handlers: PanelHandlers<To, From>,
  ) {
    this.pageLabel = spec.pageLabel ?? `${spec.label} webview`;
    const webview = panel.webview;
    webview.html = pageHtml(spec.page, {
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      asset: (folder, file) => assetUri(webview, ctx.extensionUri, folder, file),
      title: panel.title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    if (spec.queueWhileHidden)
      this.disposables.push(
        panel.onDidChangeViewState((e) => {
          if (!e.webviewPanel.visible) this.ready = false;
        }),
      );
    const theme = spec.theme;
    if (theme) this.disposables.push(vscode.window.onDidChangeActiveColorTheme(() => this.sendTheme(theme)));
  }

  /** Whether the panel was closed. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Send a message to the page: now when it is ready, else when it posts `ready`. */
  post(m: To): void {
    if (this.isDisposed) return;
    if (!this.ready) {
      if (!this.spec.queueAll?.includes(m.type)) this.pending = this.pending.filter((p) => p.type !== m.type);
      this.pending.push(m);
      return;
    }
    void this.panel.webview
      .postMessage(m)
      .then(undefined, (e: unknown) => this.ctx.log.warn(`${this.spec.label}: postMessage failed: ${String(e)}`));
  }

  /** Disposed with the panel. */
  track(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  private sendTheme(theme: (kind: ThemeKind) => To): void {
    this.post(theme(themeKind(vscode.window.activeColorTheme.kind)));
  }

  private receive(m: unknown): void {
    if (!this.spec.isFromWebview(m)) {
      this.ctx.log.warn(
        `${this.spec.label}: ignored a malformed message from the webview: ${JSON.stringify(m)?.slice(0, 200)}`,
      );
      return;
    }
    const failed = (e: unknown) => this.ctx.log.error(`${this.spec.label}: ${m.type} failed: ${String(e)}`);
    try {
      const done =
        m.type === 'ready'
          ? this.pageReady()
          : m.type === 'log'
            ? this.pageLog(m as unknown as LogLine)
            : this.handlers.onMessage?.(m as Exclude<From, PageMessage>);
      if (done instanceof Promise) done.catch(failed);
    } catch (e) {
      failed(e);
    }
  }

  private pageLog(m: LogLine): void {
    this.ctx.log[m.level](`${this.pageLabel}: ${m.message}`);
  }

  private pageReady(): void | Promise<void> {
    this.ready = true;
    const resent = this.spec.resentOnReady ?? [];
    const queued = this.pending.filter((p) => !resent.includes(p.type));
    this.pending = [];
    if (this.spec.theme) this.sendTheme(this.spec.theme);
    const flush = (): void => {
      for (const p of queued) this.post(p);
      this.handlers.afterReady?.();
    };
    const fresh = this.handlers.onReady?.(queued);
    if (fresh instanceof Promise) return fresh.then(flush);
    flush();
  }

  /** Close the panel. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.handlers.onDispose?.();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
