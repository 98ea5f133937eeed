/**
 * Live scoring (src/editor/liveScoring.ts) against a recording VS Code host and the real scoring process
 * (dist/worker.js, wasm backend): an edited cell is scored at the proxy preset once the pause in typing is over —
 * the pause driven here by hand (an injected scheduler), never by time — and its lens shows the new predicted loss;
 * a second edit within the pause cancels the first; the work of a pause is cancelled by the next edit; an edit that
 * keeps the canonical cell, invalid JSON, the setting off and an untrusted workspace request nothing.
 */
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeVscode, TextDocument, Uri, type CodeLens } from '../../testkit/fake-vscode';
import { REPO } from '../helpers/data';
import { recordPool, type PoolRecord } from '../helpers/pool-events';
import { presetOf } from '../../src/scoring/presets';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { cellVerdict } from '../../src/report/verdict';
import type { LivePass, LiveScheduler } from '../../src/editor/liveScoring';

const WORKER = join(REPO, 'dist/worker.js');
const host = installFakeVscode();
const storage = mkdtempSync(join(tmpdir(), 'cell-lens-editor-live-'));
host.config['scoring.backend'] = 'wasm';
host.config['scoring.timeoutSeconds'] = 120;

/** The pauses in typing, ended by hand. */
class Pauses implements LiveScheduler {
  private pending: { run: () => void; ms: number; cancelled: boolean }[] = [];
  schedule(run: () => void, ms: number) {
    const p = { run, ms, cancelled: false };
    this.pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }
  /** Pauses waiting (not cancelled). */
  get waiting(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
  /** The user stopped typing: every pause waiting is over now. */
  end(): void {
    const due = this.pending.filter((p) => !p.cancelled);
    this.pending = [];
    for (const p of due) p.run();
  }
}
const pauses = new Pauses();

const ext = require('../../src/extension') as typeof import('../../src/extension');
const subscriptions: { dispose(): void }[] = [];
const context = { subscriptions, extensionPath: REPO, globalStorageUri: { fsPath: storage } };
const api = ext.activate(context as never, { liveScheduler: pauses });
after(() => {
  for (const s of subscriptions) s.dispose();
  rmSync(storage, { recursive: true, force: true });
});

const skip = existsSync(WORKER) ? false : 'dist/worker.js is missing: run `node scripts/build.mjs` (npm test does)';
const lstmText = readFileSync(join(REPO, 'test/fixtures/workspace/lstm.json'), 'utf8');
const hashOf = (text: string) => canonicalHash(toRecipe(parseDocument(text).cells[0]));
/** The LSTM with one op changed: the i gate's tanh a sigmoid, the output's tanh a ReLU, …. */
const withOp = (node: string, op: string) =>
  lstmText.replace(new RegExp(`("${node}": \\{"op": ")[a-z_]+"`), `$1${op}"`);

let n = 0;
let pool: PoolRecord;
beforeEach(() => {
  pool?.dispose();
  pool = recordPool({ onEvent: (l) => api.scoring.onPoolEvent(l) });
  host.trusted = true;
  delete host.config['scoring.live'];
  delete host.config['scoring.preset'];
});
after(() => pool?.dispose());

/** A fresh LSTM document, its lenses shown once (as VS Code shows them on open). */
function open(text = lstmText): TextDocument {
  const doc = new TextDocument(Uri.file(`/ws/live-${++n}.json`), 'json', 1, text);
  host.open(doc);
  lenses(doc);
  return doc;
}
const lenses = (doc: TextDocument): CodeLens[] => host.codeLensProviders[0].provideCodeLenses(doc);
const titles = (doc: TextDocument) => lenses(doc).map((l) => l.command?.title ?? '');
/** The next pass of live scoring (the work of one pause) of this document. */
function nextPass(doc: TextDocument): Promise<LivePass> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 60_000);
    const sub = api.live.onDidPass((p) => {
      if (p.uri !== doc.uri.toString()) return;
      sub.dispose();
      clearInterval(keepAlive);
      resolve(p);
    });
  });
}
/** Requests of the pool for a cell (a cell split over two processes is one request: its first half counts). */
const requests = (hash?: string) => pool.starts(hash).filter((s) => s.job !== 'half 2');

