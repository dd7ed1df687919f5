import { describe, expect, it } from "vitest";
import { decode, encode } from "../../../src/protocol.js";
import {
  copy,
  definitionToJSON,
  git,
  http,
  image,
  local,
  marshal,
  mkdir,
  mkfile,
  normalizeImageRef,
  opDigest,
  scratch,
  usedCaps,
  type MarshalResult,
  type Mount,
  type State,
} from "../../../src/llb/index.js";
import { UserError } from "../../../src/errors.js";

const amd64 = { platform: { os: "linux", architecture: "amd64" } };
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
/** The decoded op that produces the marshalled result (the terminal op's input). */
function resultOp(r: MarshalResult): Any {
  const term = decode<Any>("pb.Op", r.def[r.def.length - 1]);
  const bytes = r.def.find((b) => opDigest(b) === term.inputs[0].digest)!;
  return decode<Any>("pb.Op", bytes);
}
function opByDigest(r: MarshalResult, d: string): Any {
  return decode<Any>("pb.Op", r.def.find((b) => opDigest(b) === d)!);
}

describe("image source encoding", () => {
  it("matches the Go client's bytes and digests for image(alpine) on linux/amd64", () => {
    const r = marshal(image("alpine"), amd64);
    expect(r.def).toHaveLength(2);
    expect(hex(r.def[0])).toBe(
      "1a300a2e646f636b65722d696d6167653a2f2f646f636b65722e696f2f6c6962726172792f616c70696e653a6c6174657374520e0a05616d64363412056c696e75785a00",
    );
    expect(opDigest(r.def[0])).toBe("sha256:665ba8b2cdc0cb0200e2a42a6b3c0f8f684089f4cd1b81494fbb9805879120f7");
    expect(opDigest(r.def[1])).toBe("sha256:cc5fb5962a26ee8ff47e71e02a862b4feca95de4bf8cfa231ec64fa122d6c971");
    expect(r.digest).toBe("sha256:cc5fb5962a26ee8ff47e71e02a862b4feca95de4bf8cfa231ec64fa122d6c971");
    expect(r.metadata).toEqual({
      "sha256:665ba8b2cdc0cb0200e2a42a6b3c0f8f684089f4cd1b81494fbb9805879120f7": { caps: { "source.image": true } },
      "sha256:cc5fb5962a26ee8ff47e71e02a862b4feca95de4bf8cfa231ec64fa122d6c971": {
        caps: { constraints: true, platform: true },
      },
    });
  });

  it("records resolve mode, variant and a custom name", () => {
    const r = marshal(image("arm32v7/alpine:3.20", { resolveMode: "pull", customName: "base" }), {
      platform: { os: "linux", architecture: "arm", variant: "v7" },
    });
    const op = decode<Any>("pb.Op", r.def[0]);
    expect(op.source).toEqual({
      identifier: "docker-image://docker.io/arm32v7/alpine:3.20",
      attrs: { "image.resolvemode": "pull" },
    });
    expect(op.platform).toEqual({ Architecture: "arm", OS: "linux", Variant: "v7" });
    const md = r.metadata[opDigest(r.def[0])];
    expect(md.caps).toEqual({ "source.image": true, "source.image.resolvemode": true });
    expect(md.description).toEqual({ "llb.customname": "base" });
    expect(r.metadata[r.digest].caps).toEqual({ constraints: true, "meta.description": true, platform: true });
  });

  it("marshals scratch to an empty definition", () => {
    expect(marshal(scratch())).toEqual({ def: [], metadata: {}, digest: "" });
  });
});

