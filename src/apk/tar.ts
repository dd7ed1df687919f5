// A small tar writer of our own (ustar headers + PAX extended records). We do not use tar-stream here
// because APK needs exact control: PAX `APK-TOOLS.checksum.SHA1` records, `SCHILY.xattr.*`, hardlinks,
// fixed owner/mtime fields, and control/signature tars WITHOUT the end-of-archive blocks.
// Every byte is a function of the entry alone, so the output is deterministic.

export const BLOCK = 512;

export type TarType = "file" | "dir" | "symlink" | "hardlink";

export interface TarEntry {
  /** relative path, no leading "./", no trailing "/" */
  name: string;
  type: TarType;
  /** permission bits incl. setuid/setgid/sticky */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** seconds since the epoch */
  mtime: number;
  /** content size for files; 0 otherwise */
  size: number;
  /** symlink target or hardlink's first path */
  linkname?: string;
  /** extra PAX records (e.g. checksum, xattrs), written in the given key order */
  pax?: [string, string][];
}

const TYPEFLAG: Record<TarType, string> = { file: "0", hardlink: "1", symlink: "2", dir: "5" };

/** One PAX record: "<len> <key>=<value>\n", where len counts the whole record including itself. */
function paxRecord(key: string, value: string): Buffer {
  // xattr values are raw bytes carried in a latin1 string; everything else is UTF-8 text.
  const v = Buffer.from(value, key.startsWith("SCHILY.xattr.") ? "latin1" : "utf8");
  const rest = Buffer.concat([Buffer.from(` ${key}=`), v, Buffer.from("\n")]);
  let len = rest.length + String(rest.length).length;
  if (String(len).length !== String(rest.length).length) len = rest.length + String(len).length;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

function writeString(h: Buffer, off: number, len: number, s: string | Buffer): void {
  const b = typeof s === "string" ? Buffer.from(s) : s;
  if (b.length > len) throw new Error(`tar field too long: ${s}`);
  b.copy(h, off);
}

/** Octal field, NUL-terminated, zero-padded (like GNU tar and Go). */
function writeOctal(h: Buffer, off: number, len: number, n: number): void {
  const s = n.toString(8).padStart(len - 1, "0");
  if (s.length > len - 1) throw new Error(`tar numeric field overflow: ${n}`);
  h.write(s + "\0", off, "ascii");
}

function ustarHeader(e: {
  name: string | Buffer;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
  linkname: string | Buffer;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, Buffer.from(e.name).subarray(0, 100));
  writeOctal(h, 100, 8, e.mode);
  writeOctal(h, 108, 8, e.uid);
  writeOctal(h, 116, 8, e.gid);
  writeOctal(h, 124, 12, e.size);
  writeOctal(h, 136, 12, Math.max(0, e.mtime));
  h.fill(0x20, 148, 156); // checksum is computed with this field as spaces
  h.write(e.typeflag, 156, "ascii");
  writeString(h, 157, 100, Buffer.from(e.linkname).subarray(0, 100));
  h.write("ustar\x0000", 257, "binary");
  writeString(h, 265, 32, e.uname);
  writeString(h, 297, 32, e.gname);
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return h;
}

/** Zero bytes that pad `size` up to a whole block. */
export function padding(size: number): Buffer {
  const r = size % BLOCK;
  return r === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - r);
}

/** The header blocks of one entry (a PAX header first when needed). Content and padding follow separately. */
export function tarHeader(e: TarEntry): Buffer {
  const records: [string, string][] = [];
  // Names that do not fit the 100-byte ustar field go into PAX; the ustar field keeps a truncated copy.
  const name = Buffer.from(e.name);
  const linkname = Buffer.from(e.linkname ?? "");
  if (name.length > 100) records.push(["path", e.name]);
  if (linkname.length > 100) records.push(["linkpath", e.linkname ?? ""]);
  if (e.size > 0o77777777777) records.push(["size", String(e.size)]);
  records.push(...(e.pax ?? []));
  const main = ustarHeader({
    name,
    typeflag: TYPEFLAG[e.type],
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    uname: e.uname,
    gname: e.gname,
    mtime: e.mtime,
    size: e.type === "file" ? Math.min(e.size, 0o77777777777) : 0,
    linkname,
  });
  if (records.length === 0) return main;
  const body = Buffer.concat(records.map(([k, v]) => paxRecord(k, v)));
  // Go's archive/tar names the PAX header "<dir>/PaxHeaders.0/<base>"; readers ignore the name.
  const slash = e.name.lastIndexOf("/");
  const paxName = (slash >= 0 ? e.name.slice(0, slash + 1) : "") + "PaxHeaders.0/" + e.name.slice(slash + 1);
  const paxHeader = ustarHeader({
    name: paxName,
    typeflag: "x",
    mode: 0,
    uid: 0,
    gid: 0,
    uname: "",
    gname: "",
    mtime: 0,
    size: body.length,
    linkname: "",
  });
  return Buffer.concat([paxHeader, body, padding(body.length), main]);
}

/** A whole entry with in-memory content. */
export function tarEntry(e: TarEntry, content?: Buffer): Buffer {
  const data = content ?? Buffer.alloc(0);
  if (e.type === "file" && data.length !== e.size) throw new Error(`tar entry ${e.name}: size mismatch`);
  return Buffer.concat([tarHeader(e), data, padding(data.length)]);
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_EOF = Buffer.alloc(2 * BLOCK);
