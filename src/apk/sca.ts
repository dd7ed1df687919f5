// Automatic dependency detection ("SCA") for one package tree, after melange's generators:
//   so:   ELF PT_INTERP and DT_NEEDED -> depends; DT_SONAME of libraries in lib dirs -> provides
//   cmd:  executables (mode 0555) in bin dirs -> provides; shebang interpreters -> depends
//   pc:   .pc files -> provides pc:<name>, Requires/Requires.private -> depends
//   python: usr/lib/pythonX.Y/site-packages -> depends python-X.Y-base
// Then the package options, the YAML dependencies, self-provided depends dropped, sorted, deduplicated.

import fs from "node:fs";
import path from "node:path";
import { parseElf, isElfMagic, type ReadAt } from "./elf.js";
import type { TreeNode } from "./tree.js";
import type { PackSpec } from "./packspec.js";

export interface Generated {
  depends: string[];
  provides: string[];
  /** sonames found outside the library dirs (melange writes these as comments only) */
  vendored: string[];
}

const LIB_DIRS = new Set(["lib", "usr/lib", "lib64", "usr/lib64"]);
const BIN_DIRS = new Set(["bin", "sbin", "usr/bin", "usr/sbin"]);
const SHEBANG_DIRS = new Set(["usr/bin", "usr/local/bin", "usr/local/sbin"]);
const ET_DYN = 3;

function dirOf(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i < 0 ? "" : rel.slice(0, i);
}

function fileReader(fd: number): ReadAt {
  return (off, len) => {
    const buf = Buffer.alloc(len);
    const n = fs.readSync(fd, buf, 0, len, off);
    return buf.subarray(0, n);
  };
}

/** `ld-musl-x86_64.so.1` is provided as `so:libc.musl-x86_64.so.1` by musl. */
function interpreterDep(interp: string): string {
  const base = path.posix.basename(interp);
  return base.startsWith("ld-musl-") ? `so:libc.musl-${base.slice("ld-musl-".length)}` : `so:${base}`;
}

/** The interpreter named by a `#!` line: `#!/usr/bin/env -S python3 -u` -> python3. */
export function shebangCommand(firstLine: string): string | undefined {
  if (!firstLine.startsWith("#!")) return undefined;
  const words = firstLine.slice(2).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  let cmd = path.posix.basename(words[0]);
  if (cmd === "env") {
    const next = words.slice(1).find((w) => !w.startsWith("-") && !w.includes("="));
    if (!next) return undefined;
    cmd = path.posix.basename(next);
  }
  return cmd || undefined;
}

/** Names required by a .pc file's Requires and Requires.private lines (version constraints dropped). */
export function pkgConfigRequires(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*Requires(?:\.private)?\s*:(.*)$/.exec(line);
    if (!m) continue;
    const tokens = m[1].split(/[\s,]+/).filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (/^[<>=!]=?$/.test(t)) {
        i++; // skip the version after an operator
        continue;
      }
      if (!t.includes("$")) out.push(t);
    }
  }
  return out;
}

/** Run the generators over a walked tree. `fullVersion` is `<version>-r<epoch>`. */
export function detectDependencies(nodes: TreeNode[], fullVersion: string): Generated {
  const depends: string[] = [];
  const provides: string[] = [];
  const vendored: string[] = [];
  for (const node of nodes) {
    const dir = dirOf(node.rel);
    const base = path.posix.basename(node.rel);
    if (node.kind === "dir") {
      const py = /^usr\/lib\/python(\d+\.\d+)\/site-packages$/.exec(node.rel);
      if (py && nodes.some((n) => n.rel.startsWith(node.rel + "/"))) depends.push(`python-${py[1]}-base`);
      continue;
    }
    if (node.kind !== "file") continue;
    if (BIN_DIRS.has(dir) && (node.mode & 0o555) === 0o555) provides.push(`cmd:${base}=${fullVersion}`);
    if (base.endsWith(".pc") && path.posix.basename(dir) === "pkgconfig") {
      provides.push(`pc:${base.slice(0, -3)}=${fullVersion}`);
      for (const r of pkgConfigRequires(fs.readFileSync(node.abs, "utf8"))) depends.push(`pc:${r}`);
      continue;
    }
    if (node.size < 4) continue;
    const fd = fs.openSync(node.abs, "r");
    try {
      const read = fileReader(fd);
      const head = read(0, 256);
      if (isElfMagic(head)) {
        const elf = parseElf(read);
        if (!elf) continue;
        if (elf.interp) depends.push(interpreterDep(elf.interp));
        for (const lib of elf.needed) if (lib.includes(".so.")) depends.push(`so:${lib}`);
        if (elf.soname && elf.type === ET_DYN) {
          if (LIB_DIRS.has(dir)) {
            const i = elf.soname.indexOf(".so.");
            const libver = i >= 0 ? elf.soname.slice(i + 4) : "0";
            provides.push(`so:${elf.soname}=${libver}`, `so-ver:${elf.soname}=${fullVersion}`);
          } else {
            vendored.push(`so:${elf.soname}`);
          }
        }
      } else if (SHEBANG_DIRS.has(dir) && head[0] === 0x23 && head[1] === 0x21) {
        const cmd = shebangCommand(head.toString("utf8").split("\n")[0]);
        if (cmd) depends.push(`cmd:${cmd}`);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return { depends, provides, vendored };
}

/** The name part of a dependency or provide: `so:libc.so.6=6` -> `so:libc.so.6`, `foo>=1` -> `foo`. */
export function dependencyName(dep: string): string {
  return dep.replace(/^!/, "").split(/[<>=~]/)[0];
}

function sortedUnique(xs: string[]): string[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Combine YAML dependencies with generated ones as the package options say. */
export function mergeDependencies(
  spec: Pick<PackSpec, "name" | "dependencies" | "options">,
  generated: Generated,
): { depends: string[]; provides: string[] } {
  let genProvides = spec.options.noProvides ? [] : generated.provides;
  if (spec.options.noCommands) genProvides = genProvides.filter((p) => !p.startsWith("cmd:"));
  const genDepends = spec.options.noDepends ? [] : generated.depends;
  // A name the YAML provides explicitly is not provided again by detection: apk refuses a package that provides
  // one name at two versions (e.g. `cmd:sh=1` written and `cmd:sh=1-r0` detected).
  const explicit = new Set(spec.dependencies.provides.map(dependencyName));
  const provides = sortedUnique([...spec.dependencies.provides, ...genProvides.filter((p) => !explicit.has(dependencyName(p)))]);
  const provided = new Set([spec.name, ...provides.map(dependencyName)]);
  // Only generated depends are dropped when the package satisfies them itself; YAML deps are kept as written.
  const depends = sortedUnique([...spec.dependencies.runtime, ...genDepends.filter((d) => !provided.has(dependencyName(d)))]);
  return { depends, provides };
}
