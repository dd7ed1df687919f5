import { describe, it, expect } from "vitest";
import { compileConfiguration } from "../../../src/compile/compile.js";
import { preloadPipelines } from "../../../src/compile/preload.js";
import { parseConfiguration } from "../../../src/config/parse.js";
import { HEADER } from "./helpers.js";

describe("preloadPipelines", () => {
  it("loads every reachable definition once, then compiles synchronously", async () => {
    const files: Record<string, string> = {
      a: "pipeline:\n  - uses: b\n  - uses: c\n",
      b: "pipeline:\n  - uses: c\n",
      c: "pipeline:\n  - runs: echo c\n",
      t: "pipeline:\n  - runs: echo t\n",
    };
    const asked: string[] = [];
    const parsed = parseConfiguration({
      file: "melange.yaml",
      text: HEADER + "pipeline:\n  - uses: a\nsubpackages:\n  - name: s\n    test:\n      pipeline:\n        - uses: t\n",
    });
    const loader = await preloadPipelines(parsed.value, async (u) => {
      asked.push(u);
      return files[u] ? { file: `p/${u}.yaml`, text: files[u]! } : undefined;
    });
    expect(asked.sort()).toEqual(["a", "b", "c", "t"]);
    const b = compileConfiguration(parsed, { arch: "x86_64", pipelines: loader });
    expect(b.main.steps[0]!.pipeline[0]!.pipeline[0]!.pipeline[0]!.runs).toBe("echo c");
    expect(b.subpackages[0]!.test!.steps[0]!.pipeline[0]!.runs).toBe("echo t");
  });
});
