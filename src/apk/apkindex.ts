// APKINDEX text: one record per package, blank-line terminated, fields in apko's fixed order.
// Optional fields are omitted when empty or zero; T: (description) is always written.

import { UserError } from "../errors.js";
import { emptyPackageInfo, type IndexEntry } from "./types.js";

/** One record's lines (without the blank separator line). */
export function formatIndexRecord(e: IndexEntry): string[] {
  const lines: string[] = [];
  const add = (k: string, v: string | number | undefined, always = false) => {
    if (always || (v !== undefined && v !== "" && v !== 0)) lines.push(`${k}:${v ?? ""}`);
  };
  add("C", e.checksum);
  add("P", e.name);
  add("V", e.version);
  add("A", e.arch);
  add("S", e.size);
  add("I", e.installedSize);
  add("T", e.description, true);
  add("U", e.url);
  add("L", e.licenses.join(" AND "));
  add("o", e.origin);
  add("m", e.maintainer);
  add("t", e.buildDate);
  add("c", e.commit);
  add("D", e.depends.join(" "));
  add("i", e.installIf.join(" "));
  add("p", e.provides.join(" "));
  add("k", e.providerPriority);
  return lines;
}

/** The APKINDEX file text for `entries` (in the given order). */
export function formatApkIndexText(entries: IndexEntry[]): string {
  return entries.map((e) => formatIndexRecord(e).join("\n") + "\n\n").join("");
}

function emptyEntry(): IndexEntry {
  return { ...emptyPackageInfo(), checksum: "", size: 0 };
}

function num(v: string, key: string, line: number): number {
  if (!/^-?\d+$/.test(v)) throw new UserError(`APKINDEX line ${line}: ${key}: is not a number: "${v}"`);
  return Number(v);
}

const words = (v: string) => v.split(/\s+/).filter(Boolean);

/** Parse APKINDEX text. Unknown field letters are ignored; a record without P: is an error. */
export function parseApkIndexText(text: string): IndexEntry[] {
  const out: IndexEntry[] = [];
  let cur: IndexEntry | undefined;
  let startLine = 0;
  const finish = () => {
    if (!cur) return;
    if (!cur.name) throw new UserError(`APKINDEX record at line ${startLine} has no P: (package name)`);
    out.push(cur);
    cur = undefined;
  };
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line === "") return finish();
    if (line.length < 2 || line[1] !== ":") throw new UserError(`APKINDEX line ${i + 1}: malformed "${line}"`);
    if (!cur) {
      cur = emptyEntry();
      startLine = i + 1;
    }
    const v = line.slice(2);
    switch (line[0]) {
      case "C": cur.checksum = v; break;
      case "P": cur.name = v; break;
      case "V": cur.version = v; break;
      case "A": cur.arch = v; break;
      case "S": cur.size = num(v, "S", i + 1); break;
      case "I": cur.installedSize = num(v, "I", i + 1); break;
      case "T": cur.description = v; break;
      case "U": cur.url = v; break;
      case "L": cur.licenses = v ? [v] : []; break;
      case "o": cur.origin = v; break;
      case "m": cur.maintainer = v; break;
      case "t": cur.buildDate = num(v, "t", i + 1); break;
      case "c": cur.commit = v; break;
      case "D": cur.depends = words(v); break;
      case "i": cur.installIf = words(v); break;
      case "p": cur.provides = words(v); break;
      case "r": cur.replaces = words(v); break;
      case "k": cur.providerPriority = num(v, "k", i + 1); break;
      default: break;
    }
  });
  finish();
  return out;
}
