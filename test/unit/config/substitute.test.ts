import { describe, it, expect } from "vitest";
import { substituteLenient, substituteStrict, referencedVariables } from "../../../src/config/substitute.js";
import { UserError } from "../../../src/errors.js";

const vars = new Map([
  ["package.name", "hello"],
  ["vars.x", "X"],
]);
const lookup = (n: string) => vars.get(n);

describe("substitution", () => {
  it("replaces known variables, with or without spaces", () => {
    expect(substituteLenient("${{package.name}}-${{ vars.x }}", vars)).toBe("hello-X");
  });

  it("leaves unknown variables and non-variables alone in the lenient pass", () => {
    expect(substituteLenient("${{ targets.destdir }} %{{package.version}} ${{package.name}}", vars)).toBe(
      "${{ targets.destdir }} %{{package.version}} hello",
    );
  });

  it("rejects an undefined variable in the strict pass, naming it and where it is used", () => {
    const pos = { file: "m.yaml", line: 4, col: 7 };
    try {
      substituteStrict("a ${{vars.nope}} b", lookup, { field: "pipeline[0].runs", pos });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).format()).toBe('m.yaml:4:7: undefined variable "${{vars.nope}}" in pipeline[0].runs');
    }
  });

  it("rejects malformed references in the strict pass", () => {
    expect(() => substituteStrict("x ${{ }} y", lookup)).toThrow(/malformed variable reference/);
    expect(() => substituteStrict("x ${{vars.x", lookup)).toThrow(/malformed/);
  });

  it("substitutes strictly and lists references", () => {
    expect(substituteStrict("${{vars.x}}${{  package.name  }}$HOME", lookup)).toBe("Xhello$HOME");
    expect(referencedVariables("${{a}} and ${{ b.c }}")).toEqual(["a", "b.c"]);
  });
});
