import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { availableShells, makeWorkspace, runPipeline, type Workspace } from "./harness.js";

/** Create files (relative path -> content) under dir; "->target" makes a symlink. */
function populate(dir: string, files: Record<string, string>) {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (content.startsWith("->")) symlinkSync(content.slice(2), path);
    else writeFileSync(path, content);
  }
}
const present = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

const shells = availableShells();

describe.each(shells)("split pipelines ($label)", (shell) => {
  function setup(files: Record<string, string>): Workspace {
    const ws = makeWorkspace("hello");
    populate(ws.destdir, files);
    return ws;
  }
  const sub = (ws: Workspace, name: string) => join(ws.outdir, name);

  it("split/dev moves headers, pkg-config, cmake, static libs and .so links; keeps runtime libs", () => {
    const ws = setup({
      "usr/include/hello.h": "h",
      "usr/include/sub/deep.h": "d",
      "usr/lib/pkgconfig/hello.pc": "pc",
      "usr/lib/cmake/Hello/HelloConfig.cmake": "c",
      "usr/lib/libhello.a": "a",
      "usr/lib/libhello.so.1.0": "so",
      "usr/lib/libhello.so.1": "->libhello.so.1.0",
      "usr/lib/libhello.so": "->libhello.so.1",
      "usr/bin/hello-config": "cfg",
      "usr/bin/hello": "bin",
      "usr/share/aclocal/hello.m4": "m4",
    });
    const r = runPipeline(shell, "split/dev", ws, { context: "hello-dev" });
    expect(r.status, r.stderr).toBe(0);
    const dev = sub(ws, "hello-dev");
    for (const moved of [
      "usr/include/hello.h", "usr/include/sub/deep.h", "usr/lib/pkgconfig/hello.pc",
      "usr/lib/cmake/Hello/HelloConfig.cmake", "usr/lib/libhello.a", "usr/bin/hello-config",
      "usr/share/aclocal/hello.m4",
    ]) {
      expect(existsSync(join(dev, moved)), moved).toBe(true);
      expect(present(join(ws.destdir, moved)), moved).toBe(false);
    }
    expect(lstatSync(join(dev, "usr/lib/libhello.so")).isSymbolicLink()).toBe(true);
    // the runtime library and its soname link stay in the main package
    expect(existsSync(join(ws.destdir, "usr/lib/libhello.so.1.0"))).toBe(true);
    expect(lstatSync(join(ws.destdir, "usr/lib/libhello.so.1")).isSymbolicLink()).toBe(true);
    expect(existsSync(join(ws.destdir, "usr/bin/hello"))).toBe(true);
    expect(present(join(ws.destdir, "usr/include"))).toBe(false);
  });

  it("split/dev honours a custom prefix and the package input", () => {
    const ws = setup({});
    populate(sub(ws, "hello-libs"), { "opt/hello/include/x.h": "x", "opt/hello/lib/libx.a": "a" });
    const r = runPipeline(shell, "split/dev", ws, { context: "hello-dev", with: { package: "hello-libs", prefix: "/opt/hello" } });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(sub(ws, "hello-dev"), "opt/hello/include/x.h"), "utf8")).toBe("x");
    expect(existsSync(join(sub(ws, "hello-dev"), "opt/hello/lib/libx.a"))).toBe(true);
    expect(present(join(sub(ws, "hello-libs"), "opt/hello/include"))).toBe(false);
  });

  it("split/static moves only *.a", () => {
    const ws = setup({ "usr/lib/libz.a": "a", "lib/libc.a": "c", "usr/lib/libz.so.1": "so", "usr/include/z.h": "h" });
    const r = runPipeline(shell, "split/static", ws, { context: "hello-static" });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(sub(ws, "hello-static"), "usr/lib/libz.a"))).toBe(true);
    expect(existsSync(join(sub(ws, "hello-static"), "lib/libc.a"))).toBe(true);
    expect(present(join(ws.destdir, "usr/lib/libz.a"))).toBe(false);
    expect(existsSync(join(ws.destdir, "usr/lib/libz.so.1"))).toBe(true);
    expect(existsSync(join(ws.destdir, "usr/include/z.h"))).toBe(true);
    expect(existsSync(join(sub(ws, "hello-static"), "usr/include"))).toBe(false);
  });

  it("split/manpages gathers man dirs into usr/share/man and prunes empty parents", () => {
    const ws = setup({
      "usr/share/man/man1/hello.1": "one",
      "usr/local/share/man/man3/hello.3": "three",
      "usr/man/man5/hello.conf.5": "five",
      "usr/man/man1/other.1": "other",
      "usr/share/hello/data": "keep",
    });
    const r = runPipeline(shell, "split/manpages", ws, { context: "hello-doc" });
    expect(r.status, r.stderr).toBe(0);
    const man = join(sub(ws, "hello-doc"), "usr/share/man");
    expect(readFileSync(join(man, "man1/hello.1"), "utf8")).toBe("one");
    expect(readFileSync(join(man, "man1/other.1"), "utf8")).toBe("other");
    expect(readFileSync(join(man, "man3/hello.3"), "utf8")).toBe("three");
    expect(readFileSync(join(man, "man5/hello.conf.5"), "utf8")).toBe("five");
    expect(present(join(ws.destdir, "usr/share/man"))).toBe(false);
    expect(present(join(ws.destdir, "usr/local"))).toBe(false);
    expect(present(join(ws.destdir, "usr/man"))).toBe(false);
    expect(existsSync(join(ws.destdir, "usr/share/hello/data"))).toBe(true);
  });

  it("split/locales moves usr/share/locale", () => {
    const ws = setup({ "usr/share/locale/de/LC_MESSAGES/hello.mo": "de", "usr/bin/hello": "bin" });
    const r = runPipeline(shell, "split/locales", ws, { context: "hello-lang" });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(sub(ws, "hello-lang"), "usr/share/locale/de/LC_MESSAGES/hello.mo"), "utf8")).toBe("de");
    expect(present(join(ws.destdir, "usr/share/locale"))).toBe(false);
    expect(existsSync(join(ws.destdir, "usr/bin/hello"))).toBe(true);
  });

  it("split/infodir moves info pages and drops the dir index", () => {
    const ws = setup({ "usr/share/info/hello.info": "info", "usr/share/info/dir": "index" });
    const r = runPipeline(shell, "split/infodir", ws, { context: "hello-doc" });
    expect(r.status, r.stderr).toBe(0);
    const info = join(sub(ws, "hello-doc"), "usr/share/info");
    expect(readFileSync(join(info, "hello.info"), "utf8")).toBe("info");
    expect(existsSync(join(info, "dir"))).toBe(false);
    expect(present(join(ws.destdir, "usr/share/info"))).toBe(false);
  });

  it("split/lib moves versioned shared libraries, filtered by patterns", () => {
    const ws = setup({
      "usr/lib/libssl.so.3": "ssl",
      "usr/lib/libcrypto.so.3": "crypto",
      "usr/lib/libother.so.1": "other",
      "usr/lib/libssl.so": "->libssl.so.3",
      "usr/lib64/libssl.so.3.1": "ssl64",
    });
    const r = runPipeline(shell, "split/lib", ws, {
      context: "libssl3",
      with: { patterns: "ssl\ncrypto\n", paths: "usr/lib64\n" },
    });
    expect(r.status, r.stderr).toBe(0);
    const lib = sub(ws, "libssl3");
    expect(existsSync(join(lib, "usr/lib/libssl.so.3"))).toBe(true);
    expect(existsSync(join(lib, "usr/lib/libcrypto.so.3"))).toBe(true);
    expect(existsSync(join(lib, "usr/lib64/libssl.so.3.1"))).toBe(true);
    expect(existsSync(join(ws.destdir, "usr/lib/libother.so.1"))).toBe(true);
    expect(present(join(ws.destdir, "usr/lib/libssl.so"))).toBe(true);
    expect(present(join(lib, "usr/lib/libother.so.1"))).toBe(false);
  });

  it("split/lib without patterns moves every *.so.*", () => {
    const ws = setup({ "lib/libc.so.6": "c", "usr/lib/libz.so.1": "z", "usr/lib/libz.so": "->libz.so.1" });
    const r = runPipeline(shell, "split/lib", ws, { context: "hello-libs" });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(sub(ws, "hello-libs"), "lib/libc.so.6"))).toBe(true);
    expect(existsSync(join(sub(ws, "hello-libs"), "usr/lib/libz.so.1"))).toBe(true);
    expect(present(join(ws.destdir, "usr/lib/libz.so"))).toBe(true);
  });

  it.each(["split/dev", "split/static", "split/manpages", "split/locales", "split/infodir", "split/lib", "split/alldocs", "split/bin"])(
    "%s refuses to split a package from itself",
    (name) => {
      const ws = setup({ "usr/share/man/man1/x.1": "x", "usr/bin/x": "x" });
      // in the main package's own context, the source is the destination
      const r = runPipeline(shell, name, ws, { context: "hello" });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain("Package can not split files from itself!");
      expect(existsSync(join(ws.destdir, "usr/bin/x"))).toBe(true);
    },
  );

  it("split/bin takes usr/bin from <name> for a <name>-bin subpackage", () => {
    const ws = setup({ "usr/bin/main-tool": "m" });
    populate(sub(ws, "hello-utils"), { "usr/bin/util": "u", "usr/lib/libu.so.1": "l" });
    const r = runPipeline(shell, "split/bin", ws, { context: "hello-utils-bin" });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(sub(ws, "hello-utils-bin"), "usr/bin/util"))).toBe(true);
    expect(existsSync(join(ws.destdir, "usr/bin/main-tool"))).toBe(true);
    expect(existsSync(join(sub(ws, "hello-utils"), "usr/lib/libu.so.1"))).toBe(true);
  });

  it("split/alldocs moves info, man and doc trees", () => {
    const ws = setup({ "usr/share/doc/hello/README": "r", "usr/share/man/man1/hello.1": "m", "usr/share/info/hello.info": "i" });
    const r = runPipeline(shell, "split/alldocs", ws, { context: "hello-doc" });
    expect(r.status, r.stderr).toBe(0);
    const doc = sub(ws, "hello-doc");
    for (const p of ["usr/share/doc/hello/README", "usr/share/man/man1/hello.1", "usr/share/info/hello.info"]) {
      expect(existsSync(join(doc, p)), p).toBe(true);
    }
    expect(present(join(ws.destdir, "usr"))).toBe(false);
  });
});
