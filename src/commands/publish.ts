import { parseArgs } from "node:util";
import { UserError } from "../errors.js";
import { publish } from "../tools/publish.js";
import type { Command } from "./command.js";

export const command: Command = {
  name: "publish",
  summary: "sign packages (when the key exists) and write their APKINDEX (the in-graph publish step)",
  usage: `usage: melange-ts publish --out DIR --arch ARCH [--signing-key KEY] [--key-name NAME] APK...

Writes DIR/ARCH/*.apk and DIR/ARCH/APKINDEX.tar.gz. A --signing-key that does not exist means unsigned
output (the BuildKit secret was not given), said on stdout.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string" }, arch: { type: "string" }, "signing-key": { type: "string" }, "key-name": { type: "string" } },
    });
    if (!values.out || !values.arch) throw new UserError("publish needs --out and --arch", undefined, command.usage);
    publish({
      apks: positionals,
      out: values.out,
      arch: values.arch,
      signingKey: values["signing-key"],
      keyName: values["key-name"],
      log: (l) => process.stdout.write(`melange-ts: ${l}\n`),
    });
    return 0;
  },
};
