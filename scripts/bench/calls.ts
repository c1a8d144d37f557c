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
 *   OVERLOAD: after the measured rates, each system takes one run at BENCH_OVERLOAD calls/s (default 100; 0 = none)
 *   with a CPU hog beside it (one busy loop per core, started just before and stopped just after the run), so the
 *   machine cannot carry the rate: a hotline past capacity must get slower, never drop a citizen. It reports, for
 *   both systems, calls answered and lost (never reached a seat: the bench caller gives up after 30 s, like a
 *   citizen), and for ours the fallbacks and the callers who kept their place without music (docs/domain.md §23).
 *   These runs load the machine on purpose: they are not in the ratios, and their load is not a reason to call them
 *   invalid; the load before the hog started is printed instead.
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
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { api } from '../../test/support/api.js';
import { waitFor } from '../../test/support/processes.js';
import { LogGrowthCounter, TICKS_PER_S, activeChannels, ariQueueStats, cpuSnapshot, gatewayCounts, pidFromFile, readTimes, settle, sippCount, type AsteriskCli } from './measure.js';
import { callsReport, callsSummary, ratios } from './report.js';
import { BenchStack, log, root, sleep, type BenchEnv } from './stack.js';
import { latencyFigures, mergeRounds, type RunResult, type System } from './stats.js';

const INSTANCE = 'bench';
const SIP_TARGET = '127.0.0.1:5360';
const TRUNK_IP = '127.0.0.31';
const TRUNK_PORT = 5270;
const SEAT_BASE = 18200;
const SEATS = 27;
const ACD_DID = '12345';
const APP_QUEUE_DID = '12399';
const API = 'http://127.0.0.1:8280';

/** The bench's settings (BENCH_* variables, see above). */
interface Options {
  record: boolean;
  seatProcesses: 1 | 27;
  rates: number[];
  seconds: number;
  talkMs: string | undefined;
  systems: System[];
  rounds: number;
  /** Calls/s of the overload run (with a CPU hog beside it); 0 = none. */
  overload: number;
  profile: boolean;
  build: boolean;
  logLevel: string;
}

function options(): Options {
  const seatProcesses = Number(process.env.BENCH_SEAT_PROCESSES ?? '1');
  if (seatProcesses !== 1 && seatProcesses !== 27) throw new Error(`BENCH_SEAT_PROCESSES must be 1 (one SIPp for the 27 seats) or 27 (one per seat), not ${process.env.BENCH_SEAT_PROCESSES}`);
  return {
    record: process.env.BENCH_RECORD === '1',
    seatProcesses,
    rates: (process.env.BENCH_RATES ?? '10,50,100').split(',').map(Number).filter((n) => n > 0),
    seconds: Number(process.env.BENCH_SECONDS ?? 10),
    talkMs: process.env.BENCH_TALK_MS,
    systems: (process.env.BENCH_SYSTEMS ?? 'app_queue,acd').split(',').filter((x): x is System => x === 'acd' || x === 'app_queue'),
    rounds: Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2)),
    overload: Math.max(0, Number(process.env.BENCH_OVERLOAD ?? 100)),
    profile: process.env.BENCH_PROFILE === '1',
    build: process.env.BENCH_SKIP_BUILD !== '1',
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
}

/** The environment of the gateway, the worker and Asterisk: the bench's ports (see WHAT IT STARTS) and routing only. */
function benchEnv(runId: string, o: Options): BenchEnv {
  return {
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
    ...(o.seatProcesses === 1 && { CTI_SEAT_CONTACT: `sip:seat-{n}@127.0.0.1:${18200}` }),
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
    // …and no rating prompt after the agent hangs up: app_queue's caller is hung up then, while ours would stay on
    // Asterisk for the prompt and the wait for a digit (about 9 s of media per call, hundreds of channels at 100/s).
    CTI_RATING_ENABLED: 'false',
    CTI_SPOOL_DIR: `.run/${runId}/spool`,
    CTI_LOG_LEVEL: o.logLevel,
  };
}

/** The running stack of one bench, as its load runs need it. */
interface Bench {
  stack: BenchStack;
  runDir: string;
  cli: AsteriskCli;
  gateway: ChildProcess;
  worker: ChildProcess;
  seats: ChildProcess[];
  /** Asterisk log lines "HTTP session count exceeded" since the previous run. */
  httpRefused: LogGrowthCounter;
  /** The next run's two-digit tag (10, 11, …), the caller numbers' run digits. */
  nextTag: () => string;
}

