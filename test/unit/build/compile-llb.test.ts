import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile } from "../../../src/compile/compile.js";
import { pipelineLoader } from "../../../src/compile/pipeline-loader.js";
import { builtinPipeline } from "../../../src/pipelines/builtins.js";
import { printLlb } from "../../../src/commands/compile-llb.js";

const text = readFileSync(new URL("../../../examples/hello/melange.yaml", import.meta.url), "utf8");

describe("compile --llb", () => {
  const build = compile({ file: "melange.yaml", text }, { arch: "aarch64", pipelines: pipelineLoader([], builtinPipeline) });
  type Op = { metadata?: { description?: Record<string, string> }; op: { platform?: { Architecture: string }; source?: { identifier: string } } };
  const names = (json: string) => (JSON.parse(json).ops as Op[]).map((o) => o.metadata?.description?.["llb.customname"]).filter(Boolean);

  it("prints the graph the frontend solves: steps, packaging and signing, for the build's platform", () => {
    const json = printLlb(build, { text, buildImage: "melange-ts/busybox", sourceDateEpoch: 0 });
    expect(names(json)).toEqual(
      expect.arrayContaining(["[hello 1/3] build", "[hello 2/3] install › binary", "[hello 3/3] install › docs", "[hello] package hello", "[hello] sign and index aarch64 (key: secret melange.rsa)"]),
    );
    const ops = JSON.parse(json).ops as Op[];
    expect(ops.find((o) => o.op.source?.identifier === "docker-image://docker.io/melange-ts/busybox:latest")?.op.platform?.Architecture).toBe("arm64");
    // Same input, same bytes.
    expect(printLlb(build, { text, buildImage: "melange-ts/busybox", sourceDateEpoch: 0 })).toBe(json);
  });

  it("stops at the trees with --target melange-out", () => {
    const n = names(printLlb(build, { text, target: "melange-out", sourceDateEpoch: 0 }));
    expect(n).toContain("[hello] collect melange-out");
    expect(n.some((x) => x?.startsWith("[hello] package"))).toBe(false);
    expect(() => printLlb(build, { text, target: "image", sourceDateEpoch: 0 })).toThrow(/unknown target/);
  });
});
