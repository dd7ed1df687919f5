#!/usr/bin/env bash
# Builds the images the demo and the tests need, offline, from what this machine has:
#   melange-ts/frontend:latest  the frontend and in-graph tool: the local node binary, its libraries, our bundle,
#                               and busybox for a shell
#   melange-ts/busybox:latest   a tiny build environment from Debian's busybox-static
# (Users with a network can use the Dockerfile instead; nothing can be pulled here.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_pkg /bin/busybox busybox-static
[ -f dist/melange-ts.mjs ] && [ -z "${MELANGE_TS_REBUNDLE:-}" ] || { node hack/gen.mjs && node hack/bundle.mjs; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# A busybox root: /bin/busybox plus a link per applet, root and build users, /tmp.
busybox_root() {
  local r=$1
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var/tmp}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] && continue
    [ -e "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
  printf 'root:x:0:\n' > "$r/etc/group"
}

log "building melange-ts/busybox:latest"
busybox_root "$work/bb"
rootfs_tar "$work/bb" "$work/bb.tar"
$DOCKER import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$work/bb.tar" melange-ts/busybox:latest >/dev/null

log "building melange-ts/frontend:latest"
fe=$work/fe
busybox_root "$fe"
node_bin=$(readlink -f "$(command -v node)")
mkdir -p "$fe/usr/bin" "$fe/app"
cp "$node_bin" "$fe/usr/bin/node"
# The node binary's shared libraries, at the same paths.
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$fe$(dirname "$lib")"
  cp -L "$lib" "$fe$lib"
done
cp dist/melange-ts.mjs "$fe/app/melange-ts.mjs"
printf '#!/bin/sh\nexec /usr/bin/node /app/melange-ts.mjs "$@"\n' > "$fe/usr/bin/melange-ts"
chmod 755 "$fe/usr/bin/melange-ts"
rootfs_tar "$fe" "$work/fe.tar"
$DOCKER import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENTRYPOINT ["/usr/bin/node", "/app/melange-ts.mjs"]' \
  --change 'LABEL moby.buildkit.frontend.network.none="true"' \
  --change 'LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs"' \
  "$work/fe.tar" melange-ts/frontend:latest >/dev/null
$DOCKER image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^melange-ts/' >&2
