/**
 * Zip archives of logs, one entry at a time: the central directory is read once (ZIP64 included); each log is
 * inflated natively (Node's zlib), parsed and dropped before the next, so a 14k-log archive never holds its 70 MB
 * of text at once. Kept by measurement (bench/zip-readers.ts, bench/results/zip-readers.json): every library tried
 * indexes the 14k-log zip with more CPU time and memory: fflate's `unzipSync` (its JavaScript inflate), fflate's
 * streaming `Unzip` even with Node's zlib as its decoder (commit 0f7ee77: it walks the local headers, ~10x slower
 * than reading the directory, scans data-descriptor entries byte by byte, and loads a zip cut between two entries
 * partly without a warning), adm-zip (a JavaScript CRC-32 of every entry) and yauzl (asynchronous only, a stream
 * per entry). Pure Node code, no `vscode` import.
 */
import { inflateRawSync } from 'node:zlib';

/** One file of a zip archive, from its central directory. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated; anything else is reported as unsupported. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the entry's local header. */
  readonly headerOffset: number;
  readonly encrypted: boolean;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/**
 * The entries of a zip archive from its central directory (ZIP64 included), in archive order.
 * Throws with a plain message when `bytes` is not a zip archive.
 */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => u32(o) + u32(o + 4) * 2 ** 32;
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--) {
    if (u32(o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw new Error('no end-of-central-directory record');
  let count = u16(eocd + 10);
  let offset = u32(eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z = u64(eocd - 20 + 8);
    if (z + 56 > bytes.length || u32(z) !== 0x06064b50) throw new Error('bad ZIP64 end-of-central-directory record');
    count = u64(z + 32);
    offset = u64(z + 48);
  }
  const out: ZipEntry[] = [];
  let o = offset;
  for (let i = 0; i < count; i++) {
    if (o + 46 > bytes.length || u32(o) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const flags = u16(o + 8);
    const nameLen = u16(o + 28),
      extraLen = u16(o + 30),
      commentLen = u16(o + 32);
    let compressedSize = u32(o + 20),
      size = u32(o + 24),
      headerOffset = u32(o + 42);
    const nameBytes = bytes.subarray(o + 46, o + 46 + nameLen);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    // ZIP64 extra field: the 8-byte values of the fields that are 0xffffffff, in the order size, compressed, offset.
    for (let e = o + 46 + nameLen, end = e + extraLen; e + 4 <= end;) {
      const id = u16(e),
        len = u16(e + 2);
      if (id === 0x0001) {
        let p = e + 4;
        if (size === 0xffffffff) {
          size = u64(p);
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(p);
          p += 8;
        }
        if (headerOffset === 0xffffffff) headerOffset = u64(p);
      }
      e += 4 + len;
    }
    out.push({ name, method: u16(o + 10), compressedSize, size, headerOffset, encrypted: (flags & 1) !== 0 });
    o += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The bytes of one entry (inflated, at most `maxBytes` + 1). Throws with a plain message on a damaged or unsupported entry. */
export function readZipEntry(bytes: Uint8Array, e: ZipEntry, maxBytes: number): Uint8Array {
  if (e.encrypted) throw new Error('the entry is encrypted');
  const h = e.headerOffset;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (h + 30 > bytes.length || view.getUint32(h, true) !== 0x04034b50) throw new Error('bad local header');
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const data = bytes.subarray(start, start + e.compressedSize);
  if (data.length !== e.compressedSize) throw new Error('the entry is truncated');
  if (e.method === 0) return data.slice(); // a copy: the bytes may be shared memory, which TextDecoder refuses
  if (e.method !== 8) throw new Error(`unsupported compression method ${e.method}`);
  // maxOutputLength guards against an entry whose directory size lies (a zip bomb).
  return inflateRawSync(data, { maxOutputLength: maxBytes + 1 });
}
