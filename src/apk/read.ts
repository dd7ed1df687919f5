// Read and verify .apk files: split the gzip members (signature?, control, data), parse .PKGINFO,
// check the signature over the compressed control segment and the data hash. Every failure is a
// UserError that says what is wrong.

import crypto from "node:crypto";
import { UserError } from "../errors.js";
import { gunzipMember, gzipMemberLength, GzipFormatError } from "./gzip.js";
import { readTar, TarFormatError, type ReadTarEntry } from "./tar-read.js";
import { parsePkgInfo } from "./pkginfo.js";
import { parseSignatureName, verifySignature, type Keyring } from "./sign.js";
import type { IndexEntry, PackageInfo } from "./types.js";

export interface ApkSplit {
  signature?: Buffer;
  control: Buffer;
  data: Buffer;
}

function damaged(what: string, e: unknown): never {
  if (e instanceof UserError) throw e;
  if (e instanceof GzipFormatError || e instanceof TarFormatError) throw new UserError(`${what}: ${e.message}`);
  throw e;
}

/** The tar entries of one gzip member. */
export function memberEntries(member: Buffer, what: string): ReadTarEntry[] {
  try {
    return readTar(gunzipMember(member));
  } catch (e) {
    damaged(what, e);
  }
}

/** Split an .apk into its segments. Does not verify anything beyond the framing. */
export function splitApk(bytes: Buffer, what = "apk"): ApkSplit {
  try {
    const firstLen = gzipMemberLength(bytes, 0);
    const first = bytes.subarray(0, firstLen);
    const firstEntries = memberEntries(first, what);
    const hasSignature = firstEntries.length > 0 && firstEntries[0].name.startsWith(".SIGN.");
    let control = first;
    let off = firstLen;
    let signature: Buffer | undefined;
    if (hasSignature) {
      signature = first;
      if (off >= bytes.length) throw new UserError(`${what}: truncated (no control segment after the signature)`);
      const len = gzipMemberLength(bytes, off);
      control = bytes.subarray(off, off + len);
      off += len;
    }
    if (off >= bytes.length) throw new UserError(`${what}: truncated (no data segment)`);
    const data = bytes.subarray(off);
    return { signature, control, data };
  } catch (e) {
    damaged(what, e);
  }
}

export interface ReadApk {
  info: PackageInfo;
  /** control files by name (".PKGINFO", ".melange.yaml", scriptlets) */
  controlFiles: Record<string, Buffer>;
  segments: ApkSplit;
  /** the signature entry's name, when signed */
  signatureEntry?: string;
}

/** Split and parse an .apk (no verification). */
export function readApk(bytes: Buffer, what = "apk"): ReadApk {
  const segments = splitApk(bytes, what);
  const entries = memberEntries(segments.control, `${what} control segment`);
  if (entries[0]?.name !== ".PKGINFO") throw new UserError(`${what}: the control segment does not start with .PKGINFO`);
  const controlFiles: Record<string, Buffer> = {};
  for (const e of entries) controlFiles[e.name] = Buffer.from(e.data);
  const signatureEntry = segments.signature ? memberEntries(segments.signature, `${what} signature`)[0].name : undefined;
  return { info: parsePkgInfo(controlFiles[".PKGINFO"].toString("utf8"), `${what}: .PKGINFO`), controlFiles, segments, signatureEntry };
}

/**
 * Verify an .apk: a trusted signature over the control segment, the data hash of .PKGINFO, and an
 * intact data segment. Returns the package info and the name of the key that signed it.
 */
export function verifyApk(bytes: Buffer, keyring: Keyring, what = "apk"): { info: PackageInfo; keyName: string } {
  const apk = readApk(bytes, what);
  const { signature, control, data } = apk.segments;
  if (!signature) throw new UserError(`${what}: not signed`);
  const sigEntry = memberEntries(signature, `${what} signature`)[0];
  if (!parseSignatureName(sigEntry.name)) throw new UserError(`${what}: bad signature entry "${sigEntry.name}"`);
  const keyName = verifySignature(sigEntry.name, sigEntry.data, control, keyring, what);
  let dataLen: number;
  try {
    dataLen = gzipMemberLength(data, 0);
  } catch (e) {
    throw new UserError(`${what}: data segment is damaged or truncated (${(e as Error).message})`);
  }
  if (dataLen !== data.length) throw new UserError(`${what}: unexpected bytes after the data segment`);
  const hash = crypto.createHash("sha256").update(data).digest("hex");
  if (!apk.info.dataHash) throw new UserError(`${what}: .PKGINFO has no datahash`);
  if (hash !== apk.info.dataHash) throw new UserError(`${what}: datahash mismatch (.PKGINFO says ${apk.info.dataHash}, data segment is ${hash})`);
  return { info: apk.info, keyName };
}

/** The APKINDEX record of an .apk file's bytes. */
export function indexEntryOf(bytes: Buffer, what = "apk"): IndexEntry {
  const apk = readApk(bytes, what);
  return { ...apk.info, checksum: "Q1" + crypto.createHash("sha1").update(apk.segments.control).digest("base64"), size: bytes.length };
}
