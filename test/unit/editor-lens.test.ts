/**
 * What a user reads above and on a scored cell, against a recording VS Code host with a report in the score cache
 * (a reference probe: a WikiText-2 benchmark cell, its stored proxy-preset values): the lens line in THE order of
 * src/report/lens.ts — the predicted loss first, the best score, the benchmark, then `▸ more`, graph, compare — with
 * the lenses before `▸ more` inside the half-width budget; a short hover with the verdict and a link to the full
 * report, which "Show Scores" opens; the lenses kept, marked stale, while the JSON is invalid.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeVscode, TextDocument, Uri, Position, type CodeLens } from '../../testkit/fake-vscode';
import { REFERENCE } from '../../src/scoring/reference';
import { SCORES } from '../../src/scoring/types';
import { ScoreCache, scoreCacheDir } from '../../src/scoring/cache';
import { parseDocument } from '../../src/recipe/parse';
import { toRecipe } from '../../src/recipe/model';
import { canonicalHash } from '../../src/recipe/canonical';
import { cellVerdict } from '../../src/report/verdict';
import { LENS_LINE_BUDGET, LENS_SLOTS, fitLensLine, lineWidth, lensWidth } from '../../src/report/lens';
import { reportOf } from '../fixtures/table/data';

const host = installFakeVscode();
const storage = mkdtempSync(join(tmpdir(), 'cell-lens-editor-lens-'));
const probe = REFERENCE.probes.find((p) => p.preset === 'proxy')!;
const known = JSON.stringify(probe.recipe, null, 2);
const recipeOf = (text: string) => toRecipe(parseDocument(text).cells[0]);
const knownHash = canonicalHash(recipeOf(known));
const knownReport = reportOf(knownHash, probe.values);
// A cell no benchmark run trained, scored with the same values (its prediction also reads its structure).
const unknown =
  '{"z": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "blend", "input": ["z", "h_prev_0", "z"]}}';
const unknownReport = reportOf(canonicalHash(recipeOf(unknown)), probe.values);
host.config['scoring.preset'] = 'proxy';
host.config['scoring.scores'] = knownReport.settings.scores;

const ext = require('../../src/extension') as typeof import('../../src/extension');
const { lineAfterEdit } = require('../../src/editor/providers') as typeof import('../../src/editor/providers');
const subscriptions: { dispose(): void }[] = [];
const api = ext.activate({ subscriptions, globalStorageUri: { fsPath: storage } } as never);
after(() => {
  for (const s of subscriptions) s.dispose();
  rmSync(storage, { recursive: true, force: true });
});

/** The reports in the extension's score cache, loaded into the scoring service. */
async function scored(...reports: (typeof knownReport)[]): Promise<void> {
  const cache = new ScoreCache({ dir: scoreCacheDir(storage) });
  for (const r of reports) await cache.put(r);
  await api.scoring.warm(reports.map((r) => r.hash));
  for (const r of reports) assert.ok(api.scoring.peek(r.hash), 'precondition: the report is in the cache');
}

/** The probe cell, scored, in a document of its own. */
async function openProbe(name: string): Promise<TextDocument> {
  await api.benchmark.get();
  await scored(knownReport);
  const doc = new TextDocument(Uri.file(`/ws/${name}`), 'json', 1, known);
  host.open(doc);
  return doc;
}

const lenses = (doc: TextDocument): CodeLens[] => host.codeLensProviders[0].provideCodeLenses(doc);
const titles = (doc: TextDocument): string[] => lenses(doc).map((l) => l.command!.title);
/** The lenses before `▸ more`. */
const beforeMore = (t: readonly string[]) => t.slice(0, t.indexOf('▸ more'));

