import { spawnSync } from "node:child_process";
// The in-graph installer: unpack a set of already-downloaded .apk files into a root directory the
// way apko does (no scriptlets run), and write the apk database so `apk` works in the result.
// Each package is checked against its APKINDEX entry (C: = sha1 of the control segment) and, unless
// untrusted packages are allowed, its signature against the keyring. Paths in packages are resolved
// inside the root (absolute symlinks such as /lib -> usr/lib point into the root, never out of it).
// The result is deterministic: the same packages give the same tree, mtimes from the packages.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import { memberEntries, readApk, verifyApk } from "../apk/read.js";
import type { Keyring } from "../apk/sign.js";
import type { ReadTarEntry } from "../apk/tar-read.js";
import type { IndexEntry, PackageInfo } from "../apk/types.js";
import { parseConstraint } from "../apk/constraint.js";
import { formatInstalledDb, formatWorld, q1Sha1, type InstalledFile, type InstalledPackage } from "../apk/installed.js";

export interface InstallOptions {
  /** the directory to install into (created if missing) */
  root: string;
  /** trusted public keys, by file name; also copied to etc/apk/keys */
  keyring: Keyring;
  allowUntrusted: boolean;
  /** the repositories' index entries, first repository first; empty = no index check */
  index: IndexEntry[];
  /** the .apk files, by file name */
  packages: { file: string; bytes: Buffer }[];
  /** etc/apk/world; default: the names of the installed packages */
  world?: string[];
  /** etc/apk/repositories lines */
  repositories?: string[];
  /** change ownership as the packages say (needs root); default: when running as root */
  chown?: boolean;
  /** called with one line per notable event (skipped device nodes, ...) */
  log?: (line: string) => void;
}

export interface InstallResult {
  installed: IndexEntry[];
}

const SHA1_PAX = "APK-TOOLS.checksum.SHA1";
const BUILD_UID = 1000;

/** Splits a tar member name into safe components; refuses absolute escapes and `..` above the root. */
function pathComponents(name: string, what: string): string[] {
  const out: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) throw new UserError(`${what}: path "${name}" escapes the root`);
      out.pop();
    } else out.push(part);
  }
  return out;
}

/** A root directory in which paths are resolved like a chroot: symlinks are followed inside it. */
class Root {
  private readonly dirCache = new Map<string, string>();
  /** directories created implicitly (as parents), with the mtime they should end up with */
  readonly created = new Map<string, number>();
  constructor(readonly dir: string) {}

  /**
   * The host path of `components`' parent directory after following symlinks inside the root,
   * plus the final component (not followed). Missing parent directories are created (0755).
   */
  parentOf(components: string[], mtime: number): { dir: string; base: string } {
    const parentKey = components.slice(0, -1).join("/");
    let dir = this.dirCache.get(parentKey);
    if (dir === undefined) {
      dir = this.resolveDir(components.slice(0, -1), mtime);
      this.dirCache.set(parentKey, dir);
    }
    return { dir, base: components[components.length - 1] };
  }

  /** Forget cached resolutions (after a symlink or directory is replaced). */
  invalidate(): void {
    this.dirCache.clear();
  }

  /** Host path of a directory given by in-root components, following symlinks within the root. */
  resolveDir(components: string[], mtime: number): string {
    const todo = [...components];
    const stack: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === "" || part === ".") continue;
      if (part === "..") {
        stack.pop();
        continue;
      }
      const host = path.join(this.dir, ...stack, part);
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(host);
      } catch {
        st = undefined;
      }
      if (st === undefined) {
        fs.mkdirSync(host, { mode: 0o755 });
        this.created.set(host, mtime);
        stack.push(part);
      } else if (st.isSymbolicLink()) {
        if (++links > 40) throw new UserError(`too many levels of symbolic links at /${[...stack, part].join("/")}`);
        const target = fs.readlinkSync(host);
        if (target.startsWith("/")) stack.length = 0;
        todo.unshift(...target.split("/"));
      } else if (st.isDirectory()) {
        stack.push(part);
      } else {
        throw new UserError(`/${[...stack, part].join("/")} is not a directory`);
      }
    }
    return path.join(this.dir, ...stack);
  }
}

/** Removes whatever is at `p` unless it is a directory (returns true if a directory is there). */
function clearForNonDir(p: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return;
  }
  if (st.isDirectory()) throw new UserError(`${what}: cannot replace directory ${p} with a file`);
  fs.unlinkSync(p);
}

