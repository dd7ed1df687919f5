import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, cli, copyExample, dockerBuild, makeKey, requireEngine, ROOT, stepsRun, tempDir } from "./harness.js";

// examples/autotools end to end: a release tarball served on 127.0.0.1 and fetched by the engine (HTTP source
// with its sha256), built by a `uses:` chain (autoconf/configure, autoconf/make, autoconf/make-install, strip) in a
// Debian image with a C toolchain, split into subpackages (split/dev, split/manpages, a `range` over `data`),
// packaged and signed. A rebuild runs no step; a wrong checksum fails and names it.

const EXAMPLE = join(ROOT, "examples/autotools");
const BUILD_IMAGE = "melange-ts/debian-build";
const ARCH = "x86_64";
const PACKAGES = ["greet", "greet-dev", "greet-doc", "greet-lang-de", "greet-lang-es", "greet-lang-fr"];
/** A build step's progress name: `[greet-dev 9/15] uses: split/dev › ...`. */
const STEP = /^\[[\w.+-]+ \d+\/\d+\]/;

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** The example's server (examples/autotools/serve.mjs) in its own process: docker build runs synchronously here,
 *  so a server in this process could not answer. Its request log goes to a file. */
interface Server {
  url: string;
  requests(): string[];
  stop(): void;
}

async function serve(dir: string): Promise<Server> {
  const logDir = tempDir("mts-serve-");
  const log = join(logDir, "requests.log");
  const child: ChildProcess = spawn(process.execPath, [join(EXAMPLE, "serve.mjs"), dir], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "ignore", openSync(log, "w")],
  });
  const lines = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
  for (let i = 0; i < 100; i++) {
    const m = lines().map((l) => /^serving .* on (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(l)).find(Boolean);
    if (m) return { url: m[1], requests: () => lines().filter((l) => !l.startsWith("serving ")), stop: () => (child.kill(), cleanup(logDir)) };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`the example's server did not start: ${lines().join("\n")}`);
}

/** A release tarball that no earlier run has built (a STAMP file makes it unique), so the engine must download it:
 *  the example's sources, packed by the example's own make-dist.sh. */
