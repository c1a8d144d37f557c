#!/bin/bash
# cti-health gateway|worker: the compose health checks of the Node image, in bash so that a check costs a fork, not a
# Node.js start-up (on a loaded host a Node start can outlast the check's timeout and mark a healthy service unhealthy).
#   gateway: GET /healthz on the address the API listens on (loopback for a wildcard) answers 200; it answers 503 while
#            ARI, Redis or PostgreSQL is unreachable from the gateway. A standby gateway (docs/domain.md §20) answers 503
#            with `"role":"standby"`: it is healthy as a standby (up, waiting to take over), so it counts as healthy.
#   worker:  Redis, the worker's only source of work, accepts a connection at the host and port of CTI_REDIS_URL, or,
#            with CTI_REDIS_SENTINELS, one of the Sentinels does (the worker asks them where the master is).
set -u
fail() { echo "cti-health: $*" >&2; exit 1; }
case ${1:-} in
  gateway)
    host=${CTI_HTTP_HOST:-0.0.0.0}
    case $host in 0.0.0.0) host=127.0.0.1 ;; ::) host=::1 ;; esac
    exec 3<>"/dev/tcp/$host/${CTI_HTTP_PORT:-8080}" || fail "nothing listens on $host:${CTI_HTTP_PORT:-8080}"
    printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    IFS= read -r -t 4 status <&3 || fail "no answer from /healthz"
    status=${status%$'\r'}
    [[ $status =~ ^HTTP/1\.[01]\ 200 ]] && exit 0
    # The rest of the answer (HTTP/1.0: the gateway closes the connection after it).
    body=
    while IFS= read -r -t 4 line <&3; do body+=$line; done
    body+=$line
    [[ $status =~ ^HTTP/1\.[01]\ 503 && $body == *'"role":"standby"'* ]] && exit 0
    fail "/healthz: $status"
    ;;
  worker)
    if [ -n "${CTI_REDIS_SENTINELS:-}" ]; then
      IFS=, read -r -a sentinels <<<"$CTI_REDIS_SENTINELS"
      for s in "${sentinels[@]}"; do
        (exec 3<>"/dev/tcp/${s%:*}/${s##*:}") 2>/dev/null && exit 0
      done
      fail "no Redis Sentinel of $CTI_REDIS_SENTINELS accepts connections"
    fi
    rest=${CTI_REDIS_URL:?cti-health: set CTI_REDIS_URL}
    rest=${rest#*://}
    rest=${rest##*@}
    rest=${rest%%/*}
    host=${rest%:*} port=${rest##*:}
    [ "$host" != "$rest" ] || port=6379
    exec 3<>"/dev/tcp/$host/$port" || fail "redis at $host:$port refuses connections"
    ;;
  *) fail "usage: cti-health gateway|worker" ;;
esac
