/**
 * Call-path benchmark (issue 3, "Benchmarks"): real SIPp calls through a real Asterisk 22 on this machine, our ACD
 * (Stasis app → gateway → seat) against native app_queue (strategy leastrecent, autofill=yes, queue `cti-fallback`)
 * with the same 27 SIPp auto-answer seats, at 10, 50 and 100 calls/s, in one run.
 * Run (as root, like the e2e tests): npm run bench:calls   — the last line printed is one JSON object.
 *
 * WHAT IS MEASURED, AND HOW (identically for both systems)
 *   The caller's own INVITE→200 OK says nothing about routing: the bench dialplan entry (DID 12399, in
 *   asterisk-conf/extensions.conf) answers at once then runs Queue(cti-fallback) as the fallback context does, while
 *   the gateway answers a caller an agent takes at once only when the agent answers. The figure reported is
 *   INVITE (caller) → 200 OK (seat): the time from the caller sending its INVITE to a seat answering it.
 *   Neither side records calls unless BENCH_RECORD=1 (then both do: the gateway's bridge recording, and MixMonitor
 *   before app_queue's Queue()), so the two do the same work apart from routing.
 *   - test/sipp/bench-caller.xml logs the wall-clock time (SIPp <gettimeofday>) just before it sends each INVITE,
 *     with the call's caller number 138<run:2><talk ms:4><n>, unique within a bench.
 *   - test/sipp/bench-seat.xml (answering at once: 180 then 200 OK, no ring time; see SEATS below) logs
 *     the wall-clock time at which the INVITE reached it, i.e. when it sends its 200 OK, with the caller number from
 *     From. Asterisk puts the caller number in From on both paths (app_queue's Dial, and the gateway's ARI originate
 *     with callerId), so the two logs join on it. Same machine, same clock.
 *   - answered = calls of a run whose number reached a seat (first answer counts); p50/p99 over the answered calls.
 *   - The seat, not the caller, hangs up after a talk time encoded in the caller number, so talk starts at the seat's
 *     answer on both paths and callers wait (up to 30 s) like real citizens instead of giving up after a fixed hold.
 *
 * LOAD
 *   27 agents can carry at most 27 Erlangs: with the 1–2 s holds first suggested, 50 and 100 calls/s would need 50–200
 *   seats and the figure would be queueing time (Erlang C), the same for any router. To measure the routers rather
 *   than the seat shortage, talk time is scaled to keep the offered load at about 10 Erlangs (37% of the seats):
 *   talk = min(1000 ms, 10 000 / rate) → 1000 ms at 10/s, 200 ms at 50/s, 100 ms at 100/s. Calls per run:
 *   rate × BENCH_SECONDS (default 10; 200 at 10/s — at least 20 s — 500 at 50/s, 1000 at 100/s) per round, in
 *   BENCH_ROUNDS rounds (default 2) per rate with the systems alternating (app_queue, acd, then acd, app_queue), so that
 *   a busy spell of the shared machine falls on both; a system's rounds at a rate are pooled into one result (2000
 *   calls at 100/s). Before the measured runs each system takes a short unmeasured warm-up. Every run starts once
 *   Asterisk, the gateway and the worker are quiet (settle(): the worker may still be storing the previous run's
 *   records and tickets, which would otherwise load the next run, whichever system it measures). Override: BENCH_RATES=10,50,100 BENCH_SECONDS=10 BENCH_TALK_MS=…
 *   BENCH_SYSTEMS=acd (or app_queue) runs one side only, for investigations; BENCH_PROFILE=1 profiles the gateway and the worker.
 *   ACD agents are all Mandarin-only with the same skills, so the ACD may use every seat at once, like app_queue.
 *
 * SEATS
 *   Both systems ring the same 27 seat endpoints (PJSIP endpoints seat-01…27, each its own AOR and contact). By default
 *   one SIPp process answers for all 27 (CTI_SEAT_CONTACT gives each seat the contact sip:seat-NN@127.0.0.1:18200; the
 *   Request-URI user tells them apart): an idle SIPp wakes every millisecond, and 27 of them took 19–45% of this
 *   2-core machine away from Asterisk, the gateway and the worker — harness load that penalises whichever system needs
 *   more CPU. BENCH_SEAT_PROCESSES=27 runs one SIPp per seat instead (ports 18201…18227), as earlier figures did.
 *
 * WHAT IT STARTS (and stops at the end, also on error or Ctrl-C)
 *   Asterisk instance `bench` (scripts/asterisk.sh) on SIP 5360, ARI 8388, AMI 5239, RTP 44000-45999; trunks
 *   127.0.0.31/.32:5270 (callers send from 127.0.0.31:5270, media port 46000); seats sip:seat@127.0.0.1:182NN (media
 *   46110…46370); partners 18300+. None of these is used by the demo or by the e2e slots 0–9 (test/support/e2e.env.ts),
 *   so the bench may run while tests run — but it then measures a shared machine. The worker and the gateway
 *   (API on 8280) from services/{worker,gateway}/dist with schema and Redis prefix bench_<time> (dropped afterwards).
 *   Logs and SIPp traces stay in .run/bench_<time>/. `tsc -b` runs first (skip with BENCH_SKIP_BUILD=1).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const INSTANCE = 'bench';
const runId = `bench_${Date.now()}`;
const runDir = join(root, '.run', runId);
const SIP_TARGET = '127.0.0.1:5360';
const TRUNK_IP = '127.0.0.31';
const TRUNK_PORT = 5270;
const SEAT_BASE = 18200;
const SEATS = 27;
const ACD_DID = '12345';
const APP_QUEUE_DID = '12399';
const API = 'http://127.0.0.1:8280';
const RECORD = process.env.BENCH_RECORD === '1';
const SEAT_PROCESSES = Number(process.env.BENCH_SEAT_PROCESSES ?? '1');
if (SEAT_PROCESSES !== 1 && SEAT_PROCESSES !== 27) throw new Error(`BENCH_SEAT_PROCESSES must be 1 (one SIPp for the 27 seats) or 27 (one per seat), not ${process.env.BENCH_SEAT_PROCESSES}`);
const ONE_SEAT_PROCESS = SEAT_PROCESSES === 1;

const env: Record<string, string> = {
  CTI_HTTP_HOST: '127.0.0.1',
  CTI_HTTP_PORT: '8280',
  CTI_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  CTI_DB_SCHEMA: runId,
  CTI_REDIS_URL: 'redis://127.0.0.1:6379',
  CTI_REDIS_PREFIX: runId,
  CTI_ARI_URL: 'http://127.0.0.1:8388',
  CTI_ARI_APP: 'cti12345',
  CTI_AMI_PORT: '5239',
  CTI_SIP_PORT: '5360',
  CTI_TRUNK_PRIMARY: `${TRUNK_IP}:${TRUNK_PORT}`,
  CTI_TRUNK_BACKUP: `127.0.0.32:${TRUNK_PORT}`,
  CTI_SEATS: String(SEATS),
  ...(ONE_SEAT_PROCESS && { CTI_SEAT_CONTACT: `sip:seat-{n}@127.0.0.1:${18200}` }),
  CTI_SEAT_BASE_PORT: String(SEAT_BASE),
  CTI_PARTNER_BASE_PORT: '18300',
  CTI_RTP_START: '44000',
  CTI_RTP_END: '45999',
  CTI_RING_TIMEOUT_S: '15',
  CTI_WRAP_UP_S: '0',
  // Nothing but routing while callers wait: no announcements, no callback offers, no overflow delay.
  CTI_MANDARIN_OVERFLOW_S: '0',
  CTI_ANNOUNCE_INTERVAL_S: '0',
  // The bench measures routing, as app_queue has no language prompt: callers are queued at once.
  CTI_LANGUAGE_WINDOW_S: '0',
  CTI_LANGUAGE_MEMORY_DAYS: '0',
  CTI_VIRTUAL_HOLD_AFTER_S: '0',
  // …and no surge message either (it would play to every waiting caller once 30 wait; app_queue plays none).
  CTI_SURGE_WAITING_CALLS: '100000',
  CTI_SURGE_PREDICTED_WAIT_S: '36000',
  CTI_SPOOL_DIR: `.run/${runId}/spool`,
  CTI_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
};

type System = 'acd' | 'app_queue';
interface RunResult {
  system: System;
  rate: number;
  /** Rounds merged into this result (see BENCH_ROUNDS). */
  rounds: number;
  calls: number;
  talkMs: number;
  answered: number;
  /** INVITE→seat 200 OK of each answered call, and INVITE→caller 200 OK, sorted (ms). */
  latencies: number[];
  callerOks: number[];
  p50: number;
  p90: number;
  p99: number;
  max: number;
  callerOkP50: number;
  sippOk: number;
  sippFailed: number;
  durationS: number;
  cpu: Record<string, number>;
  gateway?: { arrived: number; answered: number; fallbacks: number; ringNoAnswer: number; errors: number };
  /** Events Asterisk sent to the Stasis app per offered call, and the deepest backlog of its event queue. */
  ariEventsPerCall: number;
  ariQueueMaxDepth: number;
  /** Asterisk log lines "HTTP session count exceeded" during the run (ARI REST connections refused). */
  httpRefused: number;
  loadavg: number;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// processes we start; every one is stopped by its own pid in cleanup()
