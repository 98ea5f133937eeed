/**
 * "Show Benchmark Record" (the benchmark lens): a webview panel with the cell's loss curves over epochs for every run
 * (src/benchmark/curves.ts; static SVG, no script, a CSP that allows only the stylesheet). One panel, reused.
 */
import * as vscode from 'vscode';
import type { BenchmarkEntry } from '../../benchmark/index';
import { lossChartHtml } from '../../benchmark/curves';

let current: vscode.WebviewPanel | undefined;

/** Shows (or updates) the loss-curves panel for a benchmark entry. */
export function showLossChart(extensionUri: vscode.Uri, entry: BenchmarkEntry, cellLabel: string): vscode.WebviewPanel {
  const title = `Loss curves: ${cellLabel}`;
  if (!current) {
    current = vscode.window.createWebviewPanel(
      'cellLens.lossCurves',
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: false,
        enableCommandUris: false,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
      },
    );
    current.onDidDispose(() => {
      current = undefined;
    });
  } else {
    current.title = title;
    current.reveal(undefined, true);
  }
  const styleUri = current.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'curves.css')).toString();
  current.webview.html = lossChartHtml({ cspSource: current.webview.cspSource, styleUri, entry, cellLabel });
  return current;
}
