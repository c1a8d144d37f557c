#!/bin/sh
# cti-render-asterisk TEMPLATE_DIR INSTANCE_ROOT: renders asterisk-conf/ for the Asterisk
# container from the CTI_* environment, then exits.
# INSTANCE_ROOT is the path of the shared instance volume, mounted at the same path here and in
# the asterisk container, so the paths the renderer writes into asterisk.conf are true in both.
# The new files are rendered beside the old ones and swapped in, so a failed render never leaves
# a running Asterisk with half a configuration.
set -eu
templates=${1:?usage: cti-render-asterisk TEMPLATE_DIR INSTANCE_ROOT}
root=${2:?usage: cti-render-asterisk TEMPLATE_DIR INSTANCE_ROOT}

mkdir -p "$root/db" "$root/spool/recording" "$root/run" "$root/log"
# The gateway (uid 10001, deploy/node.Dockerfile) makes each day's recordings folder and the worker prunes old
# recordings; Asterisk (root) writes the files.
chown 10001:10001 "$root/spool/recording"
rm -rf "$root/etc.new" "$root/etc.old"
mkdir -p "$root/etc.new"
node /app/services/gateway/dist/render-asterisk.main.js "$templates" "$root/etc.new" "$root"
if [ -d "$root/etc" ]; then mv "$root/etc" "$root/etc.old"; fi
mv "$root/etc.new" "$root/etc"
rm -rf "$root/etc.old"
# The gateway reads the seats' generated passwords to hand browser phones their credentials (file mode stays 0600).
if [ -n "${CTI_SEAT_SECRETS_FILE:-}" ] && [ -f "$CTI_SEAT_SECRETS_FILE" ]; then chown 10001:10001 "$CTI_SEAT_SECRETS_FILE"; fi
echo "cti-render-asterisk: rendered $(ls "$root/etc" | wc -l) files into $root/etc" >&2
