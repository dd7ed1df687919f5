import { UserError } from "../errors.js";
import { image, type State } from "../llb/index.js";
import type { CompiledBuild } from "../compile/types.js";
import type { BridgeClient } from "../gateway/client.js";
import type { OciPlatform } from "../build/arch.js";
import type { FrontendOpts } from "./opts.js";

// The root every step runs in: the image named by MELANGE_BUILD_IMAGE, or (melange's way) an environment
// resolved and installed from the APK repositories of environment.contents.

export interface EnvironmentContext {
  client: BridgeClient;
  opts: FrontendOpts;
  build: CompiledBuild;
  platform: OciPlatform;
  /** Our own image, to run the installer on. */
  toolsImage: State;
}

export async function buildEnvironment(c: EnvironmentContext): Promise<State> {
  const ref = c.opts.buildArgs.MELANGE_BUILD_IMAGE;
  if (ref) return image(ref, { customName: `[${c.build.main.name}] build environment ${ref}` });
  throw new UserError(
    `${c.build.file}: no build environment: installing environment.contents from APK repositories is not supported yet`,
    undefined,
    "set --build-arg MELANGE_BUILD_IMAGE=<image with /bin/sh and your build tools>",
  );
}
