import { describe, it, expect } from "vitest";
import { compileErrors, compileText, HEADER } from "./helpers.js";

// Our own small pipeline definitions, in melange's definition format.
const pipelines: Record<string, string> = {
  "greet.yaml": `name: greet
needs:
  packages:
    - \${{inputs.shell}}
inputs:
  who:
    description: who to greet
    required: true
  shell:
    description: the shell package
    default: busybox
  greeting:
    default: hello \${{inputs.who}} from \${{package.name}}
pipeline:
  - runs: echo "\${{inputs.greeting}}"
`,
  "outer.yaml": `name: outer
inputs:
  dir:
    default: src
  who:
    default: world
pipeline:
  - working-directory: \${{inputs.dir}}
    environment:
      OUTER: "1"
    pipeline:
      - uses: greet
        with:
          who: \${{inputs.who}}
      - runs: pwd
        environment:
          INNER: "2"
`,
  "fetchlike.yaml": `name: fetchlike
inputs:
  expected-sha256: {}
  expected-commit: {}
pipeline:
  - runs: echo \${{inputs.expected-sha256}}\${{inputs.expected-commit}}
`,
  "broken.yaml": `name: broken
pipeline:
  - runs: echo \${{inputs.missing}}
`,
  "self.yaml": `name: self
pipeline:
  - uses: self
`,
  "group/inner.yaml": `pipeline:\n  - runs: echo inner\n`,
};

describe("compile: uses expansion", () => {
  it("expands nested uses with defaults, inputs, workdir and environment inheritance", () => {
    const b = compileText(HEADER + `pipeline:\n  - uses: outer\n    working-directory: /opt\n    with:\n      who: you\n`, pipelines);
    const outer = b.main.steps[0]!;
    expect(outer.name).toBe("uses: outer");
    expect(outer.uses).toBe("outer");
    expect(outer.with).toEqual({ dir: "src", who: "you" });
    expect(outer.workdir).toBe("/opt");
    const group = outer.pipeline[0]!;
    expect(group.workdir).toBe("/home/build/src");
    const [greet, pwd] = group.pipeline;
    expect(greet!.uses).toBe("greet");
    expect(greet!.with).toEqual({ greeting: "hello you from hello", shell: "busybox", who: "you" });
    expect(greet!.workdir).toBe("/home/build/src");
    expect(greet!.environment).toEqual({ OUTER: "1" });
    expect(greet!.pipeline[0]!.runs).toBe('echo "hello you from hello"');
    expect(pwd!.environment).toEqual({ INNER: "2", OUTER: "1" });
    expect(b.environment.packages).toEqual(["busybox"]);
  });

  it("collects needs that depend on inputs", () => {
    const b = compileText(HEADER + `pipeline:\n  - uses: greet\n    with:\n      who: x\n      shell: bash\n`, pipelines);
    expect(b.environment.packages).toEqual(["bash"]);
  });

  it("rejects with keys that are not inputs, listing the valid ones", () => {
    const errs = compileErrors(HEADER + `pipeline:\n  - uses: greet\n    with:\n      who: x\n      colour: red\n`, pipelines);
    expect(errs).toEqual(['melange.yaml:9:7: undefined input "colour" to pipeline "greet"\n  valid inputs: greeting, shell, who']);
  });

  it("enforces required inputs", () => {
    const errs = compileErrors(HEADER + `pipeline:\n  - uses: greet\n`, pipelines);
    expect(errs).toEqual(['melange.yaml:6:11: required input "who" for pipeline "greet" is missing']);
  });

  it("validates checksums and commits", () => {
    const ok = "a".repeat(64);
    expect(compileText(HEADER + `pipeline:\n  - uses: fetchlike\n    with:\n      expected-sha256: ${ok}\n`, pipelines).main.steps[0]!.with)
      .toEqual({ "expected-commit": "", "expected-sha256": ok });
    const errs = compileErrors(HEADER + `pipeline:\n  - uses: fetchlike\n    with:\n      expected-commit: abc\n`, pipelines);
    expect(errs).toEqual(['melange.yaml:8:24: input "expected-commit" must be 40 hexadecimal characters, got "abc"']);
  });

  it("names the definition file for errors inside it", () => {
    const errs = compileErrors(HEADER + `pipeline:\n  - uses: broken\n`, pipelines);
    expect(errs).toEqual([
      'pipelines/broken.yaml:3:16: undefined variable "${{inputs.missing}}" in pipeline[0].runs\n  in a pipeline used at melange.yaml:6:5',
    ]);
  });

  it("rejects unknown pipelines, path escapes and recursion", () => {
    expect(compileErrors(HEADER + `pipeline:\n  - uses: nope\n`, pipelines)[0]).toMatch(/^melange.yaml:6:11: unknown pipeline "nope"/);
    expect(compileErrors(HEADER + `pipeline:\n  - uses: ../etc/passwd\n`, pipelines)[0]).toMatch(/must not contain "\.\."/);
    expect(compileErrors(HEADER + `pipeline:\n  - uses: /abs\n`, pipelines)[0]).toMatch(/relative name/);
    expect(compileErrors(HEADER + `pipeline:\n  - uses: self\n`, pipelines)[0]).toMatch(/^pipelines\/self.yaml:3:11: pipeline "self" uses itself/);
  });

  it("finds pipelines in subdirectories and keeps an inlined pipeline over uses", () => {
    expect(compileText(HEADER + `pipeline:\n  - uses: group/inner\n`, pipelines).main.steps[0]!.pipeline[0]!.runs).toBe("echo inner");
    const b = compileText(HEADER + `pipeline:\n  - uses: nope\n    pipeline:\n      - runs: echo mine\n`, pipelines);
    expect(b.main.steps[0]!.pipeline[0]!.runs).toBe("echo mine");
  });

  it("searches pipeline dirs in order, before built-ins", async () => {
    const { pipelineLoader } = await import("../../../src/compile/pipeline-loader.js");
    const load = pipelineLoader(
      [
        { name: "a", read: (p) => (p === "x.yaml" ? "from a" : undefined) },
        { name: "b/", read: (p) => (p === "x.yaml" || p === "y.yaml" ? "from b" : undefined) },
      ],
      (n) => (n === "z" || n === "x" ? "builtin" : undefined),
    );
    expect(load("x")).toEqual({ file: "a/x.yaml", text: "from a" });
    expect(load("y")).toEqual({ file: "b/y.yaml", text: "from b" });
    expect(load("z")).toEqual({ file: "<built-in>/z.yaml", text: "builtin" });
    expect(load("w")).toBeUndefined();
  });

  it("reports schema errors inside a definition file", () => {
    const errs = compileErrors(HEADER + `pipeline:\n  - uses: bad\n`, { "bad.yaml": `pipeline:\n  - runs: [x]\n` });
    expect(errs).toEqual(['pipelines/bad.yaml:2:11: "pipeline[0].runs": expected a string, got a list']);
  });

  it("ignores unknown keys in definition files, as melange does", () => {
    const def = `name: d\ndescription: top\npipeline:\n  - description: step doc\n    runs: echo ok\n`;
    const b = compileText(HEADER + `pipeline:\n  - uses: d\n`, { "d.yaml": def });
    expect(b.main.steps[0]!.pipeline[0]!.runs).toBe("echo ok");
  });
});
