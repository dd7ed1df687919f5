import { isUserError, UserError } from "../errors.js";
import { BridgeClient } from "../gateway/client.js";
import { GrpcError } from "../gateway/transport.js";
import { parseFrontendOpts } from "./opts.js";
import { runBuild } from "./build.js";

// The gateway process: stdout is the wire to buildkitd, so nothing else may ever write there. What the user
// must see goes through Return(error) or into step names; stderr lands in the daemon's log.

function silenceStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

// grpc codes: 3 InvalidArgument for the user's mistakes, 13 Internal for ours.
const INVALID_ARGUMENT = 3;
const INTERNAL = 13;

export async function runFrontend(): Promise<number> {
  silenceStdout();
  const started = performance.now();
  const opts = parseFrontendOpts(process.env);
  const client = BridgeClient.fromStdio();
  // buildkitd closing our stdin means the build was cancelled: leave at once.
  process.stdin.on("end", () => process.exit(0));
  try {
    const requestId = opts.raw.requestid;
    if (requestId) {
      // Newer clients ask frontends what else they can do (buildx --print/--call, --check). We offer no
      // subrequests: answer the description request with an empty list, refuse the others clearly.
      if (requestId !== "frontend.subrequests.describe") {
        throw new UserError(`melange-ts does not support the subrequest "${requestId}"`, undefined, "build without --print/--call/--check");
      }
      await client.return({ ref: "", metadata: { "result.json": Buffer.from("[]"), "result.txt": Buffer.from("no subrequests\n") } });
      return 0;
    }
    const ref = await runBuild(client, opts, started);
    await client.return({ ref });
  } catch (e) {
    const message = isUserError(e)
      ? e.format()
      : e instanceof GrpcError
        ? `melange-ts: the engine refused a request: ${e.details}`
        : `melange-ts: internal error: ${e instanceof Error ? e.message : String(e)}`;
    if (!isUserError(e)) console.error(e);
    await client.return({ error: { code: isUserError(e) ? INVALID_ARGUMENT : INTERNAL, message } });
  }
  console.error(`melange-ts: frontend done in ${(performance.now() - started).toFixed(0)} ms`);
  return 0;
}

