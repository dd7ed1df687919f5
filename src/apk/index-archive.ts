// APKINDEX.tar.gz: a gzip member of a complete tar holding APKINDEX then DESCRIPTION. A signed index
// has one more gzip member in front: a tar (no end blocks) with `.SIGN.RSA256.<key>.pub`, an RSA
// signature over SHA-256 of the whole unsigned .tar.gz.

import { UserError } from "../errors.js";
import { gunzipMember, gzipMember, gzipMemberLength, GzipFormatError } from "./gzip.js";
import { readTar, TarFormatError } from "./tar-read.js";
import { tarEntry, TAR_EOF } from "./tar.js";
import { formatApkIndexText, parseApkIndexText } from "./apkindex.js";
import { memberEntries } from "./read.js";
import { rsaSign, signatureSegment, verifySignature, type Keyring, type SigningKey } from "./sign.js";
import type { IndexEntry } from "./types.js";

export interface WriteIndexOptions {
  signingKey?: SigningKey;
  /** text of the DESCRIPTION file */
  description?: string;
}

function file(name: string, content: Buffer): Buffer {
  return tarEntry({ name, type: "file", mode: 0o644, uid: 0, gid: 0, uname: "root", gname: "root", mtime: 0, size: content.length }, content);
}

/** The unsigned APKINDEX.tar.gz for `entries`. */
export function unsignedApkIndex(entries: IndexEntry[], description = ""): Buffer {
  const tar = Buffer.concat([
    file("APKINDEX", Buffer.from(formatApkIndexText(entries))),
    file("DESCRIPTION", Buffer.from(description)),
    TAR_EOF,
  ]);
  return gzipMember(tar);
}

/** Prepend a signature member to an unsigned index. */
export function signApkIndex(unsigned: Buffer, key: SigningKey): Buffer {
  // The index signature's mtime is 0 (melange does not apply SOURCE_DATE_EPOCH here either).
  return Buffer.concat([signatureSegment(rsaSign(unsigned, key), key.name, 0), unsigned]);
}

export function writeApkIndex(entries: IndexEntry[], opts: WriteIndexOptions = {}): Buffer {
  const unsigned = unsignedApkIndex(entries, opts.description);
  return opts.signingKey ? signApkIndex(unsigned, opts.signingKey) : unsigned;
}

export interface SplitIndex {
  signature?: { entry: string; bytes: Buffer; member: Buffer };
  /** the unsigned .tar.gz (everything after the signature member) */
  unsigned: Buffer;
}

/** Separate an index's signature member (if any) from the signed bytes. */
export function splitApkIndex(targz: Buffer, what = "APKINDEX.tar.gz"): SplitIndex {
  let firstLen: number;
  try {
    firstLen = gzipMemberLength(targz, 0);
  } catch (e) {
    if (e instanceof GzipFormatError) throw new UserError(`${what}: ${e.message}`);
    throw e;
  }
  const first = targz.subarray(0, firstLen);
  const entries = memberEntries(first, what);
  if (entries.length > 0 && entries[0].name.startsWith(".SIGN.")) {
    if (firstLen >= targz.length) throw new UserError(`${what}: truncated (only a signature)`);
    return { signature: { entry: entries[0].name, bytes: entries[0].data, member: first }, unsigned: targz.subarray(firstLen) };
  }
  return { unsigned: targz };
}

export interface ReadIndex {
  entries: IndexEntry[];
  description: string;
  /** the key that verified the signature (when a keyring was given) */
  keyName?: string;
  signed: boolean;
}

/** Read an APKINDEX.tar.gz; with a keyring, the signature must be present and valid. */
export function readApkIndex(targz: Buffer, keyring?: Keyring, what = "APKINDEX.tar.gz"): ReadIndex {
  const split = splitApkIndex(targz, what);
  let keyName: string | undefined;
  if (keyring) {
    if (!split.signature) throw new UserError(`${what}: not signed`);
    keyName = verifySignature(split.signature.entry, split.signature.bytes, split.unsigned, keyring, what);
  }
  // The unsigned part may itself be several members (gunzip concatenates them).
  const tarParts: Buffer[] = [];
  for (let off = 0; off < split.unsigned.length; ) {
    let len: number;
    try {
      len = gzipMemberLength(split.unsigned, off);
    } catch (e) {
      if (e instanceof GzipFormatError) throw new UserError(`${what}: ${e.message}`);
      throw e;
    }
    tarParts.push(split.unsigned.subarray(off, off + len));
    off += len;
  }
  let tar: Buffer;
  try {
    tar = Buffer.concat(tarParts.map(gunzipMember));
  } catch (e) {
    if (e instanceof GzipFormatError) throw new UserError(`${what}: ${e.message}`);
    throw e;
  }
  const files = new Map<string, Buffer>();
  try {
    for (const e of readTar(tar)) files.set(e.name, e.data);
  } catch (e) {
    if (e instanceof TarFormatError) throw new UserError(`${what}: ${e.message}`);
    throw e;
  }
  const text = files.get("APKINDEX");
  if (!text) throw new UserError(`${what}: no APKINDEX file inside`);
  return {
    entries: parseApkIndexText(text.toString("utf8")),
    description: files.get("DESCRIPTION")?.toString("utf8") ?? "",
    keyName,
    signed: split.signature !== undefined,
  };
}
