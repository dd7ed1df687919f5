import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX, cleanup, cli, copyExample, dockerBuild, makeKey, requireEngine, stepsRun } from "./harness.js";

// Packaging inside the graph: signed .apk files and APKINDEX through docker build, checked with our verifier
// and independently with GNU tar; reproducible to the byte; the key never leaks into the output.

const IMAGE = { MELANGE_BUILD_IMAGE: BUSYBOX };
const APK = "x86_64/hello-1.0.0-r0.apk";
const INDEX = "x86_64/APKINDEX.tar.gz";

let key: ReturnType<typeof makeKey>;
beforeAll(() => {
  requireEngine();
  key = makeKey();
});

function tarList(file: string): string[] {
  // An .apk is gzip members of tar streams without end blocks: GNU tar reads it as one archive.
  const r = spawnSync("tar", ["-tzvf", file, "--numeric-owner", "--full-time"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split("\n");
}

function tarCat(file: string, member: string): string {
  return spawnSync("tar", ["-xzOf", file, member], { encoding: "utf8" }).stdout;
}

describe("signed packages from docker build", () => {
  it("returns <arch>/<name>-<version>-r<epoch>.apk and a signed APKINDEX that verify accepts", () => {
    const ctx = copyExample("hello");
    const r = dockerBuild({ context: ctx, buildArgs: { ...IMAGE, SOURCE_DATE_EPOCH: "1700000000" }, secrets: { "melange.rsa": key.key } });
    expect(r.code, r.log).toBe(0);
    expect(readdirSync(join(r.out, "x86_64")).sort()).toEqual(["APKINDEX.tar.gz", "hello-1.0.0-r0.apk"]);
    const v = cli(["verify", "--keyring", key.pub, join(r.out, APK), join(r.out, INDEX)]);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    expect(v.stdout).toMatch(/hello-1\.0\.0-r0\.apk: OK/);

    const entries = tarList(join(r.out, APK));
    expect(entries[0]).toMatch(/ \.SIGN\.RSA256\.melange\.rsa\.pub$/);
    expect(entries[1]).toMatch(/ \.PKGINFO$/);
    // Files the build user made are root's in the package; every mtime is SOURCE_DATE_EPOCH.
    const bin = entries.find((e) => e.endsWith(" usr/bin/hello"))!;
    expect(bin).toMatch(/^-rwxr-xr-x 0\/0 +37 2023-11-14 22:13:20 usr\/bin\/hello$/);
    const info = tarCat(join(r.out, APK), ".PKGINFO");
    expect(info).toMatch(/^pkgname = hello$/m);
    expect(info).toMatch(/^pkgver = 1\.0\.0-r0$/m);
    expect(info).toMatch(/^arch = x86_64$/m);
    expect(info).toMatch(/^license = Apache-2\.0$/m);
    expect(info).toMatch(/^builddate = 1700000000$/m);
    expect(info).toMatch(/^provides = cmd:hello=1\.0\.0-r0$/m);
    expect(info).toMatch(/^depend = cmd:sh$/m);
    expect(info).toMatch(/^datahash = [0-9a-f]{64}$/m);
    // The configuration the package was built from rides along, as melange does.
    expect(tarCat(join(r.out, APK), ".melange.yaml")).toBe(readFileSync(join(ctx, "melange.yaml"), "utf8"));

    const index = tarCat(join(r.out, INDEX), "APKINDEX");
    expect(index).toMatch(/^C:Q1[A-Za-z0-9+/]{27}=$/m);
    expect(index).toMatch(/^P:hello\nV:1\.0\.0-r0\nA:x86_64\n/m);
    expect(index).toContain(`S:${readFileSync(join(r.out, APK)).length}\n`);
    cleanup(ctx, r.out);
  });

  it("is reproducible to the byte: two builds without cache give identical files", () => {
    const ctx = copyExample("hello");
    const args = { context: ctx, buildArgs: { ...IMAGE, SOURCE_DATE_EPOCH: "1600000000" }, secrets: { "melange.rsa": key.key }, noCache: true };
    const a = dockerBuild(args);
    const b = dockerBuild(args);
    expect(a.code, a.log).toBe(0);
    expect(b.code, b.log).toBe(0);
    // Really rebuilt, not served from the cache.
    expect(stepsRun(b.log)).toContain("[hello 1/3] build");
    for (const f of [APK, INDEX]) expect(readFileSync(join(a.out, f)).equals(readFileSync(join(b.out, f))), f).toBe(true);
    cleanup(ctx, a.out, b.out);
  });

  it("never puts the private key into the output", () => {
    const ctx = copyExample("hello");
    const r = dockerBuild({ context: ctx, buildArgs: IMAGE, secrets: { "melange.rsa": key.key } });
    expect(r.code, r.log).toBe(0);
    const pem = readFileSync(key.key, "utf8");
    const body = pem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    const der = Buffer.from(body, "base64");
    const needles = [Buffer.from(body.slice(0, 64)), der.subarray(0, 64), der.subarray(der.length - 64)];
    for (const f of [APK, INDEX]) {
      const bytes = readFileSync(join(r.out, f));
      const inflated = gunzipSync(bytes); // all members
      for (const n of needles) {
        expect(bytes.includes(n)).toBe(false);
        expect(inflated.includes(n)).toBe(false);
      }
    }
    cleanup(ctx, r.out);
  });

  it("without the secret builds unsigned packages and says so", () => {
    const ctx = copyExample("hello");
    const r = dockerBuild({ context: ctx, buildArgs: IMAGE });
    expect(r.code, r.log).toBe(0);
    expect(r.log).toMatch(/UNSIGNED/);
    expect(tarList(join(r.out, APK))[0]).toMatch(/ \.PKGINFO$/);
    const v = cli(["verify", "--keyring", key.pub, join(r.out, APK)]);
    expect(v.code).not.toBe(0);
    cleanup(ctx, r.out);
  });

  it("a new key signs anew: no signature from the old key is reused from the cache", () => {
    const ctx = copyExample("hello");
    const first = dockerBuild({ context: ctx, buildArgs: IMAGE, secrets: { "melange.rsa": key.key } });
    expect(first.code, first.log).toBe(0);
    const other = makeKey();
    const second = dockerBuild({ context: ctx, buildArgs: IMAGE, secrets: { "melange.rsa": other.key } });
    expect(second.code, second.log).toBe(0);
    expect(cli(["verify", "--keyring", other.pub, join(second.out, APK), join(second.out, INDEX)]).code).toBe(0);
    expect(cli(["verify", "--keyring", key.pub, join(second.out, APK)]).code).not.toBe(0);
    // The build steps themselves stayed cached.
    expect(stepsRun(second.log).filter((n) => /^\[hello \d+\/\d+\]/.test(n))).toEqual([]);
    cleanup(ctx, first.out, second.out, other.dir);
  });
});