test('the lens line of a scored benchmark cell: predicted loss, best score, benchmark within the budget, then ▸ more, graph, compare', async () => {
  const doc = await openProbe('probe.json');
  const v = cellVerdict(knownReport, recipeOf(known));
  const p = v.prediction!;
  assert.ok(p, 'a prediction at the proxy preset');
  const ls = lenses(doc);
  const t = ls.map((l) => l.command!.title);
  assert.deepEqual(
    ls.map((l) => l.command!.command),
    [
      'cellLens.showScores', // predicted loss
      'cellLens.showScores', // best score
      'cellLens.showBenchmarkRecord',
      'cellLens.showScores', // ▸ more: the full report
      'cellLens.showGraph',
      'cellLens.compareWith',
    ],
    JSON.stringify(t),
  );
  assert.equal(t[0], `$(target) predicted ${p.loss.toFixed(2)}`, 'the predicted loss first, short');
  const best = v.byId.get('hidden_cov')!;
  assert.equal(
    t[1],
    `$(beaker) HiddenCov ${best.percentileText} pct`,
    'the best (first lens) score with its percentile',
  );
  assert.match(t[2], /^\$\(graph-line\) test \d\.\d{3}$/);
  assert.equal(t[3], '▸ more');
  const width = lineWidth(beforeMore(t));
  assert.ok(width <= LENS_LINE_BUDGET, `the lenses before ▸ more take ${width} > ${LENS_LINE_BUDGET} characters`);
  // What the short titles leave out is one hover away: each tooltip starts with the full title.
  assert.match(
    ls[0].command!.tooltip!,
    new RegExp(`^predicted test loss ${p.lossText.replace(/[[\]]/g, '\\$&')} · ${p.topText}\\n`),
  );
  assert.match(ls[1].command!.tooltip!, /^HiddenCov -?[\d.e]+ \(\d+(st|nd|rd|th) pct\)\n\n[^]*^HiddenCov: /m);
  assert.match(ls[2].command!.tooltip!, /^WikiText-2 test loss \d\.\d{3} · rank 1\/258 \(top 0\.4%\)/);
  // One line: every lens of the cell above its first line.
  assert.equal(new Set(ls.map((l) => l.range.start.line)).size, 1);
});

test('a scored cell the benchmark does not know: the predicted loss with its interval; "not in benchmark" goes behind ▸ more', async () => {
  await scored(unknownReport);
  const doc = new TextDocument(Uri.file('/ws/new.json'), 'json', 1, unknown);
  host.open(doc);
  const t = titles(doc);
  const p = cellVerdict(unknownReport, recipeOf(unknown)).prediction!;
  assert.equal(t[0], `$(target) predicted ${p.lossText}`, JSON.stringify(t));
  assert.match(t[1], /^\$\(beaker\) HiddenCov /);
  assert.equal(t[2], '▸ more');
  assert.match(
    t[3],
    /^\$\(circle-slash\) not in benchmark · 2 nodes · [\d.]+M params \(WikiText-2 LM, vocab 33,278\)$/,
  );
  assert.ok(lineWidth(beforeMore(t)) <= LENS_LINE_BUDGET);
});

test('fitting a line: the least important lens shortens first, moves behind ▸ more last, and nothing moves without one', () => {
  assert.deepEqual(LENS_SLOTS, ['prediction', 'score', 'benchmark', 'more', 'suggest', 'graph', 'compare']);
  assert.equal(lensWidth('$(target) predicted 4.93'), 17, 'an icon counts two characters');
  const line = fitLensLine([
    { slot: 'compare', titles: ['$(diff) compare with…'] },
    { slot: 'benchmark', titles: ['b'.repeat(40), 'b'.repeat(10)] },
    { slot: 'more', titles: ['▸ more'] },
    { slot: 'prediction', titles: ['p'.repeat(40), 'p'.repeat(20)] },
    { slot: 'score', titles: ['s'.repeat(20)] },
  ]);
  assert.deepEqual(
    line.map((f) => [f.at, f.title.length, f.shortened, f.behindMore]),
    [
      [3, 20, true, false],
      [4, 20, false, false],
      [1, 10, true, false],
      [2, 6, false, false],
      [0, 21, false, false],
    ],
  );
  // Too wide even when short: the benchmark moves behind ▸ more, and the prediction takes its full title back.
  const moved = fitLensLine([
    { slot: 'prediction', titles: ['p'.repeat(34), 'p'.repeat(20)] },
    { slot: 'score', titles: ['s'.repeat(20)] },
    { slot: 'benchmark', titles: ['b'.repeat(40), 'b'.repeat(19)] },
    { slot: 'more', titles: ['▸ more'] },
  ]);
  assert.deepEqual(
    moved.map((f) => [f.at, f.title.length, f.behindMore]),
    [
      [0, 34, false],
      [1, 20, false],
      [3, 6, false],
      [2, 40, true],
    ],
  );
  // No ▸ more (an unscored cell): shortened as far as it goes, nothing hidden.
  assert.deepEqual(
    fitLensLine([
      { slot: 'score', titles: ['s'.repeat(50)] },
      { slot: 'benchmark', titles: ['b'.repeat(40)] },
    ]).map((f) => f.title.length),
    [50, 40],
  );
});

