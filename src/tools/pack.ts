// The in-graph packaging tool: one melange-out/<pkg> tree + its PackSpec -> <out>/<arch>/<name>-<ver>-r<epoch>.apk,
// signed when a key is mounted. Runs on our own image inside an ExecOp.

import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import { buildApkSegments } from "../apk/build.js";
import { apkFileName, parsePackSpec } from "../apk/packspec.js";
import { loadSigningKey } from "../apk/keys.js";
import type { IndexEntry } from "../apk/types.js";

export interface PackOptions {
  specFile: string;
  tree: string;
  out: string;
  signingKey?: string;
  keyName?: string;
}

export async function pack(opts: PackOptions): Promise<{ file: string; entry: IndexEntry }> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(opts.specFile, "utf8"));
  } catch (e) {
    throw new UserError(`cannot read pack spec ${opts.specFile}: ${(e as Error).message}`);
  }
  const spec = parsePackSpec(json, opts.specFile);
  const key = opts.signingKey ? loadSigningKey(opts.signingKey, opts.keyName) : undefined;
  const built = await buildApkSegments(spec, opts.tree, { signingKey: key });
  const dir = path.join(opts.out, spec.arch);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, apkFileName(spec));
  // Write beside the target, then rename: a half-written .apk never appears under its final name.
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w", 0o644);
  try {
    const { signature, control, data } = built.segments;
    for (const b of [...(signature ? [signature] : []), control, ...data]) fs.writeSync(fd, b);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return { file, entry: built.entry };
}
