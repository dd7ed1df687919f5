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
ensure_pkg /usr/bin/setfattr attr   # the installer sets packages' xattrs (e.g. file capabilities) with it
[ -f dist/melange-ts.mjs ] && [ -z "${MELANGE_TS_REBUNDLE:-}" ] || { node hack/gen.mjs && node hack/bundle.mjs; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# docker import of a rootfs tar as TAG, unless TAG already holds exactly this content: a new import makes a new
# image id even for the same bytes, and a new id would invalidate every cached build step that runs on it.
import_rootfs() {
  local tar=$1 tag=$2; shift 2
  local sum old
  sum=$(sha256sum "$tar" | cut -c1-64)
  old=$($DOCKER image inspect --format '{{.Id}} {{index .Config.Labels "melange-ts.content"}}' "$tag" 2>/dev/null || true)
  if [ "${old#* }" = "$sum" ]; then log "$tag is up to date"; return 0; fi
  $DOCKER import --change "LABEL melange-ts.content=$sum" "$@" "$tar" "$tag" >/dev/null
  # The image this one replaces, unless something else still uses it.
  [ -n "$old" ] && $DOCKER rmi "${old%% *}" >/dev/null 2>&1 || true
}

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
import_rootfs "$work/bb.tar" melange-ts/busybox:latest \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

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
cp -r dist/. "$fe/app/"
# setfattr and its libraries, for the installer.
cp /usr/bin/setfattr "$fe/usr/bin/setfattr"
for lib in $(ldd /usr/bin/setfattr | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$fe$(dirname "$lib")"; cp -L "$lib" "$fe$lib"
done
printf '#!/bin/sh\nexec /usr/bin/node /app/melange-ts.mjs "$@"\n' > "$fe/usr/bin/melange-ts"
chmod 755 "$fe/usr/bin/melange-ts"
rootfs_tar "$fe" "$work/fe.tar"
import_rootfs "$work/fe.tar" melange-ts/frontend:latest \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENTRYPOINT ["/usr/bin/node", "/app/melange-ts.mjs"]' \
  --change 'LABEL moby.buildkit.frontend.network.none="true"' \
  --change 'LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs"'
# Also tag the frontend by content: dockerd 20.10 may keep running the image it first resolved for a frontend
# reference after melange-ts/frontend:latest is re-imported, so the tests and the demo name this tag.
id=$($DOCKER image inspect --format '{{.Id}}' melange-ts/frontend:latest)
tag=melange-ts/frontend:${id:7:16}
$DOCKER tag melange-ts/frontend:latest "$tag"
for old in $($DOCKER image ls melange-ts/frontend --format '{{.Repository}}:{{.Tag}}'); do
  case "$old" in *:latest|"$tag") ;; *) $DOCKER rmi "$old" >/dev/null 2>&1 || true ;; esac
done
$DOCKER image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^melange-ts/' >&2
