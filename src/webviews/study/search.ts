/**
 * "Cell Lens: Search Cells (Training-Free)" (`cellLens.searchCells`): random search, REA, AREA or a GA by the
 * predicted loss or a score (listed by their measured τ, src/search/fitness.ts rankedFitnesses),
 * over a benchmark's trained cells or the whole NAS-Bench-NLP space; opens the best cells as a new JSON document.
 * The search itself is pure code in src/search/ (algorithms, space, runner); this file asks the questions and shows
 * progress. Registered by registerStudyCommands (studyPanel.ts) with the study command, which shares its deps.
 */
import * as vscode from 'vscode';
import { ScoreCache, scoreCacheDir } from '../../scoring/cache';
import { SCORE_IDS, type ScoreId, type ScoreSettings } from '../../scoring/types';
import { presetOf } from '../../scoring/presets';
import { cellsFromIndex } from '../../study/runner';
import { formatLoss, formatScore, formatStat } from '../../shared/format';
import { fitnessInfo, fitnessProblem, fitnessScores, rankedFitnesses } from '../../search/fitness';
import {
  ALGO_LABELS,
  SEARCH_ALGOS,
  bestCells,
  fitnessOf,
  reportForSettings,
  reportSource,
  runAlgorithm,
  scoreFitness,
  searchResultsJson,
  trainedPool,
} from '../../search/runner';
import type { SearchResult } from '../../search/types';
import { editorScorer, openJson, pickSizes, type StudyDeps } from './deps';

