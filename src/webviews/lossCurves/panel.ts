/**
 * "Show Benchmark Record" (the benchmark lens): a webview panel with the cell's loss curves over epochs for every run
 * (src/benchmark/curves.ts; static SVG, no script, a CSP that allows only the stylesheet). One panel, reused; the
 * panel host (webviews/host.ts) opens it as a static page: scripts off, resources from media/ only.
 */
import * as vscode from 'vscode';
import type { BenchmarkEntry } from '../../benchmark/index';
import { lossChartHtml } from '../../benchmark/curves';
import { assetUri, openPanel, type PanelKind } from '../host';

const LOSS_CURVES_PANEL: PanelKind = { viewType: 'cellLens.lossCurves', scripts: false };

let current: vscode.WebviewPanel | undefined;

/** Shows (or updates) the loss-curves panel for a benchmark entry. */
export function showLossChart(extensionUri: vscode.Uri, entry: BenchmarkEntry, cellLabel: string): vscode.WebviewPanel {
  const title = `Loss curves: ${cellLabel}`;
  if (!current) {
    current = openPanel(LOSS_CURVES_PANEL, extensionUri, title, {
      viewColumn: vscode.ViewColumn.Beside,
      preserveFocus: true,
    });
    current.onDidDispose(() => {
      current = undefined;
    });
  } else {
    current.title = title;
    current.reveal(undefined, true);
  }
  const styleUri = assetUri(current.webview, extensionUri, 'media', 'curves.css');
  current.webview.html = lossChartHtml({ cspSource: current.webview.cspSource, styleUri, entry, cellLabel });
  return current;
}
