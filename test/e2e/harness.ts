/**
 * End-to-end harness: the packed extension (.vsix) in a real VS Code — code-server 4.100 (installed into .e2e/ by
 * scripts/setup-e2e.sh) — driven from headless Chromium with playwright-core, asserting on what a user sees.
 *
 * Everything is throwaway and stopped in `stop()`: a temp folder holds the user-data dir (with settings.json),
 * the extensions dir, XDG folders and the workspace (copies of test/fixtures/workspace/*.json). code-server runs
 * in its own process group and is stopped with the group (its extension host and our scoring child included).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Browser, Frame, FrameLocator, Locator, Page } from 'playwright-core';

export const ROOT = join(__dirname, '..', '..');
export const E2E_DIR = join(ROOT, '.e2e');
export const CODE_SERVER = join(E2E_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'test-results', 'e2e');
export const THEMES = { light: 'Default Light Modern', dark: 'Default Dark Modern' } as const;
export type Theme = keyof typeof THEMES;

/** A spot where the mouse shows nothing: empty editor space below the text, above the panel. */
const NEUTRAL: [number, number] = [300, 480];

const log = (msg: string) => console.log(`# e2e: ${msg}`);

/**
 * Runs scripts/setup-e2e.sh (a few ms when already done, ~2 min on a fresh machine). Returns why the e2e tests
 * cannot run, or undefined when code-server and Chromium are ready. `CELL_LENS_E2E=0` skips on purpose.
 */
export function setupProblem(): string | undefined {
  if (process.env.CELL_LENS_E2E === '0') return 'turned off with CELL_LENS_E2E=0';
  if (process.platform !== 'linux') return `the e2e setup supports Linux (Debian) only, not ${process.platform}`;
  const t0 = Date.now();
  const r = spawnSync('bash', [join(ROOT, 'scripts/setup-e2e.sh')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
  });
  const s = (Date.now() - t0) / 1000;
  if (s > 1) log(`setup-e2e.sh took ${s.toFixed(1)} s`);
  if (r.error) return `scripts/setup-e2e.sh could not run: ${r.error.message}`;
  if (r.status !== 0)
    return `the setup could not complete: scripts/setup-e2e.sh failed (exit ${r.status ?? r.signal}); see its output above and .e2e/install.log`;
  if (!existsSync(CODE_SERVER)) return `code-server is missing (${CODE_SERVER})`;
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing`;
  return undefined;
}

/** Packs the extension (scripts/package.mjs), reusing a vsix newer than all its inputs. Returns its path. */
export function buildVsix(): string {
  const out = join(ROOT, 'out', 'e2e', 'cell-lens-e2e.vsix');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--if-stale', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  if (r.status !== 0)
    throw new Error(`scripts/package.mjs failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const summary = r.stdout.split('\n').find((l) => l.startsWith('package: ')) ?? '';
  log(summary.replace(/^package: /, 'vsix: '));
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `fn` returns a value that satisfies `ok`; returns the last value (the caller asserts on it). */
export async function poll<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeout = 20_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(250);
    v = await fn();
  }
  return v;
}

/** settings.json of the throwaway profile. */
export function userSettings(theme: Theme, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'workbench.colorTheme': THEMES[theme],
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.commandCenter.enabled': false,
    // The workspace is a temp folder we made: trust it (scoring is off in untrusted workspaces).
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'json.schemaDownload.enable': false,
    'git.enabled': false,
    'files.autoSave': 'off',
    // Typed text lands as typed: no auto-closing pairs, no suggestions that Enter would accept.
    'editor.autoClosingBrackets': 'never',
    'editor.autoClosingQuotes': 'never',
    'editor.autoSurround': 'never',
    'editor.quickSuggestions': { other: false, comments: false, strings: false },
    'editor.suggestOnTriggerCharacters': false,
    'editor.acceptSuggestionOnEnter': 'off',
    'editor.formatOnType': false,
    'editor.minimap.enabled': false,
    'editor.hover.delay': 300,
    'cellLens.scoring.preset': 'proxy',
    // The scenarios check what they type and score on purpose; the live scenario turns live scoring on.
    'cellLens.scoring.live': false,
    ...extra,
  };
}

export interface StartOptions {
  vsix: string;
  /** Files copied into the workspace folder. */
  files: string[];
  theme?: Theme;
  settings?: Record<string, unknown>;
  viewport?: { width: number; height: number };
}

