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
  /** A file whose text becomes .melange.yaml (instead of the spec's melangeYaml): one shared file keeps the
   *  frontend's Solve request small when a build has hundreds of packages. */
  melangeYamlFile?: string;
}

export async function pack(opts: PackOptions): Promise<{ file: string; entry: IndexEntry }> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(opts.specFile, "utf8"));
  } catch (e) {
    throw new UserError(`cannot read pack spec ${opts.specFile}: ${(e as Error).message}`);
  }
  const spec = parsePackSpec(json, opts.specFile);
  if (opts.melangeYamlFile) {
    try {
      spec.melangeYaml = fs.readFileSync(opts.melangeYamlFile, "utf8");
    } catch (e) {
      throw new UserError(`cannot read ${opts.melangeYamlFile}: ${(e as Error).message}`);
    }
  }
  const key = opts.signingKey ? loadSigningKey(opts.signingKey, opts.keyName) : undefined;
  const dir = path.join(opts.out, spec.arch);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, apkFileName(spec));
  // The data segment is written first (it must exist before .PKGINFO can carry its hash) to a side
  // file, so memory stays flat; then signature + control + data become the .apk, renamed into place.
  const dataTmp = `${file}.data-${process.pid}`;
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const dataFd = fs.openSync(dataTmp, "w", 0o600);
    let built;
    try {
      built = await buildApkSegments(spec, opts.tree, { signingKey: key, dataSink: (chunk) => void fs.writeSync(dataFd, chunk) });
    } finally {
      fs.closeSync(dataFd);
    }
    const fd = fs.openSync(tmp, "w", 0o644);
    try {
      const { signature, control } = built.segments;
      for (const b of [...(signature ? [signature] : []), control]) fs.writeSync(fd, b);
      appendFile(fd, dataTmp);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return { file, entry: built.entry };
  } finally {
    fs.rmSync(dataTmp, { force: true });
    fs.rmSync(tmp, { force: true });
  }
}

function appendFile(fd: number, src: string): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  const inFd = fs.openSync(src, "r");
  try {
    for (let n; (n = fs.readSync(inFd, buf, 0, buf.length, null)) > 0; ) fs.writeSync(fd, buf, 0, n);
  } finally {
    fs.closeSync(inFd);
  }
}
