import { describe, expect, it } from "vitest";
import { definitionToJSON, image, marshal } from "../../../src/llb/index.js";
import { UserError } from "../../../src/errors.js";
import {
  apkEnvInputs,
  installEnvironment,
  keyFileName,
  packageUrl,
  repositoryBase,
  WOLFI_KEY,
  WOLFI_REPOSITORY,
  type ChosenPackage,
} from "../../../src/build/apk-env.js";
import { emptyPackageInfo, type IndexEntry } from "../../../src/apk/types.js";
import { readApkIndex } from "../../../src/apk/index-archive.js";

function entry(name: string, version: string): IndexEntry {
  return { ...emptyPackageInfo(), name, version, arch: "x86_64", installedSize: 1, origin: name, checksum: "Q1xxxx", size: 1 };
}

const contents = (o: Partial<{ repositories: string[]; keyring: string[]; packages: string[] }> = {}) => ({
  repositories: [],
  keyring: [],
  packages: [],
  ...o,
});

describe("environment inputs", () => {
  it("appends the MELANGE_* build-args (comma or space separated) to environment.contents, without duplicates", () => {
    const i = apkEnvInputs(
      contents({ repositories: ["https://a.example/os/"], keyring: ["./keys/a.rsa.pub"], packages: ["busybox"] }),
      {
        MELANGE_REPOSITORIES: "https://b.example/extra, https://a.example/os",
        MELANGE_KEYRING: "https://b.example/b.rsa.pub keys/a.rsa.pub",
        MELANGE_PACKAGES: "make,busybox  gcc",
      },
    );
    expect(i.repositories).toEqual(["https://a.example/os", "https://b.example/extra"]);
    expect(i.keyring).toEqual(["keys/a.rsa.pub", "https://b.example/b.rsa.pub"]);
    expect(i.packages).toEqual(["busybox", "make", "gcc"]);
    expect(i.allowUntrusted).toBe(false);
    expect(i.wolfiDefault).toBe(false);
  });

  it("uses Wolfi's repository and key when no repository is given at all", () => {
    const i = apkEnvInputs(contents({ packages: ["busybox"], keyring: ["mine.rsa.pub"] }), {});
    expect(i.repositories).toEqual([WOLFI_REPOSITORY]);
    expect(i.keyring).toEqual(["mine.rsa.pub", WOLFI_KEY]);
    expect(i.wolfiDefault).toBe(true);
  });

  it("reads MELANGE_ALLOW_UNTRUSTED", () => {
    expect(apkEnvInputs(contents(), { MELANGE_ALLOW_UNTRUSTED: "true" }).allowUntrusted).toBe(true);
    expect(apkEnvInputs(contents(), { MELANGE_ALLOW_UNTRUSTED: "false" }).allowUntrusted).toBe(false);
  });

  it("refuses repositories the graph cannot fetch, with a hint", () => {
    expect(() => repositoryBase("/work/packages")).toThrow(UserError);
    expect(() => repositoryBase("@local https://x.example")).toThrow(/tagged repositories/);
    try {
      repositoryBase("./packages");
    } catch (e) {
      expect((e as UserError).hint).toMatch(/HTTP/);
    }
  });

  it("names keys by the basename of their URL or path", () => {
    expect(keyFileName("https://packages.wolfi.dev/os/wolfi-signing.rsa.pub")).toBe("wolfi-signing.rsa.pub");
    expect(keyFileName("keys/melange.rsa.pub")).toBe("melange.rsa.pub");
    expect(() => keyFileName("https://x.example/")).toThrow(UserError);
    expect(packageUrl("https://r.example/os", "aarch64", entry("zlib", "1.3-r1"))).toBe("https://r.example/os/aarch64/zlib-1.3-r1.apk");
  });
});

type ExecOp = {
  exec: {
    meta: { args: string[]; user: string; env: string[] };
    mounts: { dest: string; input: number; output: number; readonly?: boolean }[];
    network?: number;
  };
  inputs?: { digest: string; index: number }[];
};

