import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { command } from "../../../src/commands/compile.js";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await command.run(argv), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

const fixture = path.join(import.meta.dirname, "../../fixtures/config/typical.yaml");

describe("melange-ts compile", () => {
  it("prints the compiled build as JSON with sorted keys, using <dir>/pipelines and built-ins", async () => {
    const r = await run([fixture, "--arch", "aarch64"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const b = JSON.parse(r.out);
    expect(Object.keys(b)).toEqual([...Object.keys(b)].sort());
    expect(b.arch).toBe("aarch64");
    expect(b.package.version).toBe("2.10");
    expect(b.main.steps.map((s: { uses: string }) => s.uses)).toEqual([
      "fetch",
      "autoconf/configure",
      "autoconf/make",
      "autoconf/make-install",
      "strip",
    ]);
    expect(b.main.steps[0].with.uri).toBe("https://example.invalid/tinycalc/tinycalc-2_10.tar.gz");
    // test/version-check comes from the fixture's own pipelines/ dir.
    expect(b.main.test.steps[0].pipeline[0].runs).toBe('tinycalc --version | grep -F "2.10"');
    expect(b.main.test.environment.packages).toEqual(["busybox", "tinycalc"]);
    expect(b.subpackages.map((s: { name: string }) => s.name)).toEqual(["libtinycalc", "tinycalc-dev"]);
  });

  it("prints FILE:LINE:COL errors and exits 1", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h2-compile-"));
    const file = path.join(dir, "melange.yaml");
    fs.writeFileSync(file, "package:\n  name: x\n  version: 1\n  epoch: 0\npipeline:\n  - runs: echo ${{vars.nope}}\n");
    const r = await run([file, "--arch", "x86_64"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(`${file}:6:16: undefined variable "\${{vars.nope}}" in pipeline[0].runs\n`);
  });

  it("applies --vars-file and --build-option", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h2-compile-"));
    const file = path.join(dir, "melange.yaml");
    fs.writeFileSync(
      file,
      "package:\n  name: x\n  version: 1\n  epoch: 0\nvars:\n  v: file\noptions:\n  o: {}\npipeline:\n  - runs: echo ${{vars.v}} ${{options.o.enabled}}\n",
    );
    fs.writeFileSync(path.join(dir, "vars.yaml"), "v: override\n");
    const r = await run([file, "--arch", "x86_64", "--vars-file", path.join(dir, "vars.yaml"), "--build-option", "o"]);
    expect(r.err).toBe("");
    expect(JSON.parse(r.out).main.steps[0].runs).toBe("echo override true");
  });
});