const children = new Set<ChildProcess>();
let gateway: ChildProcess | undefined;
let worker: ChildProcess | undefined;
let asteriskStarted = false;
let schemaCreated = false;

function startLogged(cmd: string, args: string[], logFile: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess | undefined, graceMs = 8_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function asterisk(...args: string[]): string {
  const r = spawnSync('bash', [join(root, 'scripts/asterisk.sh'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`asterisk.sh ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of [...children]) if (c !== gateway && c !== worker) await stopChild(c, 3_000);
    await stopChild(gateway);
    await stopChild(worker);
    if (asteriskStarted) {
      try {
        asterisk('stop', INSTANCE);
      } catch (err) {
        log(`stopping Asterisk: ${(err as Error).message}`);
      }
    }
    if (schemaCreated) {
      try {
        const pg = (await import('pg')).default;
        const client = new pg.Client({ connectionString: env.CTI_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${runId}" CASCADE`);
        await client.end();
      } catch (err) {
        log(`dropping schema ${runId}: ${(err as Error).message}`);
      }
    }
    try {
      const { Redis } = await import('ioredis');
      const redis = new Redis(env.CTI_REDIS_URL as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${runId}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    } catch (err) {
      log(`deleting Redis keys ${runId}:*: ${(err as Error).message}`);
    }
  })();
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping everything the bench started`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// measurement helpers

/** Parses SIPp <log> lines `KIND <sec>.000000 <usec>.000000 <number>` into number → epoch ms. */
function readTimes(file: string, kind: string, into: Map<string, number>, prefix: string): void {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const p = line.split(' ');
    if (p[0] !== kind || p.length < 4) continue;
    const num = p[3] as string;
    if (!num.startsWith(prefix)) continue;
    const ms = Number.parseFloat(p[1] as string) * 1000 + Number.parseFloat(p[2] as string) / 1000;
    if (!into.has(num) || (into.get(num) as number) > ms) into.set(num, ms);
  }
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU ticks (user+system) of a pid, or 0 when it is gone. */
function cpuTicks(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function asteriskPid(): number | undefined {
  try {
    return Number(readFileSync(join(root, '.run', `asterisk-${INSTANCE}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

let seatProcs: ChildProcess[] = [];
function cpuSnapshot(caller?: ChildProcess): Record<string, number> {
  return {
    asterisk: cpuTicks(asteriskPid()),
    gateway: cpuTicks(gateway?.pid),
    worker: cpuTicks(worker?.pid),
    seats: seatProcs.reduce((s, p) => s + cpuTicks(p.pid), 0),
    caller: cpuTicks(caller?.pid),
  };
}

/**
 * Waits until Asterisk, the gateway and the worker are quiet (under 15% of one core together over a second, at most
 * 60 s), so that a run does not start while the worker still stores the previous run's records (tickets, deadline
 * jobs) — the same for both systems: app_queue's calls are imported and stored too.
 */
async function settle(name: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const a = cpuSnapshot();
    await sleep(1_000);
    const b = cpuSnapshot();
    const busy = (['asterisk', 'gateway', 'worker'] as const).reduce((sum, k) => sum + ((b[k] ?? 0) - (a[k] ?? 0)), 0) / TICKS_PER_S;
    if (busy < 0.15) break;
    if (Date.now() - started > 60_000) {
      log(`${name}: the machine did not become quiet in 60 s (last second ${Math.round(busy * 100)}% of a core); starting anyway`);
      return;
    }
  }
  const waited = Date.now() - started;
  if (waited > 1_500) log(`${name}: waited ${(waited / 1000).toFixed(1)} s for the previous run's work to finish`);
}

