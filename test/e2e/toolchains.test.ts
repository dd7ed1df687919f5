import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, DOCKER, FRONTEND, requireEngine, ROOT, stepsRun, tempDir, type BuildResult } from "./harness.js";

// The language pipelines run for real: one tiny project of our own per family (test/e2e/fixtures/toolchains/*),
// built through docker build in melange-ts/debian-toolchains (Debian bookworm's cmake, meson, Go, Rust and
// Python; `hack/debian-image.sh toolchains`), packaged, and the installed result checked and run here.
// Nothing needs the network: the sources are files of the build context and no module or crate is downloaded.
// The six builds run in parallel in the engine, with --no-cache so that every step really runs each time.

const FIXTURES = join(ROOT, "test/e2e/fixtures/toolchains");
const BUILD_IMAGE = "melange-ts/debian-toolchains";
const ARCH = "x86_64";
const FIXTURE_NAMES = ["cmake", "meson", "go", "cargo", "python-setup", "python-wheel"] as const;
type Fixture = (typeof FIXTURE_NAMES)[number];

/** docker build of a fixture into packages, without blocking the others (the harness's dockerBuild is synchronous). */
function buildAsync(fixture: Fixture): Promise<BuildResult> {
  const out = join(mkdtempSync(join(tmpdir(), `mts-tc-${fixture}-`)), "out");
  const args = ["build", "--progress=plain", "-f", "melange.yaml", "-o", `type=local,dest=${out}`,
    "--build-arg", `BUILDKIT_SYNTAX=${FRONTEND}`, "--build-arg", `MELANGE_BUILD_IMAGE=${BUILD_IMAGE}`,
    "--build-arg", "SOURCE_DATE_EPOCH=1700000000", "--no-cache", "."];
  return new Promise((resolve) => {
    const child = spawn(DOCKER, args, { cwd: join(FIXTURES, fixture), env: { ...process.env, DOCKER_BUILDKIT: "1" } });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    child.on("close", (code) => resolve({ code: code ?? -1, log, out }));
  });
}

const results = new Map<Fixture, BuildResult>();
const unpacked: string[] = [];

