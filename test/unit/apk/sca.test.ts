import { describe, it, expect } from "vitest";
import fs from "node:fs";
import { parseElf, bufferReader } from "../../../src/apk/elf.js";
import { detectDependencies, mergeDependencies, pkgConfigRequires, shebangCommand } from "../../../src/apk/sca.js";
import { walkTree } from "../../../src/apk/tree.js";
import { makeElf, spec, tempDir, writeFile } from "./helpers.js";

describe("ELF parsing", () => {
  for (const bits of [32, 64] as const) {
    for (const littleEndian of [true, false]) {
      it(`reads interp, needed and soname (${bits}-bit, ${littleEndian ? "LE" : "BE"})`, () => {
        const elf = makeElf({ bits, littleEndian, type: 3, interp: "/lib/ld-musl-x86_64.so.1", needed: ["libz.so.1", "libc.so.6"], soname: "libfoo.so.2" });
        const info = parseElf(bufferReader(elf))!;
        expect(info.bits).toBe(bits);
        expect(info.littleEndian).toBe(littleEndian);
        expect(info.type).toBe(3);
        expect(info.interp).toBe("/lib/ld-musl-x86_64.so.1");
        expect(info.needed).toEqual(["libz.so.1", "libc.so.6"]);
        expect(info.soname).toBe("libfoo.so.2");
      });
    }
  }

  it("returns undefined for non-ELF and garbage", () => {
    expect(parseElf(bufferReader(Buffer.from("#!/bin/sh\n")))).toBeUndefined();
    const broken = makeElf({ bits: 64, littleEndian: true, type: 2, needed: ["a.so.1"] }).subarray(0, 70);
    expect(parseElf(bufferReader(broken))?.needed ?? []).toEqual([]);
  });

  it("reads a real host binary when there is one", () => {
    const ls = "/bin/ls";
    if (!fs.existsSync(ls)) return;
    const info = parseElf(bufferReader(fs.readFileSync(ls)))!;
    expect(info.interp).toMatch(/ld-/);
    expect(info.needed.some((n) => n.startsWith("libc."))).toBe(true);
  });
});

describe("dependency detection", () => {
  function tree(): string {
    const t = tempDir();
    writeFile(t, "usr/bin/tool", makeElf({ bits: 64, littleEndian: true, type: 3, interp: "/lib64/ld-linux-x86-64.so.2", needed: ["libfoo.so.1", "libc.so.6", "libnover.so"] }), 0o755);
    writeFile(t, "usr/lib/libfoo.so.1.2.3", makeElf({ bits: 64, littleEndian: true, type: 3, needed: ["libc.so.6"], soname: "libfoo.so.1" }), 0o755);
    writeFile(t, "opt/vendor/libv.so.9", makeElf({ bits: 64, littleEndian: true, type: 3, soname: "libv.so.9" }), 0o644);
    writeFile(t, "usr/bin/script", "#!/usr/bin/env -S python3 -u\nprint(1)\n", 0o755);
    writeFile(t, "usr/bin/notexec", "#!/bin/bash\n", 0o644);
    writeFile(t, "usr/lib/pkgconfig/foo.pc", "Name: foo\nRequires: glib-2.0 >= 2.50, zlib\nRequires.private: libffi\n");
    writeFile(t, "usr/lib/python3.12/site-packages/m.py", "");
    return t;
  }

  it("finds so:, cmd:, pc: and python dependencies", () => {
    const g = detectDependencies(walkTree(tree()), "1.0-r2");
    expect([...new Set(g.depends)].sort()).toEqual([
      "cmd:bash", "cmd:python3", "pc:glib-2.0", "pc:libffi", "pc:zlib", "python-3.12-base", "so:libc.so.6", "so:ld-linux-x86-64.so.2", "so:libfoo.so.1",
    ].sort());
    expect(g.provides.sort()).toEqual(["cmd:script=1.0-r2", "cmd:tool=1.0-r2", "pc:foo=1.0-r2", "so-ver:libfoo.so.1=1.0-r2", "so:libfoo.so.1=1"].sort());
    expect(g.vendored).toEqual(["so:libv.so.9"]);
  });

  it("merges with YAML, drops self-provided depends, honours options", () => {
    const nodes = walkTree(tree());
    const g = detectDependencies(nodes, "1.0-r2");
    const s = spec({ name: "foo", dependencies: { runtime: ["zlib", "busybox"], provides: ["foo-compat=1"] } });
    const m = mergeDependencies(s, g);
    expect(m.depends).not.toContain("so:libfoo.so.1");
    expect(m.depends).toContain("so:libc.so.6");
    expect(m.depends).toContain("busybox");
    expect(m.depends).toEqual([...m.depends].sort());
    expect(new Set(m.depends).size).toBe(m.depends.length);
    expect(m.provides).toContain("foo-compat=1");
    const noCmd = mergeDependencies({ ...s, options: { noProvides: false, noDepends: false, noCommands: true } }, g);
    expect(noCmd.provides.some((p) => p.startsWith("cmd:"))).toBe(false);
    expect(noCmd.provides).toContain("so:libfoo.so.1=1");
    const none = mergeDependencies({ ...s, options: { noProvides: true, noDepends: true, noCommands: false } }, g);
    expect(none).toEqual({ depends: ["busybox", "zlib"], provides: ["foo-compat=1"] });
    // A name written in the YAML is not provided a second time, at another version, by detection.
    const both = mergeDependencies(spec({ name: "foo", dependencies: { provides: ["cmd:tool=1"] } }), g);
    expect(both.provides.filter((p) => p.startsWith("cmd:tool"))).toEqual(["cmd:tool=1"]);
  });

  it("parses shebangs and pkg-config requirements", () => {
    expect(shebangCommand("#!/bin/sh")).toBe("sh");
    expect(shebangCommand("#! /usr/bin/perl -w")).toBe("perl");
    expect(shebangCommand("#!/usr/bin/env FOO=1 node")).toBe("node");
    expect(shebangCommand("echo")).toBeUndefined();
    expect(pkgConfigRequires("Requires: a, b >= 1.0 c\nRequires.private: ${x}-y d\n")).toEqual(["a", "b", "c", "d"]);
  });
});
