// The melange.yaml schema: every key melange (and apko, for `environment`) accepts, nothing else.
// Input is the failsafe tree of yaml-tree.ts, so every scalar arrives as its source text; number and
// boolean fields convert here. The config types are inferred from these schemas.
import { z } from "zod";

// The frontend is a one-shot process that validates a handful of documents: zod's JIT (code generation
// per object schema) costs more on first use than it saves, so validate without it (measured ~3x faster cold).
z.config({ jitless: true });

/** Go-style names: `^[a-zA-Z\d][a-zA-Z\d+_.-]*$` (melange's package name rule). */
export const PACKAGE_NAME = /^[a-zA-Z\d][a-zA-Z\d+_.-]*$/;

const str = z.string();
const strList = z.array(str);
const strMap = z.record(str, str);

const TRUE = new Set(["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"]);
const FALSE = new Set(["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"]);

/** A YAML boolean, as yaml.v3 decodes into a Go bool. */
const bool = z
  .string()
  .refine((s) => TRUE.has(s) || FALSE.has(s), { message: "expected true or false" })
  .transform((s) => TRUE.has(s));

/** A non-negative decimal (or 0x/0o) integer. */
const uint = z
  .string()
  .regex(/^\+?(\d[\d_]*|0x[\da-fA-F_]+|0o[0-7_]+)$/, { message: "expected a non-negative integer" })
  .transform((s) => Number(s.replace(/^\+/, "").replace(/_/g, "")));

