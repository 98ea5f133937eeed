/**
 * Text → cells. Uses jsonc-parser's error-tolerant tree so every node, op and input maps back to its exact
 * span in the document; for a training log the recipe lives inside a JSON *string* (`"recepie": "{\"f\": ...}"`),
 * and spans are mapped through the string's escapes back into the document.
 *
 * Accepted shapes:
 *   1. one recipe object              {"node": {"op": ..., "input": [...]}, ...}
 *   2. a NAS-Bench-NLP training log   {"recepie": "<recipe JSON>", "recepie_id": ..., "test_losses": [...], ...}
 *   3. a list of (1) or (2)           [{...}, {...}]
 *
 * Never throws: any input gives cells and/or diagnostics.
 */
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { Cell, CellNode, Diagnostic, InputRef, LogInfo, ParsedDocument, Span } from './types';
import { validateNodes } from './validate';

/** Documents longer than this are not analysed (a clear diagnostic instead). */
export const MAX_DOCUMENT_CHARS = 5_000_000;
/**
 * Arrays/objects nested deeper than this are not analysed: the JSON parser recurses per level and would overflow
 * the stack near ~5,000 levels (a recipe is 3 levels deep, a list of logs 4).
 */
export const MAX_NESTING = 512;
/** Only the first this many items of a list are analysed (a huge list of tiny items would stall the editor). */
export const MAX_LIST_ITEMS = 10_000;

interface Ctx {
  /** Maps an offset of the text being parsed to an offset in the document. */
  readonly map: (offset: number) => number;
}
const identity: Ctx = { map: (o) => o };

function span(ctx: Ctx, start: number, end: number): Span {
  return { start: ctx.map(start), end: ctx.map(end) };
}
function nodeSpan(ctx: Ctx, n: JsonNode): Span {
  return span(ctx, n.offset, n.offset + n.length);
}

/** Parse a whole document. */
export function parseDocument(text: string): ParsedDocument {
  try {
    return parseDocumentUnsafe(text);
  } catch (e) {
    // Defence in depth: the code below is written not to throw, but a parser must never take the editor down.
    return {
      cells: [],
      diagnostics: [
        {
          code: 'not-json',
          severity: 'error',
          message: `Cell Lens could not analyse this file: ${String(e)}`,
          span: { start: 0, end: 0 },
        },
      ],
    };
  }
}

function parseDocumentUnsafe(text: string): ParsedDocument {
  if (typeof text !== 'string') text = String(text);
  if (text.length > MAX_DOCUMENT_CHARS) {
    return {
      cells: [],
      diagnostics: [
        {
          code: 'too-large',
          severity: 'warning',
          span: { start: 0, end: 0 },
          message: `File is ${(text.length / 1e6).toFixed(1)} MB; Cell Lens analyses files up to ${MAX_DOCUMENT_CHARS / 1e6} MB. A NAS-Bench-NLP cell is a few kB.`,
        },
      ],
    };
  }
  const deep = tooDeepAt(text, MAX_NESTING);
  if (deep >= 0) {
    return { cells: [], diagnostics: [nestingDiagnostic(deep, identity, 'not-a-cell', '')] };
  }
  const errors: ParseError[] = [];
  // A UTF-8 byte order mark (Windows editors write one; RFC 8259 lets parsers ignore it) is read as a space.
  const source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  // Python's json module writes NaN / Infinity (NAS-Bench-NLP logs of diverged cells hold them): accept them.
  const { text: jsonText, specials } = replaceNonFiniteLiterals(source);
  const root = parseTree(jsonText, errors, {
    allowTrailingComma: false,
    disallowComments: false,
    allowEmptyContent: true,
  });
  if (errors.length > 0) {
    return { cells: [], diagnostics: errors.slice(0, 20).map((e) => syntaxDiagnostic(text, e, identity)) };
  }
  nonFinite = specials;
  if (!root) {
    return {
      cells: [],
      diagnostics: [
        {
          code: 'not-a-cell',
          severity: 'error',
          span: { start: 0, end: 0 },
          message: 'The file is empty: expected a NAS-Bench-NLP recipe {"node": {"op": ..., "input": [...]}}.',
        },
      ],
    };
  }
  const docDiags: Diagnostic[] = [];
  const cells: Cell[] = [];
  if (root.type === 'object') {
    const cell = readCellOrLog(text, root, 0, 'recipe', docDiags);
    if (cell) cells.push(cell);
  } else if (root.type === 'array') {
    const items = root.children ?? [];
    if (items.length === 0) {
      docDiags.push({
        code: 'not-a-cell',
        severity: 'error',
        span: nodeSpan(identity, root),
        message: 'Empty list: expected a list of NAS-Bench-NLP recipes.',
      });
    }
    if (items.length > MAX_LIST_ITEMS) {
      docDiags.push({
        code: 'too-large',
        severity: 'warning',
        span: nodeSpan(identity, items[MAX_LIST_ITEMS]),
        message: `The list has ${items.length} items; Cell Lens analyses the first ${MAX_LIST_ITEMS}.`,
      });
    }
    items.slice(0, MAX_LIST_ITEMS).forEach((item) => {
      if (item.type !== 'object') {
        docDiags.push({
          code: 'not-a-cell',
          severity: 'error',
          span: nodeSpan(identity, item),
          message: `List item is ${describe(item)}; expected a recipe object {"node": {"op": ..., "input": [...]}}.`,
        });
        return;
      }
      const cell = readCellOrLog(text, item, cells.length, 'list', docDiags);
      if (cell) cells.push(cell);
    });
  } else {
    docDiags.push({
      code: 'not-a-cell',
      severity: 'error',
      span: nodeSpan(identity, root),
      message: `The file holds ${describe(root)}; expected a NAS-Bench-NLP recipe object, a training log or a list of recipes.`,
    });
  }
  return { cells, diagnostics: docDiags };
}

