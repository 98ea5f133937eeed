/**
 * Entry of the parse worker thread (bundled as `dist/parseWorker.js`, started by `parseThread.ts`): parses big
 * documents off the extension host and hands the cells back in slices the host asks for (see `parseProtocol.ts`).
 * Pure Node code, no `vscode` import.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { parseDocument } from '../recipe/parse';
import type { ParsedDocument } from '../recipe/types';
import { isParseRequest, PARSE_PROTOCOL_VERSION, type ParseReply } from './parseProtocol';

/** Parses whose cells the host has not taken yet, by request id. */
const results = new Map<number, ParsedDocument>();
/** Requests the host dropped before their parse began (while typing, each pause asks for a newer version). */
const dropped = new Set<number>();
/** The newest parse request handled (ids grow): a drop of it or an older one needs no note. */
let lastParse = 0;
/** Requests received and not handled yet, in order. */
const queue: unknown[] = [];

/**
 * Takes every message waiting on the port, noting drops at once: a parse the host dropped while an earlier one ran
 * is skipped instead of costing another half second.
 */
function drain(): void {
  for (let m = parentPort && receiveMessageOnPort(parentPort); m; m = parentPort && receiveMessageOnPort(parentPort)) {
    const r = m.message as unknown;
    if (isParseRequest(r) && r.type === 'drop') forget(r.id);
    else queue.push(r);
  }
}

function forget(id: number): void {
  results.delete(id);
  if (id > lastParse) dropped.add(id);
}

function reply(m: ParseReply): void {
  parentPort?.postMessage(m);
}

parentPort?.on('message', (m: unknown) => {
  queue.push(m);
  drain();
  while (queue.length > 0) handle(queue.shift());
});

function handle(m: unknown): void {
  if (!isParseRequest(m)) {
    const id = typeof (m as { id?: unknown } | null)?.id === 'number' ? (m as { id: number }).id : -1;
    reply({ type: 'error', id, message: 'not a parse request' });
    return;
  }
  try {
    switch (m.type) {
      case 'parse': {
        drain();
        lastParse = Math.max(lastParse, m.id);
        if (dropped.delete(m.id)) return;
        if (m.protocol !== PARSE_PROTOCOL_VERSION) {
          reply({
            type: 'error',
            id: m.id,
            message: `parse protocol ${m.protocol}, this worker speaks ${PARSE_PROTOCOL_VERSION}`,
          });
          return;
        }
        const parsed = parseDocument(m.text);
        results.set(m.id, parsed);
        reply({ type: 'parsed', id: m.id, cells: parsed.cells.length, diagnostics: parsed.diagnostics });
        if (parsed.cells.length === 0) results.delete(m.id);
        return;
      }
      case 'slice': {
        const parsed = results.get(m.id);
        if (!parsed) {
          reply({ type: 'error', id: m.id, message: `no parse ${m.id} here` });
          return;
        }
        // Source characters are a fair proxy for what a cell costs to clone and to receive (spans, names, diagnostics).
        let end = m.start,
          chars = 0;
        while (end < parsed.cells.length && (end === m.start || chars < m.maxChars)) {
          const c = parsed.cells[end++];
          chars += Math.max(1, c.span.end - c.span.start);
        }
        if (end >= parsed.cells.length) results.delete(m.id);
        reply({ type: 'cells', id: m.id, start: m.start, cells: parsed.cells.slice(m.start, end) });
        return;
      }
      case 'drop':
        forget(m.id);
        return;
    }
  } catch (e) {
    reply({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
}
