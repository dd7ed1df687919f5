import { describe, it, expect } from "vitest";
import { parseVarsFile } from "../../../src/config/vars-file.js";

describe("parseVarsFile", () => {
  it("reads a map keeping scalar source text", () => {
    expect(parseVarsFile("v.yaml", "go-version: 1.20\nflag: true\nempty: ''\n")).toEqual({ "go-version": "1.20", flag: "true", empty: "" });
  });
  it("accepts an empty file", () => {
    expect(parseVarsFile("v.yaml", "# nothing\n")).toEqual({});
  });
  it("rejects non-scalar values and non-maps with positions", () => {
    expect(() => parseVarsFile("v.yaml", "a: [1]\n")).toThrow(/v.yaml:1:4: var "a" must be a string/);
    expect(() => parseVarsFile("v.yaml", "- a\n")).toThrow(/must be a YAML map/);
  });
});
