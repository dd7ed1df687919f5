import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, copyExample, dockerBuild, requireEngine, stepsRun, tempDir } from "./harness.js";
import { readApkIndex } from "../../src/apk/index-archive.js";
import { resolve } from "../../src/apk/resolve.js";
import type { IndexEntry } from "../../src/apk/types.js";
import { buildRepository, hostPackages, REPO_ARCH, serveRepository, testKey, writeIndex, type BuiltRepo, type PackageDef, type RepoServer } from "./repo.js";

// Build environments installed from an APK repository inside the graph, through docker build: the tests make
// their own signed repository from this machine's binaries and serve it on 127.0.0.1 (the engine fetches it).

const TREE = "melange-out";
const OUT = "apk-env-demo/usr/share/apk-env-demo";
const EXAMPLE_URL = "http://127.0.0.1:18765";

let key: ReturnType<typeof testKey>;
let repoDir: string;
let repo: BuiltRepo;
let server: RepoServer;

/** The apk-env example pointed at `url` (the example names the demo's fixed port). */
function example(url: string, keyring?: string): string {
  const ctx = copyExample("apk-env");
  const file = join(ctx, "melange.yaml");
  let yaml = readFileSync(file, "utf8").replaceAll(EXAMPLE_URL, url);
  if (keyring !== undefined) yaml = yaml.replace(/keyring:\n\s+- \S+\n/, `keyring:\n      - ${keyring}\n`);
  writeFileSync(file, yaml);
  return ctx;
}

function withPackage(defs: PackageDef[], name: string, change: (d: PackageDef) => PackageDef): PackageDef[] {
  return defs.map((d) => (d.spec.name === name ? change(d) : d));
}

beforeAll(async () => {
  requireEngine();
  key = testKey("test-repo.rsa");
  repoDir = tempDir("mts-apkrepo-");
  repo = await buildRepository(repoDir, key, hostPackages());
  server = await serveRepository(repoDir);
});

afterAll(async () => {
  await server?.close();
  if (repoDir) cleanup(repoDir);
});

const numbered = (steps: string[]) => steps.filter((s) => /\[apk-env-demo \d+\/\d+\]/.test(s));

