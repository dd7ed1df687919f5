// Turns a State into a BuildKit Definition: every op reachable from it, dependencies first, deduplicated
// by digest, then the terminal op pointing at the result. Digests are sha256 of the exact op bytes.
import { createHash } from "node:crypto";
import { encode } from "../protocol.js";
import type { OpMetadata, PbInput, PbOp } from "./pb.js";
import type { MarshalContext, Platform, State, Vertex } from "./state.js";

export interface MarshalOptions {
  /** Platform of every op except non-image sources. Default linux/amd64. */
  platform?: Platform;
  /** Rebuild everything: ignore_cache on every op (what `docker build --no-cache` asks of a frontend). */
  ignoreCache?: boolean;
}

/** The plain-object form of pb.Definition, ready for SolveRequest.Definition. */
export interface Definition {
  def: Uint8Array[];
  metadata: Record<string, OpMetadata>;
}

export interface MarshalResult extends Definition {
  /** Digest of the terminal op ("" for scratch, whose definition is empty). */
  digest: string;
}

export function opDigest(bytes: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}

export function marshal(state: State, opts: MarshalOptions = {}): MarshalResult {
  const out = state.output;
  if (!out) return { def: [], metadata: {}, digest: "" };
  const platform = opts.platform ?? { os: "linux", architecture: "amd64" };
  const digests = new Map<Vertex, string>();
  const def: Uint8Array[] = [];
  const metadata = new Map<string, OpMetadata>();
  const ctx: MarshalContext = {
    platform,
    input(o): PbInput {
      const digest = digests.get(o.vertex);
      if (!digest) throw new Error("llb: input marshalled out of order");
      return { digest, index: o.index };
    },
  };

  const visit = (v: Vertex): void => {
    if (digests.has(v)) return;
    for (const i of v.inputs) visit(i.vertex);
    const { op, caps } = v.marshal(ctx);
    const full: PbOp = {
      ...op,
      platform: v.platformSpecific
        ? { Architecture: platform.architecture, OS: platform.os, Variant: platform.variant }
        : undefined,
      constraints: {},
    };
    const bytes = encode("pb.Op", full);
    const digest = opDigest(bytes);
    digests.set(v, digest);
    const prev = metadata.get(digest);
    if (!prev) def.push(bytes);
    metadata.set(digest, mergeMetadata(prev, vertexMetadata(v, caps, opts.ignoreCache)));
  };
  visit(out.vertex);

  const terminal = encode("pb.Op", { inputs: [ctx.input(out)] });
  const digest = opDigest(terminal);
  def.push(terminal);
  const termCaps: Record<string, boolean> = { constraints: true, platform: true };
  for (const m of metadata.values()) {
    if (m.ignore_cache) termCaps["meta.ignorecache"] = true;
    if (m.description) termCaps["meta.description"] = true;
  }
  metadata.set(digest, mergeMetadata(metadata.get(digest), { caps: termCaps }));

  const sorted: Record<string, OpMetadata> = {};
  for (const k of [...metadata.keys()].sort()) sorted[k] = metadata.get(k)!;
  return { def, metadata: sorted, digest };
}

function vertexMetadata(v: Vertex, caps: string[], ignoreCache = false): OpMetadata {
  const md: OpMetadata = { caps: Object.fromEntries(caps.map((c) => [c, true])) };
  if (v.options.ignoreCache || ignoreCache) md.ignore_cache = true;
  if (v.options.customName) md.description = { "llb.customname": v.options.customName };
  return md;
}

/** Two identical ops (same digest) share one metadata entry: union of flags, names and caps. */
function mergeMetadata(a: OpMetadata | undefined, b: OpMetadata): OpMetadata {
  if (!a) return normalizeMetadata(b);
  return normalizeMetadata({
    ignore_cache: a.ignore_cache || b.ignore_cache || undefined,
    description: a.description || b.description ? { ...a.description, ...b.description } : undefined,
    caps: { ...a.caps, ...b.caps },
  });
}

function normalizeMetadata(m: OpMetadata): OpMetadata {
  const out: OpMetadata = {};
  if (m.ignore_cache) out.ignore_cache = true;
  if (m.description) out.description = sortKeys(m.description);
  if (m.caps && Object.keys(m.caps).length > 0) out.caps = sortKeys(m.caps);
  return out;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/** Every LLB cap a definition relies on, sorted: compare with PongResponse.LLBCaps before solving. */
export function usedCaps(def: Definition): string[] {
  const caps = new Set<string>();
  for (const m of Object.values(def.metadata)) for (const [c, on] of Object.entries(m.caps ?? {})) if (on) caps.add(c);
  return [...caps].sort();
}
