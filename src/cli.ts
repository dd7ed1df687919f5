import { commands } from "./commands/index.js";
import { isUserError } from "./errors.js";

// The one entry point. buildkitd starts the image's ENTRYPOINT with no arguments and the gateway
// environment; everything else is the command line.
function isGatewayProcess(): boolean {
  return process.argv.length <= 2 && Object.keys(process.env).some((k) => k.startsWith("BUILDKIT_FRONTEND_OPT_"));
}

async function usage(): Promise<string> {
  const lines = ["usage: melange-ts <command> [options]", "", "commands:"];
  const names = Object.keys(commands).sort();
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) lines.push(`  ${name.padEnd(width)}  ${(await commands[name]()).command.summary}`);
  lines.push("", "With no command and a BuildKit gateway environment, runs as the BuildKit frontend.");
  lines.push("Run `melange-ts <command> --help` for a command's options.");
  return lines.join("\n");
}

async function main(): Promise<number> {
  if (isGatewayProcess()) {
    const { runFrontend } = await import("./frontend/main.js");
    return runFrontend();
  }
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write((await usage()) + "\n");
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`melange-ts: unknown command "${name}"\n\n${await usage()}\n`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (isUserError(e)) process.stderr.write(e.format() + "\n");
    else process.stderr.write(`melange-ts: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(isUserError(e) ? 1 : 70);
  },
);
