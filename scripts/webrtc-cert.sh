#!/usr/bin/env bash
# webrtc-cert.sh DIR [HOST]: a self-signed TLS certificate for Asterisk's secure WebSocket (browser phones) in
# DIR/webrtc.crt and DIR/webrtc.key, for HOST (default 127.0.0.1) and localhost, valid 825 days; kept if present.
# For the demo and the tests only: production names a real certificate in CTI_WEBRTC_CERT_FILE / CTI_WEBRTC_KEY_FILE.
set -euo pipefail
dir=${1:?usage: webrtc-cert.sh DIR [HOST]}
host=${2:-127.0.0.1}
mkdir -p "$dir"
chmod 0700 "$dir"
if [ -s "$dir/webrtc.crt" ] && [ -s "$dir/webrtc.key" ]; then exit 0; fi
san="DNS:localhost,IP:127.0.0.1"
if [[ $host =~ ^[0-9.]+$ ]]; then [ "$host" = 127.0.0.1 ] || san="$san,IP:$host"; else san="$san,DNS:$host"; fi
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=$host/O=Ganzi 12345 hotline (self-signed, demo and tests)" -addext "subjectAltName=$san" \
  -keyout "$dir/webrtc.key" -out "$dir/webrtc.crt" 2>/dev/null
