import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

// Drives the real engine through the real client: docker.io's /usr/bin/docker with BuildKit on.
// `npm test` (hack/test.sh) starts the engine and builds the images before vitest runs.

export const DOCKER = "/usr/bin/docker";
export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
/** The frontend under the tag hack/image.sh gives it by content (melange-ts/frontend:<16 hex of its id)):
 *  dockerd 20.10 may keep running the image it first resolved for a reference after `latest` is re-imported. */
export const FRONTEND = currentFrontend();

function currentFrontend(): string {
  const r = spawnSync(DOCKER, ["image", "inspect", "--format", "{{.Id}}", "melange-ts/frontend:latest"], { encoding: "utf8" });
  const id = r.stdout.trim().replace(/^sha256:/, "");
  return id ? `melange-ts/frontend:${id.slice(0, 16)}` : "melange-ts/frontend:latest";
}
export const BUSYBOX = "melange-ts/busybox";

export interface BuildResult {
  code: number;
  /** Progress output (plain) and errors: docker build writes both to stderr. */
  log: string;
  out: string;
}

export interface BuildOptions {
  context: string;
  file?: string;
  buildArgs?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Select the frontend with --build-arg BUILDKIT_SYNTAX (default) or rely on a `# syntax=` line. */
  syntaxArg?: boolean;
  noCache?: boolean;
  out?: string;
  platform?: string;
  /** `melange-out` for the raw trees; default: packages. */
  target?: string;
  /** Exporter: a directory (default) or a tar file at `out`. */
  exporter?: "local" | "tar";
}

export function dockerBuild(o: BuildOptions): BuildResult {
  const exporter = o.exporter ?? "local";
  const out = o.out ?? join(mkdtempSync(join(tmpdir(), "mts-out-")), exporter === "tar" ? "out.tar" : "out");
  const args = ["build", "--progress=plain", "-f", o.file ?? "melange.yaml", "-o", `type=${exporter},dest=${out}`];
  if (o.syntaxArg !== false) args.push("--build-arg", `BUILDKIT_SYNTAX=${FRONTEND}`);
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
  for (const [id, src] of Object.entries(o.secrets ?? {})) args.push("--secret", `id=${id},src=${src}`);
  if (o.noCache) args.push("--no-cache");
  if (o.target) args.push("--target", o.target);
  if (o.platform) args.push("--platform", o.platform);
  args.push(".");
  const r = spawnSync(DOCKER, args, {
    cwd: o.context,
    env: { ...process.env, DOCKER_BUILDKIT: "1" },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, log: (r.stdout ?? "") + (r.stderr ?? ""), out };
}

/** A scratch copy of an example, so tests may edit it. */
export function copyExample(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mts-${name.replace(/\W/g, "-")}-`));
  cpSync(join(ROOT, "examples", name), dir, { recursive: true });
  return dir;
}

export function tempDir(prefix = "mts-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Every path under dir, relative, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      out.push(relative(dir, p));
      if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Names of the steps that ran (not CACHED) in a plain progress log. */
export function stepsRun(log: string): string[] {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  const done = new Set<string>();
  for (const line of log.split("\n")) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, id, rest] = m;
    if (!names.has(id)) names.set(id, rest);
    if (rest === "CACHED") cached.add(id);
    if (/^DONE /.test(rest)) done.add(id);
  }
  return [...done].filter((id) => !cached.has(id)).map((id) => names.get(id)!);
}

export function requireEngine(): void {
  const r = spawnSync(DOCKER, ["image", "inspect", FRONTEND, BUSYBOX], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`the engine or the images are missing: run the suite with \`npm test\` (${r.stderr.trim()})`);
  }
}

/** Runs our CLI from the checkout's bundle. */
export function cli(args: string[], opts: { cwd?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/melange-ts.mjs"), ...args], { encoding: "utf8", cwd: opts.cwd });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A signing key pair made with our keygen, in a temp dir: { dir, key, pub }. */
export function makeKey(name = "melange.rsa"): { dir: string; key: string; pub: string } {
  const dir = tempDir("mts-key-");
  const key = join(dir, name);
  const r = cli(["keygen", "--key-size", "2048", key]);
  if (r.code !== 0) throw new Error(`keygen failed: ${r.stderr}`);
  return { dir, key, pub: `${key}.pub` };
}