describe("image reference normalization", () => {
  it.each([
    ["alpine", "docker.io/library/alpine:latest"],
    ["alpine:3.20", "docker.io/library/alpine:3.20"],
    ["melange-ts/frontend", "docker.io/melange-ts/frontend:latest"],
    ["docker.io/alpine", "docker.io/library/alpine:latest"],
    ["index.docker.io/library/alpine:edge", "docker.io/library/alpine:edge"],
    ["localhost:5000/x", "localhost:5000/x:latest"],
    ["localhost/x:1", "localhost/x:1"],
    ["cgr.dev/chainguard/wolfi-base", "cgr.dev/chainguard/wolfi-base:latest"],
    [`alpine@sha256:${"a".repeat(64)}`, `docker.io/library/alpine@sha256:${"a".repeat(64)}`],
    [`ghcr.io/o/r:v1@sha256:${"b".repeat(64)}`, `ghcr.io/o/r:v1@sha256:${"b".repeat(64)}`],
  ])("%s -> %s", (input, want) => {
    expect(normalizeImageRef(input)).toBe(want);
  });

  it.each(["", "Alpine", "alpine:bad tag", "alpine@sha256:xyz", "a//b", "-x"])("rejects %j", (bad) => {
    expect(() => normalizeImageRef(bad)).toThrow(UserError);
  });
});

describe("exec", () => {
  const base = image("alpine");
  const src = local("context", { sessionId: "s1" });
  const mounts: Mount[] = [
    { type: "bind", dest: "/src", source: src, readonly: true, selector: "/sub" },
    { type: "bind", dest: "/out", source: scratch() },
    { type: "bind", dest: "/work", source: src },
    { type: "cache", dest: "/var/cache/apk", id: "apk", sharing: "locked" },
    { type: "cache", dest: "/cache/seeded", id: "seed", source: base },
    { type: "secret", dest: "/run/secrets/key", id: "key" },
    { type: "tmpfs", dest: "/tmp" },
    { type: "ssh" },
  ];
  const run = base.run({
    args: ["/bin/sh", "-c", "make"],
    env: { Z: "1", A: "x=y" },
    cwd: "work",
    user: "1000:1000",
    network: "none",
    mounts,
    customName: "build",
  });

  it("encodes mounts sorted by dest with Go's input/output indexing", () => {
    const r = marshal(run, amd64);
    const op = resultOp(r);
    const alpine = opDigest(marshal(base, amd64).def[0]);
    // inputs deduplicated, in sorted-mount order: / (alpine), /cache/seeded (alpine again), /src (local)
    expect(op.inputs).toHaveLength(2);
    expect(op.inputs[0]).toEqual({ digest: alpine }); // index 0 is not encoded
    expect(opByDigest(r, op.inputs[1].digest).source.identifier).toBe("local://context");
    expect(op.exec.mounts).toEqual([
      { dest: "/" }, // input 0, output 0: zero values are not encoded
      { dest: "/cache/seeded", output: -1, mountType: 3, cacheOpt: { ID: "seed" } },
      { dest: "/out", input: -1, output: 1 },
      { dest: "/run/buildkit/ssh_agent.0", input: -1, output: -1, mountType: 2, SSHOpt: { mode: 0o600 } },
      { dest: "/run/secrets/key", input: -1, output: -1, mountType: 1, secretOpt: { ID: "key", mode: 0o400 } },
      { dest: "/src", input: 1, selector: "/sub", output: -1, readonly: true },
      { dest: "/tmp", input: -1, output: -1, mountType: 4 },
      { dest: "/var/cache/apk", input: -1, output: -1, mountType: 3, cacheOpt: { ID: "apk", sharing: 2 } },
      { dest: "/work", input: 1, output: 2 },
    ]);
    expect(op.exec.meta).toEqual({
      args: ["/bin/sh", "-c", "make"],
      env: ["A=x=y", "SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0", "Z=1"],
      cwd: "/work",
      user: "1000:1000",
    });
    expect(op.exec.network).toBe(2);
    expect(op.platform).toEqual({ Architecture: "amd64", OS: "linux" });
    expect(op.constraints).toEqual({});
    const md = r.metadata[opDigest(r.def[r.def.length - 2])];
    expect(Object.keys(md.caps!)).toEqual([
      "exec.meta.base",
      "exec.meta.network",
      "exec.meta.setsdefaultpath",
      "exec.mount.bind",
      "exec.mount.cache",
      "exec.mount.cache.sharing",
      "exec.mount.secret",
      "exec.mount.selector",
      "exec.mount.ssh",
      "exec.mount.tmpfs",
    ]);
    expect(md.description).toEqual({ "llb.customname": "build" });
  });

  it("exposes writable bind mounts as states with the right output index", () => {
    const term = (s: State) => decode<Any>("pb.Op", marshal(s, amd64).def.at(-1)!).inputs[0];
    const rootIn = term(run.root());
    expect(rootIn.index).toBeUndefined(); // 0 is not encoded
    expect(term(run).digest).toBe(rootIn.digest);
    expect(term(run.mount("/out"))).toEqual({ digest: rootIn.digest, index: 1 });
    expect(term(run.mount("work/"))).toEqual({ digest: rootIn.digest, index: 2 });
    expect(() => run.mount("/src")).toThrow(/no writable bind mount/);
    expect(() => run.mount("/tmp")).toThrow();
  });

  it("chains runs and rejects bad input", () => {
    const r = marshal(run.run({ args: ["true"], env: { PATH: "/bin" } }), amd64);
    // alpine, local, first run, second run, terminal
    expect(r.def).toHaveLength(5);
    expect(Object.keys(r.metadata[opDigest(r.def[3])].caps!)).toEqual(["exec.meta.base", "exec.mount.bind"]);
    expect(() => base.run({ args: [] })).toThrow();
    expect(() => base.run({ args: ["x"], mounts: [{ type: "tmpfs", dest: "/" }] })).toThrow(/two mounts/);
    expect(() => marshal(base.run({ args: ["x"], env: { "A=B": "1" } }))).toThrow(/environment/);
  });
});

