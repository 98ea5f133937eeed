/**
 * Bench: time to parse + model + layout + render a 25-node cell in the webview, measured inside a headless
 * Chromium page (the whole pipeline bundled for the browser), median over runs. Target: ≤ 200 ms.
 * Also times model + layout alone in Node (where the extension host runs it), and measures edge routing:
 * how many edge segments run through the box of a node that is not one of the edge's ends, with dagre's own
 * polylines (drawn as a B-spline, as before) and with the routing through the gaps between node rows (drawn as
 * a monotone curve), on the 10 example cells, the largest WikiText-2 cells and 26-/28-node generated cells.
 * Writes bench/results/graph.json.   Run: npx tsx bench/graph.ts [runs]   (routing only: --routing)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { parseDocument } from '../src/recipe/parse';
import { buildGraphModel, type GraphModel } from '../src/graph/model';
import { cellGraph, edgeNodeCrossings, layoutGraph, type GraphLayout } from '../src/graph/layout';
import { isMonotoneY, type Point } from '../src/graph/geometry';
import { line, curveBasis, curveMonotoneY } from 'd3-shape';
import { exampleText, wikitextRecipes } from '../testkit/graph-cells';
import { buildWebview, chromiumMissing, CHROMIUM, launch, openPage, ROOT } from '../testkit/graph-browser';

const RUNS = Math.max(3, Number(process.argv[2] ?? 31) || 31);
const TARGET_MS = 200;

/** A valid 25-node cell using every op, two hidden states, fan-in and fan-out (deterministic). */
export function cell25(variant = 0): string {
  const r: Record<string, { op: string; input: string[] }> = {};
  const names: string[] = [];
  const add = (name: string, op: string, input: string[]) => {
    r[name] = { op, input };
    names.push(name);
  };
  add('l0', 'linear', ['x', 'h_prev_0']);
  add('l1', 'linear', ['x', 'h_prev_1']);
  add('l2', 'linear', ['x', 'h_prev_0', 'h_prev_1']);
  add('a0', 'activation_sigm', ['l0']);
  add('a1', 'activation_tanh', ['l1']);
  add('a2', 'activation_leaky_relu', ['l2']);
  const ops = ['elementwise_prod', 'elementwise_sum', 'linear', 'activation_tanh', 'blend', 'activation_sigm'];
  let k = 0;
  while (names.length < 23) {
    const op = ops[(k + variant) % ops.length];
    const n = names.length;
    const pick = (d: number) => names[(n * 7 + d * 5 + variant) % n];
    const arity = op === 'blend' ? 3 : op.startsWith('activation') ? 1 : 2;
    const inputs = [names[n - 1], pick(1), pick(2)].slice(0, arity);
    add(`n${k++}`, op, inputs);
  }
  add('h_new_1', 'elementwise_sum', [names[names.length - 1], names[names.length - 3]]);
  add('h_new_0', 'blend', ['a0', 'h_new_1', names[names.length - 2]]);
  return JSON.stringify(r);
}

/** The 26-node chain of the webview tests (linear / activation pairs with a skip sum): the tallest generated cell. */
export function chain26(): string {
  const cell: Record<string, { op: string; input: string[] }> = {};
  let prev = 'x';
  for (let i = 0; i < 12; i++) {
    cell[`lin${i}`] = { op: 'linear', input: [prev, 'h_prev_0'] };
    cell[`act${i}`] = { op: i % 2 ? 'activation_sigm' : 'activation_tanh', input: [`lin${i}`] };
    prev = `act${i}`;
  }
  cell.sum = { op: 'elementwise_sum', input: [prev, 'act0'] };
  cell.h_new_0 = { op: 'activation_tanh', input: ['sum'] };
  return JSON.stringify(cell);
}

/** Points along the curve d3 draws through `pts` (cubic Béziers sampled), in layout coordinates. */
function sampleCurve(pts: readonly Point[], monotone: boolean): Point[] {
  const out: Point[] = [];
  let cx = 0,
    cy = 0;
  const ctx = {
    moveTo(x: number, y: number) {
      cx = x;
      cy = y;
      out.push({ x, y });
    },
    lineTo(x: number, y: number) {
      for (let i = 1; i <= 16; i++) out.push({ x: cx + ((x - cx) * i) / 16, y: cy + ((y - cy) * i) / 16 });
      cx = x;
      cy = y;
    },
    bezierCurveTo(x1: number, y1: number, x2: number, y2: number, x: number, y: number) {
      for (let i = 1; i <= 24; i++) {
        const t = i / 24,
          u = 1 - t;
        out.push({
          x: u * u * u * cx + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x,
          y: u * u * u * cy + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y,
        });
      }
      cx = x;
      cy = y;
    },
    closePath() {
      /* open paths only */
    },
  };
  line<Point>()
    .x((p) => p.x)
    .y((p) => p.y)
    .curve(monotone ? curveMonotoneY : curveBasis)
    .context(ctx as unknown as CanvasRenderingContext2D)(pts as Point[]);
  return out;
}

