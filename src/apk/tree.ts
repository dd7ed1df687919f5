// Walk a package directory the way the data tar lists it: depth-first, each directory's names in byte
// order (like Go's fs.WalkDir), relative names, symlinks never followed. Anything that cannot go
// into a package (fifos, sockets, devices) or cannot be read is a UserError naming the path.

import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";

export interface TreeNode {
  /** relative path with "/" separators, no leading "./" */
  rel: string;
  abs: string;
  kind: "file" | "dir" | "symlink";
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** "dev:ino" for hardlink detection */
  inode: string;
  nlink: number;
}

function fail(rel: string, e: unknown): never {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : (e as Error).message;
  throw new UserError(`cannot read ${rel} in the package tree: ${reason}`);
}

function nodeOf(abs: string, rel: string): TreeNode {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch (e) {
    fail(rel, e);
  }
  let kind: TreeNode["kind"];
  if (st.isFile()) kind = "file";
  else if (st.isDirectory()) kind = "dir";
  else if (st.isSymbolicLink()) kind = "symlink";
  else {
    const what = st.isFIFO() ? "a fifo" : st.isSocket() ? "a socket" : st.isCharacterDevice() ? "a character device" : "a block device";
    throw new UserError(`${rel} in the package tree is ${what}; packages can only hold files, directories and symlinks`);
  }
  return { rel, abs, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: kind === "file" ? st.size : 0, inode: `${st.dev}:${st.ino}`, nlink: st.nlink };
}

function sortedNames(dir: string, rel: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    fail(rel || ".", e);
  }
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Every node under `root` (the root itself excluded), in data-tar order. */
export function walkTree(root: string): TreeNode[] {
  const st = fs.statSync(root, { throwIfNoEntry: false });
  if (!st?.isDirectory()) throw new UserError(`package tree ${root} is not a directory`);
  const out: TreeNode[] = [];
  const visit = (dir: string, relDir: string) => {
    for (const name of sortedNames(dir, relDir)) {
      const abs = path.join(dir, name);
      const rel = relDir ? `${relDir}/${name}` : name;
      const node = nodeOf(abs, rel);
      out.push(node);
      if (node.kind === "dir") visit(abs, rel);
    }
  };
  visit(root, "");
  return out;
}
