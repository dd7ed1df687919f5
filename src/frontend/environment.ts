import { UserError } from "../errors.js";
import { image, local, marshal, type State } from "../llb/index.js";
import type { CompiledBuild } from "../compile/types.js";
import type { BridgeClient } from "../gateway/client.js";
import { GrpcError } from "../gateway/transport.js";
import type { OciPlatform } from "../build/arch.js";
import { readApkIndex } from "../apk/index-archive.js";
import { resolve } from "../apk/resolve.js";
import type { Keyring } from "../apk/sign.js";
import type { IndexEntry } from "../apk/types.js";
import {
  apkEnvInputs,
  indexSource,
  indexUrl,
  installEnvironment,
  isUrl,
  keyFileName,
  keySource,
  type ApkEnvInputs,
  type ChosenPackage,
} from "../build/apk-env.js";
import type { FrontendOpts } from "./opts.js";

// The root every step runs in: the image named by MELANGE_BUILD_IMAGE, or (melange's way) an environment
// resolved and installed from the APK repositories of environment.contents. The frontend fetches the
// indexes and keys through the engine (HTTP sources, cached by content), checks the signatures, resolves,
// and hands the installation back to the graph (src/build/apk-env.ts).

export interface EnvironmentContext {
  client: BridgeClient;
  opts: FrontendOpts;
  build: CompiledBuild;
  platform: OciPlatform;
  /** Our own image, to run the installer on. */
  toolsImage: State;
  /** Set for --no-cache (see src/build/salt.ts). */
  salt?: string;
}

const TRUST_HINT =
  "add the repository's public key to environment.contents.keyring or --build-arg MELANGE_KEYRING=URL_OR_PATH " +
  "(or, for testing only, --build-arg MELANGE_ALLOW_UNTRUSTED=true)";

export async function buildEnvironment(c: EnvironmentContext): Promise<State> {
  const ref = c.opts.buildArgs.MELANGE_BUILD_IMAGE;
  if (ref) return image(ref, { customName: `[${c.build.main.name}] build environment ${ref}` });
  const inputs = apkEnvInputs(c.build.environment, c.opts.buildArgs);
  if (inputs.packages.length === 0) {
    throw new UserError(
      `${c.build.file}: no build environment: environment.contents.packages is empty`,
      undefined,
      "list the packages to install (e.g. busybox) in environment.contents.packages or --build-arg MELANGE_PACKAGES, or set --build-arg MELANGE_BUILD_IMAGE=<image>",
    );
  }
  return apkEnvironment(c, inputs);
}

function grpcMessage(e: unknown): string {
  return e instanceof GrpcError ? e.details : e instanceof Error ? e.message : String(e);
}

/** Solves a single-file state and returns that file's bytes. */
async function solveAndRead(c: EnvironmentContext, state: State, file: string): Promise<Buffer | undefined> {
  // evaluate: a failed download must fail here, with the engine's reason, not later as a missing file.
  const id = await c.client.solve({ definition: marshal(state, { platform: c.platform }), evaluate: true });
  const st = await c.client.statFile(id, file);
  if (!st) return undefined;
  return c.client.readWholeFile(id, file, st.size);
}

