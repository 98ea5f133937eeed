/**
 * A small recording implementation of the parts of the `vscode` API Cell Lens uses, so `activate()` and the
 * providers run for real in node:test (the full real-editor test runs in code-server, see test/e2e).
 * Install with `installFakeVscode()` before importing src/extension.
 */
import Module from 'node:module';

type Listener<T> = (e: T) => unknown;
export class EventEmitter<T> {
  private ls: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.ls.push(l);
    return {
      dispose: () => {
        this.ls = this.ls.filter((x) => x !== l);
      },
    };
  };
  fire(e: T) {
    for (const l of [...this.ls]) l(e);
  }
  dispose() {
    this.ls = [];
  }
}
export class Position {
  constructor(
    public line: number,
    public character: number,
  ) {}
}
export class Range {
  constructor(
    public start: Position,
    public end: Position,
  ) {}
  contains(r: Range) {
    return cmp(this.start, r.start) <= 0 && cmp(r.end, this.end) <= 0;
  }
  intersection(r: Range) {
    const s = cmp(this.start, r.start) > 0 ? this.start : r.start;
    const e = cmp(this.end, r.end) < 0 ? this.end : r.end;
    return cmp(s, e) <= 0 ? new Range(s, e) : undefined;
  }
}
const cmp = (a: Position, b: Position) => a.line - b.line || a.character - b.character;
export class Selection extends Range {
  get anchor() {
    return this.start;
  }
  get active() {
    return this.end;
  }
}
export class Location {
  constructor(
    public uri: Uri,
    public range: Range,
  ) {}
}
export class Diagnostic {
  source?: string;
  code?: string;
  tags?: number[];
  relatedInformation?: unknown[];
  constructor(
    public range: Range,
    public message: string,
    public severity: number,
  ) {}
}
export class DiagnosticRelatedInformation {
  constructor(
    public location: Location,
    public message: string,
  ) {}
}
export class CodeLens {
  constructor(
    public range: Range,
    public command?: { title: string; command: string; arguments?: unknown[]; tooltip?: string },
  ) {}
}
export class MarkdownString {
  constructor(public value = '') {}
}
export class Hover {
  constructor(
    public contents: MarkdownString,
    public range?: Range,
  ) {}
}
export class CodeAction {
  edit?: WorkspaceEdit;
  isPreferred?: boolean;
  diagnostics?: Diagnostic[];
  constructor(
    public title: string,
    public kind: unknown,
  ) {}
}
export class ThemeColor {
  constructor(public id: string) {}
}
export class ThemeIcon {
  constructor(public id: string) {}
}

/** A quick pick made with window.createQuickPick; the test plays the user (accept, press an item's button, hide). */
export class FakeQuickPick<T = { label: string }> {
  items: T[] = [];
  selectedItems: T[] = [];
  activeItems: T[] = [];
  title = '';
  placeholder = '';
  matchOnDescription = false;
  visible = false;
  disposed = false;
  private readonly accepted = new EventEmitter<void>();
  private readonly hidden = new EventEmitter<void>();
  private readonly buttons = new EventEmitter<{ item: T; button: unknown }>();
  onDidAccept = this.accepted.event;
  onDidHide = this.hidden.event;
  onDidTriggerItemButton = this.buttons.event;
  constructor(private readonly shownNow: () => void) {}
  show() {
    this.visible = true;
    this.shownNow();
  }
  hide() {
    if (!this.visible) return;
    this.visible = false;
    this.hidden.fire();
  }
  dispose() {
    this.disposed = true;
  }
  /** The user picks `item` (Enter). */
  accept(item: T) {
    this.selectedItems = [item];
    this.activeItems = [item];
    this.accepted.fire();
  }
  /** The user presses the item's first button. */
  pressButton(item: T) {
    this.buttons.fire({ item, button: (item as { buttons?: unknown[] }).buttons?.[0] });
  }
}
export class WorkspaceEdit {
  edits: { uri: Uri; range: Range; text: string }[] = [];
  replace(uri: Uri, range: Range, text: string) {
    this.edits.push({ uri, range, text });
  }
}
export class Uri {
  constructor(
    public scheme: string,
    public fsPath: string,
  ) {}
  static file(p: string) {
    return new Uri('file', p);
  }
  /** `scheme:/path` (no authority, query or fragment). */
  static parse(s: string) {
    const i = s.indexOf(':');
    return new Uri(s.slice(0, i), decodeURIComponent(s.slice(i + 1)));
  }
  static joinPath(u: Uri, ...parts: string[]) {
    return new Uri(u.scheme, [u.fsPath, ...parts].join('/'));
  }
  get path() {
    return this.fsPath;
  }
  toString() {
    return `${this.scheme}://${this.fsPath}`;
  }
}

