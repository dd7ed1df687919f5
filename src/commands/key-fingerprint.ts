import { createHash, createPublicKey } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UserError } from "../errors.js";
import type { Command } from "./command.js";

// In-graph helper: BuildKit keeps secret contents out of cache keys, so the frontend cannot tell when the
// signing key changed. This step (never cached) writes the SHA-256 of the PUBLIC key; the signing steps mount
// that file, and BuildKit keys them on its content: same key -> cached signatures, new key -> new ones.
export const command: Command = {
  name: "key-fingerprint",
  summary: "write the SHA-256 of a signing key's public half (or 'unsigned' when the key is absent)",
  usage: "usage: melange-ts key-fingerprint --key PRIVATE_KEY --out FILE",
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { key: { type: "string" }, out: { type: "string" } } });
    if (!values.key || !values.out) throw new UserError("key-fingerprint needs --key and --out", undefined, command.usage);
    let text = "unsigned\n";
    if (existsSync(values.key)) {
      try {
        const pub = createPublicKey(readFileSync(values.key)).export({ type: "spki", format: "der" });
        text = `sha256:${createHash("sha256").update(pub).digest("hex")}\n`;
      } catch (e) {
        throw new UserError(`the signing key in ${values.key} is not a PEM RSA private key: ${(e as Error).message}`);
      }
    } else {
      process.stdout.write(`melange-ts: no signing key at ${values.key}: packages and index will NOT be signed\n`);
    }
    writeFileSync(values.out, text);
    return 0;
  },
};
