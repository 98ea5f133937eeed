/**
 * Zip archives of logs through fflate's unzip API (`unzipSync` with a filter): the central directory read by
 * fflate (ZIP64 included), entries inflated in batches of the ones about to be read, so that a 14k-log archive
 * never holds its 70 MB of text at once. bench/zip-readers.ts measured this against yauzl and the hand-written
 * reader it replaced (bench/results/zip-readers.json). Pure Node code, no `vscode` import.
 */
import { unzipSync } from 'fflate';

/** One file of a zip archive, from its central directory. */
export interface ZipEntry {
  /** Place of the entry in the central directory. */
  readonly index: number;
  readonly name: string;
  /** 0 = stored, 8 = deflated; anything else cannot be read ({@link readableEntry}). */
  readonly compression: number;
  /** Size of the stored (compressed) bytes. */
  readonly compressedSize: number;
  /** Size once inflated, as the central directory gives it. */
  readonly size: number;
}

/** A central directory record takes at least 46 bytes: more entries than that is a damaged directory. */
const MIN_RECORD = 46;

/**
 * The entries of a zip archive from its central directory, in archive order. Throws with a plain message when
 * `bytes` is not a zip archive.
 */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const out: ZipEntry[] = [];
  const most = Math.floor(bytes.length / MIN_RECORD);
  unzipSync(bytes, {
    filter: (f) => {
      if (out.length >= most) throw new Error('bad central directory (more entries than the archive can hold)');
      out.push({
        index: out.length,
        name: f.name,
        compression: f.compression,
        compressedSize: f.size,
        size: f.originalSize,
      });
      return false; // listing only: nothing is inflated
    },
  });
  return out;
}

/** Whether {@link ZipBatchReader} can read the entry: stored or deflated, at most `maxBytes` once inflated. */
export function readableEntry(e: ZipEntry, maxBytes: number): boolean {
  return (e.compression === 0 || e.compression === 8) && e.size <= maxBytes;
}

/** The inflated bytes of `entries` (distinct names), by index; one pass of fflate over the central directory. */
function inflateEntries(bytes: Uint8Array, entries: readonly ZipEntry[]): Map<number, Uint8Array> {
  const wanted = new Set(entries.map((e) => e.index));
  let index = 0;
  // The output of each entry is its directory size at most (fflate inflates into a buffer of that size).
  const files = unzipSync(bytes, { filter: () => wanted.has(index++) });
  const out = new Map<number, Uint8Array>();
  for (const e of entries) {
    const data = files[e.name];
    if (data === undefined) throw new Error('the entry is missing');
    out.set(e.index, data);
  }
  return out;
}

/** Inflated bytes of an archive's entries (in batches) most of which fit in memory: 8 MB of text, ≈ 1,600 logs. */
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Reads the entries of one archive in the order a loader asks for them (item 0, 1, 2 … or a worker's shard, item
 * k, k + n, k + 2n …): each pass of fflate over the archive inflates the coming entries at the same stride, up to
 * {@link BATCH_BYTES}, and a damaged entry is found by halving the batch, so it fails alone.
 */
export class ZipBatchReader {
  private readonly batch = new Map<number, Uint8Array | Error>();
  private last = -1;
  private stride = 0;

  /** `entries`: the items in reading order, with distinct names. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly entries: readonly ZipEntry[],
    private readonly maxBytes: number,
  ) {}

  /** The inflated bytes of item `pos`. Throws with a plain message on a damaged or unreadable entry. */
  read(pos: number): Uint8Array {
    const e = this.entries[pos];
    if (e.compression !== 0 && e.compression !== 8) throw new Error(`unsupported compression method ${e.compression}`);
    if (e.size > this.maxBytes) throw new Error(`${e.size} bytes is over the ${this.maxBytes}-byte limit`);
    if (this.last >= 0 && pos > this.last) this.stride = pos - this.last;
    this.last = pos;
    if (!this.batch.has(pos)) {
      this.batch.clear();
      // The first read inflates its entry alone: the stride is known from the second.
      const items = [pos];
      let size = e.size;
      for (
        let p = pos + this.stride;
        this.stride > 0 && p < this.entries.length && size < BATCH_BYTES;
        p += this.stride
      ) {
        if (!readableEntry(this.entries[p], this.maxBytes)) continue;
        items.push(p);
        size += this.entries[p].size;
      }
      this.fill(items);
    }
    const data = this.batch.get(pos) as Uint8Array | Error;
    this.batch.delete(pos);
    if (data instanceof Error) throw data;
    return data;
  }

  private fill(items: readonly number[]): void {
    try {
      const got = inflateEntries(
        this.bytes,
        items.map((p) => this.entries[p]),
      );
      for (const p of items) this.batch.set(p, got.get(this.entries[p].index) as Uint8Array);
    } catch (err) {
      if (items.length === 1) {
        this.batch.set(items[0], err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const half = items.length >> 1;
      this.fill(items.slice(0, half));
      this.fill(items.slice(half));
    }
  }
}
