import { describe, it, expect } from "vitest";
import { compileErrors, compileText, HEADER } from "./helpers.js";

describe("compile: variables", () => {
  it("substitutes package, targets, build and triplet variables", () => {
    const b = compileText(
      HEADER +
        `pipeline:
  - runs: |
      echo \${{package.full-version}} \${{targets.destdir}} \${{targets.contextdir}}
      echo \${{build.arch}} \${{build.goarch}} \${{host.triplet.gnu}} \${{host.triplet.rust}} \${{cross.triplet.gnu.musl}}
`,
      {},
      { arch: "arm64" },
    );
    expect(b.arch).toBe("aarch64");
    expect(b.package).toEqual({ name: "hello", version: "1.2.3", epoch: 2, fullVersion: "1.2.3-r2" });
    expect(b.main.steps[0]!.runs).toBe(
      "echo 1.2.3-r2 /home/build/melange-out/hello /home/build/melange-out/hello\n" +
        "echo aarch64 arm64 aarch64-unknown-linux-gnu aarch64-unknown-linux-gnu aarch64-unknown-linux-musl\n",
    );
    expect(b.main.steps[0]!.name).toBe("echo 1.2.3-r2 /home/build/melange-out/hello /home/build/melange-out/hello");
  });

  it("applies var-transforms with Go replacement syntax", () => {
    const b = compileText(`package:
  name: calver
  version: 2024.1.05
  epoch: 0
vars:
  prefix: v
var-transforms:
  - from: \${{package.version}}
    match: ^(\\d{4})\\.(\\d{1})\\.(\\d{2})
    replace: \${1}.0\${2}.\${3}
    to: mangled
pipeline:
  - runs: echo \${{vars.prefix}}\${{vars.mangled}}
`);
    expect(b.main.steps[0]!.runs).toBe("echo v2024.01.05");
    expect(b.vars).toEqual({ mangled: "2024.01.05", prefix: "v" });
  });

  it("resolves vars that refer to other vars and package fields; --vars-file overrides win", () => {
    const text = HEADER + `vars:\n  a: \${{vars.b}}-x\n  b: \${{package.name}}\npipeline:\n  - runs: echo \${{vars.a}}\n`;
    expect(compileText(text).main.steps[0]!.runs).toBe("echo hello-x");
    expect(compileText(text, {}, { varsOverrides: { b: "B" } }).main.steps[0]!.runs).toBe("echo B-x");
  });

  it("reports an undefined variable with the position of the field that uses it", () => {
    const errs = compileErrors(HEADER + `pipeline:\n  - name: build\n    runs: make \${{vars.nope}}\n`);
    expect(errs).toEqual(['melange.yaml:7:16: undefined variable "${{vars.nope}}" in pipeline[0].runs']);
  });

  it("points at the exact reference inside a block scalar", () => {
    const errs = compileErrors(HEADER + `pipeline:\n  - runs: |\n      echo \${{vars.nope}}\n      echo \${{package.name}} \${{ vars.other }}\n`);
    expect(errs).toEqual(['melange.yaml:7:12: undefined variables "${{vars.nope}}", "${{vars.other}}" in pipeline[0].runs']);
  });

  it("treats targets.subpkgdir as undefined in the main package", () => {
    const errs = compileErrors(HEADER + `pipeline:\n  - runs: ls \${{targets.subpkgdir}}\n`);
    expect(errs[0]).toMatch(/^melange.yaml:6:14: undefined variable "\$\{\{targets.subpkgdir\}\}"/);
  });

  it("leaves text that only looks like a variable alone", () => {
    const b = compileText(HEADER + `pipeline:\n  - runs: echo %{{package.version}} \${HOME}\n`);
    expect(b.main.steps[0]!.runs).toBe("echo %{{package.version}} ${HOME}");
  });

  it("is deterministic", () => {
    const text = HEADER + `environment:\n  environment:\n    Z: z\n    A: a\npipeline:\n  - runs: echo\n    environment: {B: b, A: a}\n`;
    expect(JSON.stringify(compileText(text))).toBe(JSON.stringify(compileText(text)));
    expect(Object.keys(compileText(text).environment.env)).toEqual([...Object.keys(compileText(text).environment.env)].sort());
  });
});

