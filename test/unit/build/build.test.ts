import { describe, expect, it } from "vitest";
import { compile } from "../../../src/compile/compile.js";
import { pipelineLoader } from "../../../src/compile/pipeline-loader.js";
import { builtinPipeline } from "../../../src/pipelines/builtins.js";
import { definitionToJSON, image, local, marshal } from "../../../src/llb/index.js";
import { buildWorkspace, melangeOut } from "../../../src/build/plan.js";
import { flattenSteps } from "../../../src/build/steps.js";
import { stepScript } from "../../../src/build/script.js";
import { packageStage, packSpec } from "../../../src/build/package.js";
import { encodeCapabilities } from "../../../src/apk/capability.js";
import { apkArch, ociPlatform, parsePlatform } from "../../../src/build/arch.js";

const SHA = "a".repeat(64);
const YAML = `package:
  name: demo
  version: 1.2.3
  epoch: 4
  description: a demo
  copyright:
    - license: MIT
  setcap:
    - path: /usr/bin/ping
      add:
        cap_net_raw: "+ep"
      reason: ping needs raw sockets
environment:
  environment:
    B: two
    A: one
pipeline:
  - uses: fetch
    with:
      uri: https://example.org/demo-\${{package.version}}.tar.gz
      expected-sha256: ${SHA}
  - name: build
    runs: make
  - name: install
    working-directory: sub
    environment:
      C: three
    pipeline:
      - runs: make install DESTDIR=\${{targets.destdir}}
subpackages:
  - name: demo-dev
    pipeline:
      - uses: split/dev
`;

function compiled(text = YAML) {
  return compile({ file: "melange.yaml", text }, { arch: "x86_64", pipelines: pipelineLoader([], builtinPipeline) });
}

function graph(text = YAML) {
  const build = compiled(text);
  const ws = buildWorkspace(build, { environment: image("melange-ts/busybox"), context: local("context", { sessionId: "s" }), sourceDateEpoch: 42 });
  return { build, def: marshal(melangeOut(ws, build), { platform: { os: "linux", architecture: "amd64" } }) };
}

type Exec = { exec: { meta: { args: string[]; env: string[]; cwd: string; user: string }; mounts: { dest: string; mountType?: number; selector?: string; cacheOpt?: { ID: string } }[] } };

function execs(def: ReturnType<typeof marshal>) {
  return definitionToJSON(def)
    .ops.filter((o) => (o.op as object as Partial<Exec>).exec)
    .map((o) => ({ name: o.metadata?.description?.["llb.customname"] ?? "", ...(o.op as unknown as Exec).exec }));
}

