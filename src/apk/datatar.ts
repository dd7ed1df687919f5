// The data segment's tar, streamed from a package tree. Owners: uid/gid 1000 (the build user) become
// 0; names root/root for 0. Every mtime is SOURCE_DATE_EPOCH. Files and symlinks carry PAX
// `APK-TOOLS.checksum.SHA1` (of the content / of the link target); xattrs become `SCHILY.xattr.*`.
// A second path to an already written inode is a hardlink entry. The installed size is computed from
// content (file sizes, each inode once), never from host directory sizes, so it is the same on any FS.

import crypto from "node:crypto";
import fs from "node:fs";
import { UserError } from "../errors.js";
import { padding, TAR_EOF, tarHeader, type TarEntry } from "./tar.js";
import type { TreeNode } from "./tree.js";

const BUILD_UID = 1000;
/** Files up to this size are read once into memory; larger ones are hashed, then streamed. */
const SMALL_FILE = 4 << 20;
const CHUNK = 1 << 20;
/** Coalesce small tar pieces before handing them to the (async) sink. */
const COALESCE = 256 << 10;

export interface DataTarOptions {
  mtime: number;
  /** path -> xattr name -> raw value */
  xattrs?: Record<string, Record<string, Buffer>>;
}

function owner(id: number): number {
  return id === BUILD_UID ? 0 : id;
}

function ownerName(id: number): string {
  return id === 0 ? "root" : "";
}

function readFailure(node: TreeNode, e: unknown): never {
  if (e instanceof UserError) throw e;
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : (e as Error).message;
  throw new UserError(`cannot read ${node.rel} in the package tree: ${reason}`);
}

class Coalescer {
  private parts: Buffer[] = [];
  private len = 0;
  constructor(private readonly sink: (b: Buffer) => Promise<void>) {}
  async push(b: Buffer): Promise<void> {
    if (b.length === 0) return;
    if (b.length >= COALESCE) {
      await this.flush();
      await this.sink(b);
      return;
    }
    this.parts.push(b);
    this.len += b.length;
    if (this.len >= COALESCE) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.len === 0) return;
    const b = Buffer.concat(this.parts, this.len);
    this.parts = [];
    this.len = 0;
    await this.sink(b);
  }
}

/** Read [pos, pos+len) of an open file exactly, or fail naming the path. */
function readExactly(fd: number, node: TreeNode, pos: number, len: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) throw new UserError(`${node.rel} changed size while it was being packaged`);
    got += n;
  }
  return buf;
}

/**
 * xattrs belong to an inode, not a path: every path of a hardlinked file carries the xattrs given for
 * any of its paths (apk sets them when it writes the first path and records them for each path, so
 * `apk audit` agrees with the disk). A path that is not in the tree is an error, never silently dropped.
 */
function xattrsByInode(nodes: TreeNode[], xattrs: Record<string, Record<string, Buffer>>): Map<string, Record<string, Buffer>> {
  const byInode = new Map<string, Record<string, Buffer>>();
  const byPath = new Map(nodes.map((n) => [n.rel, n]));
  for (const [p, attrs] of Object.entries(xattrs)) {
    const node = byPath.get(p);
    if (!node) throw new UserError(`xattrs for ${p}: no such path in the package tree`);
    if (node.kind !== "file" || node.nlink < 2) continue;
    const merged = byInode.get(node.inode) ?? {};
    for (const [k, v] of Object.entries(attrs)) {
      if (merged[k] !== undefined && !merged[k].equals(v)) {
        throw new UserError(`xattr ${k} of ${p}: a different value is given for another hardlink to the same file`);
      }
      merged[k] = v;
    }
    byInode.set(node.inode, merged);
  }
  return byInode;
}

/**
 * Write the tar of `nodes` (from walkTree) to `sink`, ending with the end-of-archive blocks.
 * Returns the installed size.
 */
export async function writeDataTar(
  nodes: TreeNode[],
  opts: DataTarOptions,
  sink: (b: Buffer) => Promise<void>,
): Promise<{ installedSize: number }> {
  const out = new Coalescer(sink);
  const firstPath = new Map<string, string>();
  const inodeXattrs = xattrsByInode(nodes, opts.xattrs ?? {});
  let installedSize = 0;
  for (const node of nodes) {
    const base: Omit<TarEntry, "type" | "size"> = {
      name: node.rel,
      mode: node.mode,
      uid: owner(node.uid),
      gid: owner(node.gid),
      uname: ownerName(owner(node.uid)),
      gname: ownerName(owner(node.gid)),
      mtime: opts.mtime,
    };
    const xattrs: [string, string][] = Object.entries(inodeXattrs.get(node.inode) ?? opts.xattrs?.[node.rel] ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [`SCHILY.xattr.${k}`, v.toString("latin1")]);
    if (node.kind === "dir") {
      await out.push(tarHeader({ ...base, type: "dir", size: 0, pax: xattrs }));
      continue;
    }
    if (node.kind === "symlink") {
      let target: string;
      try {
        target = fs.readlinkSync(node.abs);
      } catch (e) {
        readFailure(node, e);
      }
      const sum = crypto.createHash("sha1").update(target).digest("hex");
      await out.push(
        tarHeader({ ...base, type: "symlink", size: 0, linkname: target, pax: [["APK-TOOLS.checksum.SHA1", sum], ...xattrs] }),
      );
      continue;
    }
    if (node.nlink > 1) {
      const first = firstPath.get(node.inode);
      if (first !== undefined) {
        await out.push(tarHeader({ ...base, type: "hardlink", size: 0, linkname: first, pax: xattrs }));
        continue;
      }
      firstPath.set(node.inode, node.rel);
    }
    installedSize += node.size;
    let fd: number;
    try {
      fd = fs.openSync(node.abs, "r");
    } catch (e) {
      readFailure(node, e);
    }
    try {
      if (node.size <= SMALL_FILE) {
        const content = readExactly(fd, node, 0, node.size);
        const sum = crypto.createHash("sha1").update(content).digest("hex");
        const header = tarHeader({ ...base, type: "file", size: node.size, pax: [["APK-TOOLS.checksum.SHA1", sum], ...xattrs] });
        await out.push(Buffer.concat([header, content, padding(node.size)]));
      } else {
        // Two passes: the checksum must precede the content in the PAX header.
        const h = crypto.createHash("sha1");
        for (let pos = 0; pos < node.size; pos += CHUNK) h.update(readExactly(fd, node, pos, Math.min(CHUNK, node.size - pos)));
        const header = tarHeader({ ...base, type: "file", size: node.size, pax: [["APK-TOOLS.checksum.SHA1", h.digest("hex")], ...xattrs] });
        await out.push(header);
        for (let pos = 0; pos < node.size; pos += CHUNK) await out.push(readExactly(fd, node, pos, Math.min(CHUNK, node.size - pos)));
        await out.push(padding(node.size));
      }
    } catch (e) {
      readFailure(node, e);
    } finally {
      fs.closeSync(fd);
    }
  }
  await out.push(TAR_EOF);
  await out.flush();
  return { installedSize };
}