/** CPU ticks of Asterisk, the gateway, the worker, the seat SIPp(s) and the caller SIPp (when given). */
function cpuOf(b: Bench, caller?: ChildProcess): Record<string, number> {
  return cpuSnapshot({
    asterisk: [pidFromFile(join(root, '.run', `asterisk-${INSTANCE}.pid`))],
    gateway: [b.gateway.pid],
    worker: [b.worker.pid],
    seats: b.seats.map((p) => p.pid),
    caller: [caller?.pid],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// one load run

async function runLoad(b: Bench, system: System, rate: number, calls: number, talkMs: number, measured: boolean): Promise<RunResult> {
  const tag = b.nextTag();
  const talk = String(Math.min(9999, talkMs)).padStart(4, '0');
  const prefix = `138${tag}${talk}`;
  const name = `${measured ? '' : 'warmup-'}${system}-${rate}cps`;
  const callerLog = join(b.runDir, `caller-${tag}-${name}.log`);
  const args = [
    SIP_TARGET, '-sf', join(root, 'test/sipp/bench-caller.xml'), '-s', system === 'acd' ? ACD_DID : APP_QUEUE_DID,
    '-i', TRUNK_IP, '-p', String(TRUNK_PORT), '-mp', '46000', '-key', 'run', tag, '-key', 'talk', talk,
    '-m', String(calls), '-r', String(rate), '-rp', '1000', '-l', '5000', '-aa', '-nostdin',
    '-trace_logs', '-log_file', callerLog, '-trace_err', '-error_file', callerLog.replace(/\.log$/, '.err'),
    '-recv_timeout', '30000', '-timeout', String(Math.ceil(calls / rate) + 60),
  ];
  const out = join(b.runDir, `caller-${tag}-${name}.out`);
  await settle(name, () => cpuOf(b), ['asterisk', 'gateway', 'worker']);
  // Reset the counters so that max depth is this run's; the baseline is read after the reset in case it is not supported.
  const tpName = ariQueueStats(b.cli).name;
  if (tpName) b.cli(`core reset taskprocessor ${tpName}`);
  const tpBefore = ariQueueStats(b.cli);
  const before = cpuOf(b);
  const started = Date.now();
  const caller = b.stack.start('sipp', args, out);
  // CPU is sampled over the offering window (calls / rate seconds, plus 1 s), not over stragglers.
  const loadMs = (calls / rate) * 1000 + 1000;
  let after: Record<string, number> | undefined;
  let loadEnded = 0;
  const sampler = setTimeout(() => {
    after = cpuOf(b, caller);
    loadEnded = Date.now();
  }, loadMs);
  await new Promise<void>((resolve) => (caller.exitCode !== null ? resolve() : caller.once('exit', () => resolve())));
  const ended = Date.now();
  if (!after) {
    clearTimeout(sampler);
    after = cpuOf(b);
    loadEnded = ended;
  }
  await waitFor('Asterisk channels to drain', () => activeChannels(b.cli) === 0, 30_000).catch(() => log('channels did not drain in 30 s'));
  await sleep(1_000);

  // Asterisk's queue of events waiting to be sent to the Stasis app over the WebSocket: events sent, deepest backlog.
  const tpAfter = ariQueueStats(b.cli);
  writeFileSync(join(b.runDir, `taskprocessors-${tag}-${name}.txt`), tpAfter.raw);
  const ariEvents = tpAfter.processed - tpBefore.processed;
  const ariMaxDepth = tpAfter.maxDepth;
  // Asterisk's HTTP server refuses connections beyond http.conf sessionlimit (default 100): ARI requests then fail.
  const httpRefused = b.httpRefused.count();
  const invites = new Map<string, number>();
  const ok200 = new Map<string, number>();
  const answers = new Map<string, number>();
  readTimes(callerLog, 'INVITE', invites, prefix);
  readTimes(callerLog, 'OK200', ok200, prefix);
  for (const f of readdirSync(b.runDir)) if (/^seat-\d+\.log$/.test(f)) readTimes(join(b.runDir, f), 'ANSWER', answers, prefix);
  const lat: number[] = [];
  for (const [num, t0] of invites) {
    const t1 = answers.get(num);
    if (t1 !== undefined) lat.push(t1 - t0);
  }
  lat.sort((x, y) => x - y);
  const callerOk: number[] = [];
  for (const [num, t0] of invites) {
    const t1 = ok200.get(num);
    if (t1 !== undefined) callerOk.push(t1 - t0);
  }
  callerOk.sort((x, y) => x - y);
  const sippOut = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const wall = (loadEnded - started) / 1000;
  const cpu: Record<string, number> = {};
  for (const [k, ticks] of Object.entries(before)) cpu[k] = Math.max(0, ((after[k] ?? 0) - ticks) / TICKS_PER_S / wall);
  const r: RunResult = {
    system,
    rate,
    rounds: 1,
    calls: invites.size,
    talkMs,
    ...latencyFigures(lat, callerOk),
    sippOk: sippCount(sippOut, 'Successful call'),
    sippFailed: sippCount(sippOut, 'Failed call'),
    durationS: (ended - started) / 1000,
    cpu,
    ariEventsPerCall: invites.size ? ariEvents / invites.size : 0,
    ariQueueMaxDepth: ariMaxDepth,
    httpRefused,
    loadavg: loadavg()[0] ?? 0,
    ...(system === 'acd' && { gateway: gatewayCounts(join(b.runDir, 'gateway.log'), started, Date.now()) }),
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

// ---------------------------------------------------------------------------------------------------------------

/** Builds the services (tsc -b), unless BENCH_SKIP_BUILD=1; type errors are reported but what was emitted is benched. */
function build(): void {
  log('building (tsc -b)');
  const b = spawnSync('npx', ['tsc', '-b'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (b.status !== 0) {
    // tsc emits despite type errors; bench what was emitted, but say so.
    const errors = `${b.stdout}${b.stderr}`.split('\n').filter((l) => l.includes('error TS'));
    if (!existsSync(join(root, 'services/gateway/dist/main.js'))) throw new Error(`tsc -b failed and emitted nothing:\n${errors.join('\n')}`);
    log(`WARNING: tsc -b reported ${errors.length} type errors (benching the emitted JavaScript anyway), first: ${errors[0] ?? ''}`);
  }
}

/** Starts Asterisk, a fresh schema with 27 agents, the worker, the gateway and the seat SIPp(s); agents logged in and ready. */
async function startStack(stack: BenchStack, runDir: string, o: Options): Promise<{ bench: Bench; token: string }> {
  const { env, runId } = stack;
  // The workspace packages load from their dist (node resolves '@cti/db' to packages/db/dist), built just before.
  const { AgentRepository, TokenRepository, createDb, migrate } = await import('@cti/db');

  log(`starting Asterisk instance ${INSTANCE}`);
  stack.startAsterisk(INSTANCE);
  // Recording is the same work whoever routes the call: by default neither side records (the figures are routing);
  // BENCH_RECORD=1 makes both record every answered call (the gateway's bridge recording, MixMonitor on app_queue's).
  const cli: AsteriskCli = (command) => stack.asterisk('cli', INSTANCE, command);
  const astLog = stack.asterisk('logdir', INSTANCE).trim();
  env.CTI_RECORDINGS_DIR = `${astLog.replace(/\/log$/, '')}/spool/recording`;
  env.CTI_RECORD_CALLS = o.record ? 'true' : 'false';
  cli(`dialplan set global CTI_BENCH_RECORD ${o.record ? 1 : 0}`);
  env.CTI_QUEUE_LOG_FILE = `${astLog}/queue_log`;

  stack.schemaWillExist();
  await migrate(env.CTI_DATABASE_URL, runId, join(root, 'migrations'));
  const db = createDb(env.CTI_DATABASE_URL, runId, 2);
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
  const profile = (name: string) => (o.profile ? ['--cpu-prof', `--cpu-prof-dir=${runDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
  const worker = stack.startService([...profile('worker'), 'services/worker/dist/main.js'], join(runDir, 'worker.log'));
  const gateway = stack.startService([...profile('gateway'), 'services/gateway/dist/main.js'], join(runDir, 'gateway.log'));
  await waitFor('gateway healthy', async () => (await fetch(`${API}/healthz`)).status === 200, 30_000);

  // One SIPp answers for the 27 seat endpoints, or one per seat with BENCH_SEAT_PROCESSES=27 (see SEATS above).
  const seats =
    o.seatProcesses === 1
      ? [stack.start('sipp', ['-sf', join(root, 'test/sipp/bench-seat.xml'), '-i', '127.0.0.1', '-p', String(SEAT_BASE), '-mp', '46100', '-l', '1000', '-aa', '-nostdin',
          '-trace_logs', '-log_file', join(runDir, 'seat-00.log')], join(runDir, 'seat-00.out'))]
      : Array.from({ length: SEATS }, (_, i) => {
          const n = i + 1;
          const nn = String(n).padStart(2, '0');
          return stack.start(
            'sipp',
            ['-sf', join(root, 'test/sipp/bench-seat.xml'), '-i', '127.0.0.1', '-p', String(SEAT_BASE + n), '-mp', String(46100 + n * 10), '-l', '1000', '-aa', '-nostdin',
              '-trace_logs', '-log_file', join(runDir, `seat-${nn}.log`)],
            join(runDir, `seat-${nn}.out`),
          );
        });
  await sleep(500);
  for (const p of seats) if (p.exitCode !== null) throw new Error(`a seat SIPp exited at start (${p.exitCode}); see ${runDir}/seat-*.out`);

  const supervisor = { apiUrl: API, supervisorToken: token };
  for (const id of agentIds) {
    const login = await api(supervisor, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
    if (login.status !== 200) throw new Error(`login ${id}: ${login.status} ${JSON.stringify(login.body)}`);
    const ready = await api(supervisor, 'POST', `/api/v1/agents/${id}/ready`);
    if (ready.status !== 200) throw new Error(`ready ${id}: ${ready.status} ${JSON.stringify(ready.body)}`);
  }
  let tag = 10;
  return {
    bench: {
      stack,
      runDir,
      cli,
      gateway,
      worker,
      seats,
      httpRefused: new LogGrowthCounter(join(root, '.run', `asterisk-${INSTANCE}.log`), /HTTP session count exceeded/g),
      nextTag: () => String(tag++).padStart(2, '0'),
    },
    token,
  };
}

/** Agents a previous run left paused (a seat that stopped answering qualify under load, say) are made ready again. */
async function readyAllAgents(token: string): Promise<void> {
  const list = await api({ apiUrl: API, supervisorToken: token }, 'GET', '/api/v1/agents');
  const rows: Array<{ id?: string; agentId?: string; state?: string; live?: { state?: string } | null }> = Array.isArray(list.body) ? list.body : (list.body?.items ?? list.body?.agents ?? []);
  for (const a of rows) {
    const id = a.agentId ?? a.id;
    const state = a.state ?? a.live?.state;
    if (id && state && state !== 'ready') {
      log(`agent ${id} is ${state} before the ACD run; setting ready`);
      await api({ apiUrl: API, supervisorToken: token }, 'POST', `/api/v1/agents/${id}/ready`);
    }
  }
}

/** One busy loop per core, each its own process, until killed. */
function startHog(): ChildProcess[] {
  return cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/** An overload run: the run's figures, the hog beside it and the load before it started. */
interface OverloadRun extends RunResult {
  hogThreads: number;
  loadBefore: number;
}

function overloadFigures(r: OverloadRun) {
  return {
    system: r.system,
    rate_cps: r.rate,
    hog_threads: r.hogThreads,
    calls: r.calls,
    answered: r.answered,
    lost: r.calls - r.answered,
    p50_ms: Math.round(r.p50 * 10) / 10,
    p99_ms: Math.round(r.p99 * 10) / 10,
    ...(r.gateway && { fallbacks: r.gateway.fallbacks, fallbacks_failed: r.gateway.fallbacksFailed ?? 0, waits_degraded: r.gateway.waitsDegraded ?? 0 }),
    load_before: Math.round(r.loadBefore * 10) / 10,
  };
}

function overloadReport(runs: OverloadRun[]): string[] {
  const lines = ['', `overload: ${runs[0]?.rate} calls/s with ${runs[0]?.hogThreads} busy loops beside (past capacity: slower is fine, lost is not)`];
  for (const r of runs) {
    const x = overloadFigures(r);
    lines.push(
      `  ${r.system.padEnd(10)} answered ${x.answered}/${x.calls}, lost ${x.lost}, INVITE→seat 200 p50 ${x.p50_ms} p99 ${x.p99_ms} ms` +
        (r.gateway ? `, fallbacks ${x.fallbacks} (failed ${x.fallbacks_failed}), waits without music ${x.waits_degraded}` : '') +
        `; 1-min load before the hog ${x.load_before}, at the end ${r.loadavg.toFixed(1)}`,
    );
  }
  const ours = runs.find((r) => r.system === 'acd');
  const theirs = runs.find((r) => r.system === 'app_queue');
  if (ours && theirs) lines.push(`  goal (issue 17): ours answers every call app_queue answers .... ${ours.answered >= theirs.answered ? 'met' : 'MISSED'} (${ours.answered} vs ${theirs.answered})`);
  return lines;
}

async function main(stack: BenchStack, runDir: string, o: Options): Promise<void> {
  const t0 = Date.now();
  if (process.getuid?.() !== 0) throw new Error('run as root (Asterisk runs from a chroot), like npm test');
  if (spawnSync('sipp', ['-v']).error) throw new Error('sipp not found (scripts/provision.sh installs it)');
  mkdirSync(runDir, { recursive: true });
  if (o.build) build();
  const { bench, token } = await startStack(stack, runDir, o);
  log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s; logs in ${runDir}`);

  const talkFor = (rate: number) => Number(o.talkMs ?? Math.min(1000, Math.round(10_000 / rate)));
  const callsFor = (rate: number) => Math.max(200, Math.round(rate * o.seconds));

  // Unmeasured warm-up of both paths (JIT, first-call allocations in Asterisk and the gateway).
  for (const system of o.systems) await runLoad(bench, system, 20, 60, 200, false);

  // Each rate runs in rounds, the systems alternating (app_queue first in even rounds, acd first in odd ones), so that
  // a busy spell of this shared machine falls on both; each system's rounds are merged into one result.
  const results: RunResult[] = [];
  for (const rate of o.rates) {
    const perSystem = new Map<System, RunResult[]>(o.systems.map((x) => [x, []]));
    for (let round = 0; round < o.rounds; round++) {
      for (const system of round % 2 === 0 ? o.systems : [...o.systems].reverse()) {
        if (system === 'acd') await readyAllAgents(token);
        perSystem.get(system)?.push(await runLoad(bench, system, rate, callsFor(rate), talkFor(rate), true));
      }
    }
    for (const system of o.systems) results.push(mergeRounds(perSystem.get(system) ?? []));
  }

  // Overload: one run per system at a rate the machine cannot carry with a CPU hog beside it (see OVERLOAD above).
  const overloaded: OverloadRun[] = [];
  if (o.overload > 0) {
    for (const system of o.systems) {
      if (system === 'acd') await readyAllAgents(token);
      const loadBefore = loadavg()[0] ?? 0;
      const hog = startHog();
      log(`overload: ${system} at ${o.overload} calls/s with ${hog.length} busy loops beside it (1-min load before ${loadBefore.toFixed(1)})`);
      try {
        const r = await runLoad(bench, system, o.overload, callsFor(o.overload), talkFor(o.overload), true);
        overloaded.push({ ...r, hogThreads: hog.length, loadBefore });
      } finally {
        for (const p of hog) p.kill('SIGKILL');
      }
    }
  }

  const rateRatios = ratios(results, o.rates);
  const lines = callsReport(results, rateRatios, { cores: cpus().length, totalS: (Date.now() - t0) / 1000, runDir });
  if (overloaded.length) lines.push(...overloadReport(overloaded));
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = { ...callsSummary(results, rateRatios, { recording: o.record, seatProcesses: o.seatProcesses, rounds: o.rounds }), overload: overloaded.map(overloadFigures) };
  await stack.cleanup();
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

function run(): void {
  let stack: BenchStack | undefined;
  const fail = async (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? err}`);
    await stack?.cleanup();
    process.exit(1);
  };
  try {
    const o = options();
    const runId = `bench_${Date.now()}`;
    stack = new BenchStack(runId, benchEnv(runId, o));
    stack.cleanUpOnSignals();
    main(stack, join(root, '.run', runId), o).then(() => process.exit(0), fail);
  } catch (err) {
    void fail(err);
  }
}

run();
