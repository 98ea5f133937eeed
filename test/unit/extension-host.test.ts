/**
 * activate() against a recording VS Code host: every contributed command is registered, a cell document gets
 * diagnostics, quick fixes, benchmark CodeLens and hovers, and non-cell JSON stays quiet.
 */
import { LENS_LINE_BUDGET, lineWidth } from '../../src/report/lens';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installFakeVscode, TextDocument, Uri, Position, Range } from '../../testkit/fake-vscode';
import { REPO, wikitextLogs } from '../helpers/data';

const host = installFakeVscode();
const ext = require('../../src/extension') as typeof import('../../src/extension');
const subscriptions: { dispose(): void }[] = [];
const api = ext.activate({ subscriptions, extensionUri: Uri.file(REPO) } as never);
const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: Record<string, unknown>;
};

test('every command in package.json is registered by activate(), and each has the Cell Lens category', () => {
  const contributed = manifest.contributes.commands as { command: string; category: string }[];
  for (const c of contributed) {
    assert.ok(host.commands.has(c.command), `${c.command} registered`);
    assert.equal(c.category, 'Cell Lens');
  }
  for (const id of host.commands.keys())
    assert.ok(
      contributed.some((c) => c.command === id),
      `${id} is contributed`,
    );
});

test("one command table: COMMAND_IDS lists package.json's commands in order, and only src/editor/commands.ts registers commands", () => {
  const { COMMAND_IDS } = require('../../src/editor/commands') as typeof import('../../src/editor/commands');
  const contributed = (manifest.contributes.commands as { command: string }[]).map((c) => c.command);
  assert.deepEqual([...COMMAND_IDS], contributed);
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith(join('src', 'editor', 'commands.ts')))
        if (/commands\.register(TextEditor)?Command\(/.test(readFileSync(p, 'utf8'))) offenders.push(p);
    }
  };
  walk(join(REPO, 'src'));
  assert.deepEqual(offenders, []);
});

test('the graph panel survives a reload: a serializer is registered for its view type, which is an activation event', () => {
  assert.deepEqual(host.serializers, ['cellLens.graph']);
  assert.ok(manifest.activationEvents.includes('onWebviewPanel:cellLens.graph'));
});

test('activation is cheap: the benchmark index is not loaded until a cell file is shown', () => {
  assert.ok(api.activationMs >= 0);
  assert.ok(!host.logs.some((l) => l.includes('benchmark loaded')), 'no index load during activation');
});

test('an LSTM cell: no diagnostics, benchmark CodeLens with loss and rank, hover on the cell and on a node', async () => {
  const text = readFileSync(join(REPO, 'test/fixtures/workspace/lstm.json'), 'utf8');
  const doc = new TextDocument(Uri.file('/ws/lstm.json'), 'json', 1, text);
  host.open(doc);
  assert.deepEqual(host.diagnostics.get(doc.uri.toString()), []);
  await api.benchmark.get();
  const lenses = host.codeLensProviders[0].provideCodeLenses(doc);
  assert.equal(lenses.length, 4);
  // THE order of a cell's lenses (src/report/lens.ts): the score slot (here the "Score" action), the benchmark, graph, compare.
  assert.equal(lenses[0].command!.command, 'cellLens.scoreCell', 'an unscored cell offers "Score"');
  assert.deepEqual(lenses[0].command!.arguments, [doc.uri, 0]);
  assert.equal(lenses[2].command!.command, 'cellLens.showGraph');
  assert.equal(lenses[3].command!.command, 'cellLens.compareWith', 'a valid cell offers "compare with…"');
  assert.deepEqual(lenses[3].command!.arguments, [doc.uri, 0]);
  // The benchmark lens fits the line beside "Score" with its loss and top share; its tooltip has the rank and size.
  const title = lenses[1].command!.title;
  assert.match(title, /^\$\(graph-line\) WikiText-2 test loss \d\.\d{3} · top \d+(\.\d)?%$/);
  assert.match(
    lenses[1].command!.tooltip!,
    /^WikiText-2 test loss \d\.\d{3} .*· rank \d+\/\d+ \(top \d+(\.\d)?%\) · \d+\.\dM params \(WikiText-2 LM, vocab 33,278\)\n\nWikiText-2: test loss/,
  );
  assert.equal(lenses[1].command!.command, 'cellLens.showBenchmarkRecord');
  const cellHover = host.hoverProviders[0].provideHover(doc, new Position(0, 0));
  assert.match(cellHover!.contents.value, /test loss/);
  assert.match(cellHover!.contents.value, /rank \*\*\d+\*\* of \d+ trained cells/);
  const line = text.split('\n').findIndex((l) => l.includes('"f_act"'));
  const nodeHover = host.hoverProviders[0].provideHover(doc, new Position(line, 4));
  assert.match(nodeHover!.contents.value, /\*\*f_act\*\* = `activation_sigm`\(`f`\)/);
  assert.match(nodeHover!.contents.value, /Consumed by: `h_new_1_part1`/);
  const status = host.statusItems[0];
  assert.ok(status.visible);
  assert.match(status.text, /WikiText-2/);
});

