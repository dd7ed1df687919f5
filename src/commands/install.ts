// `melange-ts install`: the in-graph installer (see src/tools/install.ts). The build layer mounts the
// downloaded .apk files, the repositories' indexes and the keys, and runs this on our own image.

import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../errors.js";
import { readApkIndex } from "../apk/index-archive.js";
import type { IndexEntry } from "../apk/types.js";
import { installPackages, loadKeyring } from "../tools/install.js";
import type { Command } from "./command.js";

const usage = `usage: melange-ts install --root DIR --packages-dir DIR [--keyring-dir DIR] [--allow-untrusted]
                          [--index APKINDEX.tar.gz]... [--verified-index APKINDEX.tar.gz]...
                          [--world "pkg pkg"] [--repositories "url url"]

Installs every .apk under --packages-dir into --root as apko does (no scripts run): each package is
checked against its index entry and its signature against the keys in --keyring-dir, then its files
are unpacked and lib/apk/db/installed, etc/apk/{world,repositories,keys} are written. Adds the build
user and group (1000), /home/build, /tmp (1777) and /var/cache/melange.

--verified-index takes an index whose signature the caller has already checked (the frontend passes just
the chosen packages' entries, so that unrelated changes to a repository do not change this step); it is
read without a signature check, and the packages are still checked against it and the keyring.`;

function listApks(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith(".apk")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const words = (s: string | undefined) => (s ?? "").split(/\s+/).filter((w) => w !== "");

export const command: Command = {
  name: "install",
  summary: "install downloaded .apk files into a root (in-graph tool)",
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        root: { type: "string" },
        "keyring-dir": { type: "string" },
        "allow-untrusted": { type: "boolean", default: false },
        index: { type: "string", multiple: true, default: [] },
        "verified-index": { type: "string", multiple: true, default: [] },
        "packages-dir": { type: "string" },
        world: { type: "string" },
        repositories: { type: "string" },
      },
    });
    if (!values.root) throw new UserError("install: --root is required", undefined, usage);
    if (!values["packages-dir"]) throw new UserError("install: --packages-dir is required", undefined, usage);
    const untrusted = values["allow-untrusted"] ?? false;
    const keyDir = values["keyring-dir"];
    if (!untrusted && !keyDir) throw new UserError("install: --keyring-dir is required unless --allow-untrusted", undefined, usage);
    const keyring = keyDir ? loadKeyring(keyDir) : {};
    const index: IndexEntry[] = [];
    const indexFiles = [
      ...(values.index ?? []).map((file) => ({ file, verified: false })),
      ...(values["verified-index"] ?? []).map((file) => ({ file, verified: true })),
    ];
    for (const { file, verified } of indexFiles) {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (e) {
        throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      index.push(...readApkIndex(bytes, untrusted || verified ? undefined : keyring, file).entries);
    }
    const packages = listApks(values["packages-dir"]).map((file) => ({ file: path.basename(file), bytes: fs.readFileSync(file) }));
    if (packages.length === 0) throw new UserError(`install: no .apk files in ${values["packages-dir"]}`);
    const world = values.world !== undefined ? words(values.world) : undefined;
    const { installed } = installPackages({
      root: values.root,
      keyring,
      allowUntrusted: untrusted,
      index,
      packages,
      ...(world ? { world } : {}),
      repositories: words(values.repositories),
      log: (line) => process.stderr.write(line + "\n"),
    });
    process.stderr.write(`installed ${installed.length} packages into ${values.root}\n`);
    return 0;
  },
};
