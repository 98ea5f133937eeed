/**
 * "Cell Lens: Suggest Edits" in the editor: the command (with a cancellable progress notification), the code action
 * "✦ Suggest edits predicted to help" on a cell, and, once a cell's suggestions were computed, the lens "✦ N edits
 * predicted to help" behind `▸ more`. The single edits are scored on the editor's scoring pool at the proxy preset
 * and ranked by src/report/suggest.ts; a quick pick lists the best k (the edit in words; predicted loss [80 %
 * interval] · Δ · percentile), its button opens the compare view of the cell and the suggestion, and accepting one
 * replaces the cell's text with one workspace edit (one undo), written in the document's style (recipe/rewrite.ts).
 * Nothing is scored in an untrusted workspace: no code action, no lens, and the command says why.
 */
import * as vscode from 'vscode';
import type { AnalysisCache, AnalysedCell } from './analysis';
import { CELL_FILE_SELECTOR } from './analysis';
import type { DocumentFor } from './commandDocument';
import type { Commands } from './commands';
import type { CellCodeLensProvider } from './providers';
import { toRange } from './providers';
import type { ScoringService } from './scoringService';
import { pickCell } from './scoringCommands';
import { scoringWorkers } from './config';
import { rewriteCellText } from '../recipe/rewrite';
import { recipeToJson } from '../recipe/model';
import { cellName } from '../report/format';
import { SIZE_PRESETS } from '../scoring/presets';
import { DEFAULT_TOP, formatDelta, suggestEdits, type Suggestion, type SuggestResult } from '../report/suggest';
import { activeCalibration } from '../report/verdict';
import { predictionText } from '../report/scoreFormat';

/** A cell of a document (what the compare view opens). */
export interface SuggestCellRef {
  readonly uri: vscode.Uri;
  readonly index: number;
}

export interface SuggestDeps {
  readonly cache: AnalysisCache;
  readonly documentFor: DocumentFor;
  readonly service: ScoringService;
  readonly lenses: CellCodeLensProvider;
  readonly log: vscode.LogOutputChannel;
  /** Opens the compare view of two cells. */
  readonly compare: (a: SuggestCellRef, b: SuggestCellRef) => void;
}

/** The code action's title (also the command's purpose in one line). */
export const SUGGEST_ACTION_TITLE = '✦ Suggest edits predicted to help';

/** The lens of a cell whose suggestions were computed. */
export function suggestLensTitle(r: Pick<SuggestResult, 'improving'>): string {
  return r.improving === 0
    ? '✦ no single edit predicted to help'
    : `✦ ${r.improving} edit${r.improving === 1 ? '' : 's'} predicted to help`;
}

/** A quick-pick row of a suggestion: the edit in words; predicted loss [interval] · Δ · percentile. */
export function suggestionItem(s: Suggestion): { label: string; description: string } {
  return {
    label: s.edit.text,
    description: `${s.prediction.lossText} · Δ ${formatDelta(s.delta)} · ${s.prediction.topText}`,
  };
}

interface SuggestionItem extends vscode.QuickPickItem {
  readonly suggestion: Suggestion;
}

const MAX_CACHED = 200;

