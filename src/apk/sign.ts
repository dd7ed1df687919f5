// RSA signatures as apk-tools expects them: PKCS#1 v1.5 over a digest of the signed bytes, stored in a
// tar entry `.SIGN.RSA256.<keyname>.pub` (SHA-256) or `.SIGN.RSA.<keyname>.pub` (legacy SHA-1).
// The key name is the basename of the public key file, e.g. `melange.rsa.pub`.

import crypto from "node:crypto";
import { basename } from "node:path";
import { UserError } from "../errors.js";
import { tarEntry } from "./tar.js";
import { gzipMember } from "./gzip.js";

export interface SigningKey {
  /** key name without ".pub", e.g. "melange.rsa" (the private key file's basename) */
  name: string;
  /** PEM private key (PKCS#1 or PKCS#8) */
  pem: string;
}

/** key name (e.g. "melange.rsa.pub") -> PEM public key */
export type Keyring = Record<string, string>;

export interface SignatureName {
  algorithm: "RSA" | "RSA256" | "RSA512" | "DSA";
  keyName: string;
}

const SIGN_RE = /^\.SIGN\.(RSA|RSA256|RSA512|DSA)\.(.+)$/;

export function signatureEntryName(keyName: string): string {
  return `.SIGN.RSA256.${keyName}.pub`;
}

export function parseSignatureName(entry: string): SignatureName | undefined {
  const m = SIGN_RE.exec(entry);
  return m ? { algorithm: m[1] as SignatureName["algorithm"], keyName: m[2] } : undefined;
}

function privateKey(key: SigningKey): crypto.KeyObject {
  try {
    return crypto.createPrivateKey(key.pem);
  } catch (e) {
    throw new UserError(`signing key ${key.name}: not a readable PEM private key (${(e as Error).message})`);
  }
}

/** RSA PKCS#1 v1.5 signature over SHA-256 of `data`. */
export function rsaSign(data: Buffer, key: SigningKey): Buffer {
  return crypto.sign("sha256", data, privateKey(key));
}

/**
 * The gzip member that carries a signature: a tar with one entry and no end-of-archive blocks,
 * so the member can be prepended to the signed gzip stream.
 */
export function signatureSegment(signature: Buffer, keyName: string, mtime: number): Buffer {
  const tar = tarEntry(
    {
      name: signatureEntryName(keyName),
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      uname: "root",
      gname: "root",
      mtime,
      size: signature.length,
    },
    signature,
  );
  return gzipMember(tar);
}

/** Look up a key by name: exact, then without ".pub", then with ".rsa.pub" trimmed (as apko does). */
export function findKey(keyring: Keyring, keyName: string): string | undefined {
  if (keyring[keyName] !== undefined) return keyring[keyName];
  const bare = keyName.replace(/\.pub$/, "");
  for (const [name, pem] of Object.entries(keyring)) {
    const n = basename(name);
    if (n === keyName || n.replace(/\.pub$/, "") === bare || n.replace(/\.rsa\.pub$/, "") === keyName.replace(/\.rsa\.pub$/, "")) {
      return pem;
    }
  }
  return undefined;
}

/**
 * Check `signature` (from entry `entryName`) over `signed` against the keyring.
 * Returns the key name that verified; throws a UserError with the reason otherwise.
 */
export function verifySignature(entryName: string, signature: Buffer, signed: Buffer, keyring: Keyring, what: string): string {
  const parsed = parseSignatureName(entryName);
  if (!parsed) throw new UserError(`${what}: "${entryName}" is not a signature entry`);
  if (parsed.algorithm !== "RSA" && parsed.algorithm !== "RSA256") {
    throw new UserError(`${what}: unsupported signature algorithm ${parsed.algorithm}`);
  }
  const pem = findKey(keyring, parsed.keyName);
  if (pem === undefined) {
    throw new UserError(
      `${what}: signed with untrusted key "${parsed.keyName}"`,
      undefined,
      `trusted keys: ${Object.keys(keyring).map((k) => basename(k)).join(", ") || "(none)"}`,
    );
  }
  let ok: boolean;
  try {
    ok = crypto.verify(parsed.algorithm === "RSA" ? "sha1" : "sha256", signed, crypto.createPublicKey(pem), signature);
  } catch (e) {
    throw new UserError(`${what}: key "${parsed.keyName}" is not a usable RSA public key (${(e as Error).message})`);
  }
  if (!ok) throw new UserError(`${what}: BAD signature (key "${parsed.keyName}" does not verify it)`);
  return parsed.keyName;
}
