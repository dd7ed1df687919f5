// melange's compile pass, pure: parse -> build options -> vars (+ var-transforms) -> parse-time substitution ->
// range subpackages -> strict substitution and `uses:` expansion per package -> environment with needs.
// All I/O goes through the pipeline loader passed in.
import { UserError, UserErrors } from "../errors.js";
import { parseConfiguration, type Parsed, type SourceText } from "../config/parse.js";
import {
  PACKAGE_NAME,
  type Configuration,
  type Dependencies,
  type ImageConfiguration,
  type Subpackage,
  type TestConfig,
} from "../config/schema.js";
import { evaluateCondition } from "../config/condition.js";
import { substituteLenient, substituteStrict } from "../config/substitute.js";
import { formatPath } from "../config/schema-errors.js";
import { goReplaceAll } from "../config/var-transforms.js";
import type { SourceMap, YamlPath } from "../config/yaml-tree.js";
import { archNames, isArchTargeted } from "./arch.js";
import { DefinitionCache, type PipelineLoader } from "./pipeline-loader.js";
import { compileSteps, sortKeys, WORKDIR, type Scope } from "./steps.js";
import type {
  CompiledBuild,
  CompiledDependencies,
  CompiledEnvironment,
  CompiledPackage,
  CompiledTest,
} from "./types.js";

export interface CompileOptions {
  /** Target architecture: APK (x86_64) or Go/OCI (amd64) spelling. */
  arch: string;
  /** Finds `uses:` definitions (pipeline dirs, then built-ins): see pipelineLoader(). */
  pipelines: PipelineLoader;
  /** `--build-option` names to enable. */
  buildOptions?: readonly string[];
  /** `--vars-file` values; they override `vars:` and build options' vars. */
  varsOverrides?: Readonly<Record<string, string>>;
  sourceDateEpoch?: number;
  /** libc flavor of `${{host.triplet.*}}` (melange's --override-host-triplet-libc-substitution-flavor). */
  hostTripletFlavor?: "gnu" | "musl";
}

const OUT = `${WORKDIR}/melange-out`;

/** melange's defaults for the build environment, applied when the file does not set them. */
export const DEFAULT_ENV: Readonly<Record<string, string>> = {
  HOME: "/home/build",
  GOPATH: "/home/build/.cache/go",
  GOMODCACHE: "/var/cache/melange/gomodcache",
  UV_CACHE_DIR: "/var/cache/melange/uv",
  PIP_CACHE_DIR: "/var/cache/melange/pip",
  COMPOSER_CACHE_DIR: "/var/cache/melange/composer",
  npm_config_cache: "/var/cache/melange/npm",
};

export function compile(source: SourceText, opts: CompileOptions): CompiledBuild {
  return compileConfiguration(parseConfiguration(source), opts);
}

