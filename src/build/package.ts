import { mkfile, scratch, type Mount, type State } from "../llb/index.js";
import type { PackSpecInput } from "../apk/packspec.js";
import { apkFileName } from "../apk/packspec.js";
import { encodeCapabilities } from "../apk/capability.js";
import { saltEnv } from "./salt.js";
import type { CompiledBuild, CompiledPackage } from "../compile/types.js";

// The package stage, inside the graph on our own image: one ExecOp per package (they run in parallel), then one
// that signs them and writes APKINDEX.tar.gz; its output, <arch>/*.apk + index, is the build's result.
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
  /** Set for --no-cache (see salt.ts). */
  salt?: string;
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
    // .melange.yaml comes from one shared file (see packageStage), not from every spec.
    melangeYaml: "",
    xattrs: Object.fromEntries(
      pkg.setcap
        .filter((c) => c.path && c.add)
        .map((c) => [c.path!, { "security.capability": encodeCapabilities(c.add!, `${build.file}: setcap ${c.path}`).toString("base64") }]),
    ),
  };
}

export function packageStage(build: CompiledBuild, melangeOut: State, o: PackageOptions): State {
  const tag = `[${build.main.name}]`;
  const run = (name: string, args: string[], mounts: Mount[], ignoreCache = false) =>
    o.toolsImage
      .run({ args: [...CLI, ...args], env: { PATH, ...saltEnv(o.salt) }, cwd: "/", user: "0:0", network: "none", mounts, customName: name, ignoreCache })
      .mount("/out");

  // Packaging: unsigned, one step per package, cached on that package's tree and spec. The config text is
  // written once and shared: inline in every spec it made a 300-subpackage build overrun the engine's 4 MiB
  // request limit.
  const config = scratch().file(mkfile("/melange.yaml", 0o644, o.configText));
  const packages = [build.main, ...build.subpackages];
  const apks = packages.map((pkg) => {
    const spec = packSpec(build, pkg, o);
    const specState = scratch().file(mkfile("/spec.json", 0o644, JSON.stringify(spec)));
    const state = run(`${tag} package ${pkg.name}`, ["pack", "--spec", "/spec/spec.json", "--melange-yaml", "/config/melange.yaml", "--tree", "/in", "--out", "/out"], [
      { type: "bind", dest: "/config", source: config, readonly: true },
      // Only this package's tree: the selector makes BuildKit key the step on that tree's content.
      { type: "bind", dest: "/in", source: melangeOut, selector: `/${pkg.name}`, readonly: true },
      { type: "bind", dest: "/spec", source: specState, readonly: true },
      { type: "bind", dest: "/out", source: scratch() },
    ]);
    const file = apkFileName({ name: pkg.name, version: build.package.version, epoch: build.package.epoch });
    return { pkg: pkg.name, state, path: `/in/${pkg.name}/${build.arch}/${file}` };
  });

  // Signing and the index: never cached, because secret contents are not part of BuildKit's cache keys and a
  // signature made with an old key must never come back. The key exists only in this step's secret mount.
  const secretPath = `/run/secrets/${o.secretId}`;
  return run(
    `${tag} sign and index ${build.arch} (key: secret ${o.secretId})`,
    ["publish", "--out", "/out", "--arch", build.arch, "--signing-key", secretPath, "--key-name", o.secretId, ...apks.map((a) => a.path)],
    [
      { type: "secret", dest: secretPath, id: o.secretId, optional: true },
      ...apks.map((a): Mount => ({ type: "bind", dest: `/in/${a.pkg}`, source: a.state, readonly: true })),
      { type: "bind", dest: "/out", source: scratch() },
    ],
    true,
  );
}
