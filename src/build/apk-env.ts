import { UserError } from "../errors.js";
import { FileActions, http, scratch, type Mount, type State } from "../llb/index.js";
import type { IndexEntry } from "../apk/types.js";
import { unsignedApkIndex } from "../apk/index-archive.js";
import type { Keyring } from "../apk/sign.js";
import { saltEnv } from "./salt.js";

// The LLB side of an environment installed from APK repositories (melange's apko step, inside the graph):
// which repositories, keys and packages (environment.contents plus the MELANGE_* build-args), the HTTP
// sources for indexes, keys and packages, and the one ExecOp on our own image that installs the chosen
// packages into an empty root. The frontend does the reading and resolving in between (src/frontend/environment.ts).

export const WOLFI_REPOSITORY = "https://packages.wolfi.dev/os";
export const WOLFI_KEY = "https://packages.wolfi.dev/os/wolfi-signing.rsa.pub";

export interface ApkEnvInputs {
  /** repository base URLs (no trailing slash), config first, then MELANGE_REPOSITORIES */
  repositories: string[];
  /** key URLs or build-context paths, config first, then MELANGE_KEYRING */
  keyring: string[];
  /** dependency strings to install */
  packages: string[];
  allowUntrusted: boolean;
  /** true when no repository was given and Wolfi's is used */
  wolfiDefault: boolean;
}

