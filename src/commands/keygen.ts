import fs from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { generateKeyPair } from "../apk/keys.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "keygen",
  summary: "generate an RSA signing key pair (NAME and NAME.pub)",
  usage: `usage: melange-ts keygen [NAME] [--key-size BITS] [--force]

Writes NAME (default melange.rsa; PEM PKCS#1 private key, mode 0600) and NAME.pub (PEM public key).
Name keys *.rsa: apk looks signatures up as <name>.pub. Existing files are kept unless --force.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { "key-size": { type: "string", default: "4096" }, force: { type: "boolean", default: false } },
    });
    if (positionals.length > 1) throw new UserError("keygen takes at most one NAME", undefined, command.usage);
    const name = positionals[0] ?? "melange.rsa";
    const bits = Number(values["key-size"]);
    if (!Number.isInteger(bits) || bits < 2048) throw new UserError(`--key-size must be an integer of at least 2048, got "${values["key-size"]}"`);
    for (const f of [name, `${name}.pub`]) {
      if (!values.force && fs.existsSync(f)) throw new UserError(`${f} already exists`, undefined, "use --force to overwrite it");
    }
    const { privatePem, publicPem } = generateKeyPair(bits);
    fs.rmSync(name, { force: true });
    fs.writeFileSync(name, privatePem, { mode: 0o600 });
    fs.chmodSync(name, 0o600);
    fs.writeFileSync(`${name}.pub`, publicPem, { mode: 0o644 });
    process.stdout.write(`wrote private key ${name} and public key ${name}.pub (${bits} bits)\n`);
    return 0;
  },
};
