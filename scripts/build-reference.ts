/**
 * Writes data/reference-wikitext2.json (src/scoring/reference.ts): for each preset, the reference population of a
 * WikiText-2 calibration (src/study/calibration/build.ts: every score's values on the trained cells, its Kendall τ
 * with a 95 % bootstrap interval and Spearman ρ against −test loss, the measured direction, three probe cells).
 *
 *   npx tsx scripts/build-reference.ts [--proxy FILE] [--full FILE]
 *
 * FILE: a `cell-lens calibrate` calibration.json (its population is copied) or a `cell-lens study` results.json (the
 * population is built from it by the same code). A preset not given keeps its current entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJson } from '../src/scoring/cache';
import { ENGINE_VERSION } from '../src/scoring/types';
import { REFERENCE, type PresetReference, type ReferenceFile } from '../src/scoring/reference';
import type { PresetName } from '../src/scoring/presets';
import { CALIBRATION_FORMAT, checkCalibration } from '../src/study/calibration';
import { buildReference, type CalibrationInput } from '../src/study/calibration/build';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'data', 'reference-wikitext2.json');

/** The population and probes of `preset` in a calibration.json or a study's results.json. */
export function presetReferenceOf(
  doc: unknown,
  preset: PresetName,
): { ref: PresetReference; probes: ReferenceFile['probes'] } {
  if ((doc as { format?: unknown }).format === CALIBRATION_FORMAT) {
    const c = checkCalibration(doc, { dataset: 'WikiText-2' });
    if (c.preset !== preset) throw new Error(`a calibration at the ${c.preset} preset, not ${preset}`);
    return { ref: c.reference, probes: c.probes };
  }
  const built = buildReference(doc as CalibrationInput, preset);
  return { ref: built.reference, probes: built.probes };
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
    const built = presetReferenceOf(decodeJson(readFileSync(file, 'utf8')), preset);
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
