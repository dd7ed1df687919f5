import { describe, it, expect } from "vitest";
import crypto from "node:crypto";
import zlib from "node:zlib";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { tarEntry, tarHeader, TAR_EOF } from "../../../src/apk/tar.js";
import { readTar } from "../../../src/apk/tar-read.js";
import { gzipMember, gzipMemberLength, ParallelGzip, GZIP_BLOCK } from "../../../src/apk/gzip.js";
import { tempDir } from "./helpers.js";

const base = { mode: 0o644, uid: 0, gid: 0, uname: "root", gname: "root", mtime: 1700000000 };

describe("tar writer", () => {
  it("round-trips files, dirs, links, PAX records and long names through our reader", () => {
    const long = "d/" + "x".repeat(150);
    const content = Buffer.from("hello\n");
    const tar = Buffer.concat([
      tarEntry({ ...base, name: "d", type: "dir", mode: 0o755, size: 0 }),
      tarEntry({ ...base, name: long, type: "file", size: content.length, pax: [["APK-TOOLS.checksum.SHA1", "abc"]] }, content),
      tarEntry({ ...base, name: "d/l", type: "symlink", size: 0, linkname: "/etc/../" + "y".repeat(120) }),
      tarEntry({ ...base, name: "d/h", type: "hardlink", size: 0, linkname: long }),
      TAR_EOF,
    ]);
    expect(tar.length % 512).toBe(0);
    const entries = readTar(tar);
    expect(entries.map((e) => [e.name, e.typeflag])).toEqual([["d", "5"], [long, "0"], ["d/l", "2"], ["d/h", "1"]]);
    expect(entries[1].data.toString()).toBe("hello\n");
    expect(entries[1].pax["APK-TOOLS.checksum.SHA1"]).toBe("abc");
    expect(entries[2].linkname).toBe("/etc/../" + "y".repeat(120));
    expect(entries[0].mode).toBe(0o755);
    expect(entries[1].mtime).toBe(1700000000);
  });

  it("writes PAX record lengths that count themselves (host tar agrees)", () => {
    const dir = tempDir();
    const name = "a/" + "b".repeat(97); // total PAX record length crosses 99 -> 100
    const tar = Buffer.concat([
      tarEntry({ ...base, name: "z".repeat(120), type: "file", size: 1, pax: [["SCHILY.xattr.user.k", "v".repeat(80)]] }, Buffer.from("1")),
      tarEntry({ ...base, name, type: "file", size: 0 }),
      TAR_EOF,
    ]);
    fs.writeFileSync(path.join(dir, "t.tar"), tar);
    const listing = execFileSync("tar", ["-tf", path.join(dir, "t.tar")], { encoding: "utf8" }).trim().split("\n");
    expect(listing).toEqual(["z".repeat(120), name]);
  });

  it("rejects a header with a bad checksum and a truncated body", () => {
    const e = tarEntry({ ...base, name: "f", type: "file", size: 600 }, Buffer.alloc(600, 1));
    const bad = Buffer.from(e);
    bad[0] = 0x41;
    expect(() => readTar(bad)).toThrow(/checksum/);
    expect(() => readTar(e.subarray(0, 700))).toThrow(/truncated/);
  });

  it("header bytes are a pure function of the entry", () => {
    const e = { ...base, name: "x", type: "file" as const, size: 3, pax: [["k", "v"]] as [string, string][] };
    expect(tarHeader(e).equals(tarHeader({ ...e }))).toBe(true);
  });
});

describe("gzip", () => {
  const sizes = [0, 1, GZIP_BLOCK, GZIP_BLOCK + 1, 2 * GZIP_BLOCK + 777];
  for (const n of sizes) {
    it(`parallel and one-shot compression give identical, valid members (${n} bytes)`, async () => {
      const data = Buffer.concat([crypto.randomBytes(n >> 1), Buffer.alloc(n - (n >> 1), "abc")]);
      const parts: Buffer[] = [];
      const gz = new ParallelGzip((c) => {
        parts.push(c);
      }, 3);
      for (let o = 0; o < data.length; o += 99_991) await gz.write(data.subarray(o, o + 99_991));
      await gz.end();
      const a = Buffer.concat(parts);
      const b = gzipMember(data);
      expect(a.equals(b)).toBe(true);
      expect(zlib.gunzipSync(a).equals(data)).toBe(true);
    });
  }

  it("finds member boundaries in a concatenation", () => {
    const a = gzipMember(Buffer.from("first".repeat(1000)));
    const b = gzipMember(crypto.randomBytes(5000));
    const both = Buffer.concat([a, b]);
    expect(gzipMemberLength(both, 0)).toBe(a.length);
    expect(gzipMemberLength(both, a.length)).toBe(b.length);
    expect(() => gzipMemberLength(both.subarray(0, a.length + b.length - 3), a.length)).toThrow(/truncated/);
  });

  it("host gzip reads our members", () => {
    const dir = tempDir();
    const data = Buffer.from("line\n".repeat(10000));
    fs.writeFileSync(path.join(dir, "x.gz"), gzipMember(data));
    expect(execFileSync("gzip", ["-dc", path.join(dir, "x.gz")]).equals(data)).toBe(true);
  });
});
