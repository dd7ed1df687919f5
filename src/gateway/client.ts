import { decode, encode } from "../protocol.js";
import { connectTransport, GrpcError, stdioStream, type Transport } from "./transport.js";

// A typed client for the LLBBridge service: the few calls a frontend needs.
// Field names are the wire names of our proto/ (keepCase).

const SERVICE = "/moby.buildkit.v1.frontend.LLBBridge/";
const PKG = "moby.buildkit.v1.frontend.";

export interface Platform {
  OS: string;
  Architecture: string;
  Variant?: string;
}

export interface Pong {
  frontendCaps: Set<string>;
  llbCaps: Set<string>;
  workers: { id: string; platforms: { os: string; architecture: string; variant?: string }[] }[];
}

/** The plain-object form of pb.Definition, as src/llb's marshal gives it. */
export interface DefinitionObject {
  def: Uint8Array[];
  metadata?: Record<string, unknown>;
}

export interface SolveOptions {
  definition?: DefinitionObject;
  frontend?: string;
  frontendOpt?: Record<string, string>;
  /** Build now, so that errors surface in this call instead of at export. */
  evaluate?: boolean;
}

export interface FileStat {
  path: string;
  mode: number;
  size: number;
  linkname?: string;
}

interface RawCap {
  ID?: string;
  Enabled?: boolean;
}

export class BridgeClient {
  constructor(private readonly transport: Transport) {}

  static fromStdio(): BridgeClient {
    return new BridgeClient(connectTransport(stdioStream()));
  }

  private async call<T>(method: string, reqType: string, resType: string, req: object): Promise<T> {
    const bytes = await this.transport.unary(SERVICE + method, encode(PKG + reqType, req));
    return decode<T>(PKG + resType, bytes);
  }

  async ping(): Promise<Pong> {
    type Raw = {
      FrontendAPICaps?: RawCap[];
      LLBCaps?: RawCap[];
      Workers?: { ID?: string; platforms?: { OS?: string; Architecture?: string; Variant?: string }[] }[];
    };
    const r = await this.call<Raw>("Ping", "PingRequest", "PongResponse", {});
    const caps = (l?: RawCap[]) => new Set((l ?? []).filter((c) => c.Enabled).map((c) => c.ID ?? ""));
    return {
      frontendCaps: caps(r.FrontendAPICaps),
      llbCaps: caps(r.LLBCaps),
      workers: (r.Workers ?? []).map((w) => ({
        id: w.ID ?? "",
        platforms: (w.platforms ?? []).map((p) => ({
          os: p.OS ?? "",
          architecture: p.Architecture ?? "",
          ...(p.Variant ? { variant: p.Variant } : {}),
        })),
      })),
    };
  }

  /** Solves and returns the result's ref id ("" = an empty result). */
  async solve(o: SolveOptions): Promise<string> {
    type Raw = { ref?: string; result?: { ref?: { id?: string }; refDeprecated?: string } };
    const r = await this.call<Raw>("Solve", "SolveRequest", "SolveResponse", {
      Definition: o.definition,
      Frontend: o.frontend,
      FrontendOpt: o.frontendOpt,
      allowResultReturn: true,
      allowResultArrayRef: true,
      Evaluate: o.evaluate,
    });
    return r.result?.ref?.id ?? r.result?.refDeprecated ?? r.ref ?? "";
  }

  async readFile(ref: string, path: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const r = await this.call<{ Data?: Uint8Array }>("ReadFile", "ReadFileRequest", "ReadFileResponse", {
      Ref: ref,
      FilePath: path,
      Range: range ? { Offset: range.offset, Length: range.length } : undefined,
    });
    return Buffer.from(r.Data ?? new Uint8Array());
  }

  /** Reads a whole file in chunks, so that no single message nears the 4 MiB limit. */
  async readWholeFile(ref: string, path: string, size: number, chunk = 1 << 20): Promise<Buffer> {
    if (size <= chunk) return this.readFile(ref, path);
    const parts: Buffer[] = [];
    for (let off = 0; off < size; off += chunk) {
      parts.push(await this.readFile(ref, path, { offset: off, length: Math.min(chunk, size - off) }));
    }
    return Buffer.concat(parts);
  }

  async statFile(ref: string, path: string): Promise<FileStat | undefined> {
    try {
      const r = await this.call<{ stat?: { path?: string; mode?: number; size?: number; linkname?: string } }>(
        "StatFile",
        "StatFileRequest",
        "StatFileResponse",
        { Ref: ref, Path: path },
      );
      if (!r.stat) return undefined;
      return { path: r.stat.path ?? path, mode: r.stat.mode ?? 0, size: Number(r.stat.size ?? 0), linkname: r.stat.linkname };
    } catch (e) {
      if (e instanceof GrpcError) return undefined; // not found (the engine says so with an UNKNOWN error)
      throw e;
    }
  }

  async readDir(ref: string, path: string): Promise<FileStat[]> {
    type RawStat = { path?: string; mode?: number; size?: number; linkname?: string };
    const r = await this.call<{ entries?: RawStat[] }>("ReadDir", "ReadDirRequest", "ReadDirResponse", {
      Ref: ref,
      DirPath: path,
    });
    return (r.entries ?? []).map((s) => ({ path: s.path ?? "", mode: s.mode ?? 0, size: Number(s.size ?? 0), linkname: s.linkname }));
  }

  /** Returns the build's result: a ref (and metadata) or an error the user sees. */
  async return(result: { ref: string; metadata?: Record<string, Uint8Array> } | { error: { code: number; message: string } }): Promise<void> {
    const req =
      "error" in result
        ? { error: { code: result.error.code, message: result.error.message } }
        : { result: { ref: { id: result.ref }, metadata: result.metadata } };
    await this.call("Return", "ReturnRequest", "ReturnResponse", req);
  }

  close(): void {
    this.transport.close();
  }
}
