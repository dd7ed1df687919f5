// melange's `${{ name }}` variables. Grammar (pkg/cond): "${{", spaces, [A-Za-z0-9._-]+, spaces, "}}".
// Two passes, as melange does: a lenient one at parse time (unknown names stay as written) and a strict one
// at compile time (an unknown name or a malformed reference is an error).
import { UserError, type SourcePos } from "../errors.js";

const REFERENCE = /\$\{\{ *([A-Za-z0-9._-]+) *\}\}/g;
const OPENER = "${{";

export type Variables = ReadonlyMap<string, string>;

/** Replaces the variables that are known; leaves the rest untouched. */
export function substituteLenient(text: string, vars: Variables): string {
  if (!text.includes(OPENER)) return text;
  return text.replace(new RegExp(REFERENCE), (whole, name: string) => vars.get(name) ?? whole);
}

export interface UseSite {
  /** What is being substituted, for messages: `pipeline[0].runs`. */
  field?: string;
  pos?: SourcePos;
  /** Extra context shown under the message. */
  hint?: string;
  /** Finds the exact position of a reference as written (its `occurrence`-th appearance), if possible. */
  locate?: (reference: string, occurrence: number) => SourcePos | undefined;
}

/** Replaces every reference; an undefined variable or a malformed `${{` is a UserError at `where`. */
export function substituteStrict(text: string, lookup: (name: string) => string | undefined, where: UseSite = {}): string {
  if (!text.includes(OPENER)) return text;
  let out = "";
  let i = 0;
  const undefinedNames: string[] = [];
  let firstUndefined: { ref: string; occurrence: number } | undefined;
  const seenRefs = new Map<string, number>();
  while (i < text.length) {
    const start = text.indexOf(OPENER, i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    REFERENCE.lastIndex = start;
    const m = REFERENCE.exec(text);
    if (!m || m.index !== start) {
      const snippet = text.slice(start, start + 24).split("\n")[0];
      throw new UserError(`malformed variable reference "${snippet}"${inField(where)}`, where.pos, where.hint ?? "write variables as ${{ name }}");
    }
    const occurrence = seenRefs.get(m[0]) ?? 0;
    seenRefs.set(m[0], occurrence + 1);
    const value = lookup(m[1]!);
    if (value === undefined) {
      undefinedNames.push(m[1]!);
      firstUndefined ??= { ref: m[0], occurrence };
    } else out += value;
    i = start + m[0].length;
  }
  if (undefinedNames.length > 0) {
    const names = [...new Set(undefinedNames)].map((n) => `"\${{${n}}}"`).join(", ");
    const pos = (firstUndefined && where.locate?.(firstUndefined.ref, firstUndefined.occurrence)) ?? where.pos;
    throw new UserError(`undefined variable${undefinedNames.length > 1 ? "s" : ""} ${names}${inField(where)}`, pos, where.hint);
  }
  return out;
}

function inField(where: UseSite): string {
  return where.field ? ` in ${where.field}` : "";
}

/** The variable names a text refers to, in order of appearance. */
export function referencedVariables(text: string): string[] {
  return [...text.matchAll(new RegExp(REFERENCE))].map((m) => m[1]!);
}
