/**
 * Entry of a benchmark loading worker thread (bundled as `dist/benchmarkWorker.js`): reads one shard of the log
 * sources of its {@link LoadJob} and posts the outcomes in batches (see `protocol.ts`). Unzipping, JSON and the
 * canonical hash, which are nearly all of the cost of a big benchmark, run here, off the extension host.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openLogSource, readZipAsync, type LogOutcome } from './sources';
import { isLoadJob, LOAD_PROTOCOL_VERSION, type LoadMessage } from './protocol';

/** Outcomes per message: a batch costs the receiving thread a few milliseconds to deserialise. */
const BATCH = 200;

async function run(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: LoadMessage) => port.postMessage(m);
  if (!isLoadJob(workerData)) {
    post({ type: 'error', message: `not a benchmark load job of protocol version ${LOAD_PROTOCOL_VERSION}` });
    return;
  }
  const { sources, shard, shards, zips } = workerData;
  for (let i = 0; i < sources.length; i++) {
    const shared = zips[i];
    const opened = openLogSource(sources[i], shared ? new Uint8Array(shared) : await readZipAsync(sources[i]));
    post({ type: 'source', source: i, items: opened.items });
    let batch: LogOutcome[] = shard === 0 ? [...opened.prelude] : [];
    for (let pos = shard; pos < opened.items; pos += shards) {
      batch.push(opened.read(pos));
      if (batch.length >= BATCH) {
        post({ type: 'outcomes', source: i, outcomes: batch });
        batch = [];
      }
    }
    if (batch.length) post({ type: 'outcomes', source: i, outcomes: batch });
  }
  post({ type: 'done' });
}

run().catch((err: unknown) => {
  parentPort?.postMessage({
    type: 'error',
    message: err instanceof Error ? err.message : String(err),
  } satisfies LoadMessage);
});
