/**
 * Scoring in the editor, end to end against a recording VS Code host and the real scoring process
 * (dist/worker.js, wasm backend, tiny custom sizes): "Score This Cell" shows progress, then a score CodeLens with
 * numbers, a hover with the chosen scores and a full report with every score's meaning and direction; reports are cached on disk and shown at once in
 * a fresh session; cancelling stops the process's work; a killed process is reported and the next request works;
 * an untrusted workspace runs nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeVscode, TextDocument, Uri, Position } from '../../testkit/fake-vscode';
import { REPO } from '../helpers/data';
import { recordPool } from '../helpers/pool-events';
import { SCORES, SCORE_IDS, type ScoreReport } from '../../src/scoring/types';
import { SIZE_PRESETS, presetOf } from '../../src/scoring/presets';
import { ScoreCache } from '../../src/scoring/cache';

const WORKER = join(REPO, 'dist/worker.js');
const host = installFakeVscode();
const storage = mkdtempSync(join(tmpdir(), 'cell-lens-editor-scoring-'));
host.config['scoring.preset'] = 'custom';
host.config['scoring.customSizes'] = { vocab: 50, embed: 8, hidden: 8, layers: 1, seqLen: 4, batch: 4 };
host.config['scoring.backend'] = 'wasm';
host.config['scoring.timeoutSeconds'] = 120;
const ext = require('../../src/extension') as typeof import('../../src/extension');
const { ScoringService } =
  require('../../src/editor/scoringService') as typeof import('../../src/editor/scoringService');
const subscriptions: { dispose(): void }[] = [];
const context = { subscriptions, extensionPath: REPO, globalStorageUri: { fsPath: storage } };
const api = ext.activate(context as never);
after(() => {
  for (const s of subscriptions) s.dispose();
  rmSync(storage, { recursive: true, force: true });
});

const skip = existsSync(WORKER) ? false : 'dist/worker.js is missing: run `node scripts/build.mjs` (npm test does)';
const lstmText = readFileSync(join(REPO, 'test/fixtures/workspace/lstm.json'), 'utf8');
const doc = new TextDocument(Uri.file('/ws/lstm.json'), 'json', 1, lstmText);
host.open(doc);

const scoreLens = () =>
  host.codeLensProviders[0]
    .provideCodeLenses(doc)
    .find((l) => /cellLens\.(scoreCell|showScores|scoringActions)/.test(l.command?.command ?? ''));
/** The engine's progress messages, in plain words (src/scoring/engine.ts STEP_WORDS), never pass names. */
const PLAIN_STEP = /(gradient and activation scores|Gaussian-input scores|SynFlow score|hidden-state covariance)$/;

const vscodeApi = require('vscode') as {
  window: { showWarningMessage: (text: string, ...items: string[]) => Promise<string | undefined> };
};
/** Answers the next warning notifications with `pick` (the fake host answers none); records their buttons. */
function answerWarnings(pick: string | undefined): { buttons: string[][]; restore(): void } {
  const orig = vscodeApi.window.showWarningMessage;
  const buttons: string[][] = [];
  vscodeApi.window.showWarningMessage = (text, ...items) => {
    host.messages.push({ level: 'warn', text });
    buttons.push(items);
    return Promise.resolve(pick);
  };
  return { buttons, restore: () => (vscodeApi.window.showWarningMessage = orig) };
}
/** 20 distinct cells: a chain of k tanh nodes. */
function chainCells(): Record<string, { op: string; input: string[] }>[] {
  return Array.from({ length: 20 }, (_, k) => {
    const r: Record<string, { op: string; input: string[] }> = { a: { op: 'linear', input: ['x', 'h_prev_0'] } };
    let prev = 'a';
    for (let i = 0; i <= k; i++) {
      r[`t${i}`] = { op: 'activation_tanh', input: [prev] };
      prev = `t${i}`;
    }
    r.h_new_0 = { op: 'elementwise_sum', input: [prev, 'h_prev_0'] };
    return r;
  });
}
const cmd = (id: string, ...args: unknown[]) =>
  host.commands.get(id)!(...args) as Promise<
    { scored: number; cached: number; failed: number; cancelled: boolean } | undefined
  >;

