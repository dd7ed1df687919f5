#!/usr/bin/env bash
# Builds this example end to end: the Debian build image (once), the release tarball served on 127.0.0.1:8765 for
# the build's `fetch`, then docker build into OUT_DIR (default ../../packages). Signs with ../../melange.rsa if it
# exists. Needs the engine and the melange-ts images (hack/engine.sh start; hack/image.sh).
#   build.sh [OUT_DIR] [extra docker build arguments...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mkdir -p "${1:-$root/packages}" && cd "${1:-$root/packages}" && pwd)
shift || true

bash "$root/hack/debian-image.sh"

PORT=8765 node "$here/serve.mjs" & server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/8765) 2>/dev/null && break
  sleep 0.1
done

# The frontend under a tag naming its content: docker 20.10 keeps running the image it first resolved for a
# frontend reference even after melange-ts/frontend:latest is rebuilt.
id=$(/usr/bin/docker image inspect --format '{{.Id}}' melange-ts/frontend)
frontend=melange-ts/frontend:${id:7:16}
/usr/bin/docker tag melange-ts/frontend "$frontend"

secret=()
[ -f "$root/melange.rsa" ] && secret=(--secret "id=melange.rsa,src=$root/melange.rsa")
cd "$here"
DOCKER_BUILDKIT=1 /usr/bin/docker build --progress=plain \
  --build-arg BUILDKIT_SYNTAX="$frontend" \
  --build-arg MELANGE_BUILD_IMAGE=melange-ts/debian-build \
  "${secret[@]}" -f melange.yaml -o "type=local,dest=$out" "$@" .
