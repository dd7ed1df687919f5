// Key files: generating an RSA pair as melange does (PKCS#1 private key, SPKI public key), loading a
// signing key (its name is the file's basename, e.g. "melange.rsa"), and loading a keyring of public
// keys (named by basename, e.g. "melange.rsa.pub").

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import type { Keyring, SigningKey } from "./sign.js";

export function generateKeyPair(bits: number): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
    modulusLength: bits,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Load a private key file; `keyName` overrides the name derived from the file name. */
export function loadSigningKey(file: string, keyName?: string): SigningKey {
  const pem = readText(file, "signing key");
  try {
    const key = crypto.createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") throw new Error(`a ${key.asymmetricKeyType} key`);
  } catch (e) {
    throw new UserError(`signing key ${file} is not an RSA private key (${(e as Error).message})`);
  }
  const name = keyName ?? path.basename(file);
  if (!name.endsWith(".rsa")) {
    process.stderr.write(`warning: key name "${name}" does not end in .rsa; apk looks keys up as <name>.pub, usually *.rsa.pub\n`);
  }
  return { name, pem };
}

/** Load public keys; each is named by its file's basename. */
export function loadKeyring(files: string[]): Keyring {
  const ring: Keyring = {};
  for (const f of files) {
    const pem = readText(f, "public key");
    try {
      crypto.createPublicKey(pem);
    } catch (e) {
      throw new UserError(`${f} is not a PEM public key (${(e as Error).message})`);
    }
    ring[path.basename(f)] = pem;
  }
  return ring;
}
