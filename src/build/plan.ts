import { copy, scratch, type State } from "../llb/index.js";
import type { CompiledBuild } from "../compile/types.js";
import { runSteps } from "./steps.js";
import { packageStage, type PackageOptions } from "./package.js";
import { OUT, prepareWorkspace } from "./workspace.js";

// A compiled build -> the LLB of the whole build: the build environment (given), the workspace, every step,
// and the melange-out tree.

export interface PlanOptions {
  /** The root of every step: an image, or an environment installed from APK repositories. */
  environment: State;
  context: State;
  sourceDateEpoch: number;
  /** Set for --no-cache: a fresh value makes every step run again (see salt.ts). */
  salt?: string;
}

/** The workspace after every step has run. */
export function buildWorkspace(build: CompiledBuild, o: PlanOptions): State {
  const ws = prepareWorkspace(o.environment, build, o.context, `[${build.main.name}]`, o.salt);
  return runSteps(ws, build, { sourceDateEpoch: o.sourceDateEpoch, salt: o.salt });
}

/** melange-out/<pkg> for every package, as a tree of its own. */
export function melangeOut(workspace: State, build: CompiledBuild): State {
  return scratch().file(copy(workspace, OUT, "/", { dirCopyContents: true }), {
    customName: `[${build.main.name}] collect melange-out`,
  });
}

export type Target = "packages" | "melange-out";

export interface GraphOptions extends PlanOptions, PackageOptions {
  target: Target;
}

/** The whole build: the steps, then (unless the target is the raw trees) packaging, signing and the index. */
export function buildGraph(build: CompiledBuild, o: GraphOptions): State {
  const tree = melangeOut(buildWorkspace(build, o), build);
  return o.target === "melange-out" ? tree : packageStage(build, tree, o);
}