describe("steps", () => {
  it("wraps a step as melange does", () => {
    expect(stepScript("/home/build/it's", "make")).toBe(
      "set -eo pipefail\n[ -d '/home/build/it'\\''s' ] || mkdir -p '/home/build/it'\\''s'\ncd '/home/build/it'\\''s'\nmake\nexit 0\n",
    );
  });

  it("flattens nested and uses: steps into numbered, labelled exec steps; fetch with sha256 becomes a source", () => {
    const b = compiled();
    const main = flattenSteps(b.main);
    expect(main.map((s) => s.label)).toEqual(["uses: fetch", "build", "install"]);
    expect(main[0].fetches).toEqual([{ uri: "https://example.org/demo-1.2.3.tar.gz", sha256: SHA }]);
    expect(main[2].step.workdir).toBe("/home/build/sub");
    expect(flattenSteps(b.subpackages[0]).every((s) => s.label.startsWith("uses: split/dev"))).toBe(true);
  });

  it("one ExecOp per step, run as the build user, with a sorted environment and the cache mounts", () => {
    const { def } = graph();
    const steps = execs(def).filter((e) => /^\[demo/.test(e.name) && /\d+\/\d+\]/.test(e.name));
    const n = steps.length;
    expect(steps.map((s) => s.name)).toEqual([
      `[demo 1/${n}] uses: fetch`,
      `[demo 2/${n}] build`,
      `[demo 3/${n}] install`,
      ...steps.slice(3).map((_, i) => `[demo-dev ${i + 4}/${n}] uses: split/dev`),
    ]);
    const install = steps[2];
    expect(install.meta.user).toBe("1000:1000");
    expect(install.meta.env).toEqual([...install.meta.env].sort());
    expect(install.meta.env).toContain("SOURCE_DATE_EPOCH=42");
    expect(install.meta.env).toContain("C=three");
    expect(install.meta.env).toContain("A=one");
    expect(install.meta.env).toContain("HOME=/home/build");
    // The language caches live in the persistent cache mount.
    for (const v of ["GOMODCACHE=/var/cache/melange/gomodcache", "GOCACHE=/var/cache/melange/go-build", "PIP_CACHE_DIR=/var/cache/melange/pip", "npm_config_cache=/var/cache/melange/npm", "CCACHE_DIR=/var/cache/melange/ccache", "CARGO_HOME=/var/cache/melange/cargo"]) {
      expect(install.meta.env).toContain(v);
    }
    expect(install.meta.args[2]).toContain("cd '/home/build/sub'");
    expect(install.mounts.find((m) => m.dest === "/var/cache/melange")?.cacheOpt?.ID).toBe("melange-ts-cache");
    // The fetch step reads the engine's download at the place the fetch pipeline looks first.
    const fetch = steps[0];
    expect(fetch.mounts.find((m) => m.dest === `/var/cache/melange/sha256:${SHA}`)?.selector).toBe(`/sha256:${SHA}`);
    const http = definitionToJSON(def).ops.find((o) => JSON.stringify(o.op).includes("https://example.org/demo-1.2.3.tar.gz"));
    expect(JSON.stringify(http?.op)).toContain(`"http.checksum":"sha256:${SHA}"`);
  });

  it("is deterministic: the same file with its environment written in another order gives the same digest", () => {
    const a = graph().def.digest;
    const b = graph(YAML.replace("    B: two\n    A: one\n", "    A: one\n    B: two\n")).def.digest;
    expect(b).toBe(a);
    expect(graph(YAML.replace("runs: make\n", "runs: make all\n")).def.digest).not.toBe(a);
  });
});

describe("package stage", () => {
  it("maps the compiled package to a pack spec, setcap included", () => {
    const b = compiled();
    const spec = packSpec(b, b.main, { toolsImage: image("t"), secretId: "melange.rsa", sourceDateEpoch: 7, configText: "x", namespace: "wolfi" });
    expect(spec).toMatchObject({ name: "demo", version: "1.2.3", epoch: 4, arch: "x86_64", licenses: ["MIT"], origin: "demo", maintainer: "wolfi", sourceDateEpoch: 7 });
    expect(Buffer.from(spec.xattrs!["/usr/bin/ping"]["security.capability"], "base64").toString("hex")).toBe(
      "01000003" + "00200000" + "00000000" + "00000000" + "00000000" + "00000000",
    );
  });

  it("packs each package in its own step and signs in one step that is never cached, with the key as a secret", () => {
    const b = compiled();
    const tree = melangeOut(image("x"), b);
    const def = marshal(packageStage(b, tree, { toolsImage: image("melange-ts/frontend"), secretId: "k.rsa", sourceDateEpoch: 0, configText: "", namespace: "" }));
    const ops = definitionToJSON(def).ops;
    const names = ops.map((o) => o.metadata?.description?.["llb.customname"]).filter(Boolean);
    expect(names).toContain("[demo] package demo");
    expect(names).toContain("[demo] package demo-dev");
    const sign = ops.find((o) => o.metadata?.description?.["llb.customname"]?.startsWith("[demo] sign and index"))!;
    expect(sign.metadata?.ignore_cache).toBe(true);
    const mounts = (sign.op as unknown as Exec).exec.mounts;
    expect(mounts.find((m) => m.dest === "/run/secrets/k.rsa")?.mountType).toBe(1);
    // No packaging step sees the secret.
    for (const o of ops.filter((o) => o.metadata?.description?.["llb.customname"]?.startsWith("[demo] package"))) {
      expect(JSON.stringify(o.op)).not.toContain("/run/secrets");
    }
  });
});

describe("capabilities and platforms", () => {
  it("encodes setcap flags", () => {
    const v = encodeCapabilities({ "cap_net_admin,cap_sys_admin": "+eip" }, "f");
    expect(v.readUInt32LE(0)).toBe(0x03000001);
    expect(v.readUInt32LE(4)).toBe((1 << 12) | (1 << 21));
    expect(v.readUInt32LE(8)).toBe((1 << 12) | (1 << 21));
    expect(() => encodeCapabilities({ cap_chown: "+ep" }, "f")).toThrow(/not allowed/);
    expect(() => encodeCapabilities({ cap_net_raw: "+x" }, "f")).toThrow(/flags/);
  });

  it("maps platforms to APK architectures and back", () => {
    expect(apkArch(parsePlatform("linux/amd64"))).toBe("x86_64");
    expect(apkArch(parsePlatform("linux/arm64"))).toBe("aarch64");
    expect(apkArch(parsePlatform("linux/arm/v7"))).toBe("armv7");
    expect(ociPlatform("aarch64")).toEqual({ os: "linux", architecture: "arm64" });
  });
});

