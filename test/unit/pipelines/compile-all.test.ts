// Integration with the compiler (src/compile): every built-in goes through the real definition
// parser and `uses:` expansion with strict substitution, so a variable or input the compiler does
// not provide fails here rather than in a build.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { compile } from "../../../src/compile/compile.js";
import { pipelineLoader } from "../../../src/compile/pipeline-loader.js";
import type { CompiledStep } from "../../../src/compile/types.js";
import { parsePipelineDefinition } from "../../../src/config/parse.js";
import { UserError } from "../../../src/errors.js";
import { builtinPipeline, builtinPipelineNames } from "../../../src/pipelines/builtins.js";
import { loadDef } from "./harness.js";

const loader = pipelineLoader([], builtinPipeline);

/** A `uses` step with every required input set (fetch also gets the checksum it insists on). */
function useStep(name: string) {
  const required = Object.entries(loadDef(name).inputs ?? {}).filter(([, s]) => s.required === true);
  const inputs: Record<string, string> = Object.fromEntries(required.map(([k]) => [k, `value-of-${k}`]));
  if (name === "fetch") inputs["expected-sha256"] = "a".repeat(64);
  return Object.keys(inputs).length > 0 ? { uses: name, with: inputs } : { uses: name };
}

function compileWith(main: string[], sub: string[]) {
  const doc = {
    package: { name: "hello", version: "1.2.3", epoch: 0, description: "d", copyright: [{ license: "MIT" }] },
    pipeline: main.map(useStep),
    subpackages: [{ name: "hello-dev", pipeline: sub.map(useStep) }],
  };
  try {
    return compile({ file: "melange.yaml", text: stringify(doc) }, { arch: "x86_64", pipelines: loader });
  } catch (e) {
    throw new Error(e instanceof UserError ? e.format() : String(e));
  }
}

function scripts(steps: CompiledStep[]): string[] {
  return steps.flatMap((s) => [...(s.runs ? [s.runs] : []), ...scripts(s.pipeline)]);
}

describe("built-ins through the compiler", () => {
  const names = builtinPipelineNames();
  const splits = names.filter((n) => n.startsWith("split/"));
  const others = names.filter((n) => !n.startsWith("split/"));

  it("every definition passes the pipeline-definition schema", () => {
    for (const name of names) {
      expect(() => parsePipelineDefinition({ file: `<built-in>/${name}.yaml`, text: builtinPipeline(name)! }), name).not.toThrow();
    }
  });

  it("every built-in expands with all variables resolved (split/* in a subpackage)", () => {
    const build = compileWith(others, splits);
    const all = [...scripts(build.main.steps), ...build.subpackages.flatMap((p) => scripts(p.steps))];
    expect(all.length).toBeGreaterThanOrEqual(names.length);
    for (const script of all) expect(script).not.toMatch(/\$\{\{/);
    // substituted values land where the definitions put them
    const joined = all.join("\n");
    expect(joined).toContain("/home/build/melange-out/hello-dev");
    expect(joined).toContain("x86_64-pc-linux-gnu");
  });

  it("needs that name an input resolve to the input's value", () => {
    const build = compileWith(["go/build", "npm/install", "strip"], []);
    expect(build.environment.packages).toEqual(
      ["binutils", "build-base", "busybox", "ca-certificates-bundle", "go", "nodejs", "npm", "scanelf"].sort(),
    );
  });
});