test('a broken cell: diagnostics on exact ranges, a quick fix edit, an error lens; editing re-validates', async () => {
  const text = readFileSync(join(REPO, 'test/fixtures/workspace/broken.json'), 'utf8');
  const doc = new TextDocument(Uri.file('/ws/broken.json'), 'json', 1, text);
  host.open(doc);
  const ds = host.diagnostics.get(doc.uri.toString())!;
  assert.deepEqual(ds.map((d) => d.code).sort(), ['arity', 'dangling-input', 'unknown-op']);
  const unknown = ds.find((d) => d.code === 'unknown-op')!;
  assert.equal(text.slice(doc.offsetAt(unknown.range.start), doc.offsetAt(unknown.range.end)), '"activation_relu"');
  const actions = host.codeActionProviders[0].provideCodeActions(
    doc,
    new Range(unknown.range.start, unknown.range.start),
  );
  assert.equal(actions[0].edit!.edits[0].text, '"activation_leaky_relu"');
  assert.match(host.codeLensProviders[0].provideCodeLenses(doc)[0].command!.title, /3 errors/);
  // Fix everything; diagnostics are re-published after the debounce.
  host.change(
    doc,
    '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}',
  );
  await host.when(() => host.diagnostics.get(doc.uri.toString())?.length === 0);
  assert.deepEqual(host.diagnostics.get(doc.uri.toString()), []);
});

test('a cell the benchmark does not know: "not in benchmark", node count and exact parameter count', () => {
  // A 2-node cell: z = W_x x + W_h h + b; h = blend(z, h, x). Parameters by hand, on the loaded benchmark's dataset
  // (WikiText-2, vocabulary 33,278), embed 400, hidden 600, 3 layers:
  // embedding 33278·400 + decoder bias 33278 + layers (400+600+1)·600 + (600+600+1)·600 + (600+400+1)·400.
  const expected = 33278 * 400 + 33278 + (400 + 600 + 1) * 600 + (600 + 600 + 1) * 600 + (600 + 400 + 1) * 400;
  const doc = new TextDocument(
    Uri.file('/ws/new.json'),
    'json',
    1,
    '{"z": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "blend", "input": ["z", "h_prev_0", "z"]}}',
  );
  host.open(doc);
  assert.deepEqual(
    api.benchmark.lookup(api.cache.get(doc as never)!.cells[0].hash),
    [],
    'precondition: not a benchmark cell',
  );
  // The benchmark lens (after "Score"): its full title (the tooltip's first line, the line being too wide for it)
  // counts the parameters of the loaded benchmark's model, named; the title shown keeps the node count.
  const lens = host.codeLensProviders[0].provideCodeLenses(doc)[1];
  assert.equal(lens.command!.command, 'cellLens.showBenchmarkRecord');
  assert.equal(
    lens.command!.tooltip!.split('\n\n')[0],
    `not in benchmark · 2 nodes · ${(expected / 1e6).toFixed(1)}M params (WikiText-2 LM, vocab 33,278)`,
  );
  assert.equal(lens.command!.title, '$(circle-slash) not in benchmark · 2 nodes');
});

