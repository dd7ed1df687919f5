import { describe, it, expect, beforeAll } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { buildApk } from "../../../src/apk/build.js";
import { parsePackSpec, type PackSpecInput } from "../../../src/apk/packspec.js";
import { formatPkgInfo } from "../../../src/apk/pkginfo.js";
import { gzipMember } from "../../../src/apk/gzip.js";
import { tarEntry, TAR_EOF } from "../../../src/apk/tar.js";
import type { IndexEntry, PackageInfo } from "../../../src/apk/types.js";
import { installPackages, type InstallOptions } from "../../../src/tools/install.js";
import { UserError } from "../../../src/errors.js";
import { writeApkIndex } from "../../../src/apk/index-archive.js";
import { command as installCommand } from "../../../src/commands/install.js";

const SDE = 1_700_000_000;
let tmp: string;
let keyring: Record<string, string>;
let otherKeyring: Record<string, string>;
let apks: { file: string; bytes: Buffer; entry: IndexEntry }[];
let privateKey: string;
let signingKey: { name: string; pem: string };

function keypair() {
  return crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
}

function tree(files: Record<string, string | { link: string } | { dir: true; mode?: number } | { content: string; mode: number }>): string {
  const dir = fs.mkdtempSync(path.join(tmp, "tree-"));
  for (const [rel, v] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === "string") fs.writeFileSync(p, v, { mode: 0o644 });
    else if ("link" in v) fs.symlinkSync(v.link, p);
    else if ("dir" in v) fs.mkdirSync(p, { recursive: true, mode: v.mode ?? 0o755 });
    else {
      fs.writeFileSync(p, v.content);
      fs.chmodSync(p, v.mode);
    }
  }
  return dir;
}

async function apk(spec: Partial<PackSpecInput> & { name: string }, dir: string, key: { name: string; pem: string }) {
  const full = parsePackSpec({ version: "1.0", epoch: 0, arch: "x86_64", sourceDateEpoch: SDE, ...spec });
  const { bytes, entry } = await buildApk(full, dir, { signingKey: key });
  return { file: `${entry.name}-${entry.version}.apk`, bytes, entry };
}

function options(root: string, extra: Partial<InstallOptions> = {}): InstallOptions {
  return {
    root,
    keyring,
    allowUntrusted: false,
    index: apks.map((a) => a.entry),
    packages: apks.map(({ file, bytes }) => ({ file, bytes })),
    world: ["hello"],
    repositories: ["https://example.org/repo"],
    ...extra,
  };
}