test('the hover of a scored cell is short: its verdict, the benchmark line and a link to the full report', async () => {
  const doc = await openProbe('probe.json');
  const hover = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!;
  const md = hover.contents.value;
  const lines = md.split('\n');
  assert.ok(lines.length <= 15, `${lines.length} lines:\n${md}`);
  const p = cellVerdict(knownReport, recipeOf(known)).prediction!;
  assert.ok(
    md.includes(
      `**Predicted WikiText-2 test loss: ${p.lossText}** (80 % interval) · ${p.topText} of 258 trained cells`,
    ),
    md,
  );
  assert.match(
    md,
    /HiddenCov \*\*-?[\d.e]+\*\* \(\d+(st|nd|rd|th) pct\) · NASWOT \*\*[^*]+\*\* \(\d+(st|nd|rd|th) pct\) · TE-NAS κ/,
  );
  assert.match(md, /_percentiles of 258 WikiText-2 cells, proxy preset_/);
  assert.match(
    md,
    /\*\*WikiText-2 test loss \d\.\d{3}\*\* · rank \*\*1\*\* of 258 trained cells \(top 0\.4%\) · recepie ids? [\d, ]+ · \d+ runs?/,
  );
  const link = `[Full report](command:cellLens.showScores?${encodeURIComponent(JSON.stringify([doc.uri, 0]))})`;
  assert.ok(md.includes(link), md);
  const trusted = (hover.contents as unknown as { isTrusted?: { enabledCommands: string[] } }).isTrusted;
  assert.deepEqual(trusted?.enabledCommands.sort(), ['cellLens.showBenchmarkRecord', 'cellLens.showScores']);
  assert.doesNotMatch(md, /\| score \| value \|/, 'the score table is in the full report');
  assert.doesNotMatch(md, /Definitions/);
});

