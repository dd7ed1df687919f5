// Bundles src/cli.ts into dist/melange-ts.mjs (the file the image runs and bin/ loads) plus dist/chunks/*.mjs:
// code splitting at the lazy imports, so that each process parses only what it runs (the frontend does not
// parse the in-graph tools, a packaging step does not parse the compiler): about 40 ms less per tool step.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist");
rmSync(outdir, { recursive: true, force: true }); // chunk names carry content hashes: drop the old ones
await build({
  entryPoints: { "melange-ts": join(root, "src/cli.ts") },
  outdir,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minifySyntax: true,
  legalComments: "none",
  // Some dependencies are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
