// --vars-file: a YAML map of name -> value that overrides `vars:` (scalars keep their source text).
import { UserError, UserErrors } from "../errors.js";
import { parseYaml } from "./yaml-tree.js";

export function parseVarsFile(file: string, text: string): Record<string, string> {
  const { value, sources } = parseYaml(file, text);
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new UserError("a vars file must be a YAML map of names to values", sources.pos([]));
  }
  const out: Record<string, string> = {};
  const errors: UserError[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") out[k] = v;
    else errors.push(new UserError(`var "${k}" must be a string, got a ${Array.isArray(v) ? "list" : "map"}`, sources.pos([k])));
  }
  if (errors.length > 0) throw new UserErrors(errors);
  return out;
}
