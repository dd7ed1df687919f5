import { describe, it, expect } from "vitest";
import { evaluateCondition } from "../../../src/config/condition.js";

const vars: Record<string, string> = { "build.arch": "x86_64", "vars.q": "it's \"q\"" };
const ev = (s: string) => evaluateCondition(s, (n) => vars[n]);

describe("if: conditions", () => {
  it("compares variables with quoted strings", () => {
    expect(ev("${{build.arch}} == 'x86_64'")).toBe(true);
    expect(ev("${{ build.arch }} != \"x86_64\"")).toBe(false);
    expect(ev("'a' == 'b'")).toBe(false);
  });
  it("handles escapes in quoted strings", () => {
    expect(ev(`\${{vars.q}} == 'it\\'s "q"'`)).toBe(true);
    expect(ev(`"a\\tb" == 'a	b'`)).toBe(true);
  });
  it("gives && and || equal precedence, left to right", () => {
    // Conventional precedence would read: true || (false && false) = true.
    expect(ev("'a' == 'a' || 'a' == 'b' && 'a' == 'b'")).toBe(false);
    expect(ev("'a' == 'a' || ('a' == 'b' && 'a' == 'b')")).toBe(true);
    expect(ev("'a' == 'b' && 'a' == 'a' || 'a' == 'a'")).toBe(true);
  });
  it("reports syntax errors clearly", () => {
    expect(() => ev("${{build.arch}} = 'x'")).toThrow(/expected "==" or "!="/);
    expect(() => ev("x86_64 == 'x'")).toThrow(/unexpected character "x"/);
    expect(() => ev("'a' == 'a' )")).toThrow(/unexpected/);
    expect(() => ev("('a' == 'a'")).toThrow(/expected "\)"/);
    expect(() => ev("'a == 'a'")).toThrow(/expected "==" or "!="|unterminated/);
  });
  it("rejects undefined variables", () => {
    expect(() => ev("${{nope}} == 'x'")).toThrow(/undefined variable "\$\{\{nope\}\}"/);
  });
});
