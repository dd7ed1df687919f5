// The frontend's inputs as buildkitd hands them over: BUILDKIT_FRONTEND_OPT_<n>=key=value (n in random order),
// the session id, and the build-args inside the opts as `build-arg:NAME=value`.

export interface FrontendOpts {
  /** Every opt by key. */
  raw: Record<string, string>;
  /** build-arg:NAME -> value */
  buildArgs: Record<string, string>;
  /** The config file's name in the `dockerfile` local (default melange.yaml). */
  filename: string;
  /** Our own image reference as the user wrote it (empty when unknown). */
  source: string;
  sessionId: string;
  /** The `platform` opt (comma list), if any. */
  platforms: string[];
  noCache: boolean;
}

export function parseFrontendOpts(env: NodeJS.ProcessEnv): FrontendOpts {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith("BUILDKIT_FRONTEND_OPT_") || v === undefined) continue;
    const eq = v.indexOf("=");
    if (eq < 0) raw[v] = "";
    else raw[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const buildArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (k.startsWith("build-arg:")) buildArgs[k.slice("build-arg:".length)] = v;
  return {
    raw,
    buildArgs,
    filename: raw.filename || "melange.yaml",
    source: raw.source ?? "",
    sessionId: env.BUILDKIT_SESSION_ID ?? "",
    platforms: (raw.platform ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    noCache: "no-cache" in raw && raw["no-cache"] === "",
  };
}
