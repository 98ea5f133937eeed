/** `cell-lens check FILE... [--json]`: diagnostics of cell files; exit 1 when any error. */
import { readFileSync, statSync } from 'node:fs';
import { parseDocument, MAX_DOCUMENT_CHARS } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { canonicalHash } from '../recipe/canonical';
import type { Diagnostic } from '../recipe/types';
import type { CliIO } from './io';
import { lineCol } from './io';
import { parseCli, type CommandSpec } from './args';
import { cellName } from '../report/format';

export interface FileReport {
  file: string;
  cells: { index: number; label: string; nodes: number; hash: string; errors: number; warnings: number }[];
  diagnostics: (Diagnostic & { line: number; column: number; cell?: number })[];
}

export function checkText(file: string, text: string): FileReport {
  const doc = parseDocument(text);
  const lc = lineCol(text);
  const diagnostics: FileReport['diagnostics'] = [];
  for (const d of doc.diagnostics) diagnostics.push({ ...d, ...lc(d.span.start) });
  const cells = doc.cells.map((c) => {
    for (const d of c.diagnostics) diagnostics.push({ ...d, ...lc(d.span.start), cell: c.index });
    const hash = canonicalHash(toRecipe(c));
    const errors = c.diagnostics.filter((d) => d.severity === 'error').length;
    return {
      index: c.index,
      // Known names only: check loads no benchmark.
      label: cellName(c, errors === 0 && c.nodes.length > 0 ? hash : undefined),
      nodes: c.nodes.length,
      hash,
      errors,
      warnings: c.diagnostics.filter((d) => d.severity === 'warning').length,
    };
  });
  diagnostics.sort((a, b) => a.span.start - b.span.start);
  return { file, cells, diagnostics };
}

export function readCellFile(file: string): string {
  const st = statSync(file);
  if (st.size > MAX_DOCUMENT_CHARS * 4)
    throw new Error(`${file} is ${(st.size / 1e6).toFixed(1)} MB; too large for a cell file`);
  return readFileSync(file, 'utf8');
}

/** `cell-lens check`: its options, declared once for the parser and the help. */
export const CHECK_COMMAND = {
  name: 'check',
  synopsis: 'FILE... [--json]',
  description:
    'Validates NAS-Bench-NLP cell files (a recipe, a training log or a list of them): parse errors, unknown ops,\nmissing inputs, cycles, unreachable nodes — the diagnostics the editor shows.',
  positionals: { name: 'FILE', required: true },
  options: {
    json: {
      type: 'boolean',
      help: 'print the reports as JSON (cells with their canonical hash, diagnostics with line and column)',
    },
  },
  footer: 'Exit codes: 0 no errors, 1 some file has an error or cannot be read, 2 usage error.',
} as const satisfies CommandSpec;

export function runCheck(argv: string[], io: CliIO): number {
  const parsed = parseCli(CHECK_COMMAND, argv, io, (p) => ({ json: p.values.json, files: p.positionals }));
  if (parsed.exit !== undefined) return parsed.exit;
  const { json, files } = parsed.args;
  const reports: FileReport[] = [];
  let errors = 0;
  for (const f of files) {
    let text: string;
    try {
      text = readCellFile(f);
    } catch (e) {
      io.stderr(`${f}: cannot read: ${(e as Error).message}\n`);
      errors++;
      continue;
    }
    const r = checkText(f, text);
    reports.push(r);
    errors += r.diagnostics.filter((d) => d.severity === 'error').length;
  }
  if (json) {
    io.stdout(JSON.stringify(reports, null, 2) + '\n');
  } else {
    for (const r of reports) {
      for (const d of r.diagnostics)
        io.stdout(`${r.file}:${d.line}:${d.column}: ${d.severity} [${d.code}] ${d.message}\n`);
      const w = r.diagnostics.filter((d) => d.severity === 'warning').length;
      const e = r.diagnostics.filter((d) => d.severity === 'error').length;
      io.stdout(
        `${r.file}: ${r.cells.length} cell${r.cells.length === 1 ? '' : 's'}, ${e} error${e === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}\n`,
      );
    }
  }
  return errors > 0 ? 1 : 0;
}
