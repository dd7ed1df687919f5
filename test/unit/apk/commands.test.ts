import { describe, it, expect, beforeAll, vi, afterEach } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { command as keygen } from "../../../src/commands/keygen.js";
import { command as pack } from "../../../src/commands/pack.js";
import { command as index } from "../../../src/commands/apkindex.js";
import { command as sign } from "../../../src/commands/sign.js";
import { command as signIndex } from "../../../src/commands/sign-index.js";
import { command as verify } from "../../../src/commands/verify.js";
import { readApk, verifyApk } from "../../../src/apk/read.js";
import { readApkIndex } from "../../../src/apk/index-archive.js";
import { buildApk } from "../../../src/apk/build.js";
import { parsePackSpec } from "../../../src/apk/packspec.js";
import { loadSigningKey } from "../../../src/apk/keys.js";
import { tempDir, writeFile } from "./helpers.js";

/** Run a command, capturing what it prints. */
async function run(cmd: { run(a: string[]): Promise<number> }, argv: string[]) {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await cmd.run(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
afterEach(() => vi.restoreAllMocks());

let dir: string;
let key: string;
let key2: string;
beforeAll(async () => {
  dir = tempDir("apk-cli-");
  key = path.join(dir, "test.rsa");
  key2 = path.join(dir, "other.rsa");
  expect((await run(keygen, [key, "--key-size", "2048"])).code).toBe(0);
  expect((await run(keygen, [key2, "--key-size", "2048"])).code).toBe(0);
});

function packInputs(name: string) {
  const tree = path.join(dir, "trees", name);
  writeFile(tree, `usr/share/${name}/data.txt`, `${name}\n`);
  writeFile(tree, `usr/bin/${name}`, "#!/bin/sh\n", 0o755);
  const specFile = path.join(dir, `${name}.json`);
  fs.writeFileSync(specFile, JSON.stringify({ name, version: "2.0", epoch: 1, arch: "aarch64", sourceDateEpoch: 1600000000, licenses: ["Apache-2.0"] }));
  return { tree, specFile };
}

describe("keygen", () => {
  it("writes a PKCS#1 private key (0600) and an SPKI public key that match", () => {
    const priv = fs.readFileSync(key, "utf8");
    const pub = fs.readFileSync(`${key}.pub`, "utf8");
    expect(priv.startsWith("-----BEGIN RSA PRIVATE KEY-----")).toBe(true);
    expect(pub.startsWith("-----BEGIN PUBLIC KEY-----")).toBe(true);
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    const sig = crypto.sign("sha256", Buffer.from("x"), priv);
    expect(crypto.verify("sha256", Buffer.from("x"), pub, sig)).toBe(true);
  });

  it("refuses to overwrite unless --force", async () => {
    const before = fs.readFileSync(key, "utf8");
    await expect(keygen.run([key, "--key-size", "2048"])).rejects.toThrow(/already exists/);
    expect(fs.readFileSync(key, "utf8")).toBe(before);
    const f = path.join(dir, "forced.rsa");
    fs.writeFileSync(f, "old");
    expect((await run(keygen, [f, "--key-size", "2048", "--force"])).code).toBe(0);
    expect(fs.readFileSync(f, "utf8")).not.toBe("old");
  });

  it("rejects small keys", async () => {
    await expect(keygen.run([path.join(dir, "small.rsa"), "--key-size", "1024"])).rejects.toThrow(/at least 2048/);
  });
});

describe("pack, index, sign, sign-index, verify", () => {
  it("packs a tree into OUT/<arch>/<name>-<ver>-r<epoch>.apk, signed with the key's name", async () => {
    const { tree, specFile } = packInputs("alpha");
    const out = path.join(dir, "out");
    const r = await run(pack, ["--spec", specFile, "--tree", tree, "--out", out, "--signing-key", key]);
    expect(r.code).toBe(0);
    const file = path.join(out, "aarch64", "alpha-2.0-r1.apk");
    const bytes = fs.readFileSync(file);
    const v = verifyApk(bytes, { "test.rsa.pub": fs.readFileSync(`${key}.pub`, "utf8") });
    expect(v.info.version).toBe("2.0-r1");
    expect(v.info.provides).toEqual(["cmd:alpha=2.0-r1"]);
    expect(fs.readdirSync(path.join(out, "aarch64"))).toEqual(["alpha-2.0-r1.apk"]);
    // The streaming file path writes the same bytes as the in-memory builder.
    const specJson = JSON.parse(fs.readFileSync(specFile, "utf8"));
    const mem = await buildApk(parsePackSpec(specJson), tree, { signingKey: loadSigningKey(key) });
    expect(mem.bytes.equals(bytes)).toBe(true);
  });

  it("--key-name overrides the signature name", async () => {
    const { tree, specFile } = packInputs("beta");
    const out = path.join(dir, "out2");
    await run(pack, ["--spec", specFile, "--tree", tree, "--out", out, "--signing-key", key, "--key-name", "renamed.rsa"]);
    expect(readApk(fs.readFileSync(path.join(out, "aarch64", "beta-2.0-r1.apk"))).signatureEntry).toBe(".SIGN.RSA256.renamed.rsa.pub");
  });

  it("reports a bad spec as a user error naming the field", async () => {
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ name: "x y", version: "1", arch: "x86_64" }));
    await expect(pack.run(["--spec", bad, "--tree", dir, "--out", dir])).rejects.toThrow(/name: invalid package name/);
  });

  it("indexes, merges, signs and verifies; verify exits 1 with a reason per bad file", async () => {
    const out = path.join(dir, "repo");
    for (const n of ["gamma", "delta"]) {
      const { tree, specFile } = packInputs(n);
      await run(pack, ["--spec", specFile, "--tree", tree, "--out", out]);
    }
    const apkDir = path.join(out, "aarch64");
    const idx = path.join(apkDir, "APKINDEX.tar.gz");
    expect((await run(index, ["-o", idx, path.join(apkDir, "gamma-2.0-r1.apk")])).code).toBe(0);
    expect((await run(index, ["-o", idx, "--merge", path.join(apkDir, "delta-2.0-r1.apk")])).code).toBe(0);
    expect(readApkIndex(fs.readFileSync(idx)).entries.map((e) => e.name)).toEqual(["delta", "gamma"]);

    const pub = `${key}.pub`;
    const apks = ["gamma", "delta"].map((n) => path.join(apkDir, `${n}-2.0-r1.apk`));
    let r = await run(verify, ["--keyring", pub, idx, ...apks]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/APKINDEX.tar.gz: not signed/);
    expect(r.err).toMatch(/gamma-2.0-r1.apk: not signed/);

    expect((await run(sign, ["--signing-key", key, ...apks])).code).toBe(0);
    expect((await run(signIndex, ["--signing-key", key, idx])).code).toBe(0);
    r = await run(verify, ["--keyring", pub, idx, ...apks]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n")).toHaveLength(3);
    expect(r.out).toMatch(/gamma-2.0-r1.apk: OK \(gamma-2.0-r1, signed by test.rsa.pub\)/);

    // Already signed: left alone without --force; replaced with it.
    const before = fs.readFileSync(idx);
    r = await run(signIndex, ["--signing-key", key2, idx]);
    expect(r.out).toMatch(/already signed/);
    expect(fs.readFileSync(idx).equals(before)).toBe(true);
    await run(signIndex, ["--signing-key", key2, "--force", idx]);
    r = await run(verify, ["--keyring", pub, idx]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/untrusted key "other.rsa.pub"/);
    r = await run(verify, ["--keyring", pub, "--keyring", `${key2}.pub`, idx]);
    expect(r.code).toBe(0);

    // Re-signing an apk keeps control and data and changes only the signature.
    const beforeApk = readApk(fs.readFileSync(apks[0]));
    await run(sign, ["--signing-key", key2, apks[0]]);
    const afterApk = readApk(fs.readFileSync(apks[0]));
    expect(afterApk.segments.control.equals(beforeApk.segments.control)).toBe(true);
    expect(afterApk.segments.data.equals(beforeApk.segments.data)).toBe(true);
    expect(afterApk.signatureEntry).toBe(".SIGN.RSA256.other.rsa.pub");

    const junk = path.join(dir, "junk.apk");
    fs.writeFileSync(junk, "not a package");
    r = await run(verify, ["--keyring", pub, junk]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/junk.apk: not a gzip member/);
  });
});