describe("file ops", () => {
  it("chains actions with relative inputs and Go's defaults", () => {
    const base = image("alpine");
    const other = local("context");
    const st = base.file(
      mkdir("/a/b", 0o40755, { parents: true, owner: { user: "build", group: 1000 } })
        .copy(other, "pkg/", "/a/b/", { dirCopyContents: true, createDestPath: true })
        .mkfile("x/../c.txt", 0o644, "hello", { timestamp: new Date(1_700_000_000_123) })
        .copy(scratch(), "/nothing", "dest", { allowEmptyWildcard: true, allowWildcard: true, mode: 0o600 })
        .rm("/a/tmp*", { allowNotFound: true, allowWildcard: true }),
      { customName: "assemble" },
    );
    const r = marshal(st, amd64);
    const op = resultOp(r);
    expect(op.inputs).toHaveLength(2);
    expect(opByDigest(r, op.inputs[1].digest).source.identifier).toBe("local://context");
    const a = op.file.actions;
    expect(a.map((x: Any) => [x.input ?? 0, x.secondaryInput ?? 0, x.output ?? 0])).toEqual([
      [0, -1, -1],
      [2, 1, -1],
      [3, -1, -1],
      [4, -1, -1],
      [5, -1, 0],
    ]);
    expect(a[0].mkdir).toEqual({
      path: "/a/b",
      mode: 0o755,
      makeParents: true,
      owner: { user: { byName: { name: "build" } }, group: { byID: 1000 } },
      timestamp: -1,
    });
    expect(a[1].copy).toEqual({ src: "/pkg", dest: "/a/b/", mode: -1, dirCopyContents: true, createDestPath: true, timestamp: -1 });
    expect(a[2].mkfile.path).toBe("/c.txt");
    expect(Buffer.from(a[2].mkfile.data).toString()).toBe("hello");
    expect(a[2].mkfile.timestamp).toBe(1_700_000_000_123_000_000);
    expect(a[3].copy).toEqual({ src: "/nothing", dest: "/dest", mode: 0o600, allowWildcard: true, allowEmptyWildcard: true, timestamp: -1 });
    expect(a[4].rm).toEqual({ path: "/a/tmp*", allowNotFound: true, allowWildcard: true });
    const md = r.metadata[opDigest(r.def.at(-2)!)];
    expect(md).toEqual({ caps: { "file.base": true, "file.rm.wildcard": true }, description: { "llb.customname": "assemble" } });
  });

  it("uses -1 for a scratch base and for names resolved against it", () => {
    const op = resultOp(marshal(scratch().file(mkfile("f", 0o644, "", { owner: { user: "nobody" } }).mkdir("/d/", 0o755)), amd64));
    expect(op.inputs).toBeUndefined();
    expect(op.file.actions[0]).toEqual({ input: -1, secondaryInput: -1, output: -1, mkfile: { path: "/f", mode: 0o644, owner: { user: { byName: { name: "nobody", input: -1 } } }, timestamp: -1 } });
    expect(op.file.actions[1].input ?? 0).toBe(0); // relative: 0 inputs + action 0
    expect(op.file.actions[1].mkdir.path).toBe("/d");
  });

  it("deduplicates a state used as base and copy source, and keeps copy dest /.", () => {
    const base = image("alpine");
    const op = resultOp(marshal(base.file(copy(base, "/etc", "/x/.")), amd64));
    expect(op.inputs).toHaveLength(1);
    const a = op.file.actions[0];
    expect([a.input ?? 0, a.secondaryInput ?? 0, a.output ?? 0, a.copy.dest]).toEqual([0, 0, 0, "/x/."]);
    expect(() => base.file(new (mkdir("/", 0).constructor as Any)())).toThrow(/no actions/);
  });
});

