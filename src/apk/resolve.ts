// Dependency resolution over APKINDEX entries: which packages to install for a request such as
// ["build-base", "busybox"]. A depth-first search with backtracking over provider choices.
//
// Rules (apk-tools' model, with apko's deterministic tie-breaks):
// - Every package provides its own name at its own version, plus its `p:` entries. A versioned
//   provide (`so:libz.so.1=1.3-r0`) satisfies version constraints; an unversioned one (`cmd:sh`)
//   satisfies only a plain `name` dependency.
// - A package name, and each versioned provide, is owned by at most one installed package.
// - `!name[op ver]` forbids every provider of `name` (in that range).
// - When a dependency is not yet met by something already chosen, the candidates are tried in this
//   order: a package whose own name is the wanted name, then higher `provider_priority`, then the
//   higher provided version, then the higher package version, then the package name (A-Z).
//   Packages named in the request are chosen first (they are processed before any dependency), so
//   a requested package wins over other providers of a virtual it provides.
// - Duplicate name+version entries (several repositories): the first one in `index` wins.
// - install_if is not evaluated.
// The result does not depend on the order of `index` (beyond duplicates) or of `request`.

import { UserError } from "../errors.js";
import { formatConstraint, parseConstraint, satisfies, type Constraint } from "./constraint.js";
import { compareVersions } from "./version.js";
import type { IndexEntry } from "./types.js";

export interface ResolveOptions {
  /** Only consider entries of this architecture (and `noarch`). */
  arch?: string;
  /** Give up after this many backtracking steps (default 50,000). */
  maxBacktracks?: number;
}

export interface Resolution {
  /** sorted by name */
  packages: IndexEntry[];
}

/** One provided name of a package; `version` undefined = unversioned provide. */
interface Provided {
  pkg: Pkg;
  version?: string;
  /** true when this is the package's own name */
  own: boolean;
}

interface Pkg {
  entry: IndexEntry;
  /** provided names, own name first */
  provides: { name: string; version?: string }[];
  deps?: Constraint[];
  label: string;
}

/** The index prepared for lookups: providers per name, in preference order. */
export class PackageIndex {
  private readonly providers = new Map<string, Provided[]>();
  private readonly sorted = new Set<string>();

