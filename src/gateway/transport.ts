import http2 from "node:http2";
import { Duplex } from "node:stream";

// gRPC over the process's own stdin/stdout: buildkitd serves HTTP/2 (h2c, prior knowledge) on that pipe pair
// and we are the client. Unary calls only: a POST per call, a 5-byte frame header per message, the status in
// the trailers. No grpc-js: it cannot use a custom stream, costs ~150 ms to load, and caps messages at 4 MiB.

export class GrpcError extends Error {
  override readonly name = "GrpcError";
  constructor(readonly code: number, readonly details: string, readonly method: string) {
    super(`${method}: ${details} (grpc status ${code})`);
  }
}

export interface Transport {
  unary(path: string, request: Uint8Array): Promise<Buffer>;
  close(): void;
}

function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Splits a gRPC response body into its messages (we expect exactly one for unary calls). */
export function unframe(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 5 <= body.length) {
    if (body[off] !== 0) throw new Error("compressed gRPC messages are not supported");
    const len = body.readUInt32BE(off + 1);
    if (off + 5 + len > body.length) throw new Error("truncated gRPC message");
    out.push(body.subarray(off + 5, off + 5 + len));
    off += 5 + len;
  }
  if (off !== body.length) throw new Error("trailing bytes after gRPC message");
  return out;
}

function decodeGrpcMessage(v: unknown): string {
  if (typeof v !== "string") return "";
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** A transport over any duplex byte stream (stdio in production, a socket pair in tests). */
export function connectTransport(stream: Duplex): Transport {
  const session = http2.connect("http://localhost", { createConnection: () => stream as never });
  // Errors on the session surface through the pending calls; never let them crash the process.
  session.on("error", () => {});
  return {
    unary(path, request) {
      return new Promise<Buffer>((resolve, reject) => {
        const req = session.request({
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
        });
        const chunks: Buffer[] = [];
        let status: string | undefined;
        let message = "";
        const takeStatus = (h: http2.IncomingHttpHeaders) => {
          if (h["grpc-status"] !== undefined) {
            status = String(h["grpc-status"]);
            message = decodeGrpcMessage(h["grpc-message"]);
          }
        };
        req.on("response", takeStatus); // trailers-only responses carry the status in the headers
        req.on("trailers", takeStatus);
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("error", (e) => reject(e));
        req.on("end", () => {
          if (status === undefined) return reject(new GrpcError(2, "no grpc-status in response", path));
          if (status !== "0") return reject(new GrpcError(Number(status), message, path));
          try {
            const msgs = unframe(Buffer.concat(chunks));
            resolve(msgs[0] ?? Buffer.alloc(0));
          } catch (e) {
            reject(e);
          }
        });
        req.end(frame(request));
      });
    },
    close() {
      session.close();
    },
  };
}

/** The frontend's stdio pair as one duplex stream. */
export function stdioStream(): Duplex {
  // EPIPE and friends after Return must not turn a finished build into exit code 1.
  process.stdin.on("error", () => {});
  process.stdout.on("error", () => {});
  return Duplex.from({ readable: process.stdin, writable: process.stdout });
}