describe("other sources", () => {
  it("local: attrs as JSON lists, caps, no platform", () => {
    const r = marshal(
      local("context", {
        sessionId: "sess",
        followPaths: ["melange.yaml"],
        includePatterns: ["a/**"],
        excludePatterns: ["node_modules", ".git"],
        sharedKeyHint: "context",
      }),
      amd64,
    );
    const op = decode<Any>("pb.Op", r.def[0]);
    expect(op.platform).toBeUndefined();
    expect(op.constraints).toEqual({});
    expect(op.source).toEqual({
      identifier: "local://context",
      attrs: {
        "local.excludepatterns": '["node_modules",".git"]',
        "local.followpaths": '["melange.yaml"]',
        "local.includepattern": '["a/**"]',
        "local.session": "sess",
        "local.sharedkeyhint": "context",
      },
    });
    expect(Object.keys(r.metadata[opDigest(r.def[0])].caps!)).toEqual([
      "source.local",
      "source.local.excludepatterns",
      "source.local.followpaths",
      "source.local.includepatterns",
      "source.local.sessionid",
      "source.local.sharedkeyhint",
    ]);
    expect(decode<Any>("pb.Op", marshal(local("ctx"), amd64).def[0]).source).toEqual({ identifier: "local://ctx" });
  });

  it("http: checksum, filename, octal perm, uid/gid", () => {
    const sum = "sha256:" + "c".repeat(64);
    const r = marshal(http("https://example.com/a.tar.gz", { checksum: sum, filename: "src.tgz", perm: 0o644, uid: 1, gid: 2 }), amd64);
    const op = decode<Any>("pb.Op", r.def[0]);
    expect(op.platform).toBeUndefined();
    expect(op.source).toEqual({
      identifier: "https://example.com/a.tar.gz",
      attrs: { "http.checksum": sum, "http.filename": "src.tgz", "http.gid": "2", "http.perm": "0644", "http.uid": "1" },
    });
    expect(Object.keys(r.metadata[opDigest(r.def[0])].caps!)).toEqual([
      "soruce.http.uidgid",
      "source.http",
      "source.http.checksum",
      "source.http.perm",
    ]);
    expect(() => http("https://x", { checksum: "md5:00" })).toThrow();
  });

  it.each([
    ["https://github.com/o/r.git", "v1", "git://github.com/o/r.git#v1", "https://github.com/o/r.git"],
    ["github.com/o/r", "", "git://github.com/o/r", "https://github.com/o/r"],
    ["git@github.com:o/r.git", "main", "git://github.com/o/r.git#main", "git@github.com:o/r.git"],
    ["ssh://git@host/o/r", "", "git://host/o/r", "ssh://git@host/o/r"],
  ])("git %s %s", (remote, ref, id, full) => {
    const r = marshal(git(remote, ref, { keepGitDir: true }), amd64);
    const op = decode<Any>("pb.Op", r.def[0]);
    expect(op.source.identifier).toBe(id);
    expect(op.source.attrs).toEqual({
      "git.authheadersecret": "GIT_AUTH_HEADER",
      "git.authtokensecret": "GIT_AUTH_TOKEN",
      "git.fullurl": full,
      "git.keepgitdir": "true",
    });
    expect(r.metadata[opDigest(r.def[0])].caps).toEqual({ "source.git": true, "source.git.fullurl": true, "source.git.keepgitdir": true });
  });
});