/** Offsets of NaN / Infinity literals of the document being parsed → their values. */
let nonFinite = new Map<number, number>();

/**
 * Replace `NaN`, `Infinity`, `-Infinity` outside strings by JSON numbers of the same length (so every offset
 * stays valid) and remember their real values by offset.
 */
export function replaceNonFiniteLiterals(text: string): { text: string; specials: Map<number, number> } {
  const specials = new Map<number, number>();
  if (!/NaN|Infinity/.test(text)) return { text, specials };
  const out: string[] = [];
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \\ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) {
      inString = true;
      continue;
    }
    const tok = text.startsWith('NaN', i)
      ? 'NaN'
      : text.startsWith('-Infinity', i)
        ? '-Infinity'
        : text.startsWith('Infinity', i)
          ? 'Infinity'
          : undefined;
    if (!tok) continue;
    const before = i > 0 ? text[i - 1] : ' ';
    const after = text[i + tok.length] ?? ' ';
    if (/[\w.]/.test(before) || /[\w.]/.test(after)) continue;
    out.push(
      text.slice(last, i),
      tok === '-Infinity'
        ? '-0.' + '0'.repeat(tok.length - 3)
        : tok === 'NaN'
          ? '0.0'
          : '0.' + '0'.repeat(tok.length - 2),
    );
    specials.set(i, tok === 'NaN' ? NaN : tok === 'Infinity' ? Infinity : -Infinity);
    last = i + tok.length;
    i = last - 1;
  }
  out.push(text.slice(last));
  return { text: out.join(''), specials };
}

/**
 * Offset of the first `[` or `{` (outside strings and comments) that opens level `limit + 1`, or -1 when the text
 * is nested at most `limit` levels deep. Linear, no recursion.
 */
export function tooDeepAt(text: string, limit: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 92 /* \\ */) i++;
        else if (c === 34 || c === 10 || c === 13 /* an unterminated string ends at the line */) break;
      }
    } else if (ch === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
    } else if (ch === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      if (++depth > limit) return i;
    } else if (ch === 93 /* ] */ || ch === 125 /* } */) {
      if (depth > 0) depth--;
    }
  }
  return -1;
}

function nestingDiagnostic(offset: number, ctx: Ctx, code: 'not-a-cell' | 'bad-log', what: string): Diagnostic {
  return {
    code,
    severity: 'error',
    span: span(ctx, offset, offset + 1),
    message: `${what}Nested more than ${MAX_NESTING} levels deep here: this is not a NAS-Bench-NLP cell (a recipe is 3 levels deep), and Cell Lens does not analyse it further.`,
  };
}

