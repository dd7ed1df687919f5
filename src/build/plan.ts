import { copy, image, scratch, type State } from "../llb/index.js";
import { UserError } from "../errors.js";
import type { CompiledBuild } from "../compile/types.js";
import { runSteps } from "./steps.js";
import { OUT, prepareWorkspace } from "./workspace.js";

// A compiled build -> the LLB of the whole build. Today: environment from an image, the workspace, every step,
// and the melange-out tree as the result.

export interface PlanOptions {
  /** The build environment image (build-arg MELANGE_BUILD_IMAGE). */
  buildImage?: string;
  context: State;
  sourceDateEpoch: number;
}

export function buildEnvironment(build: CompiledBuild, o: PlanOptions): State {
  if (o.buildImage) return image(o.buildImage, { customName: `[${build.main.name}] build environment ${o.buildImage}` });
  throw new UserError(
    `${build.file}: no build environment: environment.contents.packages needs an APK repository, which this version cannot install yet`,
    undefined,
    "set --build-arg MELANGE_BUILD_IMAGE=<image with /bin/sh and your build tools>",
  );
}

/** The workspace after every step has run. */
export function buildWorkspace(build: CompiledBuild, o: PlanOptions): State {
  const env = buildEnvironment(build, o);
  const ws = prepareWorkspace(env, build, o.context, `[${build.main.name}]`);
  return runSteps(ws, build, { sourceDateEpoch: o.sourceDateEpoch });
}

/** melange-out/<pkg> for every package, as a tree of its own. */
export function melangeOut(workspace: State, build: CompiledBuild): State {
  return scratch().file(copy(workspace, OUT, "/", { dirCopyContents: true }), {
    customName: `[${build.main.name}] collect melange-out`,
  });
}
