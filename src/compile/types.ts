// What the compiler hands to the build layer: plain data, every `uses:` expanded, every variable
// substituted, every `if:` decided (steps and subpackages whose condition is false are gone).
// The build layer (src/build) turns this into LLB; the `compile` command prints it as JSON.

import type { Copyright, Scriptlets, Setcap } from "../config/schema.js";

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
  /** `assertions.required-steps`, already checked against the steps that remain after `if:`. */
  requiredSteps?: number;
  /** Where the step is written, for messages: `melange.yaml:12:5` (or the pipeline file's position). */
  source?: string;
}

/** Package relations, substituted (melange's `dependencies`). */
export interface CompiledDependencies {
  runtime: string[];
  provides: string[];
  replaces: string[];
  "provider-priority"?: string;
  "replaces-priority"?: string;
}

/** Switches for automatic dependency detection (melange's package `options`). */
export interface CompiledPackageOptions {
  "no-provides": boolean;
  "no-depends": boolean;
  "no-commands": boolean;
  "no-versioned-shlib-deps": boolean;
}

export interface CompiledTest {
  environment: CompiledEnvironment;
  steps: CompiledStep[];
}

export interface CompiledPackage {
  name: string;
  /** The package or subpackage's config after substitution (description, dependencies, options, ...). */
  description: string;
  steps: CompiledStep[];
  url: string;
  commit: string;
  dependencies: CompiledDependencies;
  copyright: Copyright[];
  options: CompiledPackageOptions;
  scriptlets?: Scriptlets;
  setcap: Setcap[];
  /** Linters downgraded for this package (`checks.disabled`). */
  checksDisabled: string[];
  annotations: Record<string, string>;
  /** The package's `test:` block, compiled (packages include the package itself and every step's needs). */
  test?: CompiledTest;
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
  /** environment.accounts users and groups (melange injects the `build` user and group, uid/gid 1000). */
  users: { username: string; uid?: number; gid?: number; shell?: string; homedir?: string }[];
  groups: { groupname: string; gid?: number; members: string[] }[];
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
  /** package.target-architecture as written ([] when unset). */
  targetArchitecture: string[];
  /** False when target-architecture is set and does not include `arch`: melange skips the build. */
  archTargeted: boolean;
  /** `--build-option`s that were applied, sorted. */
  buildOptions: string[];
  /** Final `vars` (file, --vars-file overrides, build options, var-transforms). */
  vars: Record<string, string>;
  /** capabilities.add / capabilities.drop for the build container. */
  capabilities: { add: string[]; drop: string[] };
  /** package.timeout in seconds, if set. */
  timeoutSeconds?: number;
  resources?: { cpu?: string; cpumodel?: string; memory?: string; disk?: string };
  sourceDateEpoch?: number;
}
