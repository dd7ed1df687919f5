import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { pack } from "../tools/pack.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "pack",
  summary: "package a melange-out/<pkg> tree into an .apk (the in-graph packaging step)",
  usage: `usage: melange-ts pack --spec SPEC.json --tree DIR --out DIR [--signing-key KEY] [--key-name NAME]
                       [--melange-yaml FILE]

Writes OUT/<arch>/<name>-<version>-r<epoch>.apk. The key name (default: the key file's basename,
e.g. melange.rsa) names the signature entry .SIGN.RSA256.<name>.pub.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        spec: { type: "string" },
        tree: { type: "string" },
        out: { type: "string" },
        "signing-key": { type: "string" },
        "key-name": { type: "string" },
        "melange-yaml": { type: "string" },
      },
    });
    if (!values.spec || !values.tree || !values.out) throw new UserError("pack needs --spec, --tree and --out", undefined, command.usage);
    const { file } = await pack({
      specFile: values.spec,
      tree: values.tree,
      out: values.out,
      signingKey: values["signing-key"],
      keyName: values["key-name"],
      melangeYamlFile: values["melange-yaml"],
    });
    process.stdout.write(`wrote ${file}\n`);
    return 0;
  },
};
