import { copy, mkfile, scratch, type Mount, type State } from "../llb/index.js";
import type { PackSpecInput } from "../apk/packspec.js";
import { apkFileName } from "../apk/packspec.js";
import type { CompiledBuild, CompiledPackage } from "../compile/types.js";
import { shellQuote } from "./script.js";

// The package stage, inside the graph on our own image: one ExecOp per package (they run in parallel), then one
// that writes APKINDEX.tar.gz, then a FileOp that lays out <arch>/*.apk + index as the build's result.
// The private key only ever arrives as a BuildKit secret mount: never in an op, a layer, an output or the cache.

export interface PackageOptions {
  /** Our own image (the frontend's `source`), or MELANGE_TOOLS_IMAGE. */
  toolsImage: State;
  /** BuildKit secret id holding the PEM private key (default melange.rsa); it also names the key. */
  secretId: string;
  sourceDateEpoch: number;
  /** The config file's text, stored as .melange.yaml in each package. */
  configText: string;
  /** maintainer = (melange's --namespace) */
  namespace: string;
}

const CLI = ["/usr/bin/node", "/app/melange-ts.mjs"];
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function priority(v: string | undefined): number | undefined {
  return v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v) : undefined;
}

export function packSpec(build: CompiledBuild, pkg: CompiledPackage, o: PackageOptions): PackSpecInput {
  const s = pkg.scriptlets;
  return {
    name: pkg.name,
    version: build.package.version,
    epoch: build.package.epoch,
    arch: build.arch,
    description: pkg.description,
    url: pkg.url,
    commit: pkg.commit,
    licenses: pkg.copyright.map((c) => c.license),
    origin: build.main.name,
    maintainer: o.namespace,
    sourceDateEpoch: o.sourceDateEpoch,
    dependencies: {
      runtime: pkg.dependencies.runtime,
      provides: pkg.dependencies.provides,
      replaces: pkg.dependencies.replaces,
      providerPriority: priority(pkg.dependencies["provider-priority"]),
      replacesPriority: priority(pkg.dependencies["replaces-priority"]),
    },
    options: {
      noProvides: pkg.options["no-provides"],
      noDepends: pkg.options["no-depends"],
      noCommands: pkg.options["no-commands"],
    },
    scriptlets: {
      preInstall: s?.["pre-install"],
      postInstall: s?.["post-install"],
      preDeinstall: s?.["pre-deinstall"],
      postDeinstall: s?.["post-deinstall"],
      preUpgrade: s?.["pre-upgrade"],
      postUpgrade: s?.["post-upgrade"],
      trigger: s?.trigger?.script ? { script: s.trigger.script, paths: s.trigger.paths ?? [] } : undefined,
    },
    melangeYaml: o.configText,
  };
}

/** A shell line that runs our CLI with a signing key when the secret is there, without one otherwise. */
function signedOrNot(args: string[], key: string): string {
  const q = (a: string[]) => a.map(shellQuote).join(" ");
  return `if [ -f ${shellQuote(key)} ]; then exec ${q([...CLI, ...args, "--signing-key", key])}; ` +
    `else echo "melange-ts: secret not given: writing UNSIGNED output"; exec ${q([...CLI, ...args])}; fi`;
}

export function packageStage(build: CompiledBuild, melangeOut: State, o: PackageOptions): State {
  const tag = `[${build.main.name}]`;
  const secretPath = `/run/secrets/${o.secretId}`;
  const secret: Mount = { type: "secret", dest: secretPath, id: o.secretId, optional: true };
  const run = (tools: State, name: string, script: string, mounts: Mount[], ignoreCache = false) =>
    tools
      .run({ args: ["/bin/sh", "-c", script], env: { PATH }, cwd: "/", user: "0:0", network: "none", mounts, customName: name, ignoreCache })
      .mount("/out");

  // Never cached: reads the secret and writes the public key's fingerprint. Its content keys the signing steps.
  const fingerprint = run(
    o.toolsImage,
    `${tag} signing key (secret ${o.secretId})`,
    [...CLI, "key-fingerprint", "--key", secretPath, "--out", "/out/fingerprint"].map(shellQuote).join(" "),
    [secret, { type: "bind", dest: "/out", source: scratch() }],
    true,
  );
  const keyInfo: Mount = { type: "bind", dest: "/keyinfo", source: fingerprint, selector: "/fingerprint", readonly: true };

  const packages = [build.main, ...build.subpackages];
  const apks: { pkg: string; state: State; file: string }[] = packages.map((pkg) => {
    const spec = packSpec(build, pkg, o);
    const specState = scratch().file(mkfile("/spec.json", 0o644, JSON.stringify(spec)));
    const args = ["pack", "--spec", "/spec/spec.json", "--tree", "/in", "--out", "/out", "--key-name", o.secretId];
    const state = run(o.toolsImage, `${tag} package ${pkg.name}`, signedOrNot(args, secretPath), [
      secret,
      keyInfo,
      // Only this package's tree: the selector makes BuildKit key the step on that tree's content.
      { type: "bind", dest: "/in", source: melangeOut, selector: `/${pkg.name}`, readonly: true },
      { type: "bind", dest: "/spec", source: specState, readonly: true },
      { type: "bind", dest: "/out", source: scratch() },
    ]);
    return { pkg: pkg.name, state, file: `${build.arch}/${apkFileName({ name: pkg.name, version: build.package.version, epoch: build.package.epoch })}` };
  });

  const indexArgs = ["index", "-o", `/out/${build.arch}/APKINDEX.tar.gz`, "--key-name", o.secretId, ...apks.map((a) => `/in/${a.pkg}/${a.file}`)];
  const index = run(o.toolsImage, `${tag} index ${build.arch}`, `mkdir -p /out/${build.arch} && ` + signedOrNot(indexArgs, secretPath), [
    secret,
    keyInfo,
    ...apks.map((a): Mount => ({ type: "bind", dest: `/in/${a.pkg}`, source: a.state, readonly: true })),
    { type: "bind", dest: "/out", source: scratch() },
  ]);

  let actions = copy(index, "/", "/", { dirCopyContents: true });
  for (const a of apks) actions = actions.copy(a.state, `/${a.file}`, `/${a.file}`, { createDestPath: true });
  return scratch().file(actions, { customName: `${tag} collect packages` });
}
