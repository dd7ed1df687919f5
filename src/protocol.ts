// Protobuf encoding of BuildKit's wire messages (proto/*.proto, precompiled to src/gen/proto.ts).
// encode() canonicalizes like Go's gogo stable marshaler so bytes (and thus LLB digests) are
// deterministic: fields in ascending number order, proto3 zero values omitted, map keys sorted.
import protobuf from "protobufjs";
import { protoJSON } from "./gen/proto.js";

let root: protobuf.Root | undefined;

/** The protobufjs Root for every message in proto/, built once from the precompiled JSON. */
export function protoRoot(): protobuf.Root {
  if (!root) {
    root = protobuf.Root.fromJSON(protoJSON as unknown as protobuf.INamespace);
    root.resolveAll();
  }
  return root;
}

const types = new Map<string, protobuf.Type>();

/** A message type by its full name, e.g. "pb.Op" or "moby.buildkit.v1.frontend.SolveRequest". */
export function lookup(typeName: string): protobuf.Type {
  let t = types.get(typeName);
  if (!t) {
    t = protoRoot().lookupType(typeName);
    types.set(typeName, t);
  }
  return t;
}

/**
 * Encodes a plain object (field names as in proto/, enums as numbers or names, int64 as numbers,
 * bytes as Uint8Array). Zero/empty scalars, empty lists and empty maps are dropped (proto3 would not
 * send them); members of a oneof and message fields are kept even when zero/empty, as Go does.
 */
export function encode(typeName: string, value: object): Uint8Array {
  const t = lookup(typeName);
  return t.encode(t.fromObject(canonicalize(t, value as Record<string, unknown>))).finish();
}

export interface DecodeOptions {
  /** Fill absent scalar/list/map fields with their defaults (off: absent fields stay absent). */
  defaults?: boolean;
}

/**
 * Decodes bytes into a plain object: int64 as numbers, enums as numbers, bytes as Buffer/Uint8Array.
 * Absent fields are left out unless `defaults` is set.
 */
export function decode<T = Record<string, unknown>>(typeName: string, bytes: Uint8Array, opts: DecodeOptions = {}): T {
  const t = lookup(typeName);
  const d = !!opts.defaults;
  return t.toObject(t.decode(bytes), { longs: Number, enums: Number, defaults: d, arrays: d, objects: d }) as T;
}

/** Copy of `value` with zero values stripped and map keys sorted, recursively (see encode). */
export function canonicalize(type: protobuf.Type, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    field.resolve();
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.map) {
      const keys = Object.keys(v as object).sort();
      if (keys.length === 0) continue;
      const m: Record<string, unknown> = {};
      for (const k of keys) {
        const e = (v as Record<string, unknown>)[k];
        m[k] = sub ? canonicalize(sub, e as Record<string, unknown>) : e;
      }
      out[field.name] = m;
    } else if (field.repeated) {
      const a = v as unknown[];
      if (a.length === 0) continue;
      out[field.name] = sub ? a.map((e) => canonicalize(sub, e as Record<string, unknown>)) : a;
    } else if (sub) {
      out[field.name] = canonicalize(sub, v as Record<string, unknown>);
    } else if (field.partOf || !isZero(field, v)) {
      out[field.name] = v;
    }
  }
  return out;
}

function isZero(field: protobuf.Field, v: unknown): boolean {
  if (v === 0 || v === "" || v === false) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  // 64-bit integers may be given as decimal strings.
  if (typeof v === "string" && /int64|fixed64/.test(field.type)) return /^-?0+$/.test(v);
  if (typeof v === "string" && field.resolvedType instanceof protobuf.Enum) return field.resolvedType.values[v] === 0;
  if (typeof v === "object" && v !== null && "low" in v && "high" in v) {
    const l = v as { low: number; high: number };
    return l.low === 0 && l.high === 0;
  }
  return false;
}

/** gRPC service name of the gateway API and the path of one of its methods. */
export const LLB_BRIDGE = "moby.buildkit.v1.frontend.LLBBridge";
export function llbBridgeMethod(rpc: string): string {
  return `/${LLB_BRIDGE}/${rpc}`;
}
