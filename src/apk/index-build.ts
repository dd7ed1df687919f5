// Assemble APKINDEX records from .apk files, optionally merged with an existing index: a package with
// the same name, version and arch replaces the old record. Records are sorted by name, version, arch
// so the index does not depend on argument order.

import fs from "node:fs";
import { indexEntryOf } from "./read.js";
import type { IndexEntry } from "./types.js";

const key = (e: IndexEntry) => `${e.name}\0${e.version}\0${e.arch}`;

export function mergeIndexEntries(existing: IndexEntry[], added: IndexEntry[], arch?: string): IndexEntry[] {
  const byKey = new Map<string, IndexEntry>();
  for (const e of [...existing, ...added]) if (!arch || e.arch === arch) byKey.set(key(e), e);
  return [...byKey.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function indexEntriesOfFiles(files: string[]): IndexEntry[] {
  return files.map((f) => indexEntryOf(fs.readFileSync(f), f));
}
