#!/usr/bin/env bash
# Sourced by stack.sh and .ci/run: make sure OS packages, PostgreSQL and Redis are there.
# Needs node_modules (the checks use the project's own pg and ioredis clients).

svc_log() { printf '[services] %s\n' "$*"; }

ensure_packages() {
  local missing=()
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}"); done
  [ ${#missing[@]} -eq 0 ] && return
  svc_log "installing ${missing[*]} from the OS packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

pg_answers() { node -e "const c=new (require('pg').Client)({connectionString:process.argv[1].replace(/\/[^/]*$/,'/postgres'),connectionTimeoutMillis:2000});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))" "$CTI_DATABASE_URL"; }
redis_answers() { node -e "const R=require('ioredis');const r=new R(process.argv[1],{lazyConnect:true,connectTimeout:2000,maxRetriesPerRequest:0,retryStrategy:()=>null});r.connect().then(()=>r.ping()).then(()=>process.exit(0),()=>process.exit(1))" "$CTI_REDIS_URL"; }

ensure_services() {
  if ! pg_answers; then
    svc_log "PostgreSQL does not answer at the configured URL; starting it"
    local fresh=0
    command -v pg_ctlcluster >/dev/null || { ensure_packages "pg_ctlcluster:postgresql"; fresh=1; }
    local v; v=$(ls /etc/postgresql | sort -V | tail -n1)
    if [ "$fresh" = 1 ]; then
      # A cluster we just installed: let local TCP clients in without a password, as the defaults expect.
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "/etc/postgresql/$v/main/pg_hba.conf"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
    # Trust local TCP connections for the demo's postgres user, as on a development machine.
    for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
    pg_answers || { svc_log "PostgreSQL still not answering"; exit 1; }
  fi
  node -e "
    const pg=require('pg');const url=new URL(process.argv[1]);const db=url.pathname.slice(1);url.pathname='/postgres';
    const c=new pg.Client({connectionString:url.toString()});
    c.connect().then(()=>c.query('select 1 from pg_database where datname=\$1',[db])).then(r=>r.rowCount?null:c.query('create database \"'+db+'\"')).then(()=>c.end(),e=>{console.error(e.message);process.exit(1)})" "$CTI_DATABASE_URL"
  if ! redis_answers; then
    svc_log "Redis does not answer at the configured URL; starting it"
    command -v redis-server >/dev/null || ensure_packages "redis-server:redis-server"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/cti.log
    for _ in $(seq 1 20); do redis_answers && break; sleep 0.5; done
    redis_answers || { svc_log "Redis still not answering"; exit 1; }
  fi
}


# Fixed UDP ports the tests, the demo, the benchmarks and the deployment smoke bind that lie inside the kernel's
# ephemeral range (32768–60999 by default): Asterisk's RTP of slots 1–9 (32000–41999), the demo's callers
# (42000–44999), the call benchmark (46000–46999), the deployment smoke (47000–47999), the hang test's callers
# (50000–50399) and every slot's SIPp caller media (52000–55999). A socket some other program opened on a port the
# kernel chose for it can sit on one of them, and the SIPp that needs it exits at once (254: bind failed; L43's
# gateway-hang run). Reserved ports are still bound by whoever names them; the kernel only stops handing them out.
TEST_RESERVED_PORTS="32768-47999,50000-50399,52000-55999"
reserve_test_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports
  [ "$(cat "$file" 2>/dev/null)" = "$TEST_RESERVED_PORTS" ] && return
  if echo "$TEST_RESERVED_PORTS" > "$file" 2>/dev/null; then
    svc_log "reserved UDP/TCP ports $TEST_RESERVED_PORTS from the kernel's ephemeral ports (the tests bind them by number)"
  else
    svc_log "could not reserve ports $TEST_RESERVED_PORTS from the ephemeral range (not root?): a test's SIPp may rarely find its port taken" >&2
  fi
}