/** (edge, node) pairs where the drawn curve of the edge enters the box of a node other than its ends (1 px inset). */
function drawnCrossings(model: GraphModel, layout: GraphLayout, routing: 'dagre' | 'gaps'): number {
  let n = 0;
  for (const e of model.edges) {
    if (e.source === e.target) continue;
    const pts = layout.edges[e.id] ?? [];
    const samples = sampleCurve(pts, routing === 'gaps' && isMonotoneY(pts));
    for (const v of model.nodes) {
      if (v.id === e.source || v.id === e.target) continue;
      const c = layout.nodes[v.id];
      const hw = v.width / 2 - 1,
        hh = v.height / 2 - 1;
      if (samples.some((p) => Math.abs(p.x - c.x) < hw && Math.abs(p.y - c.y) < hh)) n++;
    }
  }
  return n;
}

/** Edge/node-box crossings before (dagre's polylines, B-spline) and after (routing through the row gaps). */
export function routingMetrics(): Record<string, unknown> {
  const sets: { name: string; texts: { name: string; text: string }[] }[] = [];
  const ex = parseDocument(exampleText()).cells;
  sets.push({
    name: 'examples (10 cells of recepies_example.json)',
    texts: ex.map((c) => ({ name: c.label, text: exampleText().slice(c.span.start, c.span.end) })),
  });
  const wt = wikitextRecipes();
  const sized = wt.map((w) => ({
    name: w.file,
    text: w.text,
    nodes: buildGraphModel(parseDocument(w.text).cells[0]).nodes.length,
  }));
  const maxNodes = Math.max(...sized.map((w) => w.nodes));
  sets.push({
    name: `WikiText-2, largest cells (${maxNodes - 3}–${maxNodes} graph nodes)`,
    texts: sized.filter((w) => w.nodes >= maxNodes - 3),
  });
  sets.push({
    name: 'generated: the 26-node chain and two 25-node cells (28 graph nodes with their inputs)',
    texts: [
      { name: 'chain26', text: chain26() },
      { name: 'cell25(0)', text: cell25(0) },
      { name: 'cell25(1)', text: cell25(1) },
    ],
  });
  sets.push({ name: `WikiText-2, all ${wt.length} cells`, texts: sized });
  const out: Record<string, unknown>[] = [];
  for (const set of sets) {
    const tot = {
      cells: 0,
      graphNodes: [] as number[],
      edges: 0,
      before: { segments: 0, drawn: 0, cellsWithCrossings: 0 },
      after: { segments: 0, drawn: 0, cellsWithCrossings: 0 },
    };
    for (const t of set.texts) {
      const cell = parseDocument(t.text).cells[0];
      if (!cell) continue;
      const model = buildGraphModel(cell);
      tot.cells++;
      tot.graphNodes.push(model.nodes.length);
      tot.edges += model.edges.length;
      for (const [key, routing] of [
        ['before', 'dagre'],
        ['after', 'gaps'],
      ] as const) {
        const layout = layoutGraph(model, { routing });
        const seg = edgeNodeCrossings(model, layout).length;
        const drawn = drawnCrossings(model, layout, routing);
        tot[key].segments += seg;
        tot[key].drawn += drawn;
        if (seg + drawn > 0) tot[key].cellsWithCrossings++;
      }
    }
    out.push({
      set: set.name,
      cells: tot.cells,
      graphNodes: `${Math.min(...tot.graphNodes)}–${Math.max(...tot.graphNodes)}`,
      edges: tot.edges,
      before: tot.before,
      after: tot.after,
    });
  }
  return {
    what: 'edge segments (polyline) and drawn edges (sampled curve, per edge and node) that enter the box of a node other than the edge’s own ends; before = dagre’s polylines drawn as a B-spline, after = routed through the gaps between node rows, drawn as a monotone curve',
    sets: out,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const resultFile = join(ROOT, 'bench/results/graph.json');
  if (process.argv.includes('--routing')) {
    // Only the routing measure (no browser): merged into the last full result.
    const prev = existsSync(resultFile)
      ? (JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>)
      : {};
    const res = { ...prev, routing: { date: new Date().toISOString(), ...routingMetrics() } };
    writeFileSync(resultFile, JSON.stringify(res, null, 2) + '\n');
    console.log(JSON.stringify(res.routing, null, 2));
    return;
  }
  const texts = [cell25(0), cell25(1)];
  const nodes = Object.keys(JSON.parse(texts[0]) as object).length;
  if (nodes !== 25) throw new Error(`bench cell has ${nodes} nodes`);

  // Node: model + layout (what the extension host does per edit).
  const nodeMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const cell = parseDocument(texts[i % 2]).cells[0];
    cellGraph(cell);
    nodeMs.push(performance.now() - t0);
  }

  const missing = chromiumMissing();
  let page: Record<string, unknown> = { skipped: missing };
  if (!missing) {
    await buildWebview();
    // The whole pipeline for the page: parse + model + layout + protocol message, bundled for the browser.
    const out = join(ROOT, 'dist/bench-graph.js');
    await esbuild.build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      logLevel: 'warning',
      outfile: out,
      stdin: {
        resolveDir: ROOT,
        loader: 'ts',
        contents: `
          import { parseDocument } from './src/recipe/parse';
          import { cellView } from './src/graph/views';
          import { PROTOCOL_VERSION } from './src/graph/protocol';
          (window as any).benchPipeline = (text: string, i: number) => {
            const cells = parseDocument(text).cells.map((c) => cellView(c));
            (window as any).cellLensGraph.render({ type: 'render', version: PROTOCOL_VERSION, uri: 'file:///bench/' + i + '.json', title: 'bench', cells, stale: false });
            return cells[0].model.nodes.length;
          };
          (window as any).benchRun = async (texts: string[], runs: number) => {
            const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
            const sync: number[] = [], painted: number[] = [];
            let drawn = 0;
            for (let i = 0; i < runs + 3; i++) {
              await frame();
              const t0 = performance.now();
              (window as any).benchPipeline(texts[i % 2], i);
              drawn = document.querySelectorAll('.cl-nodes > .cl-node').length;
              document.querySelector('.cl-graph')!.getBoundingClientRect(); // force style + layout
              const t1 = performance.now();
              await frame();
              const t2 = performance.now();
              if (i >= 3) { sync.push(t1 - t0); painted.push(t2 - t0); } // 3 warm-up runs
            }
            return { sync, painted, drawn };
          };`,
      },
    });
    const browser = await launch();
    try {
      const p = await openPage(browser, 'dark');
      await p.addScriptTag({ path: out });
      // The loop lives in the page bundle (functions defined in an evaluate callback would be rewritten by tsx).
      const result = await p.evaluate(
        ({ texts, runs }) =>
          (
            window as unknown as {
              benchRun: (t: string[], r: number) => Promise<{ sync: number[]; painted: number[]; drawn: number }>;
            }
          ).benchRun(texts, runs),
        { texts, runs: RUNS },
      );
      page = {
        runs: RUNS,
        drawnNodeElements: result.drawn,
        medianMs: +median(result.sync).toFixed(2),
        p90Ms: +quantile(result.sync, 0.9).toFixed(2),
        medianToNextFrameMs: +median(result.painted).toFixed(2),
        note: 'sync = parse + model + dagre layout + SVG build + forced style/layout; toNextFrame adds waiting for the next animation frame (paint)',
      };
    } finally {
      await browser.close();
    }
  }
  let chromiumVersion: string | undefined;
  try {
    chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* absent */
  }
  const res = {
    bench: 'graph: parse + model + layout + render of a 25-node cell',
    date: new Date().toISOString(),
    cellNodes: nodes,
    targetMs: TARGET_MS,
    chromium: chromiumVersion,
    node: {
      runs: RUNS,
      medianMs: +median(nodeMs.slice(3)).toFixed(2),
      p90Ms: +quantile(nodeMs.slice(3), 0.9).toFixed(2),
      what: 'parse + model + dagre layout in Node (extension host)',
    },
    page,
    withinTarget: typeof page.medianToNextFrameMs === 'number' ? page.medianToNextFrameMs <= TARGET_MS : undefined,
    routing: { date: new Date().toISOString(), ...routingMetrics() },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(resultFile, JSON.stringify(res, null, 2) + '\n');
  console.log(JSON.stringify(res, null, 2));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
