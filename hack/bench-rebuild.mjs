// `npm run bench`, part 2: a no-op rebuild of examples/hello through docker build, against a fully cached
// two-step Dockerfile on the same engine in the same run (the baseline a user compares with), and a cold build.
// Needs the engine and the images (`npm run demo` leaves both); skipped with a note when the engine is down.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const DOCKER = "/usr/bin/docker";
const env = { ...process.env, DOCKER_BUILDKIT: "1" };
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

if (spawnSync(DOCKER, ["image", "inspect", "melange-ts/frontend:latest", "melange-ts/busybox:latest"]).status !== 0) {
  console.log("rebuild bench: skipped (no engine or no images: run `npm run demo` first)");
  process.exit(0);
}
const id = spawnSync(DOCKER, ["image", "inspect", "--format", "{{.Id}}", "melange-ts/frontend:latest"], { encoding: "utf8" }).stdout.trim();
const frontend = `melange-ts/frontend:${id.slice(7, 23)}`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "melange-ts-bench-rebuild-"));
fs.writeFileSync(path.join(work, "Dockerfile"), "FROM melange-ts/busybox\nRUN echo one > /one\nRUN echo two > /two\n");
const hello = path.join(work, "hello");
fs.cpSync(path.join(root, "examples/hello"), hello, { recursive: true });

function build(cwd, args) {
  const t0 = performance.now();
  const r = spawnSync(DOCKER, ["build", "-q", ...args, "-o", `type=local,dest=${path.join(work, "out")}`, "."], { cwd, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`docker build failed in ${cwd}:\n${r.stderr}`);
  return (performance.now() - t0) / 1000;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const melange = ["--build-arg", `BUILDKIT_SYNTAX=${frontend}`, "--build-arg", "MELANGE_BUILD_IMAGE=melange-ts/busybox", "-f", "melange.yaml"];

const cold = build(hello, [...melange, "--no-cache"]);
build(work, []); // warm both caches
const dockerfile = Array.from({ length: RUNS }, () => build(work, []));
const noop = Array.from({ length: RUNS }, () => build(hello, melange));
const d = median(dockerfile);
const m = median(noop);
console.log(`rebuild bench (${RUNS} runs each, median wall time of docker build):`);
console.log(`  Dockerfile, 2 steps, fully cached:      ${d.toFixed(2)} s`);
console.log(`  examples/hello, fully cached (no-op):   ${m.toFixed(2)} s   ratio ${(m / d).toFixed(2)}x the Dockerfile`);
console.log(`  examples/hello, --no-cache (cold):      ${cold.toFixed(2)} s`);
fs.rmSync(work, { recursive: true, force: true });
