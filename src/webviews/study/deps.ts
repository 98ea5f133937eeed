/**
 * What the study panel and the search command share: the extension's services they need (StudyDeps), a scorer over
 * them, the size pick and opening a result as JSON. Both import it; neither imports the other's panel code.
 */
import * as vscode from 'vscode';
import type { BenchmarkIndex } from '../../benchmark/index';
import type { Recipe } from '../../recipe/types';
import { SIZE_PRESETS } from '../../scoring/presets';
import type { ModelSizes, ScoreReport, ScoreSettings } from '../../scoring/types';
import type { Scorer } from '../../study/runner';
import type { StudyOptions, StudyRecord, StudyResult } from '../../study/study';

/** What the study and search commands need from the rest of the extension. */
export interface StudyDeps {
  /** The loaded benchmark (bundled WikiText-2 plus the user's logs). */
  getBenchmark(): Promise<BenchmarkIndex>;
  /**
   * Scores one cell (the scoring child process); rejects on failure or cancellation. `label`: what the status bar
   * says meanwhile ("Search: cell 12 of 60").
   */
  score(recipe: Recipe, settings: ScoreSettings, token: vscode.CancellationToken, label: string): Promise<ScoreReport>;
  /**
   * Runs the study (`runStudy`) on the scored records off the extension host: the scoring process
   * (`ScoringService.study`). Rejects on failure or cancellation. Without it the study is computed here (tests).
   */
  readonly analyse?: (
    records: StudyRecord[],
    options: StudyOptions,
    token: vscode.CancellationToken,
  ) => Promise<StudyResult>;
  /** The user's score settings (`cellLens.scoring.*`): scores, seed, repeats, backend (sizes come from the preset pick). */
  scoreSettings(): ScoreSettings;
  log: vscode.LogOutputChannel;
  /** Directory of the study's score cache (default: the extension's global storage + `/scores`). */
  cacheDir?: string;
  /** The valid cells of the file in the active editor (marked on the plots), if any. */
  openCells?(): { label: string; hash: string; recipe: Recipe }[];
}

export async function openJson(content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
  await vscode.window.showTextDocument(doc, { preview: false });
}

/** A scorer over `deps.score` (AbortSignal → CancellationToken); `label()` names each call for the status bar. */
export function editorScorer(deps: StudyDeps, label: () => string): Scorer {
  return async (recipe, settings, signal) => {
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    if (signal.aborted) cts.cancel();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await deps.score(recipe, settings, cts.token, label());
    } finally {
      signal.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  };
}

export function sizesText(s: ModelSizes): string {
  return `vocab ${s.vocab} · embed ${s.embed} · hidden ${s.hidden} · ${s.layers} layers · T ${s.seqLen} · B ${s.batch}`;
}

/** Asks for the sizes; undefined when the user dismisses the pick. */
export async function pickSizes(
  deps: StudyDeps,
  what: string,
): Promise<{ sizes: ModelSizes; name: string } | undefined> {
  const current = deps.scoreSettings();
  type Item = vscode.QuickPickItem & { sizes: ModelSizes; name: string };
  const items: Item[] = [
    {
      label: 'Proxy sizes',
      description: 'fast, about a second per cell',
      detail: sizesText(SIZE_PRESETS.proxy),
      sizes: SIZE_PRESETS.proxy,
      name: 'proxy',
    },
    {
      label: 'NAS-Bench-NLP sizes',
      description: 'faithful, seconds to a minute per cell',
      detail: sizesText(SIZE_PRESETS['nas-bench-nlp']),
      sizes: SIZE_PRESETS['nas-bench-nlp'],
      name: 'nas-bench-nlp',
    },
  ];
  const same = (a: ModelSizes, b: ModelSizes) => (Object.keys(a) as (keyof ModelSizes)[]).every((k) => a[k] === b[k]);
  if (!items.some((i) => same(i.sizes, current)))
    items.push({
      label: 'Current settings',
      description: 'cellLens.scoring',
      detail: sizesText(current),
      sizes: current,
      name: 'custom',
    });
  const pick = await vscode.window.showQuickPick(items, {
    title: `${what}: model sizes for scoring`,
    ignoreFocusOut: true,
    placeHolder: 'Which sizes to score the cells at?',
  });
  return pick ? { sizes: pick.sizes, name: pick.name } : undefined;
}
