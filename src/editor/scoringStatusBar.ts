/**
 * The scoring status bar item: "Scoring · <state>" of the first scoring process (the one the editor keeps), or
 * what runs now (the service's one progress state, {@link ScoringActivity.label}); shown while a cell file is
 * active or something is being scored. Clicking it opens the scoring actions.
 */
import * as vscode from 'vscode';
import type { ScoringStatus } from '../process/client';

/** What the item shows. */
export interface StatusBarState {
  readonly trusted: boolean;
  /** The first scoring process's status (undefined before it started). */
  readonly process: ScoringStatus | undefined;
  /** What runs now ("Scoring LSTM (a.json) 33%"), if anything. */
  readonly busy: string | undefined;
}

export class ScoringStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private wantVisible = false;
  private last: StatusBarState | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('cellLens.scoring', vscode.StatusBarAlignment.Right, 99);
    this.item.name = 'Cell Lens Scoring';
    this.item.command = 'cellLens.scoringActions';
  }

  /** Show the item (a cell file is active) or hide it unless scoring is running. */
  setVisible(visible: boolean): void {
    this.wantVisible = visible;
    if (this.last) this.render(this.last);
  }

  render(state: StatusBarState): void {
    this.last = state;
    const st = this.item;
    const s = state.process;
    st.backgroundColor = undefined;
    if (!state.trusted) {
      st.text = '$(shield) Scoring · off';
      st.tooltip = 'Cell Lens does not run the scorer in an untrusted workspace. Click for scoring actions.';
    } else if (state.busy) {
      // One naming for every state: "Scoring · <state>".
      st.text = `$(sync~spin) ${state.busy}`;
      st.tooltip = `Cell Lens is scoring${s?.backendDescription ? ` on ${s.backendDescription}` : ''}. Click for scoring actions.`;
    } else if (!s) {
      st.text = '$(beaker) Scoring · not started';
      st.tooltip = 'The scoring process starts on the first "Score This Cell". Click for scoring actions.';
    } else if (s.state === 'crashed') {
      st.text = '$(error) Scoring · stopped';
      st.tooltip = `${s.lastError ?? 'The scoring process stopped.'} It restarts on the next score request. Click for actions.`;
      st.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (s.state === 'starting' || s.state === 'restarting') {
      st.text = '$(sync~spin) Scoring · starting';
      st.tooltip = 'Loading TensorFlow.js in the scoring process…';
    } else {
      st.text = `$(beaker) Scoring · ${s.backend ?? 'ready'}`;
      const tried = s.tried?.filter((t) => t.error).map((t) => `  ${t.name}: ${t.error}`) ?? [];
      st.tooltip = [
        `Scoring backend: ${s.backendDescription ?? s.backend ?? 'unknown'}${s.pid ? ` (process ${s.pid})` : ''}`,
        ...(tried.length ? ['Not available:', ...tried] : []),
        ...(s.restarts ? [`Restarted ${s.restarts} time${s.restarts === 1 ? '' : 's'}.`] : []),
        'Click for scoring actions.',
      ].join('\n');
    }
    if (this.wantVisible || state.busy) st.show();
    else st.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
