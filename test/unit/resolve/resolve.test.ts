import { describe, it, expect } from "vitest";
import { resolve } from "../../../src/apk/resolve.js";
import type { IndexEntry } from "../../../src/apk/types.js";
import { UserError } from "../../../src/errors.js";

interface Opts {
  depends?: string[];
  provides?: string[];
  priority?: number;
  arch?: string;
  origin?: string;
}

function pkg(name: string, version: string, o: Opts = {}): IndexEntry {
  return {
    name,
    version,
    arch: o.arch ?? "x86_64",
    installedSize: 1,
    origin: o.origin ?? name,
    description: "",
    url: "",
    commit: "",
    maintainer: "",
    buildDate: 0,
    licenses: [],
    depends: o.depends ?? [],
    provides: o.provides ?? [],
    replaces: [],
    ...(o.priority !== undefined ? { providerPriority: o.priority } : {}),
    installIf: [],
    triggers: [],
    dataHash: "",
    checksum: `Q1${name}-${version}`,
    size: 1,
  };
}

const ids = (index: IndexEntry[], request: string[], arch?: string) =>
  resolve(index, request, arch ? { arch } : {}).packages.map((p) => `${p.name}-${p.version}`);

function failure(index: IndexEntry[], request: string[]): string {
  try {
    resolve(index, request);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).message;
  }
  throw new Error("expected a resolution failure");
}