describe("accounts", () => {
  const withAccounts = (accounts: string) =>
    compiled(`package:\n  name: acc\n  version: "1"\n  epoch: 0\nenvironment:\n  accounts:\n${accounts}pipeline:\n  - runs: id\n`);

  it("adds environment.accounts and the build user to the environment, leaving existing entries alone", async () => {
    const { prepareScript } = await import("../../../src/build/workspace.js");
    const script = prepareScript(withAccounts("    run-as: nonroot\n    groups:\n      - groupname: nonroot\n        gid: 65532\n        members: [nonroot]\n    users:\n      - username: nonroot\n        uid: 65532\n        gid: 65532\n"));
    expect(script).toContain("grep -q '^nonroot:' /etc/group || echo 'nonroot:x:65532:nonroot' >> /etc/group");
    expect(script).toContain("grep -q '^nonroot:' /etc/passwd || echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh' >> /etc/passwd");
    expect(script).toContain("grep -q '^build:' /etc/passwd || echo 'build:x:1000:1000:build:/home/build:/bin/sh' >> /etc/passwd");
    expect(script).toContain("grep -q '^build:' /etc/group || echo 'build:x:1000:build' >> /etc/group");
  });

  it("refuses names that are not account names", async () => {
    const { prepareScript } = await import("../../../src/build/workspace.js");
    expect(() => prepareScript(withAccounts("    users:\n      - username: \"x'; rm -rf /\"\n        uid: 5\n"))).toThrow(/invalid user name/);
  });
});

describe("--no-cache", () => {
  it("salts every exec (new digests) instead of ignore_cache, leaving the cache mount's seed alone", () => {
    const build = compiled();
    const mk = (salt?: string) =>
      marshal(buildWorkspace(build, { environment: image("b"), context: local("context", { sessionId: "s" }), sourceDateEpoch: 0, salt }));
    const plain = definitionToJSON(mk());
    const salted = definitionToJSON(mk("abc"));
    expect(salted.digest).not.toBe(plain.digest);
    expect(salted.ops.some((o) => o.metadata?.ignore_cache)).toBe(false);
    const steps = execs(mk("abc")).filter((e) => /\d+\/\d+\]/.test(e.name));
    for (const s of steps) expect(s.meta.env).toContain("MELANGE_TS_NO_CACHE=abc");
    const seed = (d: typeof plain) => d.ops.find((o) => JSON.stringify(o.op).includes('"/cache"') && JSON.stringify(o.op).includes("mkdir"))?.digest;
    expect(seed(salted)).toBe(seed(plain));
  });
});

describe("the Solve request stays under the engine's 4 MiB limit", () => {
  it("writes the config text once, not once per package, however many subpackages", () => {
    const filler = "# " + "x".repeat(20_000) + "\n"; // a large config file
    const subs = Array.from({ length: 300 }, (_, i) => `  - name: demo-sub${i}\n    pipeline:\n      - runs: echo ${i}\n`).join("");
    const text = `${filler}package:\n  name: demo\n  version: "1"\n  epoch: 0\npipeline:\n  - runs: echo main\nsubpackages:\n${subs}`;
    const b = compile({ file: "melange.yaml", text }, { arch: "x86_64", pipelines: pipelineLoader([], builtinPipeline) });
    const def = marshal(packageStage(b, melangeOut(image("x"), b), { toolsImage: image("t"), secretId: "melange.rsa", sourceDateEpoch: 0, configText: text, namespace: "" }));
    const size = def.def.reduce((n, d) => n + d.length, 0);
    expect(size).toBeLessThan(2 * 1024 * 1024);
    // ...and the text is there once.
    const all = Buffer.concat(def.def.map((d) => Buffer.from(d)));
    expect(all.indexOf(filler.slice(0, 200))).toBe(all.lastIndexOf(filler.slice(0, 200)));
  });
});