function syntaxDiagnostic(text: string, e: ParseError, ctx: Ctx): Diagnostic {
  const start = Math.min(e.offset, text.length);
  const end = Math.min(text.length, start + Math.max(1, e.length));
  return {
    code: 'not-json',
    severity: 'error',
    span: span(ctx, start, end),
    message: `Not valid JSON: ${humanParseError(printParseErrorCode(e.error))}.`,
  };
}

/** A jsonc-parser error code in words (`InvalidSymbol` → `unexpected character`). */
export function humanParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'a property name in double quotes is expected',
    ValueExpected: 'a value is expected',
    ColonExpected: 'a colon is expected',
    CommaExpected: 'a comma is expected',
    CloseBraceExpected: 'a closing } is expected',
    CloseBracketExpected: 'a closing ] is expected',
    EndOfFileExpected: 'the end of the file is expected here (extra content)',
    InvalidCommentToken: 'invalid comment',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in string',
  };
  return words[code] ?? code;
}

function describe(n: JsonNode): string {
  switch (n.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'null';
  }
}

function prop(obj: JsonNode, key: string): JsonNode | undefined {
  let found: JsonNode | undefined;
  for (const p of obj.children ?? []) {
    const k = p.children?.[0];
    if (k && k.value === key) found = p.children?.[1]; // last wins, as in JSON.parse
  }
  return found;
}

function readCellOrLog(
  text: string,
  obj: JsonNode,
  index: number,
  source: 'recipe' | 'list',
  docDiags: Diagnostic[],
): Cell | undefined {
  const recepie = prop(obj, 'recepie');
  if (recepie !== undefined) return readLog(text, obj, recepie, index, docDiags);
  const diagnostics: Diagnostic[] = [];
  const nodes = readRecipeObject(obj, identity, diagnostics);
  const label = source === 'list' ? `cell ${index}` : 'recipe';
  const s = nodeSpan(identity, obj);
  return finishCell({
    index,
    label,
    source,
    span: s,
    anchor: { start: s.start, end: s.start + 1 },
    nodes,
    diagnostics,
  });
}

/** How a string value is written inside a JSON string literal (a log's `recepie`). */
const encodeInString = (s: string) => JSON.stringify(JSON.stringify(s)).slice(1, -1);

function finishCell(
  c: Omit<Cell, 'diagnostics'> & { diagnostics: Diagnostic[] },
  encode: (s: string) => string = JSON.stringify,
): Cell {
  const diagnostics = c.diagnostics.concat(validateNodes(c.nodes, c.anchor, c.span, encode));
  return { ...c, diagnostics };
}

