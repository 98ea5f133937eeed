/** Calibrations for tests: the WikiText-2 proxy scores of the bundled cells, and a small fast calibration of them. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadBenchmarkIndex } from '../../src/benchmark/load';
import { decodeJson } from '../../src/scoring/cache';
import type { ScoreSettings } from '../../src/scoring/types';
import { cellsFromIndex } from '../../src/study/runner';
import type { CalibrationFile } from '../../src/study/calibration';
import { buildCalibration, type CalibrationCell, type CalibrationInput } from '../../src/study/calibration/build';
import { REPO } from './data';

/** The shard output of the WikiText-2 proxy study (every bundled cell's scores; no recipes). */
export const WIKITEXT_PROXY_SHARD = path.join(REPO, 'test/fixtures/calibration/wikitext2-proxy');

/** The WikiText-2 proxy scores of every bundled cell (recipes from the bundled index). */
export async function wikitextProxy(): Promise<CalibrationInput> {
  const fx = decodeJson(readFileSync(path.join(WIKITEXT_PROXY_SHARD, 'results.json'), 'utf8')) as {
    settings: ScoreSettings;
    cells: { hash: string; scores: Record<string, number> }[];
  };
  const scores = new Map(fx.cells.map((c) => [c.hash, c.scores]));
  const { cells } = cellsFromIndex(await loadBenchmarkIndex([], { prebuilt: true }));
  return {
    dataset: 'WikiText-2',
    settings: fx.settings,
    cells: cells.map((c): CalibrationCell => ({ ...c, scores: scores.get(c.hash)! })),
  };
}

let small: CalibrationFile | undefined;
/** A calibration of 40 trained and 1 diverged WikiText-2 cells renamed "PTB" (fast: one CV, few resamples). */
export async function smallCalibration(): Promise<CalibrationFile> {
  if (small) return small;
  const all = await wikitextProxy();
  const trained = all.cells.filter((c) => !c.diverged);
  const picked = [...trained.filter((_, i) => i % 6 === 0).slice(0, 40), all.cells.find((c) => c.diverged)!];
  small = buildCalibration(
    { ...all, dataset: 'PTB', cells: picked },
    { cvRepeats: 1, bootstrapSamples: 50, now: new Date('2026-12-07T00:00:00Z') },
  );
  return small;
}

/** The synthetic PTB logs the command-line calibration tests calibrate (66 logs: 58 cells, 56 trained). */
export const SMALL_PTB_LOGS = { logs: 66, seed: 23, level: 1 } as const;

/** `cell-lens calibrate` arguments for a quick PTB calibration of `zip` at the proxy preset (one CV repeat). */
export function quickPtbCalibrateArgs(zip: string): string[] {
  return ['--logs', `${zip}=PTB`, '--dataset', 'PTB', '--preset', 'proxy', '--cv-repeats', '1', '--bootstrap', '100'];
}
