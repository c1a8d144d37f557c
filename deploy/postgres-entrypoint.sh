#!/bin/sh
# cti-postgres [health]: PostgreSQL for the compose stack, configured from CTI_DATABASE_URL alone
# (postgres://USER:PASSWORD@HOST:PORT/DATABASE), the URL the gateway and the worker connect with: it listens on HOST:PORT
# (the host's network), USER is the superuser (the worker's verified backups create a scratch database), DATABASE is
# created on first start, and USER's password is set from the URL at every start, so .env stays the one place that
# holds it. `health` answers whether the server accepts connections there.
set -eu
fail() { echo "cti-postgres: $*" >&2; exit 1; }
url=${CTI_DATABASE_URL:?cti-postgres: set CTI_DATABASE_URL}
case $url in postgres://*|postgresql://*) ;; *) fail "CTI_DATABASE_URL must be postgres://USER:PASSWORD@HOST:PORT/DATABASE" ;; esac
rest=${url#*://}
case $rest in *@*) ;; *) fail "CTI_DATABASE_URL has no USER:PASSWORD@" ;; esac
credentials=${rest%@*}
location=${rest##*@}
user=${credentials%%:*}
password=${credentials#*:}
[ "$password" != "$credentials" ] && [ -n "$password" ] || fail "CTI_DATABASE_URL has no password"
hostport=${location%%/*}
database=${location#*/}
database=${database%%\?*}
host=${hostport%:*}
port=${hostport##*:}
[ "$host" != "$hostport" ] || port=5432
# Quoted into SQL below and carried in a URL: only characters that need neither escaping nor URL encoding.
for part in "$user" "$database" "$host" "$port"; do
  case $part in '' | *[!A-Za-z0-9_.-]*) fail "CTI_DATABASE_URL: user, host, port and database may use letters, digits, '_', '.', '-' only" ;; esac
done
case $password in *[!A-Za-z0-9_.~-]*) fail "CTI_DATABASE_URL: the password may use letters, digits, '_', '.', '~', '-' only" ;; esac

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "${1:-}" = health ]; then
  exec "$bin/pg_isready" -q -h "$host" -p "$port" -U "$user" -d "$database"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "cti-postgres: new database cluster in $PGDATA" >&2
  pwfile=$(mktemp)
  printf '%s\n' "$password" >"$pwfile"
  "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  # Clients come from the host's own addresses (host network); every one of them must give the password.
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
fi
# Single-user mode (no network, no password) before the server opens: the URL's password and database hold at every
# start. The statements reach the server on standard input, never on a command line.
"$bin/postgres" --single -D "$PGDATA" postgres >/dev/null <<SQL
ALTER ROLE "$user" WITH PASSWORD '$password';
SQL
if ! echo "SELECT 1 FROM pg_database WHERE datname = '$database';" | "$bin/postgres" --single -D "$PGDATA" postgres | grep -q '?column? = "1"'; then
  echo "CREATE DATABASE \"$database\";" | "$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
  echo "cti-postgres: created database $database" >&2
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses="$host" -c port="$port" -c unix_socket_directories=/tmp
