/** `cell-lens lookup FILE... [--logs PATH[=DATASET]]... [--no-bundled]`: benchmark records of each cell as JSON. */
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { canonicalHash } from '../recipe/canonical';
import { loadBenchmarkIndex } from '../benchmark/load';
import type { LogSource } from '../benchmark/sources';
import { readCellFile } from './check';
import { cellName } from '../report/format';
import { modelParams } from '../scoring/model/params';
import type { CliIO } from './io';
import { parseCli, type CommandSpec } from './args';

/** `cell-lens lookup`: its options, declared once for the parser and the help. */
export const LOOKUP_COMMAND = {
  name: 'lookup',
  synopsis: 'FILE... [options]',
  description:
    'Prints the benchmark records of every valid cell in the files as JSON: losses, rank and percentile in each\ndataset that trained it (matched by canonical hash, so renamed nodes and reordered inputs still match).',
  positionals: { name: 'FILE', required: true },
  options: {
    logs: {
      type: 'string',
      arg: 'PATH[=DATASET]',
      multiple: true,
      help: 'also look in these NAS-Bench-NLP logs (folder or zip; repeatable), optionally naming the dataset',
    },
    'no-bundled': { type: 'boolean', help: 'leave out the bundled WikiText-2 index' },
  },
  footer: 'Exit codes: 0 ok, 1 some cell is invalid or a file cannot be read, 2 usage error.',
} as const satisfies CommandSpec;

export async function runLookup(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCli(LOOKUP_COMMAND, argv, io, ({ values: v, positionals }) => ({
    files: positionals,
    bundled: !v['no-bundled'],
    sources: v.logs.map((l): LogSource => {
      const eq = l.lastIndexOf('=');
      return eq > 0 ? { path: l.slice(0, eq), dataset: l.slice(eq + 1) } : { path: l };
    }),
  }));
  if (parsed.exit !== undefined) return parsed.exit;
  const { files, bundled, sources } = parsed.args;
  const index = await loadBenchmarkIndex(sources, { prebuilt: bundled });
  for (const w of index.warnings.slice(0, 20)) io.stderr(`warning: ${w.file}: ${w.message}\n`);
  const out: unknown[] = [];
  let invalid = 0;
  for (const f of files) {
    let text: string;
    try {
      text = readCellFile(f);
    } catch (e) {
      io.stderr(`${f}: cannot read: ${(e as Error).message}\n`);
      invalid++;
      continue;
    }
    const doc = parseDocument(text);
    if (doc.cells.length === 0) invalid++;
    for (const c of doc.cells) {
      const errors = c.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) {
        invalid++;
        out.push({ file: f, cell: c.index, label: c.label, valid: false, errors: errors.map((d) => d.message) });
        continue;
      }
      const recipe = toRecipe(c);
      const hash = canonicalHash(recipe);
      const found = index.lookup(hash);
      const matches = found.map((m) => ({
        dataset: m.dataset,
        summary: m.summary,
        rank: m.rank ?? null,
        percentile: m.percentile ?? null,
        size: m.size,
        diverged: m.diverged,
        meanTestLoss: num(m.entry.meanTest),
        stdTestLoss: num(m.entry.stdTest),
        meanValLoss: num(m.entry.meanVal),
        bestTestLoss: num(m.entry.bestTest),
        bestValLoss: num(m.entry.bestVal),
        // The cell's parameter count on this dataset (the one count every surface shows; = the runs' num_params).
        numParams: modelParams(recipe, m.dataset).count,
        recepieIds: m.entry.recepieIds,
        runs: m.entry.runs.length,
        status: [...new Set(m.entry.runs.map((r) => r.status))],
      }));
      // Not in the benchmark: the count of the loaded benchmark's model (WikiText-2 when bundled), named.
      const params = modelParams(recipe, index.datasets()[0]);
      out.push({
        file: f,
        cell: c.index,
        label: cellName(c, hash, found),
        valid: true,
        hash,
        found: matches.length > 0,
        params,
        matches,
      });
    }
  }
  io.stdout(JSON.stringify(out, null, 2) + '\n');
  return invalid > 0 ? 1 : 0;
}

/** JSON has no NaN: non-finite numbers become null (with the entry's status saying why). */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
