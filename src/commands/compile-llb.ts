import { createHash } from "node:crypto";
import { UserError } from "../errors.js";
import type { CompiledBuild } from "../compile/types.js";
import { definitionToJSON, image, marshal } from "../llb/index.js";
import { ociPlatform } from "../build/arch.js";
import { buildGraph, type Target } from "../build/plan.js";
import { contextSource } from "../build/workspace.js";
import { stableJson } from "./compile.js";

// `compile --llb`: the graph the frontend builds for this file, decoded op by op. The client's build context
// and session only exist during a real build, so the context is an unnamed local source here.

export interface LlbOptions {
  text: string;
  buildImage?: string;
  target?: string;
  sourceDateEpoch: number;
}

export function printLlb(build: CompiledBuild, o: LlbOptions): string {
  const target = (o.target ?? "packages") as Target;
  if (target !== "packages" && target !== "melange-out") throw new UserError(`unknown target "${o.target}"`, undefined, "use packages or melange-out");
  // Without an image, the environment the frontend installs from APK repositories stands in as an image
  // named after its package list (resolving needs the repositories, which a build reaches through the engine).
  const envName = `melange-ts/apk-environment:${createHash("sha256").update(build.environment.packages.join(" ")).digest("hex").slice(0, 16)}`;
  const graph = buildGraph(build, {
    target,
    environment: image(o.buildImage ?? envName, { customName: `[${build.main.name}] build environment` }),
    context: contextSource({ sessionId: "", exclude: [] }),
    toolsImage: image("melange-ts/frontend"),
    secretId: "melange.rsa",
    sourceDateEpoch: o.sourceDateEpoch,
    configText: o.text,
    namespace: "unknown",
  });
  return stableJson(definitionToJSON(marshal(graph, { platform: ociPlatform(build.arch) })));
}
