// The built-in pipelines a `uses:` step can name, as YAML texts in melange's pipeline-definition
// format. The texts come from src/pipelines/defs via `npm run gen` (hack/gen-pipelines.mjs).
import { builtinPipelineTexts } from "../gen/pipelines.js";

/** The YAML text of the built-in pipeline `name` (e.g. "go/build/v2"), or undefined if there is none. */
export function builtinPipeline(name: string): string | undefined {
  return Object.hasOwn(builtinPipelineTexts, name) ? builtinPipelineTexts[name] : undefined;
}

/** Names of all built-in pipelines, sorted. */
export function builtinPipelineNames(): string[] {
  return Object.keys(builtinPipelineTexts).sort();
}
