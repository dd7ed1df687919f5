// FileOp: a chain of mkdir/mkfile/rm/copy actions applied in order on top of a base state, marshalled
// as one op. Each action after the first reads the previous action's result ("relative" input).
import { absDestPath, absPath } from "./paths.js";
import type { PbChownOpt, PbFileAction, PbInput, PbUserOpt } from "./pb.js";
import { State, type MarshalContext, type MarshalledVertex, type OpOptions, type Output, type Vertex } from "./state.js";

/** Owner by numeric id or by name (names are resolved in the base state's /etc/passwd and /etc/group). */
export interface Owner {
  user: number | string;
  group?: number | string;
}

/** Creation time override: a Date, or nanoseconds since the epoch as a bigint. */
export type Timestamp = Date | bigint;

export interface MkdirOptions {
  parents?: boolean;
  owner?: Owner;
  timestamp?: Timestamp;
}

export interface MkfileOptions {
  owner?: Owner;
  timestamp?: Timestamp;
}

export interface RmOptions {
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

export interface CopyOptions {
  followSymlinks?: boolean;
  /** Copy a directory's contents rather than the directory itself. */
  dirCopyContents?: boolean;
  attemptUnpackDockerCompatibility?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  owner?: Owner;
  /** Permission override; default keeps the source's mode. */
  mode?: number;
  timestamp?: Timestamp;
}

export type FileAction =
  | ({ kind: "mkdir"; path: string; mode: number } & MkdirOptions)
  | ({ kind: "mkfile"; path: string; mode: number; data: Uint8Array } & MkfileOptions)
  | ({ kind: "rm"; path: string } & RmOptions)
  | ({ kind: "copy"; from: State; src: string; dest: string } & CopyOptions);

/** An immutable chain of file actions; each method returns a longer chain. */
export class FileActions {
  constructor(readonly actions: readonly FileAction[] = []) {}

  private with(a: FileAction): FileActions {
    return new FileActions([...this.actions, a]);
  }
  mkdir(path: string, mode: number, opts: MkdirOptions = {}): FileActions {
    return this.with({ kind: "mkdir", path, mode, ...opts });
  }
  mkfile(path: string, mode: number, data: Uint8Array | string, opts: MkfileOptions = {}): FileActions {
    return this.with({ kind: "mkfile", path, mode, data: typeof data === "string" ? Buffer.from(data, "utf8") : data, ...opts });
  }
  rm(path: string, opts: RmOptions = {}): FileActions {
    return this.with({ kind: "rm", path, ...opts });
  }
  copy(from: State, src: string, dest: string, opts: CopyOptions = {}): FileActions {
    return this.with({ kind: "copy", from, src, dest, ...opts });
  }
}

export const mkdir = (path: string, mode: number, opts?: MkdirOptions) => new FileActions().mkdir(path, mode, opts);
export const mkfile = (path: string, mode: number, data: Uint8Array | string, opts?: MkfileOptions) =>
  new FileActions().mkfile(path, mode, data, opts);
export const rm = (path: string, opts?: RmOptions) => new FileActions().rm(path, opts);
export const copy = (from: State, src: string, dest: string, opts?: CopyOptions) => new FileActions().copy(from, src, dest, opts);

export type FileOpOptions = OpOptions;

export function fileOpState(base: State, actions: FileActions, opts: FileOpOptions): State {
  if (actions.actions.length === 0) throw new Error("file: no actions");
  return new State({ vertex: new FileVertex(base, actions.actions, opts), index: 0 });
}

class FileVertex implements Vertex {
  readonly platformSpecific = true;
  readonly inputs: Output[];

  constructor(
    private readonly base: State,
    private readonly actions: readonly FileAction[],
    readonly options: OpOptions,
  ) {
    const srcs = [base, ...actions.map((a) => (a.kind === "copy" ? a.from : undefined))];
    this.inputs = srcs.map((s) => s?.output).filter((o): o is Output => o !== undefined);
  }

  marshal(ctx: MarshalContext): MarshalledVertex {
    const caps = new Set<string>(["file.base"]);
    const inputs: PbInput[] = [];
    const indexOf = (s: State): number => {
      if (!s.output) return -1;
      const inp = ctx.input(s.output);
      const i = inputs.findIndex((x) => x.digest === inp.digest && x.index === inp.index);
      if (i >= 0) return i;
      inputs.push(inp);
      return inputs.length - 1;
    };
    // Collect every real input first: relative inputs are numbered after them.
    const base = indexOf(this.base);
    const secondary = this.actions.map((a) => (a.kind === "copy" ? indexOf(a.from) : -1));
    const n = inputs.length;
    const actions: PbFileAction[] = this.actions.map((a, k) => {
      const fa: PbFileAction = {
        input: k === 0 ? base : n + k - 1,
        secondaryInput: secondary[k],
        output: k === this.actions.length - 1 ? 0 : -1,
      };
      switch (a.kind) {
        case "mkdir":
          fa.mkdir = {
            path: absPath(a.path),
            mode: a.mode & 0o777,
            makeParents: a.parents,
            owner: chown(a.owner, base),
            timestamp: nanos(a.timestamp),
          };
          break;
        case "mkfile":
          fa.mkfile = {
            path: absPath(a.path),
            mode: a.mode & 0o777,
            data: a.data,
            owner: chown(a.owner, base),
            timestamp: nanos(a.timestamp),
          };
          break;
        case "rm":
          if (a.allowWildcard) caps.add("file.rm.wildcard");
          fa.rm = { path: absPath(a.path), allowNotFound: a.allowNotFound, allowWildcard: a.allowWildcard };
          break;
        case "copy":
          fa.copy = {
            src: absPath(a.src),
            dest: absDestPath(a.dest),
            owner: chown(a.owner, base),
            mode: a.mode === undefined ? -1 : a.mode,
            followSymlink: a.followSymlinks,
            dirCopyContents: a.dirCopyContents,
            attemptUnpackDockerCompatibility: a.attemptUnpackDockerCompatibility,
            createDestPath: a.createDestPath,
            allowWildcard: a.allowWildcard,
            allowEmptyWildcard: a.allowEmptyWildcard,
            timestamp: nanos(a.timestamp),
          };
          break;
      }
      return fa;
    });
    return { op: { inputs, file: { actions } }, caps: [...caps] };
  }
}

function user(u: number | string, base: number): PbUserOpt {
  return typeof u === "number" ? { byID: u } : { byName: { name: u, input: base } };
}

function chown(o: Owner | undefined, base: number): PbChownOpt | undefined {
  if (!o) return undefined;
  return { user: user(o.user, base), group: o.group === undefined ? undefined : user(o.group, base) };
}

/** int64 nanoseconds as a decimal string (beyond 2^53); -1 = no override. */
function nanos(t: Timestamp | undefined): number | string {
  if (t === undefined) return -1;
  const ns = typeof t === "bigint" ? t : BigInt(t.getTime()) * 1_000_000n;
  return ns.toString();
}