export function compileConfiguration(parsed: Parsed<Configuration>, opts: CompileOptions): CompiledBuild {
  const { sources } = parsed;
  const arch = archNames(opts.arch);
  const flavor = opts.hostTripletFlavor ?? "gnu";
  const buildOptions = [...new Set(opts.buildOptions ?? [])].sort();
  const original = parsed.value;

  // Build options: vars and environment package edits (applied before substitution so option vars take effect).
  const optionVars: Record<string, string> = {};
  const addPackages: string[] = [];
  const removePackages = new Set<string>();
  for (const name of buildOptions) {
    const option = original.options?.[name];
    if (!option) {
      const known = Object.keys(original.options ?? {}).sort();
      throw new UserError(
        `unknown build option "${name}"`,
        known.length > 0 ? sources.pos(["options"], "key") : undefined,
        known.length > 0 ? `options defined in ${sources.file}: ${known.join(", ")}` : `${sources.file} defines no options`,
      );
    }
    Object.assign(optionVars, option.vars ?? {});
    addPackages.push(...(option.environment?.contents?.packages?.add ?? []));
    for (const p of option.environment?.contents?.packages?.remove ?? []) removePackages.add(p);
  }

  // Parse-time variables: package.*, vars.*, var-transforms.
  const pkg = original.package;
  const parseVars = new Map<string, string>([
    ["package.name", pkg.name],
    ["package.version", pkg.version],
    ["package.epoch", String(pkg.epoch)],
    ["package.full-version", `${pkg.version}-r${pkg.epoch}`],
    ["package.description", pkg.description ?? ""],
  ]);
  const vars = resolveVars({ ...original.vars, ...optionVars, ...opts.varsOverrides }, parseVars, sources);
  original["var-transforms"]?.forEach((t, i) => {
    const at: YamlPath = ["var-transforms", i];
    const from = substituteStrict(t.from, (n) => parseVars.get(n), { field: formatPath([...at, "from"]), pos: sources.pos([...at, "from"]) });
    const value = goReplaceAll(from, t.match, t.replace, sources.pos([...at, "match"]));
    vars[t.to] = value;
    parseVars.set(`vars.${t.to}`, value);
  });

  const cfg = substituteTree(original, parseVars, new Set(["vars", "var-transforms", "data", "options", "update"])) as Configuration;

  // Range subpackages: one per data item, sorted by key; positions stay those of the template.
  const expanded: { sp: Subpackage; index: number }[] = [];
  cfg.subpackages?.forEach((sp, index) => {
    // An empty range means no range, as in melange.
    if (!sp.range) {
      const { range: _range, ...rest } = sp;
      return expanded.push({ sp: rest, index });
    }
    const data = cfg.data?.find((d) => d.name === sp.range)!;
    for (const key of Object.keys(data.items).sort()) {
      const rangeVars = new Map([
        ["range.key", key],
        ["range.value", data.items[key]!],
      ]);
      const { range: _range, ...rest } = substituteTree(sp, rangeVars, new Set()) as Subpackage;
      expanded.push({ sp: rest, index });
    }
  });
  checkSubpackageNames(pkg.name, expanded, sources);

  // The compile-time scope (melange's NewSubstitutionMap).
  const base = new Map(parseVars);
  base.delete("package.description");
  for (const [k, v] of [
    ["package.srcdir", WORKDIR],
    ["targets.outdir", OUT],
    ["targets.destdir", `${OUT}/${pkg.name}`],
    ["targets.contextdir", `${OUT}/${pkg.name}`],
    ["context.name", pkg.name],
    ["host.triplet.gnu", arch.gnuTriplet(flavor)],
    ["host.triplet.rust", arch.rustTriplet(flavor)],
    ["cross.triplet.gnu.glibc", arch.gnuTriplet("gnu")],
    ["cross.triplet.gnu.musl", arch.gnuTriplet("musl")],
    ["cross.triplet.rust.glibc", arch.rustTriplet("gnu")],
    ["cross.triplet.rust.musl", arch.rustTriplet("musl")],
    ["build.arch", arch.apk],
    ["build.goarch", arch.go],
  ] as const) {
    base.set(k, v);
  }
  for (const n of [pkg.name, ...expanded.map((e) => e.sp.name)]) base.set(`targets.package.${n}`, `${OUT}/${n}`);
  for (const n of Object.keys(cfg.options ?? {})) base.set(`options.${n}.enabled`, "false");
  for (const n of buildOptions) base.set(`options.${n}.enabled`, "true");

  const ctx = { defs: new DefinitionCache(opts.pipelines) };
  const errors: UserError[] = [];
  const collect = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof UserErrors) errors.push(...e.errors);
      else if (e instanceof UserError) errors.push(e);
      else throw e;
      return undefined;
    }
  };

  const needs: string[] = [];
  const main = collect(() => {
    const r = compileSteps(cfg.pipeline, base, { sources, path: ["pipeline"] }, ctx);
    needs.push(...r.needs);
    const p = packageOf(cfg.package, r.steps, base, ["package"], sources);
    p.test = compileTest(cfg.test, base, ["test"], pkg.name, sources, ctx);
    return p;
  });

  const subpackages: CompiledPackage[] = [];
  for (const { sp, index } of expanded) {
    collect(() => {
      const at: YamlPath = ["subpackages", index];
      const scope = new Map(base);
      scope.set("subpkg.name", sp.name);
      scope.set("context.name", sp.name);
      scope.set("targets.subpkgdir", `${OUT}/${sp.name}`);
      scope.set("targets.contextdir", `${OUT}/${sp.name}`);
      if (sp.if !== undefined && !evaluateCondition(sp.if, (n) => scope.get(n), sources.pos([...at, "if"]))) return;
      const r = compileSteps(sp.pipeline, scope, { sources, path: [...at, "pipeline"] }, ctx);
      needs.push(...r.needs);
      const p = packageOf(sp, r.steps, scope, at, sources);
      p.test = compileTest(sp.test, scope, [...at, "test"], sp.name, sources, ctx);
      subpackages.push(p);
    });
  }

  const environment = collect(() => {
    const env = compileEnvironment(cfg.environment, base, ["environment"], sources, [...addPackages, ...needs], removePackages);
    return env;
  });
  if (errors.length > 0 || !main || !environment) throw new UserErrors(dedupe(errors));

  const out: CompiledBuild = {
    file: sources.file,
    arch: arch.apk,
    package: { name: pkg.name, version: pkg.version, epoch: pkg.epoch, fullVersion: `${pkg.version}-r${pkg.epoch}` },
    environment,
    main,
    subpackages,
    targetArchitecture: pkg["target-architecture"] ?? [],
    archTargeted: isArchTargeted(pkg["target-architecture"], arch.apk),
    buildOptions,
    vars: sortKeys(vars),
    capabilities: { add: cfg.capabilities?.add ?? [], drop: cfg.capabilities?.drop ?? [] },
  };
  if (cfg.package.timeout !== undefined) out.timeoutSeconds = cfg.package.timeout;
  if (cfg.package.resources) out.resources = cfg.package.resources;
  if (opts.sourceDateEpoch !== undefined) out.sourceDateEpoch = opts.sourceDateEpoch;
  return out;
}