test('Show Scores (the ▸ more lens, the hover link) opens the full report: prediction, every score, definitions, benchmark record', async () => {
  const doc = await openProbe('probe.json');
  const more = lenses(doc).find((l) => l.command!.title === '▸ more')!;
  const uri = (await host.commands.get(more.command!.command)!(...more.command!.arguments!)) as Uri;
  assert.equal(uri.scheme, 'cell-lens-report');
  const md = host.contentProviders.get('cell-lens-report')!.provideTextDocumentContent(uri);
  // Under the cell's one name (cellName: the probe is the reference LSTM).
  assert.match(md, /^# LSTM \(probe\.json\)\n/);
  assert.match(md, /\*\*Predicted WikiText-2 test loss: \d\.\d\d \[\d\.\d\d, \d\.\d\d\]\*\*/);
  assert.match(md, /\*\*Train-free scores\*\*/);
  for (const r of knownReport.results) assert.ok(md.includes(`\n| ${SCORES[r.id].label} | `), `a row for ${r.id}`);
  assert.match(md, /\*\*Definitions\*\*/);
  assert.match(md, /Rank \*\*1\*\* of 258 trained cells/);
  // The parameter count names its model (the benchmark LM on the record's dataset).
  assert.match(md, /\d{1,3}(,\d{3})+ params \(WikiText-2 LM, vocab 33,278\)/);
});

test('while the JSON is invalid the lenses stay where they were, marked stale; valid again, they are current', async () => {
  const doc = await openProbe('stale.json');
  const before = lenses(doc);
  host.change(doc, known.replace(/,\n/, '\n')); // a comma missing
  const stale = lenses(doc);
  assert.equal(stale.length, before.length, 'no lens disappears');
  assert.deepEqual(
    stale.map((l) => l.range.start.line),
    before.map((l) => l.range.start.line),
  );
  assert.equal(stale[0].command!.title, `${before[0].command!.title} (stale)`);
  assert.deepEqual(
    stale.slice(1).map((l) => l.command!.title),
    before.slice(1).map((l) => l.command!.title),
  );
  for (const l of stale) {
    assert.equal(l.command!.command, 'workbench.actions.view.problems');
    assert.match(l.command!.tooltip!, /JSON is invalid/);
  }
  host.change(doc, known);
  assert.deepEqual(
    titles(doc),
    before.map((l) => l.command!.title),
  );
});

test('the kept lenses move with the edits made meanwhile, as VS Code moves decorations', () => {
  const at = (line: number, from: number, to: number, text: string) =>
    lineAfterEdit(line, [{ range: { start: { line: from }, end: { line: to } }, text }]);
  assert.equal(at(10, 2, 2, 'a\nb\n'), 12, 'two lines typed above');
  assert.equal(at(10, 2, 5, ''), 7, 'three lines deleted above');
  assert.equal(at(10, 10, 10, 'x\n'), 10, 'typed on the line itself');
  assert.equal(at(10, 12, 14, ''), 10, 'below: unmoved');
  assert.equal(at(10, 8, 12, 'x'), 8, 'its lines replaced: where the replacement is');
  assert.equal(lineAfterEdit(10, [{ text: 'whole' }]), 10, 'the whole text replaced');
  assert.equal(
    lineAfterEdit(10, [
      { range: { start: { line: 0 }, end: { line: 0 } }, text: '\n' },
      { range: { start: { line: 3 }, end: { line: 4 } }, text: '' },
    ]),
    10,
  );
});

test('a cell with errors: the error lens has the error icon', () => {
  const doc = new TextDocument(
    Uri.file('/ws/broken.json'),
    'json',
    1,
    '{"f": {"op": "linear", "input": ["x", "nope"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}',
  );
  host.open(doc);
  assert.deepEqual(titles(doc), ['$(error) recipe: 1 error']);
});

test('scores at other settings than the current ones: the predicted loss and the best score still come first, each naming its preset', async () => {
  const doc = await openProbe('other-settings.json');
  host.config['scoring.preset'] = 'nas-bench-nlp';
  try {
    const choice = api.scoring.peek(knownHash);
    assert.ok(
      choice && !choice.current,
      'precondition: the cached report is at the proxy preset, not the current size',
    );
    const ls = lenses(doc);
    const t = ls.map((l) => l.command!.title);
    const v = cellVerdict(knownReport, recipeOf(known));
    assert.equal(t[0], `$(target) predicted ${v.prediction!.loss.toFixed(2)} (proxy)`, JSON.stringify(t));
    assert.equal(t[1], `$(beaker) HiddenCov ${v.byId.get('hidden_cov')!.percentileText} pct (proxy)`);
    assert.equal(t[2], '▸ more');
    assert.ok(lineWidth(beforeMore(t)) <= LENS_LINE_BUDGET, JSON.stringify(t));
    // The full label is one hover away, and the offer to score at the current size is on the line.
    assert.match(ls[1].command!.tooltip!, /· proxy, not the current full size\n/);
    assert.ok(t.includes('$(beaker) score at full size'), JSON.stringify(t));
  } finally {
    delete host.config['scoring.preset'];
  }
});
