// The installed-package database apk reads from a root: lib/apk/db/installed (one record per
// package: the APKINDEX lines, then r:/q:, then the package's directories and files) and
// etc/apk/world (the requested names, one per line).
//
// File lines, per apk-tools' database format:
//   F:<dir>                directory (relative to /, no slashes at the ends; "" for /)
//   M:<uid>:<gid>:<mode>   its owner and mode, only when not root:root 0755
//   R:<name>               a file (or symlink, hardlink) in the last F: directory
//   a:<uid>:<gid>:<mode>   its owner and mode, only when not root:root 0644
//   Z:Q1<base64 sha1>      its checksum (of the content, or of the link target for symlinks)
// Within a directory, files come before subdirectories; both sorted by name.

import crypto from "node:crypto";
import { formatIndexRecord } from "./apkindex.js";
import type { IndexEntry } from "./types.js";

export type InstalledFileType = "file" | "dir" | "symlink" | "hardlink" | "other";

export interface InstalledFile {
  /** path relative to the root, without leading or trailing slashes */
  path: string;
  type: InstalledFileType;
  /** permission bits incl. setuid/setgid/sticky (0o7777) */
  mode: number;
  uid: number;
  gid: number;
  /** `Q1...` or hex sha1 (the data tar's APK-TOOLS.checksum.SHA1); files and links only */
  checksum?: string;
}

export interface InstalledPackage {
  entry: IndexEntry;
  files: InstalledFile[];
}

/** `Q1` + base64(sha1(data)): apk's checksum notation. */
export function q1Sha1(data: Buffer | string): string {
  return "Q1" + crypto.createHash("sha1").update(data).digest("base64");
}

function toQ1(checksum: string): string {
  if (checksum.startsWith("Q1")) return checksum;
  return "Q1" + Buffer.from(checksum, "hex").toString("base64");
}

function cleanPath(p: string): string {
  return p.replace(/^\.?\/+/, "").replace(/\/+$/, "").replace(/\/{2,}/g, "/");
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? "" : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** Orders paths so that, within a directory, its files come first and then its subdirectories. */
function comparePaths(a: string, aDir: boolean, b: string, bDir: boolean): number {
  const as = a.split("/");
  const bs = b.split("/");
  let i = 0;
  while (i < as.length - 1 && i < bs.length - 1 && as[i] === bs[i]) i++;
  const aIsDir = i < as.length - 1 || aDir;
  const bIsDir = i < bs.length - 1 || bDir;
  if (aIsDir !== bIsDir) return aIsDir ? 1 : -1;
  if (as[i] !== bs[i]) return as[i] < bs[i] ? -1 : 1;
  // one is a prefix directory of the other: the shorter (the parent) first
  return as.length - bs.length;
}

function octal(n: number): string {
  return (n & 0o7777).toString(8);
}

/** The lines of one package's record (without the blank separator line). */
export function formatInstalledRecord(pkg: InstalledPackage): string[] {
  const e = pkg.entry;
  const lines = formatIndexRecord(e);
  if (e.replaces.length > 0) lines.push(`r:${e.replaces.join(" ")}`);
  if (e.replacesPriority) lines.push(`q:${e.replacesPriority}`);

  // Every directory that holds something is listed, including parents the tar did not name.
  const dirs = new Map<string, InstalledFile>();
  const others: InstalledFile[] = [];
  for (const f of pkg.files) {
    const path = cleanPath(f.path);
    if (path === "") continue;
    if (f.type === "dir") dirs.set(path, { ...f, path });
    else others.push({ ...f, path });
  }
  for (const f of [...others, ...dirs.values()]) {
    for (let d = dirname(f.path); d !== "" && !dirs.has(d); d = dirname(d)) {
      dirs.set(d, { path: d, type: "dir", mode: 0o755, uid: 0, gid: 0 });
    }
  }
  const all = [...dirs.values(), ...others].sort((a, b) => comparePaths(a.path, a.type === "dir", b.path, b.type === "dir"));

  let current: string | undefined;
  for (const f of all) {
    if (f.type === "dir") {
      lines.push(`F:${f.path}`);
      current = f.path;
      if ((f.mode & 0o7777) !== 0o755 || f.uid !== 0 || f.gid !== 0) lines.push(`M:${f.uid}:${f.gid}:${octal(f.mode)}`);
      continue;
    }
    const dir = dirname(f.path);
    if (dir !== current) {
      // Only files directly under / can get here before any F: line (they sort first).
      lines.push(`F:${dir}`);
      current = dir;
    }
    lines.push(`R:${basename(f.path)}`);
    if ((f.mode & 0o7777) !== 0o644 || f.uid !== 0 || f.gid !== 0) lines.push(`a:${f.uid}:${f.gid}:${octal(f.mode)}`);
    if (f.checksum) lines.push(`Z:${toQ1(f.checksum)}`);
  }
  return lines;
}

/** The whole lib/apk/db/installed text, packages in the given order. */
export function formatInstalledDb(pkgs: readonly InstalledPackage[]): string {
  return pkgs.map((p) => formatInstalledRecord(p).join("\n") + "\n\n").join("");
}

/** etc/apk/world: the requested dependency strings, sorted and deduplicated, one per line. */
export function formatWorld(names: readonly string[]): string {
  const sorted = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ""))].sort();
  return sorted.map((n) => n + "\n").join("");
}
