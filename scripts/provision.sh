#!/usr/bin/env bash
# Makes this machine ready for the test suite (run by `npm test` as its pretest step; quick when all is there):
# npm dependencies, SIPp and sox, PostgreSQL and Redis answering, Asterisk 22 available, Docker engine and Compose.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export CTI_DATABASE_URL=${CTI_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export CTI_REDIS_URL=${CTI_REDIS_URL:-redis://127.0.0.1:6379}
[ -d node_modules/kysely ] || npm ci --no-audit --no-fund
# shellcheck source=scripts/services.sh
. scripts/services.sh
ensure_packages "sipp:sip-tester" "sox:sox" "chromium:chromium" "openssl:openssl" $(fc-list -q :lang=zh 2>/dev/null || echo "no-cjk-font:fonts-noto-cjk")  # CJK font for the wallboard screenshot
# test/deploy-smoke.e2e.ts runs deploy/smoke.sh: Debian's Docker engine and Compose, debootstrap for the base images.
ensure_packages "dockerd:docker.io" "docker-compose:docker-compose" "debootstrap:debootstrap" \
  || echo "[provision] Docker packages could not be installed: the deployment smoke test will report itself skipped" >&2
ensure_services
reserve_test_ports
bash scripts/asterisk.sh provision