beforeAll(async () => {
  requireEngine();
  // Made once per machine (mmdebstrap + docker import, 2-3 minutes); later runs find it and return at once.
  const r = spawnSync("bash", [join(ROOT, "hack/debian-image.sh"), "toolchains"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`hack/debian-image.sh toolchains failed:\n${r.stderr}`);
  const built = await Promise.all(FIXTURE_NAMES.map(buildAsync));
  FIXTURE_NAMES.forEach((f, i) => results.set(f, built[i]));
}, 600_000);
afterAll(() => {
  for (const r of results.values()) cleanup(join(r.out, ".."));
  cleanup(...unpacked);
});

/** The build's result, which must have succeeded. */
function built(fixture: Fixture): BuildResult {
  const r = results.get(fixture)!;
  expect(r.code, r.log).toBe(0);
  return r;
}

const apkOf = (r: BuildResult, name: string, version: string) => join(r.out, ARCH, `${name}-${version}-r0.apk`);

/** The paths a package installs (files and symlinks, no directories, no metadata). */
function payload(apk: string): string[] {
  const r = spawnSync("tar", ["-tzvf", apk], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  // `-rwxr-xr-x root/root 123 2023-11-14 22:13 usr/bin/x` or `lrwxrwxrwx ... usr/lib/a.so -> a.so.1`
  return r.stdout
    .split("\n")
    .filter((l) => l && !l.startsWith("d"))
    .map((l) => l.split(/\s+/)[5])
    .filter((p) => !p.startsWith("."))
    .sort();
}

function pkginfo(apk: string): string {
  return spawnSync("tar", ["-xzOf", apk, ".PKGINFO"], { encoding: "utf8" }).stdout;
}

/** The package unpacked into a scratch directory (as an installed root). */
function unpack(apk: string): string {
  const dir = tempDir("mts-tc-root-");
  unpacked.push(dir);
  const r = spawnSync("tar", ["-xzf", apk, "-C", dir, "--exclude=.*"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

/** Runs a program of an unpacked package (built against the same Debian libc as this machine). */
function run(file: string, args: string[] = [], env: Record<string, string> = {}): string {
  chmodSync(file, 0o755);
  const r = spawnSync(file, args, { encoding: "utf8", env: { ...process.env, ...env } });
  expect(r.status, `${file}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** ELF section names of a file, read with the section header string table. */
function sections(file: string): string[] {
  const b = readFileSync(file);
  expect(b.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const shstrndx = b.readUInt16LE(0x3e);
  const hdr = (i: number) => shoff + i * shentsize;
  const strOff = Number(b.readBigUInt64LE(hdr(shstrndx) + 0x18));
  const names: string[] = [];
  for (let i = 1; i < shnum; i++) {
    const at = strOff + b.readUInt32LE(hdr(i));
    names.push(b.subarray(at, b.indexOf(0, at)).toString("latin1"));
  }
  return names;
}
const debugSections = (file: string) => sections(file).filter((s) => /^\.z?debug_/.test(s));

/** The `uses:` steps that ran, in order, for a package: `[pkg 2/4] uses: cmake/build` -> `cmake/build`. */
function usesRun(r: BuildResult, pkg: string): string[] {
  return stepsRun(r.log)
    .map((n) => new RegExp(`^\\[${pkg} \\d+/\\d+\\] uses: (\\S+)`).exec(n)?.[1])
    .filter((u): u is string => !!u);
}

describe("language pipelines in melange-ts/debian-toolchains", () => {
  it("cmake/configure + cmake/build + cmake/install + strip: a program and its shared library under /usr", () => {
    const r = built("cmake");
    expect(usesRun(r, "tc-cmake")).toEqual(["cmake/configure", "cmake/build", "cmake/install", "strip"]);
    // Ninja, verbose: the full compiler lines are in the log; --opts came after the defaults and won.
    expect(r.log).toMatch(/\/usr\/bin\/cc .*-O2 -g -DNDEBUG .*-c \/home\/build\/src\/main\.c/);
    const apk = apkOf(r, "tc-cmake", "1.2.3");
    // CMAKE_INSTALL_LIBDIR=lib: usr/lib, not Debian's usr/lib/x86_64-linux-gnu.
    expect(payload(apk)).toEqual([
      "usr/bin/tchello", "usr/include/greet.h",
      "usr/lib/libtcgreet.so", "usr/lib/libtcgreet.so.1", "usr/lib/libtcgreet.so.1.0.0",
    ]);
    const info = pkginfo(apk);
    expect(info).toMatch(/^provides = so:libtcgreet\.so\.1=1$/m);
    expect(info).toMatch(/^provides = cmd:tchello=1\.2\.3-r0$/m);
    expect(info).toMatch(/^depend = so:libc\.so\.6$/m);
    expect(info).not.toMatch(/^depend = so:libtcgreet/m); // provided by the package itself
    const root = unpack(apk);
    // Built with -g (RelWithDebInfo), stripped by strip; both files still run.
    for (const f of ["usr/bin/tchello", "usr/lib/libtcgreet.so.1.0.0"]) expect(debugSections(join(root, f)), f).toEqual([]);
    expect(run(join(root, "usr/bin/tchello"), [], { LD_LIBRARY_PATH: join(root, "usr/lib") })).toBe("hello from cmake 1.2.3\n");
  });

  it("meson/configure + meson/compile + meson/install, with split/debug moving the debug information out", () => {
    const r = built("meson");
    expect(usesRun(r, "tc-meson")).toEqual(["meson/configure", "meson/compile", "meson/install"]);
    expect(usesRun(r, "tc-meson-dbg")).toEqual(["split/debug"]);
    const main = apkOf(r, "tc-meson", "2.0.0");
    const dbg = apkOf(r, "tc-meson-dbg", "2.0.0");
    // --prefix=/usr, sysconfdir /etc
    expect(payload(main)).toEqual(["etc/tcmeson.conf", "usr/bin/tcmeson", "usr/bin/tcmeson-nopie"]);
    expect(payload(dbg)).toEqual(["usr/lib/debug/usr/bin/tcmeson.debug"]);
    const root = unpack(main);
    const bin = join(root, "usr/bin/tcmeson");
    expect(debugSections(bin)).toEqual([]);
    expect(sections(bin)).toContain(".gnu_debuglink");
    expect(readFileSync(bin).includes(Buffer.from("tcmeson.debug\0"))).toBe(true);
    expect(run(bin)).toBe("hello from meson 2.0.0\n");
    expect(readFileSync(join(root, "etc/tcmeson.conf"), "utf8")).toBe("greeting=hello\n");
    // An ET_EXEC program is not split (melange's split/debug takes ET_DYN files only): its debug info stays.
    const nopie = join(root, "usr/bin/tcmeson-nopie");
    expect(readFileSync(nopie).readUInt16LE(16)).toBe(2); // e_type ET_EXEC
    expect(debugSections(nopie)).toContain(".debug_info");
    expect(sections(nopie)).not.toContain(".gnu_debuglink");
    expect(run(nopie)).toBe("hello from meson 2.0.0\n");
    const debug = join(unpack(dbg), "usr/lib/debug/usr/bin/tcmeson.debug");
    expect(debugSections(debug)).toEqual(expect.arrayContaining([".debug_info", ".debug_line"]));
  });

  it("go/build, go/build/v2 and go/install: a module without dependencies, offline, with tags, ldflags and -trimpath", () => {
    const r = built("go");
    expect(usesRun(r, "tc-go")).toEqual(expect.arrayContaining(["go/build", "go/build/v2", "go/install"]));
    const apk = apkOf(r, "tc-go", "0.4.0");
    expect(payload(apk)).toEqual(["usr/bin/tcgo", "usr/bin/tcgo-v2", "usr/lib/tc-go/tcgo-tags", "usr/libexec/tc-go/tcgo-tags"]);
    const root = unpack(apk);
    // ldflags -X reached the linker; the build settings are go/build's defaults.
    expect(run(join(root, "usr/bin/tcgo"))).toBe("hello from go 0.4.0\n-tags=netgo,osusergo\n-trimpath=true\nGOAMD64=v2\n");
    expect(run(join(root, "usr/bin/tcgo-v2"))).toBe("hello from go v2\n-tags=netgo,osusergo\n-trimpath=true\nGOAMD64=v2\n");
    // `tags` are added to `toolchaintags`, for go/build and go/install alike.
    expect(run(join(root, "usr/libexec/tc-go/tcgo-tags"))).toBe("tags: extra,netgo,osusergo\n");
    expect(run(join(root, "usr/lib/tc-go/tcgo-tags"))).toBe("tags: extra,netgo,osusergo\n");
    for (const f of ["usr/bin/tcgo", "usr/bin/tcgo-v2", "usr/lib/tc-go/tcgo-tags"]) {
      // strip=-w (go/build, go/install), and strip="" followed by the strip pipeline (go/build/v2): no DWARF.
      expect(debugSections(join(root, f)), f).toEqual([]);
      // -trimpath: no path of the build machine in the binary.
      expect(readFileSync(join(root, f)).includes(Buffer.from("/home/build")), f).toBe(false);
    }
  });

  it("cargo/build: a crate without dependencies, every binary or one named `output` (cargo-auditable is not in Debian)", () => {
    const r = built("cargo");
    expect(usesRun(r, "tc-cargo")).toEqual(["cargo/build", "cargo/build"]);
    expect(r.log).toContain("cargo/build: WARNING: cargo-auditable is not installed");
    const apk = apkOf(r, "tc-cargo", "0.3.0");
    // Only the executables of target/release: not its .d files or build directories.
    // The second step installs only `output`, from its `output-dir`, built with its `rustflags`.
    expect(payload(apk)).toEqual(["usr/bin/tccargo", "usr/bin/tccargo-second", "usr/libexec/tc-cargo/tccargo"]);
    expect(r.log).toMatch(/Finished flagged \[optimized\] target\(s\)/);
    const root = unpack(apk);
    expect(run(join(root, "usr/bin/tccargo"))).toBe("hello from cargo 0.3.0\n");
    expect(run(join(root, "usr/libexec/tc-cargo/tccargo"))).toBe("hello from cargo 0.3.0\nbuilt with --cfg tc_flag\n");
    expect(run(join(root, "usr/bin/tccargo-second"))).toBe("second binary\n");
  });

  it("python/build + python/install: a setup.py project with a console script", () => {
    const r = built("python-setup");
    expect(usesRun(r, "tc-py-setup")).toEqual(["python/build", "python/install"]);
    const files = payload(apkOf(r, "tc-py-setup", "1.0.0"));
    expect(files).toContain("usr/bin/tally");
    expect(files).toContain("usr/lib/python3/dist-packages/tally/__init__.py");
    expect(files).toContain("usr/lib/python3/dist-packages/tally-1.0.0-py3.11.egg-info/PKG-INFO");
    expect(files.filter((f) => f.startsWith("usr/local/"))).toEqual([]);
    const root = unpack(apkOf(r, "tc-py-setup", "1.0.0"));
    const env = { PYTHONPATH: join(root, "usr/lib/python3/dist-packages") };
    // The pipelines run the real interpreter behind `python` (readlink -f), which setuptools writes in the script.
    expect(readFileSync(join(root, "usr/bin/tally"), "utf8")).toMatch(/^#!\/usr\/bin\/python3\.\d+\n/);
    const out = spawnSync("python3", [join(root, "usr/bin/tally"), "a", "b", "c"], { encoding: "utf8", env: { ...process.env, ...env } });
    expect(out.stdout, out.stderr).toBe("tally 3\n");
  });

  it("python/build-wheel: a pyproject.toml project built in an isolated environment and installed, without .pyc", () => {
    const r = built("python-wheel");
    expect(usesRun(r, "tc-py-wheel")).toEqual(["python/build-wheel"]);
    expect(r.log).toMatch(/Successfully built wordy-0\.2\.0\.tar\.gz and wordy-0\.2\.0-py3-none-any\.whl/);
    const files = payload(apkOf(r, "tc-py-wheel", "0.2.0"));
    expect(files).toEqual([
      "usr/bin/wordy",
      "usr/lib/python3/dist-packages/wordy-0.2.0.dist-info/METADATA",
      "usr/lib/python3/dist-packages/wordy-0.2.0.dist-info/RECORD",
      "usr/lib/python3/dist-packages/wordy-0.2.0.dist-info/WHEEL",
      "usr/lib/python3/dist-packages/wordy-0.2.0.dist-info/entry_points.txt",
      "usr/lib/python3/dist-packages/wordy-0.2.0.dist-info/top_level.txt",
      "usr/lib/python3/dist-packages/wordy/__init__.py",
    ]);
    const root = unpack(apkOf(r, "tc-py-wheel", "0.2.0"));
    const script = join(root, "usr/bin/wordy");
    const out = spawnSync("python3", [script, "x", "y"], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: join(root, "usr/lib/python3/dist-packages") },
    });
    expect(out.stdout, out.stderr).toBe("wordy 2\n");
  });

  it("every package is in the index of its build", () => {
    for (const [f, r] of results) {
      expect(r.code, `${f}: ${r.log}`).toBe(0);
      const names = readdirSync(join(r.out, ARCH));
      expect(names, f).toContain("APKINDEX.tar.gz");
      const index = spawnSync("tar", ["-xzOf", join(r.out, ARCH, "APKINDEX.tar.gz"), "APKINDEX"], { encoding: "utf8" }).stdout;
      for (const apk of names.filter((n) => n.endsWith(".apk"))) {
        const name = /^(.*)-[^-]+-r\d+\.apk$/.exec(apk)![1];
        expect(index, `${f}: ${apk}`).toMatch(new RegExp(`^P:${name.replace(/[+.]/g, "\\$&")}$`, "m"));
      }
    }
  });
});
