import fs from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { loadSigningKey } from "../apk/keys.js";
import { memberEntries, splitApk } from "../apk/read.js";
import { rsaSign, signatureSegment } from "../apk/sign.js";
import { UserError } from "../errors.js";

/** Replace (or add) an .apk's signature, keeping control and data byte for byte. */
export function resignApk(bytes: Buffer, key: ReturnType<typeof loadSigningKey>, what: string): Buffer {
  const { control, data } = splitApk(bytes, what);
  const pkginfo = memberEntries(control, `${what} control segment`)[0];
  if (pkginfo?.name !== ".PKGINFO") throw new UserError(`${what}: the control segment does not start with .PKGINFO`);
  // The signature entry's mtime follows the control entries' (SOURCE_DATE_EPOCH), as melange does.
  return Buffer.concat([signatureSegment(rsaSign(control, key), key.name, pkginfo.mtime), control, data]);
}

export const command: Command = {
  name: "sign",
  summary: "(re-)sign .apk files in place",
  usage: `usage: melange-ts sign --signing-key KEY [--key-name NAME] APK...`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { "signing-key": { type: "string", short: "k", default: "local-melange.rsa" }, "key-name": { type: "string" } },
    });
    if (positionals.length === 0) throw new UserError("sign needs at least one .apk", undefined, command.usage);
    const key = loadSigningKey(values["signing-key"]!, values["key-name"]);
    for (const file of positionals) {
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, resignApk(bytes, key, file));
      process.stdout.write(`signed ${file} with ${key.name}\n`);
    }
    return 0;
  },
};