describe("examples/apk-env from a local APK repository", () => {
  it("builds with an environment resolved from the repository and installed in the graph", () => {
    const ctx = example(server.url, `${server.url}/${repo.keyFile}`);
    const started = performance.now();
    const r = dockerBuild({ context: ctx, target: TREE });
    const elapsed = performance.now() - started;
    expect(r.code, r.log).toBe(0);
    console.log(`apk-env: first build ${elapsed.toFixed(0)} ms; install step: ${/install 4 packages[\s\S]*?DONE ([\d.]+s)/.exec(r.log)?.[1]}`);
    // busybox asked for, png-fix-itxt by a step's needs; zlib and glibc through so: dependencies.
    expect(readFileSync(join(r.out, OUT, "installed"), "utf8").trim().split("\n").sort()).toEqual(["busybox", "glibc", "png-fix-itxt", "zlib"]);
    expect(readFileSync(join(r.out, OUT, "world"), "utf8")).toBe("busybox\npng-fix-itxt\n");
    expect(readFileSync(join(r.out, OUT, "id"), "utf8")).toMatch(/^uid=1000\(build\) gid=1000\(build\)/);
    expect(readFileSync(join(r.out, OUT, "dynamic"), "utf8")).toBe("png-fix-itxt ran with /usr/lib/libz.so.1\n");
    expect(r.log).toContain("[apk-env-demo] install 4 packages");
    expect(r.log).toContain(`[apk-env-demo] fetch ${server.url}/${REPO_ARCH}/APKINDEX.tar.gz`);

    // A rebuild is fully cached: neither the installation nor any step runs again.
    const again = dockerBuild({ context: ctx, target: TREE });
    expect(again.code, again.log).toBe(0);
    const ran = stepsRun(again.log);
    expect(numbered(ran)).toEqual([]);
    expect(ran.filter((s) => s.includes("install 4 packages") || s.includes("prepare workspace"))).toEqual([]);
    cleanup(ctx, r.out, again.out);
  });

  it("keeps the environment cached when only other packages change, and rebuilds it and what follows when one of its packages changes", async () => {
    const ctx = example(server.url, `${server.url}/${repo.keyFile}`);
    const first = dockerBuild({ context: ctx, target: TREE });
    expect(first.code, first.log).toBe(0);
    // An unrelated package added to the repository: a new index, but the same environment, so nothing reruns.
    const extra: PackageDef = { spec: { ...hostPackages()[0].spec, name: "unrelated", version: "1.0" }, files: { "usr/share/unrelated": { text: "x\n" } } };
    await buildRepository(repoDir, key, [...hostPackages(), extra]);
    const same = dockerBuild({ context: ctx, target: TREE });
    expect(same.code, same.log).toBe(0);
    expect(stepsRun(same.log).filter((s) => s.includes("install 4 packages") || /\[apk-env-demo \d/.test(s))).toEqual([]);
    cleanup(same.out);
    // A new zlib release (new content, new version, new index).
    const changed = withPackage(hostPackages(), "zlib", (d) => ({
      spec: { ...d.spec, version: "1.2.14" },
      files: { ...d.files, "usr/share/doc/zlib/NEWS": { text: "1.2.14\n" } },
    }));
    try {
      await buildRepository(repoDir, key, changed);
      const r = dockerBuild({ context: ctx, target: TREE });
      expect(r.code, r.log).toBe(0);
      const ran = stepsRun(r.log);
      expect(ran).toContain("[apk-env-demo] install 4 packages");
      expect(numbered(ran).sort()).toEqual(["[apk-env-demo 1/2] inspect the environment", "[apk-env-demo 2/2] run a dynamically linked program"]);
      expect(r.log).toContain("fetch zlib-1.2.14-r0.apk");
      cleanup(r.out);
    } finally {
      repo = await buildRepository(repoDir, key, hostPackages());
    }
    cleanup(ctx, first.out);
  });

  it("reads the keyring from a path in the build context", () => {
    const ctx = example(server.url, "keys/test-repo.rsa.pub");
    mkdirSync(join(ctx, "keys"));
    writeFileSync(join(ctx, "keys/test-repo.rsa.pub"), key.publicPem);
    const r = dockerBuild({ context: ctx, target: TREE });
    expect(r.code, r.log).toBe(0);
    expect(readFileSync(join(r.out, OUT, "dynamic"), "utf8")).toContain("png-fix-itxt ran");
    cleanup(ctx, r.out);
  });
});

describe("refusals the user sees", () => {
  it("refuses an index whose signature does not verify", async () => {
    const ctx = example(server.url, `${server.url}/${repo.keyFile}`);
    // Same key name, another key: the signature entry names a trusted key but does not verify.
    const impostor = testKey("test-repo.rsa");
    try {
      writeIndex(repoDir, repo.entries, impostor);
      const r = dockerBuild({ context: ctx, target: TREE });
      expect(r.code).not.toBe(0);
      expect(r.log).toContain(`${server.url}/${REPO_ARCH}/APKINDEX.tar.gz: BAD signature`);
      expect(r.log).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    } finally {
      writeIndex(repoDir, repo.entries, key);
    }
    cleanup(ctx);
  });

  it("refuses an unsigned index unless MELANGE_ALLOW_UNTRUSTED=true", () => {
    const ctx = example(server.url, `${server.url}/${repo.keyFile}`);
    try {
      writeIndex(repoDir, repo.entries);
      const r = dockerBuild({ context: ctx, target: TREE });
      expect(r.code).not.toBe(0);
      expect(r.log).toContain("APKINDEX.tar.gz: not signed");
      expect(r.log).toContain("MELANGE_ALLOW_UNTRUSTED");
      const allowed = dockerBuild({ context: ctx, target: TREE, buildArgs: { MELANGE_ALLOW_UNTRUSTED: "true" } });
      expect(allowed.code, allowed.log).toBe(0);
      cleanup(allowed.out);
    } finally {
      writeIndex(repoDir, repo.entries, key);
    }
    cleanup(ctx);
  });

  it("refuses a package whose content does not match the index (C:)", async () => {
    const ctx = example(server.url, `${server.url}/${repo.keyFile}`);
    const signedIndex = readFileSync(join(repoDir, REPO_ARCH, "APKINDEX.tar.gz"));
    // Rebuild zlib with other content at the same version, but keep serving the old index.
    const tampered = withPackage(hostPackages(), "zlib", (d) => ({ spec: d.spec, files: { ...d.files, "usr/share/evil": { text: "x\n" } } }));
    try {
      await buildRepository(repoDir, key, tampered);
      writeFileSync(join(repoDir, REPO_ARCH, "APKINDEX.tar.gz"), signedIndex);
      const r = dockerBuild({ context: ctx, target: TREE });
      expect(r.code).not.toBe(0);
      expect(r.log).toMatch(/zlib-1\.2\.13-r0\.apk: control checksum Q1\S+ does not match the index entry/);
    } finally {
      repo = await buildRepository(repoDir, key, hostPackages());
    }
    cleanup(ctx);
  });

  it("refuses a truncated package", async () => {
    const ctx = example(server.url, `${server.url}/${repo.keyFile}`);
    const file = join(repoDir, REPO_ARCH, "zlib-1.2.13-r0.apk");
    const whole = readFileSync(file);
    try {
      writeFileSync(file, whole.subarray(0, whole.length >> 1));
      const r = dockerBuild({ context: ctx, target: TREE });
      expect(r.code).not.toBe(0);
      expect(r.log).toContain("zlib-1.2.13-r0.apk: data segment is damaged or truncated");
      expect(r.log).not.toContain("internal error");
    } finally {
      writeFileSync(file, whole);
    }
    cleanup(ctx);
  });

  it("an unsatisfiable package list shows the chain", async () => {
    const dir = tempDir("mts-apkrepo-nozlib-");
    const noZlib = await buildRepository(dir, key, hostPackages().filter((d) => d.spec.name !== "zlib"));
    const other = await serveRepository(dir);
    try {
      const ctx = example(other.url, `${other.url}/${noZlib.keyFile}`);
      const r = dockerBuild({ context: ctx, target: TREE });
      expect(r.code).not.toBe(0);
      expect(r.log).toMatch(/cannot resolve the build environment \(\w+\): .*png-fix-itxt.*-> so:libz\.so\.1/);
      cleanup(ctx);
    } finally {
      await other.close();
      cleanup(dir);
    }
  });

  it("with no repository at all, says that Wolfi's default repository cannot be reached", () => {
    const ctx = tempDir("mts-wolfi-");
    writeFileSync(join(ctx, "melange.yaml"), "package:\n  name: w\n  version: '1'\n  epoch: 0\nenvironment:\n  contents:\n    packages: [busybox]\npipeline:\n  - runs: echo hi\n");
    const r = dockerBuild({ context: ctx, target: TREE });
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(/cannot fetch https:\/\/packages\.wolfi\.dev\/os\//);
    expect(r.log).toContain("no repository is configured, so Wolfi's (https://packages.wolfi.dev/os) is used");
    cleanup(ctx);
  });
});

describe("a real-size index", () => {
  it("builds against a 48,000-entry index (read back in chunks, verified, resolved in the frontend)", async () => {
    const dir = tempDir("mts-apkrepo-big-");
    const small = await buildRepository(dir, key, hostPackages());
    // 16,000 names x 3 versions of packages that are never installed, with dependencies and so: provides.
    const filler: IndexEntry[] = [];
    for (let n = 0; n < 16_000; n++) {
      for (let v = 1; v <= 3; v++) {
        const depends = n > 0 ? [...new Set([`filler${n >> 1}`, `filler${(n * 7919 + 13) % n}`, `so:libfiller${n % 500}.so.1`])] : [];
        const provides = n < 500 ? [`so:libfiller${n}.so.1=${v}.0`] : [];
        // Hashes as real indexes carry them (random-looking), so the index compresses like a real one.
        const h = createHash("sha256").update(`filler${n}-${v}`).digest();
        filler.push({ ...small.entries[0], name: `filler${n}`, version: `${v}.0-r0`, depends, provides, checksum: `Q1${h.subarray(0, 20).toString("base64")}`, dataHash: h.toString("hex") });
      }
    }
    const entries = [...small.entries, ...filler];
    writeIndex(dir, entries, key);
    const indexBytes = readFileSync(join(dir, REPO_ARCH, "APKINDEX.tar.gz"));
    expect(indexBytes.length).toBeGreaterThan(1 << 20); // more than one ReadFile chunk

    // The frontend's own path, timed here (its stderr does not reach the client).
    const t0 = performance.now();
    const parsed = readApkIndex(indexBytes, { [small.keyFile]: key.publicPem }).entries;
    const t1 = performance.now();
    const got = resolve(parsed, ["busybox", "png-fix-itxt"], { arch: REPO_ARCH }).packages;
    const t2 = performance.now();
    expect(got.map((p) => p.name)).toEqual(["busybox", "glibc", "png-fix-itxt", "zlib"]);
    const big = resolve(parsed, ["filler15999", "filler8000"], { arch: REPO_ARCH }).packages;
    const t3 = performance.now();
    expect(big.length).toBeGreaterThan(20);
    console.log(
      `apk-env: index ${entries.length} entries, ${(indexBytes.length / 1e6).toFixed(1)} MB: verify+parse ${(t1 - t0).toFixed(0)} ms, ` +
        `resolve 4 packages ${(t2 - t1).toFixed(1)} ms, resolve ${big.length} packages ${(t3 - t2).toFixed(0)} ms`,
    );

    const other = await serveRepository(dir);
    try {
      const ctx = example(other.url, `${other.url}/${small.keyFile}`);
      const started = performance.now();
      const r = dockerBuild({ context: ctx, target: TREE });
      expect(r.code, r.log).toBe(0);
      console.log(`apk-env: build against the big index ${(performance.now() - started).toFixed(0)} ms`);
      expect(r.log).toContain("[apk-env-demo] install 4 packages");
      cleanup(ctx, r.out);
    } finally {
      await other.close();
      cleanup(dir);
    }
  });
});
