#!/usr/bin/env bash
# The engine for the demo and the tests: Debian's docker.io (dockerd 20.10 with BuildKit embedded).
#   hack/engine.sh start   install docker.io when missing (root, apt-get), start dockerd when none answers, wait
#   hack/engine.sh stop    stop the dockerd this script started (and nothing else)
#   hack/engine.sh env     print the variables the other scripts use
# We use docker.io's own client /usr/bin/docker: the `docker` earlier on PATH may be a newer client without
# buildx, which cannot run frontends.
set -euo pipefail

DOCKER=/usr/bin/docker
STATE_DIR=${MELANGE_TS_STATE:-/tmp/melange-ts-engine}
PIDFILE=$STATE_DIR/dockerd.pid
LOG=$STATE_DIR/dockerd.log

need_root() { [ "$(id -u)" = 0 ] || { echo "engine: $1 needs root (run as root or install docker.io yourself)" >&2; exit 1; }; }

apt_install() {
  need_root "installing $*"
  if [ ! -f "$STATE_DIR/apt-updated" ]; then
    mkdir -p "$STATE_DIR"
    apt-get update -qq >&2 && touch "$STATE_DIR/apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

answers() { timeout 5 "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start() {
  mkdir -p "$STATE_DIR"
  if [ ! -x "$DOCKER" ] || ! command -v dockerd >/dev/null; then
    echo "engine: installing Debian's docker.io" >&2
    apt_install docker.io
  fi
  if answers; then
    echo "engine: dockerd already answers" >&2
    return 0
  fi
  # A socket left behind by a dead daemon would make dockerd refuse to start.
  if [ -S /var/run/docker.sock ] && ! answers; then rm -f /var/run/docker.sock; fi
  echo "engine: starting dockerd (log: $LOG)" >&2
  # setsid: the daemon outlives the calling shell; the pid file tells `stop` what we started.
  setsid dockerd >"$LOG" 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 120); do
    if answers; then echo "engine: dockerd is up" >&2; return 0; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "engine: dockerd exited; last lines of $LOG:" >&2; tail -20 "$LOG" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "engine: dockerd did not answer within 60s; see $LOG" >&2
  exit 1
}

stop() {
  [ -f "$PIDFILE" ] || { echo "engine: nothing started by us" >&2; return 0; }
  pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    echo "engine: stopping dockerd ($pid)" >&2
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    # containerd started by dockerd goes with it; make sure nothing of ours is left.
    pkill -f "containerd --config /var/run/docker/containerd" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  env) echo "DOCKER=$DOCKER"; echo "DOCKER_BUILDKIT=1" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
