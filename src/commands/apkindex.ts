// `melange-ts index`. (The file is not called index.ts: that name is the command registry.)
import fs from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { loadSigningKey } from "../apk/keys.js";
import { readApkIndex, writeApkIndex } from "../apk/index-archive.js";
import { indexEntriesOfFiles, mergeIndexEntries } from "../apk/index-build.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "index",
  summary: "write an APKINDEX.tar.gz for .apk files",
  usage: `usage: melange-ts index [-o APKINDEX.tar.gz] [--signing-key KEY] [--key-name NAME] [--merge] [--arch ARCH]
                        [--description TEXT] APK...

--merge keeps the records of an existing output index (a package with the same name, version and
arch is replaced). --arch keeps only packages of that arch.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o", default: "APKINDEX.tar.gz" },
        "signing-key": { type: "string" },
        "key-name": { type: "string" },
        merge: { type: "boolean", short: "m", default: false },
        arch: { type: "string", short: "a" },
        description: { type: "string", default: "" },
      },
    });
    const out = values.output!;
    if (positionals.length === 0 && !values.merge) throw new UserError("index needs at least one .apk", undefined, command.usage);
    const key = values["signing-key"] ? loadSigningKey(values["signing-key"], values["key-name"]) : undefined;
    const existing = values.merge && fs.existsSync(out) ? readApkIndex(fs.readFileSync(out), undefined, out).entries : [];
    const entries = mergeIndexEntries(existing, indexEntriesOfFiles(positionals), values.arch);
    fs.writeFileSync(out, writeApkIndex(entries, { signingKey: key, description: values.description }));
    process.stdout.write(`wrote ${out} (${entries.length} package${entries.length === 1 ? "" : "s"}${key ? `, signed with ${key.name}` : ""})\n`);
    return 0;
  },
};
