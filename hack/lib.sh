# Shared by the hack/ scripts: the engine's client and small helpers.
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { echo "melange-ts: $*" >&2; }

# apt-get install NAME... when the named files are missing (root only).
ensure_pkg() {
  local file=$1; shift
  [ -e "$file" ] && return 0
  [ "$(id -u)" = 0 ] || { log "need $file (apt-get install $*): run as root or install it"; exit 1; }
  log "installing $*"
  if [ ! -f /tmp/melange-ts-engine/apt-updated ]; then
    mkdir -p /tmp/melange-ts-engine; apt-get update -qq >&2 && touch /tmp/melange-ts-engine/apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Deterministic tar of a directory, for `docker import`.
rootfs_tar() { tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$2" .; }
