import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { availableShells, defText, defsDir, loadDef, resolveInputs, stepScripts, varRef, type StepSpec } from "./harness.js";

// The built-in set of upstream melange (pkg/build/pipelines), which users' `uses:` names rely on.
const expectedNames = [
  "R/build",
  "autoconf/configure", "autoconf/make", "autoconf/make-install",
  "cargo/build",
  "cmake/build", "cmake/configure", "cmake/install",
  "fetch", "git-am", "git-checkout",
  "go/build", "go/build/v2", "go/bump", "go/covdata", "go/install",
  "llvm/covreport",
  "maven/configure-mirror", "maven/pombump",
  "meson/compile", "meson/configure", "meson/install",
  "npm/install",
  "patch",
  "pecl/install", "pecl/phpize",
  "perl/cleanup", "perl/make",
  "python/build", "python/build-wheel", "python/import", "python/install", "python/test",
  "ruby/build", "ruby/clean", "ruby/install",
  "split/alldocs", "split/bin", "split/debug", "split/dev", "split/infodir", "split/lib",
  "split/locales", "split/manpages", "split/static",
  "strip",
  "xcover/ensure", "xcover/profile", "xcover/status", "xcover/stop", "xcover/wait",
];

// Variables the compiler provides to a pipeline (melange-format.md §3.1) besides its own inputs.
const knownVariables = new Set([
  "package.name", "package.version", "package.epoch", "package.full-version", "package.srcdir",
  "targets.outdir", "targets.destdir", "targets.contextdir",
  "context.name", "build.arch", "build.goarch", "host.triplet.gnu", "host.triplet.rust",
  "cross.triplet.gnu.glibc", "cross.triplet.gnu.musl", "cross.triplet.rust.glibc", "cross.triplet.rust.musl",
]);

function definitionFiles(dir = defsDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? definitionFiles(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : [],
  );
}
const names = definitionFiles().map((f) => relative(defsDir, f).replace(/\.yaml$/, "")).sort();

function allSteps(steps: StepSpec[]): StepSpec[] {
  return steps.flatMap((s) => [s, ...allSteps(s.pipeline ?? [])]);
}

describe("built-in pipeline definitions", () => {
  it("are exactly the 51 upstream names", () => {
    expect(names).toEqual([...expectedNames].sort());
    expect(names).toHaveLength(51);
  });

  for (const name of names) {
    describe(name, () => {
      const text = defText(name);

      it("parses as YAML with only the definition keys", () => {
        const doc = parse(text) as Record<string, unknown>;
        expect(Object.keys(doc).every((k) => ["name", "needs", "inputs", "pipeline"].includes(k))).toBe(true);
        expect(typeof doc.name).toBe("string");
        expect((doc.name as string).length).toBeGreaterThan(0);
      });

      it("has a non-empty pipeline of runs or uses steps", () => {
        const def = loadDef(name);
        expect(Array.isArray(def.pipeline)).toBe(true);
        expect(def.pipeline.length).toBeGreaterThan(0);
        for (const step of allSteps(def.pipeline)) {
          const kinds = [step.runs !== undefined, step.uses !== undefined, step.pipeline !== undefined];
          expect(kinds.filter(Boolean)).toHaveLength(1);
          if (step.runs !== undefined) expect(step.runs.trim().length).toBeGreaterThan(0);
          if (step.uses !== undefined) expect(expectedNames).toContain(step.uses);
        }
      });

      it("describes every input, with a string default or required: true (not both)", () => {
        const def = loadDef(name);
        for (const [key, spec] of Object.entries(def.inputs ?? {})) {
          expect(key).toMatch(/^[a-z0-9][a-z0-9-]*$/);
          expect(typeof spec.description, `${key}.description`).toBe("string");
          if (spec.required === true) {
            expect(spec.default, `${key} is required and has a default`).toBeUndefined();
          } else {
            expect(spec.required, `${key}.required`).toBeUndefined();
            expect(typeof spec.default, `${key}.default must be a string`).toBe("string");
          }
        }
      });

      it("lists needed packages as non-empty strings", () => {
        const def = loadDef(name);
        for (const pkg of def.needs?.packages ?? []) {
          expect(typeof pkg).toBe("string");
          expect(pkg.trim()).not.toBe("");
        }
      });

      it("uses only known variables and its own inputs", () => {
        const def = loadDef(name);
        const own = new Set(Object.keys(def.inputs ?? {}).map((k) => `inputs.${k}`));
        // every `${{` must start a well-formed reference
        expect(text.split("${{").length - 1).toBe([...text.matchAll(varRef)].length);
        for (const [, ref] of text.matchAll(varRef)) {
          expect(knownVariables.has(ref) || own.has(ref), `unknown variable ${ref}`).toBe(true);
        }
      });

      it("is valid shell once substituted", () => {
        const def = loadDef(name);
        const vars: Record<string, string> = Object.fromEntries([...knownVariables].map((v) => [v, "/x"]));
        const given = Object.fromEntries(
          Object.entries(def.inputs ?? {}).filter(([, s]) => s.required === true).map(([k]) => [k, "value"]),
        );
        Object.assign(vars, resolveInputs(def, given, vars));
        for (const shell of availableShells()) {
          for (const script of stepScripts(def, vars)) {
            const r = spawnSync(shell.argv[0], [...shell.argv.slice(1), "-n", "-c", script], { encoding: "utf8" });
            expect(r.status, `${shell.label}: ${r.stderr}`).toBe(0);
          }
        }
      });
    });
  }
});
