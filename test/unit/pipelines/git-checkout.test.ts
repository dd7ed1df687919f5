import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { availableShells, makeWorkspace, runPipeline, type Workspace } from "./harness.js";

const hasGit = spawnSync("git", ["--version"]).status === 0;
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com",
  GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1",
};

/** An upstream repo of our own: main has commits c1 (tag v1, annotated), c2, c3; branch fix has a fix commit. */
function makeUpstream(ws: Workspace) {
  const dir = join(ws.root, "upstream");
  mkdirSync(dir);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: gitEnv, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  const commit = (file: string, content: string) => {
    writeFileSync(join(dir, file), content);
    git("add", file);
    git("commit", "-q", "-m", `${file}: ${content}`);
    return git("rev-parse", "HEAD");
  };
  const c1 = commit("version.txt", "1");
  git("tag", "-a", "v1", "-m", "release 1");
  const c2 = commit("version.txt", "2");
  const c3 = commit("other.txt", "3");
  git("checkout", "-q", "-b", "fix", c1);
  const fix = commit("fix.txt", "fixed");
  git("checkout", "-q", "main");
  return { url: `file://${dir}`, c1, c2, c3, fix, tagObject: git("rev-parse", "v1") };
}

// Cloning is slow-ish: one shell (busybox sh when present, as in the build image) and one
// upstream repo shared by all cases; the defs tests already syntax-check the script in every shell.
const shells = availableShells().slice(0, 1);

describe.skipIf(!hasGit || shells.length === 0).each(shells)("git-checkout ($label)", (shell) => {
  let up: ReturnType<typeof makeUpstream>;
  beforeAll(() => {
    up = makeUpstream(makeWorkspace());
  });
  const run = (ws: Workspace, inputs: Record<string, string>) =>
    runPipeline(shell, "git-checkout", ws, { with: { "max-retries": "0", ...inputs }, env: { SOURCE_DATE_EPOCH: "1700000000" } });
  const head = (dir: string) => execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, env: gitEnv, encoding: "utf8" }).trim();

  it("checks out a tag into the destination, keeping files already there and .git", () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws.home, "src"));
    writeFileSync(join(ws.home, "src", "local.patch"), "mine");
    const r = run(ws, { repository: up.url, tag: "v1", "expected-commit": up.c1, destination: "src" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const dest = join(ws.home, "src");
    expect(readFileSync(join(dest, "version.txt"), "utf8")).toBe("1");
    expect(readFileSync(join(dest, "local.patch"), "utf8")).toBe("mine");
    expect(existsSync(join(dest, ".git"))).toBe(true);
    expect(head(dest)).toBe(up.c1);
  });

  it("accepts the annotated tag object id as expected-commit, with a warning", () => {
    const ws = makeWorkspace();
    const r = run(ws, { repository: up.url, tag: "v1", "expected-commit": up.tagObject });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(up.c1);
    expect(head(ws.home)).toBe(up.c1);
  });

  it("fails when the tag is not the expected commit", () => {
    const ws = makeWorkspace();
    const r = run(ws, { repository: up.url, tag: "v1", "expected-commit": up.c2 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`expected ${up.c2}`);
  });

  it("resets a branch to an older expected commit (full history by default)", () => {
    const ws = makeWorkspace();
    const r = run(ws, { repository: up.url, branch: "main", "expected-commit": up.c2 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(head(ws.home)).toBe(up.c2);
    expect(existsSync(join(ws.home, "other.txt"))).toBe(false);
  });

  it("with expected-commit-is-branch-tip, an older commit fails", () => {
    const ws = makeWorkspace();
    const r = run(ws, { repository: up.url, branch: "main", "expected-commit": up.c2, "expected-commit-is-branch-tip": "true" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("not the tip of main");
  });

  it("rejects branch and tag together before cloning", () => {
    const ws = makeWorkspace();
    const r = run(ws, { repository: "file:///nonexistent", branch: "main", tag: "v1" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("mutually exclusive");
  });

  it("applies cherry-picks from another branch with a reproducible committer date", () => {
    const ws = makeWorkspace();
    const r = run(ws, {
      repository: up.url,
      tag: "v1",
      "expected-commit": up.c1,
      "cherry-picks": `# backports\nfix/${up.fix}: add the fix\n\n`,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(ws.home, "fix.txt"), "utf8")).toBe("fixed");
    const date = execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: ws.home, env: gitEnv, encoding: "utf8" }).trim();
    expect(date).toBe("1700000000");
  });

  it("fails after the retries when the repository does not exist", () => {
    const ws = makeWorkspace();
    const r = run(ws, { repository: `file://${ws.root}/missing`, "initial-backoff": "0" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("git clone");
  });
});
