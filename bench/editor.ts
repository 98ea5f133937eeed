/**
 * Editor-side benchmark: extension activation (bundle load + activate() against the recording host),
 * parse + validate + canonical hash of a 25-node cell, CodeLens provision for a cell file.
 * Median of N runs. Run: `npx tsx bench/editor.ts [N]` (after `npm run build`); writes bench/results/editor.json.
 * Targets (README): activation ≤ 50 ms, CodeLens ≤ 20 ms.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { installFakeVscode, TextDocument, Uri } from '../testkit/fake-vscode';
import { parseDocument } from '../src/recipe/parse';
import { toRecipe } from '../src/recipe/model';
import { canonicalHash } from '../src/recipe/canonical';
import { loadPredictor, predictLoss } from '../src/study/predictor';
import { cellsFromIndex } from '../src/study/runner';
import { loadPrebuiltIndex } from '../src/benchmark/compact';

const root = join(__dirname, '..');
const N = Math.max(3, Number(process.argv[2] ?? 30) || 30);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A 25-node cell in the NAS-Bench-NLP style: 8 linear/activation pairs, elementwise mixing, blends, 3 states. */
function cell25(): string {
  const r: Record<string, { op: string; input: string[] }> = {};
  const acts = ['activation_tanh', 'activation_sigm', 'activation_leaky_relu'];
  for (let i = 0; i < 8; i++) {
    r[`l${i}`] = { op: 'linear', input: i % 2 ? ['x', `h_prev_${i % 3}`] : ['x', 'h_prev_0', `h_prev_${(i + 1) % 3}`] };
    r[`a${i}`] = { op: acts[i % 3], input: [`l${i}`] };
  }
  r.m0 = { op: 'elementwise_prod', input: ['a0', 'a1'] };
  r.m1 = { op: 'elementwise_sum', input: ['a2', 'a3'] };
  r.s = { op: 'activation_sigm', input: ['m1'] };
  r.b0 = { op: 'blend', input: ['a4', 'm0', 's'] };
  r.m2 = { op: 'elementwise_prod', input: ['a5', 'b0'] };
  r.h_new_1 = { op: 'elementwise_sum', input: ['m2', 'a6'] };
  r.t = { op: 'activation_tanh', input: ['h_new_1'] };
  r.h_new_2 = { op: 'blend', input: ['a7', 't', 'h_prev_2'] };
  r.h_new_0 = { op: 'elementwise_prod', input: ['t', 'a7'] };
  return JSON.stringify(r, null, 2);
}

async function main() {
  // Activation: require the built bundle (what VS Code loads) and call activate().
  const host = installFakeVscode();
  const bundle = join(root, 'dist', 'extension.js');
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle built from src/extension.ts
  const ext = require(bundle) as typeof import('../src/extension');
  const loadMs = performance.now() - t0;
  const subs: { dispose(): void }[] = [];
  const api = ext.activate({ subscriptions: subs } as never);
  const firstActivation = { bundleLoadMs: loadMs, activateMs: api.activationMs, totalMs: loadMs + api.activationMs };
  for (const s of subs) s.dispose();

  const text = cell25();
  const nodes = Object.keys(JSON.parse(text) as object).length;
  const parse: number[] = [];
  const hash: number[] = [];
  for (let i = 0; i < N; i++) {
    const a = performance.now();
    const doc = parseDocument(text);
    const b = performance.now();
    canonicalHash(toRecipe(doc.cells[0]));
    hash.push(performance.now() - b);
    parse.push(b - a);
  }

  // CodeLens provision on the 10 example cells, index loaded.
  const subs2: { dispose(): void }[] = [];
  const api2 = ext.activate({ subscriptions: subs2 } as never);
  await api2.benchmark.get();
  const doc = new TextDocument(
    Uri.file('/ws/examples.json'),
    'json',
    1,
    readFileSync(join(root, '..', 'shared', 'nas-bench-nlp', 'recepies_example.json'), 'utf8'),
  );
  host.open(doc);
  const provider = host.codeLensProviders[host.codeLensProviders.length - 1];
  const lens: number[] = [];
  for (let i = 0; i < N; i++) {
    doc.setText(doc.getText()); // new version: nothing cached, like a keystroke
    const a = performance.now();
    provider.provideCodeLenses(doc);
    lens.push(performance.now() - a);
  }
  for (const s of subs2) s.dispose();

  // The predicted-loss lens: one prediction (structure features, no scores) per trained WikiText-2 cell.
  const model = loadPredictor(JSON.parse(readFileSync(join(root, 'data', 'predictor-proxy.json'), 'utf8')));
  const { cells } = cellsFromIndex(loadPrebuiltIndex());
  const pred: number[] = [];
  for (let i = 0; i < 3; i++) {
    const a = performance.now();
    for (const c of cells) predictLoss(model, { recipe: c.recipe, scores: {} });
    pred.push((performance.now() - a) / cells.length);
  }

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    repetitions: N,
    activation: { ...firstActivation, targetMs: 50 },
    parseValidate25: { nodes, medianMs: median(parse), minMs: Math.min(...parse) },
    canonicalHash25: { medianMs: median(hash), minMs: Math.min(...hash) },
    predictionPerCell: {
      medianMs: median(pred),
      cells: cells.length,
      note: 'data/predictor-proxy.json on structure features, per cell',
    },
    codeLens10Cells: {
      medianMs: median(lens),
      minMs: Math.min(...lens),
      targetMs: 20,
      note: 'parse + validate + hash + lookup of the 10 example cells (a fresh document version each time)',
    },
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'editor.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}
void main();
