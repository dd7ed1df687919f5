// Human-readable dump of a Definition (for `compile --llb`): every op decoded, with its digest and metadata.
import { decode } from "../protocol.js";
import { opDigest, type Definition } from "./marshal.js";
import type { OpMetadata } from "./pb.js";

export interface DecodedOp {
  digest: string;
  op: Record<string, unknown>;
  metadata?: OpMetadata;
}

export interface DefinitionJSON {
  /** Digest of the terminal op (the last entry of def). */
  digest: string;
  ops: DecodedOp[];
}

/** Decodes every op; byte fields become UTF-8 text when they are valid text, else {base64}. */
export function definitionToJSON(def: Definition | Uint8Array[]): DefinitionJSON {
  const d: Definition = Array.isArray(def) ? { def, metadata: {} } : def;
  const ops = d.def.map((bytes) => {
    const digest = opDigest(bytes);
    const op = printable(decode("pb.Op", bytes)) as Record<string, unknown>;
    const md = d.metadata[digest];
    return md ? { digest, op, metadata: md } : { digest, op };
  });
  return { digest: ops.length > 0 ? ops[ops.length - 1].digest : "", ops };
}

function printable(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    const text = Buffer.from(v).toString("utf8");
    return Buffer.from(text, "utf8").equals(Buffer.from(v)) ? text : { base64: Buffer.from(v).toString("base64") };
  }
  if (Array.isArray(v)) return v.map(printable);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, printable(x)]));
  }
  return v;
}
