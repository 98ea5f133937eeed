/**
 * The protocol between the analysis cache (`analysis.ts`, on the extension host) and the parse worker thread
 * (`parseWorker.ts` → `dist/parseWorker.js`). Parsing a 2,000-cell candidates file takes about half a second of
 * synchronous work, so documents above a size are parsed on the worker; the host then pulls the cells in slices
 * ({@link ParseRequest} `slice`), one reply at a time, because receiving a message is itself synchronous: the whole
 * parse (several MB once serialised) would take a few hundred milliseconds to deserialise in one go.
 * Messages are checked on receipt, so a worker of another version is told apart from a bug. Pure Node code, no
 * `vscode` import.
 */
import type { Cell, Diagnostic } from '../recipe/types';

/** Version of this protocol; a worker answers a `parse` of another version with an error. */
export const PARSE_PROTOCOL_VERSION = 1;

/** Host → worker. */
export type ParseRequest =
  /** Parse `text` (recipe/parse `parseDocument`); the worker keeps the result until its last slice or a `drop`. */
  | { readonly type: 'parse'; readonly protocol: number; readonly id: number; readonly text: string }
  /** The cells of request `id` from `start`: as many as fit in about `maxChars` characters of source, at least one. */
  | { readonly type: 'slice'; readonly id: number; readonly start: number; readonly maxChars: number }
  /** The host no longer wants request `id` (a newer version of the document came). */
  | { readonly type: 'drop'; readonly id: number };

/** Worker → host: one reply per request (`parse` → `parsed` or `error`, `slice` → `cells` or `error`). */
export type ParseReply =
  /** Parsed: `cells` cells (pull them with `slice`) and the diagnostics that belong to no cell. */
  | {
      readonly type: 'parsed';
      readonly id: number;
      readonly cells: number;
      readonly diagnostics: readonly Diagnostic[];
    }
  /** Cells `start`, `start + 1`, … of request `id` (plain data: a structured clone of the parser's output). */
  | { readonly type: 'cells'; readonly id: number; readonly start: number; readonly cells: readonly Cell[] }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Whether `v` is a well-formed {@link ParseRequest} (what the worker checks). */
export function isParseRequest(v: unknown): v is ParseRequest {
  const m = v as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || !isInt(m.id)) return false;
  switch (m.type) {
    case 'parse':
      return isInt(m.protocol) && typeof m.text === 'string';
    case 'slice':
      return isInt(m.start) && m.start >= 0 && typeof m.maxChars === 'number' && m.maxChars > 0;
    case 'drop':
      return true;
    default:
      return false;
  }
}

/** Whether `v` is a well-formed {@link ParseReply} (cells are checked for their shape, not field by field). */
export function isParseReply(v: unknown): v is ParseReply {
  const m = v as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || !isInt(m.id)) return false;
  switch (m.type) {
    case 'parsed':
      return isInt(m.cells) && m.cells >= 0 && Array.isArray(m.diagnostics);
    case 'cells':
      return (
        isInt(m.start) &&
        m.start >= 0 &&
        Array.isArray(m.cells) &&
        m.cells.every(
          (c: unknown) =>
            typeof c === 'object' &&
            c !== null &&
            Array.isArray((c as Cell).nodes) &&
            Array.isArray((c as Cell).diagnostics),
        )
      );
    case 'error':
      return typeof m.message === 'string';
    default:
      return false;
  }
}
