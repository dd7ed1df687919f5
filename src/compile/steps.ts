// One pipeline step -> CompiledStep: `uses:` inlined from its definition, inputs resolved (with ⊆ inputs,
// defaults, required, checksums), strict substitution of runs / working-directory / needs / if, children
// compiled with the inherited workdir, environment and inputs. Steps whose `if:` is false are dropped,
// and so are their needs.
import { posix } from "node:path";
import { UserError } from "../errors.js";
import { evaluateCondition } from "../config/condition.js";
import type { PipelineStep } from "../config/schema.js";
import { substituteLenient, substituteStrict } from "../config/substitute.js";
import { formatPath } from "../config/schema-errors.js";
import type { SourceMap, YamlPath } from "../config/yaml-tree.js";
import { checkUsesName, type DefinitionCache } from "./pipeline-loader.js";
import type { CompiledStep } from "./types.js";

export const WORKDIR = "/home/build";
const MAX_USES_DEPTH = 32;

/** Variable name (without `${{ }}`) -> value. */
export type Scope = ReadonlyMap<string, string>;

/** Where a step is written: the file's source map and the step's path in it. */
export interface Origin {
  sources: SourceMap;
  path: YamlPath;
  /** Set inside a pipeline definition: the user's step that used it, e.g. `melange.yaml:12:5`. */
  usedFrom?: string;
}

export interface StepsContext {
  defs: DefinitionCache;
}

interface Parent {
  /** The parent's substituted working-directory as written (relative or absolute), if any. */
  workdir?: string;
  environment: Record<string, string>;
  depth: number;
}

export interface CompiledSteps {
  steps: CompiledStep[];
  /** needs.packages of every step that runs, in order (not deduplicated). */
  needs: string[];
}

export function compileSteps(
  steps: readonly PipelineStep[] | undefined,
  scope: Scope,
  origin: Origin,
  ctx: StepsContext,
  parent: Parent = { environment: {}, depth: 0 },
): CompiledSteps {
  const out: CompiledSteps = { steps: [], needs: [] };
  steps?.forEach((step, i) => {
    const r = compileStep(step, scope, { ...origin, path: [...origin.path, i] }, ctx, parent);
    if (r) {
      out.steps.push(r.step);
      out.needs.push(...r.needs);
    }
  });
  return out;
}

function where(origin: Origin, sub: YamlPath, at: "key" | "value" = "value") {
  return origin.sources.pos([...origin.path, ...sub], at);
}

function locator(origin: Origin, sub: YamlPath) {
  return (ref: string, occurrence: number) => origin.sources.posOfText([...origin.path, ...sub], ref, occurrence);
}

function hintOf(origin: Origin): string | undefined {
  return origin.usedFrom ? `in a pipeline used at ${origin.usedFrom}` : undefined;
}

function fail(origin: Origin, sub: YamlPath, message: string, at: "key" | "value" = "value", hint?: string): never {
  throw new UserError(message, where(origin, sub, at), hint ?? hintOf(origin));
}

function posText(origin: Origin, sub: YamlPath = []): string {
  const p = where(origin, sub, "value");
  return `${p.file}:${p.line}:${p.col}`;
}

const CHECKSUM_LENGTHS: Record<string, number> = { "expected-sha256": 64, "expected-sha512": 128, "expected-commit": 40 };

