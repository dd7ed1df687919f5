// Finds the definition behind `uses: <name>`: each pipeline dir in order (`<dir>/<name>.yaml`), then the
// built-ins. Parsed definitions are memoized per loader (one build usually uses a handful many times).
import { UserError } from "../errors.js";
import { parsePipelineDefinition, type Parsed } from "../config/parse.js";
import type { PipelineStep } from "../config/schema.js";

export interface PipelineText {
  /** For messages: `pipelines/foo.yaml`, `<built-in>/fetch.yaml`. */
  file: string;
  text: string;
}

/** Returns the definition text for a `uses` name, or undefined when no dir or built-in has it. */
export type PipelineLoader = (uses: string) => PipelineText | undefined;

export interface PipelineDir {
  /** Shown in messages, e.g. the path given to --pipeline-dir. */
  name: string;
  /** Reads a file relative to the dir; undefined when it does not exist. */
  read(relativePath: string): string | undefined;
}

/** A loader over pipeline dirs (searched first, in order) and a built-in lookup. */
export function pipelineLoader(dirs: readonly PipelineDir[], builtin: (name: string) => string | undefined): PipelineLoader {
  return (uses) => {
    for (const dir of dirs) {
      const rel = `${uses}.yaml`;
      const text = dir.read(rel);
      if (text !== undefined) return { file: `${dir.name.replace(/\/+$/, "")}/${rel}`, text };
    }
    const text = builtin(uses);
    return text === undefined ? undefined : { file: `<built-in>/${uses}.yaml`, text };
  };
}

/** The built-in pipelines, loaded on first use so the compiler itself stays importable without them. */
export async function loadBuiltinPipelines(): Promise<(name: string) => string | undefined> {
  const mod = await import("../pipelines/builtins.js");
  return mod.builtinPipeline;
}

/** `uses` names are relative paths inside a pipeline dir: no absolute paths, no `..`, no empty segments. */
export function checkUsesName(uses: string): string | undefined {
  if (uses === "") return "empty pipeline name";
  if (uses.startsWith("/") || uses.includes("\\")) return `pipeline name "${uses}" must be a relative name like "fetch" or "go/build"`;
  if (uses.split("/").some((seg) => seg === ".." || seg === "." || seg === "")) {
    return `pipeline name "${uses}" must not contain "..", "." or empty path segments`;
  }
  return undefined;
}

// Parsed definitions are immutable, so a process that compiles many times (tests, a long-lived CLI) reuses
// them by exact file name and text. Bounded so that it cannot grow without limit.
const parsedTexts = new Map<string, Parsed<PipelineStep>>();
const MAX_PARSED_TEXTS = 256;

export function parseDefinitionCached(def: PipelineText): Parsed<PipelineStep> {
  const key = `${def.file}\0${def.text}`;
  let parsed = parsedTexts.get(key);
  if (!parsed) {
    parsed = parsePipelineDefinition(def);
    if (parsedTexts.size >= MAX_PARSED_TEXTS) parsedTexts.clear();
    parsedTexts.set(key, parsed);
  }
  return parsed;
}

/** Memoizes the definition behind each `uses` name for one compile. */
export class DefinitionCache {
  private readonly cache = new Map<string, Parsed<PipelineStep> | null>();
  constructor(private readonly load: PipelineLoader) {}

  get(uses: string): Parsed<PipelineStep> | undefined {
    if (!this.cache.has(uses)) {
      const text = this.load(uses);
      this.cache.set(uses, text ? parseDefinitionCached(text) : null);
    }
    return this.cache.get(uses) ?? undefined;
  }
}

export function unknownPipeline(uses: string): UserError {
  return new UserError(`unknown pipeline "${uses}"`, undefined, "not a built-in and not found in any --pipeline-dir");
}
