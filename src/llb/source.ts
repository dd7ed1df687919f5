// SourceOps: images, client-side directories, HTTP files, git repositories. Attribute names and the
// caps each attribute needs follow BuildKit's Go client so an engine lacking a feature fails loudly.
import { normalizeImageRef } from "./reference.js";
import { State, type MarshalledVertex, type OpOptions, type Output, type Vertex } from "./state.js";

class SourceVertex implements Vertex {
  readonly inputs: Output[] = [];
  constructor(
    readonly identifier: string,
    readonly attrs: Record<string, string>,
    private readonly caps: string[],
    readonly platformSpecific: boolean,
    readonly options: OpOptions,
  ) {}

  marshal(): MarshalledVertex {
    return { op: { source: { identifier: this.identifier, attrs: { ...this.attrs } } }, caps: [...this.caps] };
  }
}

function source(id: string, attrs: Record<string, string>, caps: string[], platformSpecific: boolean, opts: OpOptions): State {
  return new State({ vertex: new SourceVertex(id, attrs, caps, platformSpecific, opts), index: 0 });
}

export interface ImageOptions extends OpOptions {
  /** "default" (prefer local on dockerd, registry on buildkitd), "pull" (always registry), "local". */
  resolveMode?: "default" | "pull" | "local";
  /** image.recordtype attribute: "internal" | "frontend" | "regular". */
  recordType?: string;
}

/** A container image, pulled for the marshal platform. The reference is normalized Docker-style. */
export function image(ref: string, opts: ImageOptions = {}): State {
  const attrs: Record<string, string> = {};
  const caps = ["source.image"];
  if (opts.resolveMode && opts.resolveMode !== "default") {
    attrs["image.resolvemode"] = opts.resolveMode;
    // Only the enforcing mode must be understood by the engine (as in the Go client).
    if (opts.resolveMode === "pull") caps.push("source.image.resolvemode");
  }
  if (opts.recordType) attrs["image.recordtype"] = opts.recordType;
  return source(`docker-image://${normalizeImageRef(ref)}`, attrs, caps, true, opts);
}

export interface LocalOptions extends OpOptions {
  /** The client session that holds the directory (BUILDKIT_SESSION_ID in a frontend). */
  sessionId?: string;
  /** Exact paths to transfer (symlinks followed). */
  followPaths?: string[];
  includePatterns?: string[];
  excludePatterns?: string[];
  /** Cache key hint for the transfer; usually the local name. */
  sharedKeyHint?: string;
}

/** A directory sent by the client (e.g. "context", "dockerfile"). */
export function local(name: string, opts: LocalOptions = {}): State {
  const attrs: Record<string, string> = {};
  const caps = ["source.local"];
  const set = (key: string, cap: string, value: string | undefined) => {
    if (value) {
      attrs[key] = value;
      caps.push(cap);
    }
  };
  const list = (v: string[] | undefined) => (v && v.length > 0 ? JSON.stringify(v) : undefined);
  set("local.session", "source.local.sessionid", opts.sessionId);
  set("local.includepattern", "source.local.includepatterns", list(opts.includePatterns));
  set("local.followpaths", "source.local.followpaths", list(opts.followPaths));
  set("local.excludepatterns", "source.local.excludepatterns", list(opts.excludePatterns));
  set("local.sharedkeyhint", "source.local.sharedkeyhint", opts.sharedKeyHint);
  return source(`local://${name}`, attrs, caps, false, opts);
}

export interface HttpOptions extends OpOptions {
  /** "sha256:<hex>" of the content: verified after download and used as the cache key. */
  checksum?: string;
  /** File name in the result (default: the URL's basename). */
  filename?: string;
  perm?: number;
  uid?: number;
  gid?: number;
}

/** A single file downloaded over HTTP(S). */
export function http(url: string, opts: HttpOptions = {}): State {
  const attrs: Record<string, string> = {};
  const caps = ["source.http"];
  if (opts.checksum) {
    if (!/^sha256:[0-9a-f]{64}$/.test(opts.checksum)) throw new Error(`http: checksum must be sha256:<64 hex>, got "${opts.checksum}"`);
    attrs["http.checksum"] = opts.checksum;
    caps.push("source.http.checksum");
  }
  if (opts.filename) attrs["http.filename"] = opts.filename;
  if (opts.perm) {
    attrs["http.perm"] = "0" + opts.perm.toString(8);
    caps.push("source.http.perm");
  }
  // The engine's cap name really is misspelled "soruce".
  if (opts.uid) {
    attrs["http.uid"] = String(opts.uid);
    caps.push("soruce.http.uidgid");
  }
  if (opts.gid) {
    attrs["http.gid"] = String(opts.gid);
    caps.push("soruce.http.uidgid");
  }
  return source(url, attrs, [...new Set(caps)], false, opts);
}

export interface GitOptions extends OpOptions {
  keepGitDir?: boolean;
}

/** A git checkout of `ref` (branch, tag or commit; default branch when empty). */
export function git(remote: string, ref = "", opts: GitOptions = {}): State {
  let url = remote.split("#")[0];
  let id = remote;
  let ssh = false;
  const scheme = /^(https?|git|ssh):\/\//.exec(id);
  if (scheme) {
    id = id.slice(scheme[0].length);
    ssh = scheme[1] === "ssh";
  } else if (/^[A-Za-z0-9_.-]+@[^:/]+:/.test(id)) {
    ssh = true; // scp-like "git@host:org/repo"
  }
  if (ssh) {
    const at = id.indexOf("@");
    if (at >= 0) id = id.slice(at + 1);
    if (!scheme) {
      const colon = id.indexOf(":");
      id = id.slice(0, colon) + "/" + id.slice(colon + 1);
    }
  }
  if (!scheme && !ssh) url = `https://${url}`;
  const attrs: Record<string, string> = {
    "git.fullurl": url,
    "git.authtokensecret": "GIT_AUTH_TOKEN",
    "git.authheadersecret": "GIT_AUTH_HEADER",
  };
  const caps = ["source.git", "source.git.fullurl"];
  if (opts.keepGitDir) {
    attrs["git.keepgitdir"] = "true";
    caps.push("source.git.keepgitdir");
  }
  return source(`git://${id}${ref ? `#${ref}` : ""}`, attrs, caps, false, opts);
}
