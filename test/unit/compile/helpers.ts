import { compile, type CompileOptions } from "../../../src/compile/compile.js";
import { pipelineLoader } from "../../../src/compile/pipeline-loader.js";
import type { CompiledBuild } from "../../../src/compile/types.js";
import { UserError, UserErrors } from "../../../src/errors.js";

/** Compiles `text` with an in-memory pipeline dir named "pipelines" and no built-ins. */
export function compileText(
  text: string,
  pipelines: Record<string, string> = {},
  opts: Partial<CompileOptions> = {},
): CompiledBuild {
  const loader = pipelineLoader([{ name: "pipelines", read: (p) => pipelines[p] }], () => undefined);
  return compile({ file: "melange.yaml", text }, { arch: "x86_64", pipelines: loader, ...opts });
}

/** The formatted errors a compile throws. */
export function compileErrors(text: string, pipelines: Record<string, string> = {}, opts: Partial<CompileOptions> = {}): string[] {
  try {
    compileText(text, pipelines, opts);
  } catch (e) {
    if (e instanceof UserErrors) return e.errors.map((x) => x.format());
    if (e instanceof UserError) return [e.format()];
    throw e;
  }
  throw new Error("expected compile to fail");
}

export const HEADER = `package:
  name: hello
  version: 1.2.3
  epoch: 2
`;
