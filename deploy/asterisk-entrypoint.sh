#!/bin/sh
# cti-asterisk CONF: runs Asterisk in the foreground with the rendered CONF and turns the
# container's stop signal into "core stop gracefully": no new calls are accepted and Asterisk
# exits once the calls in progress have ended (or when stop_grace_period runs out).
conf=${1:?usage: cti-asterisk /path/to/asterisk.conf}
if [ ! -r "$conf" ]; then
  echo "cti-asterisk: no rendered configuration at $conf (did the asterisk-conf service run?)" >&2
  exit 1
fi

/usr/sbin/asterisk -f -n -C "$conf" &
pid=$!

drain() {
  echo "cti-asterisk: stop requested, draining calls" >&2
  /usr/sbin/asterisk -C "$conf" -rx 'core stop gracefully' >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
}
trap drain TERM INT

# A trapped signal interrupts `wait`; keep waiting until Asterisk itself has exited.
status=0
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  status=$?
done
exit "$status"