/** A running code-server with the extension installed, and a Chromium page on its workbench. */
export class Session {
  readonly startedAt = Date.now();
  browser: Browser | undefined;
  page!: Page;
  proc: ChildProcess | undefined;
  port = 0;
  theme: Theme;
  /** The file last opened with openFile. */
  activeFile = '';
  private readonly exitHook = () => this.killGroup('SIGKILL');
  private output = '';

  /** Interrupted (Ctrl+C, the runner's SIGTERM): code-server runs in its own process group, so stop it here. */
  private readonly signalHook = (sig: NodeJS.Signals) => {
    this.killGroup('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };

  private constructor(
    readonly dir: string,
    private readonly opts: StartOptions,
  ) {
    this.theme = opts.theme ?? 'light';
    process.on('exit', this.exitHook);
    process.once('SIGINT', this.signalHook);
    process.once('SIGTERM', this.signalHook);
  }

  get workspace(): string {
    return join(this.dir, 'workspace');
  }
  get extensionsDir(): string {
    return join(this.dir, 'extensions');
  }
  get settingsFile(): string {
    return join(this.dir, 'data', 'User', 'settings.json');
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
  }

  /** Installs the vsix, starts code-server and opens the workbench in Chromium. Call stop() even when this throws. */
  static async start(opts: StartOptions, onCreated: (s: Session) => void): Promise<Session> {
    const s = new Session(mkdtempSync(join(tmpdir(), 'cell-lens-e2e-')), opts);
    onCreated(s);
    await s.boot();
    return s;
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env))
      if (k.startsWith('VSCODE_') || k.startsWith('npm_') || k === 'NODE_OPTIONS') delete env[k];
    return {
      ...env,
      XDG_CONFIG_HOME: join(this.dir, 'xdg', 'config'),
      XDG_DATA_HOME: join(this.dir, 'xdg', 'data'),
      XDG_CACHE_HOME: join(this.dir, 'xdg', 'cache'),
      HOME: join(this.dir, 'home'),
      TMPDIR: join(this.dir, 'tmp'),
    };
  }

  private baseArgs(): string[] {
    return [
      '--user-data-dir',
      join(this.dir, 'data'),
      '--extensions-dir',
      this.extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
    ];
  }

