import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { availableShells, makeWorkspace, runPipeline } from "./harness.js";

const shell = availableShells()[0];
const hasPython = spawnSync("python3", ["--version"]).status === 0;

describe.skipIf(!shell)("smaller pipelines", () => {
  it("maven/configure-mirror links ~/.m2/repository into the cache and writes a mirror", () => {
    const ws = makeWorkspace();
    const fakeRoot = join(ws.root, "roothome");
    const r = runPipeline(shell, "maven/configure-mirror", ws, {
      // keep the test away from the real /root and /var/cache/melange
      rewrite: (s) => s.replaceAll("/var/cache/melange", ws.cache).replaceAll("/root", fakeRoot),
    });
    expect(r.status, r.stderr).toBe(0);
    for (const home of [ws.home, fakeRoot]) {
      expect(lstatSync(join(home, ".m2/repository")).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(home, ".m2/repository"))).toBe(join(ws.cache, "m2repository"));
      expect(readFileSync(join(home, ".m2/settings.xml"), "utf8")).toContain("<mirrorOf>central</mirrorOf>");
    }
  });

  it("perl/cleanup removes perllocal.pod and .packlist only", () => {
    const ws = makeWorkspace();
    const dir = join(ws.destdir, "usr/lib/perl5/vendor_perl/auto/Foo");
    mkdirSync(dir, { recursive: true });
    for (const f of [".packlist", "perllocal.pod", "Foo.so"]) writeFileSync(join(dir, f), f);
    const r = runPipeline(shell, "perl/cleanup", ws);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, ".packlist"))).toBe(false);
    expect(existsSync(join(dir, "perllocal.pod"))).toBe(false);
    expect(existsSync(join(dir, "Foo.so"))).toBe(true);
  });

  it.skipIf(!hasPython)("python/import passes importable modules and fails on the rest", () => {
    const ws = makeWorkspace();
    const ok = runPipeline(shell, "python/import", ws, { with: { python: "python3", imports: "import json\n# comment\nfrom os import path # inline\n" } });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('"from os import path": PASS');
    const bad = runPipeline(shell, "python/import", ws, { with: { python: "python3", import: "no_such_module_xyz" } });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain("import no_such_module_xyz\": FAIL");
    const mixed = runPipeline(shell, "python/import", ws, { with: { python: "python3", import: "json", imports: "import os" } });
    expect(mixed.status).not.toBe(0);
  });
});
