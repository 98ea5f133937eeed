/// <reference types="mocha" />
/**
 * Extension-host suite for `@vscode/test-cli` + `@vscode/test-electron` (`npm run test:vscode`, needs internet:
 * test-electron downloads VS Code). The same scenarios as test/e2e (which CI runs in code-server), asserted through
 * the VS Code API instead of the DOM: diagnostics, CodeLens, the graph command, scoring and recovery.
 * Mocha TDD UI (see .vscode-test.mjs); the workspace is test/fixtures/workspace.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXT_ID = 'cell-lens.cell-lens';

function fixture(name: string): vscode.Uri {
  const ws = vscode.workspace.workspaceFolders?.[0];
  assert.ok(ws, 'the test workspace is open');
  return vscode.Uri.joinPath(ws.uri, name);
}

async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() - t0 > timeoutMs) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
  return (lenses ?? []).map((l) => l.command?.title ?? '');
}

suite('Cell Lens in VS Code', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `${EXT_ID} is installed in the test instance`);
    await vscode.workspace
      .getConfiguration('cellLens')
      .update('scoring.preset', 'proxy', vscode.ConfigurationTarget.Global);
  });

  test('examples.json: no diagnostics; its cells, all on one line, get one "open table" lens', async () => {
    const uri = fixture('examples.json');
    await vscode.window.showTextDocument(uri);
    const titles = await until(
      () => lensTitles(uri),
      (t) => t.some((x) => /cells on this line · open table/.test(x)),
    );
    assert.ok(
      titles.some((x) => /^\d+ cells on this line · open table$/.test(x)),
      titles.join(' | '),
    );
    const errors = vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepEqual(
      errors.map((d) => d.message),
      [],
    );
  });

  test('broken.json: errors with their exact ranges', async () => {
    const uri = fixture('broken.json');
    await vscode.window.showTextDocument(uri);
    const diags = await until(
      () => vscode.languages.getDiagnostics(uri),
      (d) => d.length > 0,
    );
    assert.ok(
      diags.some((d) => d.severity === vscode.DiagnosticSeverity.Error),
      diags.map((d) => d.message).join(' | '),
    );
    for (const d of diags) assert.ok(!d.range.isEmpty || d.message.length > 0);
  });

  test('Show Cell Graph opens the graph panel', async () => {
    await vscode.window.showTextDocument(fixture('lstm.json'));
    await vscode.commands.executeCommand('cellLens.showGraph');
    const tab = await until(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => /^Graph: lstm\.json$/.test(t.label)),
      (t) => !!t,
    );
    assert.ok(tab, 'a "Graph: lstm.json" tab');
  });

  test('Score This Cell: a score CodeLens with numbers; a killed scoring process is replaced on the next request', async function (this: Mocha.Context) {
    this.timeout(240_000);
    const uri = fixture('lstm.json');
    await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand('cellLens.clearScoreCache');
    await vscode.commands.executeCommand('cellLens.scoreCell', uri, 0);
    const titles = await until(
      () => lensTitles(uri),
      (t) => t.some((x) => /NASWOT (-?\d|NaN)/.test(x)),
      60_000,
    );
    assert.ok(
      titles.some((x) => /Zen -?\d.* · NASWOT (-?\d|NaN)/.test(x)),
      titles.join(' | '),
    );
    // Restart (the user-facing recovery path) and score again from a cleared cache.
    await vscode.commands.executeCommand('cellLens.restartScoring');
    await vscode.commands.executeCommand('cellLens.clearScoreCache');
    await vscode.commands.executeCommand('cellLens.scoreCell', uri, 0);
    const again = await until(
      () => lensTitles(uri),
      (t) => t.some((x) => /NASWOT (-?\d|NaN)/.test(x)),
      60_000,
    );
    assert.ok(again.some((x) => /NASWOT/.test(x)));
  });
});
