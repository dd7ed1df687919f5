import { describe, expect, it } from "vitest";
import { builtinPipeline, builtinPipelineNames } from "../../../src/pipelines/builtins.js";
import { defText } from "./harness.js";

// src/gen/pipelines.ts is written by `npm run gen`; a failure here after editing a definition
// usually means the generator has not been re-run.
describe("builtin pipeline table", () => {
  it("names every definition, sorted", () => {
    const names = builtinPipelineNames();
    expect(names).toHaveLength(51);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("go/build");
    expect(names).toContain("go/build/v2");
  });

  it("returns each definition's text as written", () => {
    for (const name of builtinPipelineNames()) {
      expect(builtinPipeline(name), name).toBe(defText(name));
    }
  });

  it("returns undefined for unknown names and inherited keys", () => {
    expect(builtinPipeline("no/such-pipeline")).toBeUndefined();
    expect(builtinPipeline("toString")).toBeUndefined();
    expect(builtinPipeline("go")).toBeUndefined();
  });
});
