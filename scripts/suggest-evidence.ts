/**
 * The evidence behind Suggest Edits (docs/suggest.md): how often the predictor orders two benchmark cells correctly,
 * as a function of the predicted gap |Δ| between them, with OUT-OF-FOLD predictions (the bundled predictor's own
 * cross-validation procedure: src/study/predictor/cv.ts, same options as the shipped model, so each cell is predicted
 * by a model that never saw it). Also: how many pairs of benchmark cells are single edits of each other
 * (src/search/suggest.ts), i.e. what the benchmark can say about single edits directly.
 *
 *   node scripts/build.mjs && node dist/cli.js study --preset proxy --out /tmp/sg-study --cache /tmp/sg-cache
 *   npx tsx scripts/suggest-evidence.ts --results /tmp/sg-study/results.json [--out docs/suggest-evidence.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalHash } from '../src/recipe/canonical';
import { singleEdits } from '../src/search/suggest';
import { decodeJson } from '../src/scoring/cache';
import { PREDICTORS } from '../src/study/predictions';
import { crossValidate } from '../src/study/predictor/cv';
import { rowsFromResults } from '../src/study/predictor/rows';

/** Bin edges of the predicted gap |Δ| (nats). */
const EDGES = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, Infinity];

/** Wilson 95 % interval of a proportion (pairs share cells, so it is optimistic: a floor on the uncertainty). */
function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [NaN, NaN];
  const z = 1.96,
    p = k / n;
  const d = 1 + (z * z) / n;
  const c = p + (z * z) / (2 * n);
  const h = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [(c - h) / d, (c + h) / d];
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

function main(): void {
  const argv = process.argv.slice(2);
  const arg = (k: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = arg('results');
  if (!file) throw new Error('usage: npx tsx scripts/suggest-evidence.ts --results STUDY/results.json [--out FILE]');
  const out = arg('out') ?? join(__dirname, '..', 'docs', 'suggest-evidence.json');
  const doc = decodeJson(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const { rows, dropped } = rowsFromResults(doc);
  const shipped = PREDICTORS.proxy!.cv!;
  const cv = crossValidate(rows, {
    seed: shipped.seed,
    folds: shipped.folds,
    innerFolds: shipped.innerFolds,
    model: shipped.model,
    scoreIds: shipped.scoreIds,
    bootstrapSamples: 200,
  });
  console.log(
    `${rows.length} cells (${dropped} left out); out-of-fold τ ${cv.predictor.tau.estimate} (shipped model's CV: ${shipped.predictor.tau.estimate})`,
  );
  const pts = cv.rows.filter((r) => Number.isFinite(r.predicted) && Number.isFinite(r.loss));
  type Bin = { lo: number; hi: number; pairs: number; correct: number; sameFold: number; sameFoldCorrect: number };
  const bins: Bin[] = EDGES.slice(0, -1).map((lo, i) => ({
    lo,
    hi: EDGES[i + 1],
    pairs: 0,
    correct: 0,
    sameFold: 0,
    sameFoldCorrect: 0,
  }));
  let ties = 0;
  for (let i = 0; i < pts.length; i++)
    for (let j = i + 1; j < pts.length; j++) {
      const a = pts[i],
        b = pts[j];
      const dl = a.loss - b.loss,
        dp = a.predicted - b.predicted;
      if (dl === 0 || dp === 0) {
        ties++;
        continue;
      }
      const gap = Math.abs(dp);
      const bin = bins.find((x) => gap >= x.lo && gap < x.hi)!;
      const ok = Math.sign(dl) === Math.sign(dp);
      bin.pairs++;
      if (ok) bin.correct++;
      if (a.fold === b.fold) {
        bin.sameFold++;
        if (ok) bin.sameFoldCorrect++;
      }
    }
  const table = bins.map((b) => ({
    gap: `${b.lo}–${Number.isFinite(b.hi) ? b.hi : '∞'}`,
    pairs: b.pairs,
    correct: r4(b.correct / b.pairs),
    ci95: wilson(b.correct, b.pairs).map(r4),
    sameFoldPairs: b.sameFold,
    sameFoldCorrect: r4(b.sameFoldCorrect / b.sameFold),
  }));
  console.table(table);
  // Which benchmark cells are single edits of each other (the enumeration of every cell's edits).
  const hashes = new Map(rows.map((r, i) => [canonicalHash(r.recipe), i]));
  const singleEditPairs: { a: string; b: string; lossA: number; lossB: number; predA: number; predB: number }[] = [];
  const predOf = new Map(cv.rows.map((r) => [r.hash, r.predicted]));
  const t0 = Date.now();
  for (const r of rows) {
    const h = canonicalHash(r.recipe);
    for (const e of singleEdits(r.recipe, { max: Infinity }).edits) {
      const j = hashes.get(e.hash);
      if (j === undefined || e.hash <= h) continue; // each unordered pair once
      const o = rows[j];
      singleEditPairs.push({
        a: r.label ?? h,
        b: o.label ?? e.hash,
        lossA: r.testLoss,
        lossB: o.testLoss,
        predA: predOf.get(h)!,
        predB: predOf.get(e.hash)!,
      });
    }
  }
  console.log(
    `${singleEditPairs.length} pairs of benchmark cells are single edits of each other (${Date.now() - t0} ms)`,
  );
  // The same question on those pairs alone (coarser bins: few pairs).
  const COARSE = [0, 0.05, 0.2, Infinity];
  const singleEditTable = COARSE.slice(0, -1).map((lo, i) => {
    const hi = COARSE[i + 1];
    const ps = singleEditPairs.filter((p) => {
      const g = Math.abs(p.predA - p.predB);
      return g >= lo && g < hi && p.lossA !== p.lossB && p.predA !== p.predB;
    });
    const ok = ps.filter((p) => Math.sign(p.lossA - p.lossB) === Math.sign(p.predA - p.predB)).length;
    return {
      gap: `${lo}–${Number.isFinite(hi) ? hi : '∞'}`,
      pairs: ps.length,
      correct: r4(ok / ps.length),
      ci95: wilson(ok, ps.length).map(r4),
    };
  });
  console.table(singleEditTable);
  const gaps = singleEditPairs.map((p) => Math.abs(p.lossA - p.lossB)).sort((a, b) => a - b);
  const medianTrueGap = r4(gaps[Math.floor(gaps.length / 2)] ?? NaN);
  console.log(`median true |Δ loss| of those pairs: ${medianTrueGap}`);
  writeFileSync(
    out,
    JSON.stringify(
      {
        command: `npx tsx scripts/suggest-evidence.ts --results ${file}`,
        results: { createdAt: doc.createdAt, command: doc.command },
        cells: rows.length,
        pairs: (pts.length * (pts.length - 1)) / 2,
        tiesLeftOut: ties,
        outOfFold: {
          tau: cv.predictor.tau,
          shippedTau: shipped.predictor.tau.estimate,
          folds: cv.folds,
          seed: cv.seed,
          model: cv.model,
        },
        byPredictedGap: table,
        singleEditPairsByPredictedGap: singleEditTable,
        singleEditPairsMedianTrueGap: medianTrueGap,
        singleEditPairs,
      },
      null,
      2,
    ) + '\n',
  );
}

main();
