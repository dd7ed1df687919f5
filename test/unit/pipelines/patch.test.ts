import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeWorkspace, runPipeline, shellsWithGnu } from "./harness.js";

const original = "line one\nline two\nline three\n";
const fixTwo = [
  "--- a/src/hello.txt",
  "+++ b/src/hello.txt",
  "@@ -1,3 +1,3 @@",
  " line one",
  "-line two",
  "+line 2",
  " line three",
  "",
].join("\n");
// removes a line the file does not have: no fuzz can make it apply
const conflicting = [
  "--- a/src/hello.txt",
  "+++ b/src/hello.txt",
  "@@ -1,3 +1,2 @@",
  " line one",
  "-line nine",
  " line three",
  "",
].join("\n");
const addFour = [
  "--- a/src/hello.txt",
  "+++ b/src/hello.txt",
  "@@ -1,3 +1,4 @@",
  " line one",
  " line 2",
  " line three",
  "+line four",
  "",
].join("\n");

function workspaceWithSource() {
  const ws = makeWorkspace();
  mkdirSync(join(ws.home, "src"));
  writeFileSync(join(ws.home, "src", "hello.txt"), original);
  writeFileSync(join(ws.home, "fix-two.patch"), fixTwo);
  writeFileSync(join(ws.home, "add-four.patch"), addFour);
  writeFileSync(join(ws.home, "conflicting.patch"), conflicting);
  return ws;
}

// the definition passes GNU patch options (--fuzz); busybox's own applet lacks them
describe.each(shellsWithGnu("patch"))("patch ($label)", (shell) => {
  it("applies the listed patches in order", () => {
    const ws = workspaceWithSource();
    const r = runPipeline(shell, "patch", ws, { with: { patches: "fix-two.patch add-four.patch" } });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(ws.home, "src", "hello.txt"), "utf8")).toBe("line one\nline 2\nline three\nline four\n");
  });

  it("applies a quilt series file, skipping comments", () => {
    const ws = workspaceWithSource();
    writeFileSync(join(ws.home, "series"), "# fixes\nfix-two.patch\n\nadd-four.patch -p1\n");
    const r = runPipeline(shell, "patch", ws, { with: { series: "series" } });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(ws.home, "src", "hello.txt"), "utf8")).toBe("line one\nline 2\nline three\nline four\n");
  });

  it("honours strip-components", () => {
    const ws = workspaceWithSource();
    writeFileSync(join(ws.home, "p0.patch"), fixTwo.replaceAll("a/src/", "src/").replaceAll("b/src/", "src/"));
    const r = runPipeline(shell, "patch", ws, { with: { patches: "p0.patch", "strip-components": "0" } });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(ws.home, "src", "hello.txt"), "utf8")).toContain("line 2");
  });

  it("fails on a patch that does not apply, a missing patch, or no patches at all", () => {
    const ws = workspaceWithSource();
    const conflict = runPipeline(shell, "patch", ws, { with: { patches: "conflicting.patch" } });
    expect(conflict.status).not.toBe(0);
    expect(runPipeline(shell, "patch", ws, { with: { patches: "missing.patch" } }).status).not.toBe(0);
    const nothing = runPipeline(shell, "patch", ws, {});
    expect(nothing.status).not.toBe(0);
    expect(nothing.stderr).toContain("neither patches nor series");
    expect(runPipeline(shell, "patch", ws, { with: { patches: "fix-two.patch", fuzz: "x" } }).status).not.toBe(0);
  });
});