function dedupe(errors: UserError[]): UserError[] {
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(e.format()) && !!seen.add(e.format()));
}

/** vars may use package.* and each other; resolved to a fixed point, then anything left is an error. */
function resolveVars(raw: Record<string, string>, parseVars: Map<string, string>, sources: SourceMap): Record<string, string> {
  const out: Record<string, string> = { ...raw };
  for (const [k, v] of Object.entries(out)) parseVars.set(`vars.${k}`, v);
  for (let round = 0; round < 10; round++) {
    let changed = false;
    for (const [k, v] of Object.entries(out)) {
      const next = substituteLenient(v, parseVars);
      if (next !== v) {
        out[k] = next;
        parseVars.set(`vars.${k}`, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (const [k, v] of Object.entries(out)) {
    substituteStrict(v, (n) => (n.startsWith("vars.") || n.startsWith("package.") ? parseVars.get(n) : undefined), {
      field: `vars.${k}`,
      pos: sources.has(["vars", k]) ? sources.pos(["vars", k]) : undefined,
    });
  }
  return out;
}

/** Lenient substitution of every string in a config subtree (melange's parse-time pass). */
function substituteTree(value: unknown, vars: Scope, skipKeys: ReadonlySet<string>): unknown {
  if (typeof value === "string") return substituteLenient(value, vars);
  if (Array.isArray(value)) return value.map((v) => substituteTree(v, vars, new Set()));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = skipKeys.has(k) ? v : substituteTree(v, vars, new Set());
    return out;
  }
  return value;
}

function checkSubpackageNames(main: string, expanded: { sp: Subpackage; index: number }[], sources: SourceMap): void {
  const errors: UserError[] = [];
  const seen = new Set([main]);
  for (const { sp, index } of expanded) {
    const pos = sources.pos(["subpackages", index, "name"]);
    if (!PACKAGE_NAME.test(sp.name)) errors.push(new UserError(`invalid subpackage name "${sp.name}" (must match ${PACKAGE_NAME.source})`, pos));
    else if (sp.name === main) errors.push(new UserError(`subpackage name "${sp.name}" is the main package's name`, pos));
    else if (seen.has(sp.name)) errors.push(new UserError(`duplicate subpackage name "${sp.name}"`, pos));
    seen.add(sp.name);
  }
  if (errors.length > 0) throw new UserErrors(errors);
}

type PackageLike = Pick<
  Subpackage,
  "name" | "description" | "url" | "commit" | "dependencies" | "options" | "scriptlets" | "setcap" | "checks" | "annotations"
> & { copyright?: Configuration["package"]["copyright"] };

function packageOf(p: PackageLike, steps: CompiledPackage["steps"], scope: Scope, at: YamlPath, sources: SourceMap): CompiledPackage {
  const out: CompiledPackage = {
    name: p.name,
    description: p.description ?? "",
    steps,
    url: p.url ?? "",
    commit: p.commit ?? "",
    dependencies: compileDependencies(p.dependencies, scope, [...at, "dependencies"], sources),
    copyright: p.copyright ?? [],
    options: {
      "no-provides": p.options?.["no-provides"] ?? false,
      "no-depends": p.options?.["no-depends"] ?? false,
      "no-commands": p.options?.["no-commands"] ?? false,
      "no-versioned-shlib-deps": p.options?.["no-versioned-shlib-deps"] ?? false,
    },
    setcap: p.setcap ?? [],
    checksDisabled: p.checks?.disabled ?? [],
    annotations: sortKeys(p.annotations ?? {}),
  };
  if (p.scriptlets) out.scriptlets = p.scriptlets;
  return out;
}

function strictList(list: readonly string[] | undefined, scope: Scope, at: YamlPath, sources: SourceMap): string[] {
  return (list ?? []).map((v, i) =>
    substituteStrict(v, (n) => scope.get(n), {
      field: formatPath([...at, i]),
      pos: sources.pos([...at, i]),
      locate: (ref, k) => sources.posOfText([...at, i], ref, k),
    }),
  );
}

function compileDependencies(d: Dependencies | undefined, scope: Scope, at: YamlPath, sources: SourceMap): CompiledDependencies {
  const out: CompiledDependencies = {
    runtime: strictList(d?.runtime, scope, [...at, "runtime"], sources),
    provides: strictList(d?.provides, scope, [...at, "provides"], sources),
    replaces: strictList(d?.replaces, scope, [...at, "replaces"], sources),
  };
  for (const key of ["provider-priority", "replaces-priority"] as const) {
    const v = d?.[key];
    if (v !== undefined) {
      out[key] = substituteStrict(v, (n) => scope.get(n), { field: formatPath([...at, key]), pos: sources.pos([...at, key]) });
      if (!/^-?\d+$/.test(out[key]!)) throw new UserError(`${key} must be an integer, got "${out[key]}"`, sources.pos([...at, key]));
    }
  }
  return out;
}

function compileEnvironment(
  env: ImageConfiguration | undefined,
  scope: Scope,
  at: YamlPath,
  sources: SourceMap,
  extraPackages: readonly string[],
  removePackages: ReadonlySet<string> = new Set(),
): CompiledEnvironment {
  const contents = env?.contents;
  const packages = strictList(contents?.packages, scope, [...at, "contents", "packages"], sources)
    .concat(extraPackages)
    .filter((p) => !removePackages.has(p));
  const users = (env?.accounts?.users ?? []).map((u) => ({ ...u }));
  const groups = (env?.accounts?.groups ?? []).map((g) => ({ ...g, members: g.members ?? [] }));
  // melange always adds the build user and group (uid/gid 1000).
  if (!groups.some((g) => g.groupname === "build")) groups.push({ groupname: "build", gid: 1000, members: ["build"] });
  if (!users.some((u) => u.username === "build")) users.push({ username: "build", uid: 1000, gid: 1000 });
  const out: CompiledEnvironment = {
    packages: [...new Set(packages)].sort(),
    repositories: [...new Set([...(contents?.repositories ?? []), ...(contents?.build_repositories ?? [])])],
    keyring: contents?.keyring ?? [],
    env: sortKeys({ ...DEFAULT_ENV, ...env?.environment }),
    users,
    groups,
  };
  const runAs = env?.accounts?.["run-as"];
  if (runAs !== undefined) out.runAs = runAs;
  return out;
}

function compileTest(
  test: TestConfig | undefined,
  scope: Scope,
  at: YamlPath,
  packageName: string,
  sources: SourceMap,
  ctx: { defs: DefinitionCache },
): CompiledTest | undefined {
  if (!test) return undefined;
  const r = compileSteps(test.pipeline, scope, { sources, path: [...at, "pipeline"] }, ctx);
  return {
    environment: compileEnvironment(test.environment, scope, [...at, "environment"], sources, [packageName, ...r.needs]),
    steps: r.steps,
  };
}
