// ExecOp: run a process on a root filesystem with extra mounts. Mirrors the Go client's marshalling:
// mounts sorted by destination, inputs deduplicated, outputs numbered over writable bind mounts.
import { absPath } from "./paths.js";
import { CacheSharing, MountType, NetMode, SecurityMode, type PbInput, type PbMount } from "./pb.js";
import { ExecState, type State, type MarshalContext, type MarshalledVertex, type OpOptions, type Output, type Vertex } from "./state.js";

/** A read-write (default) or read-only bind of another state; its changes are an output unless output:false/readonly. */
export interface BindMount {
  type: "bind";
  dest: string;
  source: State;
  /** Sub-path of `source` to mount. */
  selector?: string;
  readonly?: boolean;
  /** Whether the mount's final content is a result of the exec (default: true unless readonly). */
  output?: boolean;
}

/** A persistent cache directory shared between builds, optionally seeded from `source`. */
export interface CacheMount {
  type: "cache";
  dest: string;
  id: string;
  sharing?: "shared" | "private" | "locked";
  source?: State;
  selector?: string;
}

/** A secret from the client session, as a file (tmpfs-backed, never part of a result). */
export interface SecretMount {
  type: "secret";
  dest: string;
  id: string;
  uid?: number;
  gid?: number;
  /** Default 0o400. */
  mode?: number;
  optional?: boolean;
}

export interface TmpfsMount {
  type: "tmpfs";
  dest: string;
  /** Bytes; needs LLB cap exec.mount.tmpfs.size (not in BuildKit v0.8). */
  size?: number;
}

/** The client's SSH agent socket. */
export interface SshMount {
  type: "ssh";
  /** Default /run/buildkit/ssh_agent.<n>. */
  dest?: string;
  id?: string;
  uid?: number;
  gid?: number;
  /** Default 0o600. */
  mode?: number;
  optional?: boolean;
}

export type Mount = BindMount | CacheMount | SecretMount | TmpfsMount | SshMount;

export interface RunOptions extends OpOptions {
  args: string[];
  env?: Record<string, string>;
  /** Default "/". */
  cwd?: string;
  /** "uid[:gid]" or a user name; empty = the image default (root). */
  user?: string;
  network?: "sandbox" | "host" | "none";
  security?: "sandbox" | "insecure";
  mounts?: Mount[];
}

interface ResolvedMount {
  mount: Mount;
  dest: string;
  /** Output index, or -1. */
  output: number;
}

export function execState(base: State, opts: RunOptions): ExecState {
  const v = new ExecVertex(base, opts);
  return new ExecState(v, v.outputs);
}

class ExecVertex implements Vertex {
  readonly platformSpecific = true;
  readonly options: OpOptions;
  readonly inputs: Output[];
  readonly outputs = new Map<string, number>();
  private readonly mounts: ResolvedMount[];

  constructor(
    base: State,
    private readonly opts: RunOptions,
  ) {
    if (opts.args.length === 0) throw new Error("run: args must not be empty");
    this.options = { customName: opts.customName, ignoreCache: opts.ignoreCache };
    const all: Mount[] = [{ type: "bind", dest: "/", source: base }, ...(opts.mounts ?? [])];
    let sshCount = 0;
    const withDest = all.map((m) => ({
      mount: m,
      dest: absPath(m.type === "ssh" ? (m.dest ?? `/run/buildkit/ssh_agent.${sshCount++}`) : m.dest),
      output: -1,
    }));
    withDest.sort((a, b) => (a.dest < b.dest ? -1 : a.dest > b.dest ? 1 : 0));
    for (let i = 1; i < withDest.length; i++) {
      if (withDest[i].dest === withDest[i - 1].dest) throw new Error(`run: two mounts at ${withDest[i].dest}`);
    }
    let next = 0;
    for (const m of withDest) {
      if (m.mount.type === "bind" && !m.mount.readonly && m.mount.output !== false) {
        m.output = next++;
        this.outputs.set(m.dest, m.output);
      }
    }
    this.mounts = withDest;
    this.inputs = withDest.map((m) => mountSource(m.mount)?.output).filter((o): o is Output => o !== undefined);
  }

