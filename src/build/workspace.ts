import { copy, local, mkdir, scratch, type State } from "../llb/index.js";
import type { CompiledBuild } from "../compile/types.js";
import { shellQuote } from "./script.js";
import { UserError } from "../errors.js";
import { saltEnv } from "./salt.js";

// The workspace every step runs in, as melange lays it out: /home/build with the build context copied in,
// melange-out/<pkg> for every package, /tmp, /var/cache/melange, and the build user (uid/gid 1000).

export const HOME = "/home/build";
export const OUT = `${HOME}/melange-out`;
export const CACHE_DIR = "/var/cache/melange";
export const BUILD_UID = 1000;
export const BUILD_GID = 1000;

/** The uid and gid steps run as: environment.accounts.run-as (a user of environment.accounts, `root`, or
 *  `uid[:gid]`), else the build user. The workspace belongs to them. */
export function runAsIds(build: Pick<CompiledBuild, "file" | "environment">): { uid: number; gid: number } {
  const runAs = build.environment.runAs;
  if (runAs === undefined || runAs === "") return { uid: BUILD_UID, gid: BUILD_GID };
  const numeric = /^(\d+)(?::(\d+))?$/.exec(runAs);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]) };
  if (runAs === "root") return { uid: 0, gid: 0 };
  const user = build.environment.users.find((u) => u.username === runAs);
  if (user?.uid === undefined) {
    throw new UserError(`${build.file}: environment.accounts.run-as: "${runAs}" is not a user of environment.accounts.users with a uid`, undefined, "add the user with its uid, or use root or a numeric uid[:gid]");
  }
  return { uid: user.uid, gid: user.gid ?? user.uid };
}

const ACCOUNT_NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

function accountName(name: string, what: string, file: string): string {
  if (!ACCOUNT_NAME.test(name)) throw new UserError(`${file}: environment.accounts: invalid ${what} name "${name}"`, undefined, "use letters, digits, _ . and -");
  return name;
}

function accountPath(p: string | undefined, fallback: string, file: string): string {
  const v = p ?? fallback;
  if (!/^\/[^:\n]*$/.test(v)) throw new UserError(`${file}: environment.accounts: "${v}" must be an absolute path`);
  return v;
}

/**
 * Adds environment.accounts (the build user and group, uid/gid 1000, always among them) when the environment
 * lacks them, and makes the directories. Runs as root; entries already present are left as they are.
 */
export function prepareScript(build: Pick<CompiledBuild, "file" | "main" | "subpackages" | "environment">): string {
  const packages = [build.main.name, ...build.subpackages.map((s) => s.name)];
  const dirs = packages.map((p) => shellQuote(`${OUT}/${p}`)).join(" ");
  const { users, groups } = build.environment;
  const lines = ["set -e", "mkdir -p /etc /tmp " + CACHE_DIR, "chmod 1777 /tmp", "touch /etc/passwd /etc/group"];
  for (const g of groups) {
    const name = accountName(g.groupname, "group", build.file);
    const members = g.members.map((m) => accountName(m, "member", build.file)).join(",");
    const gid = g.gid ?? (name === "build" ? BUILD_GID : undefined);
    if (gid === undefined) throw new UserError(`${build.file}: environment.accounts: group "${name}" needs a gid`);
    lines.push(`grep -q '^${name}:' /etc/group || echo '${name}:x:${gid}:${members}' >> /etc/group`);
  }
  for (const u of users) {
    const name = accountName(u.username, "user", build.file);
    const uid = u.uid ?? (name === "build" ? BUILD_UID : undefined);
    if (uid === undefined) throw new UserError(`${build.file}: environment.accounts: user "${name}" needs a uid`);
    const gid = u.gid ?? uid;
    const home = accountPath(u.homedir, name === "build" ? HOME : `/home/${name}`, build.file);
    const shell = accountPath(u.shell, "/bin/sh", build.file);
    lines.push(`grep -q '^${name}:' /etc/passwd || echo ${shellQuote(`${name}:x:${uid}:${gid}:${name}:${home}:${shell}`)} >> /etc/passwd`);
    lines.push(`mkdir -p ${shellQuote(home)} && chown ${uid}:${gid} ${shellQuote(home)}`);
  }
  const { uid, gid } = runAsIds(build);
  lines.push(`mkdir -p ${HOME} ${dirs}`, `chown ${uid}:${gid} ${HOME} ${OUT} ${dirs}`, "");
  return lines.join("\n");
}

export interface ContextOptions {
  sessionId: string;
  /** Patterns (dockerignore syntax) left out of the workspace. */
  exclude: string[];
}

/** The client's build context as an LLB source. */
export function contextSource(o: ContextOptions): State {
  return local("context", {
    sessionId: o.sessionId,
    sharedKeyHint: "context",
    excludePatterns: o.exclude.length ? o.exclude : undefined,
    customName: "[internal] load build context",
  });
}

export function prepareWorkspace(base: State, build: CompiledBuild, context: State, tag: string, salt?: string): State {
  const prepared = base
    .run({
      args: ["/bin/sh", "-c", prepareScript(build)],
      cwd: "/",
      user: "0:0",
      env: { PATH: DEFAULT_PATH, ...saltEnv(salt) },
      customName: `${tag} prepare workspace`,
    })
    .root();
  return prepared.file(
    copy(context, "/", `${HOME}/`, {
      dirCopyContents: true,
      createDestPath: true,
      owner: { user: runAsIds(build).uid, group: runAsIds(build).gid },
    }),
    { customName: `${tag} copy build context to ${HOME}` },
  );
}

/** A directory owned by the steps' user, to seed cache mounts (they are created root-owned otherwise). */
export function cacheSeed(ids: { uid: number; gid: number }): State {
  return scratch().file(mkdir("/cache", 0o755, { owner: { user: ids.uid, group: ids.gid } }));
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
