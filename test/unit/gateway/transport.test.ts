import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTransport, GrpcError, unframe, type Transport } from "../../../src/gateway/transport.js";
import { BridgeClient } from "../../../src/gateway/client.js";
import { decode, encode } from "../../../src/protocol.js";
import { parseFrontendOpts } from "../../../src/frontend/opts.js";

// A stand-in for buildkitd's side of the pipe: an h2c server answering LLBBridge calls the way grpc-go does
// (length-prefixed messages, status in trailers, or in the headers for trailers-only errors).

const PKG = "moby.buildkit.v1.frontend.";
let server: http2.Http2Server;
let port = 0;
const seen: { path: string; body: Buffer }[] = [];

function frame(msg: Uint8Array): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(msg.length, 1);
  return Buffer.concat([h, msg]);
}

beforeAll(async () => {
  server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const path = String(headers[":path"]);
      const body = unframe(Buffer.concat(chunks))[0] ?? Buffer.alloc(0);
      seen.push({ path, body });
      const method = path.split("/").pop();
      if (method === "ReadFile") {
        const req = decode<{ FilePath: string }>(PKG + "ReadFileRequest", body);
        if (req.FilePath === "missing") {
          stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "2", "grpc-message": encodeURIComponent("open missing: no such file") }, { endStream: true });
          return;
        }
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(frame(encode(PKG + "ReadFileResponse", { Data: Buffer.from(`contents of ${req.FilePath}`) })));
        return;
      }
      if (method === "Solve") {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(frame(encode(PKG + "SolveResponse", { result: { ref: { id: "ref-1" } } })));
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "3", "grpc-message": "bad%20request" }));
      stream.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => server.close());

function client(): { t: Transport; c: BridgeClient } {
  const t = connectTransport(net.connect(port, "127.0.0.1"));
  return { t, c: new BridgeClient(t) };
}

describe("gRPC over a byte stream", () => {
  it("makes unary calls and decodes the answer", async () => {
    const { t, c } = client();
    expect((await c.readFile("r", "melange.yaml")).toString()).toBe("contents of melange.yaml");
    expect(await c.solve({ definition: { def: [] } })).toBe("ref-1");
    // Solve always asks for the result to be returned, as an array-capable ref.
    const solve = seen.find((s) => s.path.endsWith("/Solve"))!;
    expect(solve.path).toBe("/moby.buildkit.v1.frontend.LLBBridge/Solve");
    expect(decode<{ allowResultReturn: boolean; allowResultArrayRef: boolean }>(PKG + "SolveRequest", solve.body)).toMatchObject({ allowResultReturn: true, allowResultArrayRef: true });
    t.close();
  });

  it("turns error statuses into GrpcError, from trailers and from trailers-only responses", async () => {
    const { t, c } = client();
    await expect(c.readFile("r", "missing")).rejects.toMatchObject({ code: 2, details: "open missing: no such file" });
    await expect(c.readDir("r", "/")).rejects.toBeInstanceOf(GrpcError);
    await expect(c.readDir("r", "/")).rejects.toMatchObject({ code: 3, details: "bad request" });
    expect(await c.statFile("r", "x")).toBeUndefined();
    t.close();
  });

  it("splits framed messages and refuses broken frames", () => {
    const two = Buffer.concat([frame(Buffer.from("ab")), frame(Buffer.from("c"))]);
    expect(unframe(two).map((b) => b.toString())).toEqual(["ab", "c"]);
    expect(() => unframe(two.subarray(0, 6))).toThrow(/truncated/);
    expect(() => unframe(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
  });
});

describe("frontend opts", () => {
  it("reads BUILDKIT_FRONTEND_OPT_* in any order, build-args, the filename and the session", () => {
    const o = parseFrontendOpts({
      BUILDKIT_FRONTEND_OPT_3: "build-arg:A=x=y",
      BUILDKIT_FRONTEND_OPT_0: "source=melange-ts/frontend",
      BUILDKIT_FRONTEND_OPT_1: "no-cache=",
      BUILDKIT_FRONTEND_OPT_2: "platform=linux/arm64",
      BUILDKIT_SESSION_ID: "sess",
      HOME: "/root",
    });
    expect(o.buildArgs).toEqual({ A: "x=y" });
    expect(o.filename).toBe("melange.yaml");
    expect(o.source).toBe("melange-ts/frontend");
    expect(o.sessionId).toBe("sess");
    expect(o.platforms).toEqual(["linux/arm64"]);
    expect(o.noCache).toBe(true);
    expect(parseFrontendOpts({ BUILDKIT_FRONTEND_OPT_0: "filename=other.yaml" }).filename).toBe("other.yaml");
  });
});
