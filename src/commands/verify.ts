import fs from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { loadKeyring } from "../apk/keys.js";
import { readApkIndex, splitApkIndex } from "../apk/index-archive.js";
import { memberEntries, verifyApk } from "../apk/read.js";
import { gzipMemberLength } from "../apk/gzip.js";
import type { Keyring } from "../apk/sign.js";
import { UserError, isUserError } from "../errors.js";

/** An index's payload tar starts with APKINDEX or DESCRIPTION; a package's control tar with .PKGINFO. */
function isIndex(bytes: Buffer, file: string): boolean {
  try {
    const { unsigned } = splitApkIndex(bytes, file);
    const first = memberEntries(unsigned.subarray(0, gzipMemberLength(unsigned, 0)), file)[0]?.name;
    return first === "APKINDEX" || first === "DESCRIPTION";
  } catch {
    return false; // not readable as an index: verifyApk reports what is wrong
  }
}

/** Verify one file; returns the OK line or throws a UserError with the reason. */
export function verifyFile(file: string, keyring: Keyring): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (isIndex(bytes, file)) {
    const r = readApkIndex(bytes, keyring, file);
    return `${file}: OK (index of ${r.entries.length} package${r.entries.length === 1 ? "" : "s"}, signed by ${r.keyName})`;
  }
  const r = verifyApk(bytes, keyring, file);
  return `${file}: OK (${r.info.name}-${r.info.version}, signed by ${r.keyName})`;
}

export const command: Command = {
  name: "verify",
  summary: "verify signatures of .apk files and APKINDEX.tar.gz",
  usage: `usage: melange-ts verify --keyring PUBKEY [--keyring PUBKEY...] FILE...

Checks each .apk's signature and data hash, and each index's signature. Keys are named by their
file's basename (e.g. melange.rsa.pub). Exits 1 if any file fails.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { keyring: { type: "string", short: "k", multiple: true } },
    });
    if (!values.keyring?.length) throw new UserError("verify needs at least one --keyring PUBKEY", undefined, command.usage);
    if (positionals.length === 0) throw new UserError("verify needs at least one file", undefined, command.usage);
    const keyring = loadKeyring(values.keyring);
    let failed = 0;
    for (const file of positionals) {
      try {
        process.stdout.write(verifyFile(file, keyring) + "\n");
      } catch (e) {
        if (!isUserError(e)) throw e;
        failed++;
        process.stderr.write(e.format() + "\n");
      }
    }
    return failed ? 1 : 0;
  },
};
