// melange.yaml text -> a validated Configuration plus the source map for later (compile-time) errors.
import type { z } from "zod";
import { UserError, UserErrors } from "../errors.js";
import {
  ConfigurationSchema,
  PipelineDefinitionSchema,
  SETCAP_ALLOWED,
  type Configuration,
  type PipelineStep,
  type Setcap,
} from "./schema.js";
import { issuesToErrors } from "./schema-errors.js";
import { parseYaml, type SourceMap, type YamlPath, type YamlValue } from "./yaml-tree.js";

export interface Parsed<T> {
  value: T;
  sources: SourceMap;
}

export interface SourceText {
  file: string;
  text: string;
}

/** Parses and validates a melange.yaml; every problem found is reported at once as UserErrors. */
export function parseConfiguration(source: SourceText): Parsed<Configuration> {
  const parsed = parseWith(source, ConfigurationSchema, "a melange configuration");
  const errors: UserError[] = [];
  const cfg = parsed.value;
  const sources = parsed.sources;
  validateSteps(cfg.pipeline, ["pipeline"], sources, errors);
  validateSteps(cfg.test?.pipeline, ["test", "pipeline"], sources, errors);
  validateSetcap(cfg.package.setcap, ["package", "setcap"], sources, errors);
  const dataNames = new Set((cfg.data ?? []).map((d) => d.name));
  cfg.subpackages?.forEach((sp, i) => {
    validateSteps(sp.pipeline, ["subpackages", i, "pipeline"], sources, errors);
    validateSteps(sp.test?.pipeline, ["subpackages", i, "test", "pipeline"], sources, errors);
    validateSetcap(sp.setcap, ["subpackages", i, "setcap"], sources, errors);
    if (sp.range && !dataNames.has(sp.range)) {
      errors.push(new UserError(`range "${sp.range}" is not defined in data`, sources.pos(["subpackages", i, "range"])));
    }
  });
  const cpe = cfg.package.cpe;
  if (cpe && !!cpe.vendor !== !!cpe.product) {
    errors.push(new UserError("package.cpe: vendor and product must be set together", sources.pos(["package", "cpe"], "key")));
  }
  if (errors.length > 0) throw new UserErrors(errors);
  return parsed;
}

/** Parses a pipeline definition file (same shape as a step, plus `inputs`). */
export function parsePipelineDefinition(source: SourceText): Parsed<PipelineStep> {
  // melange decodes definition files non-strictly (yaml.Unmarshal): unknown keys are ignored, e.g. the
  // `description` that wolfi's pipelines put on steps.
  const parsed = parseWith(source, PipelineDefinitionSchema, "a pipeline definition", true);
  const errors: UserError[] = [];
  validateSteps(parsed.value.pipeline, ["pipeline"], parsed.sources, errors);
  if (errors.length > 0) throw new UserErrors(errors);
  // The description documents the file; it is not a step field.
  const { description: _description, ...step } = parsed.value;
  return { value: step, sources: parsed.sources };
}

function parseWith<S extends z.ZodType>(
  source: SourceText,
  schema: S,
  what: string,
  ignoreUnknownKeys = false,
): Parsed<z.output<S>> {
  const { value, sources } = parseYaml(source.file, source.text);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UserError(`expected ${what} (a YAML map) at the top level`, sources.pos([]));
  }
  let result = schema.safeParse(value);
  if (!result.success && ignoreUnknownKeys && dropUnknownKeys(value, result.error.issues)) {
    result = schema.safeParse(value);
  }
  if (!result.success) {
    const errors = issuesToErrors(result.error.issues, schema, value, sources);
    errors.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
    throw new UserErrors(errors);
  }
  return { value: result.data, sources };
}

/** melange's validatePipelines: `with` needs `uses`; `runs` excludes `uses` and `with`. */
function validateSteps(steps: PipelineStep[] | undefined, path: YamlPath, sources: SourceMap, errors: UserError[]): void {
  steps?.forEach((step, i) => {
    const at = [...path, i];
    if (step.with && step.uses === undefined) {
      errors.push(new UserError('"with" is set but "uses" is not', sources.pos([...at, "with"], "key")));
    }
    if (step.uses !== undefined && step.runs !== undefined) {
      errors.push(new UserError('a step cannot have both "uses" and "runs"', sources.pos([...at, "runs"], "key")));
    }
    if (step.with && step.runs !== undefined) {
      errors.push(new UserError('a step cannot have both "with" and "runs"', sources.pos([...at, "with"], "key")));
    }
    validateSteps(step.pipeline, [...at, "pipeline"], sources, errors);
  });
}

/** melange's validateCapabilities: known capability names only, and a reason for each entry. */
function validateSetcap(setcap: Setcap[] | undefined, path: YamlPath, sources: SourceMap, errors: UserError[]): void {
  setcap?.forEach((entry, i) => {
    for (const caps of Object.keys(entry.add ?? {})) {
      for (const cap of caps.split(",")) {
        if (!SETCAP_ALLOWED.includes(cap)) {
          errors.push(
            new UserError(`invalid capability "${cap}"`, sources.pos([...path, i, "add", caps], "key"), `allowed: ${SETCAP_ALLOWED.join(", ")}`),
          );
        }
      }
    }
    if (!entry.reason) errors.push(new UserError("setcap entry needs a reason", sources.pos([...path, i])));
  });
}

/** Deletes the keys of `unrecognized_keys` issues from the tree; true when any were deleted. */
function dropUnknownKeys(tree: YamlValue, issues: readonly z.core.$ZodIssue[]): boolean {
  let dropped = false;
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    let node: YamlValue | undefined = tree;
    for (const p of issue.path) node = node && typeof node === "object" ? (node as Record<string, YamlValue>)[p as string] : undefined;
    if (node && typeof node === "object" && !Array.isArray(node)) {
      for (const k of issue.keys) delete node[k];
      dropped = true;
    }
  }
  return dropped;
}
