import { describe, it, expect } from "vitest";
import { compareVersions, isValidVersion } from "../../../src/apk/version.js";

// Each pair is strictly increasing: a < b under apk-tools' rules.
const ascending: [string, string][] = [
  ["1.0_rc1", "1.0"],
  ["1.0", "1.0_p1"],
  ["1.0", "1.0a"],
  ["1.2.9", "1.2.10"],
  ["1.0-r0", "1.0-r1"],
  ["1.0-r9", "1.0-r10"],
  ["1.0_alpha", "1.0_beta"],
  ["1.0_beta", "1.0_pre"],
  ["1.0_pre", "1.0_rc"],
  ["1.0_rc", "1.0"],
  ["1.0", "1.0_cvs"],
  ["1.0_cvs", "1.0_svn"],
  ["1.0_svn", "1.0_git"],
  ["1.0_git", "1.0_hg"],
  ["1.0_hg", "1.0_p"],
  ["1.0_alpha1", "1.0_alpha2"],
  ["1.0_alpha9", "1.0_alpha10"],
  ["1.0_rc1", "1.0_rc1_p1"],
  ["1.0_rc9", "1.0_rc10"],
  ["1", "1.0"],
  ["1.0", "1.0.0"],
  ["1.0", "1.0.1"],
  ["1.0", "1.0-r0"],
  ["1.0a", "1.0b"],
  ["1.0z", "1.1"],
  ["1.0_p1", "1.0a"],
  ["0.9", "1.0_alpha"],
  ["1.9.9", "2"],
  // leading zeros in later components compare as text
  ["1.01", "1.1"],
  ["1.001", "1.01"],
  ["1.01", "1.010"],
  ["1.010", "1.02"],
  ["20231231", "20240101"],
  ["1.18446744073709551615", "1.18446744073709551616"],
  ["2.0-r0", "2.0~abc1-r0"],
];

describe("compareVersions", () => {
  for (const [a, b] of ascending) {
    it(`${a} < ${b}`, () => {
      expect(compareVersions(a, b)).toBe(-1);
      expect(compareVersions(b, a)).toBe(1);
    });
  }

  it("equal versions compare equal", () => {
    for (const v of ["1.0", "1.2.3-r4", "1.0_rc1_p2", "3.2a-r0", "1.0~cafe-r2"]) expect(compareVersions(v, v)).toBe(0);
    // the first number is always numeric
    expect(compareVersions("01", "1")).toBe(0);
  });

  it("sorts a shuffled list into the expected order", () => {
    const ordered = ["1.0_alpha", "1.0_alpha2", "1.0_beta", "1.0_rc1", "1.0", "1.0-r1", "1.0_p1", "1.0a", "1.0.1", "1.2.9", "1.2.10", "2"];
    const shuffled = [...ordered].reverse();
    shuffled.push(shuffled.shift()!);
    expect(shuffled.sort(compareVersions)).toEqual(ordered);
  });
});

describe("isValidVersion", () => {
  it("accepts apk versions", () => {
    for (const v of ["1", "1.2.3", "1.2.3a", "1.2.3_rc1", "1.2.3_rc1_p2", "1.2.3-r0", "1.2.3~deadbeef-r1", "1.0_p", "20240101", "0.0.1_git20240101-r3"]) {
      expect(isValidVersion(v), v).toBe(true);
    }
  });
  it("rejects malformed ones", () => {
    for (const v of ["", "a1", "1..2", "1.0_foo", "1.0-r", "1.0-1", "1.0r1", "1.0_rc1a", "1.0ab", "1.0.a", "1.0-r1-r2", "v1.0", "1.0 ", "1.0~", "1.0-r1_p1"]) {
      expect(isValidVersion(v), v).toBe(false);
    }
  });
});