/** Registers the command, the code action and the lens. */
export function registerSuggestEdits(deps: SuggestDeps): { commands: Commands; disposables: vscode.Disposable[] } {
  const { cache, documentFor, service, lenses, log } = deps;
  /**
   * Computed suggestions by calibration and the cell's canonical hash (the lens shows only these; another
   * calibration ranks by another predictor).
   */
  const results = new Map<string, SuggestResult>();
  const keyOf = (hash: string, cal = activeCalibration()) => `${cal.id}|${hash}`;
  const remember = (r: SuggestResult) => {
    const key = keyOf(r.hash, r.calibration);
    results.delete(key);
    results.set(key, r);
    if (results.size > MAX_CACHED) results.delete(results.keys().next().value!);
    lenses.refresh();
  };

  lenses.addContributor((doc, c, range) => {
    const r = c.valid && service.trusted ? results.get(keyOf(c.hash)) : undefined;
    if (!r) return [];
    return [
      {
        slot: 'suggest',
        lens: new vscode.CodeLens(range, {
          title: suggestLensTitle(r),
          command: 'cellLens.suggestEdits',
          arguments: [doc.uri, c.cell.index],
          tooltip: `The best single edits of this cell by predicted test loss (${r.scored} edits scored at the proxy preset)`,
        }),
      },
    ];
  });

  /** Scores and ranks the cell's edits with a cancellable notification; undefined when cancelled or failed. */
  const compute = async (c: AnalysedCell, name: string): Promise<SuggestResult | undefined> => {
    const settings = { ...service.settings(), ...SIZE_PRESETS.proxy };
    const parallel = scoringWorkers(settings).workers;
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Cell Lens: suggesting edits of ${name}`,
        cancellable: true,
      },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        let shown = 0;
        try {
          const r = await suggestEdits(
            c.recipe,
            (recipe, s, _signal, hash) =>
              service.scoreQuiet(recipe, s, token, `Suggest Edits: ${hash === c.hash ? name : 'an edit'}`),
            {
              preset: 'proxy',
              backend: settings.backend,
              parallel,
              signal: ac.signal,
              onProgress: (p) => {
                const pct = (100 * p.done) / p.total;
                progress.report({ message: `${p.done}/${p.total} cells scored`, increment: pct - shown });
                shown = pct;
              },
            },
          );
          if (r.aborted) {
            void vscode.window.showInformationMessage(
              `Cell Lens: suggestions cancelled (${r.scored} edits of ${name} were scored).`,
            );
            return undefined;
          }
          return r;
        } catch (e) {
          if (!ac.signal.aborted) {
            log.error(`suggest edits of ${name}: ${e instanceof Error ? e.message : String(e)}`);
            void vscode.window.showErrorMessage(
              `Cell Lens: cannot suggest edits of ${name}: ${e instanceof Error ? e.message : String(e)}`,
            );
          }
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    );
  };

  /** Replaces the cell's text by the suggestion's, in one workspace edit (one undo); false when the cell changed. */
  const apply = async (doc: vscode.TextDocument, version: number, c: AnalysedCell, s: Suggestion): Promise<boolean> => {
    if (doc.version !== version) {
      void vscode.window.showWarningMessage(
        'Cell Lens: the cell changed since the suggestions were made; run Suggest Edits again.',
      );
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, toRange(doc, c.cell.span), rewriteCellText(doc.getText(), c.cell, s.edit.recipe));
    const ok = await vscode.workspace.applyEdit(edit);
    if (ok) log.info(`applied suggested edit to ${c.cell.label}: ${s.edit.text}`);
    return ok;
  };

  /** The compare view of the cell and a suggestion (the suggestion in an untitled document beside it). */
  const preview = async (doc: vscode.TextDocument, c: AnalysedCell, s: Suggestion): Promise<void> => {
    const other = await vscode.workspace.openTextDocument({
      language: 'json',
      content: recipeToJson(s.edit.recipe, 2) + '\n',
    });
    deps.compare({ uri: doc.uri, index: c.cell.index }, { uri: other.uri, index: 0 });
  };

  const suggest = async (arg?: unknown, index?: unknown): Promise<boolean | undefined> => {
    const doc = await documentFor(arg);
    const a = doc && (await cache.analyse(doc));
    const c = doc && a ? pickCell(a.cells, doc, index) : undefined;
    if (!doc || !c) {
      void vscode.window.showWarningMessage('Cell Lens: open a file with a NAS-Bench-NLP cell to suggest edits.');
      return;
    }
    if (!c.valid) {
      void vscode.window.showWarningMessage(`Cell Lens: ${c.cell.label} has errors; fix them to get suggestions.`);
      return;
    }
    if (!service.trusted) {
      void vscode.window.showWarningMessage(
        'Cell Lens does not suggest edits in an untrusted workspace: each edit is scored by TensorFlow.js in a child process. Trust this workspace to get suggestions.',
      );
      return;
    }
    const version = doc.version;
    const name = cellName(c.cell, c.hash);
    const r = results.get(keyOf(c.hash)) ?? (await compute(c, name));
    if (!r) return;
    remember(r);
    if (r.suggestions.length === 0) {
      void vscode.window.showInformationMessage(`Cell Lens: no single edit of ${name} could be scored.`);
      return;
    }
    const compareButton: vscode.QuickInputButton = {
      iconPath: new vscode.ThemeIcon('diff'),
      tooltip: 'Compare with the current cell',
    };
    const qp = vscode.window.createQuickPick<SuggestionItem>();
    // A user's calibration: the title names the dataset of the predicted loss (`now predicted PTB test loss …`).
    const now = r.prediction.calibrated
      ? predictionText(r.prediction)
      : `predicted ${r.prediction.lossText} · ${r.prediction.topText}`;
    qp.title = `Suggested edits of ${name} · now ${now}`;
    qp.placeholder = `${suggestLensTitle(r).slice(2)} of ${r.scored} scored · pick one to apply it (one undo), ⧉ to compare first`;
    qp.matchOnDescription = true;
    qp.items = r.suggestions
      .slice(0, DEFAULT_TOP)
      .map((s) => ({ ...suggestionItem(s), suggestion: s, buttons: [compareButton] }));
    return new Promise<boolean | undefined>((resolve) => {
      let done = false;
      const finish = (v: boolean | undefined) => {
        if (done) return;
        done = true;
        resolve(v);
        qp.dispose();
      };
      qp.onDidTriggerItemButton((e) => void preview(doc, c, e.item.suggestion));
      qp.onDidAccept(() => {
        const item = qp.selectedItems[0] ?? qp.activeItems[0];
        if (!item) return;
        qp.hide();
        void apply(doc, version, c, item.suggestion).then(finish);
      });
      qp.onDidHide(() => {
        if (!qp.selectedItems.length) finish(undefined);
      });
      qp.show();
    });
  };

  /** "✦ Suggest edits predicted to help" on the cell at the cursor (a refactoring that runs the command). */
  const actions: vscode.CodeActionProvider = {
    provideCodeActions(doc, range) {
      if (!service.trusted) return [];
      const a = cache.get(doc);
      if (!a || a.version !== doc.version) return [];
      const start = doc.offsetAt(range.start);
      const c = a.cells.find((x) => x.valid && start >= x.cell.span.start && start <= x.cell.span.end);
      if (!c) return [];
      const act = new vscode.CodeAction(SUGGEST_ACTION_TITLE, vscode.CodeActionKind.RefactorRewrite);
      act.command = {
        title: SUGGEST_ACTION_TITLE,
        command: 'cellLens.suggestEdits',
        arguments: [doc.uri, c.cell.index],
      };
      return [act];
    },
  };

  return {
    commands: { 'cellLens.suggestEdits': suggest },
    disposables: [
      vscode.languages.registerCodeActionsProvider(CELL_FILE_SELECTOR, actions, {
        providedCodeActionKinds: [vscode.CodeActionKind.RefactorRewrite],
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()),
    ],
  };
}