interface PendingDir {
  host: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

function typeOf(e: ReadTarEntry): InstalledFile["type"] {
  switch (e.typeflag) {
    case "0":
    case "\0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "dir";
    default:
      return "other";
  }
}

/**
 * Extended attributes from the package (PAX SCHILY.xattr.*, e.g. setcap's security.capability), set as apk does.
 * Node cannot set xattrs, so this uses setfattr (Debian's attr, in our image); without it they are skipped, said.
 */
function setXattrs(host: string, pax: Record<string, string>, what: string, log?: (l: string) => void): void {
  for (const [k, v] of Object.entries(pax)) {
    if (!k.startsWith("SCHILY.xattr.")) continue;
    const name = k.slice("SCHILY.xattr.".length);
    const value = "0x" + Buffer.from(v, "latin1").toString("hex");
    const r = spawnSync("setfattr", ["-h", "-n", name, "-v", value, host], { encoding: "utf8" });
    if (r.error) {
      log?.(`${what}: extended attribute ${name} not set (setfattr: ${r.error.message})`);
    } else if (r.status !== 0) {
      throw new UserError(`${what}: cannot set extended attribute ${name}: ${r.stderr.trim()}`);
    }
  }
}

/** Checks one .apk against the index and keyring; returns the entry for the installed db. */
function checkPackage(file: string, bytes: Buffer, opts: InstallOptions, byId: Map<string, IndexEntry>): { entry: IndexEntry; data: Buffer } {
  const apk = readApk(bytes, file);
  const info: PackageInfo = apk.info;
  const checksum = "Q1" + crypto.createHash("sha1").update(apk.segments.control).digest("base64");
  let entry: IndexEntry = { ...info, checksum, size: bytes.length };
  if (opts.index.length > 0) {
    const indexed = byId.get(`${info.name}-${info.version}`);
    if (!indexed) throw new UserError(`${file}: ${info.name}-${info.version} is not in any of the indexes`);
    if (indexed.checksum !== checksum) {
      throw new UserError(`${file}: control checksum ${checksum} does not match the index entry (${indexed.checksum})`);
    }
    // APKINDEX records carry no replaces (r:); the package's own .PKGINFO does, and file ownership needs them.
    entry = { ...indexed, replaces: info.replaces, replacesPriority: info.replacesPriority };
  }
  if (!opts.allowUntrusted) {
    verifyApk(bytes, opts.keyring, file);
  } else {
    // Still refuse corrupted data even when the signer is not checked.
    const hash = crypto.createHash("sha256").update(apk.segments.data).digest("hex");
    if (info.dataHash && hash !== info.dataHash) throw new UserError(`${file}: datahash mismatch`);
  }
  return { entry, data: apk.segments.data };
}

/** Installs the packages into opts.root. Throws UserError on any bad package or path. */
export function installPackages(opts: InstallOptions): InstallResult {
  const log = opts.log ?? (() => {});
  const chown = opts.chown ?? process.getuid?.() === 0;
  fs.mkdirSync(opts.root, { recursive: true });
  const root = new Root(fs.realpathSync(opts.root));

  const byId = new Map<string, IndexEntry>();
  for (const e of opts.index) if (!byId.has(`${e.name}-${e.version}`)) byId.set(`${e.name}-${e.version}`, e);

  const checked = [...opts.packages]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((p) => ({ file: p.file, ...checkPackage(p.file, p.bytes, opts, byId) }));
  checked.sort((a, b) => (a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0));
  for (let i = 1; i < checked.length; i++) {
    if (checked[i].entry.name === checked[i - 1].entry.name) {
      throw new UserError(`two versions of ${checked[i].entry.name}: ${checked[i - 1].file} and ${checked[i].file}`);
    }
  }

  const ordered = dependencyOrder(checked);

  // Which package owns each non-directory path, to detect conflicts apk would refuse.
  // The owner's file list is kept so that a replaced file moves to its new owner in the installed db (as apk
  // records it): otherwise removing the replaced package later would delete the replacing one's file.
  const owners = new Map<string, { entry: IndexEntry; checksum?: string; files: InstalledFile[] }>();
  const dirs = new Map<string, PendingDir>();
  const records: InstalledPackage[] = [];
  let newest = 0;

  for (const { file, entry, data } of ordered) {
    newest = Math.max(newest, entry.buildDate);
    const files: InstalledFile[] = [];
    const checksums = new Map<string, string>();
    const entries = memberEntries(data, `${file} data segment`);
    for (const e of entries) {
      const parts = pathComponents(e.name, file);
      if (parts.length === 0) continue;
      const rel = parts.join("/");
      const type = typeOf(e);
      const mode = e.mode & 0o7777;
      const what = `${file}: ${rel}`;
      if (type === "other") {
        log(`${what}: skipping special file (type ${JSON.stringify(e.typeflag)})`);
        continue;
      }
      let checksum: string | undefined = e.pax[SHA1_PAX];
      if (type === "file" && !checksum) checksum = q1Sha1(e.data);
      if (type === "symlink" && !checksum) checksum = q1Sha1(e.linkname);
      if (type === "hardlink" && !checksum) checksum = checksums.get(pathComponents(e.linkname, file).join("/"));
      if (checksum) checksums.set(rel, checksum);
      const record: InstalledFile = { path: rel, type, mode, uid: e.uid, gid: e.gid, ...(checksum ? { checksum } : {}) };

      const { dir, base } = root.parentOf(parts, 0);
      const host = path.join(dir, base);
      if (type === "dir") {
        let st: fs.Stats | undefined;
        try {
          st = fs.lstatSync(host);
        } catch {
          st = undefined;
        }
        if (st?.isSymbolicLink()) {
          // e.g. a package ships lib/ while the root has lib -> usr/lib: keep the link.
          continue;
        }
        if (st && !st.isDirectory()) fs.unlinkSync(host);
        if (!st || !st.isDirectory()) fs.mkdirSync(host, { mode: 0o755 });
        dirs.set(host, { host, mode, uid: e.uid, gid: e.gid, mtime: e.mtime });
        files.push(record);
        continue;
      }

      const previous = owners.get(host);
      if (previous && previous.entry.name !== entry.name) {
        const same = previous.checksum !== undefined && previous.checksum === checksum;
        if (previous.entry.replaces.includes(entry.name)) continue; // the earlier one wins and keeps the file
        if (!same && !entry.replaces.includes(previous.entry.name)) {
          throw new UserError(`file conflict: /${rel} is in both ${previous.entry.name} and ${entry.name}`, undefined, `one of them must list the other in "replaces"`);
        }
        const i = previous.files.findIndex((f) => f.path === rel);
        if (i >= 0) previous.files.splice(i, 1);
      }
      files.push(record);
      owners.set(host, { entry, checksum, files });
      clearForNonDir(host, file);
      if (type === "file") {
        fs.writeFileSync(host, e.data, { mode: 0o600 });
        if (chown) fs.chownSync(host, e.uid, e.gid);
        fs.chmodSync(host, mode);
        setXattrs(host, e.pax, what, opts.log);
        fs.utimesSync(host, e.mtime, e.mtime);
      } else if (type === "symlink") {
        fs.symlinkSync(e.linkname, host);
        if (chown) fs.lchownSync(host, e.uid, e.gid);
        fs.lutimesSync(host, e.mtime, e.mtime);
        root.invalidate();
      } else {
        const targetParts = pathComponents(e.linkname, file);
        if (targetParts.length === 0) throw new UserError(`${what}: hardlink to the root`);
        const t = root.parentOf(targetParts, 0);
        fs.linkSync(path.join(t.dir, t.base), host);
      }
    }
    records.push({ entry, files });
  }

  // Directories last: their mtimes would change while their contents were written.
  const mtime = newest;
  const fixDir = (d: PendingDir) => {
    if (chown) fs.chownSync(d.host, d.uid, d.gid);
    fs.chmodSync(d.host, d.mode);
  };
  for (const d of dirs.values()) fixDir(d);

  writeDatabase(root, opts, records, mtime);
  addBuildUser(root, mtime, chown);

  for (const [host, t] of root.created) fs.utimesSync(host, t, t);
  for (const d of dirs.values()) fs.utimesSync(d.host, d.mtime, d.mtime);
  fs.utimesSync(root.dir, mtime, mtime);
  return { installed: records.map((r) => r.entry).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/**
 * Dependencies before dependents (as apk and apko install), so that e.g. baselayout's
 * `lib -> usr/lib` exists before packages put files under lib/. Ties and cycles go by name.
 */
function dependencyOrder<T extends { entry: IndexEntry }>(pkgs: T[]): T[] {
  const providers = new Map<string, number[]>();
  pkgs.forEach((p, i) => {
    for (const name of [p.entry.name, ...p.entry.provides.map((x) => parseConstraint(x).name)]) {
      const list = providers.get(name) ?? [];
      list.push(i);
      providers.set(name, list);
    }
  });
  const byName = pkgs.map((_, i) => i).sort((a, b) => (pkgs[a].entry.name < pkgs[b].entry.name ? -1 : 1));
  const seen = new Set<number>();
  const out: T[] = [];
  const visit = (i: number) => {
    if (seen.has(i)) return;
    seen.add(i);
    const deps = new Set<number>();
    for (const d of pkgs[i].entry.depends) {
      const c = parseConstraint(d);
      if (!c.conflict) for (const j of providers.get(c.name) ?? []) if (j !== i) deps.add(j);
    }
    for (const j of [...deps].sort((a, b) => (pkgs[a].entry.name < pkgs[b].entry.name ? -1 : 1))) visit(j);
    out.push(pkgs[i]);
  };
  for (const i of byName) visit(i);
  return out;
}

/** Writes a file inside the root (parents created), mode and mtime fixed. */
function writeRootFile(root: Root, rel: string, content: string | Buffer, mode: number, mtime: number): void {
  const parts = rel.split("/");
  const { dir, base } = root.parentOf(parts, mtime);
  const host = path.join(dir, base);
  clearForNonDir(host, rel);
  fs.writeFileSync(host, content, { mode });
  fs.chmodSync(host, mode);
  fs.utimesSync(host, mtime, mtime);
}

function readRootFile(root: Root, rel: string): string | undefined {
  const { dir, base } = root.parentOf(rel.split("/"), 0);
  try {
    return fs.readFileSync(path.join(dir, base), "utf8");
  } catch {
    return undefined;
  }
}

function writeDatabase(root: Root, opts: InstallOptions, records: InstalledPackage[], mtime: number): void {
  writeRootFile(root, "lib/apk/db/installed", formatInstalledDb(records), 0o644, mtime);
  writeRootFile(root, "lib/apk/db/triggers", "", 0o644, mtime);
  writeRootFile(root, "etc/apk/world", formatWorld(opts.world ?? records.map((r) => r.entry.name)), 0o644, mtime);
  const repos = opts.repositories ?? [];
  writeRootFile(root, "etc/apk/repositories", repos.map((r) => r + "\n").join(""), 0o644, mtime);
  const arch = records[0]?.entry.arch;
  if (arch && arch !== "noarch") writeRootFile(root, "etc/apk/arch", arch + "\n", 0o644, mtime);
  for (const name of Object.keys(opts.keyring).sort()) {
    const base = path.basename(name);
    writeRootFile(root, `etc/apk/keys/${base}`, opts.keyring[name], 0o644, mtime);
  }
}

function hasEntry(text: string, name: string): boolean {
  return text.split("\n").some((l) => l.split(":")[0] === name);
}

/** The build user and group (uid/gid 1000 `build`), its home, /tmp and the melange cache dir. */
function addBuildUser(root: Root, mtime: number, chown: boolean): void {
  const passwd = readRootFile(root, "etc/passwd") ?? "root:x:0:0:root:/root:/bin/sh\n";
  if (!hasEntry(passwd, "build")) {
    const sep = passwd === "" || passwd.endsWith("\n") ? "" : "\n";
    writeRootFile(root, "etc/passwd", `${passwd}${sep}build:x:${BUILD_UID}:${BUILD_UID}:build:/home/build:/bin/sh\n`, 0o644, mtime);
  }
  const group = readRootFile(root, "etc/group") ?? "root:x:0:\n";
  if (!hasEntry(group, "build")) {
    const sep = group === "" || group.endsWith("\n") ? "" : "\n";
    writeRootFile(root, "etc/group", `${group}${sep}build:x:${BUILD_UID}:\n`, 0o644, mtime);
  }
  const dirs: [string, number, number][] = [
    ["home/build", 0o755, BUILD_UID],
    ["tmp", 0o1777, 0],
    ["var/cache/melange", 0o755, BUILD_UID],
  ];
  for (const [rel, mode, owner] of dirs) {
    const host = root.resolveDir(rel.split("/"), mtime);
    if (chown) fs.chownSync(host, owner, owner);
    fs.chmodSync(host, mode);
    root.created.set(host, mtime);
  }
}

/** Loads every regular file of a directory as a keyring (name -> PEM). */
export function loadKeyring(dir: string): Keyring {
  const keyring: Keyring = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isFile()) keyring[name] = fs.readFileSync(p, "utf8");
  }
  return keyring;
}
