import { describe, it, expect } from "vitest";
import { goReplaceAll } from "../../../src/config/var-transforms.js";

describe("Go-style regexp replacement", () => {
  it("supports ${1} braces", () => {
    expect(goReplaceAll("2024.1.05", "^(\\d{4})\\.(\\d{1})\\.(\\d{2})", "${1}.0${2}.${3}")).toBe("2024.01.05");
  });
  it("takes the longest name after $, like Go ($1x is an empty group)", () => {
    expect(goReplaceAll("1.2.3", "^(\\d+)\\.(\\d+)\\.(\\d+)$", "$1_$2")).toBe("2");
    expect(goReplaceAll("1.2.3", "^(\\d+)\\.(\\d+)\\.(\\d+)$", "$1.$2")).toBe("1.2");
  });
  it("supports named groups and $$", () => {
    expect(goReplaceAll("v1.2", "v(?P<maj>\\d+)\\.(\\d+)", "$$${maj}-$2")).toBe("$1-2");
  });
  it("replaces every match and keeps the rest", () => {
    expect(goReplaceAll("1.2.3", "\\.", "_")).toBe("1_2_3");
    expect(goReplaceAll("abc", "x", "y")).toBe("abc");
  });
  it("translates a leading flag group", () => {
    expect(goReplaceAll("ABC", "(?i)b", "-")).toBe("A-C");
  });
  it("reports invalid patterns as user errors", () => {
    expect(() => goReplaceAll("a", "(", "")).toThrow(/invalid regular expression/);
  });
});
