#!/usr/bin/env bash
# `npm run demo`: on a fresh machine, install what is needed, start the engine, build the images, make a signing
# key (melange.rsa, kept if it exists), and build every example into ./packages with docker build.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

[ -d node_modules/esbuild ] || { log "installing npm dependencies"; npm ci --no-audit --no-fund >&2; }
[ -f dist/melange-ts.mjs ] || { node hack/gen.mjs && node hack/bundle.mjs; }
bash hack/engine.sh start
bash hack/image.sh

CLI="node bin/melange-ts.mjs"
[ -f melange.rsa ] || $CLI keygen melange.rsa >&2
secret=(--secret id=melange.rsa,src="$ROOT/melange.rsa")

# The frontend by its content tag (see hack/image.sh): the image just built, never an older one.
id=$($DOCKER image inspect --format '{{.Id}}' melange-ts/frontend:latest)
frontend=melange-ts/frontend:${id:7:16}

# examples/apk-env installs its environment from an APK repository: a local one, made from this machine's
# Debian binaries and served on 127.0.0.1:18765 while the demo runs.
repo_out=$(mktemp)
node hack/local-repo.mjs > "$repo_out" & repo_pid=$!
trap 'kill $repo_pid 2>/dev/null || true; rm -f "$repo_out"' EXIT
for _ in $(seq 300); do grep -q '^serving ' "$repo_out" && break; kill -0 $repo_pid || { log "the local repository failed"; exit 1; }; sleep 0.2; done

mkdir -p packages
for yaml in examples/*/melange.yaml; do
  dir=$(dirname "$yaml")
  log "building $dir"
  if [ -f "$dir/build.sh" ]; then
    # Examples that need more than a docker build (a local server, another build image) bring their own script.
    bash "$dir/build.sh" "$ROOT/packages"
  else
    # Files that list environment.contents get their environment from APK repositories; the others run on busybox.
    image=(--build-arg MELANGE_BUILD_IMAGE=melange-ts/busybox)
    grep -q '^  contents:' "$yaml" && image=()
    (cd "$dir" && $DOCKER build --progress=plain --build-arg BUILDKIT_SYNTAX="$frontend" \
      "${image[@]}" "${secret[@]}" -f melange.yaml -o "type=local,dest=$ROOT/packages" .)
  fi
done
# Each build writes its own APKINDEX; one index over everything built is what a repository needs.
for dir in packages/*/; do
  arch=$(basename "$dir")
  ls "$dir"*.apk >/dev/null 2>&1 || continue
  $CLI index --signing-key melange.rsa -o "${dir}APKINDEX.tar.gz" "$dir"*.apk >&2
done
$CLI verify --keyring melange.rsa.pub packages/*/*.apk packages/*/APKINDEX.tar.gz >&2
log "done: $(find packages -name '*.apk' | wc -l) packages in ./packages (verified with melange.rsa.pub)"
