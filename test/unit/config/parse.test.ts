import { describe, it, expect } from "vitest";
import { parseConfiguration } from "../../../src/config/parse.js";
import { UserError, UserErrors } from "../../../src/errors.js";

function errorsOf(text: string): UserError[] {
  try {
    parseConfiguration({ file: "melange.yaml", text });
  } catch (e) {
    if (e instanceof UserErrors) return e.errors;
    if (e instanceof UserError) return [e];
    throw e;
  }
  throw new Error("expected an error");
}

const base = `package:
  name: hello
  version: 1.0.0
  epoch: 0
`;

describe("parseConfiguration", () => {
  it("keeps scalars as their source text and converts numbers and booleans", () => {
    const { value } = parseConfiguration({
      file: "m.yaml",
      text: `# syntax=ghcr.io/example/melange-ts:1
package:
  name: glpk
  version: 5.0
  epoch: 3
  options:
    no-provides: true
  resources:
    cpu: 1
pipeline:
  - uses: fetch
    with:
      extract: false
      strip-components: 01
`,
    });
    expect(value.package.version).toBe("5.0");
    expect(value.package.epoch).toBe(3);
    expect(value.package.options?.["no-provides"]).toBe(true);
    expect(value.package.resources?.cpu).toBe("1");
    expect(value.pipeline?.[0]?.with).toEqual({ extract: "false", "strip-components": "01" });
  });

  it("reports an unknown key with its position and a suggestion", () => {
    const errs = errorsOf(base + `pipeline:\n  - runs: echo\n    pipline: []\n`);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.format()).toBe('melange.yaml:7:5: unknown key "pipline" in pipeline step (did you mean "pipeline"?)');
  });

  it("reports every schema error, not just the first", () => {
    const errs = errorsOf(`package:
  name: "bad name"
  version: 1
  epoch: x
  colour: red
pipeline:
  - runs: [a]
`);
    const msgs = errs.map((e) => e.format());
    expect(msgs).toHaveLength(4);
    expect(msgs[0]).toMatch(/^melange.yaml:2:9: .*invalid package name/);
    expect(msgs[1]).toMatch(/^melange.yaml:4:10: "package.epoch": expected a non-negative integer/);
    expect(msgs[2]).toMatch(/^melange.yaml:5:3: unknown key "colour" in "package"/);
    expect(msgs[3]).toBe('melange.yaml:7:11: "pipeline[0].runs": expected a string, got a list');
  });

  it("reports a missing required field at its parent", () => {
    const errs = errorsOf(`package:\n  version: 1\n`);
    expect(errs[0]!.format()).toBe('melange.yaml:1:1: missing required field "package.name"');
  });

  it("reports YAML syntax errors with positions", () => {
    const errs = errorsOf(`package:\n  name: [a\n`);
    expect(errs[0]!.pos?.file).toBe("melange.yaml");
    expect(errs[0]!.message).toMatch(/^invalid YAML/);
  });

  it("rejects duplicate keys", () => {
    const errs = errorsOf(base + `  epoch: 1\n`);
    expect(errs[0]!.message).toMatch(/unique|duplicate/i);
    expect(errs[0]!.pos?.line).toBe(5);
  });

  it("applies melange's step rules", () => {
    const errs = errorsOf(base + `pipeline:\n  - runs: echo\n    with: {a: b}\n  - uses: x\n    runs: y\n`);
    const msgs = errs.map((e) => e.format());
    expect(msgs).toContain('melange.yaml:7:5: "with" is set but "uses" is not');
    expect(msgs).toContain('melange.yaml:7:5: a step cannot have both "with" and "runs"');
    expect(msgs).toContain('melange.yaml:9:5: a step cannot have both "uses" and "runs"');
  });

  it("accepts anchors, merge keys and empty values", () => {
    const { value } = parseConfiguration({
      file: "m.yaml",
      text: base + `description:\nvars:\n  a: &v one\n  b: *v\npipeline:\n  - &step {runs: echo}\n  - <<: *step\n    name: two\n`,
    });
    expect(value.vars).toEqual({ a: "one", b: "one" });
    expect(value.pipeline?.[1]).toEqual({ runs: "echo", name: "two" });
  });

  it("accepts timeouts as seconds or Go durations", () => {
    const t = (v: string) => parseConfiguration({ file: "m", text: base + `  timeout: ${v}\n` }).value.package.timeout;
    expect(t("90")).toBe(90);
    expect(t("1h30m")).toBe(5400);
    expect(() => t("soon")).toThrow(/duration/);
  });

  it("checks that a range names a data entry", () => {
    const errs = errorsOf(base + `subpackages:\n  - range: nope\n    name: x-\${{range.key}}\n`);
    expect(errs[0]!.format()).toBe('melange.yaml:6:12: range "nope" is not defined in data');
  });

  it("validates setcap capabilities and reasons", () => {
    const errs = errorsOf(base + `  setcap:\n    - path: /usr/bin/ping\n      add:\n        cap_net_raw,cap_chown: +ep\n`);
    expect(errs.map((e) => e.message)).toEqual(['invalid capability "cap_chown"', "setcap entry needs a reason"]);
    expect(errs[0]!.pos?.line).toBe(8);
  });
});