function readLog(
  text: string,
  obj: JsonNode,
  recepie: JsonNode,
  index: number,
  docDiags: Diagnostic[],
): Cell | undefined {
  const objSpan = nodeSpan(identity, obj);
  const num = (k: string): number | undefined => {
    const v = prop(obj, k);
    return v && v.type === 'number' && typeof v.value === 'number' ? v.value : undefined;
  };
  const str = (k: string): string | undefined => {
    const v = prop(obj, k);
    return v && v.type === 'string' && typeof v.value === 'string' ? v.value : undefined;
  };
  const nums = (k: string): number[] | undefined => {
    const v = prop(obj, k);
    if (!v || v.type !== 'array') return undefined;
    return (v.children ?? []).map(
      (c) => nonFinite.get(c.offset) ?? (c.type === 'number' && typeof c.value === 'number' ? c.value : NaN),
    );
  };
  const testLosses = nums('test_losses');
  const log: LogInfo = {
    recepieId: num('recepie_id'),
    status: str('status'),
    dataset: datasetLabel(str('data')),
    numParams: num('num_params'),
    epochs: testLosses?.length ?? num('epochs'),
    testLosses,
    valLosses: nums('val_losses'),
    trainLosses: nums('train_losses'),
  };
  // A search result (`{"search": {"rank": k, …}, "recepie": {…}}`, what Search Cells writes) is labelled by its rank.
  const searchRank = (() => {
    const sr = prop(obj, 'search');
    const r = sr && sr.type === 'object' ? prop(sr, 'rank') : undefined;
    return r && r.type === 'number' ? (r.value as number) : undefined;
  })();
  const label =
    log.recepieId !== undefined
      ? `log ${log.recepieId}`
      : searchRank !== undefined
        ? `search #${searchRank}`
        : `log ${index}`;
  const anchor = { start: objSpan.start, end: objSpan.start + 1 };
  if (recepie.type !== 'string' || typeof recepie.value !== 'string') {
    // A log may also carry the recipe as an object (hand-edited logs); accept it.
    if (recepie.type === 'object') {
      const diagnostics: Diagnostic[] = [];
      const nodes = readRecipeObject(recepie, identity, diagnostics);
      return finishCell({
        index,
        label,
        source: 'log',
        span: nodeSpan(identity, recepie),
        anchor,
        nodes,
        log,
        diagnostics,
      });
    }
    docDiags.push({
      code: 'bad-log',
      severity: 'error',
      span: nodeSpan(identity, recepie),
      message: `"recepie" is ${describe(recepie)}; a NAS-Bench-NLP log holds the recipe as a JSON string.`,
    });
    return undefined;
  }
  const map = stringOffsetMap(recepie, text);
  const ctx: Ctx = { map: (o) => map[Math.max(0, Math.min(o, map.length - 1))] };
  const inner = recepie.value;
  const innerDeep = tooDeepAt(inner, MAX_NESTING);
  if (innerDeep >= 0) {
    return {
      index,
      label,
      source: 'log',
      span: nodeSpan(identity, recepie),
      anchor,
      nodes: [],
      log,
      diagnostics: [nestingDiagnostic(innerDeep, ctx, 'bad-log', 'The "recepie" string is not a recipe: ')],
    };
  }
  const errors: ParseError[] = [];
  const innerRoot = parseTree(inner, errors, {
    allowTrailingComma: false,
    disallowComments: true,
    allowEmptyContent: true,
  });
  const strSpan = nodeSpan(identity, recepie);
  if (errors.length > 0) {
    const diagnostics = errors.slice(0, 20).map((e) => {
      const d = syntaxDiagnostic(inner, e, ctx);
      return {
        ...d,
        code: 'bad-log' as const,
        message: `The "recepie" string is not valid JSON: ${d.message.replace(/^Not valid JSON: /, '')}`,
      };
    });
    return { index, label, source: 'log', span: strSpan, anchor, nodes: [], log, diagnostics };
  }
  if (!innerRoot || innerRoot.type !== 'object') {
    return {
      index,
      label,
      source: 'log',
      span: strSpan,
      anchor,
      nodes: [],
      log,
      diagnostics: [
        {
          code: 'bad-log',
          severity: 'error',
          span: strSpan,
          message: `The "recepie" string holds ${innerRoot ? describe(innerRoot) : 'nothing'}; expected a recipe object.`,
        },
      ],
    };
  }
  const diagnostics: Diagnostic[] = [];
  const nodes = readRecipeObject(innerRoot, ctx, diagnostics);
  return finishCell({ index, label, source: 'log', span: strSpan, anchor, nodes, log, diagnostics }, encodeInString);
}

/** 'data/wikitext-2' → 'WikiText-2', 'data/ptb' → 'PTB'. */
export function datasetLabel(data: string | undefined): string | undefined {
  if (!data) return undefined;
  const last =
    data
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? data;
  const l = last.toLowerCase();
  if (l.includes('wikitext-2') || l === 'wikitext2' || l === 'wt2') return 'WikiText-2';
  if (l.includes('wikitext-103')) return 'WikiText-103';
  if (l === 'ptb' || l.includes('penn')) return 'PTB';
  return last;
}

/**
 * For a JSON string literal node, map offsets of its decoded value to offsets in the document:
 * result[i] = document offset of the raw text that produced decoded char i; result[len] = offset of the closing quote.
 */
function stringOffsetMap(n: JsonNode, text: string): number[] {
  // jsonc-parser keeps only the decoded value; re-scan the raw literal in the document for its escapes.
  const raw = text.slice(n.offset, n.offset + n.length);
  const map: number[] = [];
  let i = 1; // skip opening quote
  const end = raw.length - 1;
  while (i < end) {
    const ch = raw[i];
    if (ch === '\\') {
      const e = raw[i + 1];
      if (e === 'u') {
        map.push(n.offset + i);
        i += 6;
      } else {
        map.push(n.offset + i);
        i += 2;
      }
    } else {
      map.push(n.offset + i);
      i += 1;
    }
  }
  map.push(n.offset + Math.max(1, end));
  return map;
}

