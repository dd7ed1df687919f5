// A CLI command: parses its own argv (node:util parseArgs), returns the exit code.
// Output for people goes to stdout; diagnostics to stderr as `FILE:LINE:COL: message`.
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