  marshal(ctx: MarshalContext): MarshalledVertex {
    const caps = new Set<string>(["exec.meta.base"]);
    const inputs: PbInput[] = [];
    const indexOf = (s: State | undefined): number => {
      if (!s?.output) return -1;
      const inp = ctx.input(s.output);
      const i = inputs.findIndex((x) => x.digest === inp.digest && x.index === inp.index);
      if (i >= 0) return i;
      inputs.push(inp);
      return inputs.length - 1;
    };
    const mounts: PbMount[] = this.mounts.map(({ mount: m, dest, output }) => {
      switch (m.type) {
        case "bind":
          caps.add("exec.mount.bind");
          if (m.selector) caps.add("exec.mount.selector");
          return { input: indexOf(m.source), selector: m.selector, dest, output, readonly: m.readonly };
        case "cache":
          if (!m.id) throw new Error(`run: cache mount at ${dest} needs an id`);
          caps.add("exec.mount.cache").add("exec.mount.cache.sharing");
          if (m.selector) caps.add("exec.mount.selector");
          return {
            input: indexOf(m.source),
            selector: m.selector,
            dest,
            output: -1,
            mountType: MountType.CACHE,
            cacheOpt: { ID: m.id, sharing: CacheSharing[m.sharing ?? "shared"] },
          };
        case "tmpfs":
          caps.add("exec.mount.tmpfs");
          if (m.size) caps.add("exec.mount.tmpfs.size");
          return { input: -1, dest, output: -1, mountType: MountType.TMPFS, TmpfsOpt: m.size ? { size: m.size } : undefined };
        case "secret":
          caps.add("exec.mount.secret");
          return {
            input: -1,
            dest,
            output: -1,
            mountType: MountType.SECRET,
            secretOpt: { ID: m.id, uid: m.uid, gid: m.gid, mode: m.mode ?? 0o400, optional: m.optional },
          };
        case "ssh":
          caps.add("exec.mount.ssh");
          return {
            input: -1,
            dest,
            output: -1,
            mountType: MountType.SSH,
            SSHOpt: { ID: m.id, uid: m.uid, gid: m.gid, mode: m.mode ?? 0o600, optional: m.optional },
          };
      }
    });

    const env = { ...this.opts.env };
    const firstSsh = this.mounts.find((m) => m.mount.type === "ssh");
    if (firstSsh && env.SSH_AUTH_SOCK === undefined) env.SSH_AUTH_SOCK = firstSsh.dest;
    for (const k of Object.keys(env)) {
      if (k === "" || k.includes("=")) throw new Error(`run: invalid environment variable name "${k}"`);
    }
    // Without PATH we rely on the engine's default (BuildKit >= v0.8 sets one).
    if (env.PATH === undefined) caps.add("exec.meta.setsdefaultpath");
    const network = this.opts.network ?? "sandbox";
    if (network !== "sandbox") caps.add("exec.meta.network");
    const security = this.opts.security ?? "sandbox";
    if (security !== "sandbox") caps.add("exec.meta.security");

    return {
      op: {
        inputs,
        exec: {
          meta: {
            args: [...this.opts.args],
            env: Object.keys(env)
              .sort()
              .map((k) => `${k}=${env[k]}`),
            cwd: this.opts.cwd === undefined ? "/" : absPath(this.opts.cwd),
            user: this.opts.user,
          },
          mounts,
          network: NetMode[network],
          security: SecurityMode[security],
        },
      },
      caps: [...caps],
    };
  }
}

function mountSource(m: Mount): State | undefined {
  return m.type === "bind" || m.type === "cache" ? m.source : undefined;
}
