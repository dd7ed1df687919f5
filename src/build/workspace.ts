import { copy, local, mkdir, scratch, type State } from "../llb/index.js";
import type { CompiledBuild } from "../compile/types.js";
import { shellQuote } from "./script.js";

// The workspace every step runs in, as melange lays it out: /home/build with the build context copied in,
// melange-out/<pkg> for every package, /tmp, /var/cache/melange, and the build user (uid/gid 1000).

export const HOME = "/home/build";
export const OUT = `${HOME}/melange-out`;
export const CACHE_DIR = "/var/cache/melange";
export const BUILD_UID = 1000;
export const BUILD_GID = 1000;

/** Adds the build user and group when the image lacks them, and makes the directories. Runs as root. */
export function prepareScript(packages: string[]): string {
  const dirs = packages.map((p) => shellQuote(`${OUT}/${p}`)).join(" ");
  return [
    "set -e",
    "mkdir -p /etc /tmp " + CACHE_DIR,
    "chmod 1777 /tmp",
    "touch /etc/passwd /etc/group",
    `grep -q '^build:' /etc/group || echo 'build:x:${BUILD_GID}:build' >> /etc/group`,
    `grep -q '^build:' /etc/passwd || echo 'build:x:${BUILD_UID}:${BUILD_GID}:build:${HOME}:/bin/sh' >> /etc/passwd`,
    `mkdir -p ${HOME} ${dirs}`,
    `chown ${BUILD_UID}:${BUILD_GID} ${HOME} ${OUT} ${dirs}`,
    "",
  ].join("\n");
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

export function prepareWorkspace(base: State, build: CompiledBuild, context: State, tag: string): State {
  const packages = [build.main.name, ...build.subpackages.map((s) => s.name)];
  const prepared = base
    .run({
      args: ["/bin/sh", "-c", prepareScript(packages)],
      cwd: "/",
      user: "0:0",
      env: { PATH: DEFAULT_PATH },
      customName: `${tag} prepare workspace`,
    })
    .root();
  return prepared.file(
    copy(context, "/", `${HOME}/`, {
      dirCopyContents: true,
      createDestPath: true,
      owner: { user: BUILD_UID, group: BUILD_GID },
    }),
    { customName: `${tag} copy build context to ${HOME}` },
  );
}

/** A directory owned by the build user, to seed cache mounts (they are created root-owned otherwise). */
export function buildUserDir(): State {
  return scratch().file(mkdir("/cache", 0o755, { owner: { user: BUILD_UID, group: BUILD_GID } }));
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