test(
  'Score This Cell: progress, then a CodeLens with numbers, a short hover, and a full report with meaning and direction',
  { skip, timeout: 120_000 },
  async () => {
    assert.equal(scoreLens()!.command!.command, 'cellLens.scoreCell');
    const r = await cmd('cellLens.scoreCell', doc.uri, 0);
    assert.deepEqual(
      { scored: r!.scored, failed: r!.failed, cancelled: r!.cancelled },
      { scored: 1, failed: 0, cancelled: false },
    );
    const prog = host.progress.at(-1)!;
    assert.match(prog.title, /scoring recipe/);
    assert.ok(
      prog.messages.some((m) => PLAIN_STEP.test(m)),
      `progress messages: ${prog.messages.join(' | ')}`,
    );
    assert.ok(
      prog.messages.every((m) => !/\bpass\b|\bgauss\b/.test(m)),
      `plain words, no pass names: ${prog.messages.join(' | ')}`,
    );
    assert.ok(prog.done);
    const lens = scoreLens()!;
    assert.equal(lens.command!.command, 'cellLens.showScores');
    assert.match(host.statusMessages.at(-1) ?? '', /Cell Lens: .* scored/, 'a done message after Score This Cell');
    // The best score on the lens (custom sizes: no reference population, no percentile); every score in its tooltip.
    assert.match(lens.command!.title, /^\$\(beaker\) HiddenCov (-?\d[\d.e-]*|NaN)$/);
    for (const id of SCORE_IDS)
      assert.ok(lens.command!.tooltip!.includes(`${SCORES[id].label}:`), `tooltip lists ${id}`);
    // The hover: the chosen scores and a link to the full report.
    const hover = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!.contents.value;
    assert.match(
      hover,
      /HiddenCov \*\*(-?\d[\d.e-]*|NaN)\*\* · NASWOT \*\*(-?\d[\d.e-]*|NaN)\*\* · TE-NAS κ \*\*(-?\d[\d.e-]*|NaN|∞)\*\* · \d+ more — _custom size, no reference population_/,
    );
    assert.match(hover, /\[Full report\]\(command:cellLens\.showScores\?/);
    // The full report: every score's meaning and direction, the reasons, the settings.
    const uri = (await host.commands.get('cellLens.showScores')!(doc.uri, 0)) as Uri;
    const full = host.contentProviders.get('cell-lens-report')!.provideTextDocumentContent(uri);
    assert.match(full, /\*\*Train-free scores\*\*/);
    assert.match(full, /↑ higher/);
    assert.match(full, /↓ lower/);
    assert.match(full, /No reference population for these settings/);
    // At these tiny sizes the biases dominate the pre-activation signs, so some inputs share activation codes and
    // NASWOT is honestly NaN: then the report must say why.
    if (/^NASWOT: NaN/m.test(lens.command!.tooltip!))
      assert.match(full, /\*\*NASWOT is NaN\*\*: kernel determinant is 0: inputs \d+ and \d+ share an activation code/);
    assert.match(full, /custom size \(vocab 50, embed 8, hidden 8, 1 layer, seq 4, batch 4\) · seed 0 · 1 repeat/);
    const status = host.statusItems.find((s) => /Scoring · /.test(s.text));
    assert.ok(status, `a scoring status item shows the backend: ${host.statusItems.map((s) => s.text).join(' | ')}`);
    assert.match(status.text, /^\$\(beaker\) Scoring · wasm$/);
    // A node's hover lists its per-node quantities (the graph heat-map's values).
    const fLine = lstmText.split('\n').findIndex((l) => l.includes('"f":'));
    const nodeHover = host.hoverProviders[0].provideHover(doc, new Position(fLine, 4))!.contents.value;
    assert.match(nodeHover, /\*\*This node in the scores\*\*/);
    assert.match(nodeHover, /\| GradNorm \| \d[\d.e-]* \| ‖∂L\/∂θ‖ of this node's weights \|/);
    assert.match(nodeHover, /\| #params \| [\d,]+ \|/);
    // The report is on disk in global storage.
    assert.ok(readdirSync(join(storage, 'scores')).some((f) => f.endsWith('.json')));
  },
);

test(
  'a renamed copy shares the report (same canonical hash) but not the per-node values keyed by the old names',
  { skip, timeout: 30_000 },
  () => {
    const renamed = lstmText
      .replace(/"f"/g, '"forget"')
      .replace(/"f_act"/g, '"forget_act"')
      .replace(/\["f"\]/g, '["forget"]');
    const copy = new TextDocument(Uri.file('/ws/renamed.json'), 'json', 1, renamed);
    host.open(copy);
    const a = api.cache.get(copy as never)!;
    assert.equal(a.cells[0].hash, api.cache.get(doc as never)!.cells[0].hash, 'renaming keeps the canonical hash');
    assert.match(
      host.hoverProviders[0].provideHover(copy, new Position(0, 0))!.contents.value,
      /HiddenCov \*\*(-?\d[\d.e-]*|NaN)\*\*/,
    );
    const line = renamed.split('\n').findIndex((l) => l.includes('"forget":'));
    const nodeHover = host.hoverProviders[0].provideHover(copy, new Position(line, 4))!.contents.value;
    assert.doesNotMatch(nodeHover, /This node in the scores/);
    host.open(doc);
  },
);

test(
  'a second request is served from the cache; a fresh session shows cached scores at once',
  { skip, timeout: 60_000 },
  async () => {
    const r = await cmd('cellLens.scoreCell', doc.uri, 0);
    assert.deepEqual({ scored: r!.scored, cached: r!.cached }, { scored: 0, cached: 1 });
    // A new service over the same storage (a reload): warm() loads the report from disk for the lens.
    const log = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, show() {} } as never;
    const fresh = new ScoringService({ workerPath: WORKER, cacheDir: join(storage, 'scores'), log });
    const hash = api.cache.get(doc as never)!.cells[0].hash;
    assert.equal(fresh.peek(hash), undefined);
    await fresh.warm([hash]);
    assert.ok(fresh.peek(hash), 'cached report loaded from disk');
    fresh.dispose();
    // A report that fell out of memory (the LRU holds 500; a 2,000-cell batch evicts early cells) is read back from
    // disk by the lens itself: the first peek misses, schedules the disk read, and onDidChange fires with it loaded.
    const other = new ScoringService({ workerPath: WORKER, cacheDir: join(storage, 'scores'), log });
    const changed = new Promise<void>((resolve) => {
      other.onDidChange(() => resolve());
    });
    assert.equal(other.peek(hash), undefined);
    await changed;
    assert.ok(other.peek(hash), 'the lens finds the report on disk without warm()');
    other.dispose();
  },
);

test(
  'one progress state: at every step of a scoring the status bar shows the percent the lens shows',
  { skip, timeout: 120_000 },
  async () => {
    await cmd('cellLens.clearScoreCache');
    const seen: [string | undefined, string | undefined][] = [];
    const sub = api.scoring.onDidChange(() => {
      const lens = /scoring… (\d+)%/.exec(scoreLens()?.command?.title ?? '')?.[1];
      const bar = host.statusItems.map((s) => /^\$\(sync~spin\) Scoring .* (\d+)%$/.exec(s.text)?.[1]).find(Boolean);
      if (lens !== undefined || bar !== undefined) seen.push([lens, bar]);
    });
    try {
      const r = await cmd('cellLens.scoreCell', doc.uri, 0);
      assert.equal(r!.scored, 1);
    } finally {
      sub.dispose();
    }
    assert.ok(seen.length >= 3, `progress was shown: ${JSON.stringify(seen)}`);
    assert.ok(
      seen.some(([l]) => Number(l) > 0),
      `progress moved: ${JSON.stringify(seen)}`,
    );
    for (const [lens, bar] of seen)
      assert.equal(bar, lens, `the status bar and the lens agree: ${JSON.stringify(seen)}`);
    // The run is over: neither the lens nor the status bar says "scoring…" any more.
    assert.doesNotMatch(scoreLens()?.command?.title ?? '', /scoring…/);
    assert.ok(!host.statusItems.some((s) => s.visible && /sync~spin/.test(s.text)), 'the status bar is idle');
  },
);

test('cancelling from the progress notification stops the work and says so', { skip, timeout: 120_000 }, async () => {
  await cmd('cellLens.clearScoreCache');
  host.config['scoring.customSizes'] = { vocab: 2000, embed: 64, hidden: 96, layers: 3, seqLen: 30, batch: 16 };
  const before = host.progress.length;
  const run = cmd('cellLens.scoreCell', doc.uri, 0);
  // When the process reports progress, cancel.
  await host.when(() => host.progress[before]?.messages.some((m) => PLAIN_STEP.test(m)));
  host.progress[before].cancel();
  const r = await run;
  assert.equal(r!.cancelled, true);
  assert.equal(r!.scored, 0);
  assert.ok(host.messages.some((m) => /scoring cancelled/.test(m.text)));
  assert.equal(scoreLens()!.command!.command, 'cellLens.scoreCell', 'no stale spinner after a cancel');
  host.config['scoring.customSizes'] = { vocab: 50, embed: 8, hidden: 8, layers: 1, seqLen: 4, batch: 4 };
});

test(
  'a scoring process killed from outside is reported, and the next request is served by a new one',
  { skip, timeout: 120_000 },
  async () => {
    // Make sure a worker runs (the cancel above may have left it restarting).
    await cmd('cellLens.clearScoreCache');
    await cmd('cellLens.scoreCell', doc.uri, 0);
    const pid = api.scoring.processStatus?.pid;
    assert.ok(pid, 'a worker is running');
    const n = host.messages.length;
    process.kill(pid, 'SIGKILL');
    const m = await host.when(() => host.messages.slice(n).find((x) => /scoring process was killed/i.test(x.text)));
    assert.equal(m.level, 'warn', `the user is told: ${JSON.stringify(host.messages.slice(n))}`);
    assert.match(host.statusItems.map((s) => s.text).join(' | '), /Scoring · stopped/);
    await cmd('cellLens.clearScoreCache');
    const r = await cmd('cellLens.scoreCell', doc.uri, 0);
    assert.equal(r!.scored, 1);
    assert.notEqual(api.scoring.processStatus?.pid, pid);
  },
);

test(
  'Score All Cells with two processes: every distinct cell scored once, the same values as with one process',
  { skip, timeout: 180_000 },
  async () => {
    const cells = ['tanh', 'sigm', 'leaky_relu'].flatMap((act) => [
      { a: { op: 'linear', input: ['x', 'h_prev_0'] }, h_new_0: { op: `activation_${act}`, input: ['a'] } },
      {
        a: { op: 'linear', input: ['x', 'h_prev_0'] },
        b: { op: `activation_${act}`, input: ['a'] },
        h_new_0: { op: 'elementwise_sum', input: ['b', 'h_prev_0'] },
      },
    ]);
    const text = JSON.stringify(cells, null, 1);
    const many = new TextDocument(Uri.file('/ws/many.json'), 'json', 1, text);
    host.open(many);
    const valuesOf = (r: { reports: Map<string, { results: readonly { id: string; value: number }[] }> }) =>
      [...r.reports.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([h, rep]) => [h, rep.results.map((x) => [x.id, x.value])]);
    host.config['scoring.workers'] = 1;
    await cmd('cellLens.clearScoreCache');
    const one = (await cmd('cellLens.scoreFile', many.uri)) as unknown as {
      scored: number;
      reports: Map<string, never>;
    };
    assert.equal(one.scored, 6);
    await cmd('cellLens.clearScoreCache');
    host.config['scoring.workers'] = 2;
    const pool = recordPool({ onEvent: (l) => api.scoring.onPoolEvent(l) });
    const two = (await cmd('cellLens.scoreFile', many.uri)) as unknown as {
      scored: number;
      reports: Map<string, never>;
    };
    pool.dispose();
    assert.equal(two.scored, 6);
    // What the pool recorded: each distinct cell went whole to one process, once, and both processes took cells.
    const served = pool.ends().filter((e) => !e.error);
    assert.deepEqual(
      served.map((e) => e.hash).sort(),
      [...two.reports.keys()].sort(),
      'every distinct cell scored once',
    );
    assert.ok(
      served.every((e) => e.job === 'cell'),
      'a batch keeps one process per cell',
    );
    assert.equal(new Set(served.map((e) => e.slot)).size, 2, 'a second scoring process ran');
    assert.equal(new Set(served.map((e) => e.pid)).size, 2, 'two processes');
    assert.deepEqual(valuesOf(two as never), valuesOf(one as never));
    delete host.config['scoring.workers'];
  },
);

test(
  'Score This Cell with two processes allowed: the one cell is split over both, with the values of one process',
  { skip, timeout: 180_000 },
  async () => {
    const cell = {
      a: { op: 'linear', input: ['x', 'h_prev_0'] },
      b: { op: 'activation_sigm', input: ['a'] },
      c: { op: 'elementwise_prod', input: ['b', 'h_prev_0'] },
      h_new_0: { op: 'activation_tanh', input: ['c'] },
    };
    const lone = new TextDocument(Uri.file('/ws/lone.json'), 'json', 1, JSON.stringify(cell, null, 1));
    host.open(lone);
    const values = (r: { reports: Map<string, { results: readonly { id: string; values: readonly number[] }[] }> }) =>
      [...r.reports.values()].flatMap((rep) => rep.results.map((x) => [x.id, x.values.map(String)]));
    host.config['scoring.workers'] = 1;
    await cmd('cellLens.clearScoreCache');
    const one = (await cmd('cellLens.scoreFile', lone.uri)) as unknown as {
      scored: number;
      reports: Map<string, never>;
    };
    assert.equal(one.scored, 1);
    await cmd('cellLens.clearScoreCache');
    host.config['scoring.workers'] = 2;
    const pool = recordPool({ onEvent: (l) => api.scoring.onPoolEvent(l) });
    const two = (await cmd('cellLens.scoreFile', lone.uri)) as unknown as {
      scored: number;
      reports: Map<string, never>;
    };
    pool.dispose();
    assert.equal(two.scored, 1);
    // What the pool recorded: the one cell's two halves, each on its own process, both answered.
    const [hash] = two.reports.keys();
    const halves = pool.ends(hash);
    assert.deepEqual(
      halves.map((e) => [e.job, e.error]).sort(),
      [
        ['half 1', undefined],
        ['half 2', undefined],
      ],
      `the cell went to the pool as two halves: ${JSON.stringify(pool.events)}`,
    );
    assert.equal(new Set(halves.map((e) => e.slot)).size, 2, 'a second process worked on the one cell');
    assert.equal(new Set(halves.map((e) => e.pid)).size, 2, 'on two processes');
    assert.deepEqual(values(two as never), values(one as never), 'bit-identical values');
    assert.ok(
      values(two).some(([id]) => id === 'hybrid'),
      'derived scores joined too',
    );
    delete host.config['scoring.workers'];
  },
);

test(
  'a long batch at full size says how long it takes before starting and offers the proxy size',
  { skip, timeout: 60_000 },
  async () => {
    const big = new TextDocument(Uri.file('/ws/big.json'), 'json', 1, JSON.stringify(chainCells()));
    host.open(big);
    const before = {
      preset: host.config['scoring.preset'],
      progress: host.progress.length,
      messages: host.messages.length,
    };
    host.config['scoring.preset'] = 'nas-bench-nlp';
    host.config['scoring.workers'] = 1;
    const answer = answerWarnings(undefined);
    try {
      const r = await cmd('cellLens.scoreFile', big.uri);
      // The notification closed without a button (Escape, "Clear All Notifications"): nothing runs.
      assert.deepEqual({ scored: r!.scored, cancelled: r!.cancelled }, { scored: 0, cancelled: true });
      assert.equal(host.progress.length, before.progress, 'no progress notification: nothing started');
      const ask = host.messages.slice(before.messages).find((m) => m.level === 'warn');
      assert.match(
        ask?.text ?? '',
        /scoring 20 cells at this size takes about 3 min on 1 process\. The proxy size takes about 3 s/,
      );
      assert.deepEqual(answer.buttons, [['Score at This Size', 'Use the Proxy Size', 'Cancel']]);
      // ... and says so: in the status bar and the log.
      assert.match(host.statusMessages.at(-1) ?? '', /Cell Lens: scoring not started \(the estimate was closed\)/);
      assert.ok(host.logs.some((l) => /big\.json: not started \(the estimate was closed\)/.test(l)));
    } finally {
      answer.restore();
      host.config['scoring.preset'] = before.preset;
      delete host.config['scoring.workers'];
    }
  },
);

/** The long batch's document, one cell per line (each cell has its lenses). */
const bigDoc = () => {
  const uri = Uri.file('/ws/big-lines.json');
  let d = host.documents.find((x) => x.uri.path === uri.path);
  if (!d) host.open((d = new TextDocument(uri, 'json', 1, JSON.stringify(chainCells(), null, 1))));
  return d;
};

test(
  '"Use the Proxy Size" scores that run at the proxy size, leaves the setting alone, and the results show labelled',
  { skip, timeout: 120_000 },
  async () => {
    await cmd('cellLens.clearScoreCache');
    const before = { preset: host.config['scoring.preset'], progress: host.progress.length };
    host.config['scoring.preset'] = 'nas-bench-nlp';
    host.config['scoring.scores'] = ['params']; // the estimate is the full one; the run itself is quick
    host.config['scoring.workers'] = 1;
    const answer = answerWarnings('Use the Proxy Size');
    try {
      const r = (await cmd('cellLens.scoreFile', bigDoc().uri)) as unknown as {
        scored: number;
        cancelled: boolean;
        reports: Map<string, ScoreReport>;
      };
      assert.deepEqual({ scored: r.scored, cancelled: r.cancelled }, { scored: 20, cancelled: false });
      assert.ok(
        [...r.reports.values()].every((x) => presetOf(x.settings) === 'proxy'),
        'every cell was scored at the proxy size',
      );
      assert.equal(host.config['scoring.preset'], 'nas-bench-nlp', "the user's setting is untouched");
      assert.ok(!host.statusMessages.some((m) => /set cellLens\.scoring\.preset/.test(m)), 'no settings write');
      assert.match(host.progress[before.progress].title, /at the proxy size$/);
      // The results are visible at the (unchanged) full-size setting, labelled proxy, with the action to score there.
      const lenses = host.codeLensProviders[0].provideCodeLenses(bigDoc());
      const shown = lenses.filter((l) => l.command?.command === 'cellLens.showScores');
      const scores = shown.filter((l) => l.command!.title.startsWith('$(beaker)'));
      assert.equal(scores.length, 20, `score lenses: ${lenses.map((l) => l.command?.title).join(' | ')}`);
      // Fitted to the line's width: the short label, the full one in the tooltip.
      for (const l of scores) assert.match(l.command!.title, /( · proxy, not the current full size| \(proxy\))$/);
      for (const l of scores) assert.match(l.command!.tooltip!, /proxy, not the current full size/);
      for (const l of shown.filter((x) => x.command!.title.startsWith('$(target)')))
        assert.match(l.command!.title, /^\$\(target\) predicted (test loss )?\d\.\d\d.* \(proxy\)$/);
      assert.ok(lenses.some((l) => l.command?.title === '$(beaker) score at full size'));
    } finally {
      answer.restore();
      host.config['scoring.preset'] = before.preset;
      delete host.config['scoring.scores'];
      delete host.config['scoring.workers'];
    }
  },
);

test(
  'Cancel on the estimate: nothing runs, and the status bar and the log say it was not started',
  {
    skip,
    timeout: 60_000,
  },
  async () => {
    await cmd('cellLens.clearScoreCache');
    const before = { preset: host.config['scoring.preset'], progress: host.progress.length };
    host.config['scoring.preset'] = 'nas-bench-nlp';
    host.config['scoring.workers'] = 1;
    const answer = answerWarnings('Cancel');
    try {
      const r = await cmd('cellLens.scoreFile', bigDoc().uri);
      assert.deepEqual({ scored: r!.scored, cancelled: r!.cancelled }, { scored: 0, cancelled: true });
      assert.equal(host.progress.length, before.progress, 'nothing started');
      assert.match(host.statusMessages.at(-1) ?? '', /Cell Lens: scoring not started \(cancelled\)/);
    } finally {
      answer.restore();
      host.config['scoring.preset'] = before.preset;
      delete host.config['scoring.workers'];
    }
  },
);

test(
  'a cell scored at another size (by a search, in the same cache folder) keeps its scores, labelled, on every surface',
  { skip, timeout: 30_000 },
  async () => {
    await cmd('cellLens.clearScoreCache');
    const preset = host.config['scoring.preset'];
    host.config['scoring.preset'] = 'nas-bench-nlp';
    try {
      const hash = api.cache.get(doc as never)!.cells[0].hash;
      const settings = { ...api.scoring.settings(), ...SIZE_PRESETS.proxy, scores: ['params' as const] };
      // What the search does: its own cache over the extension's folder, at the proxy size.
      await new ScoreCache({ dir: join(storage, 'scores') }).put({
        hash,
        settings,
        backend: 'wasm',
        totalMs: 1,
        results: [{ id: 'params', value: 870, std: 0, values: [870], seed: 0, repeats: 1, wallMs: 1, backend: 'wasm' }],
      });
      // (the event that counts is the one after which the report is in memory: an earlier change, e.g. of the
      // cleared cache, may fire first on a busy machine)
      const loaded = new Promise<void>((resolve) => {
        const sub = api.scoring.onDidChangeReports(() => {
          if (!api.scoring.peek(hash)) return;
          sub.dispose();
          resolve();
        });
      });
      assert.equal(scoreLens()!.command!.command, 'cellLens.scoreCell', 'not in memory yet: the disk is read');
      await loaded;
      const lenses = host.codeLensProviders[0].provideCodeLenses(doc);
      // The score lens (the predicted loss, also "Show Scores", comes first in a cell's line: src/report/lens.ts).
      const score = lenses.find(
        (l) => l.command?.command === 'cellLens.showScores' && l.command.title.startsWith('$(beaker)'),
      )!;
      // (a search scores the user's set of scores; this report has one of them: "other scores")
      // Fitted to the line: the short label beside the predicted loss; the full title first in its tooltip.
      assert.match(score.command!.title, /^\$\(beaker\) #params \d+th pct \(proxy\)$/);
      assert.match(
        score.command!.tooltip!,
        /^#params 870 \(\d+th pct\) · proxy, other scores, not the current full size\n\nScored at proxy size .*; not at the current settings \(NAS-Bench-NLP size/,
      );
      const action = lenses.find((l) => l.command?.command === 'cellLens.scoreCell')!;
      assert.equal(action.command!.title, '$(beaker) score at full size');
      const hover = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!.contents.value;
      assert.match(hover, /\*\*Train-free scores · proxy, other scores, not the current full size\*\*/);
      // Show Scores shows them and offers to score at the current size.
      const n = host.messages.length;
      await cmd('cellLens.showScores', doc.uri, 0);
      assert.ok(
        host.messages
          .slice(n)
          .some((m) => /scores shown for .* are at proxy, other scores, not the current full size/.test(m.text)),
        JSON.stringify(host.messages.slice(n)),
      );
      assert.equal(api.scoring.peek(hash)?.current, false);
    } finally {
      host.config['scoring.preset'] = preset;
    }
  },
);

test(
  'scoring for a search or study: the status bar says what runs, in the caller’s words',
  {
    skip,
    timeout: 60_000,
  },
  async () => {
    const seen: string[] = [];
    const sub = api.scoring.onDidChange(() => {
      for (const s of host.statusItems) if (s.visible && /sync~spin/.test(s.text)) seen.push(s.text);
    });
    try {
      const recipe = api.cache.get(doc as never)!.cells[0].recipe;
      await api.scoring.scoreQuiet(recipe, api.scoring.settings(), undefined, 'Search: cell 1 of 3');
    } finally {
      sub.dispose();
    }
    assert.deepEqual([...new Set(seen)], ['$(sync~spin) Search: cell 1 of 3']);
  },
);

test(
  'an untrusted workspace runs no scorer: the command explains, the lens offers nothing to run',
  { skip, timeout: 30_000 },
  async () => {
    await cmd('cellLens.clearScoreCache');
    host.trusted = false;
    try {
      const n = host.messages.length;
      const pid = api.scoring.processStatus?.pid;
      const r = await cmd('cellLens.scoreCell', doc.uri, 0);
      assert.equal(r!.scored, 0);
      assert.ok(host.messages.slice(n).some((m) => m.level === 'warn' && /untrusted workspace/.test(m.text)));
      assert.equal(scoreLens(), undefined);
      const hover = host.hoverProviders[0].provideHover(doc, new Position(0, 0))!.contents.value;
      assert.match(hover, /disabled in an untrusted workspace/);
      assert.equal(api.scoring.processStatus?.pid, pid, 'no new process was started');
    } finally {
      host.trusted = true;
    }
  },
);

test(
  'the walkthrough: Score This Cell with the walkthrough page focused scores the first example cell its first step opened (untitled), and ticks the step',
  { skip, timeout: 120_000 },
  async () => {
    const examples = (await host.commands.get('cellLens.openExamples')!()) as TextDocument;
    assert.equal(examples.uri.scheme, 'untitled');
    host.open(examples); // shown: the active editor
    host.blur(); // the user clicks the next step on the walkthrough page
    const n = host.messages.length;
    const r = await cmd('cellLens.scoreCell');
    const texts = host.messages.slice(n).map((m) => m.text);
    assert.ok(!texts.some((t) => /open a NAS-Bench-NLP cell file/.test(t)), JSON.stringify(texts));
    assert.deepEqual(
      { done: r!.scored + r!.cached, failed: r!.failed, cancelled: r!.cancelled },
      { done: 1, failed: 0, cancelled: false },
    );
    const first = api.cache.get(examples as never)!.cells[0];
    assert.ok(api.scoring.peek(first.hash), 'the first example cell has its scores');
    assert.equal(host.contexts.get('cellLens.walkthrough.cellScored'), true);
  },
);
