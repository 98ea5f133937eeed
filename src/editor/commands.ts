/**
 * THE command table's vocabulary and its one registration. Every command Cell Lens contributes is listed here (in
 * package.json's order; test/unit/extension-host.test.ts keeps the two equal), each feature hands its handlers to
 * src/extension.ts as part of one table (id → handler), and {@link registerCommands} registers the table —
 * nowhere else calls `vscode.commands.registerCommand`.
 */
import * as vscode from 'vscode';

export const COMMAND_IDS = [
  'cellLens.showGraph',
  'cellLens.exportGraphSvg',
  'cellLens.exportGraphPng',
  'cellLens.pinGraph',
  'cellLens.unpinGraph',
  'cellLens.showBenchmarkRecord',
  'cellLens.showBenchmarkInfo',
  'cellLens.reloadBenchmark',
  'cellLens.analyseFile',
  'cellLens.showLog',
  'cellLens.scoreCell',
  'cellLens.scoreFile',
  'cellLens.scoreWorkspace',
  'cellLens.showScores',
  'cellLens.restartScoring',
  'cellLens.clearScoreCache',
  'cellLens.scoringActions',
  'cellLens.correlateScores',
  'cellLens.searchCells',
  'cellLens.openExamples',
  'cellLens.compareCells',
  'cellLens.compareWith',
  'cellLens.showCellsTable',
  'cellLens.showWorkspaceCellsTable',
  'cellLens.formatOnePerLine',
  'cellLens.suggestEdits',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** A command's handler: VS Code passes the arguments of the invocation (menus, lenses, executeCommand). */
export type CommandHandler = (...args: never[]) => unknown;

/** A part of the command table: the commands one feature handles. */
export type Commands = Partial<Record<CommandId, CommandHandler>>;

/** Registers every command of `table`, once; the disposables unregister them. */
export function registerCommands(table: Commands): vscode.Disposable[] {
  return Object.entries(table).map(([id, handler]) =>
    vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown),
  );
}