/** A small deterministic PRNG so the shuffles are the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function shuffle<T>(xs: T[], seed: number): T[] {
  const r = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe("resolve", () => {
  it("picks the highest version and follows dependencies", () => {
    const index = [
      pkg("a", "1.0-r0", { depends: ["b"] }),
      pkg("a", "1.10-r0", { depends: ["b>=2"] }),
      pkg("a", "1.9-r3", { depends: ["b"] }),
      pkg("b", "1.0-r0"),
      pkg("b", "2.0_rc1-r0"),
      pkg("b", "2.0-r0"),
      pkg("unrelated", "1-r0"),
    ];
    expect(ids(index, ["a"])).toEqual(["a-1.10-r0", "b-2.0-r0"]);
  });

  it("honours version constraints in the request and in dependencies", () => {
    const index = [pkg("a", "1.0-r0", { depends: ["b<2"] }), pkg("a", "2.0-r0"), pkg("b", "1.5-r0"), pkg("b", "2.5-r0")];
    expect(ids(index, ["a<2"])).toEqual(["a-1.0-r0", "b-1.5-r0"]);
    expect(ids(index, ["a=1.0-r0", "b"])).toEqual(["a-1.0-r0", "b-1.5-r0"]);
    expect(ids(index, ["a~1"])).toEqual(["a-1.0-r0", "b-1.5-r0"]);
  });

  it("finds the highest version that satisfies all constraints by backtracking", () => {
    // c's newest needs d>=3, but x pins d<3: the solver must fall back to c-1.
    const index = [
      pkg("c", "2.0-r0", { depends: ["d>=3"] }),
      pkg("c", "1.0-r0", { depends: ["d"] }),
      pkg("d", "2.0-r0"),
      pkg("d", "3.0-r0"),
      pkg("x", "1-r0", { depends: ["d<3"] }),
    ];
    expect(ids(index, ["x", "c"])).toEqual(["c-1.0-r0", "d-2.0-r0", "x-1-r0"]);
  });

  it("resolves so:, cmd: and pc: names through provides", () => {
    const index = [
      pkg("app", "1-r0", { depends: ["so:libz.so.1", "cmd:sh", "pc:zlib>=1.3"] }),
      pkg("zlib", "1.3.1-r0", { provides: ["so:libz.so.1=1.3.1"] }),
      pkg("zlib-dev", "1.3.1-r0", { depends: ["zlib"], provides: ["pc:zlib=1.3.1"] }),
      pkg("busybox", "1.36-r0", { provides: ["cmd:sh"] }),
    ];
    expect(ids(index, ["app"])).toEqual(["app-1-r0", "busybox-1.36-r0", "zlib-1.3.1-r0", "zlib-dev-1.3.1-r0"]);
  });

  it("chooses between providers of a virtual by provider_priority, then version, then name", () => {
    const shells = [
      pkg("bash", "5.2-r0", { provides: ["cmd:sh"] }),
      pkg("busybox", "1.36-r0", { provides: ["cmd:sh"], priority: 100 }),
      pkg("dash", "0.5-r0", { provides: ["cmd:sh"] }),
    ];
    expect(ids([...shells, pkg("x", "1-r0", { depends: ["cmd:sh"] })], ["x"])).toEqual(["busybox-1.36-r0", "x-1-r0"]);
    // without priorities: the higher provided version wins, then the package version, then the name
    const libs = [pkg("libA", "1-r0", { provides: ["so:l.so=2"] }), pkg("libB", "9-r0", { provides: ["so:l.so=1"] })];
    expect(ids([...libs, pkg("y", "1-r0", { depends: ["so:l.so"] })], ["y"])).toEqual(["libA-1-r0", "y-1-r0"]);
    const same = [pkg("zz", "1-r0", { provides: ["v"] }), pkg("aa", "1-r0", { provides: ["v"] }), pkg("mm", "2-r0", { provides: ["v"] })];
    expect(ids(same, ["v"])).toEqual(["mm-2-r0"]);
    expect(ids(same.slice(0, 2), ["v"])).toEqual(["aa-1-r0"]);
  });

  it("prefers a package requested by name over other providers", () => {
    const index = [
      pkg("busybox", "1.36-r0", { provides: ["cmd:sh"], priority: 100 }),
      pkg("bash", "5.2-r0", { provides: ["cmd:sh"] }),
      pkg("x", "1-r0", { depends: ["cmd:sh"] }),
    ];
    expect(ids(index, ["x", "bash"])).toEqual(["bash-5.2-r0", "x-1-r0"]);
  });

  it("prefers the package actually named as the dependency over one that provides the name", () => {
    const index = [pkg("foo", "1-r0"), pkg("foo-compat", "5-r0", { provides: ["foo=7"], priority: 10 })];
    expect(ids(index, ["foo"])).toEqual(["foo-1-r0"]);
    expect(ids(index, ["foo>2"])).toEqual(["foo-compat-5-r0"]);
  });

  it("does not let an unversioned provide satisfy a versioned dependency", () => {
    const index = [pkg("p", "1-r0", { provides: ["virt"] }), pkg("q", "1-r0", { depends: ["virt>=1"] })];
    expect(failure(index, ["q"])).toBe("q -> virt>=1: no version satisfies (available: p-1-r0 (unversioned))");
    expect(ids(index, ["virt"])).toEqual(["p-1-r0"]);
  });

  it("respects conflicts, choosing another provider when one is excluded", () => {
    const index = [
      pkg("openssl", "3.0-r0", { provides: ["so:libssl.so.3=3.0"] }),
      pkg("libressl", "3.8-r0", { provides: ["so:libssl.so.3=3.8"] }),
      pkg("app", "1-r0", { depends: ["so:libssl.so.3", "!libressl"] }),
      pkg("bad", "1-r0", { depends: ["!openssl"] }),
    ];
    expect(ids(index, ["app"])).toEqual(["app-1-r0", "openssl-3.0-r0"]);
    expect(failure(index, ["bad", "openssl"])).toBe("bad -> !openssl: conflicts with openssl-3.0-r0");
  });

  it("applies versioned conflicts only inside their range", () => {
    const index = [pkg("old", "1-r0"), pkg("old", "2-r0"), pkg("guard", "1-r0", { depends: ["!old<2"] })];
    expect(failure(index, ["guard", "old=1-r0"])).toContain("conflict");
    expect(ids(index, ["guard", "old"])).toEqual(["guard-1-r0", "old-2-r0"]);
  });

  it("allows only one package per name and per versioned provide", () => {
    const index = [
      pkg("libpq-15", "15.3-r0", { provides: ["so:libpq.so.5=5.15"] }),
      pkg("libpq-16", "16.1-r0", { provides: ["so:libpq.so.5=5.16"] }),
      pkg("x", "1-r0", { depends: ["libpq-15", "libpq-16"] }),
      pkg("y", "1-r0", { depends: ["so:libpq.so.5", "libpq-15"] }),
    ];
    expect(failure(index, ["x"])).toMatch(/^x -> libpq-16: libpq-16-16\.1-r0 cannot be installed next to libpq-15-15\.3-r0/);
    // y's first choice for so:libpq.so.5 (libpq-16) clashes with libpq-15; the solver backs off to libpq-15.
    expect(ids(index, ["y"])).toEqual(["libpq-15-15.3-r0", "y-1-r0"]);
  });

  it("reports the chain that led to a missing provider", () => {
    const index = [
      pkg("build-base", "1-r0", { depends: ["gcc", "make"] }),
      pkg("make", "4.4-r0"),
      pkg("gcc", "13.2-r0", { depends: ["so:libisl.so.23"] }),
    ];
    expect(failure(index, ["build-base"])).toBe("build-base -> gcc -> so:libisl.so.23: no provider");
    expect(failure(index, ["nope"])).toBe("nope: no provider");
    expect(failure(index, ["make>5"])).toBe("make>5: no version satisfies (available: 4.4-r0)");
  });

  it("handles dependency cycles", () => {
    const index = [pkg("a", "1-r0", { depends: ["b"] }), pkg("b", "1-r0", { depends: ["a"] })];
    expect(ids(index, ["a"])).toEqual(["a-1-r0", "b-1-r0"]);
  });

  it("keeps the first repository's entry for a duplicate name and version", () => {
    const first = { ...pkg("a", "1-r0"), checksum: "Q1first" };
    const second = { ...pkg("a", "1-r0"), checksum: "Q1second" };
    expect(resolve([first, second], ["a"]).packages[0].checksum).toBe("Q1first");
    expect(resolve([second, first], ["a"]).packages[0].checksum).toBe("Q1second");
  });

  it("filters by architecture", () => {
    const index = [pkg("a", "2-r0", { arch: "aarch64" }), pkg("a", "1-r0"), pkg("doc", "1-r0", { arch: "noarch" })];
    expect(ids(index, ["a", "doc"], "x86_64")).toEqual(["a-1-r0", "doc-1-r0"]);
  });

  it("gives the same answer whatever the order of the index and the request", () => {
    const index = [
      pkg("app", "1-r0", { depends: ["cmd:sh", "so:libc.so.6", "lib"] }),
      pkg("app", "2-r0", { depends: ["cmd:sh", "so:libc.so.6", "lib>=2"] }),
      pkg("lib", "1-r0", { depends: ["so:libc.so.6"] }),
      pkg("lib", "2-r0", { depends: ["so:libc.so.6"] }),
      pkg("glibc", "2.39-r0", { provides: ["so:libc.so.6=6"] }),
      pkg("musl", "1.2-r0", { provides: ["so:libc.so.6=6"] }),
      pkg("bash", "5-r0", { provides: ["cmd:sh"] }),
      pkg("dash", "5-r0", { provides: ["cmd:sh"] }),
      pkg("zsh", "5-r0", { provides: ["cmd:sh"] }),
    ];
    const want = ids(index, ["app", "zsh"]);
    expect(want).toEqual(["app-2-r0", "glibc-2.39-r0", "lib-2-r0", "zsh-5-r0"]);
    for (let seed = 1; seed <= 20; seed++) {
      expect(ids(shuffle(index, seed), seed % 2 ? ["zsh", "app"] : ["app", "zsh"])).toEqual(want);
    }
  });

  it("resolves against a 30,000-entry synthetic index", () => {
    // 10,000 names x 3 versions; each package depends on a few lower-numbered names and on
    // shared virtuals, so a request near the top pulls in a large closure.
    const r = rng(42);
    const index: IndexEntry[] = [];
    const N = 10_000;
    for (let n = 0; n < N; n++) {
      for (let v = 1; v <= 3; v++) {
        const depends: string[] = [];
        if (n > 0) {
          for (let k = 0; k < 3; k++) depends.push(`p${Math.floor(r() * n)}`);
          if (n % 7 === 0 && n >= 5) depends.push(`so:lib${5 * Math.floor((r() * n) / 5)}.so.1`);
          if (n % 11 === 0) depends.push(`cmd:tool${n % 13}`);
        }
        const provides = n % 5 === 0 ? [`so:lib${n}.so.1=${v}.0`] : [];
        if (n % 3 === 0) provides.push(`cmd:tool${n % 13}`);
        index.push(pkg(`p${n}`, `${v}.0-r0`, { depends: [...new Set(depends)], provides }));
      }
    }
    const request = ["p9999", "p9998", "p5000"];
    const t0 = performance.now();
    const got = resolve(index, request).packages;
    console.error(`resolved ${got.length} of ${index.length} entries in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(got.length).toBeGreaterThan(100);
    // one version per name, always the newest (nothing here constrains versions)
    const names = got.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(got.every((p) => p.version === "3.0-r0")).toBe(true);
    // closed under dependencies: every dependency of a chosen package is met by a chosen package
    const provided = new Set(got.flatMap((p) => [p.name, ...p.provides.map((x) => x.split("=")[0])]));
    for (const p of got) for (const d of p.depends) expect(provided.has(d), `${p.name} needs ${d}`).toBe(true);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(request));
  });
});
