/**
 * Builds data/reference-wikitext2.json (src/scoring/reference.ts) from `cell-lens study` results: for each preset,
 * every score's values on the trained (non-diverged) WikiText-2 cells, its Kendall τ (95 % bootstrap interval) and
 * Spearman ρ against −test loss, the measured direction, and three probe cells for the freshness test.
 *
 *   npx tsx scripts/build-reference.ts [--proxy STUDY/results.json] [--full STUDY/results.json]
 *
 * A preset not given keeps its current entry. Derived scores (hybrid) are computed here from their components
 * against the new component populations, exactly as withDerivedScores does for a single cell.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJson } from '../src/scoring/cache';
import { SCORE_DEFS } from '../src/scoring/scores/index';
import { ENGINE_VERSION } from '../src/scoring/types';
import {
  REFERENCE,
  percentileIn,
  type PresetReference,
  type ReferenceFile,
  type ReferenceScore,
} from '../src/scoring/reference';
import { SIZE_KEYS, SIZE_PRESETS, type PresetName } from '../src/scoring/presets';
import { bootstrapCI, kendallTauClean, spearmanRhoClean } from '../src/study/stats';

interface StudyCell {
  hash: string;
  label?: string;
  testLoss: number;
  diverged: boolean;
  rank?: number;
  scores: Record<string, number>;
  recipe: Record<string, { op: string; input: string[] }>;
}
interface StudyFile {
  settings: {
    seed: number;
    repeats: number;
    vocab: number;
    embed: number;
    hidden: number;
    layers: number;
    seqLen: number;
    batch: number;
  };
  cells: StudyCell[];
}

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'data', 'reference-wikitext2.json');

function population(values: number[], losses: number[], better?: 'higher' | 'lower'): ReferenceScore {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const negLoss = losses.map((l) => -l);
  const ci = bootstrapCI(values, negLoss, kendallTauClean, { samples: 1000, seed: 0 });
  const rho = spearmanRhoClean(...dropNaN(values, negLoss));
  return {
    values: finite,
    posInf: values.filter((v) => v === Infinity).length,
    negInf: values.filter((v) => v === -Infinity).length,
    nNaN: values.filter((v) => Number.isNaN(v)).length,
    tau: ci.estimate,
    tauLo: ci.lo,
    tauHi: ci.hi,
    rho,
    better: better ?? (ci.estimate >= 0 ? 'higher' : 'lower'),
  };
}

function dropNaN(xs: number[], ys: number[]): [number[], number[]] {
  const a: number[] = [],
    b: number[] = [];
  xs.forEach((x, i) => {
    if (!Number.isNaN(x) && !Number.isNaN(ys[i])) {
      a.push(x);
      b.push(ys[i]);
    }
  });
  return [a, b];
}

export function buildPreset(
  study: StudyFile,
  preset: PresetName,
): { ref: PresetReference; probes: ReferenceFile['probes'] } {
  const sizes = SIZE_PRESETS[preset];
  for (const k of SIZE_KEYS) {
    if (study.settings[k] !== sizes[k])
      throw new Error(`the study's ${k} is ${study.settings[k]}, the ${preset} preset's ${sizes[k]}`);
  }
  const cells = study.cells.filter((c) => !c.diverged && Number.isFinite(c.testLoss));
  const losses = cells.map((c) => c.testLoss);
  const val = (c: StudyCell, id: string) => (typeof c.scores[id] === 'number' ? c.scores[id] : NaN);
  const scores: Record<string, ReferenceScore> = {};
  for (const d of SCORE_DEFS.filter((x) => !x.derive)) {
    if (!cells.some((c) => id(c, d.id))) continue;
    scores[d.id] = population(
      cells.map((c) => val(c, d.id)),
      losses,
    );
  }
  // Derived scores against the component populations just built (directions from the registry).
  const pct = (cid: string, v: number) => {
    const r = scores[cid];
    const def = SCORE_DEFS.find((x) => x.id === cid);
    return r && def ? percentileIn(r, v, def.better) : undefined;
  };
  const derivedValues = new Map<string, number[]>();
  for (const d of SCORE_DEFS.filter((x) => x.derive)) {
    const vals = cells.map((c) => d.derive!(new Map((d.combines ?? []).map((cid) => [cid, val(c, cid)])), pct).value);
    derivedValues.set(d.id, vals);
    scores[d.id] = population(vals, losses);
  }
  const ranked = [...cells].sort((a, b) => a.testLoss - b.testLoss);
  const probes = [ranked[0], ranked[Math.floor(ranked.length / 2)], ranked[ranked.length - 1]].map((c) => ({
    preset,
    hash: c.hash,
    recipe: c.recipe,
    values: Object.fromEntries(
      Object.keys(scores).map((sid) => {
        const v = derivedValues.has(sid) ? derivedValues.get(sid)![cells.indexOf(c)] : val(c, sid);
        return [sid, Number.isFinite(v) ? v : String(v)];
      }),
    ),
  }));
  return {
    ref: {
      settings: { ...sizes, seed: study.settings.seed, repeats: study.settings.repeats },
      nCells: cells.length,
      scores,
    },
    probes,
  };

  function id(c: StudyCell, sid: string): boolean {
    return c.scores[sid] !== undefined;
  }
}

function main(): void {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const presets: Partial<Record<PresetName, PresetReference>> = { ...REFERENCE.presets };
  let probes = [...REFERENCE.probes];
  for (const [flag, preset] of [
    ['--proxy', 'proxy'],
    ['--full', 'nas-bench-nlp'],
  ] as const) {
    const file = arg(flag);
    if (!file) continue;
    const study = decodeJson(readFileSync(file, 'utf8')) as StudyFile;
    const built = buildPreset(study, preset);
    presets[preset] = built.ref;
    probes = [...probes.filter((p) => p.preset !== preset), ...built.probes];
    const row = (sid: string) => `${sid} τ ${built.ref.scores[sid].tau.toFixed(3)}`;
    console.log(`${preset}: ${built.ref.nCells} cells; ${Object.keys(built.ref.scores).map(row).join(', ')}`);
  }
  const out: ReferenceFile = {
    version: 1,
    engineVersion: ENGINE_VERSION,
    dataset: 'WikiText-2',
    createdAt: new Date().toISOString(),
    command: `npx tsx scripts/build-reference.ts ${process.argv.slice(2).join(' ')}`,
    presets,
    probes,
  };
  writeFileSync(OUT, JSON.stringify(out) + '\n');
  console.log(`wrote ${OUT}`);
}

if (require.main === module) main();