test('JSON that is not a cell (package.json) gets no diagnostics and no lenses', () => {
  const doc = new TextDocument(
    Uri.file('/ws/package.json'),
    'json',
    1,
    readFileSync(join(REPO, 'package.json'), 'utf8'),
  );
  host.open(doc);
  assert.equal(host.diagnostics.get(doc.uri.toString()), undefined);
  assert.deepEqual(host.codeLensProviders[0].provideCodeLenses(doc), []);
});

test('menus and title buttons are gated on cellLens.isCellFile, which activate() sets (false: no cell file open)', () => {
  const menus = manifest.contributes.menus as Record<string, { command: string; when?: string }[]>;
  for (const group of ['editor/title', 'editor/context']) {
    for (const item of menus[group])
      assert.match(
        item.when ?? '',
        /^cellLens\.isCellFile( && isWorkspaceTrusted)?$/,
        `${group} ${item.command}: ${item.when}`,
      );
  }
  // No unparenthesised "a || b && c" anywhere (&& binds tighter: the trust check applied to one side only).
  for (const items of Object.values(menus))
    for (const item of items)
      assert.ok(!(/\|\|/.test(item.when ?? '') && /&&/.test(item.when ?? '')), `${item.command}: ${item.when}`);
  assert.equal(host.contexts.get('cellLens.isCellFile'), false);
});

test('first run: a walkthrough whose steps link registered commands and existing media; Open Example Cells opens the ten reference cells', async () => {
  const walk = manifest.contributes.walkthroughs as {
    id: string;
    steps: { id: string; description: string; media: { markdown?: string } }[];
  }[];
  assert.equal(walk.length, 1);
  assert.deepEqual(
    walk[0].steps.map((s) => s.id),
    ['open', 'graph', 'score', 'read', 'study'],
  );
  for (const step of walk[0].steps) {
    const links = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length >= 1, step.id);
    for (const id of links) assert.ok(host.commands.has(id), `${step.id}: ${id} is registered`);
    assert.ok(readFileSync(join(REPO, step.media.markdown!), 'utf8').startsWith('# '), `${step.id} media`);
  }
  const doc = (await host.commands.get('cellLens.openExamples')!()) as TextDocument;
  assert.equal(doc.languageId, 'json');
  assert.equal(host.shown.at(-1), doc);
  const cells = JSON.parse(doc.getText()) as unknown[];
  assert.equal(cells.length, 10);
  // One cell per line: each cell's lenses sit above its own line.
  assert.equal(doc.getText().trim().split('\n').length, 12);
  host.open(doc);
  const lenses = host.codeLensProviders[0].provideCodeLenses(doc);
  assert.ok(new Set(lenses.map((l) => l.range.start.line)).size >= 10, 'lenses on ten different lines');
});

test('walkthrough steps 2–3 after step 1: with the walkthrough focused, Show Cell Graph and Score This Cell act on the untitled example cells', async () => {
  const doc = (await host.commands.get('cellLens.openExamples')!()) as TextDocument;
  assert.equal(doc.uri.scheme, 'untitled', 'the examples open as an untitled document');
  host.open(doc); // shown: the active editor
  assert.ok(api.cache.isCellDocument(doc as never), 'an untitled JSON document holding cells is a cell document');
  assert.equal(host.contexts.get('cellLens.isCellFile'), true, 'its title buttons and menus show');
  // The user clicks the next step on the walkthrough page: no text editor has the focus.
  host.blur();
  const said = host.messages.length;
  await host.commands.get('cellLens.showGraph')!();
  const graph = host.panels.filter((p) => p.viewType === 'cellLens.graph' && !p.disposed);
  assert.equal(graph.length, 1, 'Show Cell Graph opened the graph');
  graph[0].receive({ type: 'ready' });
  const render = graph[0].webview.posted.filter((m) => (m as { type?: string }).type === 'render').at(-1) as
    { uri: string; cells: unknown[] } | undefined;
  assert.equal(render?.uri, doc.uri.toString(), 'of the example cells');
  assert.equal(render?.cells.length, 10);
  // Score This Cell reaches the scoring of the first example (untrusted here, so it says why and runs nothing).
  host.trusted = false;
  try {
    await host.commands.get('cellLens.scoreCell')!();
  } finally {
    host.trusted = true;
  }
  const texts = host.messages.slice(said).map((m) => m.text);
  assert.ok(!texts.some((t) => /open a NAS-Bench-NLP cell file/.test(t)), JSON.stringify(texts));
  assert.ok(
    texts.some((t) => /untrusted workspace/.test(t)),
    `Score This Cell went on to the scoring: ${JSON.stringify(texts)}`,
  );
  // The graph step is ticked by what the command did (a graph drawn), not by the command having run.
  assert.equal(host.contexts.get('cellLens.walkthrough.graphShown'), true);
  assert.equal(host.contexts.get('cellLens.walkthrough.cellScored'), undefined, 'nothing was scored');
});

