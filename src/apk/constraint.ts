// apk dependency strings: `name`, `name=1.2-r0`, `name>1`, `name<=2`, `name~1.2` (token prefix),
// `name><Q1...` (exact package checksum), `!name` (conflict), `so:libc.so.6`, `cmd:sh`, `pc:zlib`,
// `name@tag` (a repository pin; we keep it but ignore it). The operator is any combination of
// `<`, `>`, `=`, `~`, read as a set of allowed comparison results, as apk-tools does.

import { UserError } from "../errors.js";
import { compareVersionsFuzzy, isValidVersion } from "./version.js";

/** Allowed comparison results of `package version` against the constraint's version. */
export const LESS = 1;
export const EQUAL = 2;
export const GREATER = 4;
export const FUZZY = 8;
/** LESS|EQUAL|GREATER: any version (no operator). */
export const ANY = LESS | EQUAL | GREATER;
/** `><`: the version field holds a package checksum (Q1...), compared verbatim. */
export const CHECKSUM = LESS | GREATER;

export interface Constraint {
  /** as written */
  raw: string;
  name: string;
  /** a mask of LESS/EQUAL/GREATER/FUZZY; ANY when no version is given */
  mask: number;
  /** the operator as written (`""` when none) */
  op: string;
  /** the version (or checksum for `><`); undefined when none */
  version?: string;
  /** `!name`: the name must not be installed (within the version range, if any) */
  conflict: boolean;
  /** `name@tag`: repository tag, ignored by the resolver */
  tag?: string;
}

function maskOf(op: string): number {
  let m = 0;
  for (const c of op) {
    if (c === "<") m |= LESS;
    else if (c === ">") m |= GREATER;
    else if (c === "=") m |= EQUAL;
    else if (c === "~") m |= FUZZY | EQUAL;
  }
  return m;
}

const OP_CHARS = "<>=~";

/** Parses one dependency string; throws UserError on a malformed one. */
export function parseConstraint(raw: string): Constraint {
  let s = raw.trim();
  const conflict = s.startsWith("!");
  if (conflict) s = s.slice(1);
  let i = 0;
  while (i < s.length && !OP_CHARS.includes(s[i]) && s[i] !== "@") i++;
  const name = s.slice(0, i);
  let tag: string | undefined;
  if (s[i] === "@") {
    const start = ++i;
    while (i < s.length && !OP_CHARS.includes(s[i])) i++;
    tag = s.slice(start, i);
  }
  const opStart = i;
  while (i < s.length && OP_CHARS.includes(s[i])) i++;
  const op = s.slice(opStart, i);
  const version = s.slice(i);
  if (!name || /\s/.test(name)) throw new UserError(`invalid dependency "${raw}": missing package name`);
  if (!op) {
    if (version) throw new UserError(`invalid dependency "${raw}"`);
    return { raw, name, mask: ANY, op, conflict, ...(tag !== undefined ? { tag } : {}) };
  }
  const mask = maskOf(op);
  if (!version) throw new UserError(`invalid dependency "${raw}": operator "${op}" without a version`);
  // Only `><` (a checksum) may combine both directions.
  if ((mask & (LESS | GREATER)) === (LESS | GREATER) && op !== "><")
    throw new UserError(`invalid dependency "${raw}": operator "${op}"`);
  if (mask !== CHECKSUM && !isValidVersion(version))
    throw new UserError(`invalid dependency "${raw}": "${version}" is not an apk version`);
  return { raw, name, mask, op, version, conflict, ...(tag !== undefined ? { tag } : {}) };
}

/**
 * Whether `version` lies in the constraint's range (the conflict flag is not applied: for `!foo<2`
 * this answers "is it below 2"). `checksum` is the package's C: value, needed only for `><`.
 */
export function satisfies(version: string, constraint: Constraint | string, checksum?: string): boolean {
  const c = typeof constraint === "string" ? parseConstraint(constraint) : constraint;
  if (c.version === undefined || c.mask === ANY) return true;
  if (c.mask === CHECKSUM) return checksum !== undefined && checksum === c.version;
  const r = compareVersionsFuzzy(version, c.version, (c.mask & FUZZY) !== 0);
  const bit = r < 0 ? LESS : r > 0 ? GREATER : EQUAL;
  return (c.mask & bit) !== 0;
}

/** The canonical text of a constraint (without the tag), e.g. for messages. */
export function formatConstraint(c: Constraint): string {
  return (c.conflict ? "!" : "") + c.name + (c.version !== undefined ? c.op + c.version : "");
}
