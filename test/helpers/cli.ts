/** Runs the built CLI (dist/cli.js) as a child process in a folder; builds the bundles first when they are missing. */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO } from './data';

export const CLI = path.join(REPO, 'dist', 'cli.js');

/** `node dist/cli.js ...args` in `cwd`: exit code, stdout, stderr. */
export function runCli(
  cwd: string,
  args: string[],
  timeoutMs = 180_000,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : 1
          : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

/** Builds dist/ when the CLI or the worker bundle is missing. */
export function ensureBuilt(): void {
  if (existsSync(CLI) && existsSync(path.join(REPO, 'dist', 'worker.js'))) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
  assert.equal(r.status, 0, 'build failed');
}
