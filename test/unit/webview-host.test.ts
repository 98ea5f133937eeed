/**
 * The panel host (src/webviews/host.ts) on the recording VS Code host: the options of a scripted and of a static
 * panel whatever the panel asks for, a fresh nonce per page, the ready handshake and its queue, the theme, the page's
 * messages (validated, logged) and dispose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installFakeVscode, Uri, type FakePanel } from '../../testkit/fake-vscode';

const host = installFakeVscode();
const { WebviewHost, openPanel } = require('../../src/webviews/host') as typeof import('../../src/webviews/host');
import type { PanelSpec } from '../../src/webviews/host';

type To = { type: 'state'; n: number } | { type: 'event'; n: number } | { type: 'note'; n: number } | ThemeMsg;
type ThemeMsg = { type: 'theme'; kind: string };
type From =
  { type: 'ready' } | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string } | { type: 'click'; n: number };
const isFrom = (m: unknown): m is From =>
  typeof m === 'object' &&
  m !== null &&
  ['ready', 'log', 'click'].includes((m as { type?: string }).type ?? '') &&
  ((m as { type: string }).type !== 'log' || typeof (m as { message?: unknown }).message === 'string');

const EXT = Uri.file('/ext') as never;
const SHOW = { viewColumn: -2, preserveFocus: true } as never;
const logs: string[] = [];
const log = Object.fromEntries(
  ['info', 'warn', 'error', 'trace', 'debug'].map((l) => [l, (m: string) => logs.push(`${l}: ${m}`)]),
) as never;
const SPEC: PanelSpec<To, From> = {
  viewType: 'test.view',
  page: { script: 'test.js', styles: ['a.css', 'b.css'], rootId: 'test-root', title: 'Test page' },
  label: 'test',
  isFromWebview: isFrom,
  theme: (kind) => ({ type: 'theme', kind }),
  resentOnReady: ['state', 'theme'],
  queueAll: ['event'],
};
const last = (): FakePanel => host.panels[host.panels.length - 1];
const roots = (p: FakePanel) => (p.options.localResourceRoots as Uri[]).map((u) => u.fsPath);

test('a scripted panel: scripts on, command URIs off, resources only from dist/ and media/, whatever the panel asks', () => {
  openPanel(
    {
      viewType: 'test.view',
      options: {
        enableFindWidget: true,
        enableCommandUris: true,
        enableScripts: false,
        localResourceRoots: [Uri.file('/')],
      } as never,
    },
    EXT,
    'T',
    SHOW,
  );
  const p = last();
  assert.equal(p.options.enableScripts, true);
  assert.equal(p.options.enableCommandUris, false);
  assert.deepEqual(roots(p), ['/ext/dist', '/ext/media']);
  assert.equal(p.options.enableFindWidget, true, "the panel's own options are kept");
});

test('a static panel: scripts off, command URIs off, resources only from media/', () => {
  openPanel({ viewType: 'test.static', scripts: false, options: { enableCommandUris: true } as never }, EXT, 'S', SHOW);
  const p = last();
  assert.equal(p.options.enableScripts, false);
  assert.equal(p.options.enableCommandUris, false);
  assert.deepEqual(roots(p), ['/ext/media']);
});

test('every page gets its own nonce, the strict CSP, the bundle from dist/ and the stylesheets from media/ in order', () => {
  const nonces = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const h = new WebviewHost(openPanel(SPEC, EXT, 'T', SHOW), SPEC, { extensionUri: EXT, log }, {});
    const html = last().webview.html;
    const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(html)?.[1];
    assert.ok(nonce && nonce.length >= 16);
    nonces.add(nonce);
    assert.match(html, /default-src 'none'/);
    assert.match(html, new RegExp(`<script nonce="${nonce}" src="file:///ext/dist/test.js"></script>`));
    assert.match(html, /file:\/\/\/ext\/media\/a\.css[\s\S]*file:\/\/\/ext\/media\/b\.css/);
    assert.match(html, /<div id="test-root"><\/div>/);
    assert.match(html, /<title>Test page<\/title>/);
    h.dispose();
  }
  assert.equal(nonces.size, 3);
});

test('the handshake: messages wait for ready; the theme goes first, then the fresh state, then what waited', () => {
  const calls: string[] = [];
  const h = new WebviewHost(
    openPanel(SPEC, EXT, 'T', SHOW),
    SPEC,
    { extensionUri: EXT, log },
    {
      onReady: (queued) => {
        calls.push(`ready ${queued.map((q) => `${q.type}${'n' in q ? q.n : ''}`).join(',')}`);
        h.post({ type: 'state', n: 9 });
      },
      afterReady: () => calls.push('after'),
      onMessage: (m) => {
        calls.push(`click ${m.n}`);
      },
    },
  );
  const p = last();
  h.post({ type: 'state', n: 1 });
  h.post({ type: 'event', n: 1 });
  h.post({ type: 'note', n: 1 });
  h.post({ type: 'state', n: 2 });
  h.post({ type: 'event', n: 2 });
  h.post({ type: 'note', n: 2 });
  assert.deepEqual(p.webview.posted, [], 'nothing before ready');
  p.receive({ type: 'ready' });
  // The resent type (state) is dropped from the queue; every event waits; of the others, the latest.
  assert.deepEqual(calls, ['ready event1,event2,note2', 'after']);
  assert.deepEqual(p.webview.posted, [
    { type: 'theme', kind: 'dark' },
    { type: 'state', n: 9 },
    { type: 'event', n: 1 },
    { type: 'event', n: 2 },
    { type: 'note', n: 2 },
  ]);
  h.post({ type: 'note', n: 3 });
  assert.deepEqual(p.webview.posted.at(-1), { type: 'note', n: 3 }, 'once ready, at once');
  p.receive({ type: 'click', n: 4 });
  assert.equal(calls.at(-1), 'click 4');
  h.dispose();
});

test("the page's messages: malformed ones and failures are logged, log lines go to the channel", async () => {
  let disposed = 0;
  const h = new WebviewHost(
    openPanel(SPEC, EXT, 'T', SHOW),
    SPEC,
    { extensionUri: EXT, log },
    {
      onMessage: () => Promise.reject(new Error('boom')),
      onDispose: () => disposed++,
    },
  );
  const p = last();
  logs.length = 0;
  p.receive({ type: 'nonsense' });
  p.receive({ type: 'log', level: 'warn', message: 'from the page' });
  p.receive({ type: 'click', n: 1 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(logs, [
    'warn: test: ignored a malformed message from the webview: {"type":"nonsense"}',
    'warn: test webview: from the page',
    'error: test: click failed: Error: boom',
  ]);
  p.dispose();
  assert.equal(disposed, 1, 'closing the panel disposes the host');
  assert.equal(h.disposed, true);
  h.post({ type: 'note', n: 1 });
  h.dispose();
  assert.equal(disposed, 1);
  assert.deepEqual(p.webview.posted, []);
});
