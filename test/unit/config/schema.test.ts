import { describe, it, expect } from "vitest";
import { parseConfiguration, parsePipelineDefinition } from "../../../src/config/parse.js";
import { UserErrors } from "../../../src/errors.js";

const base = `package:\n  name: p\n  version: 1\n  epoch: 0\n`;
const messages = (text: string): string[] => {
  try {
    parseConfiguration({ file: "m.yaml", text });
  } catch (e) {
    if (e instanceof UserErrors) return e.errors.map((x) => x.format());
    throw e;
  }
  return [];
};

describe("schema coverage", () => {
  it("accepts the full set of package, environment and update keys", () => {
    const text = `package:
  name: full
  version: "1.0"
  epoch: 0
  description: d
  url: https://example.invalid
  commit: abc
  target-architecture: [x86_64]
  copyright:
    - license: Apache-2.0
      paths: ["*"]
      attestation: a
      license-path: LICENSE
      detection-override: x
  dependencies:
    runtime: [a]
    provides: [b]
    replaces: [c]
    provider-priority: 10
    replaces-priority: 5
  options: {no-provides: false, no-depends: yes, no-commands: false, no-versioned-shlib-deps: false}
  scriptlets:
    pre-install: echo
    post-install: echo
    pre-deinstall: echo
    post-deinstall: echo
    pre-upgrade: echo
    post-upgrade: echo
    trigger: {script: echo, paths: [/usr/lib]}
  checks: {disabled: [empty]}
  cpe: {vendor: v, product: p, part: a}
  setcap:
    - path: /usr/bin/x
      add: {cap_net_raw: +ep}
      reason: ping
  timeout: 3600
  resources: {cpu: 4, cpumodel: x, memory: 8Gi, disk: 10Gi}
  test-resources: {cpu: 1}
  annotations: {k: v}
environment:
  contents:
    repositories: [r]
    build_repositories: [br]
    runtime_repositories: [rr]
    keyring: [k]
    packages: [busybox]
    baseimage: {image: i, apkindex: a}
  accounts:
    run-as: build
    users: [{username: u, uid: 1, gid: 1, shell: /bin/sh, homedir: /home/u}]
    groups: [{groupname: g, gid: 1, members: [u]}]
  environment: {A: b}
  entrypoint: {command: /bin/sh}
  cmd: sh
  stop-signal: TERM
  work-dir: /
  archs: [x86_64]
  paths: [{path: /x, type: directory, uid: 0, gid: 0, permissions: 0o755}]
  vcs-url: u
  annotations: {a: b}
  volumes: [/v]
capabilities: {add: [CAP_NET_ADMIN], drop: [CAP_SYS_ADMIN]}
vars: {a: b}
var-transforms: [{from: x, match: x, replace: y, to: z}]
data: [{name: d, items: {a: b}}]
options:
  o: {vars: {a: c}, environment: {contents: {packages: {add: [x], remove: [y]}}}}
pipeline:
  - name: n
    if: "'a' == 'a'"
    label: l
    working-directory: w
    environment: {A: b}
    needs: {packages: [x]}
    assertions: {required-steps: 1}
    pipeline: [{runs: echo}]
subpackages:
  - name: full-dev
    if: "'a' == 'a'"
    description: d
    url: u
    commit: c
    dependencies: {runtime: [full]}
    options: {no-provides: true}
    scriptlets: {post-install: echo}
    checks: {disabled: [dev]}
    annotations: {a: b}
    setcap: []
    test: {environment: {contents: {packages: [x]}}, pipeline: [{runs: echo}]}
    pipeline: [{uses: split/dev}]
test:
  environment: {contents: {packages: [x]}}
  pipeline: [{runs: echo}]
update:
  enabled: true
  manual: false
  require-sequential: false
  shared: false
  version-separator: _
  ignore-regex-patterns: [rc]
  release-monitor: {identifier: 42, strip-prefix: v}
  github: {identifier: o/r, strip-prefix: v, use-tag: true, tag-filter: x}
  git: {strip-prefix: v}
  version-transform: [{match: a, replace: b}]
  schedule: {period: weekly, reason: r}
  exclude-reason: none
  enable-prerelease-tags: false
`;
    const { value } = parseConfiguration({ file: "m.yaml", text });
    expect(value.package.dependencies?.["provider-priority"]).toBe("10");
    expect(value.package.options?.["no-depends"]).toBe(true);
    expect(value.package.resources?.cpu).toBe("4");
    expect(value.environment?.paths?.[0]?.permissions).toBe(0o755);
    expect(value.update?.["release-monitor"]?.identifier).toBe(42);
    expect(value.package.timeout).toBe(3600);
  });

  it("rejects unknown keys at every level, with suggestions", () => {
    expect(messages(base + `environment:\n  contents:\n    package: [x]\n`)).toEqual([
      'm.yaml:7:5: unknown key "package" in "environment.contents" (did you mean "packages"?)',
    ]);
    expect(messages(base + `update:\n  enabled: true\n  github:\n    identifer: x\n`)).toEqual([
      'm.yaml:7:3: missing required field "update.github.identifier"',
      'm.yaml:8:5: unknown key "identifer" in "update.github" (did you mean "identifier"?)',
    ]);
    expect(messages(base + `subpackages:\n  - name: a\n    pipelines: []\n`)).toEqual([
      'm.yaml:7:5: unknown key "pipelines" in subpackage (did you mean "pipeline"?)',
    ]);
    expect(messages(`packages:\n  name: x\n`)).toContain('m.yaml:1:1: unknown key "packages" in the top level (did you mean "package"?)');
  });

  it("rejects wrong types with positions", () => {
    expect(messages(base + `  options:\n    no-provides: maybe\n`)).toEqual([
      'm.yaml:6:18: "package.options.no-provides": expected true or false',
    ]);
    expect(messages(base + `vars:\n  a: [1]\n`)).toEqual(['m.yaml:6:6: "vars.a": expected a string, got a list']);
    expect(messages(base + `pipeline:\n  runs: x\n`)).toEqual(['m.yaml:6:3: "pipeline": expected a list, got a map']);
    expect(messages(base + `update:\n  schedule: {period: hourly}\n`)[0]).toMatch(/"update.schedule.period": expected one of "daily", "weekly", "monthly"/);
  });

  it("parses pipeline definitions, keeping defaults as source text", () => {
    const { value } = parsePipelineDefinition({
      file: "p.yaml",
      text: `name: x\nneeds:\n  packages: [a]\ninputs:\n  jobs:\n    default: 1\n  flag:\n    default: false\n    required: false\npipeline:\n  - runs: echo\n`,
    });
    expect(value.inputs).toEqual({ jobs: { default: "1" }, flag: { default: "false", required: false } });
  });
});
