// What the compiler hands to the build layer: plain data, every `uses:` expanded, every variable
// substituted, every `if:` decided (steps and subpackages whose condition is false are gone).
// The build layer (src/build) turns this into LLB; the `compile` command prints it as JSON.

export interface CompiledStep {
  /** Display name: the step's `name`, else `uses: <name>`, else the first line of `runs`. */
  name?: string;
  /** The pipeline this step came from (kept after expansion, for display and for the fetch source). */
  uses?: string;
  /** The resolved inputs of `uses` (defaults filled in), e.g. fetch's uri / expected-sha256. */
  with?: Record<string, string>;
  /** Shell fragment, substituted. Absent for pure grouping steps. */
  runs?: string;
  /** Absolute working directory (relative ones joined to /home/build, inherited from the parent). */
  workdir: string;
  /** The step's own environment merged over its parents' (not over the build environment). */
  environment: Record<string, string>;
  /** Nested steps, run after `runs`. */
  pipeline: CompiledStep[];
}

export interface CompiledPackage {
  name: string;
  /** The package or subpackage's config after substitution (description, dependencies, options, ...). */
  description: string;
  steps: CompiledStep[];
}

export interface CompiledEnvironment {
  /** environment.contents.packages + every `needs.packages` of a step that runs, sorted, deduplicated. */
  packages: string[];
  repositories: string[];
  keyring: string[];
  /** environment.environment with melange's defaults (HOME, GOPATH, GOMODCACHE, ...). */
  env: Record<string, string>;
  /** environment.accounts.run-as, if set. */
  runAs?: string;
}

export interface CompiledBuild {
  /** The file the configuration came from, for messages. */
  file: string;
  arch: string;
  package: { name: string; version: string; epoch: number; fullVersion: string };
  environment: CompiledEnvironment;
  main: CompiledPackage;
  /** In file order; `range` subpackages expanded (items sorted by key); `if:` false ones dropped. */
  subpackages: CompiledPackage[];
}