test('the walkthrough: every command link (step descriptions and media pages) names a contributed command; steps are ticked by registered commands or the context keys the extension sets', () => {
  const { WALKTHROUGH_DONE } = require('../../src/editor/examples') as typeof import('../../src/editor/examples');
  const contributed = new Set((manifest.contributes.commands as { command: string }[]).map((c) => c.command));
  const walk = manifest.contributes.walkthroughs as {
    steps: { id: string; description: string; media: { markdown?: string }; completionEvents?: string[] }[];
  }[];
  const texts = walk[0].steps.flatMap((s) => [
    { where: `${s.id} description`, text: s.description },
    { where: s.media.markdown!, text: readFileSync(join(REPO, s.media.markdown!), 'utf8') },
  ]);
  let links = 0;
  for (const { where, text } of texts)
    for (const m of text.matchAll(/\]\(command:([^)\s?]+)/g)) {
      links++;
      assert.ok(contributed.has(m[1]), `${where}: command:${m[1]} is not a contributed command`);
    }
  assert.ok(links >= 7, `links checked: ${links}`);
  const keys = new Set<string>(Object.values(WALKTHROUGH_DONE));
  for (const s of walk[0].steps)
    for (const e of s.completionEvents ?? []) {
      const [kind, what] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
      if (kind === 'onCommand') assert.ok(contributed.has(what), `${s.id}: ${e}`);
      else assert.ok(kind === 'onContext' && keys.has(what), `${s.id}: ${e} is set by the extension`);
    }
  // No step tells a user of the .vsix to fetch the CLI from the npm registry (it is not published there).
  for (const { where, text } of texts) assert.ok(!/npm (i|install) (-g )?cell-lens/.test(text), where);
});

