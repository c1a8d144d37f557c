#!/usr/bin/env bash
# Provides, starts and stops an Asterisk 22 instance for this project.
#   asterisk.sh provision          make sure an Asterisk is available (host binary, or a cached Debian-testing root filesystem)
#   asterisk.sh start NAME         render asterisk-conf/ for instance NAME with the current CTI_* environment and start it
#   asterisk.sh stop NAME          stop instance NAME (only the process this script started)
#   asterisk.sh cli NAME CMD       run an Asterisk CLI command on instance NAME
#   asterisk.sh logdir NAME        print instance NAME's log directory as this host sees it (queue_log lives there)
#   asterisk.sh mirror [security]  print this machine's Debian mirror (or security archive) from its apt sources
# Several instances (demo, tests) run side by side: each has its own directories and ports.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ROOTFS=${CTI_ASTERISK_ROOTFS:-/var/cache/cti12345/rootfs}
SUITE=${CTI_ASTERISK_SUITE:-forky}
PACKAGES=asterisk,asterisk-modules,asterisk-core-sounds-en,asterisk-moh-opsound-gsm

log() { printf '[asterisk] %s\n' "$*" >&2; }

use_host() { [ "${CTI_ASTERISK_MODE:-auto}" != chroot ] && command -v asterisk >/dev/null 2>&1 && [ ! -x "$ROOTFS/usr/sbin/asterisk" ]; }

# The first Debian mirror of this machine's own apt configuration (never a hard-coded host); `apt_mirror security`:
# its security archive (empty when none is configured).
apt_mirror() {
  local m pick=(grep -v security)
  [ "${1:-}" = security ] && pick=(grep security)
  m=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | "${pick[@]}" | head -n1)
  [ -n "$m" ] || m=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | "${pick[@]}" | head -n1)
  [ -n "$m" ] || [ "${1:-}" = security ] || { log "no Debian mirror found in /etc/apt"; exit 1; }
  printf '%s' "$m"
}

provision() {
  if use_host; then log "using the installed $(asterisk -V)"; return; fi
  if [ -x "$ROOTFS/usr/sbin/asterisk" ]; then log "reusing cached root filesystem $ROOTFS"; return; fi
  # One build at a time on this machine: a second provision (another run, the demo) waits for the first instead of
  # deleting its half-built root filesystem.
  mkdir -p "$(dirname "$ROOTFS")"
  exec 9>"$ROOTFS.lock"
  if ! flock -n 9; then log "another provision is building $ROOTFS; waiting for it"; flock 9; fi
  if [ -x "$ROOTFS/usr/sbin/asterisk" ]; then log "root filesystem $ROOTFS built by another provision"; exec 9>&-; return; fi
  command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  log "building a Debian $SUITE root filesystem with Asterisk in $ROOTFS (about a minute)"
  rm -rf "$ROOTFS.tmp"; mkdir -p "$(dirname "$ROOTFS")"
  local script=/usr/share/debootstrap/scripts/sid
  [ -e "/usr/share/debootstrap/scripts/$SUITE" ] && script="/usr/share/debootstrap/scripts/$SUITE"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS.tmp" "$(apt_mirror)" "$script" >"${TMPDIR:-/tmp}/cti-debootstrap.log" 2>&1 \
    || { log "debootstrap failed, see ${TMPDIR:-/tmp}/cti-debootstrap.log"; exit 1; }
  mv "$ROOTFS.tmp" "$ROOTFS"
  exec 9>&-
}

# Paths as Asterisk sees them (inside the chroot) and as this host sees them.
instance_paths() {
  local name=$1
  if use_host; then INNER="$here/.run/asterisk/$name"; OUTER="$INNER"; RUN=(); else
    INNER="/run/cti/$name"; OUTER="$ROOTFS$INNER"; RUN=(chroot "$ROOTFS"); fi
  PIDFILE="$here/.run/asterisk-$name.pid"
}

prepare_chroot() {
  use_host && return
  mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
  # Without the host name in /etc/hosts Asterisk stalls on a DNS look-up for every call.
  local h; h=$(hostname)
  grep -qw "$h" "$ROOTFS/etc/hosts" 2>/dev/null || printf '127.0.0.1 localhost %s\n::1 localhost ip6-localhost\n' "$h" >"$ROOTFS/etc/hosts"
  for d in etc/asterisk var/lib/asterisk var/log/asterisk var/spool/asterisk var/run/asterisk; do
    mkdir -p "$ROOTFS/$d"; chown -R root:root "$ROOTFS/$d"
  done
}

cli() {
  local name=$1; shift; instance_paths "$name"
  "${RUN[@]}" /usr/sbin/asterisk -C "$INNER/etc/asterisk.conf" -rx "$*"
}

start() {
  local name=$1; instance_paths "$name"; provision; prepare_chroot
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then log "instance $name already running"; return; fi
  rm -rf "$OUTER"; mkdir -p "$OUTER"/{etc,db,spool,run,log} "$here/.run"
  node "$here/services/gateway/dist/render-asterisk.main.js" "$here/asterisk-conf" "$OUTER/etc" "$INNER"
  "${RUN[@]}" /usr/sbin/asterisk -f -n -C "$INNER/etc/asterisk.conf" >"$here/.run/asterisk-$name.log" 2>&1 &
  echo $! >"$PIDFILE"
  local i
  for i in $(seq 1 60); do
    if "${RUN[@]}" /usr/sbin/asterisk -C "$INNER/etc/asterisk.conf" -rx 'core waitfullybooted' >/dev/null 2>&1; then
      log "instance $name up (pid $(cat "$PIDFILE")): $("${RUN[@]}" /usr/sbin/asterisk -C "$INNER/etc/asterisk.conf" -rx 'core show version' | head -c 40)"
      return
    fi
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { log "instance $name exited; see .run/asterisk-$name.log"; tail -20 "$here/.run/asterisk-$name.log" >&2; exit 1; }
    sleep 0.5
  done
  log "instance $name did not boot in 30 s"; exit 1
}

stop() {
  local name=$1; instance_paths "$name"
  [ -f "$PIDFILE" ] || return 0
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    "${RUN[@]}" /usr/sbin/asterisk -C "$INNER/etc/asterisk.conf" -rx 'core stop now' >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

cmd=${1:-}; shift || true
case "$cmd" in
  provision) provision ;;
  start) start "${1:?instance name}" ;;
  stop) stop "${1:?instance name}" ;;
  cli) cli "$@" ;;
  logdir) instance_paths "${1:?instance name}"; printf '%s\n' "$OUTER/log" ;;
  mirror) apt_mirror "${1:-}"; echo ;;
  *) echo "usage: $0 provision|start NAME|stop NAME|cli NAME CMD|logdir NAME|mirror [security]" >&2; exit 2 ;;
esac
