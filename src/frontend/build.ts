import { UserError } from "../errors.js";
import { compile } from "../compile/compile.js";
import { loadBuiltinPipelines, pipelineLoader } from "../compile/pipeline-loader.js";
import { marshal } from "../llb/index.js";
import type { BridgeClient } from "../gateway/client.js";
import { apkArch, parsePlatform, type OciPlatform } from "../build/arch.js";
import { buildWorkspace, melangeOut } from "../build/plan.js";
import { contextSource } from "../build/workspace.js";
import type { FrontendOpts } from "./opts.js";
import { readConfigFile, readContextFiles } from "./context.js";

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
  const pong = await client.ping();
  console.error(`melange-ts: ping answered after ${(performance.now() - started).toFixed(0)} ms`);
  const platform = targetPlatform(opts, pong.workers);
  const arch = apkArch(platform);
  const pipelineDirs = ["pipelines", ...splitList(opts.buildArgs.MELANGE_PIPELINE_DIRS)];

  const [configBytes, ctx, builtin] = await Promise.all([
    readConfigFile(client, opts.sessionId, opts.filename),
    readContextFiles(client, opts.sessionId, pipelineDirs),
    loadBuiltinPipelines(),
  ]);
  if (!configBytes) throw new UserError(`${opts.filename} not found in the build context`, undefined, "pass the file with -f and make sure it is inside the context");

  const sde = sourceDateEpoch(opts);
  const compiled = compile(
    { file: opts.filename, text: configBytes.toString("utf8") },
    {
      arch,
      pipelines: pipelineLoader(ctx.pipelineDirs, builtin),
      buildOptions: splitList(opts.buildArgs.MELANGE_BUILD_OPTIONS),
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
  const workspace = buildWorkspace(compiled, {
    buildImage: opts.buildArgs.MELANGE_BUILD_IMAGE || undefined,
    context,
    sourceDateEpoch: sde,
  });
  const def = marshal(melangeOut(workspace, compiled), { platform });
  console.error(`melange-ts: compiled and marshalled ${def.def.length} ops after ${(performance.now() - started).toFixed(0)} ms`);
  return client.solve({ definition: def });
}
