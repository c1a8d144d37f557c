#!/bin/sh
# cti-redis [health]: Redis for the compose stack, configured from CTI_REDIS_URL alone (redis://[:PASSWORD@]HOST:PORT),
# the URL the gateway and the worker connect with: it listens on HOST:PORT (the host's network) and, when the URL has a
# password, requires it. The append-only file on the /data volume keeps queued call records across a restart; BullMQ
# needs maxmemory-policy noeviction (a queue whose keys Redis evicted loses jobs), set explicitly. `health` answers
# whether Redis replies to PING.
set -eu
fail() { echo "cti-redis: $*" >&2; exit 1; }
url=${CTI_REDIS_URL:?cti-redis: set CTI_REDIS_URL}
case $url in redis://*) ;; *) fail "CTI_REDIS_URL must be redis://[:PASSWORD@]HOST:PORT" ;; esac
rest=${url#redis://}
password=
case $rest in *@*) credentials=${rest%@*}; password=${credentials#*:}; rest=${rest##*@} ;; esac
hostport=${rest%%/*}
host=${hostport%:*}
port=${hostport##*:}
[ "$host" != "$hostport" ] || port=6379
for part in "$host" "$port"; do
  case $part in '' | *[!A-Za-z0-9_.-]*) fail "CTI_REDIS_URL: host and port may use letters, digits, '_', '.', '-' only" ;; esac
done
case $password in *[!A-Za-z0-9_.~-]*) fail "CTI_REDIS_URL: the password may use letters, digits, '_', '.', '~', '-' only" ;; esac

if [ "${1:-}" = health ]; then
  # redis-cli takes the password from the environment, so it never shows in the process list.
  [ -z "$password" ] || export REDISCLI_AUTH="$password"
  [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = PONG ]
  exit
fi

# The password goes in a file only this user can read, not on the command line.
conf=/tmp/cti-redis.conf
umask 077
{
  echo "bind $host"
  echo "port $port"
  echo "dir /data"
  echo "appendonly yes"
  echo "appendfsync everysec"
  echo "maxmemory-policy noeviction"
  echo "protected-mode yes"
  [ -z "$password" ] || echo "requirepass $password"
} >"$conf"
exec redis-server "$conf"
