// Deterministic gzip for APK segments, and a splitter for concatenated gzip members.
//
// Settings are fixed (deflate level 6, no name, mtime 0, OS=3) so the same input gives the same bytes.
// Large inputs are compressed pigz-style: the input is cut at fixed offsets into blocks; each block is
// deflated on the libuv thread pool (zlib's async API) with the previous 32 KiB as its dictionary and
// ends with a sync flush (the last one with a final block). The raw deflate pieces concatenate into ONE
// valid deflate stream inside one gzip member, with the CRC32 computed over the whole input. Block
// boundaries depend only on the byte offset, never on timing, so output is byte-identical run to run.

import zlib from "node:zlib";

export const GZIP_LEVEL = 6;
/** Input bytes per parallel block. */
export const GZIP_BLOCK = 1 << 20;
const WINDOW = 32 * 1024;

/** 10-byte gzip header: deflate, no flags, mtime 0, XFL 0, OS 3 (Unix). */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

function trailer(crc: number, size: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(crc >>> 0, 0);
  t.writeUInt32LE(size % 0x100000000, 4);
  return t;
}

function deflateOpts(dictionary: Buffer | undefined, last: boolean): zlib.ZlibOptions {
  return {
    level: GZIP_LEVEL,
    memLevel: 8,
    windowBits: 15,
    strategy: zlib.constants.Z_DEFAULT_STRATEGY,
    // One output chunk per block: each block is then a single thread-pool task, not many 16 KiB hops.
    chunkSize: GZIP_BLOCK + (GZIP_BLOCK >> 3),
    finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
    ...(dictionary && dictionary.length > 0 ? { dictionary } : {}),
  };
}

/** Compress a small buffer as one gzip member (synchronously). Same bytes as the parallel path. */
export function gzipMember(data: Buffer): Buffer {
  const parts: Buffer[] = [HEADER];
  let crc = 0;
  for (let off = 0; off < data.length || off === 0; off += GZIP_BLOCK) {
    const block = data.subarray(off, off + GZIP_BLOCK);
    const last = off + GZIP_BLOCK >= data.length;
    const dict = off > 0 ? data.subarray(Math.max(0, off - WINDOW), off) : undefined;
    parts.push(zlib.deflateRawSync(block, deflateOpts(dict, last)));
    crc = zlib.crc32(block, crc);
    if (last) break;
  }
  parts.push(trailer(crc, data.length));
  return Buffer.concat(parts);
}

function deflateRawAsync(block: Buffer, opts: zlib.ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.deflateRaw(block, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * Streaming parallel gzip writer. `write` buffers input into fixed-size blocks and keeps up to
 * `inFlight` blocks compressing at once; compressed output is handed to `sink` strictly in order.
 */
export class ParallelGzip {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private prevTail: Buffer | undefined;
  private crc = 0;
  private total = 0;
  private queue: Promise<Buffer>[] = [];
  private started = false;

  constructor(
    private readonly sink: (chunk: Buffer) => void | Promise<void>,
    private readonly inFlight = 4,
  ) {}

  async write(data: Buffer): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.sink(HEADER);
    }
    let off = 0;
    while (off < data.length) {
      // A full block is only dispatched once more input arrives, so the final block is known to be last.
      if (this.pendingLen === GZIP_BLOCK) await this.dispatch(false);
      const take = Math.min(GZIP_BLOCK - this.pendingLen, data.length - off);
      this.pending.push(data.subarray(off, off + take));
      this.pendingLen += take;
      off += take;
    }
  }

  private async dispatch(last: boolean): Promise<void> {
    const block = Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    this.crc = zlib.crc32(block, this.crc);
    this.total += block.length;
    this.queue.push(deflateRawAsync(block, deflateOpts(this.prevTail, last)));
    this.prevTail = Buffer.from(block.subarray(Math.max(0, block.length - WINDOW)));
    while (this.queue.length >= (last ? 1 : this.inFlight)) await this.sink(await this.queue.shift()!);
  }

  /** Flush the last block and the trailer. */
  async end(): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.sink(HEADER);
    }
    await this.dispatch(true);
    await this.sink(trailer(this.crc, this.total));
  }
}

export class GzipFormatError extends Error {}

/** Length of the gzip member starting at `off` (header, deflate stream, trailer). */
export function gzipMemberLength(buf: Buffer, off: number): number {
  const magic = [0x1f, 0x8b, 8];
  for (let i = 0; i < 3 && off + i < buf.length; i++) if (buf[off + i] !== magic[i]) throw new GzipFormatError("not a gzip member");
  if (buf.length - off < 18) throw new GzipFormatError("truncated gzip member");
  const flags = buf[off + 3];
  let p = off + 10;
  if (flags & 4) p += 2 + buf.readUInt16LE(p); // FEXTRA
  if (flags & 8) p = buf.indexOf(0, p) + 1; // FNAME
  if (flags & 16) p = buf.indexOf(0, p) + 1; // FCOMMENT
  if (flags & 2) p += 2; // FHCRC
  if (p <= off || p > buf.length) throw new GzipFormatError("truncated gzip header");
  let consumed: number;
  try {
    // Inflate stops at the end of this member's deflate stream and reports how much input it used.
    const r = zlib.inflateRawSync(buf.subarray(p), { info: true }) as unknown as { engine: { bytesWritten: number } };
    consumed = r.engine.bytesWritten;
  } catch (e) {
    throw new GzipFormatError(`corrupt or truncated gzip data (${(e as Error).message})`);
  }
  const end = p + consumed + 8;
  if (end > buf.length) throw new GzipFormatError("truncated gzip member");
  return end - off;
}

/** Decompress one complete gzip member, checking its CRC and size. */
export function gunzipMember(member: Buffer): Buffer {
  try {
    return zlib.gunzipSync(member);
  } catch (e) {
    throw new GzipFormatError(`corrupt gzip member (${(e as Error).message})`);
  }
}
