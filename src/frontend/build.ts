import { randomUUID } from "node:crypto";
import { UserError } from "../errors.js";
import { compile } from "../compile/compile.js";
import { loadBuiltinPipelines, pipelineLoader } from "../compile/pipeline-loader.js";
import { marshal } from "../llb/index.js";
import type { BridgeClient } from "../gateway/client.js";
import { apkArch, parsePlatform, type OciPlatform } from "../build/arch.js";
import { buildGraph } from "../build/plan.js";
import { image, usedCaps } from "../llb/index.js";
import { contextSource } from "../build/workspace.js";
import type { FrontendOpts } from "./opts.js";
import { readConfigFile, readContextFiles } from "./context.js";
import { buildEnvironment } from "./environment.js";
import { parseVarsFile } from "../config/vars-file.js";

// One build, start to finish: read the config and context files, compile, turn it into LLB, solve.

/** Left out of the workspace copy so that editing melange.yaml or exporting into ./packages does not
 *  invalidate every step (the file itself is not an input of any step). */
function defaultExcludes(filename: string): string[] {
  return [filename, ".git", "packages", "melange-out"];
}

function splitList(v: string | undefined): string[] {
  return (v ?? "").split(/[\s,]+/).filter(Boolean);
}

function sourceDateEpoch(opts: FrontendOpts): number {
  const v = opts.buildArgs.SOURCE_DATE_EPOCH;
  if (v === undefined || v === "") return 0;
  if (!/^\d+$/.test(v)) throw new UserError(`build-arg SOURCE_DATE_EPOCH must be a number of seconds, got "${v}"`);
  return Number(v);
}

function targetPlatform(opts: FrontendOpts, workers: { platforms: OciPlatform[] }[]): OciPlatform {
  if (opts.platforms.length > 1) {
    throw new UserError(`building for several platforms at once (${opts.platforms.join(",")}) is not supported yet`, undefined, "build one --platform at a time");
  }
  if (opts.platforms.length === 1) return parsePlatform(opts.platforms[0]);
  return workers[0]?.platforms[0] ?? { os: "linux", architecture: "amd64" };
}

export async function runBuild(client: BridgeClient, opts: FrontendOpts, started: number): Promise<string> {
  const pipelineDirs = ["pipelines", ...splitList(opts.buildArgs.MELANGE_PIPELINE_DIRS)];
  // Everything the compiler needs is fetched at once; the engine answers these concurrently.
  const t = (label: string) => <T>(p: Promise<T>) => p.then((v) => (console.error(`melange-ts: ${label} after ${(performance.now() - started).toFixed(0)} ms`), v));
  console.error(`melange-ts: first requests (ping, solves) sent at ${performance.now().toFixed(0)} ms after process start`);
  const [pong, configBytes, ctx, builtin] = await Promise.all([
    t("ping answered")(client.ping()),
    t("config read")(readConfigFile(client, opts.sessionId, opts.filename)),
    t("context files read")(readContextFiles(client, opts.sessionId, pipelineDirs, opts.buildArgs.MELANGE_VARS_FILE || undefined)),
    t("builtins loaded")(loadBuiltinPipelines()),
  ]);
  const platform = targetPlatform(opts, pong.workers);
  const arch = apkArch(platform);
  if (!configBytes) throw new UserError(`${opts.filename} not found in the build context`, undefined, "pass the file with -f and make sure it is inside the context");

  const sde = sourceDateEpoch(opts);
  const compiled = compile(
    { file: opts.filename, text: configBytes.toString("utf8") },
    {
      arch,
      pipelines: pipelineLoader(ctx.pipelineDirs, builtin),
      buildOptions: splitList(opts.buildArgs.MELANGE_BUILD_OPTIONS),
      varsOverrides: ctx.varsFile !== undefined ? parseVarsFile(opts.buildArgs.MELANGE_VARS_FILE, ctx.varsFile) : undefined,
      sourceDateEpoch: sde,
    },
  );
  if (!compiled.archTargeted) {
    throw new UserError(
      `${opts.filename}: package ${compiled.package.name} does not target ${arch} (target-architecture: ${compiled.targetArchitecture.join(", ")})`,
      undefined,
      "build with a --platform the package targets",
    );
  }

  const context = contextSource({ sessionId: opts.sessionId, exclude: [...defaultExcludes(opts.filename), ...ctx.ignore] });
  const toolsImage = image(opts.buildArgs.MELANGE_TOOLS_IMAGE || opts.source || "melange-ts/frontend", {
    customName: `[${compiled.main.name}] tools image`,
  });
  // --no-cache: a fresh salt in every step's environment rather than ignore_cache (see src/build/salt.ts).
  const salt = opts.noCache ? randomUUID() : undefined;
  const environment = await buildEnvironment({ client, opts, build: compiled, platform, toolsImage, salt });
  // `--target melange-out` returns the raw trees; the default is signed .apk files and APKINDEX.
  const target = opts.raw.target || "packages";
  if (target !== "packages" && target !== "melange-out") {
    throw new UserError(`unknown target "${target}"`, undefined, "use --target packages (the default) or --target melange-out");
  }
  const result = buildGraph(compiled, {
    target,
    environment,
    context,
    toolsImage,
    secretId: opts.buildArgs.MELANGE_SIGNING_SECRET || "melange.rsa",
    sourceDateEpoch: sde,
    configText: configBytes.toString("utf8"),
    namespace: opts.buildArgs.MELANGE_NAMESPACE || "unknown",
    salt,
  });
  const def = marshal(result, { platform });
  // An engine without a feature the graph uses would fail somewhere in the middle; say it up front.
  // (An empty list means a very old engine that does not report caps: let it try.)
  const missing = pong.llbCaps.size ? usedCaps(def).filter((c) => !pong.llbCaps.has(c)) : [];
  if (missing.length) {
    throw new UserError(`this BuildKit engine lacks features the build needs: ${missing.join(", ")}`, undefined, "use a newer BuildKit (docker 20.10 or newer, or buildkitd v0.8 or newer)");
  }
  // dockerd 20.10's engine takes requests of at most 4 MiB; say so plainly rather than as a gRPC size error.
  const size = def.def.reduce((n, op) => n + op.length, 0);
  if (size > 4 * 1024 * 1024 - 64 * 1024) {
    throw new UserError(
      `${opts.filename}: the build graph is ${(size / 1048576).toFixed(1)} MiB, over the 4 MiB a BuildKit request may carry`,
      undefined,
      "split very long `runs` scripts into files in the build context, or use a newer BuildKit (16 MiB)",
    );
  }
  console.error(`melange-ts: compiled and marshalled ${def.def.length} ops after ${(performance.now() - started).toFixed(0)} ms`);
  return client.solve({ definition: def });
}