describe("definition assembly", () => {
  function graph(order: number): State {
    const envs = [
      ["B", "2"],
      ["A", "1"],
      ["C", "3"],
    ];
    const env = Object.fromEntries(order ? envs : [...envs].reverse());
    const ctx = local("context", order ? { sessionId: "s", sharedKeyHint: "context" } : { sharedKeyHint: "context", sessionId: "s" });
    const mounts: Mount[] = [
      { type: "bind", dest: "/src", source: ctx, readonly: true },
      { type: "cache", dest: "/cache", id: "c" },
      { type: "secret", dest: "/run/secrets/k", id: "k" },
    ];
    const built = image("alpine").run({ args: ["make"], env, mounts: order ? mounts : [...mounts].reverse() });
    return scratch().file(copy(built, "/out", "/pkg/"));
  }

  it("is deterministic under reordered env, attrs and mounts", () => {
    const a = marshal(graph(0), amd64);
    const b = marshal(graph(1), amd64);
    expect(a.def.map(hex)).toEqual(b.def.map(hex));
    expect(a.digest).toBe(b.digest);
    expect(JSON.stringify(a.metadata)).toBe(JSON.stringify(b.metadata));
  });

  it("orders ops after their inputs, deduplicates identical ops and merges their metadata", () => {
    const one = image("alpine", { ignoreCache: true });
    const two = image("alpine", { customName: "again" });
    const st = one.run({ args: ["x"], mounts: [{ type: "bind", dest: "/b", source: two, readonly: true }] });
    const r = marshal(st, amd64);
    expect(r.def).toHaveLength(3);
    const seen = new Set<string>();
    for (const b of r.def) {
      const op = decode<Any>("pb.Op", b);
      for (const i of op.inputs ?? []) expect(seen.has(i.digest)).toBe(true);
      seen.add(opDigest(b));
    }
    expect(r.metadata[opDigest(r.def[0])]).toEqual({
      ignore_cache: true,
      description: { "llb.customname": "again" },
      caps: { "source.image": true },
    });
    expect(r.metadata[r.digest].caps).toEqual({
      constraints: true,
      "meta.description": true,
      "meta.ignorecache": true,
      platform: true,
    });
  });

  it("lists the caps a definition uses", () => {
    const r = marshal(image("alpine").run({ args: ["x"], mounts: [{ type: "secret", dest: "/k", id: "k" }] }), amd64);
    expect(usedCaps(r)).toEqual([
      "constraints",
      "exec.meta.base",
      "exec.meta.setsdefaultpath",
      "exec.mount.bind",
      "exec.mount.secret",
      "platform",
      "source.image",
    ]);
  });

  it("round-trips through definitionToJSON and SolveRequest", () => {
    const r = marshal(graph(1).file(mkfile("/bin.dat", 0o600, new Uint8Array([0xff, 0, 1]))), amd64);
    const j = definitionToJSON(r);
    expect(j.digest).toBe(r.digest);
    expect(j.ops.map((o) => o.digest)).toEqual(r.def.map(opDigest));
    expect(j.ops.map((o) => o.metadata)).toEqual(r.def.map((b) => r.metadata[opDigest(b)]));
    const last = j.ops.at(-2)!.op as Any;
    expect(last.file.actions[0].mkfile.data).toEqual({ base64: Buffer.from([0xff, 0, 1]).toString("base64") });
    const exec = j.ops.find((o) => (o.op as Any).exec)!.op as Any;
    expect(exec.exec.meta.env).toEqual(["A=1", "B=2", "C=3"]);
    // JSON-serializable
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);

    const req = decode<Any>(
      "moby.buildkit.v1.frontend.SolveRequest",
      encode("moby.buildkit.v1.frontend.SolveRequest", { Definition: r, allowResultReturn: true }),
    );
    expect(req.Definition.def.map((b: Uint8Array) => hex(b))).toEqual(r.def.map(hex));
    expect(req.Definition.metadata).toEqual(r.metadata);
    // re-encoding each decoded op yields the same bytes (canonical form)
    for (const b of r.def) expect(hex(encode("pb.Op", decode("pb.Op", b)))).toBe(hex(b));
  });
});