/** An in-memory text document. */
export class TextDocument {
  isClosed = false;
  constructor(
    public uri: Uri,
    public languageId: string,
    public version: number,
    private text: string,
  ) {}
  getText() {
    return this.text;
  }
  setText(t: string) {
    this.text = t;
    this.version++;
  }
  positionAt(offset: number) {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length)));
    const line = before.split('\n').length - 1;
    return new Position(line, before.length - before.lastIndexOf('\n') - 1);
  }
  offsetAt(p: Position) {
    const lines = this.text.split('\n');
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i].length + 1;
    return o + p.character;
  }
}

/** A webview panel: `posted` records what the extension sent; `receive` delivers a message from the page. */
export interface FakePanel {
  viewType: string;
  title: string;
  options: Record<string, unknown>;
  active: boolean;
  disposed: boolean;
  webview: { html: string; posted: unknown[] };
  receive(message: unknown): void;
  dispose(): void;
}

export interface FakeHost {
  commands: Map<string, (...a: unknown[]) => unknown>;
  /** Context keys set through setContext. */
  contexts: Map<string, unknown>;
  /** Webview panels created (their html is what the page shows). */
  panels: FakePanel[];
  /** Documents shown with window.showTextDocument. */
  shown: TextDocument[];
  /** Transient status bar messages (window.setStatusBarMessage). */
  statusMessages: string[];
  diagnostics: Map<string, Diagnostic[]>;
  codeLensProviders: { provideCodeLenses(d: TextDocument): CodeLens[]; onDidChangeCodeLenses?: unknown }[];
  hoverProviders: { provideHover(d: TextDocument, p: Position): Hover | undefined }[];
  codeActionProviders: { provideCodeActions(d: TextDocument, r: Range): CodeAction[] }[];
  /** workspace.registerTextDocumentContentProvider, by scheme. */
  contentProviders: Map<string, { provideTextDocumentContent(u: Uri): string }>;
  logs: string[];
  statusItems: { text: string; visible: boolean }[];
  documents: TextDocument[];
  open(doc: TextDocument): void;
  /** Make an already open document the active editor, the cursor at `offset` (fires onDidChangeActiveTextEditor). */
  activate(doc: TextDocument, offset?: number): void;
  /** Focus an editor that is not a text editor (the walkthrough, a webview): no active text editor (fires the event). */
  blur(): void;
  change(doc: TextDocument, text: string): void;
  activeEditor: { document: TextDocument; selection?: Selection } | undefined;
  config: Record<string, unknown>;
  /** View types with a registered WebviewPanelSerializer. */
  serializers: string[];
  /** workspace.isTrusted. */
  trusted: boolean;
  /** Every notification shown: level and text. */
  messages: { level: 'info' | 'warn' | 'error'; text: string }[];
  /** Quick picks made with window.createQuickPick, in order. */
  quickPicks: FakeQuickPick<never>[];
  /** Workspace edits applied (workspace.applyEdit), in order. */
  appliedEdits: WorkspaceEdit[];
  /** Progress notifications: title, reported messages, and a cancel() that fires their token. */
  progress: { title: string; messages: string[]; cancel(): void; done: boolean }[];
  /**
   * Resolves with `probe()`'s first truthy value: checked now and after each notification, progress message,
   * diagnostics update and webview message the host records (no timer: the test's own timeout bounds the wait).
   */
  when<T>(probe: () => T | undefined | null | false): Promise<T>;
}

