// Test-local helpers: load a built-in definition from src/pipelines/defs, substitute variables
// the simple way (no compiler involved) and run its steps with a real POSIX shell.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const defsDir = join(dirname(fileURLToPath(import.meta.url)), "../../../src/pipelines/defs");

export interface InputSpec {
  description?: unknown;
  default?: unknown;
  required?: unknown;
}
export interface StepSpec {
  name?: string;
  runs?: string;
  uses?: string;
  with?: Record<string, string>;
  "working-directory"?: string;
  pipeline?: StepSpec[];
}
export interface PipelineDef {
  name: string;
  needs?: { packages?: string[] };
  inputs?: Record<string, InputSpec>;
  pipeline: StepSpec[];
}

export function defText(name: string): string {
  return readFileSync(join(defsDir, `${name}.yaml`), "utf8");
}
export function loadDef(name: string): PipelineDef {
  return parse(defText(name)) as PipelineDef;
}

/** `${{ name }}` references, as melange's substituter recognises them. */
export const varRef = /\$\{\{\s*([A-Za-z0-9._-]+)\s*\}\}/g;

export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(varRef, (whole, name: string) => {
    if (!(name in vars)) throw new Error(`test harness: no value for ${whole}`);
    return vars[name];
  });
}

/** A shell to run scripts with: busybox sh (what the build image has) first, then dash. */
export interface Shell {
  label: string;
  argv: string[];
  pipefail: boolean;
}
let shellsFound: Shell[] | undefined;
export function availableShells(): Shell[] {
  shellsFound ??= probeShells();
  return shellsFound;
}
function probeShells(): Shell[] {
  const candidates = [
    { label: "busybox sh", argv: ["busybox", "sh"] },
    { label: "dash", argv: ["dash"] },
  ];
  const found: Shell[] = [];
  for (const c of candidates) {
    if (spawnSync(c.argv[0], [...c.argv.slice(1), "-c", "true"]).status !== 0) continue;
    const pipefail = spawnSync(c.argv[0], [...c.argv.slice(1), "-c", "set -o pipefail"]).status === 0;
    found.push({ ...c, pipefail });
  }
  return found;
}

/** A fake /home/build: workspace, melange-out, the main package dir and a subpackage dir. */
export interface Workspace {
  root: string;
  home: string;
  outdir: string;
  destdir: string;
  cache: string;
  vars(contextPackage?: string): Record<string, string>;
}
export function makeWorkspace(mainPackage = "hello"): Workspace {
  const root = mkdtempSync(join(tmpdir(), "melange-ts-pipelines-"));
  const home = join(root, "home", "build");
  const outdir = join(home, "melange-out");
  const destdir = join(outdir, mainPackage);
  const cache = join(root, "cache");
  for (const d of [home, destdir, cache]) mkdirSync(d, { recursive: true });
  return {
    root,
    home,
    outdir,
    destdir,
    cache,
    vars(contextPackage = mainPackage) {
      return {
        "package.name": mainPackage,
        "package.version": "1.2.3",
        "package.epoch": "0",
        "package.full-version": "1.2.3-r0",
        "package.srcdir": home,
        "targets.outdir": outdir,
        "targets.destdir": destdir,
        "targets.contextdir": join(outdir, contextPackage),
        "context.name": contextPackage,
        "build.arch": "x86_64",
        "build.goarch": "amd64",
        "host.triplet.gnu": "x86_64-pc-linux-gnu",
        "host.triplet.rust": "x86_64-unknown-linux-gnu",
      };
    },
  };
}

/** Input values for a definition: `with` over the defaults; defaults may reference other variables. */
export function resolveInputs(def: PipelineDef, given: Record<string, string>, vars: Record<string, string>) {
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(def.inputs ?? {})) {
    if (key in given) out[`inputs.${key}`] = given[key];
    else if (spec.required === true) throw new Error(`test harness: input ${key} is required`);
    else out[`inputs.${key}`] = substitute(String(spec.default ?? ""), vars);
  }
  for (const key of Object.keys(given)) {
    if (!(key in (def.inputs ?? {}))) throw new Error(`test harness: undefined input ${key}`);
  }
  return out;
}

/** The script of each `runs` step of a definition, substituted; nested `uses` steps are skipped. */
export function stepScripts(def: PipelineDef, vars: Record<string, string>): string[] {
  const scripts: string[] = [];
  const walk = (steps: StepSpec[]) => {
    for (const step of steps) {
      if (step.runs !== undefined) scripts.push(substitute(step.runs, vars));
      if (step.pipeline) walk(step.pipeline);
    }
  };
  walk(def.pipeline);
  return scripts;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a built-in pipeline the way a step runs (set -e[o pipefail], cd into the workspace, the
 * script, exit 0), stopping at the first failing step. `rewrite` edits the script text before it
 * runs (e.g. to point the fixed cache path at a temp dir).
 */
export function runPipeline(
  shell: Shell,
  name: string,
  ws: Workspace,
  opts: { with?: Record<string, string>; context?: string; rewrite?: (s: string) => string; env?: Record<string, string> } = {},
): RunResult {
  const def = loadDef(name);
  const base = ws.vars(opts.context);
  const vars = { ...base, ...resolveInputs(def, opts.with ?? {}, base) };
  let stdout = "";
  let stderr = "";
  for (let script of stepScripts(def, vars)) {
    if (opts.rewrite) script = opts.rewrite(script);
    const wrapped = `set -e${shell.pipefail ? "o pipefail" : ""}\ncd '${ws.home}'\n${script}\nexit 0\n`;
    const r = spawnSync(shell.argv[0], [...shell.argv.slice(1), "-c", wrapped], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: ws.home, TMPDIR: ws.root, ...opts.env },
    });
    stdout += r.stdout;
    stderr += r.stderr;
    if (r.status !== 0) return { status: r.status, stdout, stderr };
  }
  return { status: 0, stdout, stderr };
}

/**
 * The available shells in which `tool` is the GNU one. A busybox built to prefer its applets runs
 * its own reduced `tar`/`patch` even when GNU ones are on PATH, which the build image does not do.
 */
export function shellsWithGnu(tool: string): Shell[] {
  return availableShells().filter((shell) => {
    const r = spawnSync(shell.argv[0], [...shell.argv.slice(1), "-c", `${tool} --version`], { encoding: "utf8" });
    return r.status === 0 && r.stdout.includes("GNU");
  });
}
