/**
 * Zip archives of logs through fflate's streaming `Unzip`, its deflate decoder replaced by Node's zlib: one
 * synchronous pass of fflate over the local headers lists the entries (ZIP64 included) without inflating any;
 * each log is inflated natively when it is read, parsed and dropped before the next, so a 14k-log archive never
 * holds its 70 MB of text at once. Pure Node code, no `vscode` import.
 */
import { Unzip, type FlateError, type UnzipDecoder, type UnzipFile } from 'fflate';
import { inflateRawSync } from 'node:zlib';

/** One file of a zip archive, from its local header. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated; anything else is reported as unsupported. */
  readonly method: number;
  /** Size once inflated, from the local header; 0 when the archive gives it after the data (a data descriptor). */
  readonly size: number;
  /** fflate's handle of the entry: its stored bytes, not yet decoded. */
  readonly file: UnzipFile;
}

/**
 * The archive is pushed to fflate in pieces of this size: `Unzip.push` recurses twice per entry it finds in one
 * piece, so a whole 14k-entry archive at once overflows the stack.
 */
const PIECE = 64 * 1024;

/** The entries of a zip archive, in archive order. Throws with a plain message when `bytes` is not a zip archive. */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const out: ZipEntry[] = [];
  const uz = new Unzip((file) =>
    out.push({ name: file.name, method: file.compression, size: file.originalSize ?? 0, file }),
  );
  uz.register(NativeInflate);
  for (let o = 0; o < bytes.length || o === 0; o += PIECE) {
    uz.push(bytes.subarray(o, o + PIECE), o + PIECE >= bytes.length);
  }
  if (out.length === 0) throw new Error('no local file header');
  return out;
}

/** Output limit of the next {@link NativeInflate} (set by {@link readZipEntry} right before it starts the entry). */
let outputLimit = 0;

/** fflate's decoder interface for deflated entries, inflating with Node's zlib once all the stored bytes are in. */
class NativeInflate implements UnzipDecoder {
  static readonly compression = 8;
  ondata: UnzipDecoder['ondata'] = () => undefined;
  private parts: Uint8Array[] = [];
  private readonly limit = outputLimit;

  push(chunk: Uint8Array, final: boolean): void {
    if (chunk.length > 0) this.parts.push(chunk);
    if (!final) return;
    const data = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts as Uint8Array<ArrayBuffer>[]);
    this.parts = [];
    let out: Buffer;
    try {
      // maxOutputLength guards against an entry whose header size lies (a zip bomb).
      out = inflateRawSync(data, { maxOutputLength: this.limit });
    } catch (err) {
      this.ondata(err as FlateError, new Uint8Array(0), true);
      return;
    }
    this.ondata(null, new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.length), true);
  }
}

const ignore = (): void => undefined;

/** The bytes of one entry (inflated, at most `maxBytes` + 1). Throws with a plain message on a damaged or unsupported entry. */
export function readZipEntry(_bytes: Uint8Array, e: ZipEntry, maxBytes: number): Uint8Array {
  if (e.method !== 0 && e.method !== 8) throw new Error(`unsupported compression method ${e.method}`);
  const parts: Uint8Array[] = [];
  let failure: Error | null = null;
  e.file.ondata = (err, data) => {
    if (err) failure = err;
    else if (data.length > 0) parts.push(data);
  };
  outputLimit = maxBytes + 1;
  e.file.start();
  e.file.ondata = ignore; // the entry's handle keeps no reference to the inflated bytes (a closure made here would)
  if (failure) throw failure;
  // Stored bytes are copied: they may be shared memory, which TextDecoder refuses.
  return parts.length === 1 && e.method === 8 ? parts[0] : Buffer.concat(parts);
}
