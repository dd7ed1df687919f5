// Bench entry: run the packaging tool once (what `melange-ts pack` does) and report the output.
import crypto from "node:crypto";
import fs from "node:fs";
import { pack } from "../../src/tools/pack.js";

const [specFile, tree, out, signingKey] = process.argv.slice(2);
const { file } = await pack({ specFile, tree, out, signingKey });
const bytes = fs.readFileSync(file);
process.stdout.write(JSON.stringify({ file, size: bytes.length, sha256: crypto.createHash("sha256").update(bytes).digest("hex") }) + "\n");
