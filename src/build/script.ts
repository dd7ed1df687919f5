// The shell a step runs, as melange wraps it: strict mode, the working directory made and entered, then the
// step's own text. `exit 0` so that a last command's status in an `if` does not fail the step.

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function stepScript(workdir: string, runs: string): string {
  const wd = shellQuote(workdir);
  return `set -eo pipefail\n[ -d ${wd} ] || mkdir -p ${wd}\ncd ${wd}\n${runs}\nexit 0\n`;
}
