/** Typed access to `cellLens.*` settings (the schema lives in package.json `contributes.configuration`). */
import { defaultWorkers } from '../process/pool';
import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import type { LogSource } from '../benchmark/sources';
import {
  DEFAULT_SCORE_IDS,
  DEFAULT_SIZES,
  type BackendChoice,
  type ModelSizes,
  type ScoreId,
  type ScoreSettings,
} from '../scoring/types';
import { isBackendChoice } from '../scoring/check';
import { isScoreId } from '../scoring/ids';
import { SIZE_PRESETS, isPresetName, sanitizeSizes, type PresetName } from '../scoring/presets';

export function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('cellLens');
}

export function diagnosticsDelayMs(): number {
  return clamp(section().get<number>('diagnostics.delayMs', 200), 0, 5000);
}

export function codeLensEnabled(): boolean {
  return section().get<boolean>('codeLens.enabled', true);
}

/**
 * `cellLens.benchmark.includeBundledWikitext-2`. VS Code titles a setting by splitting its id at every
 * lower→upper case change, so the first id, `includeBundledWikiText2`, read "Include Bundled Wiki Text2"; the new
 * id reads "Include Bundled Wikitext-2". The old id is still read when the new one is not set anywhere.
 */
export const BUNDLED_INDEX_SETTING = 'benchmark.includeBundledWikitext-2';
/** The first id of BUNDLED_INDEX_SETTING (deprecated in package.json, still honoured). */
export const LEGACY_BUNDLED_INDEX_SETTING = 'benchmark.includeBundledWikiText2';

export function usePrebuiltIndex(): boolean {
  const s = section();
  const i = s.inspect<boolean>(BUNDLED_INDEX_SETTING);
  const set = !!i && [i.globalValue, i.workspaceValue, i.workspaceFolderValue].some((v) => v !== undefined);
  return set ? s.get<boolean>(BUNDLED_INDEX_SETTING, true) : s.get<boolean>(LEGACY_BUNDLED_INDEX_SETTING, true);
}

/** `cellLens.benchmark.logPaths`: strings or `{ path, dataset }`; relative paths resolve against the first workspace folder. */
export function logSources(): LogSource[] {
  const raw = section().get<unknown[]>('benchmark.logPaths', []) ?? [];
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const out: LogSource[] = [];
  for (const item of Array.isArray(raw) ? raw : []) {
    const p =
      typeof item === 'string'
        ? item
        : item && typeof item === 'object' && typeof (item as { path?: unknown }).path === 'string'
          ? (item as { path: string }).path
          : undefined;
    if (!p) continue;
    const dataset =
      item && typeof item === 'object' && typeof (item as { dataset?: unknown }).dataset === 'string'
        ? (item as { dataset: string }).dataset
        : undefined;
    const path = base && !isAbsolute(p) ? join(base, p) : p;
    out.push(dataset ? { path, dataset } : { path });
  }
  return out;
}

/**
 * `cellLens.calibrations`: calibration.json files (`cell-lens calibrate`); relative paths resolve against the first
 * workspace folder. The one of a loaded benchmark dataset gives the percentiles and the predicted loss.
 */
export function calibrationPaths(): string[] {
  const raw = section().get<unknown[]>('calibrations', []) ?? [];
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return (Array.isArray(raw) ? raw : [])
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => (base && !isAbsolute(p) ? join(base, p) : p));
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo;
}

// ------------------------------------------------------------------ scoring

/** Every value of `cellLens.scoring.backend`. */

/** The settings Cell Lens writes itself (only when the user picks a value for that setting), with their types. */
export interface WritableSettings {
  'scoring.backend': BackendChoice;
  'scoring.preset': PresetName | 'custom';
}

/**
 * THE one settings write: `cellLens.<key>` = `value` in the user's settings, and the status bar says so (a user's
 * settings are never changed silently). Returns the message shown.
 */
export async function writeSetting<K extends keyof WritableSettings>(
  key: K,
  value: WritableSettings[K],
): Promise<string> {
  await section().update(key, value, vscode.ConfigurationTarget.Global);
  const said = `Cell Lens: set cellLens.${key} to "${value}" in your user settings`;
  vscode.window.setStatusBarMessage(said, 8000);
  return said;
}