async function fetchUrl(c: EnvironmentContext, state: State, url: string, file: string, hint?: string): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    bytes = await solveAndRead(c, state, file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot fetch ${url}: ${grpcMessage(e)}`, undefined, hint);
  }
  if (!bytes) throw new UserError(`cannot fetch ${url}: no file in the download`, undefined, hint);
  return bytes;
}

/** The keyring: URLs through the engine's HTTP source, paths from the build context. */
async function readKeyring(c: EnvironmentContext, inputs: ApkEnvInputs, tag: string, hint: string): Promise<Keyring> {
  const keyring: Keyring = {};
  const urls = inputs.keyring.filter(isUrl);
  const paths = inputs.keyring.filter((k) => !isUrl(k));
  for (const p of paths) {
    if (p.startsWith("/") || p.split("/").includes("..")) {
      throw new UserError(`keyring entry "${p}": must be a URL or a path inside the build context`);
    }
  }
  const fromUrls = urls.map(async (url) => {
    keyring[keyFileName(url)] = (await fetchUrl(c, keySource(url, tag), url, keyFileName(url), hint)).toString("utf8");
  });
  const fromContext = (async () => {
    if (paths.length === 0) return;
    const ctx = local("context", {
      sessionId: c.opts.sessionId,
      followPaths: paths,
      sharedKeyHint: "context-keys",
      customName: `${tag} load keyring from the build context`,
    });
    const id = await c.client.solve({ definition: marshal(ctx, { platform: c.platform }) });
    for (const p of paths) {
      const st = await c.client.statFile(id, p);
      if (!st) throw new UserError(`keyring entry "${p}" not found in the build context`);
      keyring[keyFileName(p)] = (await c.client.readWholeFile(id, p, st.size)).toString("utf8");
    }
  })();
  await Promise.all([...fromUrls, fromContext]);
  // Insertion order follows completion; sort so the keyring (and the keys FileOp) is deterministic.
  return Object.fromEntries(Object.entries(keyring).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function apkEnvironment(c: EnvironmentContext, inputs: ApkEnvInputs): Promise<State> {
  const tag = `[${c.build.main.name}]`;
  const arch = c.build.arch;
  const unreachableHint = inputs.wolfiDefault
    ? `no repository is configured, so Wolfi's (${inputs.repositories[0]}) is used; list reachable ones in environment.contents.repositories or --build-arg MELANGE_REPOSITORIES, or set --build-arg MELANGE_BUILD_IMAGE=<image>`
    : "check that the repository is reachable from the build engine and has an index for this architecture";
  const indexes = inputs.repositories.map((repo) => ({ repo, url: indexUrl(repo, arch), state: indexSource(indexUrl(repo, arch), tag) }));
  // Keys and indexes are fetched at once; the signatures are checked when both are here.
  const keysRead = readKeyring(c, inputs, tag, unreachableHint);
  const indexesRead = indexes.map((ix) => fetchUrl(c, ix.state, ix.url, "APKINDEX.tar.gz", unreachableHint));
  keysRead.catch(() => {});
  indexesRead.forEach((p) => p.catch(() => {}));
  const keyring = await keysRead;

  // Index entries, first repository first (the resolver prefers the first for equal name+version).
  const read = await Promise.all(
    indexes.map(async (ix, i) => {
      const bytes = await indexesRead[i];
      try {
        return readApkIndex(bytes, inputs.allowUntrusted ? undefined : keyring, ix.url).entries;
      } catch (e) {
        if (e instanceof UserError && !e.hint) throw new UserError(e.message, e.pos, TRUST_HINT);
        throw e;
      }
    }),
  );
  const repoOf = new Map<IndexEntry, string>();
  const all: IndexEntry[] = [];
  read.forEach((entries, i) => {
    for (const e of entries) {
      repoOf.set(e, indexes[i].repo);
      all.push(e);
    }
  });

  const started = performance.now();
  let packages: IndexEntry[];
  try {
    packages = resolve(all, inputs.packages, { arch }).packages;
  } catch (e) {
    if (e instanceof UserError) {
      throw new UserError(`${c.build.file}: cannot resolve the build environment (${arch}): ${e.message}`, e.pos, e.hint);
    }
    throw e;
  }
  console.error(`melange-ts: resolved ${packages.length} packages from ${all.length} index entries in ${(performance.now() - started).toFixed(1)} ms`);

  const chosen: ChosenPackage[] = packages.map((entry) => ({ entry, repository: repoOf.get(entry) ?? inputs.repositories[0] }));
  return installEnvironment({
    tag,
    arch,
    toolsImage: c.toolsImage,
    keyring,
    packages: chosen,
    world: inputs.packages,
    repositories: inputs.repositories,
    allowUntrusted: inputs.allowUntrusted,
    salt: c.salt,
  });
}