describe("compile: subpackages", () => {
  it("expands range subpackages sorted by key", () => {
    const b = compileText(
      HEADER +
        `data:
  - name: fonts
    items:
      zz: Zed font
      aa: Aa font
subpackages:
  - range: fonts
    name: hello-\${{range.key}}
    description: \${{range.value}}
    pipeline:
      - runs: mv \${{targets.destdir}}/\${{range.key}} \${{targets.subpkgdir}}/ && echo \${{subpkg.name}} \${{context.name}}
  - name: hello-doc
    range: ""
`,
    );
    expect(b.subpackages.map((s) => [s.name, s.description])).toEqual([
      ["hello-aa", "Aa font"],
      ["hello-zz", "Zed font"],
      ["hello-doc", ""],
    ]);
    expect(b.subpackages[0]!.steps[0]!.runs).toBe(
      "mv /home/build/melange-out/hello/aa /home/build/melange-out/hello-aa/ && echo hello-aa hello-aa",
    );
  });

  it("drops subpackages whose if: is false", () => {
    const b = compileText(
      HEADER + `subpackages:\n  - name: a\n    if: \${{build.arch}} == 'aarch64'\n  - name: b\n    if: \${{build.arch}} == 'x86_64'\n`,
    );
    expect(b.subpackages.map((s) => s.name)).toEqual(["b"]);
  });

  it("rejects bad and duplicate subpackage names", () => {
    const errs = compileErrors(HEADER + `subpackages:\n  - name: hello\n  - name: x y\n  - name: d\n  - name: d\n`);
    expect(errs).toEqual([
      'melange.yaml:6:11: subpackage name "hello" is the main package\'s name',
      expect.stringMatching(/^melange.yaml:7:11: invalid subpackage name "x y"/),
      'melange.yaml:9:11: duplicate subpackage name "d"',
    ]);
  });

  it("substitutes dependencies strictly", () => {
    const b = compileText(
      HEADER + `subpackages:\n  - name: hello-dev\n    dependencies:\n      runtime:\n        - hello=\${{package.full-version}}\n      provider-priority: 5\n`,
    );
    expect(b.subpackages[0]!.dependencies).toEqual({ runtime: ["hello=1.2.3-r2"], provides: [], replaces: [], "provider-priority": "5" });
    const errs = compileErrors(HEADER + `  dependencies:\n    runtime:\n      - foo-\${{vars.x}}\n`);
    expect(errs[0]).toMatch(/^melange.yaml:7:13: undefined variable "\$\{\{vars.x\}\}" in package.dependencies.runtime\[0\]/);
  });
});

describe("compile: if: steps and needs", () => {
  it("drops steps whose if: is false, with their needs", () => {
    const pipelines = {
      "tool.yaml": `name: tool\nneeds:\n  packages:\n    - \${{inputs.pkg}}\ninputs:\n  pkg:\n    default: make\npipeline:\n  - runs: echo \${{inputs.pkg}}\n`,
    };
    const b = compileText(
      HEADER +
        `environment:
  contents:
    packages: [busybox]
pipeline:
  - uses: tool
    with: {pkg: cmake}
    if: \${{build.arch}} == 'aarch64'
  - uses: tool
    if: \${{build.arch}} == 'x86_64' || \${{build.arch}} == 'aarch64' && 'a' == 'b'
  - uses: tool
    with: {pkg: ninja}
`,
      pipelines,
    );
    // x86_64 || (...) would be true with conventional precedence; melange's left-to-right makes it false.
    expect(b.main.steps.map((s) => s.with)).toEqual([{ pkg: "ninja" }]);
    expect(b.environment.packages).toEqual(["busybox", "ninja"]);
  });

  it("checks assertions.required-steps against the steps that remain", () => {
    const text =
      HEADER +
      `pipeline:\n  - assertions:\n      required-steps: 1\n    pipeline:\n      - if: \${{build.arch}} == 'aarch64'\n        runs: a\n      - if: \${{build.arch}} == 'riscv64'\n        runs: b\n`;
    expect(compileErrors(text)[0]).toMatch(/^melange.yaml:7:23: assertion failed: 1 nested step\(s\) required, but only 0/);
    expect(compileText(text, {}, { arch: "aarch64" }).main.steps[0]!.pipeline).toHaveLength(1);
  });
});

describe("compile: options, environment, architecture", () => {
  const text =
    HEADER +
    `vars:
  flavor: plain
options:
  fancy:
    vars:
      flavor: fancy
    environment:
      contents:
        packages:
          add: [libfancy]
          remove: [libplain]
environment:
  contents:
    packages: [busybox, libplain]
    repositories: [https://example.com/os]
    build_repositories: [./local]
    keyring: [https://example.com/key.rsa.pub]
  environment:
    HOME: /root
  accounts:
    run-as: build
pipeline:
  - runs: echo \${{vars.flavor}} \${{options.fancy.enabled}}
`;

  it("applies build options", () => {
    const off = compileText(text);
    expect(off.main.steps[0]!.runs).toBe("echo plain false");
    expect(off.environment.packages).toEqual(["busybox", "libplain"]);
    const on = compileText(text, {}, { buildOptions: ["fancy"] });
    expect(on.main.steps[0]!.runs).toBe("echo fancy true");
    expect(on.environment.packages).toEqual(["busybox", "libfancy"]);
    expect(on.buildOptions).toEqual(["fancy"]);
  });

  it("rejects unknown build options, listing the defined ones", () => {
    expect(() => compileText(text, {}, { buildOptions: ["nope"] })).toThrow(/unknown build option "nope"/);
  });

  it("fills melange's environment defaults; the file wins", () => {
    const b = compileText(text);
    expect(b.environment.env.HOME).toBe("/root");
    expect(b.environment.env.GOMODCACHE).toBe("/var/cache/melange/gomodcache");
    expect(b.environment.repositories).toEqual(["https://example.com/os", "./local"]);
    expect(b.environment.keyring).toEqual(["https://example.com/key.rsa.pub"]);
    expect(b.environment.runAs).toBe("build");
    expect(b.environment.users).toContainEqual({ username: "build", uid: 1000, gid: 1000 });
  });

  it("flags architectures the package does not target", () => {
    const t = HEADER + `  target-architecture: [aarch64]\n`;
    expect(compileText(t, {}, { arch: "amd64" }).archTargeted).toBe(false);
    expect(compileText(t, {}, { arch: "aarch64" }).archTargeted).toBe(true);
    expect(compileText(HEADER, {}, { arch: "x86_64" }).archTargeted).toBe(true);
    expect(() => compileText(HEADER, {}, { arch: "mips" })).toThrow(/unknown architecture "mips"/);
  });
});
