import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "./harness.js";
import { buildApk } from "../../src/apk/build.js";
import { writeApkIndex } from "../../src/apk/index-archive.js";
import { parsePackSpec, type PackSpecInput } from "../../src/apk/packspec.js";
import type { SigningKey } from "../../src/apk/sign.js";
import type { IndexEntry } from "../../src/apk/types.js";

// A local APK repository for the end-to-end tests: real packages made with our own packager from this machine's
// Debian binaries (busybox-static, the glibc loader and libc, zlib, and png-fix-itxt, which needs so:libz.so.1),
// signed with a test key, indexed, and served over HTTP on 127.0.0.1 (the engine's HTTP source fetches from there).

export const REPO_ARCH = process.arch === "arm64" ? "aarch64" : "x86_64";
const MULTIARCH = REPO_ARCH === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
const LOADER = REPO_ARCH === "aarch64" ? "ld-linux-aarch64.so.1" : "ld-linux-x86-64.so.2";
const LOADER_DIR = REPO_ARCH === "aarch64" ? "lib" : "lib64";

/** A file in a package tree: copied from the host, literal text, or a symlink. */
export type TreeFile = { from: string; mode?: number } | { text: string; mode?: number } | { symlink: string };

export interface PackageDef {
  spec: PackSpecInput;
  files: Record<string, TreeFile>;
}

function spec(name: string, version: string, extra: Partial<PackSpecInput> = {}): PackSpecInput {
  return { name, version, epoch: 0, arch: REPO_ARCH, description: `${name} for the melange-ts tests`, licenses: ["GPL-2.0-or-later"], sourceDateEpoch: 1700000000, ...extra };
}

function busyboxFiles(): Record<string, TreeFile> {
  const files: Record<string, TreeFile> = { "bin/busybox": { from: "/bin/busybox", mode: 0o755 } };
  const list = spawnSync("/bin/busybox", ["--list-full"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const applet of list) if (applet !== "bin/busybox") files[applet] = { symlink: "/bin/busybox" };
  return files;
}

/** The packages of the test repository, made from host binaries. */
export function hostPackages(): PackageDef[] {
  return [
    { spec: spec("busybox", "1.36.1"), files: busyboxFiles() },
    {
      spec: spec("glibc", "2.36", { licenses: ["LGPL-2.1-or-later"] }),
      files: {
        [`usr/lib/${LOADER}`]: { from: `/lib/${MULTIARCH}/${LOADER}`, mode: 0o755 },
        "usr/lib/libc.so.6": { from: `/lib/${MULTIARCH}/libc.so.6`, mode: 0o755 },
        ...(LOADER_DIR === "lib64" ? { lib64: { symlink: "usr/lib" } } : {}),
      },
    },
    { spec: spec("zlib", "1.2.13", { licenses: ["Zlib"] }), files: { "usr/lib/libz.so.1": { from: `/lib/${MULTIARCH}/libz.so.1`, mode: 0o755 } } },
    { spec: spec("png-fix-itxt", "1.6.39", { licenses: ["Libpng"] }), files: { "usr/bin/png-fix-itxt": { from: "/usr/bin/png-fix-itxt", mode: 0o755 } } },
  ];
}

function writeTree(dir: string, files: Record<string, TreeFile>): void {
  for (const [rel, f] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    if ("symlink" in f) symlinkSync(f.symlink, p);
    else {
      if ("from" in f) copyFileSync(f.from, p);
      else writeFileSync(p, f.text);
      chmodSync(p, f.mode ?? 0o644);
    }
  }
}

export interface BuiltRepo {
  dir: string;
  /** the public key's file name in the repository root (the keyring entry) */
  keyFile: string;
  entries: IndexEntry[];
}

/** A test signing key named `name` (its public half is `${name}.pub`). */
export function testKey(name = "test-repo.rsa"): SigningKey & { publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { name, pem: privateKey, publicPem: publicKey };
}

/** Packs `defs` into `<dir>/<arch>/*.apk`, writes the signed APKINDEX and `<dir>/<key>.pub`. Replaces what was there. */
export async function buildRepository(dir: string, key: SigningKey & { publicPem: string }, defs: PackageDef[]): Promise<BuiltRepo> {
  const archDir = join(dir, REPO_ARCH);
  rmSync(archDir, { recursive: true, force: true });
  mkdirSync(archDir, { recursive: true });
  const entries: IndexEntry[] = [];
  const work = mkdtempSync(join(tmpdir(), "mts-repo-tree-"));
  try {
    for (const def of defs) {
      const tree = join(work, def.spec.name);
      writeTree(tree, def.files);
      const { bytes, entry } = await buildApk(parsePackSpec(def.spec), tree, { signingKey: key });
      writeFileSync(join(archDir, `${entry.name}-${entry.version}.apk`), bytes);
      entries.push(entry);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeIndex(dir, entries, key);
  const keyFile = `${key.name}.pub`;
  writeFileSync(join(dir, keyFile), key.publicPem);
  return { dir, keyFile, entries };
}

export function writeIndex(dir: string, entries: IndexEntry[], key?: SigningKey): void {
  writeFileSync(join(dir, REPO_ARCH, "APKINDEX.tar.gz"), writeApkIndex(entries, { signingKey: key, description: "melange-ts test repository" }));
}

export interface RepoServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1 (port 0 = any) with strong ETags, from a child process (hack/local-repo.mjs
 * --serve-only): the harness's docker builds run synchronously and would block a server in this process.
 */
export async function serveRepository(dir: string, port = 0): Promise<RepoServer> {
  const child = spawn(process.execPath, [join(ROOT, "hack/local-repo.mjs"), "--serve-only", "--dir", dir, "--port", String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      const m = /serving (http:\/\/\S+)\n/.exec(out);
      if (m) ok(m[1]);
    });
    child.on("exit", (code) => fail(new Error(`local-repo server exited (${code}): ${out}`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once("exit", () => ok());
        child.kill("SIGTERM");
      }),
  };
}
