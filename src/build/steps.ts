import { http, type Mount, type State } from "../llb/index.js";
import type { CompiledBuild, CompiledPackage, CompiledStep } from "../compile/types.js";
import { stepScript } from "./script.js";
import { saltEnv } from "./salt.js";
import { cacheSeed, CACHE_DIR, DEFAULT_PATH, HOME, runAsIds } from "./workspace.js";

// One ExecOp per step that has `runs`, chained on one root: the main package's steps, then each
// subpackage's, in order. Each is its own cache entry, named for the progress display: `[hello 2/5] build`.

interface ExecStep {
  pkg: string;
  step: CompiledStep;
  /** The display name: the step's own, else the nearest named ancestor's. */
  label: string;
  /** Files to pre-place from HTTP sources (fetch with expected-sha256). */
  fetches: FetchSource[];
}

export interface FetchSource {
  uri: string;
  sha256: string;
}

/** The compiler names an unnamed step after the first line of its `runs`. */
function derivedName(step: CompiledStep): string {
  return (step.runs ?? "").split("\n").find((l) => l.trim())?.trim() ?? "";
}

/** `install › binary`: the step's own name after its nearest named ancestor's (or `uses:`), so nested steps say
 *  where they come from; steps without a name of their own show the ancestor's alone. */
function label(step: CompiledStep, inherited?: string): string {
  const own = step.name && step.name !== derivedName(step) ? step.name : undefined;
  if (inherited) return own && own !== inherited ? `${inherited} › ${own}` : inherited;
  return own ?? (step.uses ? `uses: ${step.uses}` : derivedName(step).slice(0, 60));
}

/** A `fetch` with a known sha256 is downloaded by the engine: content-addressed, cached, no network in the step. */
function fetchSourceOf(step: CompiledStep): FetchSource | undefined {
  if (step.uses !== "fetch") return undefined;
  const uri = step.with?.uri;
  const sha256 = step.with?.["expected-sha256"]?.toLowerCase();
  if (!uri || !sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !/^https?:\/\//.test(uri)) return undefined;
  return { uri, sha256 };
}

export function flattenSteps(pkg: CompiledPackage): ExecStep[] {
  const out: ExecStep[] = [];
  const walk = (steps: CompiledStep[], inherited: string | undefined, fetches: FetchSource[]) => {
    for (const step of steps) {
      const f = fetchSourceOf(step);
      const fs = f ? [...fetches, f] : fetches;
      if (step.runs !== undefined && step.runs.trim() !== "") {
        out.push({ pkg: pkg.name, step, label: label(step, inherited), fetches: fs });
      }
      const own = step.name && step.name !== derivedName(step) ? step.name : undefined;
      walk(step.pipeline, own ?? (step.uses ? `uses: ${step.uses}` : inherited), fs);
    }
  };
  walk(pkg.steps, undefined, []);
  return out;
}

export interface StepOptions {
  sourceDateEpoch: number;
  salt?: string;
}

/** Variables every step sees, on top of the build environment: melange's PATH and SOURCE_DATE_EPOCH. */
export function stepEnv(build: CompiledBuild, step: CompiledStep, o: StepOptions): Record<string, string> {
  return {
    ...build.environment.env,
    // Language build caches live in the persistent cache mount too.
    GOCACHE: build.environment.env.GOCACHE ?? `${CACHE_DIR}/go-build`,
    CCACHE_DIR: build.environment.env.CCACHE_DIR ?? `${CACHE_DIR}/ccache`,
    // cargo keeps its registry and git checkouts under CARGO_HOME.
    CARGO_HOME: build.environment.env.CARGO_HOME ?? `${CACHE_DIR}/cargo`,
    SOURCE_DATE_EPOCH: String(o.sourceDateEpoch),
    PATH: DEFAULT_PATH,
    ...step.environment,
    ...saltEnv(o.salt),
  };
}


export function runSteps(root: State, build: CompiledBuild, o: StepOptions): State {
  const all = [build.main, ...build.subpackages].flatMap(flattenSteps);
  const ids = runAsIds(build);
  const seed = cacheSeed(ids);
  let state = root;
  all.forEach((s, i) => {
    const mounts: Mount[] = [
      { type: "cache", dest: CACHE_DIR, id: "melange-ts-cache", sharing: "shared", source: seed, selector: "/cache" },
    ];
    for (const f of s.fetches) {
      const name = `sha256:${f.sha256}`;
      mounts.push({
        type: "bind",
        dest: `${CACHE_DIR}/${name}`,
        // Readable by the build user (uid 1000): the engine writes HTTP sources 0600 otherwise.
        source: http(f.uri, { checksum: name, filename: name, perm: 0o644, customName: `fetch ${f.uri}` }),
        selector: `/${name}`,
        readonly: true,
      });
    }
    state = state
      .run({
        args: ["/bin/sh", "-c", stepScript(s.step.workdir || HOME, s.step.runs!)],
        env: stepEnv(build, s.step, o),
        cwd: HOME,
        user: `${ids.uid}:${ids.gid}`,
        mounts,
        customName: `[${s.pkg} ${i + 1}/${all.length}] ${s.label}`,
      })
      .root();
  });
  return state;
}
