// A small tar reader for what we write and what apk-tools/melange write: ustar headers, PAX extended
// records ('x', applied to the next entry), global PAX ('g', ignored), GNU long names ('L'/'K').
// Works on archives with or without end-of-archive blocks (control and signature tars have none).

export interface ReadTarEntry {
  name: string;
  /** ustar typeflag: "0" file, "1" hardlink, "2" symlink, "5" dir, ... */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
  linkname: string;
  /** PAX records that applied to this entry, in file order */
  pax: Record<string, string>;
  data: Buffer;
}

export class TarFormatError extends Error {}

function cstring(b: Buffer, off: number, len: number): string {
  const field = b.subarray(off, off + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

function octal(b: Buffer, off: number, len: number): number {
  const s = cstring(b, off, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`bad octal field "${s}"`);
  return parseInt(s, 8);
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) throw new TarFormatError("bad PAX record");
    const len = parseInt(body.subarray(i, sp).toString("ascii"), 10);
    if (!(len > 0) || i + len > body.length) throw new TarFormatError("bad PAX record length");
    const rec = body.subarray(sp + 1, i + len - 1);
    const eq = rec.indexOf(0x3d); // "="
    if (eq < 0) throw new TarFormatError("bad PAX record");
    const key = rec.subarray(0, eq).toString("utf8");
    // xattr values are bytes (e.g. security.capability): keep them byte for byte (latin1); the rest is UTF-8.
    out[key] = rec.subarray(eq + 1).toString(key.startsWith("SCHILY.xattr.") ? "latin1" : "utf8");
    i += len;
  }
  return out;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === octal(h, 148, 8);
}

/** Parse every entry of a tar held in memory. Throws TarFormatError on damage or truncation. */
export function readTar(buf: Buffer): ReadTarEntry[] {
  const entries: ReadTarEntry[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    if (!checksumOk(h)) throw new TarFormatError(`bad header checksum at offset ${off}`);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    let size = octal(h, 124, 12);
    if (pax.size !== undefined) size = Number(pax.size);
    const start = off + 512;
    const end = start + size;
    if (end > buf.length) throw new TarFormatError("archive is truncated");
    const data = buf.subarray(start, end);
    off = start + Math.ceil(size / 512) * 512;
    if (typeflag === "x") {
      pax = { ...pax, ...parsePax(data) };
      continue;
    }
    if (typeflag === "g") continue;
    if (typeflag === "L") {
      longName = cstring(data, 0, data.length);
      continue;
    }
    if (typeflag === "K") {
      longLink = cstring(data, 0, data.length);
      continue;
    }
    const prefix = cstring(h, 345, 155);
    let name = cstring(h, 0, 100);
    if (prefix && cstring(h, 257, 6) === "ustar") name = `${prefix}/${name}`;
    entries.push({
      name: pax.path ?? longName ?? name,
      typeflag,
      mode: octal(h, 100, 8),
      uid: pax.uid !== undefined ? Number(pax.uid) : octal(h, 108, 8),
      gid: pax.gid !== undefined ? Number(pax.gid) : octal(h, 116, 8),
      uname: pax.uname ?? cstring(h, 265, 32),
      gname: pax.gname ?? cstring(h, 297, 32),
      mtime: pax.mtime !== undefined ? Math.floor(Number(pax.mtime)) : octal(h, 136, 12),
      size,
      linkname: pax.linkpath ?? longLink ?? cstring(h, 157, 100),
      pax,
      data,
    });
    pax = {};
    longName = longLink = undefined;
  }
  if (off < buf.length && off + 512 > buf.length && !buf.subarray(off).every((x) => x === 0)) {
    throw new TarFormatError("archive is truncated");
  }
  return entries;
}
