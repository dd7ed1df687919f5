import fs from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { loadSigningKey } from "../apk/keys.js";
import { resignApk } from "../apk/resign.js";
import { UserError } from "../errors.js";

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
