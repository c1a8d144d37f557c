#!/usr/bin/env bash
# deploy/smoke.sh: proves docker-compose.yml on this machine, as root on Debian with Node 20.
#   1. starts a Docker daemon if none answers (`dockerd --iptables=false --bridge=none`; stopped again at the end);
#   2. builds the local Debian bases (deploy/base-image.sh) and the images, from a copy of this checkout;
#   3. brings the stack up with a generated test .env (production mode, random secrets) and waits until all is healthy;
#   4. points two SIPp seats at Asterisk, logs two agents in through the API and places SIPp calls on both trunks;
#   5. restarts the gateway container under a call: the call stays up and is recorded and ticketed once;
#   6. upgrades: a second build with one more migration, gateway and worker recreated from it (Asterisk stays up),
#      the migration applied on start, calls answered after it;
#   7. checks through the HTTP API that every call was answered and ticketed, then takes everything down and removes
#      what it made (containers, volumes, the upgrade's images, the copy). The images it built stay as Docker's cache
#      (tag `smoke`), so the next run builds only what changed.
# Exit 0: passed; 77: no Docker engine can run here (the reason is printed); anything else: failed.
# The last line of a passing run is `SMOKE_RESULT {json}` with the figures.
#
# Ports, apart from the demo's, the e2e slots' (test/support/e2e.env.ts), bench-calls' and the machine's own
# PostgreSQL (5432) and Redis (6379): API 8480, ARI 8488, AMI 5439, SIP 127.0.0.1:5460, PostgreSQL 5492, Redis 6392,
# trunks 127.0.0.41 and 127.0.0.42 port 5470, seats 127.0.0.1:18801-18802, RTP 47000-47199, SIPp media 47400-47799.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
T0=$(date +%s)
PROJECT=cti12345smoke
TAG=smoke
UPGRADE_TAG=smoke-upgrade
IMAGES=(asterisk node postgres redis)
API=http://127.0.0.1:8480
ARI=http://127.0.0.1:8488
SIP=127.0.0.1:5460
PRIMARY=127.0.0.41:5470
BACKUP=127.0.0.42:5470
SEAT_BASE=18800
SIPP_DIR=$repo/test/sipp

