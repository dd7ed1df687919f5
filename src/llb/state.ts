// The LLB graph model: vertices (ops) and immutable States pointing at one output of a vertex.
// A State with no output is scratch (the empty filesystem).
import { absPath } from "./paths.js";
import type { PbInput, PbOp } from "./pb.js";
import { execState, type RunOptions } from "./exec.js";
import { fileOpState, type FileActions, type FileOpOptions } from "./fileop.js";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Progress name and cache control shared by every kind of op. */
export interface OpOptions {
  /** Shown in build progress (OpMetadata.description["llb.customname"]). */
  customName?: string;
  /** Never reuse a cached result of this op (OpMetadata.ignore_cache). */
  ignoreCache?: boolean;
}

/** What a vertex needs while it is being marshalled: digests of already-marshalled inputs. */
export interface MarshalContext {
  readonly platform: Platform;
  input(output: Output): PbInput;
}

export interface MarshalledVertex {
  /** The op without platform/constraints (the marshaller adds those). */
  op: PbOp;
  /** LLB caps this op relies on (recorded in OpMetadata.caps). */
  caps: string[];
}

export interface Vertex {
  /** Outputs of other vertices this one reads, in the order they become Op.inputs. */
  readonly inputs: readonly Output[];
  readonly options: OpOptions;
  /** False for sources whose content does not depend on the platform (local, git, http). */
  readonly platformSpecific: boolean;
  marshal(ctx: MarshalContext): MarshalledVertex;
}

export interface Output {
  readonly vertex: Vertex;
  readonly index: number;
}

export class State {
  constructor(readonly output?: Output) {}

  get isScratch(): boolean {
    return this.output === undefined;
  }

  /** Runs a process with this state as its root filesystem. */
  run(opts: RunOptions): ExecState {
    return execState(this, opts);
  }

  /** Applies a chain of file actions (mkdir/mkfile/rm/copy) on top of this state, as one FileOp. */
  file(actions: FileActions, opts: FileOpOptions = {}): State {
    return fileOpState(this, actions, opts);
  }
}

/**
 * The result of a run: behaves as its root filesystem, and gives access to the outputs of writable
 * bind mounts. (Defined here, not in exec.ts, so the state <-> exec import cycle is safe in any order.)
 */
export class ExecState extends State {
  constructor(
    vertex: Vertex,
    private readonly outputs: ReadonlyMap<string, number>,
  ) {
    super({ vertex, index: outputs.get("/") ?? 0 });
  }

  /** The root filesystem after the process ran. */
  root(): State {
    return this.mount("/");
  }

  /** The content of the writable bind mount at `dest` after the process ran. */
  mount(dest: string): State {
    const index = this.outputs.get(absPath(dest));
    if (index === undefined) throw new Error(`exec has no writable bind mount with an output at ${dest}`);
    return new State({ vertex: this.output!.vertex, index });
  }
}

/** The empty filesystem. */
export function scratch(): State {
  return new State();
}