const int = z
  .string()
  .regex(/^[-+]?\d+$/, { message: "expected an integer" })
  .transform((s) => Number(s));

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go time.Duration: an integer (seconds, as melange's docs say) or "1h30m"-style text. Output: seconds. */
const duration = z.string().transform((s, ctx) => {
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (s === "" || end !== s.length) {
    ctx.addIssue({ code: "custom", message: `expected a duration like "90m" or seconds, got "${s}"` });
    return z.NEVER;
  }
  return total;
});

const packageName = z.string().regex(PACKAGE_NAME, {
  message: "invalid package name (must match ^[a-zA-Z\\d][a-zA-Z\\d+_.-]*$)",
});

// ---- package ----

export const DependenciesSchema = z.strictObject({
  runtime: strList.optional(),
  provides: strList.optional(),
  replaces: strList.optional(),
  "provider-priority": str.optional(),
  "replaces-priority": str.optional(),
});

export const CopyrightSchema = z.strictObject({
  license: str,
  paths: strList.optional(),
  attestation: str.optional(),
  "license-path": str.optional(),
  "detection-override": str.optional(),
});

const PackageOptionsSchema = z.strictObject({
  "no-provides": bool.optional(),
  "no-depends": bool.optional(),
  "no-commands": bool.optional(),
  "no-versioned-shlib-deps": bool.optional(),
});

export const ScriptletsSchema = z.strictObject({
  trigger: z.strictObject({ script: str.optional(), paths: strList.optional() }).optional(),
  "pre-install": str.optional(),
  "post-install": str.optional(),
  "pre-deinstall": str.optional(),
  "post-deinstall": str.optional(),
  "pre-upgrade": str.optional(),
  "post-upgrade": str.optional(),
});

const ChecksSchema = z.strictObject({ disabled: strList.optional() });

const CpeSchema = z.strictObject({
  part: str.optional(),
  vendor: str.optional(),
  product: str.optional(),
  edition: str.optional(),
  language: str.optional(),
  sw_edition: str.optional(),
  target_sw: str.optional(),
  target_hw: str.optional(),
  other: str.optional(),
});

/** Allowed file capabilities for `setcap` (melange's list). */
export const SETCAP_ALLOWED = ["cap_net_bind_service", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_sys_admin"];

export const SetcapSchema = z.strictObject({
  path: str.optional(),
  add: strMap.optional(),
  reason: str.optional(),
});

const ResourcesSchema = z.strictObject({
  cpu: str.optional(),
  cpumodel: str.optional(),
  memory: str.optional(),
  disk: str.optional(),
});

export const PackageSchema = z.strictObject({
  name: packageName,
  version: str.min(1, { message: "version must not be empty" }),
  epoch: uint.default(0),
  description: str.optional(),
  annotations: strMap.optional(),
  url: str.optional(),
  commit: str.optional(),
  "target-architecture": strList.optional(),
  copyright: z.array(CopyrightSchema).optional(),
  dependencies: DependenciesSchema.optional(),
  options: PackageOptionsSchema.optional(),
  scriptlets: ScriptletsSchema.optional(),
  checks: ChecksSchema.optional(),
  cpe: CpeSchema.optional(),
  setcap: z.array(SetcapSchema).optional(),
  timeout: duration.optional(),
  resources: ResourcesSchema.optional(),
  "test-resources": ResourcesSchema.optional(),
});

// ---- environment (apko ImageConfiguration) ----

const ContentsSchema = z.strictObject({
  repositories: strList.optional(),
  build_repositories: strList.optional(),
  runtime_repositories: strList.optional(),
  keyring: strList.optional(),
  packages: strList.optional(),
  baseimage: z.strictObject({ image: str.optional(), apkindex: str.optional() }).optional(),
});

const UserSchema = z.strictObject({
  username: str,
  uid: uint.optional(),
  gid: uint.optional(),
  shell: str.optional(),
  homedir: str.optional(),
});

const GroupSchema = z.strictObject({
  groupname: str,
  gid: uint.optional(),
  members: strList.optional(),
});

const AccountsSchema = z.strictObject({
  "run-as": str.optional(),
  users: z.array(UserSchema).optional(),
  groups: z.array(GroupSchema).optional(),
});

const PathMutationSchema = z.strictObject({
  path: str,
  type: str,
  uid: uint.optional(),
  gid: uint.optional(),
  permissions: uint.optional(),
  source: str.optional(),
  recursive: bool.optional(),
});

export const ImageConfigurationSchema = z.strictObject({
  contents: ContentsSchema.optional(),
  accounts: AccountsSchema.optional(),
  environment: strMap.optional(),
  // Image-only keys apko accepts; melange ignores them for builds.
  entrypoint: z
    .strictObject({
      type: str.optional(),
      command: str.optional(),
      "shell-fragment": str.optional(),
      services: z.record(str, z.unknown()).optional(),
    })
    .optional(),
  cmd: str.optional(),
  "stop-signal": str.optional(),
  "work-dir": str.optional(),
  archs: strList.optional(),
  paths: z.array(PathMutationSchema).optional(),
  "vcs-url": str.optional(),
  annotations: strMap.optional(),
  include: str.optional(),
  volumes: strList.optional(),
  layering: z.strictObject({ strategy: str.optional(), budget: uint.optional() }).optional(),
  certificates: z.record(str, z.unknown()).optional(),
});

// ---- pipelines ----

export const InputSchema = z.strictObject({
  description: str.optional(),
  default: str.optional(),
  required: bool.optional(),
});

export const PipelineStepSchema = z.strictObject({
  if: str.optional(),
  name: str.optional(),
  uses: str.optional(),
  with: strMap.optional(),
  runs: str.optional(),
  get pipeline(): z.ZodOptional<z.ZodArray<typeof PipelineStepSchema>> {
    return z.array(PipelineStepSchema).optional();
  },
  inputs: z.record(str, InputSchema).optional(),
  needs: z.strictObject({ packages: strList.optional() }).optional(),
  label: str.optional(),
  assertions: z.strictObject({ "required-steps": uint.optional() }).optional(),
  "working-directory": str.optional(),
  environment: strMap.optional(),
});

export const TestSchema = z.strictObject({
  environment: ImageConfigurationSchema.optional(),
  pipeline: z.array(PipelineStepSchema).optional(),
});

export const SubpackageSchema = z.strictObject({
  if: str.optional(),
  range: str.optional(),
  // Checked after range expansion (a range name is usually `${{range.key}}`-templated).
  name: str,
  pipeline: z.array(PipelineStepSchema).optional(),
  dependencies: DependenciesSchema.optional(),
  options: PackageOptionsSchema.optional(),
  scriptlets: ScriptletsSchema.optional(),
  description: str.optional(),
  annotations: strMap.optional(),
  url: str.optional(),
  commit: str.optional(),
  checks: ChecksSchema.optional(),
  test: TestSchema.optional(),
  setcap: z.array(SetcapSchema).optional(),
});

// ---- update (bot metadata; parsed for strictness, ignored by builds) ----

const UpdateSchema = z.strictObject({
  enabled: bool.optional(),
  manual: bool.optional(),
  "require-sequential": bool.optional(),
  shared: bool.optional(),
  "version-separator": str.optional(),
  "ignore-regex-patterns": strList.optional(),
  "release-monitor": z
    .strictObject({
      identifier: int,
      "strip-prefix": str.optional(),
      "strip-suffix": str.optional(),
      "version-filter-contains": str.optional(),
      "version-filter-prefix": str.optional(),
    })
    .optional(),
  github: z
    .strictObject({
      identifier: str,
      "strip-prefix": str.optional(),
      "strip-suffix": str.optional(),
      "tag-filter": str.optional(),
      "tag-filter-prefix": str.optional(),
      "tag-filter-contains": str.optional(),
      "use-tag": bool.optional(),
    })
    .optional(),
  git: z
    .strictObject({
      "strip-prefix": str.optional(),
      "strip-suffix": str.optional(),
      "tag-filter-prefix": str.optional(),
      "tag-filter-contains": str.optional(),
    })
    .optional(),
  oci: z
    .strictObject({
      identifier: str,
      "strip-prefix": str.optional(),
      "strip-suffix": str.optional(),
      "tag-filter-prefix": str.optional(),
      "tag-filter-contains": str.optional(),
    })
    .optional(),
  version_data: z
    .strictObject({
      version_format: str.optional(),
      sources: z
        .array(
          z.strictObject({
            name: str,
            stream: str.optional(),
            ignore: strList.optional(),
            commit_source: str.optional(),
            use_release: bool.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  "version-transform": z.array(z.strictObject({ match: str, replace: str })).optional(),
  "exclude-reason": str.optional(),
  schedule: z
    .strictObject({ reason: str.optional(), period: z.enum(["daily", "weekly", "monthly"]).optional() })
    .optional(),
  "enable-prerelease-tags": bool.optional(),
});

// ---- top level ----

export const VarTransformSchema = z.strictObject({ from: str, match: str, replace: str, to: str });

export const RangeDataSchema = z.strictObject({ name: str, items: strMap });

export const BuildOptionSchema = z.strictObject({
  vars: strMap.optional(),
  environment: z
    .strictObject({
      contents: z
        .strictObject({
          packages: z.strictObject({ add: strList.optional(), remove: strList.optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
});

export const ConfigurationSchema = z.strictObject({
  package: PackageSchema,
  environment: ImageConfigurationSchema.optional(),
  capabilities: z.strictObject({ add: strList.optional(), drop: strList.optional() }).optional(),
  pipeline: z.array(PipelineStepSchema).optional(),
  subpackages: z.array(SubpackageSchema).optional(),
  data: z.array(RangeDataSchema).optional(),
  update: UpdateSchema.optional(),
  vars: strMap.optional(),
  "var-transforms": z.array(VarTransformSchema).optional(),
  options: z.record(str, BuildOptionSchema).optional(),
  test: TestSchema.optional(),
});

/**
 * A pipeline definition file (built-in or from a pipeline dir) has the shape of a step, plus a top-level
 * `description` (melange decodes these files non-strictly; wolfi's pipelines/ use `description`).
 */
export const PipelineDefinitionSchema = PipelineStepSchema.extend({ description: str.optional() });

export type Configuration = z.output<typeof ConfigurationSchema>;
export type PackageConfig = z.output<typeof PackageSchema>;
export type PipelineStep = z.output<typeof PipelineStepSchema>;
export type Subpackage = z.output<typeof SubpackageSchema>;
export type TestConfig = z.output<typeof TestSchema>;
export type ImageConfiguration = z.output<typeof ImageConfigurationSchema>;
export type Dependencies = z.output<typeof DependenciesSchema>;
export type Copyright = z.output<typeof CopyrightSchema>;
export type Scriptlets = z.output<typeof ScriptletsSchema>;
export type Setcap = z.output<typeof SetcapSchema>;
export type PipelineInput = z.output<typeof InputSchema>;
export type VarTransform = z.output<typeof VarTransformSchema>;
export type BuildOption = z.output<typeof BuildOptionSchema>;