/** `cellLens.searchCells`. */
export async function searchCells(context: vscode.ExtensionContext, deps: StudyDeps): Promise<void> {
  const what = 'Search Cells (Training-Free)';
  const algo = await vscode.window.showQuickPick(
    SEARCH_ALGOS.map((a) => ({ label: a, detail: ALGO_LABELS[a], algo: a })),
    { title: `${what}: algorithm`, ignoreFocusOut: true },
  );
  if (!algo) return;
  // Best measured τ first (at the preset of the user's settings; the proxy's for other sizes).
  const tauPreset = presetOf(deps.scoreSettings()) ?? 'proxy';
  const score = await vscode.window.showQuickPick(
    rankedFitnesses(tauPreset).map((f) => ({
      label: f.label,
      description: `${f.id} · ${f.better} is better${f.tau !== undefined ? ` · τ ${formatStat(f.tau)} (${tauPreset})` : ''}`,
      detail: f.meaning,
      id: f.id,
    })),
    { title: `${what}: fitness (best measured τ first)`, matchOnDescription: true, ignoreFocusOut: true },
  );
  if (!score) return;
  const index = await deps.getBenchmark();
  const datasets = index.datasets().filter((d) => index.entries(d).length > 0);
  type Where = vscode.QuickPickItem & { dataset?: string };
  const whereItems: Where[] = [
    ...datasets.map((d) => ({
      label: `Trained ${d} cells`,
      description: `${index.entries(d).length} cells`,
      detail: "Search among the benchmark's trained cells; shows the test loss of what it finds.",
      dataset: d,
    })),
    {
      label: 'Whole NAS-Bench-NLP space',
      detail: "New cells drawn by the benchmark's generator, mutations and crossovers (every cell is scored).",
    },
  ];
  const where =
    whereItems.length === 1
      ? whereItems[0]
      : await vscode.window.showQuickPick(whereItems, { title: `${what}: where to search`, ignoreFocusOut: true });
  if (!where) return;
  const budgetPick = await vscode.window.showQuickPick(
    ['20', '50', '100', '200', 'Other…'].map((label) => ({
      label,
      description: label === 'Other…' ? '' : 'score evaluations',
    })),
    { title: `${what}: budget`, ignoreFocusOut: true },
  );
  if (!budgetPick) return;
  let budget = Number(budgetPick.label);
  if (budgetPick.label === 'Other…') {
    const v = await vscode.window.showInputBox({
      title: `${what}: budget`,
      ignoreFocusOut: true,
      prompt: 'Number of score evaluations',
      value: '100',
      validateInput: (s) =>
        /^\d+$/.test(s.trim()) && Number(s) >= 1 && Number(s) <= 100000 ? undefined : 'A whole number from 1 to 100000',
    });
    if (!v) return;
    budget = Number(v);
  }
  const seedText = await vscode.window.showInputBox({
    title: `${what}: seed`,
    ignoreFocusOut: true,
    prompt: 'Random seed (the same seed and settings give the same search)',
    value: '0',
    validateInput: (s) => (/^\d+$/.test(s.trim()) ? undefined : 'A whole number ≥ 0'),
  });
  if (seedText === undefined) return;
  const seed = Number(seedText);
  const sizes = await pickSizes(deps, what);
  if (!sizes) return;
  const user = deps.scoreSettings();
  const all: ScoreSettings = { ...user, ...sizes.sizes, scores: [...SCORE_IDS] };
  const problem = fitnessProblem(score.id, all);
  if (problem) {
    void vscode.window.showWarningMessage(`Cell Lens: cannot search by ${score.label}: ${problem}.`);
    return;
  }
  const pool = where.dataset ? trainedPool(cellsFromIndex(index, { dataset: where.dataset }).cells) : undefined;
  // Trained cells: every score, so the study's cached reports are reused; whole space: only what the search reads.
  const scores: ScoreId[] = pool
    ? [...SCORE_IDS]
    : [...new Set<ScoreId>([...fitnessScores(score.id, all), ...(algo.algo === 'area' ? ['params' as ScoreId] : [])])];
  const settings: ScoreSettings = { ...all, scores };
  const cacheDir = deps.cacheDir ?? scoreCacheDir(context.globalStorageUri.fsPath);
  const cache = new ScoreCache({ dir: cacheDir, maxEntries: 5000 });
  const { label, better } = fitnessInfo(score.id);
  const res: SearchResult | undefined = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Cell Lens: ${algo.label} by ${label}`,
      cancellable: true,
    },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        let last = 0;
        const source = reportSource(
          editorScorer(deps, () => `Search: cell ${last + 1} of ${budget}`),
          settings,
          {
            cache,
            signal: controller.signal,
            onError: (e, h) => deps.log.warn(`search: ${h.slice(0, 12)}: ${String(e)}`),
          },
        );
        return await runAlgorithm(algo.algo, fitnessOf(source, score.id), {
          budget,
          seed,
          signal: controller.signal,
          pool: pool?.pool,
          hash: pool?.hash,
          cheap: algo.algo === 'area' ? scoreFitness(source, 'params') : undefined,
          onProgress: (p) => {
            if (p.evaluations === last) return;
            progress.report({
              message: `${p.evaluations}/${p.budget} · best ${label} ${p.best ? formatScore(better === 'lower' ? -p.best.fitness : p.best.fitness) : 'n/a'}`,
              increment: (100 * (p.evaluations - last)) / p.budget,
            });
            last = p.evaluations;
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  if (!res || res.evaluations === 0) {
    void vscode.window.showInformationMessage('Cell Lens: the search was cancelled before any cell was scored.');
    return;
  }
  const best = bestCells([res], 10);
  // The cells the search scored keep their scores in the editor (at the user's settings when the sizes match).
  const editorSettings: ScoreSettings = { ...user, ...sizes.sizes };
  for (const b of best) {
    const r = await cache.get(b.hash, settings);
    const narrowed = r ? reportForSettings(r, editorSettings) : undefined;
    if (narrowed) await cache.put(narrowed); // the same directory the editor's lenses read
  }
  await openJson(
    searchResultsJson(best, {
      algorithm: algo.algo,
      score: score.id,
      budget,
      seed,
      preset: sizes.name,
      evaluations: res.evaluations,
      testLossOf: (h) => {
        const c = pool?.byHash.get(h);
        return c ? { testLoss: c.testLoss, ...(c.rank !== undefined ? { rank: c.rank } : {}) } : undefined;
      },
    }),
  );
  const sign = better === 'lower' ? -1 : 1;
  const top = best[0];
  const tested = pool && top ? pool.byHash.get(top.hash) : undefined;
  const lossText = tested
    ? `; its ${where.dataset} test loss is ${formatLoss(tested.testLoss)} (rank ${tested.rank ?? '?'} of ${pool!.pool.recipes.length})`
    : '';
  deps.log.info(
    `search: ${algo.algo} by ${score.id}, budget ${budget}, seed ${seed}: ${res.evaluations} evaluations${res.aborted ? ' (cancelled)' : ''}; best ${top?.hash} ${top ? formatScore(sign * top.fitness) : ''}${lossText}`,
  );
  void vscode.window.showInformationMessage(
    `Cell Lens: ${res.evaluations} cells scored${res.aborted ? ' (cancelled)' : ''}. The best by ${label} (${top ? formatScore(sign * top.fitness) : 'n/a'}) is first in the new document${lossText}.`,
  );
}
