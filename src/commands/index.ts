import type { Command } from "./command.js";

// Commands are loaded lazily so that the frontend (the hot path) never pays for them.
// One line per command; keep the list sorted.
export const commands: Record<string, () => Promise<{ command: Command }>> = {
  install: () => import("./install.js"),
  resolve: () => import("./resolve.js"),
};
