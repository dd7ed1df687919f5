#!/usr/bin/env bash
# Builds melange-ts/debian-build:latest, a Debian bookworm build environment with a C toolchain and what the
# autoconf, strip and split pipelines call (make, gcc, libc6-dev, binutils, scanelf, autoconf, automake, libtool,
# tar, gzip, wget). /bin/sh is bash: every step starts with `set -eo pipefail`, which Debian's dash rejects.
# Offline except for Debian's archive: mmdebstrap makes the root from the mirrors this machine's apt already uses,
# and `docker import` turns it into a local image (nothing is pulled from a registry).
# `hack/debian-image.sh toolchains` builds melange-ts/debian-toolchains:latest instead: the same plus what the
# language pipelines call (cmake, ninja, meson, pkgconf, Go, cargo + rustc, Python with setuptools, build,
# installer and wheel, g++, git); about 1.5 GB and 2-3 minutes, made only when asked.
# Does nothing when the image exists; MELANGE_TS_REBUILD_DEBIAN=1 builds it anew. Run as root on a fresh machine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SUITE=bookworm
PACKAGES=gcc,make,libc6-dev,binutils,pax-utils,autoconf,automake,libtool,tar,gzip,wget,ca-certificates
case "${1:-build}" in
  build) IMAGE=melange-ts/debian-build:latest ;;
  toolchains)
    IMAGE=melange-ts/debian-toolchains:latest
    PACKAGES+=,g++,git,patch,file,cmake,ninja-build,meson,pkgconf,golang-go,cargo,rustc
    # python-is-python3: python/build and python/install call `python`, as Wolfi's python provides it.
    # The *-whl packages put setuptools, wheel and pip wheels in /usr/share/python-wheels, so that
    # `python -m build`'s isolated environment can be filled offline (PIP_NO_INDEX=1,
    # PIP_FIND_LINKS=/usr/share/python-wheels).
    PACKAGES+=,python3,python-is-python3,python3-setuptools,python3-build,python3-installer,python3-wheel
    PACKAGES+=,python3-pip,python3-venv,python3-setuptools-whl,python3-wheel-whl,python3-pip-whl
    ;;
  *) log "usage: $0 [build|toolchains]"; exit 2 ;;
esac

if [ -z "${MELANGE_TS_REBUILD_DEBIAN:-}" ] && $DOCKER image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE exists"
  exit 0
fi

ensure_pkg /usr/bin/mmdebstrap mmdebstrap

# The machine's own Debian mirrors (deb822 .sources or one-line sources.list), else Debian's default.
apt_uris() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^URIs:[[:space:]]*//' | tr ' ' '\n'
    grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | cut -d' ' -f1
  } | sed 's:/*$::' | awk 'NF' | sort -u
}
main=$(apt_uris | grep -E '/debian$' | head -1 || true)
security=$(apt_uris | grep -E '/debian-security$' | head -1 || true)
main=${main:-http://deb.debian.org/debian}
mirrors=("deb $main $SUITE main" "deb $main $SUITE-updates main")
[ -n "$security" ] && mirrors+=("deb $security $SUITE-security main")

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
log "building $IMAGE from $main (mmdebstrap, half a minute for build, a few minutes for toolchains)"
mmdebstrap --quiet --variant=minbase --include="$PACKAGES" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
  --customize-hook='ln -sf bash "$1/bin/sh"' \
  "$SUITE" "$work/root.tar" "${mirrors[@]}" >&2

$DOCKER import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$work/root.tar" "$IMAGE" >/dev/null
$DOCKER image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep "^${IMAGE%:*}:" >&2
