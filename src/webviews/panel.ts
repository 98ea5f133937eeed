/**
 * What every scripted Cell Lens webview panel (graph, compare, cells table, Score Correlations) shares: scripts on,
 * no command links, resources only from the extension's dist/ and media/ folders, and the webview URIs of those
 * files. The HTML (strict CSP with a nonce) is webviews/html.ts's.
 */
import * as vscode from 'vscode';

/**
 * Webview and panel options of a scripted panel. `extra` adds panel options such as the find widget; it comes first,
 * so nothing in it can turn command URIs on or widen the resource roots.
 */
export function scriptedPanelOptions(
  extensionUri: vscode.Uri,
  extra: vscode.WebviewPanelOptions = {},
): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    ...extra,
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** A new scripted panel. */
export function openScriptedPanel(
  viewType: string,
  title: string,
  show: { viewColumn: vscode.ViewColumn; preserveFocus: boolean },
  extensionUri: vscode.Uri,
  extra?: vscode.WebviewPanelOptions,
): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewType, title, show, scriptedPanelOptions(extensionUri, extra));
}

/** The webview URI (as a string for the HTML) of a file of the extension, e.g. `assetUri(w, ext, 'dist', 'table.js')`. */
export function assetUri(webview: vscode.Webview, extensionUri: vscode.Uri, ...path: string[]): string {
  return webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
}