  private async boot(): Promise<void> {
    for (const d of ['data/User', 'extensions', 'workspace', 'xdg/config', 'xdg/data', 'xdg/cache', 'home', 'tmp'])
      mkdirSync(join(this.dir, d), { recursive: true });
    for (const f of this.opts.files) copyFileSync(f, join(this.workspace, f.split('/').pop()!));
    this.writeSettings();

    let t = Date.now();
    const inst = spawnSync(process.execPath, [CODE_SERVER, ...this.baseArgs(), '--install-extension', this.opts.vsix], {
      env: this.env(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (inst.status !== 0)
      throw new Error(
        `code-server --install-extension failed (${inst.status ?? inst.signal}):\n${inst.stdout}\n${inst.stderr}`,
      );
    const installed = readdirSync(this.extensionsDir).filter((d) => d.startsWith('cell-lens.cell-lens-'));
    if (installed.length !== 1)
      throw new Error(
        `the vsix did not install into ${this.extensionsDir}: ${readdirSync(this.extensionsDir).join(', ')}`,
      );
    log(`installed ${installed[0]} in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    t = Date.now();
    this.port = await freePort();
    this.proc = spawn(
      process.execPath,
      [CODE_SERVER, ...this.baseArgs(), '--auth', 'none', '--bind-addr', `127.0.0.1:${this.port}`, this.workspace],
      {
        env: this.env(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    await this.waitHealthy();
    log(`code-server ${this.port} ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    t = Date.now();
    const { chromium } = await import('playwright-core');
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    const context = await this.browser.newContext({
      viewport: this.opts.viewport ?? { width: 1600, height: 900 },
      deviceScaleFactor: 1,
    });
    this.page = await context.newPage();
    this.page.setDefaultTimeout(30_000);
    await this.page.goto(this.url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    log(`workbench shown in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    // The workspace is there (explorer rows); give the editor and the graph the room for the screenshots.
    await this.runCommand('View: Close Primary Side Bar');
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc?.exitCode !== null) throw new Error(`code-server exited (${this.proc?.exitCode}):\n${this.output}`);
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (r.ok) return;
      } catch {
        /* not listening yet */
      }
      await sleep(200);
    }
    throw new Error(`code-server did not answer /healthz within 60 s:\n${this.output}`);
  }

  /**
   * Turns a boolean user setting on or off as a user does: the Settings editor, searched for the setting's id, its
   * checkbox clicked (a settings.json rewritten on disk is not always seen by code-server's workbench), then closed:
   * the editor that was active before is again.
   */
  async setBoolSetting(id: string, on: boolean): Promise<void> {
    const p = this.page;
    await this.runCommand('Preferences: Open User Settings');
    const search = p.locator('.settings-editor .settings-header .suggest-input-container');
    await search.waitFor({ timeout: 20_000 });
    await search.click();
    await p.keyboard.press('Control+A');
    await p.keyboard.type(id);
    // Searched by its full id, the setting is the only one shown.
    const sel = '.settings-editor .settings-tree-container .setting-item-bool .setting-value-checkbox';
    const box = p.locator(sel).first();
    await box.waitFor({ timeout: 20_000 });
    if ((await box.getAttribute('aria-checked')) !== String(on)) await box.click();
    await p.waitForFunction(
      ([q, want]) => document.querySelector(q)?.getAttribute('aria-checked') === want,
      [sel, String(on)] as const,
      { timeout: 10_000 },
    );
    this.opts.settings = { ...this.opts.settings, [id]: on };
    await this.runCommand('View: Close Editor');
  }

  writeSettings(): void {
    writeFileSync(this.settingsFile, JSON.stringify(userSettings(this.theme, this.opts.settings), null, 2));
  }

  /** Switches the colour theme as a user does: "Preferences: Color Theme" in the command palette. */
  async setTheme(theme: Theme): Promise<void> {
    if (theme === this.theme) return;
    const p = this.page;
    await this.runCommand('Preferences: Color Theme', false);
    const input = p.locator('.quick-input-widget input');
    await input.fill(THEMES[theme]);
    // Rows read "Dark Modern  Default Dark Modern" (label, then the settings id).
    const row = p.locator('.quick-input-list .monaco-list-row', { hasText: THEMES[theme] }).first();
    await row.waitFor();
    await row.click();
    await p.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    const cls = theme === 'dark' ? 'vs-dark' : 'vs';
    await p.waitForFunction((c) => document.querySelector('.monaco-workbench')?.classList.contains(c), cls, {
      timeout: 20_000,
    });
    this.theme = theme;
    await sleep(500); // webviews repaint with the new colours
  }

  /**
   * Screenshots of this moment under test-results/e2e/<name>-<theme>.png: in the current theme, then in the other
   * and back. `redo` brings back what the theme switch took away (a hover closes when the palette opens);
   * `both: false` for a passing moment (a progress notification) that would not survive the switch.
   */
  async shoot(name: string, opts: { both?: boolean; redo?: () => Promise<unknown> } = {}): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    const first = this.theme;
    await this.page.screenshot({ path: join(SHOTS, `${name}-${first}.png`) });
    if (opts.both === false) return;
    const other: Theme = first === 'light' ? 'dark' : 'light';
    await this.setTheme(other);
    await opts.redo?.();
    await this.page.screenshot({ path: join(SHOTS, `${name}-${other}.png`) });
    await this.setTheme(first);
  }

  /** The code-server log so far (for failures). */
  get serverOutput(): string {
    return this.output;
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.proc?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** Stops Chromium and the code-server process group, removes the temp folder. Safe to call twice. */
  async stop(): Promise<void> {
    try {
      await this.browser?.close();
    } catch {
      /* ignore */
    }
    this.browser = undefined;
    if (this.proc?.pid) {
      const proc = this.proc;
      const gone = new Promise<void>((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r()),
      );
      this.killGroup('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      this.killGroup('SIGKILL'); // the rest of the group (extension host, scoring child) after the grace
      await Promise.race([gone, sleep(2000)]);
      this.proc = undefined;
    }
    process.off('exit', this.exitHook);
    process.off('SIGINT', this.signalHook);
    process.off('SIGTERM', this.signalHook);
    this.keepLogs();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Moves the mouse over the cell's first character (the `{` on line 1 of lstm.json) and returns the hover's text. */
  async hoverCellStart(): Promise<string> {
    const p = this.page;
    await p.mouse.move(5, 400);
    const brace = this.editor.locator('.view-lines .view-line span span', { hasText: /^\{$/ });
    const boxes = (await Promise.all((await brace.all()).map((l) => l.boundingBox()))).filter(
      (b): b is NonNullable<typeof b> => !!b,
    );
    assert.ok(boxes.length > 0, "the cell's opening brace is on screen");
    boxes.sort((a, b) => a.y - b.y || a.x - b.x);
    const b = boxes[0];
    await p.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    const hover = p
      .locator('.monaco-hover:not(.hidden)')
      .filter({ hasText: /Full report/ })
      .first();
    await hover.waitFor({ timeout: 15_000 }).catch(async (e: Error) => {
      throw new Error(
        `${e.message}\nhovers shown: ${JSON.stringify(await p.locator('.monaco-hover').allInnerTexts())}`,
      );
    });
    await sleep(600); // the hover fades in
    const text = await hover.innerText();
    // For the screenshot: move into the hover (it stays open; short, it needs no scrolling).
    const box = await hover.boundingBox();
    if (box) await p.mouse.move(box.x + box.width / 2, box.y + Math.min(40, box.height / 2));
    return text;
  }

  /** The text of the extension's own log (its LogOutputChannel) so far: what it says it did. */
  extensionLog(): string {
    return this.logFiles()
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
  }

  private logFiles(): string[] {
    const walk = (d: string): string[] =>
      existsSync(d)
        ? readdirSync(d, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? walk(join(d, e.name)) : e.name.includes('Cell Lens') ? [join(d, e.name)] : [],
          )
        : [];
    return walk(join(this.dir, 'data', 'logs'));
  }

  /** The extension's own log (its LogOutputChannel) is kept under test-results/e2e/logs/ for a failing scenario's reader. */
  private keepLogs(): void {
    const out = join(SHOTS, 'logs');
    const found = this.logFiles();
    if (found.length === 0) return;
    mkdirSync(out, { recursive: true });
    for (const f of found) copyFileSync(f, join(out, `${basename(dirname(f))}-${basename(f)}`));
  }

  // --- driving the workbench -------------------------------------------------------------------------------

  /** Quick Open (Ctrl+P) a workspace file by name; waits for its editor tab to be active. */
  async openFile(name: string): Promise<void> {
    const p = this.page;
    // Quick Open through the palette (F1, robust when a webview holds the focus): text without '>' searches files.
    const input = await this.openPalette();
    await input.fill(name);
    // The file list arrives from the server after a moment: Enter before that opens nothing.
    await p.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await p.keyboard.press('Enter');
    await p.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).first().waitFor();
    this.activeFile = name;
    await this.editor.locator('.view-lines').waitFor();
  }

  /** Runs a command from the palette (F1) by its full title, e.g. "Cell Lens: Show Cell Graph". */
  async runCommand(title: string, waitClosed = true): Promise<void> {
    const p = this.page;
    // Once more if the palette lost the focus before its row could be clicked (a panel that opened meanwhile
    // closes it): the second try gets the full timeout.
    for (let attempt = 0; ; attempt++) {
      const row = p
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) })
        .first();
      try {
        // (inside the retry: the palette can also close between showing and being typed into)
        const input = await this.openPalette();
        await input.fill(`>${title}`, { timeout: attempt ? 30_000 : 10_000 });
        await row.waitFor({ timeout: attempt ? 30_000 : 10_000 });
        await row.click({ timeout: attempt ? 30_000 : 10_000 });
        break;
      } catch (e) {
        if (attempt >= 1) throw e;
        await p.keyboard.press('Escape');
      }
    }
    await p.mouse.move(...NEUTRAL); // no tooltip of whatever lies under the palette row
    if (waitClosed) await p.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /**
   * Opens the command palette. F1 is swallowed while a webview (the study panel) holds the focus: then the text
   * editor gets the focus back and F1 is pressed again.
   */
  async openPalette(): Promise<Locator> {
    const p = this.page;
    const input = p.locator('.quick-input-widget input');
    await p.keyboard.press('F1');
    try {
      // (generous: on a loaded machine the palette can take seconds to show)
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      // Give the keyboard to the workbench again: the open file's editor, or (none open) Escape out of whatever holds it.
      if (this.activeFile && (await p.locator(`.tabs-container .tab[data-resource-name="${this.activeFile}"]`).count()))
        await this.focusEditor();
      else await p.keyboard.press('Escape');
      await p.keyboard.press('F1');
      await input.waitFor({ state: 'visible' });
    }
    return input;
  }

  /** The text editor of the file last opened with openFile (its Monaco root). */
  get editor(): Locator {
    return this.page.locator(`.editor-instance .monaco-editor[data-uri$="/${this.activeFile}"]`).first();
  }

  /** Gives the text editor of the file last opened the keyboard focus (via its tab, so no click lands on a lens). */
  async focusEditor(): Promise<void> {
    await this.page.locator(`.tabs-container .tab[data-resource-name="${this.activeFile}"]`).first().click();
    await this.page
      .locator(`.editor-instance .monaco-editor.focused[data-uri$="/${this.activeFile}"]`)
      .waitFor({ timeout: 10_000 });
    await this.page.mouse.move(...NEUTRAL); // off the tab, or its tooltip stays in the screenshots
  }

  /** Texts of the CodeLenses shown in the active editor. */
  async lensTexts(): Promise<string[]> {
    return this.editor.locator('.codelens-decoration').allInnerTexts();
  }

  /** Waits for a CodeLens whose text matches `re` in the active editor; returns its text. */
  async waitForLens(re: RegExp, timeout = 30_000): Promise<string> {
    const lens = this.editor.locator('.codelens-decoration').filter({ hasText: re }).first();
    await lens.waitFor({ timeout });
    return lens.innerText();
  }

  /** The tooltip (its full title first, when the line shows a shorter one) of the lens whose text matches `re`. */
  async lensTooltip(re: RegExp, timeout = 30_000): Promise<string> {
    const lens = this.editor.locator('.codelens-decoration a').filter({ hasText: re }).first();
    await lens.waitFor({ timeout });
    return (await lens.getAttribute('title')) ?? '';
  }

  /** Error and warning counts of the status bar's Problems item. */
  async problemCounts(): Promise<{ errors: number; warnings: number; label: string }> {
    const item = this.page.locator('[id="status.problems"]');
    await item.waitFor();
    return item.evaluate((el) => {
      const label = el.querySelector('a')?.getAttribute('aria-label') ?? el.getAttribute('aria-label') ?? '';
      // Text is "<error icon> N <warning icon> M" (icons are codicon spans without text).
      const nums = (el.textContent ?? '')
        .trim()
        .split(/\s+/)
        .map(Number)
        .filter((n) => Number.isFinite(n));
      return { errors: nums[0] ?? NaN, warnings: nums[1] ?? NaN, label };
    });
  }

  /** The Problems panel (opened if needed): the text of each row. */
  async problemRows(): Promise<string[]> {
    const p = this.page;
    if (!(await p.locator('.markers-panel').isVisible())) await p.keyboard.press('Control+Shift+M');
    await p.locator('.markers-panel .monaco-list-row').first().waitFor();
    return p.locator('.markers-panel .monaco-list-row').allInnerTexts();
  }

  /** The frame of the cells table whose caption names `title` (`examples.json`, `workspace`). */
  async tableFrame(title: string, timeout = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const f of this.page.frames()) {
        const caption = await f
          .locator('.ct-caption')
          .textContent({ timeout: 200 })
          .catch(() => null);
        if (caption?.startsWith(`Cells of ${title}.`)) return f;
      }
      if (Date.now() > deadline) throw new Error(`no cells table for ${title}`);
      await sleep(250);
    }
  }

  /** The frame whose document has `selector` (a webview's content, e.g. `.cmp-root`), once it is there. */
  async frameWith(selector: string, timeout = 30_000): Promise<Frame> {
    const find = async () => {
      for (const f of this.page.frames())
        if (
          await f
            .locator(selector)
            .count()
            .catch(() => 0)
        )
          return f;
      return undefined;
    };
    const f = await poll(find, (x) => x !== undefined, timeout);
    if (!f) throw new Error(`no webview shows ${selector} after ${timeout} ms`);
    return f;
  }

  /** How many nodes the (first visible) cell graph draws: one SVG group per node, inputs included. */
  graphNodes(): Promise<number> {
    return this.webview().locator('.cl-nodes > .cl-node').count();
  }

  /** The content frame of the (first visible) webview, e.g. the cell graph. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
  }

  /** Notification toasts currently shown: their message texts. */
  async notifications(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-toast .notification-list-item-message')
      .allInnerTexts();
  }

  /** Closes every notification toast. */
  async clearNotifications(): Promise<void> {
    if (await this.page.locator('.notifications-toasts .notification-toast').count())
      await this.runCommand('Notifications: Clear All Notifications');
  }

  /** Waits for a notification whose message matches `re`; returns its text. */
  async waitForNotification(re: RegExp, timeout = 30_000): Promise<string> {
    const n = this.page
      .locator('.notifications-toasts .notification-toast')
      .filter({ has: this.page.locator('.notification-list-item-message', { hasText: re }) })
      .first();
    await n.waitFor({ timeout });
    return n.locator('.notification-list-item-message').innerText();
  }

  /** Process ids and command lines of the running scoring children of this session (dist/worker.js under our extensions dir). */
  scoringWorkers(): { pid: number; args: string }[] {
    const r = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    const needle = join(this.extensionsDir);
    return r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.includes(needle) && /dist\/worker\.js/.test(l))
      .map((l) => ({ pid: Number(l.split(/\s+/, 1)[0]), args: l.replace(/^\d+\s+/, '') }));
  }
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Commands the extension contributes (package.json), to skip scenarios whose commands are not wired yet. */
export function contributedCommands(): Set<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    contributes?: { commands?: { command: string }[] };
  };
  return new Set((pkg.contributes?.commands ?? []).map((c) => c.command));
}

export const sleepMs = sleep;

export interface SuiteOptions extends Omit<StartOptions, 'vsix' | 'files'> {
  /** Files copied into the workspace; a function is called in before(), only when the suite runs (to write them). */
  files: string[] | (() => string[]);
  /** The screenshots the README shows: docs/images/<key>.png ← test-results/e2e/<value>.png (CELL_LENS_E2E_DOCS=1). */
  docsImages?: Record<string, string>;
  /** Called with the session before it boots (its folders exist, code-server does not run yet); awaited after the start. */
  onCreated?: (s: Session) => unknown;
  /** Called in after(), once the session is stopped: removes what the file wrote for its workspace. */
  cleanup?: () => void;
}

export interface E2eSuite {
  /** The `skip` option of every scenario: the reason when code-server or Chromium could not be set up, else false. */
  readonly skip: string | false;
  /** Times a scenario for the report at the end. */
  readonly timed: (name: string, fn: () => Promise<void>) => Promise<void>;
  /** Adds a line to the report at the end (a measurement of a scenario). */
  readonly report: (line: string) => void;
}

/**
 * One e2e file's session: checks the setup (setupProblem: the scenarios are skipped with the reason), packs the
 * vsix and starts the Session in before(); in after() stops it, copies `docsImages` to docs/images when
 * CELL_LENS_E2E_DOCS=1 and logs the scenario timings and the total time. Call it once, at the top of the file.
 */
export function e2eSuite(o: SuiteOptions): E2eSuite {
  const t0 = Date.now();
  const problem = setupProblem();
  if (problem) log(`SKIPPED — ${problem}`);
  const { files, docsImages = {}, onCreated, cleanup, ...start } = o;
  const timings: string[] = [];
  let session: Session | undefined;

  before(
    async () => {
      if (problem) return;
      const workspaceFiles = typeof files === 'function' ? files() : files;
      const vsix = buildVsix();
      let created: unknown;
      await Session.start({ ...start, vsix, files: workspaceFiles }, (x) => {
        session = x;
        created = onCreated?.(x);
      });
      await created;
    },
    { timeout: 10 * 60_000 },
  );

  after(async () => {
    await session?.stop();
    cleanup?.();
    if (process.env.CELL_LENS_E2E_DOCS === '1' && !problem) {
      for (const [doc, shot] of Object.entries(docsImages)) {
        if (existsSync(join(SHOTS, `${shot}.png`)))
          copyFileSync(join(SHOTS, `${shot}.png`), join(ROOT, 'docs/images', `${doc}.png`));
      }
    }
    for (const t of timings) log(t);
    log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s (setup, packaging, code-server, scenarios)`);
  });

  return {
    skip: problem ? `e2e skipped: ${problem}` : false,
    async timed(name, fn) {
      const t = Date.now();
      try {
        await fn();
      } finally {
        timings.push(`${name}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
    },
    report: (line) => {
      timings.push(line);
    },
  };
}