  constructor(index: readonly IndexEntry[], opts: { arch?: string } = {}) {
    const seen = new Set<string>();
    for (const entry of index) {
      if (opts.arch && entry.arch !== opts.arch && entry.arch !== "noarch") continue;
      const key = `${entry.name}\0${entry.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pkg: Pkg = {
        entry,
        provides: [{ name: entry.name, version: entry.version }],
        label: `${entry.name}-${entry.version}`,
      };
      for (const p of entry.provides) {
        const c = parseProvide(p, entry);
        if (c.name === entry.name) continue;
        pkg.provides.push(c);
      }
      pkg.provides.forEach((p, i) => this.add(p.name, { pkg, version: p.version, own: i === 0 }));
    }
  }

  private add(name: string, p: Provided): void {
    const list = this.providers.get(name);
    if (list) list.push(p);
    else this.providers.set(name, [p]);
  }

  /** Providers of `name`, most preferred first. */
  providersOf(name: string): readonly Provided[] {
    const list = this.providers.get(name);
    if (!list) return [];
    if (!this.sorted.has(name)) {
      list.sort(compareProviders);
      this.sorted.add(name);
    }
    return list;
  }
}

function parseProvide(raw: string, entry: IndexEntry): { name: string; version?: string } {
  let c: Constraint;
  try {
    c = parseConstraint(raw);
  } catch {
    throw new UserError(`${entry.name}-${entry.version}: invalid provides "${raw}"`);
  }
  return c.version !== undefined && c.op.includes("=") ? { name: c.name, version: c.version } : { name: c.name };
}

function compareProviders(a: Provided, b: Provided): number {
  if (a.own !== b.own) return a.own ? -1 : 1;
  const pa = a.pkg.entry.providerPriority ?? 0;
  const pb = b.pkg.entry.providerPriority ?? 0;
  if (pa !== pb) return pb - pa;
  if (a.version !== undefined && b.version !== undefined) {
    const v = compareVersions(b.version, a.version);
    if (v !== 0) return v;
  } else if (a.version !== b.version) {
    return a.version !== undefined ? -1 : 1;
  }
  const v = compareVersions(b.pkg.entry.version, a.pkg.entry.version);
  if (v !== 0) return v;
  if (a.pkg.entry.name !== b.pkg.entry.name) return a.pkg.entry.name < b.pkg.entry.name ? -1 : 1;
  // Same name and an equal-comparing version spelled differently (1.0 vs 1.00): fix the order by text.
  return a.pkg.entry.version < b.pkg.entry.version ? -1 : a.pkg.entry.version > b.pkg.entry.version ? 1 : 0;
}

/** Whether provider `p` meets constraint `c` (ignoring the conflict flag). */
function provides(p: Provided, c: Constraint): boolean {
  if (c.version === undefined) return true;
  if (p.version === undefined) return false;
  return satisfies(p.version, c, p.pkg.entry.checksum);
}

interface Need {
  c: Constraint;
  /** names of the packages that led here, outermost first */
  chain: readonly string[];
}

interface ChoicePoint {
  needIndex: number;
  candidates: Provided[];
  next: number;
  undoLength: number;
  queueLength: number;
}

function depsOf(pkg: Pkg): Constraint[] {
  if (!pkg.deps) {
    pkg.deps = pkg.entry.depends.map((d) => {
      try {
        return parseConstraint(d);
      } catch {
        throw new UserError(`${pkg.label}: invalid dependency "${d}"`);
      }
    });
  }
  return pkg.deps;
}

function describe(need: Need, reason: string): string {
  return [...need.chain, formatConstraint(need.c)].join(" -> ") + ": " + reason;
}

/** The search state, changed only through methods that log their undo. */
class Solver {
  readonly byName = new Map<string, Pkg>();
  /** every selected provider per provided name */
  readonly selectedProviders = new Map<string, Provided[]>();
  /** exclusive names (package names and versioned provides) -> owner */
  readonly owners = new Map<string, Pkg>();
  readonly conflicts = new Map<string, Need[]>();
  readonly pulledBy = new Map<Pkg, readonly string[]>();
  readonly undo: (() => void)[] = [];
  readonly queue: Need[] = [];

  constructor(private readonly index: PackageIndex) {}

  rollback(length: number): void {
    while (this.undo.length > length) this.undo.pop()!();
  }

  addConflict(need: Need): void {
    const list = this.conflicts.get(need.c.name) ?? [];
    list.push(need);
    this.conflicts.set(need.c.name, list);
    this.undo.push(() => {
      list.pop();
      if (list.length === 0) this.conflicts.delete(need.c.name);
    });
  }

  /** Why `p` cannot be added to the current selection, or undefined if it can. */
  blocker(p: Provided): string | undefined {
    const pkg = p.pkg;
    for (const prov of pkg.provides) {
      const exclusive = prov === pkg.provides[0] || prov.version !== undefined;
      const owner = exclusive ? this.owners.get(prov.name) : undefined;
      if (owner && owner !== pkg) {
        const by = this.pulledBy.get(owner) ?? [];
        return `${pkg.label} cannot be installed next to ${owner.label}` + (by.length ? ` (from ${by.join(" -> ")})` : "");
      }
      for (const conflict of this.conflicts.get(prov.name) ?? []) {
        if (provides({ pkg, version: prov.version, own: false }, conflict.c)) {
          return `${pkg.label} conflicts with ${[...conflict.chain, formatConstraint(conflict.c)].join(" -> ")}`;
        }
      }
    }
    return undefined;
  }

  select(pkg: Pkg, chain: readonly string[]): void {
    this.byName.set(pkg.entry.name, pkg);
    this.pulledBy.set(pkg, chain);
    const undoOwners: string[] = [];
    const undoProviders: Provided[][] = [];
    pkg.provides.forEach((prov, i) => {
      if ((i === 0 || prov.version !== undefined) && !this.owners.has(prov.name)) {
        this.owners.set(prov.name, pkg);
        undoOwners.push(prov.name);
      }
      let list = this.selectedProviders.get(prov.name);
      if (!list) this.selectedProviders.set(prov.name, (list = []));
      list.push({ pkg, version: prov.version, own: i === 0 });
      undoProviders.push(list);
    });
    const childChain = [...chain, pkg.entry.name];
    const queued = this.queue.length;
    for (const c of depsOf(pkg)) this.queue.push({ c, chain: childChain });
    this.undo.push(() => {
      this.byName.delete(pkg.entry.name);
      this.pulledBy.delete(pkg);
      for (const name of undoOwners) this.owners.delete(name);
      for (const list of undoProviders) list.pop();
      this.queue.length = queued;
    });
  }

  /**
   * Handles one need. Returns undefined when it is met (possibly leaving a choice point),
   * a failure message otherwise.
   */
  process(needIndex: number, choices: ChoicePoint[]): string | undefined {
    const need = this.queue[needIndex];
    const c = need.c;
    if (c.conflict) {
      for (const sp of this.selectedProviders.get(c.name) ?? []) {
        if (provides(sp, c)) {
          const by = this.pulledBy.get(sp.pkg) ?? [];
          return describe(need, `conflicts with ${[...by, sp.pkg.label].join(" -> ")}`);
        }
      }
      this.addConflict(need);
      return undefined;
    }
    const chosen = this.selectedProviders.get(c.name) ?? [];
    if (chosen.some((sp) => provides(sp, c))) return undefined;

    const all = this.index.providersOf(c.name);
    if (all.length === 0) return describe(need, "no provider");
    const matching = all.filter((p) => provides(p, c));
    if (matching.length === 0) {
      const versions = [...new Set(all.map((p) => (p.version === undefined ? `${p.pkg.label} (unversioned)` : p.own ? p.version : `${p.pkg.label} (${p.version})`)))];
      const shown = versions.slice(0, 6).join(", ") + (versions.length > 6 ? ", ..." : "");
      return describe(need, `no version satisfies (available: ${shown})`);
    }
    const candidates: Provided[] = [];
    let firstBlock: string | undefined;
    for (const p of matching) {
      const why = this.blocker(p);
      if (why === undefined) candidates.push(p);
      else firstBlock ??= why;
    }
    if (candidates.length === 0) return describe(need, firstBlock!);
    const [first] = candidates;
    if (candidates.length > 1) {
      choices.push({ needIndex, candidates, next: 1, undoLength: this.undo.length, queueLength: this.queue.length });
    }
    this.select(first.pkg, need.chain);
    return undefined;
  }
}

/**
 * Resolves `request` (dependency strings) against `index` (one or more APKINDEXes concatenated,
 * first repository first). Throws UserError with the dependency chain when it cannot.
 */
export function resolve(index: readonly IndexEntry[] | PackageIndex, request: readonly string[], opts: ResolveOptions = {}): Resolution {
  const idx = index instanceof PackageIndex ? index : new PackageIndex(index, { arch: opts.arch });
  const maxBacktracks = opts.maxBacktracks ?? 50_000;
  const solver = new Solver(idx);
  const requests = [...new Set(request.map((r) => r.trim()).filter((r) => r !== ""))].sort();
  for (const r of requests) solver.queue.push({ c: parseConstraint(r), chain: [] });

  const choices: ChoicePoint[] = [];
  let firstFailure: string | undefined;
  let backtracks = 0;
  let i = 0;
  while (i < solver.queue.length) {
    const failure = solver.process(i, choices);
    if (failure === undefined) {
      i++;
      continue;
    }
    firstFailure ??= failure;
    // Backtrack to the most recent choice with an untried candidate.
    let resumed = false;
    while (choices.length > 0 && !resumed) {
      if (++backtracks > maxBacktracks) {
        throw new UserError(firstFailure, undefined, `gave up after ${maxBacktracks} alternatives`);
      }
      const cp = choices[choices.length - 1];
      solver.rollback(cp.undoLength);
      solver.queue.length = cp.queueLength;
      while (cp.next < cp.candidates.length) {
        const candidate = cp.candidates[cp.next++];
        if (solver.blocker(candidate) !== undefined) continue;
        if (cp.next >= cp.candidates.length) choices.pop();
        solver.select(candidate.pkg, solver.queue[cp.needIndex].chain);
        i = cp.needIndex + 1;
        resumed = true;
        break;
      }
      if (!resumed && choices[choices.length - 1] === cp) choices.pop();
    }
    if (!resumed) throw new UserError(firstFailure);
  }

  const packages = [...solver.byName.values()].map((p) => p.entry);
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { packages };
}
