// Path handling for ops: everything the engine sees is absolute and clean, like Go's path.Clean.
import { posix } from "node:path";

/** Clean absolute form of `p` (relative paths are taken from "/"); no trailing slash except "/". */
export function absPath(p: string): string {
  const n = posix.normalize(posix.join("/", p));
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

/** absPath, but a trailing "/" or "/." in the input is kept (copy destinations: "into this dir"). */
export function absDestPath(p: string): string {
  let n = absPath(p);
  if (p.endsWith("/") && !n.endsWith("/")) n += "/";
  else if (p.endsWith("/.")) n = (n === "/" ? "/" : n + "/") + ".";
  return n;
}