function compileStep(
  step: PipelineStep,
  scope: Scope,
  origin: Origin,
  ctx: StepsContext,
  parent: Parent,
): { step: CompiledStep; needs: string[] } | undefined {
  // `eff` is the step with its definition decoded over it (as melange unmarshals the file into the step);
  // `defOrigin` is where the definition's own fields live.
  let eff: PipelineStep = step;
  let defOrigin: Origin = origin;
  let defFields: PipelineStep = {};
  const uses = step.uses;
  if (uses !== undefined && !(step.pipeline && step.pipeline.length > 0)) {
    const bad = checkUsesName(uses);
    if (bad) fail(origin, ["uses"], bad);
    if (parent.depth >= MAX_USES_DEPTH) fail(origin, ["uses"], `pipeline "${uses}" uses itself (nesting deeper than ${MAX_USES_DEPTH})`);
    const def = ctx.defs.get(uses);
    if (!def) fail(origin, ["uses"], `unknown pipeline "${uses}"`, "value", "it is not a built-in and no --pipeline-dir has it");
    const inputs = Object.keys(def.value.inputs ?? {}).sort();
    for (const k of Object.keys(step.with ?? {})) {
      if (!inputs.includes(k)) {
        fail(
          origin,
          ["with", k],
          `undefined input "${k}" to pipeline "${uses}"`,
          "key",
          inputs.length > 0 ? `valid inputs: ${inputs.join(", ")}` : `pipeline "${uses}" takes no inputs`,
        );
      }
    }
    defFields = def.value;
    eff = { ...step, ...def.value, name: step.name, uses, with: step.with };
    defOrigin = { sources: def.sources, path: [], usedFrom: posText(origin) };
  }
  const fieldOrigin = (key: keyof PipelineStep): Origin => (defFields[key] !== undefined ? defOrigin : origin);

  // Inputs: own `with` (resolved against the parent scope), else the default; required ones must be set.
  const local = new Map(scope);
  const own = step.with ?? {};
  const pending = new Map<string, { raw: string; origin: Origin; sub: YamlPath }>();
  for (const [k, v] of Object.entries(own)) pending.set(k, { raw: v, origin, sub: ["with", k] });
  for (const [k, input] of Object.entries(eff.inputs ?? {})) {
    if ((own[k] ?? "") === "") pending.set(k, { raw: input.default ?? "", origin: defOrigin, sub: ["inputs", k, "default"] });
  }
  for (const [k, p] of pending) local.set(`inputs.${k}`, substituteLenient(p.raw, scope));
  const resolved = resolveInputs(pending, local);
  for (const [k, input] of Object.entries(eff.inputs ?? {})) {
    const v = resolved.get(k) ?? "";
    if (input.required && v === "") {
      fail(origin, uses !== undefined ? ["uses"] : [], `required input "${k}" for pipeline "${uses ?? "(inline)"}" is missing`);
    }
    const len = CHECKSUM_LENGTHS[k];
    if (len !== undefined && v !== "" && !(v.length === len && /^[0-9a-fA-F]+$/.test(v))) {
      const p = pending.get(k)!;
      fail(p.origin, p.sub, `input "${k}" must be ${len} hexadecimal characters, got "${v}"`);
    }
  }

  const strict = (text: string, o: Origin, sub: YamlPath) =>
    substituteStrict(text, (n) => local.get(n), { field: formatPath([...o.path, ...sub]), pos: where(o, sub), hint: hintOf(o), locate: locator(o, sub) });

  const wdOrigin = fieldOrigin("working-directory");
  const workdirRaw =
    eff["working-directory"] !== undefined ? strict(eff["working-directory"], wdOrigin, ["working-directory"]) : parent.workdir;
  const needsOrigin = fieldOrigin("needs");
  const needs = (eff.needs?.packages ?? []).map((n, i) => strict(n, needsOrigin, ["needs", "packages", i]));
  const runsOrigin = fieldOrigin("runs");
  const runs = eff.runs !== undefined ? strict(eff.runs, runsOrigin, ["runs"]) : undefined;

  const environment = { ...parent.environment };
  for (const [k, v] of Object.entries(eff.environment ?? {})) environment[k] = substituteLenient(v, local);

  let keep = true;
  if (eff.if !== undefined) {
    const ifOrigin = fieldOrigin("if");
    try {
      keep = evaluateCondition(eff.if, (n) => local.get(n), where(ifOrigin, ["if"]));
    } catch (e) {
      if (e instanceof UserError && !e.hint && hintOf(ifOrigin)) throw new UserError(e.message, e.pos, hintOf(ifOrigin));
      throw e;
    }
  }

  const childOrigin = fieldOrigin("pipeline");
  const children = compileSteps(eff.pipeline, local, { ...childOrigin, path: [...childOrigin.path, "pipeline"] }, ctx, {
    workdir: workdirRaw,
    environment,
    depth: parent.depth + (defFields.pipeline !== undefined ? 1 : 0),
  });
  if (!keep) return undefined;

  const required = eff.assertions?.["required-steps"];
  if (required !== undefined && children.steps.length < required) {
    fail(
      fieldOrigin("assertions"),
      ["assertions", "required-steps"],
      `assertion failed: ${required} nested step(s) required, but only ${children.steps.length} would run (the others' if: is false)`,
    );
  }

  const compiled: CompiledStep = {
    workdir: absoluteWorkdir(workdirRaw),
    environment: sortKeys(environment),
    pipeline: children.steps,
    source: posText(origin),
  };
  const name = step.name ?? (uses !== undefined ? `uses: ${uses}` : runs?.split("\n").find((l) => l.trim() !== "")?.trim());
  if (name !== undefined) compiled.name = name;
  if (uses !== undefined) {
    compiled.uses = uses;
    const withOut: Record<string, string> = {};
    for (const k of [...resolved.keys()].sort()) withOut[k] = resolved.get(k)!;
    compiled.with = withOut;
  }
  if (runs !== undefined) compiled.runs = runs;
  if (required !== undefined) compiled.requiredSteps = required;
  return { step: compiled, needs: [...needs, ...children.needs] };
}

/** Resolves `${{inputs.x}}` chains between sibling inputs; everything else must be in scope. */
function resolveInputs(
  pending: ReadonlyMap<string, { raw: string; origin: Origin; sub: YamlPath }>,
  local: Map<string, string>,
): Map<string, string> {
  const done = new Map<string, string>();
  const visiting = new Set<string>();
  const resolve = (k: string): string => {
    const hit = done.get(k);
    if (hit !== undefined) return hit;
    const p = pending.get(k)!;
    if (visiting.has(k)) fail(p.origin, p.sub, `input "${k}" refers to itself`);
    visiting.add(k);
    const value = substituteStrict(
      local.get(`inputs.${k}`)!,
      (n) => (n.startsWith("inputs.") && pending.has(n.slice(7)) && n.slice(7) !== k ? resolve(n.slice(7)) : local.get(n)),
      {
        field: formatPath([...p.origin.path, ...p.sub]),
        pos: where(p.origin, p.sub),
        hint: hintOf(p.origin),
        locate: locator(p.origin, p.sub),
      },
    );
    visiting.delete(k);
    done.set(k, value);
    local.set(`inputs.${k}`, value);
    return value;
  };
  for (const k of pending.keys()) resolve(k);
  return done;
}

export function absoluteWorkdir(dir: string | undefined): string {
  if (!dir) return WORKDIR;
  return posix.normalize(posix.isAbsolute(dir) ? dir : posix.join(WORKDIR, dir)).replace(/(.)\/$/, "$1");
}

export function sortKeys<V>(o: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
