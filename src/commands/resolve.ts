// `melange-ts resolve`: which packages an environment with PACKAGE... would get from the given
// repositories. Reads <repo>/<arch>/APKINDEX.tar.gz (a directory or an http(s) URL), checks its
// signature unless --allow-untrusted, prints `name-version` lines sorted by name.

import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../errors.js";
import { readApkIndex } from "../apk/index-archive.js";
import { resolve } from "../apk/resolve.js";
import type { Keyring } from "../apk/sign.js";
import type { IndexEntry } from "../apk/types.js";
import type { Command } from "./command.js";

const usage = `usage: melange-ts resolve --repository URL_OR_DIR... [--keyring FILE]... [--allow-untrusted] --arch ARCH PACKAGE...

Resolves PACKAGE... (apk dependency strings, e.g. busybox 'python3~3.12' so:libc.so.6) against the
repositories' APKINDEX.tar.gz for ARCH and prints the packages to install, one name-version per line.

  --repository, -r  a repository: a directory or http(s) URL holding <arch>/APKINDEX.tar.gz (repeatable;
                    the first one wins for the same name and version)
  --keyring, -k     a trusted public key file, e.g. melange.rsa.pub (repeatable)
  --allow-untrusted do not check index signatures
  --arch            the apk architecture, e.g. x86_64 or aarch64`;

function isUrl(s: string): boolean {
  return /^https?:\/\//.test(s);
}

/** The bytes of `<repo>/<arch>/APKINDEX.tar.gz`. */
export async function fetchRepositoryIndex(repo: string, arch: string): Promise<{ where: string; bytes: Buffer }> {
  if (isUrl(repo)) {
    const where = `${repo.replace(/\/+$/, "")}/${arch}/APKINDEX.tar.gz`;
    let res: Response;
    try {
      res = await fetch(where);
    } catch (e) {
      throw new UserError(`${where}: ${(e as Error).message}`);
    }
    if (!res.ok) throw new UserError(`${where}: HTTP ${res.status} ${res.statusText}`);
    return { where, bytes: Buffer.from(await res.arrayBuffer()) };
  }
  const where = path.join(repo, arch, "APKINDEX.tar.gz");
  try {
    return { where, bytes: fs.readFileSync(where) };
  } catch (e) {
    throw new UserError(`${where}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Reads key files into a keyring named by their basenames. */
export function readKeyFiles(files: readonly string[]): Keyring {
  const keyring: Keyring = {};
  for (const f of files) {
    try {
      keyring[path.basename(f)] = fs.readFileSync(f, "utf8");
    } catch (e) {
      throw new UserError(`${f}: cannot read key (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return keyring;
}

export const command: Command = {
  name: "resolve",
  summary: "resolve packages against APK repositories and print the install set",
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        repository: { type: "string", short: "r", multiple: true, default: [] },
        keyring: { type: "string", short: "k", multiple: true, default: [] },
        "allow-untrusted": { type: "boolean", default: false },
        arch: { type: "string" },
      },
    });
    const repos = values.repository ?? [];
    if (repos.length === 0) throw new UserError("resolve: no --repository given", undefined, usage);
    if (!values.arch) throw new UserError("resolve: --arch is required", undefined, usage);
    if (positionals.length === 0) throw new UserError("resolve: no PACKAGE given", undefined, usage);
    const untrusted = values["allow-untrusted"] ?? false;
    const keyFiles = values.keyring ?? [];
    if (!untrusted && keyFiles.length === 0) {
      throw new UserError("resolve: no --keyring given to check the index signatures", undefined, "pass --keyring KEY.rsa.pub or --allow-untrusted");
    }
    const keyring = untrusted ? undefined : readKeyFiles(keyFiles);
    const index: IndexEntry[] = [];
    for (const repo of repos) {
      const { where, bytes } = await fetchRepositoryIndex(repo, values.arch);
      index.push(...readApkIndex(bytes, keyring, where).entries);
    }
    const { packages } = resolve(index, positionals, { arch: values.arch });
    process.stdout.write(packages.map((p) => `${p.name}-${p.version}\n`).join(""));
    return 0;
  },
};
