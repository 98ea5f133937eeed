/**
 * "Cell Lens: Open Example Cells": the benchmark's ten reference cells (media/examples/recepies_example.json,
 * NAS-Bench-NLP, Apache-2.0), one cell per line, in a new untitled JSON editor — the first step of the walkthrough.
 */
import * as vscode from 'vscode';
import type { Commands } from './commands';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Context keys that tick the walkthrough's steps (package.json `completionEvents`: `onContext:`): set when the step's
 * command did its work — a graph drawn, a cell scored — not merely when it ran (it may only have explained why not).
 */
export const WALKTHROUGH_DONE = {
  graph: 'cellLens.walkthrough.graphShown',
  score: 'cellLens.walkthrough.cellScored',
} as const;

/** Tick a walkthrough step (see {@link WALKTHROUGH_DONE}). */
export function walkthroughDone(step: keyof typeof WALKTHROUGH_DONE): void {
  void vscode.commands.executeCommand('setContext', WALKTHROUGH_DONE[step], true);
}

/** The command's part of the table; `extensionPath` is where media/ lives. */
export function exampleCommands(extensionPath: string, log: vscode.LogOutputChannel): Commands {
  return {
    'cellLens.openExamples': async () => {
      const file = path.join(extensionPath, 'media', 'examples', 'recepies_example.json');
      let content: string;
      try {
        content = await fs.readFile(file, 'utf8');
      } catch (e) {
        log.error(`examples: cannot read ${file}: ${String(e)}`);
        void vscode.window.showErrorMessage(
          'Cell Lens: the example cells are missing from the extension (media/examples).',
        );
        return undefined;
      }
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
      await vscode.window.showTextDocument(doc);
      return doc;
    },
  };
}
