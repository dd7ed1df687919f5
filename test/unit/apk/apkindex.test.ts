import { describe, it, expect, beforeAll } from "vitest";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import { formatApkIndexText, parseApkIndexText } from "../../../src/apk/apkindex.js";
import { readApkIndex, signApkIndex, splitApkIndex, unsignedApkIndex, writeApkIndex } from "../../../src/apk/index-archive.js";
import { buildApk } from "../../../src/apk/build.js";
import type { IndexEntry } from "../../../src/apk/types.js";
import { makeKeyPair, spec, tempDir, writeFile } from "./helpers.js";

function entry(over: Partial<IndexEntry> = {}): IndexEntry {
  return {
    name: "foo", version: "1.0-r0", arch: "x86_64", installedSize: 1234, origin: "foo-src", description: "the foo",
    url: "https://foo", commit: "abc", maintainer: "me", buildDate: 1700000000, licenses: ["MIT"],
    depends: ["so:libc.so.6", "bar>1"], provides: ["cmd:foo=1.0-r0"], replaces: [], installIf: ["a", "b"], triggers: [],
    dataHash: "", checksum: "Q1abc=", size: 999, providerPriority: 7, ...over,
  };
}

let keys: { privatePem: string; publicPem: string };
beforeAll(() => {
  keys = makeKeyPair();
});

describe("APKINDEX text", () => {
  it("writes fields in apko's fixed order", () => {
    expect(formatApkIndexText([entry()])).toBe(
      "C:Q1abc=\nP:foo\nV:1.0-r0\nA:x86_64\nS:999\nI:1234\nT:the foo\nU:https://foo\nL:MIT\no:foo-src\nm:me\n" +
        "t:1700000000\nc:abc\nD:so:libc.so.6 bar>1\ni:a b\np:cmd:foo=1.0-r0\nk:7\n\n",
    );
  });

  it("omits empty optional fields but always writes T:", () => {
    const e = entry({ url: "", licenses: [], maintainer: "", buildDate: 0, commit: "", depends: [], installIf: [], provides: [], providerPriority: undefined, description: "" });
    expect(formatApkIndexText([e])).toBe("C:Q1abc=\nP:foo\nV:1.0-r0\nA:x86_64\nS:999\nI:1234\nT:\no:foo-src\n\n");
  });

  it("parses what it writes", () => {
    const entries = [entry(), entry({ name: "bar", depends: [], providerPriority: undefined })];
    expect(parseApkIndexText(formatApkIndexText(entries))).toEqual(entries);
  });

  it("reports a record without a name", () => {
    expect(() => parseApkIndexText("V:1\n\n")).toThrow(/no P:/);
  });
});

describe("APKINDEX.tar.gz", () => {
  it("unsigned: APKINDEX then DESCRIPTION in a complete tar that host tar reads", () => {
    const dir = tempDir();
    const file = path.join(dir, "APKINDEX.tar.gz");
    fs.writeFileSync(file, writeApkIndex([entry()], { description: "test repo" }));
    expect(execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).trim().split("\n")).toEqual(["APKINDEX", "DESCRIPTION"]);
    const r = readApkIndex(fs.readFileSync(file));
    expect(r.entries).toEqual([entry()]);
    expect(r.description).toBe("test repo");
    expect(r.signed).toBe(false);
  });

  it("signed: the signature covers the whole unsigned archive", () => {
    const unsigned = unsignedApkIndex([entry()]);
    const signed = signApkIndex(unsigned, { name: "idx.rsa", pem: keys.privatePem });
    const split = splitApkIndex(signed);
    expect(split.unsigned.equals(unsigned)).toBe(true);
    expect(split.signature!.entry).toBe(".SIGN.RSA256.idx.rsa.pub");
    expect(crypto.verify("sha256", unsigned, keys.publicPem, split.signature!.bytes)).toBe(true);
    const r = readApkIndex(signed, { "idx.rsa.pub": keys.publicPem });
    expect(r.keyName).toBe("idx.rsa.pub");
    expect(r.entries[0].name).toBe("foo");
  });

  it("verification fails for tampering, other keys and unsigned indexes", () => {
    const signed = writeApkIndex([entry()], { signingKey: { name: "idx.rsa", pem: keys.privatePem } });
    const other = makeKeyPair();
    expect(() => readApkIndex(signed, { "idx.rsa.pub": other.publicPem })).toThrow(/BAD signature/);
    expect(() => readApkIndex(signed, { "nope.rsa.pub": keys.publicPem })).toThrow(/untrusted key/);
    const split = splitApkIndex(signed);
    const forged = Buffer.concat([split.signature!.member, unsignedApkIndex([entry({ name: "evil" })])]);
    expect(() => readApkIndex(forged, { "idx.rsa.pub": keys.publicPem })).toThrow(/BAD signature/);
    expect(() => readApkIndex(unsignedApkIndex([entry()]), { "idx.rsa.pub": keys.publicPem })).toThrow(/not signed/);
    expect(() => readApkIndex(signed.subarray(0, signed.length - 4))).toThrow(/truncated/);
  });

  it("indexes real packages: C:, S:, I: match the built apk", async () => {
    const tree = tempDir();
    writeFile(tree, "usr/bin/foo", "#!/bin/sh\n", 0o755);
    const built = await buildApk(spec({ name: "foo" }), tree);
    const idx = readApkIndex(writeApkIndex([built.entry]));
    const e = idx.entries[0];
    expect(e.checksum).toMatch(/^Q1[A-Za-z0-9+/]{27}=$/);
    expect(e.checksum).toBe(built.entry.checksum);
    expect(e.size).toBe(built.bytes.length);
    expect(e.installedSize).toBe(10);
    expect(e.provides).toEqual(["cmd:foo=1.2.3-r4"]);
  });
});
