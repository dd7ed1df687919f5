import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { availableShells, makeWorkspace, runPipeline } from "./harness.js";

const hasMake = spawnSync("make", ["--version"]).status === 0;

// A Makefile of our own whose install target lays out a library with its libtool archive.
const makefile = [
  "install:",
  "\tmkdir -p $(DESTDIR)/usr/lib $(DESTDIR)/usr/lib/plugins",
  "\techo lib > $(DESTDIR)/usr/lib/libhello.so.1",
  "\techo la > $(DESTDIR)/usr/lib/libhello.la",
  "\techo la > $(DESTDIR)/usr/lib/plugins/plug.la",
  "\techo $(EXTRA) > $(DESTDIR)/usr/lib/extra.txt",
  "",
].join("\n");

describe.skipIf(!hasMake).each(availableShells())("autoconf/make-install ($label)", (shell) => {
  it("installs into the package dir and removes libtool archives", () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws.home, "build"));
    writeFileSync(join(ws.home, "build", "Makefile"), makefile);
    const r = runPipeline(shell, "autoconf/make-install", ws, { with: { dir: "build", opts: "EXTRA=yes" } });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(ws.destdir, "usr/lib/libhello.so.1"))).toBe(true);
    expect(existsSync(join(ws.destdir, "usr/lib/extra.txt"))).toBe(true);
    expect(existsSync(join(ws.destdir, "usr/lib/libhello.la"))).toBe(false);
    expect(existsSync(join(ws.destdir, "usr/lib/plugins/plug.la"))).toBe(false);
  });
});
