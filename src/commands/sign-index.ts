import fs from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { loadSigningKey } from "../apk/keys.js";
import { signApkIndex, splitApkIndex } from "../apk/index-archive.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "sign-index",
  summary: "sign an APKINDEX.tar.gz",
  usage: `usage: melange-ts sign-index --signing-key KEY [--key-name NAME] [--force] INDEX

An index that is already signed is left alone unless --force (then its signature is replaced).`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "signing-key": { type: "string", default: "melange.rsa" },
        "key-name": { type: "string" },
        force: { type: "boolean", short: "f", default: false },
      },
    });
    if (positionals.length !== 1) throw new UserError("sign-index takes exactly one INDEX", undefined, command.usage);
    const file = positionals[0];
    const key = loadSigningKey(values["signing-key"]!, values["key-name"]);
    const split = splitApkIndex(fs.readFileSync(file), file);
    if (split.signature && !values.force) {
      process.stdout.write(`${file} is already signed (${split.signature.entry}); use --force to re-sign\n`);
      return 0;
    }
    fs.writeFileSync(file, signApkIndex(split.unsigned, key));
    process.stdout.write(`signed ${file} with ${key.name}\n`);
    return 0;
  },
};
