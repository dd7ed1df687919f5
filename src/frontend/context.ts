import { local, marshal } from "../llb/index.js";
import type { PipelineDir } from "../compile/pipeline-loader.js";
import type { BridgeClient } from "../gateway/client.js";
import { UserError } from "../errors.js";

// What the frontend reads from the client before it compiles: the config file (from the `dockerfile` local),
// ignore files and pipeline dirs (from the `context` local). Each is a small Solve plus ReadFile calls.

const IGNORE_FILES = [".dockerignore", ".melangeignore"];

export interface ContextFiles {
  /** Patterns from .dockerignore and .melangeignore. */
  ignore: string[];
  /** The vars file's text, when one was asked for and exists. */
  varsFile?: string;
  /** Pipeline dirs, in search order, with their .yaml files read. */
  pipelineDirs: PipelineDir[];
}

async function solveLocal(client: BridgeClient, name: string, sessionId: string, o: { followPaths?: string[]; includePatterns?: string[]; hint: string; customName: string }) {
  const def = marshal(
    local(name, {
      sessionId,
      followPaths: o.followPaths,
      includePatterns: o.includePatterns,
      sharedKeyHint: o.hint,
      customName: o.customName,
    }),
  );
  return client.solve({ definition: def });
}

export async function readConfigFile(client: BridgeClient, sessionId: string, filename: string): Promise<Buffer | undefined> {
  const ref = await solveLocal(client, "dockerfile", sessionId, {
    followPaths: [filename],
    hint: "dockerfile",
    customName: `[internal] load build definition from ${filename}`,
  });
  const st = await client.statFile(ref, filename);
  if (!st) return undefined;
  return client.readWholeFile(ref, filename, st.size);
}

function isDir(mode: number): boolean {
  // fsutil sends Go's os.FileMode (dir bit 1<<31); accept a Unix S_IFDIR too.
  return (mode & 0x80000000) !== 0 || (mode & 0o170000) === 0o040000;
}

function cleanDir(d: string): string {
  return d.replace(/^\.\//, "").replace(/\/+$/, "");
}

function insideContext(p: string): boolean {
  return p !== "" && !p.startsWith("/") && !p.split("/").includes("..");
}

export async function readContextFiles(client: BridgeClient, sessionId: string, pipelineDirs: string[], varsFile?: string): Promise<ContextFiles> {
  const dirs = pipelineDirs.map(cleanDir).filter(insideContext);
  const vars = varsFile ? cleanDir(varsFile) : undefined;
  if (vars !== undefined && !insideContext(vars)) {
    throw new UserError(`build-arg MELANGE_VARS_FILE=${varsFile}: the vars file must be a relative path inside the build context`);
  }
  const ref = await solveLocal(client, "context", sessionId, {
    includePatterns: [...IGNORE_FILES, ...dirs, ...(vars ? [vars] : [])],
    hint: "context-meta",
    customName: "[internal] load ignore files and pipelines from the build context",
  });
  const ignore: string[] = [];
  for (const f of IGNORE_FILES) {
    const st = await client.statFile(ref, f);
    if (!st) continue;
    const text = (await client.readWholeFile(ref, f, st.size)).toString("utf8");
    for (const line of text.split("\n")) {
      const l = line.trim();
      if (l && !l.startsWith("#")) ignore.push(l);
    }
  }
  let varsText: string | undefined;
  if (vars) {
    const st = await client.statFile(ref, vars);
    if (!st) throw new UserError(`build-arg MELANGE_VARS_FILE=${varsFile}: no such file in the build context`);
    varsText = (await client.readWholeFile(ref, vars, st.size)).toString("utf8");
  }
  const out: PipelineDir[] = [];
  for (const dir of dirs) {
    const files = new Map<string, string>();
    const walk = async (rel: string) => {
      let entries;
      try {
        entries = await client.readDir(ref, rel);
      } catch {
        return; // the dir does not exist in this context
      }
      // All at once: the engine answers concurrent reads (wolfi's pipelines/ holds ~100 files).
      await Promise.all(
        entries.map(async (e) => {
          const p = `${rel}/${e.path}`;
          if (isDir(e.mode)) await walk(p);
          else if (/\.ya?ml$/.test(e.path)) files.set(p.slice(dir.length + 1), (await client.readWholeFile(ref, p, e.size)).toString("utf8"));
        }),
      );
    };
    await walk(dir);
    if (files.size) out.push({ name: dir, read: (p) => files.get(p) });
  }
  return { ignore, varsFile: varsText, pipelineDirs: out };
}
