#!/usr/bin/env bash
# Brings the whole system up on this machine, or stops exactly what it started.
#   scripts/stack.sh up [--no-demo]   PostgreSQL and Redis (started if they do not answer), Asterisk 22,
#                                     migrations, worker and gateway; with the demo (default) 25 SIPp seats
#                                     and a SIPp caller load, printing live progress. Ctrl-C stops it all.
#   scripts/stack.sh down             stops what a previous `up` started (by pid), nothing else.
# Settings come from CTI_* variables (see README); defaults suit one machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
RUN="$here/.run/stack"
mkdir -p "$RUN"
export CTI_DATABASE_URL=${CTI_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cti12345}
export CTI_REDIS_URL=${CTI_REDIS_URL:-redis://127.0.0.1:6379}
export CTI_HTTP_PORT=${CTI_HTTP_PORT:-8080}
export CTI_SPOOL_DIR=${CTI_SPOOL_DIR:-$RUN/spool}
DEMO=1

log() { printf '\033[1m[stack]\033[0m %s\n' "$*"; }

stop_all() {
  trap - INT TERM EXIT
  log "stopping what this stack started"
  for f in demo gateway worker; do
    if [ -f "$RUN/$f.pid" ]; then
      pid=$(cat "$RUN/$f.pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$RUN/$f.pid"
    fi
  done
  bash scripts/asterisk.sh stop demo || true
  log "stopped"
}

# shellcheck source=scripts/services.sh
. "$here/scripts/services.sh"

up() {
  [ "$(id -u)" = 0 ] || log "warning: not root; building or entering the Asterisk root filesystem needs root"
  [ -d node_modules ] || { log "installing npm dependencies"; npm ci --no-audit --no-fund >/dev/null; }
  log "building"
  npm run build
  ensure_services
  [ "$DEMO" = 1 ] && ensure_packages "sipp:sip-tester"
  # Browser phones on the desk page: a self-signed certificate for Asterisk's secure WebSocket unless one is configured.
  if [ -z "${CTI_WEBRTC_CERT_FILE:-}" ]; then
    bash scripts/webrtc-cert.sh "$RUN/tls"
    export CTI_WEBRTC_CERT_FILE=$RUN/tls/webrtc.crt CTI_WEBRTC_KEY_FILE=$RUN/tls/webrtc.key
  fi
  bash scripts/asterisk.sh start demo
  local astlog; astlog=$(bash scripts/asterisk.sh logdir demo)
  export CTI_QUEUE_LOG_FILE=$astlog/queue_log CTI_RECORDINGS_DIR=${astlog%/log}/spool/recording
  trap stop_all INT TERM EXIT
  node services/worker/dist/migrate.main.js >/dev/null
  node services/worker/dist/main.js >"$RUN/worker.log" 2>&1 &
  echo $! >"$RUN/worker.pid"
  node services/gateway/dist/main.js >"$RUN/gateway.log" 2>&1 &
  echo $! >"$RUN/gateway.pid"
  log "worker pid $(cat "$RUN/worker.pid"), gateway pid $(cat "$RUN/gateway.pid"); logs in $RUN"
  for _ in $(seq 1 60); do node -e "fetch('http://127.0.0.1:$CTI_HTTP_PORT/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))" && break; sleep 0.5; done
  log "gateway healthy: http://127.0.0.1:$CTI_HTTP_PORT/healthz"
  if [ "$DEMO" = 1 ]; then
    node scripts/demo.mjs &
    echo $! >"$RUN/demo.pid"
    wait "$(cat "$RUN/demo.pid")" || true
  else
    log "running; Ctrl-C stops it"
    wait "$(cat "$RUN/gateway.pid")" || true
  fi
}

cmd=${1:-up}; shift || true
for a in "$@"; do [ "$a" = --no-demo ] && DEMO=0; done
case "$cmd" in
  up) up ;;
  down) stop_all ;;
  *) echo "usage: $0 up [--no-demo] | down" >&2; exit 2 ;;
esac
