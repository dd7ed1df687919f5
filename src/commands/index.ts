import type { Command } from "./command.js";

// Commands are loaded lazily so that the frontend (the hot path) never pays for them.
// One line per command; keep the list sorted.
export const commands: Record<string, () => Promise<{ command: Command }>> = {
  compile: () => import("./compile.js"),
  index: () => import("./apkindex.js"),
  install: () => import("./install.js"),
  keygen: () => import("./keygen.js"),
  pack: () => import("./pack.js"),
  publish: () => import("./publish.js"),
  resolve: () => import("./resolve.js"),
  sign: () => import("./sign.js"),
  "sign-index": () => import("./sign-index.js"),
  verify: () => import("./verify.js"),
};
