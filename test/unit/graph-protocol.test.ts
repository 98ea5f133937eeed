import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFromWebview, isToWebview, PROTOCOL_VERSION, type RenderMessage } from '../../src/graph/protocol';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../src/webviews/html';
import { renderMessage } from '../../testkit/graph-browser';

const lstm = readFileSync(join(__dirname, '..', 'fixtures', 'graph', 'lstm.json'), 'utf8');

test('a render message built from a cell is valid; its JSON round trip too', () => {
  const m = renderMessage(lstm);
  assert.equal(m.cells.length, 1);
  assert.ok(isToWebview(m));
  assert.ok(isToWebview(JSON.parse(JSON.stringify(m))), 'survives postMessage-like serialisation');
  const stale = renderMessage(lstm, { stale: 'ValueExpected at line 3, column 1' });
  assert.ok(isToWebview(stale));
  assert.equal(stale.stale, true);
  // A pinned panel says so (the webview persists it); anything but a boolean is rejected.
  assert.ok(isToWebview({ ...m, pinned: true }));
  assert.equal(isToWebview({ ...m, pinned: 'yes' }), false);
});

test('isToWebview rejects malformed render messages', () => {
  const good = renderMessage(lstm);
  const clone = () => JSON.parse(JSON.stringify(good)) as RenderMessage & Record<string, unknown>;
  const bad: unknown[] = [];
  bad.push(null, undefined, 42, 'render', [], {});
  bad.push({ ...clone(), version: PROTOCOL_VERSION + 1 });
  bad.push({ ...clone(), stale: 'yes' });
  bad.push({ ...clone(), cells: 'none' });
  const { uri: _u, ...noUri } = clone();
  bad.push(noUri);
  // A node without a position.
  let c = clone();
  delete (c.cells[0].layout.nodes as Record<string, unknown>)['n:i'];
  bad.push(c);
  // An edge drawn with one point.
  c = clone();
  (c.cells[0].layout.edges as Record<string, unknown>)['e:i:0'] = [{ x: 0, y: 0 }];
  bad.push(c);
  // An edge to a node that does not exist.
  c = clone();
  (c.cells[0].model.edges[0] as { target: string }).target = 'n:nope';
  bad.push(c);
  // Duplicate node ids.
  c = clone();
  (c.cells[0].model.nodes as unknown[]).push(c.cells[0].model.nodes[0]);
  bad.push(c);
  // A node with an unknown category / non-finite size.
  c = clone();
  (c.cells[0].model.nodes[0] as { category: string }).category = 'magic';
  bad.push(c);
  c = clone();
  (c.cells[0].model.nodes[0] as { width: unknown }).width = null;
  bad.push(c);
  // Scores with a non-numeric per-node value.
  c = clone();
  (c.cells[0] as { scores: unknown }).scores = [
    { id: 'naswot', label: 'NASWOT', value: 1, text: '1', better: 'higher', perNode: { i: 'hot' } },
  ];
  bad.push(c);
  for (const [i, m] of bad.entries()) assert.equal(isToWebview(m), false, `bad message #${i} rejected`);
});

test('isToWebview: highlight, theme, exportRequest', () => {
  assert.ok(isToWebview({ type: 'highlight', cellIndex: 0, node: 'f' }));
  assert.ok(isToWebview({ type: 'highlight', cellIndex: 2 }));
  assert.ok(isToWebview({ type: 'theme', kind: 'high-contrast' }));
  assert.ok(isToWebview({ type: 'exportRequest', format: 'png' }));
  for (const m of [
    { type: 'highlight', cellIndex: -1, node: 'f' },
    { type: 'highlight', cellIndex: 1.5 },
    { type: 'highlight', cellIndex: 0, node: 3 },
    { type: 'theme', kind: 'solarized' },
    { type: 'exportRequest', format: 'pdf' },
    { type: 'reveal', cellIndex: 0, node: 'f' },
  ])
    assert.equal(isToWebview(m), false, JSON.stringify(m));
});

test('isFromWebview accepts the webview messages and rejects malformed ones', () => {
  const good = [
    { type: 'ready' },
    { type: 'reveal', cellIndex: 0, node: 'h_new_0' },
    { type: 'selectCell', cellIndex: 3 },
    {
      type: 'export',
      format: 'svg',
      cellIndex: 0,
      data: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    },
    { type: 'export', format: 'png', cellIndex: 0, data: 'data:image/png;base64,iVBORw0KGgo=' },
    { type: 'log', level: 'warn', message: 'x' },
    { type: 'pin', pinned: true },
    { type: 'pin', pinned: false },
  ];
  for (const m of good) assert.ok(isFromWebview(m), JSON.stringify(m));
  const bad = [
    null,
    'ready',
    {},
    { type: 'nope' },
    { type: 'reveal', cellIndex: 0 },
    { type: 'reveal', cellIndex: 0, node: '' },
    { type: 'reveal', cellIndex: '0', node: 'f' },
    { type: 'selectCell', cellIndex: -2 },
    { type: 'export', format: 'svg', cellIndex: 0, data: '<html></html>' },
    { type: 'export', format: 'png', cellIndex: 0, data: 'data:image/jpeg;base64,AAAA' },
    { type: 'export', format: 'gif', cellIndex: 0, data: 'x' },
    { type: 'export', format: 'svg', data: '<svg></svg>' },
    { type: 'log', level: 'fatal', message: 'x' },
    { type: 'pin' },
    { type: 'pin', pinned: 'true' },
  ];
  for (const m of bad) assert.equal(isFromWebview(m), false, JSON.stringify(m));
});

test('webview HTML: strict CSP with a nonce, no inline or remote sources', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(makeNonce(), nonce, 'a fresh nonce each time');
  const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
  const html = webviewHtml({
    cspSource,
    nonce,
    scriptUri: `${cspSource}/ext/dist/webview.js`,
    styleUri: `${cspSource}/ext/media/graph.css`,
  });
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(meta, 'a CSP meta tag');
  const csp = meta[1];
  assert.equal(csp, contentSecurityPolicy(cspSource, nonce));
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v]),
  );
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
  assert.deepEqual(directives.get('style-src'), [cspSource]);
  assert.deepEqual(directives.get('img-src'), [cspSource, 'data:']);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), 'no unsafe-*');
  // Only the webview's own resource origin: no other http(s) source anywhere in the policy.
  const sources = [...directives.values()].flat().filter((s) => s !== cspSource);
  assert.ok(
    sources.every((s) => !/^https?:/.test(s) && s !== '*'),
    `no remote sources: ${sources.join(' ')}`,
  );
  // Every script tag carries the nonce; no inline script, no inline style.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  for (const s of scripts) {
    assert.ok(s[1].includes(`nonce="${nonce}"`), 'script has the nonce');
    assert.equal(s[2].trim(), '', 'no inline script body');
  }
  assert.ok(!/<style\b/.test(html) && !/\sstyle=/.test(html), 'no inline styles');
  assert.ok(!/(src|href)="http:\/\//.test(html), 'no plain http resource');
  assert.throws(() => webviewHtml({ cspSource, nonce: "x' 'unsafe-inline", scriptUri: 'a', styleUri: 'b' }), /nonce/);
});
