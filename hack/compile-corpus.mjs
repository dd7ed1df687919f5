// Bundles hack/compile-corpus.ts (TypeScript) and runs it; see that file.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tmpdir } from "node:os";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(tmpdir(), `compile-corpus-${process.pid}.mjs`);
await build({
  entryPoints: [join(here, "compile-corpus.ts")],
  outfile: out,
  bundle: true,
  platform: "node",
  format: "esm",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
await import(pathToFileURL(out).href);
