#!/usr/bin/env bash
# deploy/base-image.sh SUITE: makes the local image cti12345/base:SUITE, a minimal Debian SUITE that every
# deploy/*.Dockerfile builds FROM. No image registry is involved: the root filesystem comes from debootstrap and this
# machine's own Debian mirror (read from its apt sources at run time) and is loaded with `docker import`.
# An existing base is reused; CTI_BASE_REFRESH=1 makes it again (the Dockerfiles run `apt-get upgrade` in any case).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:?usage: base-image.sh SUITE (e.g. trixie, forky)}
image=cti12345/base:$suite
log() { printf '[base-image] %s\n' "$*" >&2; }

if [ "${CTI_BASE_REFRESH:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  log "reusing $image"
  exit 0
fi
command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
mirror=$(bash "$here/scripts/asterisk.sh" mirror)
security=$(bash "$here/scripts/asterisk.sh" mirror security)
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/cti-base-$suite.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
script=/usr/share/debootstrap/scripts/sid
[ -e "/usr/share/debootstrap/scripts/$suite" ] && script=/usr/share/debootstrap/scripts/$suite
log "debootstrap of Debian $suite (minbase) into $root"
started=$(date +%s)
debootstrap --variant=minbase "$suite" "$root" "$mirror" "$script" >"$tmp/debootstrap.log" 2>&1 \
  || { tail -n 20 "$tmp/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }

# As in Debian's own container images: services are never started by package scripts inside a build, no recommended
# packages, no documentation, manuals or translations.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
printf '%s\n' 'APT::Install-Recommends "false";' 'APT::Install-Suggests "false";' 'Acquire::Languages "none";' \
  'Binary::apt::APT::Keep-Downloaded-Packages "false";' >"$root/etc/apt/apt.conf.d/90cti-slim"
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' \
  'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' >"$root/etc/dpkg/dpkg.cfg.d/90cti-slim"
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*

# apt inside the images must work with this mirror as it is. A mirror that stopped following the archive (a snapshot)
# serves a Release file past its Valid-Until date, which apt refuses; signatures are still checked, only not the date.
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
apt_update() { chroot "$root" apt-get update >"$tmp/apt-update.log" 2>&1 && ! grep -qE '^(E:|Err:)' "$tmp/apt-update.log"; }
if ! apt_update; then
  grep -q 'is expired' "$tmp/apt-update.log" || { tail -n 5 "$tmp/apt-update.log" >&2; log "apt-get update fails in the new root filesystem"; exit 1; }
  printf '// The mirror serves a %s Release file past its Valid-Until date (deploy/base-image.sh).\nAcquire::Check-Valid-Until "false";\n' "$suite" \
    >"$root/etc/apt/apt.conf.d/90cti-valid-until"
  log "the mirror's $suite Release file is past its Valid-Until date: apt on this base does not check that date"
  apt_update || { tail -n 5 "$tmp/apt-update.log" >&2; log "apt-get update fails in the new root filesystem"; exit 1; }
fi
# A released suite also gets its point-update and security archives when this machine's apt sources name a security
# archive and both answer for this suite (testing has no useful ones).
if [ -n "$security" ]; then
  cp "$root/etc/apt/sources.list" "$tmp/sources.list.main"
  printf '%s\n' "deb $mirror $suite-updates main" "deb $security $suite-security main" >>"$root/etc/apt/sources.list"
  if ! apt_update; then
    log "no usable $suite-updates/$suite-security archives; the base uses $suite main only"
    cp "$tmp/sources.list.main" "$root/etc/apt/sources.list"
  fi
fi
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
: >"$root/etc/resolv.conf" # Docker provides its own at run time

replaced=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
tar --numeric-owner -C "$root" -c . | docker import \
  -c 'ENV LANG=C.UTF-8' -c 'CMD ["/bin/bash"]' -m "debootstrap --variant=minbase $suite" - "$image" >/dev/null
log "made $image in $(( $(date +%s) - started )) s: $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}')"
# A refreshed base replaces the old one (kept while images built on it still exist).
[ -z "$replaced" ] || docker rmi "$replaced" >/dev/null 2>&1 || true
