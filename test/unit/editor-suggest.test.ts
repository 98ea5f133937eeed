/**
 * Suggest Edits in the editor against a recording VS Code host and the real scoring process (dist/worker.js, proxy
 * preset): the code action on the cell, a cancellable progress notification, a quick pick of the best edits with the
 * predicted loss, its interval, Δ and percentile, a compare button, one workspace edit on accept in the document's
 * style, the lens once computed (after ▸ more), nothing in an untrusted workspace, and cancellation.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeVscode, TextDocument, Uri, Range, Position, type FakeQuickPick } from '../../testkit/fake-vscode';
import { REPO } from '../helpers/data';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import type { Suggestion } from '../../src/report/suggest';
import { COMPARE_VIEW_TYPE } from '../../src/compare/protocol';

const WORKER = join(REPO, 'dist/worker.js');
const host = installFakeVscode();
const storage = mkdtempSync(join(tmpdir(), 'cell-lens-editor-suggest-'));
host.config['scoring.backend'] = 'wasm';
host.config['scoring.timeoutSeconds'] = 120;
const ext = require('../../src/extension') as typeof import('../../src/extension');
const subscriptions: { dispose(): void }[] = [];
const context = {
  subscriptions,
  extensionPath: REPO,
  extensionUri: Uri.file(REPO),
  globalStorageUri: { fsPath: storage },
};
ext.activate(context as never);
after(() => {
  for (const s of subscriptions) s.dispose();
  rmSync(storage, { recursive: true, force: true });
});

const skip = existsSync(WORKER) ? false : 'dist/worker.js is missing: run `node scripts/build.mjs` (npm test does)';
const lstmText = readFileSync(join(REPO, 'test/fixtures/workspace/lstm.json'), 'utf8');
const doc = new TextDocument(Uri.file('/ws/lstm.json'), 'json', 1, lstmText);
host.open(doc);

type Item = { label: string; description: string; suggestion: Suggestion; buttons: unknown[] };
const titles = (d: TextDocument) => host.codeLensProviders[0].provideCodeLenses(d).map((l) => l.command?.title ?? '');
const suggestActions = (d: TextDocument) =>
  host.codeActionProviders
    .flatMap((p) => p.provideCodeActions(d, new Range(new Position(1, 4), new Position(1, 4))))
    .filter((a) => a.kind === 'refactor.rewrite');

test('the code action on a cell runs Suggest Edits; no lens before the suggestions were computed', { skip }, () => {
  const [act] = suggestActions(doc) as unknown as {
    title: string;
    command: { command: string; arguments: unknown[] };
  }[];
  assert.equal(act.title, '✦ Suggest edits predicted to help');
  assert.equal(act.command.command, 'cellLens.suggestEdits');
  assert.deepEqual(act.command.arguments, [doc.uri, 0]);
  assert.ok(!titles(doc).some((t) => t.startsWith('✦')));
});

test(
  'Suggest Edits: progress, a quick pick of the best edits, compare, apply as one edit in the file’s style',
  { skip },
  async () => {
    const run = host.commands.get('cellLens.suggestEdits')!(doc.uri, 0) as Promise<boolean | undefined>;
    const qp = (await host.when(() => host.quickPicks.find((q) => q.visible))) as unknown as FakeQuickPick<Item>;
    const prog = host.progress.find((p) => p.title === 'Cell Lens: suggesting edits of LSTM')!;
    assert.ok(prog.done);
    assert.equal(prog.messages.at(-1), '61/61 cells scored');
    assert.match(qp.title, /^Suggested edits of LSTM · now predicted \d\.\d\d \[\d\.\d\d, \d\.\d\d\] · top \d+%$/);
    assert.equal(qp.items.length, 5);
    for (const [i, it] of qp.items.entries()) {
      assert.equal(it.label, it.suggestion.edit.text);
      assert.match(it.description, /^\d\.\d\d \[\d\.\d\d, \d\.\d\d\] · Δ [−+]\d\.\d{3} · top \d+%$/);
      if (i > 0) assert.ok(qp.items[i - 1].suggestion.prediction.loss <= it.suggestion.prediction.loss);
      assert.equal(it.buttons.length, 1);
    }
    // The lens, now that the suggestions are known: behind ▸ more, before the graph.
    const t = titles(doc);
    const at = t.findIndex((x) => /^✦ (\d+ edits? |no single edit )predicted to help$/.test(x));
    assert.ok(at >= 0, t.join(' | '));
    assert.ok(at < t.findIndex((x) => x === '$(type-hierarchy) graph'), t.join(' | '));
    const more = t.findIndex((x) => x.includes('more'));
    if (more >= 0) assert.ok(more < at);
    // Compare: the cell and the suggestion side by side.
    const panels = host.panels.length;
    qp.pressButton(qp.items[1]);
    // The panel opens after the suggestion's untitled document (no event: a few turns of the event loop).
    for (let k = 0; k < 50 && host.panels.length === panels; k++) await new Promise((r) => setImmediate(r));
    assert.equal(host.panels.at(-1)!.viewType, COMPARE_VIEW_TYPE);
    assert.ok(host.documents.some((d) => d.uri.scheme === 'untitled'));
    // Apply the first: one workspace edit, one replacement; the file is the suggestion, one node per line as before.
    const pick = qp.items[0];
    qp.accept(pick);
    assert.equal(await run, true);
    assert.equal(host.appliedEdits.length, 1);
    assert.equal((host.appliedEdits[0] as unknown as { edits: unknown[] }).edits.length, 1);
    const cell = parseDocument(doc.getText()).cells[0];
    assert.equal(canonicalHash(toRecipe(cell)), pick.suggestion.edit.hash);
    const lines = doc.getText().split('\n');
    assert.equal(lines.length - lstmText.split('\n').length, Object.keys(pick.suggestion.edit.recipe).length - 13);
    for (const l of lines.slice(1, -2)) assert.match(l, /^ {2}"\w+": \{"op": "\w+", "input": \[.*\]\},?$/);
  },
);

test('cancelled from the notification: no quick pick, the user is told', { skip }, async () => {
  const other = new TextDocument(
    Uri.file('/ws/rnn.json'),
    'json',
    1,
    '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_sigm", "input": ["f"]}}',
  );
  host.open(other);
  const picks = host.quickPicks.length;
  const run = host.commands.get('cellLens.suggestEdits')!(other.uri, 0) as Promise<boolean | undefined>;
  const prog = await host.when(() =>
    host.progress.find((p) => p.title.endsWith('of cell 0') || p.title.endsWith('of recipe')),
  );
  await host.when(() => prog.messages.length > 0);
  prog.cancel();
  assert.equal(await run, undefined);
  assert.equal(host.quickPicks.length, picks);
  assert.ok(host.messages.some((m) => /suggestions cancelled/.test(m.text)));
});

test('an untrusted workspace: no code action, no lens, and the command says why', { skip }, async () => {
  host.trusted = false;
  try {
    assert.equal(suggestActions(doc).length, 0);
    assert.ok(!titles(doc).some((t) => t.startsWith('✦')));
    const picks = host.quickPicks.length;
    await host.commands.get('cellLens.suggestEdits')!(doc.uri, 0);
    assert.equal(host.quickPicks.length, picks);
    assert.match(host.messages.at(-1)!.text, /does not suggest edits in an untrusted workspace/);
  } finally {
    host.trusted = true;
  }
});