say() { printf '[smoke %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
skip() { say "SKIP: $*"; exit 77; }
fail() { say "FAIL: $*"; FAILED=1; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (it runs a Docker engine)"
# The stack's settings come from the generated .env only: Compose would let the caller's own CTI_* variables win.
for v in $(compgen -e | grep -E '^(CTI_|COMPOSE_|POSTGRES_)' || true); do unset "$v"; done
command -v node >/dev/null || fail "needs Node 20"
# shellcheck source=scripts/services.sh
. "$repo/scripts/services.sh"
if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null; then
  ensure_packages "dockerd:docker.io" "docker-compose:docker-compose" >/dev/null 2>&1 || true
  command -v dockerd >/dev/null && command -v docker-compose >/dev/null \
    || skip "no Docker engine: Debian's docker.io and docker-compose packages are not installed and could not be"
fi
ensure_packages "debootstrap:debootstrap" "sipp:sip-tester"

# One smoke at a time on a machine: they share the ports and the image tags.
exec 8>/tmp/cti12345-deploy-smoke.lock
flock -n 8 || { say "another deploy smoke is running; waiting for it"; flock 8; }

work=$(mktemp -d /var/tmp/cti-smoke.XXXXXX)
FAILED=0
STARTED_DAEMON=
SIPP_PIDS=()
ACTIVE_DIR=

compose() { (cd "$ACTIVE_DIR" && docker-compose -p "$PROJECT" "$@"); }

cleanup() {
  local status=$?
  set +e
  for pid in "${SIPP_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  if [ -n "$ACTIVE_DIR" ]; then
    if [ "$status" != 0 ] && [ "$status" != 77 ]; then
      say "state at failure:"
      compose ps
      for s in asterisk-conf postgres redis asterisk worker gateway; do
        echo "----- $s (last 40 lines)"; compose logs --no-color --tail=40 "$s" 2>&1 | cut -c1-400
      done
    fi
    say "taking the stack down (containers and volumes)"
    compose down -v --remove-orphans >"$work/down.log" 2>&1 || cat "$work/down.log"
  fi
  for image in "${IMAGES[@]}"; do docker rmi "cti12345/$image:$UPGRADE_TAG" >/dev/null 2>&1; done
  rm -rf "$work"
  if [ -n "$STARTED_DAEMON" ]; then
    say "stopping the Docker daemon this run started (pid $STARTED_DAEMON)"
    kill "$STARTED_DAEMON" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$STARTED_DAEMON" 2>/dev/null || break; sleep 0.5; done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. Docker daemon -------------------------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  say "using the running Docker daemon ($(docker version -f '{{.Server.Version}}'))"
else
  say "no Docker daemon answers; starting dockerd --iptables=false --bridge=none"
  dockerd --iptables=false --bridge=none >"$work/dockerd.log" 2>&1 &
  STARTED_DAEMON=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; kill -0 "$STARTED_DAEMON" 2>/dev/null || break; sleep 0.5; done
  if ! docker info >/dev/null 2>&1; then
    reason=$(tail -n 3 "$work/dockerd.log" | tr '\n' ' ')
    kill "$STARTED_DAEMON" 2>/dev/null; STARTED_DAEMON=
    skip "a Docker daemon cannot be started here: $reason"
  fi
  say "dockerd $(docker version -f '{{.Server.Version}}') up (pid $STARTED_DAEMON)"
fi

# Ports the stack will use must be free (a leftover stack of a killed run is taken down first).
if docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | grep -q .; then
  say "taking down containers a previous smoke left"
  docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker volume rm >/dev/null
fi
busy=$(node -e '
  const net = require("net"), dgram = require("dgram");
  const tcp = [8480, 8488, 8489, 5439, 5492, 6392], udp = [5460, 18801, 18802];
  const probes = [...tcp.map((p) => new Promise((ok) => { const s = net.createServer().once("error", () => ok(`tcp ${p}`)).listen(p, "127.0.0.1", () => s.close(() => ok(null))); })),
    ...udp.map((p) => new Promise((ok) => { const s = dgram.createSocket("udp4").once("error", () => ok(`udp ${p}`)); s.bind(p, "127.0.0.1", () => s.close(() => ok(null))); }))];
  Promise.all(probes).then((r) => console.log(r.filter(Boolean).join(", ")));')
[ -z "$busy" ] || fail "ports in use: $busy"

# ---- 2. Images --------------------------------------------------------------------------------------------------
# A copy of this checkout (tracked and untracked files, not the ignored ones): release 1. Release 2 adds a migration.
stage() {
  mkdir -p "$1"
  if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) \
      | tar -C "$repo" --null -T - -cf - | tar -C "$1" -xf -
  else
    tar -C "$repo" --exclude=node_modules --exclude=dist --exclude=.run --exclude=.env -cf - . | tar -C "$1" -xf -
  fi
}
v1=$work/release-1
stage "$v1"
# The images trust what this host trusts locally (a TLS-inspecting proxy's CA, say): deploy/ca-certificates/README.md.
cp /usr/local/share/ca-certificates/*.crt "$v1/deploy/ca-certificates/" 2>/dev/null || true
# Docker cannot give a container more open files than the daemon's own hard limit (20000 on some build machines).
NOFILE=$(ulimit -Hn); { [ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 65536 ]; } && NOFILE=65536
rand() { head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c "$1"; }
umask 077
cat >"$v1/.env" <<EOF
COMPOSE_PROJECT_NAME=$PROJECT
CTI_IMAGE_TAG=$TAG
CTI_DATABASE_URL=postgres://cti:$(rand 32)@127.0.0.1:5492/cti12345
CTI_REDIS_URL=redis://:$(rand 32)@127.0.0.1:6392
CTI_ARI_PASSWORD=$(rand 32)
CTI_AMI_PASSWORD=$(rand 32)
CTI_METRICS_TOKEN=$(rand 32)
CTI_EXCHANGE_OUTBOUND_SECRET=$(rand 32)
CTI_EXCHANGE_INBOUND_SECRET=$(rand 32)
CTI_TRUNK_PRIMARY=$PRIMARY
CTI_TRUNK_BACKUP=$BACKUP
CTI_HTTP_HOST=127.0.0.1
CTI_HTTP_PORT=8480
CTI_ARI_URL=$ARI
CTI_AMI_PORT=5439
CTI_SIP_BIND=127.0.0.1
CTI_SIP_PORT=5460
CTI_WEBRTC_BIND=127.0.0.1
CTI_WEBRTC_PORT=8489
CTI_SEATS=2
CTI_SEAT_CONTACT=sip:seat@127.0.0.1:{port}
CTI_SEAT_BASE_PORT=$SEAT_BASE
CTI_SEAT_NETWORKS=127.0.0.1/32
CTI_SEAT_QUALIFY_S=2
CTI_PARTNER_BASE_PORT=18900
CTI_RTP_START=47000
CTI_RTP_END=47199
CTI_ASTERISK_NOFILE=$NOFILE
EOF
umask 022
ARI_PASSWORD=$(sed -n 's/^CTI_ARI_PASSWORD=//p' "$v1/.env")
ACTIVE_DIR=$v1

say "base images (debootstrap + docker import, once per machine)"
bash "$repo/deploy/base-image.sh" trixie
bash "$repo/deploy/base-image.sh" forky
declare -A OLD_IDS=()
for image in "${IMAGES[@]}"; do OLD_IDS[$image]=$(docker image inspect -f '{{.Id}}' "cti12345/$image:$TAG" 2>/dev/null || true); done
t=$(date +%s)
say "building the images (docker-compose build)"
compose build >"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log"; fail "docker-compose build"; }
BUILD_S=$(( $(date +%s) - t ))
# The images a changed checkout replaced are not kept (their build steps stay cached).
for image in "${IMAGES[@]}"; do
  new=$(docker image inspect -f '{{.Id}}' "cti12345/$image:$TAG")
  [ -z "${OLD_IDS[$image]}" ] || [ "${OLD_IDS[$image]}" = "$new" ] || docker rmi "${OLD_IDS[$image]}" >/dev/null 2>&1 || true
done
sizes=()
for image in "${IMAGES[@]}"; do sizes+=("\"$image\":$(docker image inspect -f '{{.Size}}' "cti12345/$image:$TAG" | awk '{printf "%d", $1/1e6}')"); done
SIZES="{$(IFS=,; echo "${sizes[*]}")}"
say "built in ${BUILD_S} s; image sizes (MB): $SIZES"

# ---- helpers ----------------------------------------------------------------------------------------------------
container() { compose ps -q "$1"; }
state_of() {
  local id; id=$(container "$1")
  [ -n "$id" ] || { echo missing; return; }
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}:{{.State.ExitCode}}{{end}}' "$id"
}
# wait_healthy TIMEOUT_S SERVICE...: until every service is healthy (fails on one that exited or turned unhealthy).
wait_healthy() {
  local until=$(( $(date +%s) + $1 )); shift
  while :; do
    local pending=() s st
    for s in "$@"; do
      st=$(state_of "$s")
      case $st in
        healthy) ;;
        unhealthy|exited:*|dead:*) fail "$s is $st" ;;
        *) pending+=("$s:$st") ;;
      esac
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    [ "$(date +%s)" -lt "$until" ] || fail "not healthy in time: ${pending[*]}"
    sleep 1
  done
}
# api METHOD PATH [JSON]: the gateway's API as the smoke's supervisor; prints the body, fails on a non-2xx answer.
api() {
  node -e '
    const [method, url, token, body] = process.argv.slice(1);
    fetch(url, { method, headers: { authorization: `Bearer ${token}`, ...(body && { "content-type": "application/json" }) }, body: body || undefined, signal: AbortSignal.timeout(15000) })
      .then(async (r) => { const t = await r.text(); process.stdout.write(t); if (!r.ok) { console.error(`\n${method} ${url}: ${r.status}`); process.exit(1); } },
            (e) => { console.error(`${method} ${url}: ${e.message}`); process.exit(2); });' "$1" "$API$2" "${TOKEN:-}" "${3:-}"
}
# ari METHOD PATH: Asterisk's own REST interface (what a check reads on the switch itself).
ari() {
  node -e '
    const [method, url, user, password] = process.argv.slice(1);
    fetch(url, { method, headers: { authorization: "Basic " + Buffer.from(`${user}:${password}`).toString("base64") }, signal: AbortSignal.timeout(15000) })
      .then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, () => process.exit(2));' "$1" "$ARI/ari$2" cti "$ARI_PASSWORD"
}
# json EXPR: evaluates EXPR on the JSON document on standard input (bound to v).
json() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(new Function("v", `return (${process.argv[1]})`)(JSON.parse(s))));' "$1"; }
# wait_for DESC TIMEOUT_S COMMAND...: until COMMAND succeeds.
wait_for() {
  local desc=$1 until=$(( $(date +%s) + $2 )); shift 2
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$until" ] || fail "timed out waiting for $desc"; sleep 1; done
}
now_ms() { date +%s%3N; }
# calls TRUNK COUNT HOLD_MS MEDIA_PORT PREFIX: SIPp citizens calling 12345 from a trunk's address; fails unless all succeed.
calls() {
  local from=$1 count=$2 hold=$3 media=$4 prefix=$5 out=$work/sipp-$5.log
  if ! (cd "$SIPP_DIR" && nice -n 10 sipp "$SIP" -sf caller.xml -s 12345 -i "${from%:*}" -p "${from#*:}" -mp "$media" \
      -m "$count" -r "$count" -l "$count" -d "$hold" -aa -nostdin -timeout 120 -timeout_error -recv_timeout 120000 \
      -key caller_prefix "$prefix" >"$out" 2>&1); then
    tail -n 30 "$out"; fail "SIPp calls from $from failed"
  fi
  local ok; ok=$(grep 'Successful call' "$out" | tail -n 1 | awk '{print $NF}')
  [ "$ok" = "$count" ] || { tail -n 30 "$out"; fail "$ok of $count calls from $from succeeded"; }
}
answered() { api GET /api/v1/stats/answer-rate | json 'v.answered'; }
tickets() { api GET '/api/v1/tickets?limit=1' | json 'v.total'; }
# expect_counted N: the API shows N calls answered by an agent and N tickets (the worker stores them within seconds).
expect_counted() {
  local until=$(( $(date +%s) + 60 )) a t
  while :; do
    a=$(answered || echo '?'); t=$(tickets || echo '?')
    [ "$a" = "$1" ] && [ "$t" = "$1" ] && break
    [ "$(date +%s)" -lt "$until" ] || fail "expected $1 answered calls and $1 tickets, the API shows $a and $t"
    sleep 1
  done
  say "API: $a calls answered by an agent, $t tickets"
}
agents_ready() { [ "$(api GET /api/v1/agents | json 'v.items.filter((a) => a.live && a.live.state === "ready").length')" = 2 ]; }

# ---- 3. Up ------------------------------------------------------------------------------------------------------
say "starting the stack (docker-compose up -d)"
t=$(now_ms)
compose up -d >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "docker-compose up"; }
wait_healthy 300 postgres redis asterisk worker gateway
[ "$(state_of asterisk-conf)" = exited:0 ] || fail "asterisk-conf: $(state_of asterisk-conf)"
UP_MS=$(( $(now_ms) - t ))
say "all services healthy $(( UP_MS / 1000 )).$(( UP_MS % 1000 / 100 )) s after up (asterisk-conf exited 0)"
api GET /healthz >/dev/null || fail "/healthz"

# ---- 4. Seats, agents, calls ------------------------------------------------------------------------------------
TOKEN=$(compose exec -T gateway node services/gateway/dist/admin.main.js token create --role supervisor --label smoke | tail -n 1 | tr -d '\r')
[ -n "$TOKEN" ] || fail "no supervisor token"
for n in 1 2; do
  compose exec -T gateway node services/gateway/dist/admin.main.js agent add --id "a0$n" --name "smoke agent $n" --skills mandarin:5 >/dev/null
  (cd "$SIPP_DIR" && exec nice -n 10 sipp -sf seat.xml -i 127.0.0.1 -p $(( SEAT_BASE + n )) -mp $(( 47400 + n * 10 )) -aa -l 100 -nostdin >/dev/null 2>&1) &
  SIPP_PIDS+=($!)
done
seat_online() { [ "$(ari GET "/endpoints/PJSIP/seat-0$1" | json 'v.state')" = online ]; }
for n in 1 2; do
  wait_for "seat-0$n answering Asterisk's qualify" 60 seat_online "$n"
  api POST "/api/v1/agents/a0$n/login" "{\"seat\":\"seat-0$n\"}" >/dev/null
  api POST "/api/v1/agents/a0$n/ready" >/dev/null
done
wait_for "both agents ready" 30 agents_ready
say "two SIPp seats answer qualify; agents a01 and a02 logged in and ready"

PLACED=0
calls "$PRIMARY" 2 8000 47600 13900001
calls "$BACKUP" 2 8000 47700 13900002
PLACED=4
say "release 1: 2 calls on the primary trunk and 2 on the backup trunk completed"
expect_counted 4

# ---- 5. Gateway restart under a call ----------------------------------------------------------------------------
live_connected() { api GET /api/v1/calls/live | json 'v.items.filter((c) => c.phase === "connected").length'; }
one_connected() { [ "$(live_connected)" = 1 ]; }
(cd "$SIPP_DIR" && exec nice -n 10 sipp "$SIP" -sf caller-until-hangup.xml -s 12345 -i "${PRIMARY%:*}" -p "${PRIMARY#*:}" -mp 47500 \
  -m 1 -l 1 -aa -nostdin -timeout 300 -timeout_error -recv_timeout 300000 -key caller_prefix 13900003 >"$work/sipp-13900003.log" 2>&1) &
held=$!
SIPP_PIDS+=("$held")
wait_for "the held call connected" 60 one_connected
say "a call is connected; restarting the gateway container"
t=$(now_ms)
compose restart gateway >"$work/restart.log" 2>&1 || { cat "$work/restart.log"; fail "docker-compose restart gateway"; }
wait_healthy 120 gateway
RESTART_MS=$(( $(now_ms) - t ))
say "gateway healthy again $(( RESTART_MS / 1000 )).$(( RESTART_MS % 1000 / 100 )) s after the restart began"
wait_for "the held call still connected, as the restarted gateway sees it" 30 one_connected
caller=$(ari GET /channels | json 'v.filter((c) => c.name.startsWith("PJSIP/trunk-") && c.caller.number.startsWith("13900003")).map((c) => c.id).join(" ")')
[ -n "$caller" ] && [ "$(echo "$caller" | wc -w)" = 1 ] || fail "expected the held caller's one channel on Asterisk, found '$caller'"
ari DELETE "/channels/$caller" >/dev/null || fail "hanging up the held caller"
wait "$held" || { tail -n 30 "$work/sipp-13900003.log"; fail "the held call did not end cleanly"; }
PLACED=$(( PLACED + 1 ))
say "the call held through the restart ended normally"
wait_for "both agents ready again after the restart" 30 agents_ready
expect_counted 5

# ---- 6. Upgrade -------------------------------------------------------------------------------------------------
v2=$work/release-2
cp -a "$v1" "$v2"
sed -i "s/^CTI_IMAGE_TAG=.*/CTI_IMAGE_TAG=$UPGRADE_TAG/" "$v2/.env"
cat >"$v2/migrations/9999_smoke_upgrade.sql" <<'SQL'
-- Added by deploy/smoke.sh to prove the upgrade path; never part of a release.
CREATE TABLE smoke_upgrade (upgraded_at timestamptz NOT NULL DEFAULT now());
SQL
ACTIVE_DIR=$v2
say "upgrade: building release 2 (one more migration) as tag $UPGRADE_TAG"
t=$(date +%s)
compose build gateway >"$work/build-2.log" 2>&1 || { tail -n 40 "$work/build-2.log"; fail "release 2 build"; }
UPGRADE_BUILD_S=$(( $(date +%s) - t ))
t=$(now_ms)
compose up -d --no-deps worker gateway >"$work/up-2.log" 2>&1 || { cat "$work/up-2.log"; fail "docker-compose up (release 2)"; }
wait_healthy 180 worker gateway
UPGRADE_MS=$(( $(now_ms) - t ))
for s in gateway worker; do
  image=$(docker inspect -f '{{.Config.Image}}' "$(container "$s")")
  [ "$image" = "cti12345/node:$UPGRADE_TAG" ] || fail "$s runs $image after the upgrade"
done
migrated=$(echo "SELECT count(*) FROM cti.schema_migrations WHERE name = '9999_smoke_upgrade.sql'" \
  | compose exec -T postgres sh -c 'psql "$CTI_DATABASE_URL" -tA' | tr -d '\r')
[ "$migrated" = 1 ] || fail "migration 9999_smoke_upgrade.sql not applied (got '$migrated')"
say "release 2 built in ${UPGRADE_BUILD_S} s; gateway and worker healthy $(( UPGRADE_MS / 1000 )).$(( UPGRADE_MS % 1000 / 100 )) s after up; migration applied on start; Asterisk not restarted"
wait_for "agents still logged in after the upgrade" 30 agents_ready
calls "$PRIMARY" 1 8000 47600 13900004 &
first=$!
calls "$BACKUP" 1 8000 47700 13900005
wait "$first" || fail "the call after the upgrade on the primary trunk"
PLACED=$(( PLACED + 2 ))
say "release 2: 1 call on each trunk"
expect_counted 7

# Recordings went to the instance volume, one per answered call.
recordings=$(compose exec -T asterisk sh -c 'find /var/lib/cti-asterisk/spool/recording -type f | wc -l' | tr -d '\r ')
[ "$recordings" -ge 7 ] || fail "expected 7 recordings on the instance volume, found $recordings"
[ "$(api GET /healthz | json 'v.spooledRecords')" = false ] || fail "call records still spooled"
ANSWERED=$(answered)
TICKETED=$(tickets)

TOTAL_S=$(( $(date +%s) - T0 ))
say "passed: $PLACED calls placed, $ANSWERED answered, $TICKETED ticketed, $recordings recorded; total ${TOTAL_S} s"
echo "SMOKE_RESULT {\"placed\":$PLACED,\"answered\":$ANSWERED,\"ticketed\":$TICKETED,\"recordings\":$recordings,\"imageMB\":$SIZES,\"buildS\":$BUILD_S,\"upHealthyMs\":$UP_MS,\"gatewayRestartHealthyMs\":$RESTART_MS,\"upgradeBuildS\":$UPGRADE_BUILD_S,\"upgradeHealthyMs\":$UPGRADE_MS,\"daemonStarted\":$([ -n "$STARTED_DAEMON" ] && echo true || echo false),\"totalS\":$TOTAL_S}"
