import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX, FRONTEND, cleanup, copyExample, dockerBuild, requireEngine, stepsRun, tempDir } from "./harness.js";

// The frontend through the real engine: docker build with BUILDKIT_SYNTAX or a `# syntax=` line,
// steps run as melange runs them, failures and bad input reported to the user, and the cache.

const IMAGE = { MELANGE_BUILD_IMAGE: BUSYBOX };
// These tests look at what the steps made: the raw melange-out trees, not the packages.
const TREE = "melange-out";

function project(yaml: string, files: Record<string, string> = {}): string {
  const dir = tempDir("mts-proj-");
  writeFileSync(join(dir, "melange.yaml"), yaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

beforeAll(() => requireEngine());

describe("examples/hello through docker build", () => {
  it("builds with --build-arg BUILDKIT_SYNTAX and returns what the steps installed", () => {
    const ctx = copyExample("hello");
    const r = dockerBuild({ context: ctx, buildArgs: IMAGE, target: TREE });
    expect(r.code, r.log).toBe(0);
    const bin = join(r.out, "hello/usr/bin/hello");
    expect(readFileSync(bin, "utf8")).toBe('#!/bin/sh\necho "Hello, ${1:-world}!"\n');
    expect(statSync(bin).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(r.out, "hello/usr/share/doc/hello/VERSION"), "utf8")).toBe("hello 1.0.0-r0\n");
    // One named vertex per step, numbered.
    expect(r.log).toContain("[hello 1/3] build");
    expect(r.log).toContain("[hello 2/3] install › binary");
    expect(r.log).toContain("[hello 3/3] install › docs");
    cleanup(ctx);
  });

  it("builds with a first line `# syntax=melange-ts/frontend` and no build-arg for the frontend", () => {
    const ctx = copyExample("hello");
    const file = join(ctx, "melange.yaml");
    writeFileSync(file, `# syntax=${FRONTEND}\n` + readFileSync(file, "utf8"));
    const r = dockerBuild({ context: ctx, buildArgs: IMAGE, syntaxArg: false, target: TREE });
    expect(r.code, r.log).toBe(0);
    expect(readFileSync(join(r.out, "hello/usr/bin/hello"), "utf8")).toContain("Hello");
    cleanup(ctx);
  });

  it("keeps the owner and mode the steps gave (steps run as build, uid 1000)", () => {
    const ctx = project(`package:
  name: owners
  version: "1"
  epoch: 0
pipeline:
  - runs: |
      id -u > "\${{targets.destdir}}/uid"
      echo "$HOME $SOURCE_DATE_EPOCH $PWD" > "\${{targets.destdir}}/env"
      mkdir -p "\${{targets.destdir}}/secret"
      chmod 0700 "\${{targets.destdir}}/secret"
      echo x > "\${{targets.destdir}}/secret/file"
      chmod 0600 "\${{targets.destdir}}/secret/file"
`);
    const r = dockerBuild({ context: ctx, buildArgs: { ...IMAGE, SOURCE_DATE_EPOCH: "1700000000" }, exporter: "tar", target: TREE });
    expect(r.code, r.log).toBe(0);
    const listing = spawnSync("tar", ["-tvf", r.out, "--numeric-owner"], { encoding: "utf8" }).stdout;
    expect(listing).toMatch(/drwx------ 1000\/1000 .* owners\/secret\/?\n/);
    expect(listing).toMatch(/-rw------- 1000\/1000 .* owners\/secret\/file\n/);
    const read = (f: string) => spawnSync("tar", ["-xOf", r.out, f], { encoding: "utf8" }).stdout;
    expect(read("owners/uid")).toBe("1000\n");
    expect(read("owners/env")).toBe("/home/build 1700000000 /home/build\n");
    cleanup(ctx);
  });
});

describe("accounts", () => {
  it("creates environment.accounts users and runs steps as run-as", () => {
    const ctx = project(`package:
  name: accounts
  version: "1"
  epoch: 0
environment:
  accounts:
    run-as: nonroot
    groups:
      - groupname: nonroot
        gid: 65532
    users:
      - username: nonroot
        uid: 65532
        gid: 65532
pipeline:
  - runs: |
      id -un > "\${{targets.destdir}}/whoami" 2>/dev/null || id -u > "\${{targets.destdir}}/whoami"
      grep '^build:' /etc/passwd > "\${{targets.destdir}}/build-user"
`);
    const r = dockerBuild({ context: ctx, buildArgs: IMAGE, target: TREE });
    expect(r.code, r.log).toBe(0);
    expect(readFileSync(join(r.out, "accounts/whoami"), "utf8")).toBe("nonroot\n");
    expect(readFileSync(join(r.out, "accounts/build-user"), "utf8")).toBe("build:x:1000:1000:build:/home/build:/bin/sh\n");
    cleanup(ctx);
  });
});

describe("failures the user sees", () => {
  it("a failing step fails the build and the output names that step", () => {
    const ctx = project(`package:
  name: fails
  version: "1"
  epoch: 0
pipeline:
  - name: fine
    runs: echo fine
  - name: explode
    runs: |
      echo "about to fail"
      false
      echo "never printed"
`);
    const r = dockerBuild({ context: ctx, buildArgs: IMAGE });
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(/\[fails 2\/2\] explode/);
    // Step output lines look like `#12 0.345 about to fail`; the script itself is echoed in the error too.
    expect(r.log).toMatch(/^#\d+ [\d.]+ about to fail$/m);
    expect(r.log).not.toMatch(/^#\d+ [\d.]+ never printed$/m);
    cleanup(ctx);
  });

  const bad: [string, string, RegExp][] = [
    ["an unknown key", "package:\n  name: x\n  version: '1'\n  epoch: 0\npipeline:\n  - runs: echo\n    pipline: []\n", /melange\.yaml:7:5: unknown key "pipline".*did you mean "pipeline"/],
    ["bad YAML", "package:\n  name: [x\n", /melange\.yaml:\d+:\d+: invalid YAML/],
    ["a wrong type", "package:\n  name: x\n  version: '1'\n  epoch: [1]\npipeline: []\n", /melange\.yaml:4:10: .*epoch/],
    ["an undefined variable", "package:\n  name: x\n  version: '1'\n  epoch: 0\npipeline:\n  - runs: echo ${{vars.nope}}\n", /melange\.yaml:6:\d+: .*vars\.nope/],
  ];
  for (const [what, yaml, expected] of bad) {
    it(`${what} fails with file:line:col and no stack trace`, () => {
      const ctx = project(yaml);
      const r = dockerBuild({ context: ctx, buildArgs: IMAGE });
      expect(r.code).not.toBe(0);
      expect(r.log).toMatch(expected);
      expect(r.log).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(r.log).not.toContain("internal error");
      cleanup(ctx);
    });
  }

  it("a missing build environment says what to do", () => {
    const ctx = copyExample("hello");
    const r = dockerBuild({ context: ctx });
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(/MELANGE_BUILD_IMAGE/);
    cleanup(ctx);
  });
});

describe("the cache", () => {
  it("/var/cache/melange persists between builds, --no-cache included, and --no-cache leaves no stale results behind", () => {
    const counter = (id: string) => project(`package:
  name: cachemount
  version: "1"
  epoch: 0
pipeline:
  - runs: |
      echo run >> /var/cache/melange/${id}
      wc -l < /var/cache/melange/${id} | tr -d ' ' > "\${{targets.destdir}}/runs"
`);
    const runs = (r: { out: string; log: string }) => readFileSync(join(r.out, "cachemount/runs"), "utf8");
    const ctx = counter(`c${randomUUID().replace(/-/g, "")}`);
    const first = dockerBuild({ context: ctx, buildArgs: IMAGE, target: TREE });
    expect(first.code, first.log).toBe(0);
    expect(runs(first), first.log).toBe("1\n");
    const again = dockerBuild({ context: ctx, buildArgs: IMAGE, target: TREE, noCache: true });
    expect(again.code, again.log).toBe(0);
    expect(runs(again), again.log).toBe("2\n");
    // BuildKit 0.8 files a result made under ignore_cache by its inputs' earlier content: a later build whose tree
    // looks like the first one's would get the --no-cache build's tree. Ours must get its own.
    const other = counter(`c${randomUUID().replace(/-/g, "")}`);
    const fresh = dockerBuild({ context: other, buildArgs: IMAGE, target: TREE });
    expect(fresh.code, fresh.log).toBe(0);
    expect(runs(fresh), fresh.log).toBe("1\n");
    cleanup(ctx, other);
  });

  it("a second identical build runs no step again, even with the output written into the context", () => {
    const ctx = copyExample("hello");
    const out = join(ctx, "packages");
    const first = dockerBuild({ context: ctx, buildArgs: IMAGE, out });
    expect(first.code, first.log).toBe(0);
    const second = dockerBuild({ context: ctx, buildArgs: IMAGE, out });
    expect(second.code, second.log).toBe(0);
    expect(stepsRun(second.log).filter((n) => /^\[hello \d+\/\d+\]/.test(n))).toEqual([]);
    expect(second.log).toMatch(/\[hello 1\/3\] build\n(#\d+ sha256:\w+\n)?#\d+ CACHED/);
    cleanup(ctx);
  });

  it("changing one step reruns that step and those after it, not those before", () => {
    // A change never built before, so the engine's cache cannot already hold it.
    const unique = `run-${process.pid}-${Date.now()}`;
    const ctx = copyExample("hello");
    const first = dockerBuild({ context: ctx, buildArgs: IMAGE });
    expect(first.code, first.log).toBe(0);
    const file = join(ctx, "melange.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace('echo "${{package.name}}', () => `echo "${unique} \${{package.name}}`));
    const second = dockerBuild({ context: ctx, buildArgs: IMAGE });
    expect(second.code, second.log).toBe(0);
    const ran = stepsRun(second.log).filter((n) => /^\[hello \d+\/\d+\]/.test(n));
    expect(ran).toEqual(["[hello 3/3] install › docs"]);
    cleanup(ctx);
  });
});

describe("pipelines, options and vars from the build context", () => {
  it("finds `uses:` in the context's pipelines/ dir and in MELANGE_PIPELINE_DIRS, enables build options, reads a vars file", () => {
    const ctx = project(`package:
  name: custom
  version: "1"
  epoch: 0
vars:
  who: nobody
options:
  loud:
    vars:
      volume: LOUD
pipeline:
  - uses: greet/hello
    with:
      who: \${{vars.who}}
  - uses: tools/stamp
  - runs: echo "\${{vars.volume}} \${{options.loud.enabled}}" > "\${{targets.destdir}}/option"
`, { "vars.yaml": "who: world\nvolume: quiet\n" });
    const dir = (p: string) => join(ctx, p);
    spawnSync("mkdir", ["-p", dir("pipelines/greet"), dir("more/tools")]);
    writeFileSync(dir("pipelines/greet/hello.yaml"), `name: greet someone
inputs:
  who:
    description: whom to greet
    required: true
pipeline:
  - runs: echo "hello \${{inputs.who}}" > "\${{targets.destdir}}/greeting"
`);
    writeFileSync(dir("more/tools/stamp.yaml"), `name: stamp
pipeline:
  - runs: echo stamped > "\${{targets.contextdir}}/stamp"
`);
    const r = dockerBuild({
      context: ctx,
      buildArgs: { ...IMAGE, MELANGE_PIPELINE_DIRS: "more", MELANGE_BUILD_OPTIONS: "loud", MELANGE_VARS_FILE: "vars.yaml" },
      target: TREE,
    });
    expect(r.code, r.log).toBe(0);
    expect(readFileSync(join(r.out, "custom/greeting"), "utf8")).toBe("hello world\n");
    expect(readFileSync(join(r.out, "custom/stamp"), "utf8")).toBe("stamped\n");
    // The vars file overrides both the file's vars and the option's.
    expect(readFileSync(join(r.out, "custom/option"), "utf8")).toBe("quiet true\n");
    expect(r.log).toContain("[custom 1/3] uses: greet/hello");
    cleanup(ctx);
  });

  it("an input the pipeline does not declare is an error naming it and the valid ones", () => {
    const ctx = project(`package:
  name: custom
  version: "1"
  epoch: 0
pipeline:
  - uses: autoconf/make
    with:
      jobs: "4"
`);
    const r = dockerBuild({ context: ctx, buildArgs: IMAGE, target: TREE });
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(/melange\.yaml:\d+:\d+: .*"jobs".*/);
    expect(r.log).toMatch(/dir.*opts.*targets|targets.*opts.*dir/s);
    cleanup(ctx);
  });
});