/** Every path under root with type, mode, mtime and content hash: a fingerprint of the tree. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(root, r));
      const kind = st.isSymbolicLink() ? `-> ${fs.readlinkSync(path.join(root, r))}` : st.isDirectory() ? "dir" : crypto.createHash("sha1").update(fs.readFileSync(path.join(root, r))).digest("hex");
      out.push(`${r} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${Math.floor(st.mtimeMs / 1000)} ${kind}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk("");
  return out;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "install-test-"));
  const k = keypair();
  keyring = { "test.rsa.pub": k.publicKey };
  otherKeyring = { "test.rsa.pub": keypair().publicKey };
  const key = { name: "test.rsa", pem: k.privateKey };
  privateKey = k.privateKey;
  signingKey = key;
  const base = tree({ "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "usr/lib": { dir: true }, lib: { link: "usr/lib" } });
  const hello = tree({
    "usr/bin/hello": { content: "#!/bin/sh\necho hello\n", mode: 0o755 },
    "usr/bin/hi": { link: "hello" },
    "usr/sbin/ping": { content: "setuid\n", mode: 0o4755 },
    "lib/libhello.so.1": "not really a library\n",
    "var/lib/hello": { dir: true, mode: 0o700 },
  });
  fs.linkSync(path.join(hello, "usr/bin/hello"), path.join(hello, "usr/bin/hello2"));
  apks = [await apk({ name: "hello", dependencies: { runtime: ["baselayout"] } }, hello, key), await apk({ name: "baselayout" }, base, key)];
}, 60_000);

describe("installPackages", () => {
  it("unpacks the packages, resolving paths inside the root", () => {
    const root = path.join(tmp, "root1");
    const { installed } = installPackages(options(root));
    expect(installed.map((e) => e.name)).toEqual(["baselayout", "hello"]);

    // lib -> usr/lib from baselayout is kept; hello's lib/ files land in usr/lib
    expect(fs.readlinkSync(path.join(root, "lib"))).toBe("usr/lib");
    expect(fs.readFileSync(path.join(root, "usr/lib/libhello.so.1"), "utf8")).toBe("not really a library\n");
    const hello = fs.lstatSync(path.join(root, "usr/bin/hello"));
    expect(hello.mode & 0o7777).toBe(0o755);
    expect(Math.floor(hello.mtimeMs / 1000)).toBe(SDE);
    expect(fs.statSync(path.join(root, "usr/bin/hello2")).ino).toBe(hello.ino);
    expect(fs.readlinkSync(path.join(root, "usr/bin/hi"))).toBe("hello");
    expect(fs.statSync(path.join(root, "usr/sbin/ping")).mode & 0o7777).toBe(0o4755);
    expect(fs.statSync(path.join(root, "var/lib/hello")).mode & 0o7777).toBe(0o700);
  });

  it("writes the apk database, world, repositories and keys", () => {
    const root = path.join(tmp, "root2");
    installPackages(options(root));
    const db = fs.readFileSync(path.join(root, "lib/apk/db/installed"), "utf8");
    const records = db.split("\n\n").filter(Boolean);
    expect(records.map((r) => r.split("\n").find((l) => l.startsWith("P:")))).toEqual(["P:baselayout", "P:hello"]);
    const hello = records[1].split("\n");
    const helloEntry = apks.find((a) => a.entry.name === "hello")!.entry;
    expect(hello[0]).toBe(`C:${helloEntry.checksum}`);
    expect(hello.find((l) => l.startsWith("D:"))?.split(" ")).toContain("D:baselayout");
    const bin = hello.indexOf("F:usr/bin");
    expect(bin).toBeGreaterThan(0);
    expect(hello[bin + 1]).toBe("R:hello");
    expect(hello[bin + 2]).toBe("a:0:0:755");
    const sha1 = crypto.createHash("sha1").update("#!/bin/sh\necho hello\n").digest("base64");
    expect(hello[bin + 3]).toBe(`Z:Q1${sha1}`);
    expect(hello).toContain("M:0:0:700");
    // the hardlink carries its target's checksum
    expect(hello.slice(hello.indexOf("R:hello2"), hello.indexOf("R:hello2") + 3)).toEqual(["R:hello2", "a:0:0:755", `Z:Q1${sha1}`]);
    expect(fs.readFileSync(path.join(root, "etc/apk/world"), "utf8")).toBe("hello\n");
    expect(fs.readFileSync(path.join(root, "etc/apk/repositories"), "utf8")).toBe("https://example.org/repo\n");
    expect(fs.readFileSync(path.join(root, "etc/apk/keys/test.rsa.pub"), "utf8")).toBe(keyring["test.rsa.pub"]);
  });

  it("adds the build user, its home, /tmp and the melange cache", () => {
    const root = path.join(tmp, "root3");
    installPackages(options(root));
    expect(fs.readFileSync(path.join(root, "etc/passwd"), "utf8")).toBe(
      "root:x:0:0:root:/root:/bin/sh\nbuild:x:1000:1000:build:/home/build:/bin/sh\n",
    );
    expect(fs.readFileSync(path.join(root, "etc/group"), "utf8")).toBe("root:x:0:\nbuild:x:1000:\n");
    expect(fs.statSync(path.join(root, "tmp")).mode & 0o7777).toBe(0o1777);
    const home = fs.statSync(path.join(root, "home/build"));
    expect(home.isDirectory()).toBe(true);
    if (process.getuid?.() === 0) expect(home.uid).toBe(1000);
    expect(fs.statSync(path.join(root, "var/cache/melange")).isDirectory()).toBe(true);
  });

  it("gives the same tree every time, whatever the order of the inputs", () => {
    const a = path.join(tmp, "same-a");
    const b = path.join(tmp, "same-b");
    installPackages(options(a));
    const reversed = options(b);
    reversed.packages.reverse();
    installPackages(reversed);
    const la = listing(a);
    expect(la.length).toBeGreaterThan(20);
    expect(listing(b)).toEqual(la);
  });

  it("refuses a package signed by an unknown key, or one that differs from its index entry", () => {
    expect(() => installPackages(options(path.join(tmp, "bad1"), { keyring: otherKeyring }))).toThrow(/BAD signature|untrusted/);
    const index = apks.map((a) => (a.entry.name === "hello" ? { ...a.entry, checksum: "Q1AAAA" } : a.entry));
    expect(() => installPackages(options(path.join(tmp, "bad2"), { index }))).toThrow(/does not match the index entry/);
    expect(() => installPackages(options(path.join(tmp, "bad3"), { index: [apks[1].entry] }))).toThrow(/not in any of the indexes/);
    // untrusted packages are accepted only when asked for
    const root = path.join(tmp, "untrusted");
    installPackages(options(root, { keyring: otherKeyring, allowUntrusted: true }));
    expect(fs.existsSync(path.join(root, "usr/bin/hello"))).toBe(true);
  });

  it("installs dependencies first, whatever the names", async () => {
    // "aaa" sorts before "baselayout" but needs its lib -> usr/lib symlink in place first
    const aaa = await apk({ name: "aaa", dependencies: { runtime: ["baselayout"] } }, tree({ "lib/libaaa.so": "aaa\n" }), signingKey);
    const root = path.join(tmp, "order");
    const base = options(root);
    installPackages({ ...base, index: [...base.index, aaa.entry], packages: [{ file: aaa.file, bytes: aaa.bytes }, ...base.packages] });
    expect(fs.readlinkSync(path.join(root, "lib"))).toBe("usr/lib");
    expect(fs.readFileSync(path.join(root, "usr/lib/libaaa.so"), "utf8")).toBe("aaa\n");
    const db = fs.readFileSync(path.join(root, "lib/apk/db/installed"), "utf8");
    expect(db.split("\n").filter((l) => l.startsWith("P:"))).toEqual(["P:baselayout", "P:aaa", "P:hello"]);
  });

  it("refuses paths that escape the root", () => {
    const evil = handMadeApk([{ name: "../../escaped", content: "x" }]);
    const root = path.join(tmp, "evil");
    let err: unknown;
    try {
      installPackages({ root, keyring: {}, allowUntrusted: true, index: [], packages: [{ file: "evil.apk", bytes: evil }] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/escapes the root/);
    expect(fs.existsSync(path.join(tmp, "escaped"))).toBe(false);
  });

  it("keeps absolute symlinks pointing inside the root", () => {
    // a symlink to an absolute directory, then a file written through it
    const bytes = handMadeApk([
      { name: "etc", dir: true },
      { name: "link", linkname: "/etc" },
      { name: "link/through", content: "inside\n" },
    ]);
    const root = path.join(tmp, "abs");
    installPackages({ root, keyring: {}, allowUntrusted: true, index: [], packages: [{ file: "abs.apk", bytes }] });
    expect(fs.readFileSync(path.join(root, "etc/through"), "utf8")).toBe("inside\n");
  });

  it("refuses a file claimed by two packages unless one replaces the other", () => {
    const one = handMadeApk([{ name: "same", content: "1" }], "one");
    const two = handMadeApk([{ name: "same", content: "2" }], "two");
    const twoReplaces = handMadeApk([{ name: "same", content: "2" }], "two", ["one"]);
    const run = (root: string, b: Buffer) =>
      installPackages({ root: path.join(tmp, root), keyring: {}, allowUntrusted: true, index: [], packages: [{ file: "one.apk", bytes: one }, { file: "two.apk", bytes: b }] });
    expect(() => run("conflict", two)).toThrow(/file conflict: \/same is in both one and two/);
    run("replaced", twoReplaces);
    expect(fs.readFileSync(path.join(tmp, "replaced/same"), "utf8")).toBe("2");
    // The db lists the file under its new owner only (as apk does), so removing `one` later keeps it.
    const db = fs.readFileSync(path.join(tmp, "replaced/lib/apk/db/installed"), "utf8");
    const section = (n: string) => db.split("\n\n").find((r) => r.includes(`\nP:${n}\n`)) ?? "";
    expect(section("one")).not.toContain("R:same");
    expect(section("two")).toContain("R:same");
  });

  it("sets the packages' extended attributes, byte for byte, as apk does", async () => {
    if (spawnSync("setfattr", ["--version"]).error) return; // hack/image.sh installs attr; without it nothing to check
    const tree = fs.mkdtempSync(path.join(tmp, "xattr-tree-"));
    fs.mkdirSync(path.join(tree, "usr/bin"), { recursive: true });
    fs.writeFileSync(path.join(tree, "usr/bin/tool"), "x", { mode: 0o755 });
    const raw = Buffer.from([0x01, 0x00, 0x00, 0x03, 0xff, 0x80, 0x20]);
    const { bytes } = await buildApk(parsePackSpec({ name: "xa", version: "1", epoch: 0, arch: "x86_64", xattrs: { "/usr/bin/tool": { "user.melange": raw.toString("base64") } } }), tree);
    const root = path.join(tmp, "xattr-root");
    installPackages({ root, keyring: {}, allowUntrusted: true, index: [], packages: [{ file: "xa.apk", bytes }] });
    const got = spawnSync("getfattr", ["--only-values", "-n", "user.melange", path.join(root, "usr/bin/tool")]);
    if (got.status !== 0 && /not supported/i.test(String(got.stderr))) return; // a filesystem without user xattrs
    expect(got.status, String(got.stderr)).toBe(0);
    expect(Buffer.from(got.stdout).equals(raw)).toBe(true);
  });

  it("takes replaces from .PKGINFO when checking against an index (APKINDEX records have no r:)", () => {
    const one = handMadeApk([{ name: "same", content: "1" }], "one");
    const two = handMadeApk([{ name: "same", content: "2" }], "two", ["one"]);
    const entry = (name: string, bytes: Buffer): IndexEntry => {
      const control = bytes.subarray(0, bytes.indexOf(Buffer.from([0x1f, 0x8b]), 2));
      const checksum = "Q1" + crypto.createHash("sha1").update(control).digest("base64");
      return { name, version: "1-r0", arch: "x86_64", installedSize: 1, origin: name, description: "", url: "", commit: "", maintainer: "", buildDate: SDE, licenses: [], depends: [], provides: [], replaces: [], installIf: [], triggers: [], dataHash: "", checksum, size: bytes.length };
    };
    const root = path.join(tmp, "indexed-replaces");
    installPackages({ root, keyring: {}, allowUntrusted: true, index: [entry("one", one), entry("two", two)], packages: [{ file: "one.apk", bytes: one }, { file: "two.apk", bytes: two }] });
    expect(fs.readFileSync(path.join(root, "same"), "utf8")).toBe("2");
  });
});

describe("melange-ts install", () => {
  it("installs a packages directory checked against signed indexes", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "cmd-"));
    for (const d of ["apks/x86_64", "keys", "idx/0"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    for (const a of apks) fs.writeFileSync(path.join(dir, "apks/x86_64", a.file), a.bytes);
    fs.writeFileSync(path.join(dir, "keys/test.rsa.pub"), keyring["test.rsa.pub"]);
    const index = writeApkIndex(apks.map((a) => a.entry), { signingKey: { name: "test.rsa", pem: privateKey } });
    fs.writeFileSync(path.join(dir, "idx/0/APKINDEX.tar.gz"), index);
    const root = path.join(dir, "root");
    const code = await installCommand.run([
      "--root", root, "--keyring-dir", path.join(dir, "keys"), "--index", path.join(dir, "idx/0/APKINDEX.tar.gz"),
      "--packages-dir", path.join(dir, "apks"), "--world", "hello baselayout", "--repositories", "https://a.example/os https://b.example/os",
    ]);
    expect(code).toBe(0);
    expect(fs.readFileSync(path.join(root, "etc/apk/world"), "utf8")).toBe("baselayout\nhello\n");
    expect(fs.readFileSync(path.join(root, "etc/apk/repositories"), "utf8")).toBe("https://a.example/os\nhttps://b.example/os\n");
    expect(fs.existsSync(path.join(root, "usr/bin/hello"))).toBe(true);
    // the same directory and an unsigned index: refused unless --allow-untrusted
    fs.writeFileSync(path.join(dir, "idx/0/APKINDEX.tar.gz"), writeApkIndex(apks.map((a) => a.entry)));
    const args = ["--root", path.join(dir, "root2"), "--keyring-dir", path.join(dir, "keys"), "--index", path.join(dir, "idx/0/APKINDEX.tar.gz"), "--packages-dir", path.join(dir, "apks")];
    await expect(installCommand.run(args)).rejects.toThrow(/not signed/);
    expect(await installCommand.run([...args, "--allow-untrusted"])).toBe(0);
  });
});

/** An unsigned .apk made by hand, for archives our packager would never produce. */
function handMadeApk(files: { name: string; content?: string; dir?: boolean; linkname?: string }[], name = "evil", replaces: string[] = []): Buffer {
  const tar = Buffer.concat([
    ...files.map((f) => {
      const content = Buffer.from(f.content ?? "");
      const type = f.dir ? "dir" : f.linkname ? "symlink" : "file";
      return tarEntry(
        { name: f.name, type, mode: f.dir ? 0o755 : 0o644, uid: 0, gid: 0, uname: "root", gname: "root", mtime: SDE, size: type === "file" ? content.length : 0, linkname: f.linkname },
        type === "file" ? content : undefined,
      );
    }),
    TAR_EOF,
  ]);
  const data = gzipMember(tar);
  const info: PackageInfo = {
    name, version: "1-r0", arch: "x86_64", installedSize: 1, origin: name, description: "", url: "", commit: "", maintainer: "",
    buildDate: SDE, licenses: [], depends: [], provides: [], replaces, installIf: [], triggers: [],
    dataHash: crypto.createHash("sha256").update(data).digest("hex"),
  };
  const pkginfo = Buffer.from(formatPkgInfo(info));
  const control = gzipMember(tarEntry({ name: ".PKGINFO", type: "file", mode: 0o644, uid: 0, gid: 0, uname: "root", gname: "root", mtime: SDE, size: pkginfo.length }, pkginfo));
  return Buffer.concat([control, data]);
}
