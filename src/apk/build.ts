// Build one .apk from a package tree: data segment (parallel gzip of the data tar), .PKGINFO with the
// data hash, control segment, optional signature over the compressed control segment.
// The .apk is the concatenation signature? + control + data (three independent gzip members).

import crypto from "node:crypto";
import { ParallelGzip, gzipMember } from "./gzip.js";
import { tarEntry } from "./tar.js";
import { walkTree } from "./tree.js";
import { writeDataTar } from "./datatar.js";
import { detectDependencies, mergeDependencies } from "./sca.js";
import { formatPkgInfo } from "./pkginfo.js";
import { rsaSign, signatureSegment, type SigningKey } from "./sign.js";
import { fullVersion, type PackSpec } from "./packspec.js";
import type { IndexEntry, PackageInfo } from "./types.js";

export interface ApkSegments {
  signature?: Buffer;
  control: Buffer;
  /** the compressed data segment, in pieces (it can be large) */
  data: Buffer[];
}

export interface BuiltApk {
  segments: ApkSegments;
  info: PackageInfo;
  entry: IndexEntry;
}

export interface BuildApkOptions {
  signingKey?: SigningKey;
  /**
   * Receives the compressed data segment piece by piece (in order) instead of keeping it in memory;
   * `segments.data` is then empty. The .apk is signature + control + these pieces.
   */
  dataSink?: (chunk: Buffer) => void;
}

const SCRIPTLET_FILES: [keyof Omit<PackSpec["scriptlets"], "trigger">, string][] = [
  ["preInstall", ".pre-install"],
  ["postInstall", ".post-install"],
  ["preDeinstall", ".pre-deinstall"],
  ["postDeinstall", ".post-deinstall"],
  ["preUpgrade", ".pre-upgrade"],
  ["postUpgrade", ".post-upgrade"],
];

/** `Q1` + base64(sha1(compressed control segment)): the APKINDEX `C:` field. */
export function controlChecksum(control: Buffer): string {
  return "Q1" + crypto.createHash("sha1").update(control).digest("base64");
}

/** The control tar (no end-of-archive blocks) holding .PKGINFO first, then the other files by name. */
export function controlTar(pkginfo: string, spec: PackSpec): Buffer {
  const files: { name: string; mode: number; content: Buffer }[] = [{ name: ".PKGINFO", mode: 0o644, content: Buffer.from(pkginfo) }];
  if (spec.melangeYaml) files.push({ name: ".melange.yaml", mode: 0o644, content: Buffer.from(spec.melangeYaml) });
  for (const [key, file] of SCRIPTLET_FILES) {
    const script = spec.scriptlets[key];
    if (script !== undefined) files.push({ name: file, mode: 0o755, content: Buffer.from(script) });
  }
  if (spec.scriptlets.trigger) files.push({ name: ".trigger", mode: 0o755, content: Buffer.from(spec.scriptlets.trigger.script) });
  // Byte order puts ".PKGINFO" (uppercase) before every lowercase name, as apk requires.
  files.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  return Buffer.concat(
    files.map((f) =>
      tarEntry(
        { name: f.name, type: "file", mode: f.mode, uid: 0, gid: 0, uname: "root", gname: "root", mtime: spec.sourceDateEpoch, size: f.content.length },
        f.content,
      ),
    ),
  );
}

/** Package `treeDir` as described by `spec`. */
export async function buildApkSegments(spec: PackSpec, treeDir: string, opts: BuildApkOptions = {}): Promise<BuiltApk> {
  const nodes = walkTree(treeDir);
  const version = fullVersion(spec);
  const { depends, provides } = mergeDependencies(spec, detectDependencies(nodes, version));

  const data: Buffer[] = [];
  const dataHash = crypto.createHash("sha256");
  let dataSize = 0;
  const gz = new ParallelGzip((chunk) => {
    if (opts.dataSink) opts.dataSink(chunk);
    else data.push(chunk);
    dataHash.update(chunk);
    dataSize += chunk.length;
  });
  const xattrs: Record<string, Record<string, Buffer>> = {};
  for (const [p, attrs] of Object.entries(spec.xattrs)) {
    xattrs[p.replace(/^\/+/, "")] = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, Buffer.from(v, "base64")]));
  }
  const { installedSize } = await writeDataTar(nodes, { mtime: spec.sourceDateEpoch, xattrs }, (b) => gz.write(b));
  await gz.end();

  const info: PackageInfo = {
    name: spec.name,
    version,
    arch: spec.arch,
    installedSize,
    origin: spec.origin ?? spec.name,
    description: spec.description,
    url: spec.url,
    commit: spec.commit,
    maintainer: spec.maintainer,
    buildDate: spec.sourceDateEpoch,
    licenses: spec.licenses,
    depends,
    provides,
    replaces: [...spec.dependencies.replaces],
    providerPriority: spec.dependencies.providerPriority,
    replacesPriority: spec.dependencies.replacesPriority,
    installIf: spec.installIf,
    triggers: spec.scriptlets.trigger?.paths ?? [],
    dataHash: dataHash.digest("hex"),
  };
  const control = gzipMember(controlTar(formatPkgInfo(info), spec));
  const signature = opts.signingKey
    ? signatureSegment(rsaSign(control, opts.signingKey), opts.signingKey.name, spec.sourceDateEpoch)
    : undefined;
  const size = (signature?.length ?? 0) + control.length + dataSize;
  return { segments: { signature, control, data }, info, entry: { ...info, checksum: controlChecksum(control), size } };
}

/** Package `treeDir` into one in-memory .apk. */
export async function buildApk(spec: PackSpec, treeDir: string, opts: BuildApkOptions = {}): Promise<{ bytes: Buffer; entry: IndexEntry }> {
  const built = await buildApkSegments(spec, treeDir, opts);
  const { signature, control, data } = built.segments;
  return { bytes: Buffer.concat([...(signature ? [signature] : []), control, ...data]), entry: built.entry };
}
