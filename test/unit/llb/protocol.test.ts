import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalize, decode, encode, lookup } from "../../../src/protocol.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("protocol encode/decode", () => {
  it("drops zero scalars but keeps empty messages (Go's constraints {} = 5a 00)", () => {
    const b = encode("pb.Op", {
      inputs: [],
      source: { identifier: "docker-image://docker.io/library/alpine:latest", attrs: {} },
      platform: { Architecture: "amd64", OS: "linux", Variant: "" },
      constraints: {},
    });
    expect(hex(b)).toBe(
      "1a300a2e646f636b65722d696d6167653a2f2f646f636b65722e696f2f6c6962726172792f616c70696e653a6c6174657374520e0a05616d64363412056c696e75785a00",
    );
    expect(createHash("sha256").update(b).digest("hex")).toBe(
      "665ba8b2cdc0cb0200e2a42a6b3c0f8f684089f4cd1b81494fbb9805879120f7",
    );
  });

  it("sorts map keys regardless of insertion order", () => {
    const a = encode("pb.SourceOp", { identifier: "x", attrs: { b: "2", a: "1", c: "3" } });
    const b = encode("pb.SourceOp", { identifier: "x", attrs: { c: "3", a: "1", b: "2" } });
    expect(hex(a)).toBe(hex(b));
    const keys = Object.keys(decode<{ attrs: Record<string, string> }>("pb.SourceOp", a).attrs);
    expect(keys).toEqual(["a", "b", "c"]);
  });

  it("encodes negative int64 indexes and enum names, omits false/zero", () => {
    const m = encode("pb.Mount", {
      input: -1,
      output: -1,
      dest: "/c",
      readonly: false,
      mountType: "CACHE",
      cacheOpt: { ID: "id", sharing: 0 },
    });
    const d = decode<Record<string, unknown>>("pb.Mount", m);
    expect(d).toEqual({ input: -1, output: -1, dest: "/c", mountType: 3, cacheOpt: { ID: "id" } });
    expect(hex(m).includes("2800")).toBe(false);
  });

  it("keeps zero-valued oneof members (UserOpt byID 0 = root)", () => {
    expect(hex(encode("pb.UserOpt", { byID: 0 }))).toBe("1000");
  });

  it("fills defaults only when asked", () => {
    const b = encode("moby.buildkit.v1.frontend.ReadFileRequest", { Ref: "r", FilePath: "/a" });
    expect(decode("moby.buildkit.v1.frontend.ReadFileRequest", b)).toEqual({ Ref: "r", FilePath: "/a" });
    expect(decode("moby.buildkit.v1.frontend.PongResponse", new Uint8Array(), { defaults: true })).toEqual({
      FrontendAPICaps: [],
      LLBCaps: [],
      Workers: [],
    });
  });

  it("round-trips a SolveRequest with a definition, metadata and bytes", () => {
    const op = new Uint8Array([1, 2, 3]);
    const req = {
      Definition: { def: [op], metadata: { "sha256:x": { caps: { "source.image": true }, description: { "llb.customname": "n" } } } },
      FrontendOpt: { b: "", a: "1" },
      allowResultReturn: true,
      allowResultArrayRef: true,
      Evaluate: true,
    };
    const d = decode<any>("moby.buildkit.v1.frontend.SolveRequest", encode("moby.buildkit.v1.frontend.SolveRequest", req));
    expect(Buffer.from(d.Definition.def[0])).toEqual(Buffer.from(op));
    expect(d.Definition.metadata["sha256:x"].caps).toEqual({ "source.image": true });
    // an empty-string map value is still a map entry
    expect(d.FrontendOpt).toEqual({ a: "1", b: "" });
    expect(d.Evaluate).toBe(true);
  });

  it("decodes Return errors with google.rpc.Status and resolves every service type", () => {
    const b = encode("moby.buildkit.v1.frontend.ReturnRequest", { error: { code: 2, message: "boom" } });
    expect(decode("moby.buildkit.v1.frontend.ReturnRequest", b)).toEqual({ error: { code: 2, message: "boom" } });
    const svc = lookup("moby.buildkit.v1.frontend.ReturnRequest").root.lookupService("moby.buildkit.v1.frontend.LLBBridge");
    for (const m of ["Ping", "Solve", "ReadFile", "ReadDir", "StatFile", "Return", "ResolveImageConfig", "Inputs"]) {
      expect(svc.methods[m], m).toBeDefined();
      svc.methods[m].resolve();
      expect(svc.methods[m].resolvedRequestType).toBeTruthy();
    }
  });

  it("round-trips a PongResponse with caps and workers", () => {
    const pong = {
      FrontendAPICaps: [{ ID: "solve.base", Enabled: true }],
      LLBCaps: [{ ID: "exec.mount.tmpfs.size", DisabledReason: "x" }],
      Workers: [{ ID: "w1", Labels: { b: "2", a: "1" }, platforms: [{ Architecture: "arm64", OS: "linux" }] }],
    };
    const d = decode<any>("moby.buildkit.v1.frontend.PongResponse", encode("moby.buildkit.v1.frontend.PongResponse", pong));
    expect(d).toEqual({ ...pong, Workers: [{ ...pong.Workers[0], Labels: { a: "1", b: "2" } }] });
  });

  it("canonicalize is a pure copy", () => {
    const input = { identifier: "", attrs: { z: "1", a: "2" } };
    const out = canonicalize(lookup("pb.SourceOp"), input);
    expect(out).toEqual({ attrs: { a: "2", z: "1" } });
    expect(input.identifier).toBe("");
  });
});
