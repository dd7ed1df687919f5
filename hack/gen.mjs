// Generates src/gen/* (precompiled protos, built-in pipeline table): runs every hack/gen-*.mjs.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
for (const f of readdirSync(here).filter((f) => /^gen-.*\.mjs$/.test(f)).sort()) {
  await import(join(here, f));
}