function readRecipeObject(obj: JsonNode, ctx: Ctx, diagnostics: Diagnostic[]): CellNode[] {
  const byName = new Map<string, CellNode>();
  const firstKey = new Map<string, Span>();
  for (const p of obj.children ?? []) {
    const keyNode = p.children?.[0];
    const valueNode = p.children?.[1];
    if (!keyNode || typeof keyNode.value !== 'string') continue;
    const name = keyNode.value;
    const keySpan = nodeSpan(ctx, keyNode);
    const prev = firstKey.get(name);
    if (prev) {
      diagnostics.push({
        code: 'duplicate-key',
        severity: 'error',
        span: keySpan,
        nodes: [name],
        message: `Node "${name}" is defined twice; JSON keeps only the last definition, so the first is silently lost.`,
        related: [{ span: prev, message: 'first definition' }],
      });
    } else {
      firstKey.set(name, keySpan);
    }
    if (!valueNode) continue;
    const valueSpan = nodeSpan(ctx, valueNode);
    if (valueNode.type !== 'object') {
      diagnostics.push({
        code: 'bad-node',
        severity: 'error',
        span: valueSpan,
        nodes: [name],
        message: `Node "${name}" is ${describe(valueNode)}; expected {"op": "<op>", "input": [...]}.`,
      });
      byName.delete(name);
      byName.set(name, { name, op: '', inputs: [], keySpan, valueSpan, opSpan: keySpan, inputListSpan: valueSpan });
      continue;
    }
    // Duplicate "op"/"input" keys inside the node.
    const seen = new Set<string>();
    for (const q of valueNode.children ?? []) {
      const k = q.children?.[0];
      if (!k || typeof k.value !== 'string') continue;
      if (seen.has(k.value) && (k.value === 'op' || k.value === 'input')) {
        diagnostics.push({
          code: 'duplicate-key',
          severity: 'error',
          span: nodeSpan(ctx, k),
          nodes: [name],
          message: `"${k.value}" appears twice in node "${name}"; only the last one counts.`,
        });
      }
      seen.add(k.value);
    }
    const opNode = prop(valueNode, 'op');
    let op = '';
    let opSpan = keySpan;
    if (!opNode) {
      diagnostics.push({
        code: 'missing-op',
        severity: 'error',
        span: keySpan,
        nodes: [name],
        message: `Node "${name}" has no "op".`,
      });
    } else if (opNode.type !== 'string' || typeof opNode.value !== 'string') {
      opSpan = nodeSpan(ctx, opNode);
      diagnostics.push({
        code: 'missing-op',
        severity: 'error',
        span: opSpan,
        nodes: [name],
        message: `The "op" of node "${name}" is ${describe(opNode)}; expected an op name string.`,
      });
    } else {
      op = opNode.value;
      opSpan = nodeSpan(ctx, opNode);
      // validateNodes reads '' as "no op" (reported here), so an empty op string must be reported here too.
      if (op === '')
        diagnostics.push({
          code: 'missing-op',
          severity: 'error',
          span: opSpan,
          nodes: [name],
          message: `The "op" of node "${name}" is empty; expected an op name.`,
        });
    }
    const inputNode = prop(valueNode, 'input');
    const inputs: InputRef[] = [];
    let inputListSpan = valueSpan;
    if (!inputNode) {
      diagnostics.push({
        code: 'bad-input-list',
        severity: 'error',
        span: keySpan,
        nodes: [name],
        message: `Node "${name}" has no "input" list.`,
      });
    } else if (inputNode.type !== 'array') {
      inputListSpan = nodeSpan(ctx, inputNode);
      diagnostics.push({
        code: 'bad-input-list',
        severity: 'error',
        span: inputListSpan,
        nodes: [name],
        message: `The "input" of node "${name}" is ${describe(inputNode)}; expected a list of node names.`,
      });
    } else {
      inputListSpan = nodeSpan(ctx, inputNode);
      for (const item of inputNode.children ?? []) {
        if (item.type === 'string' && typeof item.value === 'string') {
          inputs.push({ name: item.value, span: nodeSpan(ctx, item) });
        } else {
          diagnostics.push({
            code: 'bad-input-list',
            severity: 'error',
            span: nodeSpan(ctx, item),
            nodes: [name],
            message: `Input of node "${name}" is ${describe(item)}; inputs are node names (strings).`,
          });
        }
      }
    }
    byName.delete(name); // keep document order of the last definition
    byName.set(name, { name, op, inputs, keySpan, valueSpan, opSpan, inputListSpan });
  }
  return [...byName.values()];
}
