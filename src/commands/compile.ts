// `melange-ts compile`: parse, expand and substitute a melange.yaml and print the compiled build as JSON,
// exactly what the build layer receives. Errors print as FILE:LINE:COL: message.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { UserError, isUserError } from "../errors.js";
import { compile } from "../compile/compile.js";
import { loadBuiltinPipelines, pipelineLoader, type PipelineDir } from "../compile/pipeline-loader.js";
import { parseVarsFile } from "../config/vars-file.js";
import type { Command } from "./command.js";

const usage = `usage: melange-ts compile <melange.yaml> [--arch ARCH] [--pipeline-dir DIR]... [--vars-file FILE]
                           [--build-option NAME]... [--llb [--build-image IMAGE] [--target T]]

Prints the compiled build (every uses: expanded, variables substituted, if: decided) as JSON.

  --arch            target architecture, e.g. x86_64, aarch64 (or amd64, arm64); default: this machine's
  --pipeline-dir    a directory of pipeline definitions searched before the built-ins (repeatable);
                    <dir of the yaml>/pipelines is searched too when it exists
  --vars-file       a YAML map of vars overriding the file's vars:
  --build-option    enable a build option defined under options: (repeatable)
  --llb             print the BuildKit LLB graph the frontend would solve instead (every op decoded, as JSON)
  --build-image     with --llb: the build environment image (MELANGE_BUILD_IMAGE); default: a placeholder
                    image named after the environment's packages, which the frontend installs from the
                    APK repositories at build time
  --target          with --llb: packages (default) or melange-out`;

/** The APK arch of the machine we run on. */
export function hostArch(): string {
  return process.arch === "arm64" ? "aarch64" : process.arch === "x64" ? "x86_64" : process.arch;
}

/** A pipeline dir on disk. */
export function diskPipelineDir(dir: string): PipelineDir {
  return {
    name: dir,
    read(rel) {
      try {
        return fs.readFileSync(path.join(dir, rel), "utf8");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        throw new UserError(`${path.join(dir, rel)}: cannot read (${code ?? (e as Error).message})`);
      }
    },
  };
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** JSON with object keys sorted at every level, so output is stable. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = (v as Record<string, unknown>)[k];
      return out;
    }
    return v;
  }, 2);
}

export const command: Command = {
  name: "compile",
  summary: "print the compiled form of a melange.yaml as JSON",
  usage,
  async run(argv) {
    try {
      const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          arch: { type: "string" },
          "pipeline-dir": { type: "string", multiple: true },
          "vars-file": { type: "string" },
          "build-option": { type: "string", multiple: true },
          llb: { type: "boolean" },
          "build-image": { type: "string" },
          target: { type: "string" },
        },
      });
      if (positionals.length !== 1) {
        process.stderr.write(`${usage}\n`);
        return 2;
      }
      const file = positionals[0]!;
      const text = readText(file, "the configuration");
      const dirs = [...(values["pipeline-dir"] ?? [])];
      const localPipelines = path.join(path.dirname(file), "pipelines");
      if (!dirs.some((d) => path.resolve(d) === path.resolve(localPipelines)) && fs.statSync(localPipelines, { throwIfNoEntry: false })?.isDirectory()) {
        dirs.push(localPipelines);
      }
      const varsFile = values["vars-file"];
      const varsOverrides = varsFile ? parseVarsFile(varsFile, readText(varsFile, "the vars file")) : undefined;
      const epoch = process.env.SOURCE_DATE_EPOCH;
      const build = compile(
        { file, text },
        {
          arch: values.arch ?? hostArch(),
          pipelines: pipelineLoader(dirs.map(diskPipelineDir), await loadBuiltinPipelines()),
          buildOptions: values["build-option"] ?? [],
          varsOverrides,
          sourceDateEpoch: epoch && /^\d+$/.test(epoch) ? Number(epoch) : undefined,
        },
      );
      if (values.llb) {
        const { printLlb } = await import("./compile-llb.js");
        process.stdout.write(printLlb(build, { text, buildImage: values["build-image"], target: values.target, sourceDateEpoch: build.sourceDateEpoch ?? 0 }) + "\n");
        return 0;
      }
      process.stdout.write(stableJson(build) + "\n");
      return 0;
    } catch (e) {
      if (isUserError(e)) {
        process.stderr.write(e.format() + "\n");
        return 1;
      }
      if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
        process.stderr.write(`melange-ts compile: ${e.message}\n\n${usage}\n`);
        return 2;
      }
      throw e;
    }
  },
};