async function activeChannels(): Promise<number> {
  const out = asterisk('cli', INSTANCE, 'core show channels count');
  const m = /(\d+) active channels?/.exec(out);
  return m ? Number(m[1]) : -1;
}

async function api(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Gateway log lines (pino JSON) between two instants, counted by message. */
function gatewayCounts(from: number, to: number): RunResult['gateway'] {
  const c = { arrived: 0, answered: 0, fallbacks: 0, ringNoAnswer: 0, errors: 0 };
  const file = join(runDir, 'gateway.log');
  if (!existsSync(file)) return c;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: { time?: number; msg?: string; level?: number };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!e.time || e.time < from || e.time > to) continue;
    if (e.msg === 'call arrived') c.arrived++;
    else if (e.msg === 'call answered') c.answered++;
    else if (e.msg?.startsWith('call handling failed')) c.fallbacks++;
    else if (e.msg?.startsWith('seat did not answer')) c.ringNoAnswer++;
    if ((e.level ?? 0) >= 50) c.errors++;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// one load run

let tagSeq = 10;
let astLogSeen = 0;

/** Counters of the taskprocessor that queues ARI events for our Stasis app (`core show taskprocessors`). */
function ariQueueStats(): { name: string; processed: number; maxDepth: number; raw: string } {
  const raw = asterisk('cli', INSTANCE, 'core show taskprocessors like stasis/m:ari:application');
  const m = /(stasis\/m:ari:application\/\S+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(raw);
  return m ? { name: m[1] as string, processed: Number(m[2]), maxDepth: Number(m[4]), raw } : { name: '', processed: 0, maxDepth: 0, raw };
}
const asteriskLog = join(root, '.run', `asterisk-${INSTANCE}.log`);
async function runLoad(system: System, rate: number, calls: number, talkMs: number, measured: boolean): Promise<RunResult> {
  const tag = String(tagSeq++).padStart(2, '0');
  const talk = String(Math.min(9999, talkMs)).padStart(4, '0');
  const prefix = `138${tag}${talk}`;
  const name = `${measured ? '' : 'warmup-'}${system}-${rate}cps`;
  const callerLog = join(runDir, `caller-${tag}-${name}.log`);
  const args = [
    SIP_TARGET, '-sf', join(root, 'test/sipp/bench-caller.xml'), '-s', system === 'acd' ? ACD_DID : APP_QUEUE_DID,
    '-i', TRUNK_IP, '-p', String(TRUNK_PORT), '-mp', '46000', '-key', 'run', tag, '-key', 'talk', talk,
    '-m', String(calls), '-r', String(rate), '-rp', '1000', '-l', '5000', '-aa', '-nostdin',
    '-trace_logs', '-log_file', callerLog, '-trace_err', '-error_file', callerLog.replace(/\.log$/, '.err'),
    '-recv_timeout', '30000', '-timeout', String(Math.ceil(calls / rate) + 60),
  ];
  const out = join(runDir, `caller-${tag}-${name}.out`);
  await settle(name);
  // Reset the counters so that max depth is this run's; the baseline is read after the reset in case it is not supported.
  const tpName = ariQueueStats().name;
  if (tpName) asterisk('cli', INSTANCE, `core reset taskprocessor ${tpName}`);
  const tpBefore = ariQueueStats();
  const before = cpuSnapshot();
  const started = Date.now();
  const caller = startLogged('sipp', args, out);
  // CPU is sampled over the offering window (calls / rate seconds, plus 1 s), not over stragglers.
  const loadMs = (calls / rate) * 1000 + 1000;
  let after: Record<string, number> | undefined;
  let loadEnded = 0;
  const sampler = setTimeout(() => {
    after = cpuSnapshot(caller);
    loadEnded = Date.now();
  }, loadMs);
  await new Promise<void>((resolve) => (caller.exitCode !== null ? resolve() : caller.once('exit', () => resolve())));
  const ended = Date.now();
  if (!after) {
    clearTimeout(sampler);
    after = cpuSnapshot();
    loadEnded = ended;
  }
  await waitFor('Asterisk channels to drain', async () => (await activeChannels()) === 0, 30_000).catch(() => log('channels did not drain in 30 s'));
  await sleep(1_000);

  // Asterisk's queue of events waiting to be sent to the Stasis app over the WebSocket: events sent, deepest backlog.
  const tpAfter = ariQueueStats();
  writeFileSync(join(runDir, `taskprocessors-${tag}-${name}.txt`), tpAfter.raw);
  const ariEvents = tpAfter.processed - tpBefore.processed;
  const ariMaxDepth = tpAfter.maxDepth;
  // Asterisk's HTTP server refuses connections beyond http.conf sessionlimit (default 100): ARI requests then fail.
  const astLog = existsSync(asteriskLog) ? readFileSync(asteriskLog, 'utf8') : '';
  const httpRefused = (astLog.slice(astLogSeen).match(/HTTP session count exceeded/g) ?? []).length;
  astLogSeen = astLog.length;
  const invites = new Map<string, number>();
  const ok200 = new Map<string, number>();
  const answers = new Map<string, number>();
  readTimes(callerLog, 'INVITE', invites, prefix);
  readTimes(callerLog, 'OK200', ok200, prefix);
  for (const f of readdirSync(runDir)) if (/^seat-\d+\.log$/.test(f)) readTimes(join(runDir, f), 'ANSWER', answers, prefix);
  const lat: number[] = [];
  for (const [num, t0] of invites) {
    const t1 = answers.get(num);
    if (t1 !== undefined) lat.push(t1 - t0);
  }
  lat.sort((a, b) => a - b);
  const callerOk: number[] = [];
  for (const [num, t0] of invites) {
    const t1 = ok200.get(num);
    if (t1 !== undefined) callerOk.push(t1 - t0);
  }
  callerOk.sort((a, b) => a - b);
  const sippOut = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const lastNum = (label: string) => {
    const lines = sippOut.split('\n').filter((l) => l.includes(label));
    const m = /(\d+)\s*$/.exec((lines.at(-1) ?? '').trim());
    return m ? Number(m[1]) : 0;
  };
  const wall = (loadEnded - started) / 1000;
  const cpu: Record<string, number> = {};
  for (const k of Object.keys(before)) cpu[k] = Math.max(0, ((after[k] as number) - (before[k] as number)) / TICKS_PER_S / wall);
  const r: RunResult = {
    system,
    rate,
    rounds: 1,
    calls: invites.size,
    talkMs,
    ...latencyFigures(lat, callerOk),
    sippOk: lastNum('Successful call'),
    sippFailed: lastNum('Failed call'),
    durationS: (ended - started) / 1000,
    cpu,
    ariEventsPerCall: invites.size ? ariEvents / invites.size : 0,
    ariQueueMaxDepth: ariMaxDepth,
    httpRefused,
    loadavg: loadavg()[0] ?? 0,
    ...(system === 'acd' && { gateway: gatewayCounts(started, Date.now()) }),
  };
  if (invites.size < calls) log(`${name}: only ${invites.size} of ${calls} INVITEs were logged by SIPp`);
  log(
    `${name}: ${r.answered}/${r.calls} answered, INVITE→seat 200 p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} max ${r.max.toFixed(1)} ms; ` +
      `caller's own 200 p50 ${r.callerOkP50.toFixed(1)} ms; cpu ${Object.entries(cpu).map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`).join(', ')}` +
      (r.gateway ? `; gateway ${JSON.stringify(r.gateway)}` : '') +
      `; ARI events/call ${r.ariEventsPerCall.toFixed(1)}, ARI event queue max depth ${r.ariQueueMaxDepth}, HTTP sessions refused ${r.httpRefused}; load ${r.loadavg.toFixed(1)}`,
  );
  return r;
}

/** The figures of sorted latencies: INVITE→seat 200 OK of the answered calls, and INVITE→caller 200 OK. */
function latencyFigures(lat: number[], callerOk: number[]) {
  return {
    answered: lat.length,
    latencies: lat,
    callerOks: callerOk,
    p50: percentile(lat, 0.5),
    p90: percentile(lat, 0.9),
    p99: percentile(lat, 0.99),
    max: lat.at(-1) ?? Number.NaN,
    callerOkP50: percentile(callerOk, 0.5),
  };
}

/** One result from a system's rounds at one rate: counts added, latencies pooled, CPU averaged, worst load kept. */
function mergeRounds(rs: RunResult[]): RunResult {
  const first = rs[0];
  if (!first) throw new Error('no rounds to merge');
  if (rs.length === 1) return first;
  const sum = (f: (r: RunResult) => number) => rs.reduce((a, r) => a + f(r), 0);
  const lat = rs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const callerOk = rs.flatMap((r) => r.callerOks).sort((a, b) => a - b);
  const cpu: Record<string, number> = {};
  for (const k of Object.keys(first.cpu)) cpu[k] = sum((r) => r.cpu[k] ?? 0) / rs.length;
  const gateways = rs.map((r) => r.gateway).filter((g): g is NonNullable<RunResult['gateway']> => g !== undefined);
  return {
    ...first,
    rounds: rs.length,
    calls: sum((r) => r.calls),
    ...latencyFigures(lat, callerOk),
    sippOk: sum((r) => r.sippOk),
    sippFailed: sum((r) => r.sippFailed),
    durationS: sum((r) => r.durationS),
    cpu,
    ...(gateways.length && {
      gateway: {
        arrived: gateways.reduce((a, g) => a + g.arrived, 0),
        answered: gateways.reduce((a, g) => a + g.answered, 0),
        fallbacks: gateways.reduce((a, g) => a + g.fallbacks, 0),
        ringNoAnswer: gateways.reduce((a, g) => a + g.ringNoAnswer, 0),
        errors: gateways.reduce((a, g) => a + g.errors, 0),
      },
    }),
    ariEventsPerCall: sum((r) => r.ariEventsPerCall * r.calls) / Math.max(1, sum((r) => r.calls)),
    ariQueueMaxDepth: Math.max(...rs.map((r) => r.ariQueueMaxDepth)),
    httpRefused: sum((r) => r.httpRefused),
    loadavg: Math.max(...rs.map((r) => r.loadavg)),
  };
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now();
  if (process.getuid?.() !== 0) throw new Error('run as root (Asterisk runs from a chroot), like npm test');
  if (spawnSync('sipp', ['-v']).error) throw new Error('sipp not found (scripts/provision.sh installs it)');
  mkdirSync(runDir, { recursive: true });

  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('building (tsc -b)');
    const b = spawnSync('npx', ['tsc', '-b'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (b.status !== 0) {
      // tsc emits despite type errors; bench what was emitted, but say so.
      const errors = `${b.stdout}${b.stderr}`.split('\n').filter((l) => l.includes('error TS'));
      if (!existsSync(join(root, 'services/gateway/dist/main.js'))) throw new Error(`tsc -b failed and emitted nothing:\n${errors.join('\n')}`);
      log(`WARNING: tsc -b reported ${errors.length} type errors (benching the emitted JavaScript anyway), first: ${errors[0] ?? ''}`);
    }
  }
  // Dist of the workspace packages (node resolves '@cti/db' to packages/db/dist).
  const { AgentRepository, TokenRepository, createDb, migrate } = await import('@cti/db');

  log(`starting Asterisk instance ${INSTANCE}`);
  asteriskStarted = true;
  asterisk('start', INSTANCE);
  // Recording is the same work whoever routes the call: by default neither side records (the figures are routing);
  // BENCH_RECORD=1 makes both record every answered call (the gateway's bridge recording, MixMonitor on app_queue's).
  const astLog = asterisk('logdir', INSTANCE).trim();
  env.CTI_RECORDINGS_DIR = `${astLog.replace(/\/log$/, '')}/spool/recording`;
  env.CTI_RECORD_CALLS = RECORD ? 'true' : 'false';
  asterisk('cli', INSTANCE, `dialplan set global CTI_BENCH_RECORD ${RECORD ? 1 : 0}`);
  env.CTI_QUEUE_LOG_FILE = `${astLog}/queue_log`;

  schemaCreated = true;
  await migrate(env.CTI_DATABASE_URL as string, runId, join(root, 'migrations'));
  const db = createDb(env.CTI_DATABASE_URL as string, runId, 2);
  const agents = new AgentRepository(db);
  const agentIds: string[] = [];
  for (let n = 1; n <= SEATS; n++) {
    const id = `a${String(n).padStart(2, '0')}`;
    await agents.upsert({ id, name: `坐席 ${n}`, skills: { mandarin: 5 } });
    agentIds.push(id);
  }
  const token = await new TokenRepository(db).create('supervisor', 'bench-calls', null);
  await db.destroy();

  // BENCH_PROFILE=1: the gateway and the worker write V8 CPU profiles (.cpuprofile) into the run's folder when they stop.
  const profile = (name: string) => (process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${runDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
  worker = startLogged('node', [...profile('worker'), 'services/worker/dist/main.js'], join(runDir, 'worker.log'));
  gateway = startLogged('node', [...profile('gateway'), 'services/gateway/dist/main.js'], join(runDir, 'gateway.log'));
  await waitFor('gateway healthy', async () => (await fetch(`${API}/healthz`)).status === 200, 30_000);

  // One SIPp answers for the 27 seat endpoints, or one per seat with BENCH_SEAT_PROCESSES=27 (see SEATS above).
  seatProcs = ONE_SEAT_PROCESS
    ? [startLogged('sipp', ['-sf', join(root, 'test/sipp/bench-seat.xml'), '-i', '127.0.0.1', '-p', String(SEAT_BASE), '-mp', '46100', '-l', '1000', '-aa', '-nostdin',
        '-trace_logs', '-log_file', join(runDir, 'seat-00.log')], join(runDir, 'seat-00.out'))]
    : Array.from({ length: SEATS }, (_, i) => {
    const n = i + 1;
    const nn = String(n).padStart(2, '0');
    return startLogged(
      'sipp',
      ['-sf', join(root, 'test/sipp/bench-seat.xml'), '-i', '127.0.0.1', '-p', String(SEAT_BASE + n), '-mp', String(46100 + n * 10), '-l', '1000', '-aa', '-nostdin',
        '-trace_logs', '-log_file', join(runDir, `seat-${nn}.log`)],
      join(runDir, `seat-${nn}.out`),
    );
  });
  await sleep(500);
  for (const p of seatProcs) if (p.exitCode !== null) throw new Error(`a seat SIPp exited at start (${p.exitCode}); see ${runDir}/seat-*.out`);

  for (const id of agentIds) {
    const login = await api(token, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
    if (login.status !== 200) throw new Error(`login ${id}: ${login.status} ${JSON.stringify(login.body)}`);
    const ready = await api(token, 'POST', `/api/v1/agents/${id}/ready`);
    if (ready.status !== 200) throw new Error(`ready ${id}: ${ready.status} ${JSON.stringify(ready.body)}`);
  }
  log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s; logs in ${runDir}`);

  const rates = (process.env.BENCH_RATES ?? '10,50,100').split(',').map(Number).filter((n) => n > 0);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const talkFor = (rate: number) => Number(process.env.BENCH_TALK_MS ?? Math.min(1000, Math.round(10_000 / rate)));
  const callsFor = (rate: number) => Math.max(200, Math.round(rate * seconds));

  const systems = (process.env.BENCH_SYSTEMS ?? 'app_queue,acd').split(',').filter((x): x is System => x === 'acd' || x === 'app_queue');
  // Unmeasured warm-up of both paths (JIT, first-call allocations in Asterisk and the gateway).
  for (const system of systems) await runLoad(system, 20, 60, 200, false);

  // Each rate runs in rounds, the systems alternating (app_queue first in even rounds, acd first in odd ones), so that
  // a busy spell of this shared machine falls on both; each system's rounds are merged into one result.
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
  const results: RunResult[] = [];
  for (const rate of rates) {
    const perSystem = new Map<System, RunResult[]>(systems.map((x) => [x, []]));
    for (let round = 0; round < rounds; round++) {
    for (const system of round % 2 === 0 ? systems : [...systems].reverse()) {
      if (system === 'acd') {
        const list = await api(token, 'GET', '/api/v1/agents');
        const rows: any[] = Array.isArray(list.body) ? list.body : (list.body?.agents ?? []);
        for (const a of rows) {
          const state = a.state ?? a.live?.state;
          if (state && state !== 'ready') {
            log(`agent ${a.id} is ${state} before the ACD run; setting ready`);
            await api(token, 'POST', `/api/v1/agents/${a.id}/ready`);
          }
        }
      }
      perSystem.get(system)?.push(await runLoad(system, rate, callsFor(rate), talkFor(rate), true));
    }
    }
    for (const system of systems) results.push(mergeRounds(perSystem.get(system) ?? []));
  }

  // ---- report
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
  const pad = (s: string | number, w: number) => String(s).padStart(w);
  const lines = [
    '',
    'INVITE (caller) → 200 OK (seat), real SIPp calls through Asterisk 22, 27 auto-answer seats',
    `${'system'.padEnd(10)}${pad('cps', 5)}${pad('talk ms', 9)}${pad('calls', 7)}${pad('answered', 10)}${pad('ans %', 8)}${pad('p50 ms', 9)}${pad('p90 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('caller 200 p50', 16)}${pad('cpu ast/gw/seats', 19)}`,
  ];
  for (const r of results) {
    const cpu = `${Math.round((r.cpu.asterisk ?? 0) * 100)}/${Math.round((r.cpu.gateway ?? 0) * 100)}/${Math.round((r.cpu.seats ?? 0) * 100)}%`;
    lines.push(
      `${r.system.padEnd(10)}${pad(r.rate, 5)}${pad(r.talkMs, 9)}${pad(r.calls, 7)}${pad(r.answered, 10)}${pad(f((100 * r.answered) / Math.max(1, r.calls)), 8)}` +
        `${pad(f(r.p50), 9)}${pad(f(r.p90), 9)}${pad(f(r.p99), 9)}${pad(f(r.max), 9)}${pad(f(r.callerOkP50), 16)}${pad(cpu, 19)}`,
    );
  }
  const ratios = rates.map((rate) => {
    const a = results.find((r) => r.system === 'acd' && r.rate === rate);
    const q = results.find((r) => r.system === 'app_queue' && r.rate === rate);
    const ratio = (x?: number, y?: number) => (x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) && y > 0 ? Math.round((x / y) * 100) / 100 : null);
    return { rate_cps: rate, p50_ratio: ratio(a?.p50, q?.p50), p99_ratio: ratio(a?.p99, q?.p99) };
  });
  lines.push('', 'ratio acd / app_queue');
  for (const r of ratios) lines.push(`  ${pad(r.rate_cps, 4)} cps: p50 ×${r.p50_ratio ?? '—'}  p99 ×${r.p99_ratio ?? '—'}`);
  const top = results.filter((r) => r.system === 'acd').sort((a, b) => b.rate - a.rate)[0];
  const topRatio = ratios.find((r) => r.rate_cps === top?.rate);
  if (top) {
    lines.push('', `goals at ${top.rate} cps (issue 3):`);
    lines.push(`  100% answered ........ ${top.answered === top.calls ? 'met' : 'MISSED'} (${top.answered}/${top.calls})`);
    const base = results.find((r) => r.system === 'app_queue' && r.rate === top.rate);
    // A ratio to an app_queue that itself could not answer every call compares two collapses, not two routers.
    const comparable = base !== undefined && base.answered === base.calls;
    lines.push(
      comparable
        ? `  p50 within 3× app_queue ${topRatio?.p50_ratio !== null && (topRatio?.p50_ratio ?? Infinity) <= 3 ? 'met' : 'MISSED'} (×${topRatio?.p50_ratio ?? '—'})`
        : `  p50 within 3× app_queue not comparable: app_queue itself answered ${base ? `${base.answered}/${base.calls}` : 'no run'} (the machine is saturated at this rate)`,
    );
    lines.push(`  p99 under 100 ms ..... ${top.p99 < 100 ? 'met' : 'MISSED'} (${f(top.p99)} ms)`);
  }
  lines.push('', 'diagnostics (ARI events/call = events Asterisk queued for the Stasis app per offered call; HTTP refused = ARI connections over http.conf sessionlimit)');
  for (const r of results) {
    lines.push(
      `  ${r.system.padEnd(10)}${pad(r.rate, 4)} cps: ARI events/call ${f(r.ariEventsPerCall)}, ARI event queue max depth ${r.ariQueueMaxDepth}, HTTP refused ${r.httpRefused}, ` +
        `caller SIPp ok/failed ${r.sippOk}/${r.sippFailed}, 1-min load ${f(r.loadavg)}${r.gateway ? `, gateway log ${JSON.stringify(r.gateway)}` : ''}`,
    );
  }
  const cores = (await import('node:os')).cpus().length;
  if (results.some((r) => r.loadavg > cores)) lines.push(`  NOTE: load average above ${cores} cores during some runs: other work shared the machine; figures are pessimistic`);
  lines.push(`total ${((Date.now() - t0) / 1000).toFixed(0)} s; SIPp logs in ${runDir}`);
  process.stdout.write(`${lines.join('\n')}\n`);

  const json = {
    recording: RECORD,
    seat_processes: SEAT_PROCESSES,
    rounds,
    runs: results.map((r) => ({ system: r.system, rate_cps: r.rate, calls: r.calls, answered: r.answered, p50_ms: Math.round(r.p50 * 10) / 10, p99_ms: Math.round(r.p99 * 10) / 10 })),
    ratios,
  };
  await cleanup();
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

main().then(
  () => process.exit(0),
  async (err) => {
    log(`failed: ${(err as Error).stack ?? err}`);
    await cleanup();
    process.exit(1);
  },
);