/** Comma- or space-separated list (build-args). */
export function splitList(v: string | undefined): string[] {
  return (v ?? "").split(/[\s,]+/).filter(Boolean);
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

export function isUrl(s: string): boolean {
  return /^https?:\/\//.test(s);
}

/** A repository as the graph can fetch it: an http(s) base URL without a trailing slash. */
export function repositoryBase(repo: string): string {
  const r = repo.trim();
  if (r.startsWith("@")) {
    throw new UserError(`repository "${r}": tagged repositories (@tag URL) are not supported in build environments`, undefined, "list the repository without its @tag");
  }
  if (!isUrl(r)) {
    throw new UserError(
      `repository "${r}": only http(s) repositories can be used for the build environment`,
      undefined,
      "serve the directory over HTTP (e.g. node hack/local-repo.mjs) and pass its URL",
    );
  }
  return r.replace(/\/+$/, "");
}

/** environment.contents merged with the build-args that append to it, as melange's --*-append flags do. */
export function apkEnvInputs(
  contents: { repositories: string[]; keyring: string[]; packages: string[] },
  buildArgs: Record<string, string | undefined>,
): ApkEnvInputs {
  let repositories = unique([...contents.repositories, ...splitList(buildArgs.MELANGE_REPOSITORIES)].map(repositoryBase));
  let keyring = unique([...contents.keyring, ...splitList(buildArgs.MELANGE_KEYRING)].map((k) => k.trim().replace(/^\.\//, "")));
  const wolfiDefault = repositories.length === 0;
  if (wolfiDefault) {
    repositories = [WOLFI_REPOSITORY];
    if (!keyring.includes(WOLFI_KEY)) keyring = [...keyring, WOLFI_KEY];
  }
  const packages = unique([...contents.packages, ...splitList(buildArgs.MELANGE_PACKAGES)]);
  const allow = (buildArgs.MELANGE_ALLOW_UNTRUSTED ?? "").trim().toLowerCase();
  return { repositories, keyring, packages, allowUntrusted: allow === "true" || allow === "1", wolfiDefault };
}

export function indexUrl(repo: string, arch: string): string {
  return `${repo}/${arch}/APKINDEX.tar.gz`;
}

export function apkFile(entry: Pick<IndexEntry, "name" | "version">): string {
  return `${entry.name}-${entry.version}.apk`;
}

export function packageUrl(repo: string, arch: string, entry: Pick<IndexEntry, "name" | "version">): string {
  return `${repo}/${arch}/${apkFile(entry)}`;
}

/** The name a key is known by (signature entries name it): the basename of its URL or path. */
export function keyFileName(key: string): string {
  const p = isUrl(key) ? new URL(key).pathname : key;
  const base = p.split("/").pop() ?? "";
  if (base === "" || base === "." || base === "..") throw new UserError(`keyring entry "${key}" does not name a file`);
  return base;
}

/**
 * An APKINDEX as an HTTP source. No checksum is known in advance: BuildKit keys it by its content after
 * fetching (and revalidates with the ETag it saw), so a changed index gives new cache keys downstream.
 */
export function indexSource(url: string, tag: string): State {
  return http(url, { filename: "APKINDEX.tar.gz", customName: `${tag} fetch ${url}` });
}

export function keySource(url: string, tag: string): State {
  return http(url, { filename: keyFileName(url), customName: `${tag} fetch key ${url}` });
}

/** One package to install, and the repository its index entry came from. */
export interface ChosenPackage {
  entry: IndexEntry;
  repository: string;
}

export interface InstallOptions {
  /** e.g. "[hello]", for vertex names */
  tag: string;
  arch: string;
  toolsImage: State;
  /** the trusted keys (already read by the frontend), copied into the root's etc/apk/keys */
  keyring: Keyring;
  packages: ChosenPackage[];
  /** etc/apk/world: what was asked for */
  world: string[];
  repositories: string[];
  allowUntrusted: boolean;
  /** Set for --no-cache (see salt.ts). */
  salt?: string;
}

const CLI = ["/usr/bin/node", "/app/melange-ts.mjs"];
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const ROOT_MOUNT = "/root-out";

/** A directory holding the keyring's files, made by a FileOp (public keys are not secrets). */
export function keyringDir(keyring: Keyring): State {
  const names = Object.keys(keyring).sort();
  let actions = new FileActions();
  for (const name of names) actions = actions.mkfile(`/${keyFileName(name)}`, 0o644, keyring[name], { timestamp: new Date(0) });
  return scratch().file(actions, { customName: "[internal] keyring" });
}

/**
 * The chosen packages' index entries (the frontend has checked the repositories' signatures), as a FileOp.
 * Mounting these instead of the whole indexes keeps the install step's cache key to what it installs:
 * a repository index that changes every hour (Wolfi's) does not rebuild an environment whose packages stayed.
 */
export function chosenEntries(packages: ChosenPackage[]): State {
  const entries = sortedByName(packages).map((p) => p.entry);
  return scratch().file(new FileActions().mkfile("/APKINDEX.tar.gz", 0o644, unsignedApkIndex(entries), { timestamp: new Date(0) }), {
    customName: "[internal] index entries of the chosen packages",
  });
}

function sortedByName(packages: ChosenPackage[]): ChosenPackage[] {
  return [...packages].sort((a, b) => (a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0));
}

/**
 * The environment root: one ExecOp on the tools image that installs the packages (each its own HTTP
 * source, pinned by URL and checked against its index entry's C: and the keyring by the installer) into
 * an empty mount, with no network. The mount's content is the root every build step runs in.
 */
export function installEnvironment(o: InstallOptions): State {
  if (o.packages.length === 0) throw new UserError("the build environment has no packages", undefined, "list packages in environment.contents.packages");
  const sorted = sortedByName(o.packages);
  const mounts: Mount[] = [{ type: "bind", dest: "/index", source: chosenEntries(sorted), readonly: true }];
  const args = [...CLI, "install", "--root", ROOT_MOUNT, "--packages-dir", "/packages", "--verified-index", "/index/APKINDEX.tar.gz"];
  if (Object.keys(o.keyring).length > 0) {
    mounts.push({ type: "bind", dest: "/keys", source: keyringDir(o.keyring), readonly: true });
    args.push("--keyring-dir", "/keys");
  }
  for (const p of sorted) {
    const file = apkFile(p.entry);
    const source = http(packageUrl(p.repository, o.arch, p.entry), { filename: file, customName: `${o.tag} fetch ${file}` });
    mounts.push({ type: "bind", dest: `/packages/${p.entry.name}`, source, readonly: true });
  }
  mounts.push({ type: "bind", dest: ROOT_MOUNT, source: scratch() });
  args.push("--world", [...o.world].sort().join(" "), "--repositories", o.repositories.join(" "));
  if (o.allowUntrusted) args.push("--allow-untrusted");
  const n = sorted.length;
  return o.toolsImage
    .run({
      args,
      env: { PATH, ...saltEnv(o.salt) },
      cwd: "/",
      user: "0:0",
      network: "none",
      mounts,
      customName: `${o.tag} install ${n} package${n === 1 ? "" : "s"}`,
    })
    .mount(ROOT_MOUNT);
}
