import { describe, it, expect } from "vitest";
import crypto from "node:crypto";
import { formatInstalledDb, formatInstalledRecord, formatWorld, q1Sha1 } from "../../../src/apk/installed.js";
import type { IndexEntry } from "../../../src/apk/types.js";

const entry: IndexEntry = {
  name: "hello",
  version: "2.12-r0",
  arch: "x86_64",
  installedSize: 4096,
  origin: "hello",
  description: "says hello",
  url: "https://example.org",
  commit: "",
  maintainer: "",
  buildDate: 1700000000,
  licenses: ["GPL-3.0-or-later"],
  depends: ["so:libc.so.6"],
  provides: ["cmd:hello=2.12-r0"],
  replaces: ["hello-old"],
  installIf: [],
  triggers: [],
  dataHash: "",
  checksum: "Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  size: 1234,
};

describe("formatInstalledRecord", () => {
  it("writes the package fields, then directories with their files in apk's order", () => {
    const hex = crypto.createHash("sha1").update("hi\n").digest("hex");
    const lines = formatInstalledRecord({
      entry,
      files: [
        { path: "usr/share/doc/hello/README", type: "file", mode: 0o644, uid: 0, gid: 0, checksum: hex },
        { path: "usr/bin/hello", type: "file", mode: 0o4755, uid: 0, gid: 0, checksum: q1Sha1("bin") },
        { path: "usr/bin", type: "dir", mode: 0o755, uid: 0, gid: 0 },
        { path: "usr/bin/hi", type: "symlink", mode: 0o777, uid: 0, gid: 0, checksum: q1Sha1("hello") },
        { path: "usr/", type: "dir", mode: 0o755, uid: 0, gid: 0 },
        { path: "var/lib/hello", type: "dir", mode: 0o750, uid: 1000, gid: 1000 },
        { path: "usr/zz", type: "file", mode: 0o600, uid: 0, gid: 0 },
        { path: "top", type: "file", mode: 0o644, uid: 0, gid: 0 },
      ],
    });
    expect(lines.slice(0, 3)).toEqual(["C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "P:hello", "V:2.12-r0"]);
    expect(lines).toContain("D:so:libc.so.6");
    expect(lines).toContain("p:cmd:hello=2.12-r0");
    const files = lines.slice(lines.indexOf("r:hello-old") + 1);
    expect(files).toEqual([
      "F:",
      "R:top",
      "F:usr",
      "R:zz",
      "a:0:0:600",
      "F:usr/bin",
      "R:hello",
      "a:0:0:4755",
      `Z:${q1Sha1("bin")}`,
      "R:hi",
      "a:0:0:777",
      `Z:${q1Sha1("hello")}`,
      "F:usr/share",
      "F:usr/share/doc",
      "F:usr/share/doc/hello",
      "R:README",
      `Z:${q1Sha1("hi\n")}`,
      "F:var",
      "F:var/lib",
      "F:var/lib/hello",
      "M:1000:1000:750",
    ]);
  });

  it("separates records with a blank line", () => {
    const db = formatInstalledDb([
      { entry, files: [] },
      { entry: { ...entry, name: "b", replaces: [] }, files: [] },
    ]);
    expect(db.split("\n\n").filter(Boolean).map((r) => r.split("\n")[1])).toEqual(["P:hello", "P:b"]);
    expect(db.endsWith("\n\n")).toBe(true);
  });
});

describe("formatWorld", () => {
  it("sorts and deduplicates, one per line", () => {
    expect(formatWorld(["busybox", "build-base", "busybox", " "])).toBe("build-base\nbusybox\n");
  });
});