test(
  'an edited op: after the pause, one request for the new cell at the proxy preset, and the lens shows its predicted loss',
  { skip, timeout: 120_000 },
  async () => {
    const doc = open();
    const edited = withOp('i_act', 'activation_sigm');
    const hash = hashOf(edited);
    assert.equal(api.scoring.peek(hash), undefined, 'precondition: the edited cell has no report');
    host.change(doc, edited);
    assert.equal(pauses.waiting, 1, 'a pause is waiting');
    assert.equal(requests().length, 0, 'nothing is requested while the user types');
    const pass = nextPass(doc);
    pauses.end();
    const p = await pass;
    assert.deepEqual({ outcome: p.outcome, hashes: p.hashes }, { outcome: 'scored', hashes: [hash] });
    assert.equal(requests().length, 1, JSON.stringify(pool.events.filter((e) => e.type !== 'state')));
    assert.equal(requests(hash).length, 1, 'the request is for the edited cell');
    const choice = api.scoring.peek(hash);
    assert.ok(choice, 'the report is in the cache');
    // The user's preset is the full size (the default): the live report is the proxy's, shown labelled.
    assert.equal(presetOf(choice.report.settings), 'proxy');
    assert.equal(choice.current, false);
    const v = cellVerdict(choice.report, toRecipe(parseDocument(edited).cells[0]));
    assert.ok(v.prediction, 'the proxy preset predicts a loss');
    const t = titles(doc);
    assert.equal(t[0], `$(target) predicted ${v.prediction.loss.toFixed(2)} (proxy)`, JSON.stringify(t));
    assert.match(t[1], /^\$\(beaker\) HiddenCov \d+(st|nd|rd|th) pct \(proxy\)$/, JSON.stringify(t));
    assert.ok(
      host.logs.some((l) => /^info: live: scored recipe \(live-\d+\.json\) .* at the proxy preset in \d+ ms/.test(l)),
      'the log says what was scored',
    );
    // No notification, no progress notification: live scoring is quiet.
    assert.ok(!host.progress.some((x) => /live/.test(x.title)));
    assert.deepEqual(host.messages, []);
  },
);

test(
  'at the proxy preset setting the live report is the current one: no "(proxy)" label',
  { skip, timeout: 120_000 },
  async () => {
    host.config['scoring.preset'] = 'proxy';
    const doc = open();
    const edited = withOp('o_act', 'activation_leaky_relu');
    host.change(doc, edited);
    const pass = nextPass(doc);
    pauses.end();
    assert.equal((await pass).outcome, 'scored');
    const choice = api.scoring.peek(hashOf(edited))!;
    assert.equal(choice.current, true);
    const t = titles(doc);
    assert.match(t[0], /^\$\(target\) predicted \d\.\d\d/, JSON.stringify(t));
    assert.ok(!t.some((x) => /proxy|full size/.test(x)), JSON.stringify(t));
  },
);

test('two quick edits: the first is never requested, the second once', { skip, timeout: 120_000 }, async () => {
  const doc = open();
  const first = withOp('j_act', 'activation_tanh');
  const second = withOp('j_act', 'activation_leaky_relu');
  host.change(doc, first);
  host.change(doc, second);
  assert.equal(pauses.waiting, 1, 'the second edit started the pause over');
  const pass = nextPass(doc);
  pauses.end();
  const p = await pass;
  assert.deepEqual(p.hashes, [hashOf(second)]);
  assert.equal(requests(hashOf(first)).length, 0);
  assert.equal(requests(hashOf(second)).length, 1);
  assert.equal(requests().length, 1);
});

test(
  'an edit while the last pause is being scored cancels that work; the new cell is scored',
  { skip, timeout: 120_000 },
  async () => {
    const doc = open();
    const first = withOp('f_act', 'activation_tanh');
    const second = withOp('f_act', 'activation_leaky_relu');
    host.change(doc, first);
    const firstPass = nextPass(doc);
    pauses.end();
    await pool.started(1, hashOf(first));
    host.change(doc, second); // typing goes on while the first is scored
    const p1 = await firstPass;
    assert.equal(p1.outcome, 'superseded');
    assert.ok(
      pool.ends(hashOf(first)).some((e) => e.error === 'cancelled'),
      `the request was cancelled: ${JSON.stringify(pool.ends(hashOf(first)))}`,
    );
    assert.equal(api.scoring.peek(hashOf(first)), undefined, 'no report of the cancelled cell');
    const secondPass = nextPass(doc);
    pauses.end();
    assert.deepEqual((await secondPass).hashes, [hashOf(second)]);
    assert.ok(api.scoring.peek(hashOf(second)));
    // The cancelled cell is still new: typing it again scores it.
    host.change(doc, first);
    const third = nextPass(doc);
    pauses.end();
    assert.deepEqual((await third).hashes, [hashOf(first)]);
    assert.ok(api.scoring.peek(hashOf(first)));
  },
);

