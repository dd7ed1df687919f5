import { describe, it, expect } from "vitest";
import { ANY, CHECKSUM, EQUAL, FUZZY, GREATER, LESS, formatConstraint, parseConstraint, satisfies } from "../../../src/apk/constraint.js";
import { UserError } from "../../../src/errors.js";

describe("parseConstraint", () => {
  const cases: [string, { name: string; op: string; mask: number; version?: string; conflict: boolean; tag?: string }][] = [
    ["busybox", { name: "busybox", op: "", mask: ANY, conflict: false }],
    ["zlib=1.3-r0", { name: "zlib", op: "=", mask: EQUAL, version: "1.3-r0", conflict: false }],
    ["gcc>12", { name: "gcc", op: ">", mask: GREATER, version: "12", conflict: false }],
    ["gcc<13", { name: "gcc", op: "<", mask: LESS, version: "13", conflict: false }],
    ["gcc>=12.1", { name: "gcc", op: ">=", mask: GREATER | EQUAL, version: "12.1", conflict: false }],
    ["gcc<=12.1", { name: "gcc", op: "<=", mask: LESS | EQUAL, version: "12.1", conflict: false }],
    ["python3~3.12", { name: "python3", op: "~", mask: FUZZY | EQUAL, version: "3.12", conflict: false }],
    ["python3=~3.12", { name: "python3", op: "=~", mask: FUZZY | EQUAL, version: "3.12", conflict: false }],
    ["foo><Q1abc=", { name: "foo", op: "><", mask: CHECKSUM, version: "Q1abc=", conflict: false }],
    ["!openssl", { name: "openssl", op: "", mask: ANY, conflict: true }],
    ["!openssl<3", { name: "openssl", op: "<", mask: LESS, version: "3", conflict: true }],
    ["so:libc.so.6", { name: "so:libc.so.6", op: "", mask: ANY, conflict: false }],
    ["so:libz.so.1=1.3.1-r0", { name: "so:libz.so.1", op: "=", mask: EQUAL, version: "1.3.1-r0", conflict: false }],
    ["cmd:sh", { name: "cmd:sh", op: "", mask: ANY, conflict: false }],
    ["pc:zlib>=1.2", { name: "pc:zlib", op: ">=", mask: GREATER | EQUAL, version: "1.2", conflict: false }],
    ["curl@edge", { name: "curl", op: "", mask: ANY, conflict: false, tag: "edge" }],
    ["curl@edge>=8", { name: "curl", op: ">=", mask: GREATER | EQUAL, version: "8", conflict: false, tag: "edge" }],
  ];
  for (const [raw, want] of cases) {
    it(raw, () => {
      const c = parseConstraint(raw);
      expect({ name: c.name, op: c.op, mask: c.mask, version: c.version, conflict: c.conflict, tag: c.tag }).toEqual({
        version: undefined,
        tag: undefined,
        ...want,
      });
    });
  }

  it("rejects malformed strings with a UserError", () => {
    for (const bad of ["", "=1.0", "foo=", "foo>=1.0_bogus", "foo<>1", "!", "foo bar"]) {
      expect(() => parseConstraint(bad), bad).toThrow(UserError);
    }
  });

  it("formats back without the tag", () => {
    expect(formatConstraint(parseConstraint("!foo@main<=2"))).toBe("!foo<=2");
    expect(formatConstraint(parseConstraint("cmd:sh"))).toBe("cmd:sh");
  });
});

describe("satisfies", () => {
  const table: [string, string, boolean][] = [
    ["1.0-r0", "foo", true],
    ["1.2-r0", "foo=1.2-r0", true],
    ["1.2-r1", "foo=1.2-r0", false],
    ["1.2", "foo=1.2-r0", false],
    ["2.0-r0", "foo>1", true],
    ["1-r0", "foo>1", true], // 1-r0 sorts above 1
    ["1", "foo>1", false],
    ["0.9", "foo>1", false],
    ["1.0", "foo>=1.0", true],
    ["1.0_rc1", "foo>=1.0", false],
    ["1.0_p1", "foo>=1.0", true],
    ["1.0", "foo<1.0", false],
    ["1.0_rc1", "foo<1.0", true],
    ["1.0", "foo<=1.0", true],
    ["1.2.3-r0", "foo~1.2", true],
    ["1.2-r4", "foo~1.2", true],
    ["1.2", "foo~1.2", true],
    ["1.20", "foo~1.2", false],
    ["1.3", "foo~1.2", false],
    ["1.1.9", "foo~1.2", false],
    ["3.12.1-r0", "python3=~3.12", true],
    ["3.13.0-r0", "python3=~3.12", false],
    ["5.0", "foo>~4", true],
    ["4.9.1", "foo>~4", true],
    ["3.9", "foo>~4", false],
    ["2.0", "!foo<3", true], // the range only; the conflict flag is the resolver's business
  ];
  for (const [version, constraint, want] of table) {
    it(`${version} ${want ? "satisfies" : "does not satisfy"} ${constraint}`, () => {
      expect(satisfies(version, constraint)).toBe(want);
    });
  }

  it("matches `><` against the package checksum", () => {
    expect(satisfies("1.0-r0", "foo><Q1abc=", "Q1abc=")).toBe(true);
    expect(satisfies("1.0-r0", "foo><Q1abc=", "Q1xyz=")).toBe(false);
    expect(satisfies("1.0-r0", "foo><Q1abc=")).toBe(false);
  });
});