export function installFakeVscode(): FakeHost {
  const onOpen = new EventEmitter<TextDocument>();
  const onChange = new EventEmitter<{ document: TextDocument; contentChanges: { text: string }[] }>();
  const onClose = new EventEmitter<TextDocument>();
  const onActive = new EventEmitter<unknown>();
  const onConfig = new EventEmitter<unknown>();
  const onRecord = new EventEmitter<void>();
  const host: FakeHost = {
    commands: new Map(),
    contexts: new Map(),
    statusMessages: [],
    shown: [],
    panels: [],
    diagnostics: new Map(),
    codeLensProviders: [],
    hoverProviders: [],
    codeActionProviders: [],
    contentProviders: new Map(),
    logs: [],
    statusItems: [],
    documents: [],
    open(doc) {
      host.documents.push(doc);
      host.activeEditor = { document: doc };
      onOpen.fire(doc);
      onActive.fire(host.activeEditor);
    },
    activate(doc, offset = 0) {
      const p = doc.positionAt(offset);
      host.activeEditor = { document: doc, selection: new Selection(p, p) };
      onActive.fire(host.activeEditor);
    },
    blur() {
      host.activeEditor = undefined;
      onActive.fire(undefined);
    },
    change(doc, text) {
      doc.setText(text);
      onChange.fire({ document: doc, contentChanges: [{ text }] });
    },
    activeEditor: undefined,
    config: {},
    serializers: [],
    trusted: true,
    messages: [],
    quickPicks: [],
    appliedEdits: [],
    progress: [],
    when<T>(probe: () => T | undefined | null | false): Promise<T> {
      return new Promise<T>((resolve) => {
        const now = probe();
        if (now) return resolve(now);
        // Keeps the event loop alive while waiting (the product's own timers may be unref'd); measures no time.
        const keepAlive = setInterval(() => undefined, 60_000);
        const sub = onRecord.event(() => {
          const v = probe();
          if (!v) return;
          sub.dispose();
          clearInterval(keepAlive);
          resolve(v);
        });
      });
    },
  };
  const message = (level: 'info' | 'warn' | 'error') => async (text: string) => {
    host.messages.push({ level, text });
    onRecord.fire();
    return undefined;
  };
  const withProgress = async <R>(
    o: { title?: string },
    task: (
      p: { report(v: { message?: string }): void },
      t: { isCancellationRequested: boolean; onCancellationRequested: (l: () => void) => { dispose(): void } },
    ) => Promise<R>,
  ): Promise<R> => {
    const cancelled = new EventEmitter<void>();
    const token = { isCancellationRequested: false, onCancellationRequested: (l: () => void) => cancelled.event(l) };
    const rec = {
      title: o.title ?? '',
      messages: [] as string[],
      done: false,
      cancel() {
        token.isCancellationRequested = true;
        cancelled.fire();
      },
    };
    host.progress.push(rec);
    try {
      return await task(
        {
          report: (v) => {
            if (v.message) {
              rec.messages.push(v.message);
              onRecord.fire();
            }
          },
        },
        token,
      );
    } finally {
      rec.done = true;
    }
  };
  const log = (level: string) => (msg: string) => {
    host.logs.push(`${level}: ${msg}`);
  };
  const api = {
    EventEmitter,
    Position,
    Range,
    Selection,
    Location,
    Diagnostic,
    DiagnosticRelatedInformation,
    CodeLens,
    MarkdownString,
    Hover,
    CodeAction,
    WorkspaceEdit,
    Uri,
    Disposable: class {
      constructor(private f: () => void) {}
      dispose() {
        this.f();
      }
      static from(...ds: { dispose(): void }[]) {
        return { dispose: () => ds.forEach((d) => d.dispose()) };
      }
    },
    ColorThemeKind: { Light: 1, Dark: 2, HighContrast: 3, HighContrastLight: 4 },
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    DiagnosticTag: { Unnecessary: 1, Deprecated: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    ThemeColor,
    ThemeIcon,
    CodeActionKind: { QuickFix: 'quickfix', RefactorRewrite: 'refactor.rewrite' },
    window: {
      createOutputChannel: () => ({
        info: log('info'),
        warn: log('warn'),
        error: log('error'),
        trace: log('trace'),
        debug: log('debug'),
        show() {},
        dispose() {},
      }),
      createStatusBarItem: () => {
        const s = {
          text: '',
          tooltip: undefined as unknown,
          name: '',
          command: '',
          visible: false,
          show() {
            s.visible = true;
          },
          hide() {
            s.visible = false;
          },
          dispose() {},
        };
        host.statusItems.push(s);
        return s;
      },
      get activeTextEditor() {
        return host.activeEditor;
      },
      get visibleTextEditors() {
        return host.activeEditor ? [host.activeEditor] : [];
      },
      onDidChangeActiveTextEditor: onActive.event,
      registerWebviewPanelSerializer: (viewType: string) => {
        host.serializers.push(viewType);
        return { dispose() {} };
      },
      onDidChangeActiveColorTheme: new EventEmitter<unknown>().event,
      onDidChangeTextEditorSelection: new EventEmitter<unknown>().event,
      activeColorTheme: { kind: 2 },
      showInformationMessage: message('info'),
      showTextDocument: async (d: TextDocument) => {
        host.shown.push(d);
        return { document: d };
      },
      createWebviewPanel: (viewType: string, title: string, _col: unknown, options: Record<string, unknown>) => {
        const onMessage = new EventEmitter<unknown>(),
          onDispose = new EventEmitter<void>(),
          onViewState = new EventEmitter<unknown>();
        const posted: unknown[] = [];
        const panel = {
          viewType,
          title,
          options,
          active: false,
          disposed: false,
          webview: {
            html: '',
            posted,
            cspSource: 'vscode-webview-resource:',
            asWebviewUri: (u: Uri) => u,
            onDidReceiveMessage: onMessage.event,
            postMessage: async (m: unknown) => {
              posted.push(m);
              onRecord.fire();
              return true;
            },
          },
          reveal() {},
          onDidDispose: onDispose.event,
          onDidChangeViewState: onViewState.event,
          receive(m: unknown) {
            onMessage.fire(m);
          },
          dispose() {
            if (panel.disposed) return;
            panel.disposed = true;
            onDispose.fire();
          },
        };
        host.panels.push(panel);
        return panel;
      },
      setStatusBarMessage: (text: string) => {
        host.statusMessages.push(text);
        return { dispose() {} };
      },
      showWarningMessage: message('warn'),
      showErrorMessage: message('error'),
      withProgress,
      showQuickPick: async () => undefined,
      createQuickPick: () => {
        const qp = new FakeQuickPick<never>(() => onRecord.fire());
        host.quickPicks.push(qp);
        return qp;
      },
    },
    workspace: {
      get textDocuments() {
        return host.documents;
      },
      onDidOpenTextDocument: onOpen.event,
      onDidChangeTextDocument: onChange.event,
      onDidCloseTextDocument: onClose.event,
      onDidChangeConfiguration: onConfig.event,
      getConfiguration: () => ({
        get: <T>(k: string, d: T) => (k in host.config ? (host.config[k] as T) : d),
        inspect: <T>(k: string) => ({ key: k, globalValue: host.config[k] as T | undefined }),
        update: async (k: string, v: unknown) => {
          host.config[k] = v;
          onConfig.fire({ affectsConfiguration: (s: string) => `cellLens.${k}`.startsWith(s) });
        },
      }),
      get isTrusted() {
        return host.trusted;
      },
      onDidGrantWorkspaceTrust: new EventEmitter<void>().event,
      registerTextDocumentContentProvider: (scheme: string, p: { provideTextDocumentContent(u: Uri): string }) => {
        host.contentProviders.set(scheme, p);
        return { dispose: () => host.contentProviders.delete(scheme) };
      },
      findFiles: async () => [],
      /** Applies the replacements to the open documents (each document's edits from its end backwards). */
      applyEdit: async (edit: WorkspaceEdit) => {
        host.appliedEdits.push(edit);
        for (const doc of host.documents) {
          const mine = edit.edits.filter((e) => e.uri.toString() === doc.uri.toString());
          if (!mine.length) continue;
          let text = doc.getText();
          for (const e of [...mine].sort((a, b) => doc.offsetAt(b.range.start) - doc.offsetAt(a.range.start)))
            text = text.slice(0, doc.offsetAt(e.range.start)) + e.text + text.slice(doc.offsetAt(e.range.end));
          host.change(doc, text);
        }
        onRecord.fire();
        return true;
      },
      workspaceFolders: undefined,
      openTextDocument: async (u: Uri | { language?: string; content?: string }) => {
        if (u instanceof Uri) return host.documents.find((d) => d.uri.toString() === u.toString());
        // An untitled document, as VS Code makes one: `untitled:Untitled-N`.
        const doc = new TextDocument(
          new Uri('untitled', `Untitled-${host.documents.length + 1}`),
          u.language ?? 'plaintext',
          1,
          u.content ?? '',
        );
        host.documents.push(doc);
        return doc;
      },
    },
    languages: {
      createDiagnosticCollection: () => ({
        set: (u: Uri, d: Diagnostic[]) => {
          host.diagnostics.set(u.toString(), d);
          onRecord.fire();
        },
        delete: (u: Uri) => host.diagnostics.delete(u.toString()),
        dispose() {},
      }),
      registerCodeLensProvider: (_s: unknown, p: FakeHost['codeLensProviders'][0]) => {
        host.codeLensProviders.push(p);
        return { dispose() {} };
      },
      registerHoverProvider: (_s: unknown, p: FakeHost['hoverProviders'][0]) => {
        host.hoverProviders.push(p);
        return { dispose() {} };
      },
      registerCodeActionsProvider: (_s: unknown, p: FakeHost['codeActionProviders'][0]) => {
        host.codeActionProviders.push(p);
        return { dispose() {} };
      },
    },
    commands: {
      registerCommand: (id: string, f: (...a: unknown[]) => unknown) => {
        if (host.commands.has(id)) throw new Error(`command ${id} registered twice`);
        host.commands.set(id, f);
        return {
          dispose() {
            host.commands.delete(id);
          },
        };
      },
      executeCommand: async (id: string, ...a: unknown[]) => {
        if (id === 'setContext') {
          host.contexts.set(String(a[0]), a[1]);
          return undefined;
        }
        return host.commands.get(id)?.(...a);
      },
    },
  };
  const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const orig = M._load;
  M._load = function (req: string, ...rest: unknown[]) {
    return req === 'vscode' ? api : orig.call(this, req, ...rest);
  };
  return host;
}
