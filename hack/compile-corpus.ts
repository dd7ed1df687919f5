// Compiles every top-level *.yaml of a melange package repository (e.g. a checkout of wolfi-dev/os) with its
// pipelines/ dir, the way `melange-ts compile` does, and reports the share accepted, the reasons for the rest and
// the compile time per file. Nothing of the corpus is kept.
//   node hack/compile-corpus.mjs /path/to/os [--arch x86_64] [--show N]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../src/compile/compile.js";
import { pipelineLoader, type PipelineDir } from "../src/compile/pipeline-loader.js";
import { builtinPipeline } from "../src/pipelines/builtins.js";
import { isUserError } from "../src/errors.js";
import { image, local, marshal } from "../src/llb/index.js";
import { buildWorkspace, melangeOut } from "../src/build/plan.js";
import { packageStage } from "../src/build/package.js";
import { ociPlatform } from "../src/build/arch.js";

const [dir, ...rest] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node hack/compile-corpus.mjs DIR [--arch ARCH] [--show N]");
  process.exit(2);
}
const arch = rest.includes("--arch") ? rest[rest.indexOf("--arch") + 1] : "x86_64";
const show = rest.includes("--show") ? Number(rest[rest.indexOf("--show") + 1]) : 5;
// --llb: also turn each compiled build into the LLB graph the frontend would solve (environment from an image).
const llb = rest.includes("--llb");
const llbTimes: number[] = [];
let largest = { file: "", bytes: 0 };

const pdir = join(dir, "pipelines");
const dirs: PipelineDir[] = existsSync(pdir)
  ? [{ name: "pipelines", read: (p) => (existsSync(join(pdir, p)) ? readFileSync(join(pdir, p), "utf8") : undefined) }]
  : [];
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") && !f.startsWith(".")).sort();
const times: number[] = [];
const reasons = new Map<string, string[]>();
let ok = 0;
for (const f of files) {
  const text = readFileSync(join(dir, f), "utf8");
  const t0 = performance.now();
  try {
    const build = compile({ file: f, text }, { arch, pipelines: pipelineLoader(dirs, builtinPipeline) });
    if (llb) {
      const t1 = performance.now();
      const ws = buildWorkspace(build, { environment: image("example/build-env"), context: local("context", { sessionId: "x" }), sourceDateEpoch: 0 });
      const out = packageStage(build, melangeOut(ws, build), { toolsImage: image("melange-ts/frontend"), secretId: "melange.rsa", sourceDateEpoch: 0, configText: text, namespace: "wolfi" });
      const def = marshal(out, { platform: ociPlatform(arch) });
      // The Solve request must stay under the engine's 4 MiB message limit.
      const bytes = def.def.reduce((n, b) => n + b.length, 0);
      if (bytes > largest.bytes) largest = { file: f, bytes };
      llbTimes.push(performance.now() - t1);
    }
    ok++;
  } catch (e) {
    const msg = isUserError(e) ? e.format() : `internal: ${(e as Error).stack}`;
    // Group by the message without file names, positions and quoted values.
    const key = msg.split("\n")[0].replace(/^[^:]+:\d+:\d+: /, "").replace(/"[^"]*"/g, '"…"').replace(/\d+/g, "N");
    reasons.set(key, [...(reasons.get(key) ?? []), `${f}: ${msg.split("\n")[0]}`]);
  }
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const pct = (n: number) => ((100 * n) / files.length).toFixed(1);
console.log(`${ok}/${files.length} files compile (${pct(ok)}%) for ${arch}`);
console.log(`compile time per file: median ${times[Math.floor(times.length / 2)].toFixed(2)} ms, p95 ${times[Math.floor(times.length * 0.95)].toFixed(2)} ms, worst ${times[times.length - 1].toFixed(2)} ms`);
if (llb && llbTimes.length) {
  llbTimes.sort((a, b) => a - b);
  console.log(`LLB time per file: median ${llbTimes[Math.floor(llbTimes.length / 2)].toFixed(2)} ms, worst ${llbTimes[llbTimes.length - 1].toFixed(2)} ms`);
  console.log(`largest definition: ${(largest.bytes / 1024).toFixed(0)} KiB (${largest.file})`);
}
for (const [k, v] of [...reasons].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`\n${v.length} × ${k}`);
  for (const x of v.slice(0, show)) console.log(`    ${x}`);
}
