import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeWorkspace, runPipeline, shellsWithGnu, type Workspace } from "./harness.js";

/** A gzipped tarball with one top-level dir (hello-1.2.3/), like a release tarball. */
function makeTarball(ws: Workspace): string {
  const src = join(ws.root, "src", "hello-1.2.3");
  mkdirSync(join(src, "lib"), { recursive: true });
  writeFileSync(join(src, "configure"), "#!/bin/sh\n");
  writeFileSync(join(src, "lib", "a.c"), "int a;\n");
  const tarball = join(ws.root, "hello-1.2.3.tar.gz");
  execFileSync("tar", ["-czf", tarball, "-C", join(ws.root, "src"), "hello-1.2.3"]);
  return tarball;
}
const digest = (algo: string, path: string) => createHash(algo).update(readFileSync(path)).digest("hex");
// The definition reads a fixed cache path; point it at the test's own cache dir.
const toTestCache = (ws: Workspace) => (script: string) => script.replaceAll("/var/cache/melange", ws.cache);
// A URI nothing can download from: the tests must never need the network.
const uri = "https://invalid.example/releases/hello-1.2.3.tar.gz";

// a shell whose tar detects compression (busybox sh may run a reduced tar applet instead)
describe.each(shellsWithGnu("tar"))("fetch ($label)", (shell) => {
  it("uses the pre-seeded sha256 cache file, verifies it and extracts with strip-components", () => {
    const ws = makeWorkspace();
    const tarball = makeTarball(ws);
    const sha = digest("sha256", tarball);
    copyFileSync(tarball, join(ws.cache, `sha256:${sha}`));
    const r = runPipeline(shell, "fetch", ws, { with: { uri, "expected-sha256": sha }, rewrite: toTestCache(ws) });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(ws.home, "configure"), "utf8")).toBe("#!/bin/sh\n");
    expect(existsSync(join(ws.home, "lib", "a.c"))).toBe(true);
    expect(existsSync(join(ws.home, "hello-1.2.3"))).toBe(false);
    expect(existsSync(join(ws.home, "hello-1.2.3.tar.gz"))).toBe(true);
  });

  it("extracts into directory with strip-components 0, then deletes the download", () => {
    const ws = makeWorkspace();
    const tarball = makeTarball(ws);
    const sha = digest("sha512", tarball);
    copyFileSync(tarball, join(ws.cache, `sha512:${sha}`));
    const r = runPipeline(shell, "fetch", ws, {
      with: { uri, "expected-sha512": sha, "strip-components": "0", directory: "src", delete: "true" },
      rewrite: toTestCache(ws),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(ws.home, "src", "hello-1.2.3", "lib", "a.c"))).toBe(true);
    expect(existsSync(join(ws.home, "hello-1.2.3.tar.gz"))).toBe(false);
  });

  it("does not extract when extract is false", () => {
    const ws = makeWorkspace();
    const tarball = makeTarball(ws);
    const sha = digest("sha256", tarball);
    copyFileSync(tarball, join(ws.cache, `sha256:${sha}`));
    const r = runPipeline(shell, "fetch", ws, { with: { uri, "expected-sha256": sha, extract: "false" }, rewrite: toTestCache(ws) });
    expect(r.status, r.stderr).toBe(0);
    expect(digest("sha256", join(ws.home, "hello-1.2.3.tar.gz"))).toBe(sha);
    expect(existsSync(join(ws.home, "configure"))).toBe(false);
  });

  it("fails when the file does not match the expected checksum", () => {
    const ws = makeWorkspace();
    const tarball = makeTarball(ws);
    const claimed = "0".repeat(64);
    // a cache entry under the claimed digest whose content is something else
    copyFileSync(tarball, join(ws.cache, `sha256:${claimed}`));
    const r = runPipeline(shell, "fetch", ws, { with: { uri, "expected-sha256": claimed }, rewrite: toTestCache(ws) });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(digest("sha256", tarball));
    expect(existsSync(join(ws.home, "configure"))).toBe(false);
  });

  it("requires a checksum and rejects a malformed one", () => {
    const ws = makeWorkspace();
    const none = runPipeline(shell, "fetch", ws, { with: { uri }, rewrite: toTestCache(ws) });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain("expected-sha256 or expected-sha512");
    const short = runPipeline(shell, "fetch", ws, { with: { uri, "expected-sha256": "abc" }, rewrite: toTestCache(ws) });
    expect(short.status).not.toBe(0);
    expect(short.stderr).toContain("64 lowercase hex");
  });
});