function installGraph(packages: ChosenPackage[], opts: { allowUntrusted?: boolean; keys?: Record<string, string> } = {}) {
  const state = installEnvironment({
    tag: "[demo]",
    arch: "x86_64",
    toolsImage: image("melange-ts/frontend"),
    keyring: opts.keys ?? { "a.rsa.pub": "PEM-A" },
    packages,
    world: ["make", "busybox"],
    repositories: ["https://a.example/os", "https://b.example"],
    allowUntrusted: opts.allowUntrusted ?? false,
  });
  const def = marshal(state, { platform: { os: "linux", architecture: "amd64" } });
  const json = definitionToJSON(def);
  const byDigest = new Map(json.ops.map((o) => [o.digest, o]));
  const exec = json.ops.find((o) => "exec" in o.op)!;
  return { def, json, exec: exec.op as unknown as ExecOp, name: exec.metadata?.description?.["llb.customname"], byDigest };
}

const chosen: ChosenPackage[] = [
  { entry: entry("make", "4.4-r0"), repository: "https://b.example" },
  { entry: entry("busybox", "1.36.1-r2"), repository: "https://a.example/os" },
];

describe("installEnvironment", () => {
  it("runs the installer once on the tools image, offline, with every package its own HTTP source without checksum", () => {
    const g = installGraph(chosen);
    expect(g.name).toBe("[demo] install 2 packages");
    const { meta, mounts } = g.exec.exec;
    expect(meta.args.slice(0, 3)).toEqual(["/usr/bin/node", "/app/melange-ts.mjs", "install"]);
    expect(meta.args).toContain("--keyring-dir");
    expect(meta.args[meta.args.indexOf("--verified-index") + 1]).toBe("/index/APKINDEX.tar.gz");
    expect(meta.args[meta.args.indexOf("--world") + 1]).toBe("busybox make");
    expect(meta.args).not.toContain("--allow-untrusted");
    expect(g.exec.exec.network).toBe(2); // NetMode NONE
    expect(mounts.map((m) => m.dest)).toEqual(["/", "/index", "/keys", "/packages/busybox", "/packages/make", "/root-out"]);
    for (const m of mounts.filter((m) => m.dest !== "/" && m.dest !== "/root-out")) expect(m.readonly).toBe(true);

    // The package mounts come from HTTP sources pinned by URL in the package's own repository, no checksum.
    const sources = g.json.ops.map((o) => (o.op as { source?: { identifier: string; attrs?: Record<string, string> } }).source).filter((s) => s !== undefined);
    const apk = sources.filter((s) => s!.identifier.endsWith(".apk"));
    expect(apk.map((s) => s!.identifier).sort()).toEqual(["https://a.example/os/x86_64/busybox-1.36.1-r2.apk", "https://b.example/x86_64/make-4.4-r0.apk"]);
    for (const s of apk) expect(s!.attrs?.["http.checksum"]).toBeUndefined();
  });

  it("mounts only the chosen packages' index entries (readable by readApkIndex), so unrelated index changes do not matter", () => {
    const file = installGraph(chosen).json.ops.map((o) => (o.op as { file?: { actions: { mkfile?: { path: string; data: { base64: string } | string } }[] } }).file).find((f) => f?.actions[0]?.mkfile?.path === "/APKINDEX.tar.gz");
    const data = file!.actions[0].mkfile!.data;
    const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.base64, "base64");
    const entries = readApkIndex(bytes).entries;
    expect(entries.map((e) => `${e.name}-${e.version}:${e.checksum}`)).toEqual(["busybox-1.36.1-r2:Q1xxxx", "make-4.4-r0:Q1xxxx"]);
  });

  it("is deterministic and changes with the chosen packages", () => {
    const a = installGraph(chosen).def.digest;
    expect(installGraph([...chosen].reverse()).def.digest).toBe(a);
    const newer = [chosen[0], { entry: entry("busybox", "1.36.1-r3"), repository: "https://a.example/os" }];
    expect(installGraph(newer).def.digest).not.toBe(a);
    expect(installGraph(chosen, { keys: { "a.rsa.pub": "PEM-B" } }).def.digest).not.toBe(a);
  });

  it("passes --allow-untrusted and leaves out the keyring mount when there are no keys", () => {
    const g = installGraph(chosen, { allowUntrusted: true, keys: {} });
    expect(g.exec.exec.meta.args).toContain("--allow-untrusted");
    expect(g.exec.exec.meta.args).not.toContain("--keyring-dir");
    expect(g.exec.exec.mounts.map((m) => m.dest)).not.toContain("/keys");
  });

  it("refuses an empty package list", () => {
    expect(() => installGraph([])).toThrow(/no packages/);
  });
});
