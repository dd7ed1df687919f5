// Plain-object shapes of the pb.* messages the LLB library writes (field names as in proto/ops.proto).
// int64 values are numbers, or decimal strings when they exceed 2^53 (nanosecond timestamps).

export interface PbInput {
  digest: string;
  index: number;
}

export interface PbPlatform {
  Architecture: string;
  OS: string;
  Variant?: string;
}

export interface PbOp {
  inputs?: PbInput[];
  exec?: PbExecOp;
  source?: { identifier: string; attrs?: Record<string, string> };
  file?: { actions: PbFileAction[] };
  platform?: PbPlatform;
  constraints?: { filter?: string[] };
}

export interface PbExecOp {
  meta: { args: string[]; env?: string[]; cwd?: string; user?: string };
  mounts: PbMount[];
  network?: number;
  security?: number;
}

export interface PbMount {
  input: number;
  selector?: string;
  dest: string;
  output: number;
  readonly?: boolean;
  mountType?: number;
  TmpfsOpt?: { size: number };
  cacheOpt?: { ID: string; sharing?: number };
  secretOpt?: { ID: string; uid?: number; gid?: number; mode?: number; optional?: boolean };
  SSHOpt?: { ID?: string; uid?: number; gid?: number; mode?: number; optional?: boolean };
}

export interface PbUserOpt {
  byName?: { name: string; input: number };
  byID?: number;
}

export interface PbChownOpt {
  user?: PbUserOpt;
  group?: PbUserOpt;
}

export interface PbFileAction {
  input: number;
  secondaryInput: number;
  output: number;
  copy?: Record<string, unknown>;
  mkfile?: Record<string, unknown>;
  mkdir?: Record<string, unknown>;
  rm?: Record<string, unknown>;
}

/** OpMetadata as a plain object (what Definition.metadata holds per op digest). */
export interface OpMetadata {
  ignore_cache?: boolean;
  description?: Record<string, string>;
  caps?: Record<string, boolean>;
}

export const MountType = { BIND: 0, SECRET: 1, SSH: 2, CACHE: 3, TMPFS: 4 } as const;
export const NetMode = { sandbox: 0, host: 1, none: 2 } as const;
export const SecurityMode = { sandbox: 0, insecure: 1 } as const;
export const CacheSharing = { shared: 0, private: 1, locked: 2 } as const;