/** The current value of a setting Cell Lens may write (for pickers). */
export function readSetting<K extends keyof WritableSettings>(key: K): string | undefined {
  return section().get<string>(key);
}

/** `cellLens.scoring.preset`: which sizes to score with. */
export function scoringPreset(): PresetName | 'custom' {
  const p = section().get<string>('scoring.preset', 'nas-bench-nlp');
  return p === 'custom' || isPresetName(p) ? p : 'nas-bench-nlp';
}

/** The sizes of the chosen preset (custom: `cellLens.scoring.customSizes`, missing fields from NAS-Bench-NLP's). */
export function scoringSizes(): ModelSizes {
  const p = scoringPreset();
  if (p !== 'custom') return SIZE_PRESETS[p];
  return sanitizeSizes(section().get<unknown>('scoring.customSizes', {}), DEFAULT_SIZES);
}

/** The full score settings from `cellLens.scoring.*`. */
export function scoreSettings(): ScoreSettings {
  const c = section();
  const rawScores = c.get<unknown>('scoring.scores', [...DEFAULT_SCORE_IDS]);
  const scores = Array.isArray(rawScores) ? [...new Set(rawScores.filter(isScoreId))] : [...DEFAULT_SCORE_IDS];
  const backend = c.get<unknown>('scoring.backend', 'auto');
  return {
    ...scoringSizes(),
    scores: scores.length ? scores : [...DEFAULT_SCORE_IDS],
    seed: Math.floor(clamp(c.get<number>('scoring.seed', 0), 0, 2 ** 31 - 1)),
    repeats: Math.floor(clamp(c.get<number>('scoring.repeats', 1), 1, 20)),
    backend: isBackendChoice(backend) ? backend : 'auto',
  };
}

/**
 * `cellLens.scoring.live`: an edited valid cell is re-scored at the proxy preset after a pause in typing
 * (src/editor/liveScoring.ts); full-size scores stay on demand.
 */
export function liveScoring(): boolean {
  return section().get<boolean>('scoring.live', true) !== false;
}

/** Scores shown in the CodeLens (`cellLens.scoring.lensScores`). */
export function lensScores(): ScoreId[] {
  const raw = section().get<unknown>('scoring.lensScores', ['hidden_cov', 'naswot', 'ntk_cond']);
  const ids = Array.isArray(raw) ? raw.filter(isScoreId) : [];
  return ids.length ? ids : ['hidden_cov', 'naswot', 'ntk_cond'];
}

/** Options of the scoring process: node binary, timeout, memory limit. */
export interface ProcessSettings {
  readonly nodePath?: string;
  readonly timeoutMs: number;
  readonly maxMemoryMb: number;
}

/**
 * `cellLens.scoring.nodePath` (only the user's own value: a workspace cannot choose which binary runs — it is also a
 * restricted setting), `timeoutSeconds` and `maxMemoryMB`.
 */
export function processSettings(): ProcessSettings {
  const c = section();
  const node = c.inspect<string>('scoring.nodePath');
  const nodePath = (
    vscode.workspace.isTrusted ? c.get<string>('scoring.nodePath', '') : (node?.globalValue ?? '')
  )?.trim();
  return {
    ...(nodePath ? { nodePath } : {}),
    timeoutMs: 1000 * clamp(c.get<number>('scoring.timeoutSeconds', 300), 10, 3600),
    maxMemoryMb: Math.round(clamp(c.get<number>('scoring.maxMemoryMB', 4096), 512, 65536)),
  };
}

/**
 * `cellLens.scoring.workers`: scoring processes for Score All Cells / Score Workspace Cells (0 = auto: the cores, at
 * most free memory / the memory one process of these sizes needs); `idleStopSeconds`: the extra processes stop after
 * this long without work.
 */
export function scoringWorkers(settings: ModelSizes): { workers: number; idleStopMs: number } {
  const c = section();
  const raw = Math.round(clamp(c.get<number>('scoring.workers', 0), 0, 16));
  return {
    workers: raw === 0 ? defaultWorkers(settings) : raw,
    idleStopMs: 1000 * clamp(c.get<number>('scoring.idleStopSeconds', 300), 10, 86400),
  };
}
