// A small LLB (BuildKit low-level build graph) library: sources, exec, file ops, marshalling.
export { State, ExecState, scratch, type Output, type Platform, type OpOptions, type Vertex } from "./state.js";
export { image, local, http, git, type ImageOptions, type LocalOptions, type HttpOptions, type GitOptions } from "./source.js";
export {
  type Mount,
  type BindMount,
  type CacheMount,
  type SecretMount,
  type TmpfsMount,
  type SshMount,
  type RunOptions,
} from "./exec.js";
export {
  FileActions,
  mkdir,
  mkfile,
  rm,
  copy,
  type FileAction,
  type Owner,
  type Timestamp,
  type MkdirOptions,
  type MkfileOptions,
  type RmOptions,
  type CopyOptions,
  type FileOpOptions,
} from "./fileop.js";
export { marshal, opDigest, usedCaps, type Definition, type MarshalOptions, type MarshalResult } from "./marshal.js";
export { definitionToJSON, type DefinitionJSON, type DecodedOp } from "./json.js";
export { normalizeImageRef, parseImageReference, type ImageReference } from "./reference.js";
export type { OpMetadata } from "./pb.js";
