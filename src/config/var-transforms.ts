// var-transforms: `vars.<to>` = Go's regexp.ReplaceAllString(from, match, replace).
// Go's RE2 syntax and replacement template differ from JavaScript's, so both are translated here.
import { UserError, type SourcePos } from "../errors.js";

/** Compiles an RE2 pattern as a global JS RegExp: `(?P<n>` groups and a leading `(?flags)` group are translated. */
export function compileGoRegexp(pattern: string): RegExp {
  let source = pattern.replace(/\(\?P</g, "(?<");
  let flags = "g";
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    for (const f of lead[1]!) if (f !== "U" && !flags.includes(f)) flags += f;
    source = source.slice(lead[0].length);
  }
  return new RegExp(source, flags);
}

/**
 * Expands a Go replacement template for one match: `$1`, `${1}`, `$name`, `${name}`, `$$`.
 * Like Go, `$name` takes the longest run of [A-Za-z0-9_] (so `$1x` is group "1x", which is empty).
 */
export function expandGoTemplate(template: string, match: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== "$") {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string | undefined;
    let end = i + 1;
    if (next === "{") {
      const close = template.indexOf("}", i + 2);
      const inner = close < 0 ? "" : template.slice(i + 2, close);
      if (/^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        end = close + 1;
      }
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (m) {
        name = m[0];
        end = i + 1 + m[0].length;
      }
    }
    if (name === undefined) {
      // Not a valid reference: Go keeps the "$" literally.
      out += "$";
      continue;
    }
    out += groupValue(match, name);
    i = end - 1;
  }
  return out;
}

function groupValue(match: RegExpExecArray, name: string): string {
  if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
  return match.groups?.[name] ?? "";
}

/** Go's ReplaceAllString with a Go pattern and template. */
export function goReplaceAll(input: string, pattern: string, template: string, pos?: SourcePos): string {
  let re: RegExp;
  try {
    re = compileGoRegexp(pattern);
  } catch (e) {
    throw new UserError(`invalid regular expression "${pattern}": ${(e as Error).message}`, pos);
  }
  let out = "";
  let last = 0;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    out += input.slice(last, m.index) + expandGoTemplate(template, m);
    last = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  return out + input.slice(last);
}
