#!/usr/bin/env bash
# `npm test`: the whole suite, unit and end to end, against the real engine.
# Installs what it needs (npm ci, Debian's docker.io and busybox-static), starts dockerd when none answers,
# builds the images, runs vitest, and stops the dockerd it started. Extra arguments go to vitest.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

[ -d node_modules/vitest ] || { log "installing npm dependencies"; npm ci --no-audit --no-fund >&2; }
node hack/gen.mjs
MELANGE_TS_REBUNDLE=1 node hack/bundle.mjs

started=""
if ! timeout 5 "$DOCKER" version >/dev/null 2>&1; then started=1; fi
[ -n "$started" ] && trap 'bash hack/engine.sh stop' EXIT
bash hack/engine.sh start
bash hack/image.sh

report=$(mktemp)
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
code=$?
set -e
# One plain closing line that any CI reads: "N passed, N failed".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" || true
rm -f "$report"
exit $code
