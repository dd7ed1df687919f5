// PackSpec: everything the packager needs to turn one melange-out/<pkg> tree into an .apk.
// The build layer writes it as JSON (`melange-ts pack --spec <file>`); this schema is its contract.

import { z } from "zod";
import { UserError } from "../errors.js";

const scriptlet = z.string().optional();

export const packSpecSchema = z.object({
  name: z.string().regex(/^[a-zA-Z\d][a-zA-Z\d+_.-]*$/, "invalid package name"),
  version: z.string().min(1),
  epoch: z.number().int().nonnegative().default(0),
  /** APK arch, e.g. x86_64 */
  arch: z.string().min(1),
  description: z.string().default(""),
  url: z.string().default(""),
  commit: z.string().default(""),
  /** one entry per copyright block (one `license =` line each) */
  licenses: z.array(z.string()).default([]),
  /** the main package's name (subpackages carry their parent's) */
  origin: z.string().optional(),
  maintainer: z.string().default(""),
  /** SOURCE_DATE_EPOCH: every mtime in the package, and `builddate` */
  sourceDateEpoch: z.number().int().nonnegative().default(0),
  dependencies: z
    .object({
      runtime: z.array(z.string()).default([]),
      provides: z.array(z.string()).default([]),
      replaces: z.array(z.string()).default([]),
      providerPriority: z.number().int().optional(),
      replacesPriority: z.number().int().optional(),
    })
    .default({ runtime: [], provides: [], replaces: [] }),
  installIf: z.array(z.string()).default([]),
  options: z
    .object({
      noProvides: z.boolean().default(false),
      noDepends: z.boolean().default(false),
      noCommands: z.boolean().default(false),
    })
    .default({ noProvides: false, noDepends: false, noCommands: false }),
  scriptlets: z
    .object({
      preInstall: scriptlet,
      postInstall: scriptlet,
      preDeinstall: scriptlet,
      postDeinstall: scriptlet,
      preUpgrade: scriptlet,
      postUpgrade: scriptlet,
      trigger: z.object({ script: z.string(), paths: z.array(z.string()).default([]) }).optional(),
    })
    .default({}),
  /** the compiled configuration, stored as .melange.yaml in the control segment ("" = omitted) */
  melangeYaml: z.string().default(""),
  /** extended attributes to set, path -> name -> base64 value (e.g. setcap's security.capability) */
  xattrs: z.record(z.string(), z.record(z.string(), z.string())).default({}),
});

export type PackSpec = z.infer<typeof packSpecSchema>;
export type PackSpecInput = z.input<typeof packSpecSchema>;

/** Validate a spec (already parsed JSON); `where` names it in errors. */
export function parsePackSpec(value: unknown, where = "pack spec"): PackSpec {
  const r = packSpecSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new UserError(`${where}: ${issues}`);
  }
  return r.data;
}

/** `<version>-r<epoch>` */
export function fullVersion(spec: Pick<PackSpec, "version" | "epoch">): string {
  return `${spec.version}-r${spec.epoch}`;
}

/** `<name>-<version>-r<epoch>.apk` */
export function apkFileName(spec: Pick<PackSpec, "name" | "version" | "epoch">): string {
  return `${spec.name}-${fullVersion(spec)}.apk`;
}
