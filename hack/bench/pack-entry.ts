// Bench entry: run the packaging tool once (what `melange-ts pack` does) and report the output.
import crypto from "node:crypto";
import fs from "node:fs";
import { pack } from "../../src/tools/pack.js";

const [specFile, tree, out, signingKey] = process.argv.slice(2);
const { file } = await pack({ specFile, tree, out, signingKey });
// Hash the output in pieces so the bench's own reading does not count towards peak RSS.
const hash = crypto.createHash("sha256");
for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
process.stdout.write(JSON.stringify({ file, size: fs.statSync(file).size, sha256: hash.digest("hex") }) + "\n");