function uniqueTarball(): { dir: string; file: string; sha: string; stamp: string } {
  const work = tempDir("mts-dist-");
  const src = join(work, "greet");
  cpSync(join(EXAMPLE, "greet"), src, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  writeFileSync(join(src, "STAMP"), `${stamp}\n`);
  const r = spawnSync("bash", [join(EXAMPLE, "make-dist.sh"), src, join(work, "dist")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`make-dist.sh failed: ${r.stderr}`);
  const file = join(work, "dist", "greet-1.0.0.tar.gz");
  return { dir: join(work, "dist"), file, sha: sha256(file), stamp };
}

/** A scratch copy of the example whose melange.yaml fetches from `mirror` with checksum `sha`. */
function exampleFor(mirror: string, sha: string): string {
  const ctx = copyExample("autotools");
  const file = join(ctx, "melange.yaml");
  const yaml = readFileSync(file, "utf8");
  const pinned = /expected-sha256: ([0-9a-f]{64})/.exec(yaml)![1];
  const out = yaml.replace("mirror: http://127.0.0.1:8765", `mirror: ${mirror}`).replace(pinned, sha);
  expect(out).toContain(`mirror: ${mirror}\n`);
  writeFileSync(file, out);
  return ctx;
}

function tarList(file: string): string[] {
  // GNU tar reads an .apk (gzip members of tar streams) as one archive.
  const r = spawnSync("tar", ["-tzf", file], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").map((l) => l.replace(/\/$/, ""));
}

/** The files (not directories or metadata) a package installs. */
function payload(file: string): string[] {
  const r = spawnSync("tar", ["-tzvf", file], { encoding: "utf8" });
  return r.stdout
    .trim()
    .split("\n")
    .filter((l) => !l.startsWith("d"))
    .map((l) => l.split(/\s+/).pop()!)
    .filter((p) => !p.startsWith("."))
    .sort();
}

function tarCat(file: string, member: string): Buffer {
  const r = spawnSync("tar", ["-xzOf", file, member]);
  expect(r.status, String(r.stderr)).toBe(0);
  return r.stdout;
}

const apk = (out: string, name: string) => join(out, ARCH, `${name}-1.0.0-r0.apk`);

let key: ReturnType<typeof makeKey>;
/** docker build of a context with the Debian build image and the current frontend. */
function build(context: string, extra: Record<string, string> = {}, secrets?: Record<string, string>) {
  return dockerBuild({ context, buildArgs: { MELANGE_BUILD_IMAGE: BUILD_IMAGE, ...extra }, secrets });
}

beforeAll(() => {
  requireEngine();
  // Made once per machine (mmdebstrap + docker import); later runs find it and return at once.
  const r = spawnSync("bash", [join(ROOT, "hack/debian-image.sh")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`hack/debian-image.sh failed:\n${r.stderr}`);
  key = makeKey();
});
afterAll(() => key && cleanup(key.dir));

describe("examples/autotools", () => {
  it("ships the release tarball of its own sources, and melange.yaml pins that tarball's sha256", () => {
    const tarball = join(EXAMPLE, "dist/greet-1.0.0.tar.gz");
    const yaml = readFileSync(join(EXAMPLE, "melange.yaml"), "utf8");
    expect(yaml).toContain(`expected-sha256: ${sha256(tarball)}\n`);
    const x = tempDir("mts-unpack-");
    expect(spawnSync("tar", ["-xzf", tarball, "-C", x]).status).toBe(0);
    const src = join(EXAMPLE, "greet");
    const files = (d: string): string[] =>
      readdirSync(d, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(d, f)).isFile()).sort();
    expect(files(join(x, "greet-1.0.0"))).toEqual(files(src));
    for (const f of files(src)) {
      const a = join(src, f);
      const b = join(x, "greet-1.0.0", f);
      expect(readFileSync(b).equals(readFileSync(a)), f).toBe(true);
      expect(statSync(b).mode & 0o111, f).toBe(statSync(a).mode & 0o111);
    }
    cleanup(x);
  });
});

describe("fetch + autoconf + strip + split through docker build", () => {
  let server: Server;
  let dist: ReturnType<typeof uniqueTarball>;
  beforeAll(async () => {
    dist = uniqueTarball();
    server = await serve(dist.dir);
  });
  afterAll(() => {
    server?.stop();
    if (dist) cleanup(join(dist.dir, ".."));
  });

  it("builds every package from the served tarball, and a rebuild is fully cached without a second download", () => {
    const ctx = exampleFor(server.url, dist.sha);
    const again = () => build(ctx, { SOURCE_DATE_EPOCH: "1700000000" }, { "melange.rsa": key.key });
    const first = again();
    expect(first.code, first.log).toBe(0);

    // Every package, signed, in a signed index.
    const files = readdirSync(join(first.out, ARCH)).sort();
    expect(files).toEqual(["APKINDEX.tar.gz", ...PACKAGES.map((p) => `${p}-1.0.0-r0.apk`)].sort());
    const v = cli(["verify", "--keyring", key.pub, ...files.map((f) => join(first.out, ARCH, f))]);
    expect(v.code, v.stderr + v.stdout).toBe(0);

    // The `uses:` chain ran, each pipeline as its own step, in order.
    const ran = stepsRun(first.log).filter((n) => STEP.test(n));
    const order = ["uses: fetch", "uses: autoconf/configure", "uses: autoconf/make", "check", "uses: autoconf/make-install", "uses: strip"];
    const at = order.map((o) => ran.findIndex((n) => n.endsWith(`] ${o}`)));
    expect(at.every((i) => i >= 0), ran.join("\n")).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(ran.some((n) => n.startsWith("[greet-dev ") && n.includes("uses: split/dev"))).toBe(true);
    expect(ran.some((n) => n.startsWith("[greet-doc ") && n.includes("uses: split/manpages"))).toBe(true);

    // The step read the engine's download from the cache mount: no network, no wget; the checksum was checked.
    expect(first.log).toContain(`fetch: using cached /var/cache/melange/sha256:${dist.sha}`);
    expect(first.log).toContain("fetch: sha256 of greet-1.0.0.tar.gz verified");

    // What each package holds: split/dev and split/manpages moved their files out of the main package.
    expect(payload(apk(first.out, "greet"))).toEqual(["usr/bin/greet"]);
    expect(payload(apk(first.out, "greet-dev"))).toEqual(["usr/include/greet.h", "usr/lib/libgreet.a"]);
    expect(payload(apk(first.out, "greet-doc"))).toEqual(["usr/share/doc/greet/README", "usr/share/man/man1/greet.1"]);
    for (const lang of ["de", "es", "fr"]) {
      const pkg = apk(first.out, `greet-lang-${lang}`);
      expect(payload(pkg)).toEqual([`usr/share/greet/${lang}`]);
      const info = tarCat(pkg, ".PKGINFO").toString("utf8");
      expect(info).toMatch(/^depend = greet$/m);
      expect(info).toMatch(new RegExp(`^pkgdesc = ${{ de: "German", es: "Spanish", fr: "French" }[lang]} greeting for greet$`, "m"));
    }
    expect(tarCat(apk(first.out, "greet-lang-fr"), "usr/share/greet/fr").toString()).toBe("Bonjour\n");
    expect(tarCat(apk(first.out, "greet-doc"), "usr/share/man/man1/greet.1").toString()).toMatch(/^\.TH GREET 1 .*"greet 1\.0\.0"/);
    // The static library is a real ar archive holding the library's object.
    const lib = tarCat(apk(first.out, "greet-dev"), "usr/lib/libgreet.a");
    expect(lib.subarray(0, 8).toString("latin1")).toBe("!<arch>\n");
    expect(lib.includes(Buffer.from("libgreet.o"))).toBe(true);
    expect(tarList(apk(first.out, "greet"))).toContain("usr/share/greet");

    // The program: an x86-64 ELF built with -g, stripped by `strip`, that runs here (same libc).
    const bin = tarCat(apk(first.out, "greet"), "usr/bin/greet");
    expect(bin.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(bin.readUInt16LE(18)).toBe(62); // e_machine EM_X86_64
    expect(bin.includes(Buffer.from(".debug_info"))).toBe(false);
    const exe = join(tempDir("mts-greet-"), "greet");
    writeFileSync(exe, bin);
    chmodSync(exe, 0o755);
    const run = (...a: string[]) => spawnSync(exe, a, { encoding: "utf8" });
    expect(run().stdout).toBe("Hello, world!\n");
    expect(run("-g", "Hi", "you").stdout).toBe("Hi, you!\n");
    expect(run("-v").stdout).toBe("greet 1.0.0\n");
    // configure's --prefix=/usr is compiled in: the greeting files are looked up under /usr/share/greet.
    expect(run("-l", "xx").stderr).toContain("/usr/share/greet");
    cleanup(join(exe, ".."));

    // Built again: not one step runs, and the server is not asked again.
    const second = again();
    expect(second.code, second.log).toBe(0);
    expect(stepsRun(second.log).filter((n) => STEP.test(n))).toEqual([]);
    for (const p of PACKAGES) expect(existsSync(apk(second.out, p)), p).toBe(true);
    const gets = server.requests().filter((l) => l.startsWith("GET /greet-1.0.0.tar.gz "));
    expect(gets).toHaveLength(1);
    expect(gets[0]).toMatch(/ 200 /);
    expect(gets[0]).not.toMatch(/wget/i); // the engine downloaded it, not the step
    cleanup(ctx, first.out, second.out);
  });

  it("a wrong expected-sha256 fails the build with a message naming the checksum", () => {
    const wrong = createHash("sha256").update(`not the tarball ${dist.stamp}`).digest("hex");
    const ctx = exampleFor(server.url, wrong);
    const r = build(ctx);
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(new RegExp(`(mismatch|checksum|expected).*sha256:${wrong}|sha256:${wrong}.*(mismatch|checksum)`, "i"));
    // No build step ran on the bad download.
    expect(stepsRun(r.log).filter((n) => STEP.test(n) && !n.includes("uses: fetch"))).toEqual([]);
    expect(r.log).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    cleanup(ctx);
  });
});