test("a diverged training log says which run it is and that it diverged; the benchmark lens is the cell's other runs", async () => {
  const log = wikitextLogs().find((l) => l.file.includes('log_stats_model_1009182'))!;
  // Training logs get their own language (no JSON validation of Python's NaN): the manifest maps them, the providers serve it.
  const lang = (manifest.contributes.languages as { id: string; filenamePatterns: string[] }[]).find(
    (l) => l.id === 'nasbench-log',
  )!;
  assert.deepEqual(lang.filenamePatterns, ['log_stats_model_*.json']);
  assert.ok(manifest.activationEvents.includes('onLanguage:nasbench-log'));
  assert.match(log.file, /(^|\/)log_stats_model_[^/]*\.json$/);
  const doc = new TextDocument(Uri.file('/ws/log_stats_model_1009182.json'), 'nasbench-log', 1, log.text);
  host.open(doc);
  await api.benchmark.get();
  const titles = () => host.codeLensProviders[0].provideCodeLenses(doc).map((l) => l.command?.title ?? '');
  const t = titles();
  // Fitted to the line (`this run: diverged`); the tooltip starts with the full title.
  const own = host.codeLensProviders[0].provideCodeLenses(doc).find((l) => /this run/.test(l.command?.title ?? ''));
  assert.match(own?.command?.title ?? '', /^\$\(error\) this run( \(recepie 1009182\))?: diverged/, JSON.stringify(t));
  assert.match(own!.command!.tooltip ?? '', /^this run \(recepie 1009182\): diverged after 1 epoch — loss is nan!/);
  assert.ok(
    t.some((x) => /^\$\(graph-line\) WikiText-2 \(the cell's other runs\): test loss \d\.\d{3}/.test(x)),
    JSON.stringify(t),
  );
  // The hover's benchmark line names the cell's recepie ids and runs (the full record is in the full report).
  const entry = api.benchmark.lookup(api.cache.get(doc as never)!.cells[0].hash)![0].entry;
  const hover = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!.contents.value;
  assert.ok(
    hover.includes(`recepie ids ${entry.recepieIds.join(', ')} · ${entry.runs.length} runs`) &&
      hover.includes(`test loss ${entry.meanTest.toFixed(3)}`),
    hover,
  );
});

test("a trained log of a cell with several runs: its own run and the runs' mean ± sd both fit the lens line", async () => {
  const log = wikitextLogs().find((l) => l.file.includes('log_stats_model_1000000_'))!;
  const doc = new TextDocument(Uri.file('/ws/log_stats_model_1000000.json'), 'nasbench-log', 1, log.text);
  host.open(doc);
  await api.benchmark.get();
  const entry = api.benchmark.lookup(api.cache.get(doc as never)!.cells[0].hash)![0].entry;
  assert.ok(entry.trainedRuns >= 2, `fixture: a cell with several runs (${entry.trainedRuns})`);
  const lenses = host.codeLensProviders[0].provideCodeLenses(doc);
  const t = lenses.map((l) => l.command?.title ?? '');
  const own = t.find((x) => /this run/.test(x));
  assert.match(own ?? '', /^\$\(file\) this run(?: \(recepie 1000000\))?: test loss \d\.\d{3}/, JSON.stringify(t));
  // Beside the log's own run, the benchmark's number says it is the mean of the cell's runs (not "test 5.264").
  const runs = `${entry.trainedRuns} runs: ${entry.meanTest.toFixed(3)} ± ${entry.stdTest.toFixed(3)}`;
  const mean = t.find((x) => x.includes(runs));
  assert.ok(mean, JSON.stringify(t));
  assert.ok(lineWidth([own!, mean]) <= LENS_LINE_BUDGET, JSON.stringify(t));
  // The full titles are one hover away.
  const tip = (title: string) => lenses.find((l) => l.command?.title === title)!.command!.tooltip ?? '';
  assert.match(tip(own!), /^this run \(recepie 1000000\): test loss \d\.\d{3} after \d+ epochs/);
});

test('Show Benchmark Record opens the loss curves of every run of the cell: a static, script-free page', async () => {
  const log = wikitextLogs().find((l) => l.file.includes('log_stats_model_1009182'))!;
  const doc = new TextDocument(Uri.file('/ws/log_stats_model_1009182.json'), 'nasbench-log', 1, log.text);
  host.open(doc);
  await api.benchmark.get();
  await host.commands.get('cellLens.showBenchmarkRecord')!(doc.uri, 0);
  const panel = host.panels.at(-1)!;
  assert.equal(panel.viewType, 'cellLens.lossCurves');
  assert.equal(panel.options.enableScripts, false);
  const html = panel.webview.html;
  assert.match(
    html,
    /Content-Security-Policy" content="default-src 'none'; style-src vscode-webview-resource:; img-src vscode-webview-resource:;"/,
  );
  assert.doesNotMatch(html, /<script/);
  // Two runs of this cell: the diverged one (NaN after 1 epoch: no curve) and one that trained (test, val and train curves).
  assert.match(html, /2 runs of this cell/);
  assert.equal((html.match(/<polyline class="cl-curve /g) ?? []).length, 3);
  assert.equal((html.match(/<polyline class="cl-curve [^"]*cl-train"/g) ?? []).length, 1);
  assert.match(html, /loss is nan!.*\(diverged\)/);
});

test('one parameter count: the LSTM says 20.2M params of the WikiText-2 model, and an activation changed keeps it', async () => {
  const text = readFileSync(join(REPO, 'test/fixtures/workspace/lstm.json'), 'utf8');
  const doc = new TextDocument(Uri.file('/ws/lstm-params.json'), 'json', 1, text);
  host.open(doc);
  await api.benchmark.get();
  // The benchmark lens (after "Score"), shortened to fit the line: its tooltip starts with its full title.
  const first = () => {
    const lens = host.codeLensProviders[0].provideCodeLenses(doc)[1].command!;
    assert.equal(lens.command, 'cellLens.showBenchmarkRecord');
    return { title: lens.title, full: lens.tooltip!.split('\n\n')[0] };
  };
  // 20,230,878: the benchmark's recorded num_params of the LSTM's run (recepie 1000001).
  assert.match(first().title, /^\$\(graph-line\) WikiText-2 test loss /);
  assert.match(first().full, /^WikiText-2 test loss .* · 20\.2M params \(WikiText-2 LM, vocab 33,278\)$/);
  const hover = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!.contents.value;
  assert.match(hover, /^### LSTM\n/, 'the reference cell is named');
  assert.match(hover, /20,230,878 params \(WikiText-2 LM, vocab 33,278\)/);
  // The same node hover's count of one linear node, written as its terms, not as "600,600" alone.
  const line = text.split('\n').findIndex((l) => l.includes('"i":'));
  const node = host.hoverProviders[0].provideHover(doc, new Position(line, 3))!.contents.value;
  assert.match(node, /Parameters in layer 1: 400 × 600 \(`x`\) \+ 600 × 600 \(`h_prev_0`\) \+ 600 \(bias\) = 600,600/);
  // An activation has no parameters: tanh → sigmoid leaves the benchmark, not the count.
  host.change(doc, text.replace('"i_act": {"op": "activation_tanh"', '"i_act": {"op": "activation_sigm"'));
  assert.equal(first().full, 'not in benchmark · 13 nodes · 20.2M params (WikiText-2 LM, vocab 33,278)');
  assert.equal(first().title, '$(circle-slash) not in benchmark · 13 nodes');
  const after = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!.contents.value;
  assert.match(after, /^### recipe\n/);
  assert.match(after, /20,230,878 params \(WikiText-2 LM, vocab 33,278\)/);
});

test("a training log's hover shows the run the file holds: two runs of one recipe, each with its own first epoch", async () => {
  await api.benchmark.get();
  const runs = ['1007257', '1009257'].map((id) => {
    const log = wikitextLogs().find((l) => l.file.includes(`log_stats_model_${id}_`))!;
    const doc = new TextDocument(Uri.file(`/ws/log_stats_model_${id}.json`), 'nasbench-log', 1, log.text);
    host.open(doc);
    const json = JSON.parse(log.text.replace(/\bNaN\b/g, 'null')) as { recepie: string; test_losses: number[] };
    const md = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!.contents.value;
    return { id, json, md };
  });
  assert.equal(runs[0].json.recepie, runs[1].json.recepie, 'precondition: one recipe, two runs');
  for (const [i, r] of runs.entries()) {
    const own = r.json.test_losses;
    assert.match(
      r.md,
      new RegExp(
        `\\*\\*This run\\*\\* \\(recepie ${r.id}\\): test loss over ${own.length} epochs: \`[^\`]+\` ${own[0].toFixed(3)} → `,
      ),
    );
    const other = runs[1 - i].json.test_losses;
    assert.ok(
      !r.md.includes(other[0].toFixed(3)),
      `the other run's curve (${other[0].toFixed(3)}) is not in ${r.id}'s hover`,
    );
  }
});

test('a file of several cells: each diagnostic names its cell; a one-cell file does not', () => {
  const rnn =
    '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}';
  const dead =
    '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "g": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}';
  const many = new TextDocument(Uri.file('/ws/many.json'), 'json', 1, `[${rnn}, ${rnn}, ${dead}]`);
  host.open(many);
  const ds = host.diagnostics.get(many.uri.toString())!;
  assert.equal(ds.length, 1);
  assert.equal(ds[0].code, 'unreachable');
  assert.match(ds[0].message, /^cell 2: /);
  const one = new TextDocument(Uri.file('/ws/one.json'), 'json', 1, dead);
  host.open(one);
  const d1 = host.diagnostics.get(one.uri.toString())!;
  assert.equal(d1.length, 1);
  assert.doesNotMatch(d1[0].message, /^(recipe|cell \d+): /);
});

test.after(() => {
  for (const s of subscriptions) s.dispose();
});