test(
  'an edit that keeps the canonical cell (a node renamed, spaces) requests nothing',
  { skip, timeout: 60_000 },
  async () => {
    const doc = open();
    const renamed = lstmText
      .replace(/"f"/g, '"forget"')
      .replace(/\["f"\]/g, '["forget"]')
      .replace('"input": ["x", "h_prev_0"]}', '"input": ["x",   "h_prev_0"]}');
    assert.equal(hashOf(renamed), hashOf(lstmText), 'precondition: the same canonical cell');
    host.change(doc, renamed);
    const pass = nextPass(doc);
    pauses.end();
    assert.deepEqual(await pass, { uri: doc.uri.toString(), version: doc.version, outcome: 'unchanged', hashes: [] });
    assert.equal(requests().length, 0);
  },
);

test(
  'invalid JSON: nothing is requested and the live values stay, marked stale; a cell with errors keeps them too',
  { skip, timeout: 120_000 },
  async () => {
    const doc = open();
    const edited = withOp('h_new_1_act', 'activation_sigm');
    host.change(doc, edited);
    let pass = nextPass(doc);
    pauses.end();
    assert.equal((await pass).outcome, 'scored');
    const live = titles(doc);
    assert.match(live[0], /^\$\(target\) predicted \d\.\d\d \(proxy\)$/, JSON.stringify(live));
    const before = requests().length;
    // A comma missing: the JSON is invalid.
    host.change(doc, edited.replace(/,\n/, '\n'));
    pass = nextPass(doc);
    pauses.end();
    assert.equal((await pass).outcome, 'invalid-json');
    const stale = titles(doc);
    assert.deepEqual(stale, [`${live[0]} (stale)`, ...live.slice(1)], 'the live values stay, marked stale');
    // Valid JSON, but the cell has errors (an op being typed): its error, then its last values, stale.
    host.change(doc, edited.replace('"activation_sigm"', '"activation_si"'));
    pass = nextPass(doc);
    pauses.end();
    assert.equal((await pass).outcome, 'unchanged');
    const ls = lenses(doc);
    assert.match(ls[0].command!.title, /^\$\(error\) recipe: 1 error$/);
    assert.deepEqual(
      ls.slice(1).map((l) => l.command!.title),
      [`${live[0]} (stale)`, ...live.slice(1)],
    );
    for (const l of ls.slice(1)) assert.match(l.command!.tooltip!, /This cell has errors/);
    assert.equal(requests().length, before, 'nothing requested while invalid');
    // Valid again as it was: known, nothing requested; the values are current again.
    host.change(doc, edited);
    pass = nextPass(doc);
    pauses.end();
    assert.equal((await pass).outcome, 'unchanged');
    assert.deepEqual(titles(doc), live);
    assert.equal(requests().length, before);
  },
);

/** The same edit with live scoring allowed again: a pause starts, and its work scores the cell (the control). */
async function control(doc: TextDocument, text: string): Promise<void> {
  host.change(doc, text);
  assert.equal(pauses.waiting, 1, 'allowed again, an edit starts a pause');
  const pass = nextPass(doc);
  pauses.end();
  assert.deepEqual((await pass).hashes, [hashOf(text)]);
}

test('cellLens.scoring.live off: an edit schedules and requests nothing', { skip, timeout: 60_000 }, async () => {
  host.config['scoring.live'] = false;
  const doc = open();
  host.change(doc, withOp('o_act', 'activation_sigm'));
  assert.equal(pauses.waiting, 0);
  pauses.end();
  assert.equal(requests().length, 0);
  host.config['scoring.live'] = true;
  await control(doc, withOp('h_new_1_act', 'activation_leaky_relu'));
});

test(
  'an untrusted workspace: an edit schedules and requests nothing, and nobody is asked',
  { skip, timeout: 60_000 },
  async () => {
    host.trusted = false;
    const doc = open();
    const messages = host.messages.length;
    host.change(doc, withOp('o_act', 'activation_sigm'));
    assert.equal(pauses.waiting, 0);
    pauses.end();
    assert.equal(requests().length, 0);
    assert.equal(host.messages.length, messages);
    host.trusted = true;
    await control(doc, withOp('i_act', 'activation_leaky_relu'));
  },
);
