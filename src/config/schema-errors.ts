// Turns zod issues into positioned UserErrors: unknown keys (with a "did you mean"), wrong types, missing fields.
import type { z } from "zod";
import { UserError } from "../errors.js";
import type { SourceMap, YamlPath, YamlValue } from "./yaml-tree.js";

type Issue = z.core.$ZodIssue;

export function issuesToErrors(issues: readonly Issue[], schema: z.ZodType, data: unknown, sources: SourceMap): UserError[] {
  const out: UserError[] = [];
  for (const issue of issues) {
    const path = issue.path as (string | number)[];
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(schemaAt(schema, path));
      for (const key of issue.keys) {
        const guess = closest(key, known);
        out.push(
          new UserError(
            `unknown key "${key}" in ${describePath(path)}${guess ? ` (did you mean "${guess}"?)` : ""}`,
            sources.pos([...path, key], "key"),
            guess ? undefined : known.length > 0 ? `valid keys: ${known.join(", ")}` : undefined,
          ),
        );
      }
      continue;
    }
    const value = valueAt(data, path);
    const field = describeField(path);
    if (value === undefined) {
      out.push(new UserError(`missing required field ${field}`, sources.pos(path, "key")));
    } else if (issue.code === "invalid_type") {
      out.push(
        new UserError(`${field}: expected ${expectedName(issue.expected)}, got ${kindOf(value)}`, sources.pos(path)),
      );
    } else if (issue.code === "invalid_value" && "values" in issue) {
      const allowed = (issue.values as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      out.push(new UserError(`${field}: expected one of ${allowed}, got ${JSON.stringify(value)}`, sources.pos(path)));
    } else {
      out.push(new UserError(`${field}: ${issue.message}`, sources.pos(path)));
    }
  }
  return out;
}

function expectedName(expected: string): string {
  switch (expected) {
    case "string":
      return "a string";
    case "array":
      return "a list";
    case "object":
    case "record":
      return "a map";
    default:
      return expected;
  }
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return `"${String(v)}"`;
}

/** `pipeline[2].with` -> `"pipeline[2].with"`. */
export function describeField(path: YamlPath): string {
  return `"${formatPath(path)}"`;
}

export function formatPath(path: YamlPath): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s || "(top level)";
}

const ITEM_NAMES: Record<string, string> = {
  pipeline: "pipeline step",
  subpackages: "subpackage",
  copyright: "copyright entry",
  data: "data entry",
  "var-transforms": "var-transform",
  setcap: "setcap entry",
  users: "user",
  groups: "group",
};

/** What the object at `path` is, for messages: "pipeline step", "package", "environment.contents". */
export function describePath(path: YamlPath): string {
  if (path.length === 0) return "the top level";
  const last = path[path.length - 1]!;
  if (typeof last === "number") {
    const parent = String(path[path.length - 2] ?? "");
    return ITEM_NAMES[parent] ?? `${parent} item`;
  }
  if (path.length >= 2 && path[path.length - 2] === "inputs") return "input";
  return `"${path.filter((p) => typeof p === "string").join(".")}"`;
}

function valueAt(data: unknown, path: YamlPath): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, YamlValue>)[p];
  }
  return cur;
}

type AnySchema = { _zod: { def: Record<string, unknown> & { type: string } } };

/** The schema that validates the value at `path` (optional/default/pipe wrappers looked through). */
function schemaAt(schema: unknown, path: YamlPath): unknown {
  let cur = unwrap(schema);
  for (const p of path) {
    const def = (cur as AnySchema | undefined)?._zod.def;
    if (!def) return undefined;
    if (def.type === "object") cur = unwrap((def.shape as Record<string, unknown>)[String(p)]);
    else if (def.type === "array") cur = unwrap(def.element);
    else if (def.type === "record") cur = unwrap(def.valueType);
    else return undefined;
  }
  return cur;
}

function unwrap(schema: unknown): unknown {
  let cur = schema as AnySchema | undefined;
  for (let i = 0; i < 10 && cur; i++) {
    const def = cur._zod.def;
    if (def.type === "optional" || def.type === "nullable" || def.type === "default") cur = def.innerType as AnySchema;
    else if (def.type === "pipe") cur = def.in as AnySchema;
    else if (def.type === "lazy") cur = (def.getter as () => AnySchema)();
    else break;
  }
  return cur;
}

function knownKeys(schema: unknown): string[] {
  const def = (schema as AnySchema | undefined)?._zod.def;
  return def?.type === "object" ? Object.keys(def.shape as object) : [];
}

/** The known key nearest to `key` by edit distance, if it is plausibly a typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best !== undefined && bestDist <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: edits plus adjacent transpositions ("rusn" -> "runs" is 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
