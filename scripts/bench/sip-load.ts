/**
 * The SIP load runs the call benches share (bench:calls, bench:scale): one bench stack (Asterisk instance `bench`, the
 * worker and the gateway from their dist, N seat endpoints answered by SIPp, agents logged in and ready), and one load
 * run: a SIPp caller offering calls at a rate to a list of DIDs, joined with the seats' logs into INVITE (caller) →
 * 200 OK (seat) latencies, with the CPU of each process over the offering window. How and why is in calls.ts's header.
 *
 * PORTS: Asterisk instance `bench` on SIP 5360, ARI 8388, AMI 5239, RTP from CTI_RTP_START (44000 unless a bench sets
 * another range); trunks 127.0.0.31/.32:5270 (callers send from 127.0.0.31:5270, media port 46000); one seat SIPp on
 * 127.0.0.1:18200 answers for every seat (or one per seat on 18201… with seatProcesses 27, media 46110…); partners
 * 18300+; the gateway's API on 8280. None of these is used by the demo or by the e2e slots 0–9
 * (test/support/e2e.env.ts). The worker and the gateway use schema and Redis prefix bench_<time> (dropped afterwards).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { api } from '../../test/support/api.js';
import { waitFor } from '../../test/support/processes.js';
import { LogGrowthCounter, TICKS_PER_S, activeChannels, ariQueueStats, cpuSnapshot, gatewayCounts, pidFromFile, readTimes, settle, sippCount, type AsteriskCli } from './measure.js';
import { seatOf } from './skill-groups.js';
import { BenchStack, log, root, sleep, type BenchEnv } from './stack.js';
import { latencyFigures, type RunResult, type System } from './stats.js';

export const INSTANCE = 'bench';
const SIP_TARGET = '127.0.0.1:5360';
const TRUNK_IP = '127.0.0.31';
const TRUNK_PORT = 5270;
const SEAT_BASE = 18200;
export const API = 'http://127.0.0.1:8280';

/** How one bench stack is set up. */
export interface StackOptions {
  /** Seat endpoints (seat-01 …) and agents (a01 …, agent n at seat n). */
  seats: number;
  /** One SIPp answers for every seat (1), or one SIPp per seat (27, only with 27 seats). */
  seatProcesses: number;
  /** The skills of agent n (1-based). */
  agentSkills: (n: number) => Record<string, number>;
  /** BENCH_RECORD=1: both systems record every answered call. */
  record: boolean;
  /** BENCH_PROFILE=1: the gateway and the worker write V8 CPU profiles into the run's folder. */
  profile: boolean;
  logLevel: string;
  /** CTI_* settings of this bench over the shared ones (an RTP range, an ACD config file, …). */
  env?: Record<string, string>;
  /** Milliseconds per unit of the talk digits of a caller number (bench-seat.xml; default 1, the soak's 100). */
  talkUnitMs?: number;
  /** Extra node options of the gateway and the worker (a preloaded probe, say). */
  nodeOptions?: string[];
  /** Runs once Asterisk is up, before the services start (app_queue's skill queues, say). */
  afterAsterisk?: (cli: AsteriskCli, etcDir: string) => void;
}

/** The environment of the gateway, the worker and Asterisk: the bench's ports (see PORTS) and routing only. */
export function benchEnv(runId: string, o: StackOptions): BenchEnv {
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
    CTI_SEATS: String(o.seats),
    ...(o.seatProcesses === 1 && { CTI_SEAT_CONTACT: `sip:seat-{n}@127.0.0.1:${SEAT_BASE}` }),
    CTI_SEAT_BASE_PORT: String(SEAT_BASE),
    CTI_PARTNER_BASE_PORT: '18300',
    CTI_RTP_START: '44000',
    CTI_RTP_END: '45999',
    CTI_RING_TIMEOUT_S: '15',
    CTI_WRAP_UP_S: '0',
    // Nothing but routing while callers wait: no announcements, no callback offers, no overflow delay.
    CTI_MANDARIN_OVERFLOW_S: '0',
    CTI_ANNOUNCE_INTERVAL_S: '0',
    // The benches measure routing, as app_queue has no language prompt: callers are queued at once.
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
    ...o.env,
  };
}

/** The running stack of one bench, as its load runs need it. */
export interface Bench {
  stack: BenchStack;
  runDir: string;
  cli: AsteriskCli;
  gateway: ChildProcess;
  worker: ChildProcess;
  seats: ChildProcess[];
  /** A supervisor token for the gateway's API. */
  token: string;
  agentIds: string[];
  /** Asterisk log lines "HTTP session count exceeded" since the previous run. */
  httpRefused: LogGrowthCounter;
  /** The next run's two-digit tag (10, 11, …), the caller numbers' run digits. */
  nextTag: () => string;
}

/** CPU ticks of Asterisk, the gateway, the worker, the seat SIPp(s) and the caller SIPp (when given). */
export function cpuOf(b: Bench, caller?: ChildProcess): Record<string, number> {
  return cpuSnapshot({
    asterisk: [pidFromFile(join(root, '.run', `asterisk-${INSTANCE}.pid`))],
    gateway: [b.gateway.pid],
    worker: [b.worker.pid],
    seats: b.seats.map((p) => p.pid),
    caller: [caller?.pid],
  });
}

/** One load run: `calls` calls at `rate` calls/s, spread over `dids` in turn, each talking `talkMs` once a seat answers. */
export interface Load {
  system: System;
  dids: readonly string[];
  rate: number;
  calls: number;
  talkMs: number;
  /** A warm-up run is logged as such; the benches leave it out of their figures. */
  measured: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// one load run

export async function runLoad(b: Bench, load: Load): Promise<RunResult> {
  const { system, rate, calls, talkMs, measured } = load;
  const tag = b.nextTag();
  const talk = String(Math.min(9999, talkMs)).padStart(4, '0');
  const prefix = `138${tag}${talk}`;
  const name = `${measured ? '' : 'warmup-'}${system}-${rate}cps`;
  const callerLog = join(b.runDir, `caller-${tag}-${name}.log`);
  // The caller's DIDs, one per call in turn (SIPp injection file: field0 of the next line for each new call).
  const didFile = join(b.runDir, `caller-${tag}-dids.csv`);
  writeFileSync(didFile, `SEQUENTIAL\n${load.dids.map((d) => `${d};`).join('\n')}\n`);
  const args = [
    SIP_TARGET, '-sf', join(root, 'test/sipp/bench-caller.xml'), '-inf', didFile,
    '-i', TRUNK_IP, '-p', String(TRUNK_PORT), '-mp', '46000', '-key', 'run', tag, '-key', 'talk', talk,
    '-m', String(calls), '-r', String(rate), '-rp', '1000', '-l', '5000', '-aa', '-nostdin',
    '-trace_logs', '-log_file', callerLog, '-trace_err', '-error_file', callerLog.replace(/\.log$/, '.err'),
    '-recv_timeout', '30000', '-timeout', String(Math.ceil(calls / rate + talkMs / 1000) + 60),
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
export function build(): void {
  log('building (tsc -b)');
  const b = spawnSync('npx', ['tsc', '-b'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (b.status !== 0) {
    // tsc emits despite type errors; bench what was emitted, but say so.
    const errors = `${b.stdout}${b.stderr}`.split('\n').filter((l) => l.includes('error TS'));
    if (!existsSync(join(root, 'services/gateway/dist/main.js'))) throw new Error(`tsc -b failed and emitted nothing:\n${errors.join('\n')}`);
    log(`WARNING: tsc -b reported ${errors.length} type errors (benching the emitted JavaScript anyway), first: ${errors[0] ?? ''}`);
  }
}

/** Refuses to start where a bench cannot run (not root, no SIPp). */
export function checkHost(): void {
  if (process.getuid?.() !== 0) throw new Error('run as root (Asterisk runs from a chroot), like npm test');
  if (spawnSync('sipp', ['-v']).error) throw new Error('sipp not found (scripts/provision.sh installs it)');
}

/** Starts Asterisk, a fresh schema with the agents, the worker, the gateway and the seat SIPp(s); agents logged in and ready. */
export async function startStack(stack: BenchStack, runDir: string, o: StackOptions): Promise<Bench> {
  const { env, runId } = stack;
  // The workspace packages load from their dist (node resolves '@cti/db' to packages/db/dist), built just before.
  const { AgentRepository, TokenRepository, createDb, migrate } = await import('@cti/db');

  log(`starting Asterisk instance ${INSTANCE} with ${o.seats} seats`);
  stack.startAsterisk(INSTANCE);
  // Recording is the same work whoever routes the call: by default neither side records (the figures are routing);
  // BENCH_RECORD=1 makes both record every answered call (the gateway's bridge recording, MixMonitor on app_queue's).
  const cli: AsteriskCli = (command) => stack.asterisk('cli', INSTANCE, command);
  const astLog = stack.asterisk('logdir', INSTANCE).trim();
  env.CTI_RECORDINGS_DIR = `${astLog.replace(/\/log$/, '')}/spool/recording`;
  env.CTI_RECORD_CALLS = o.record ? 'true' : 'false';
  cli(`dialplan set global CTI_BENCH_RECORD ${o.record ? 1 : 0}`);
  env.CTI_QUEUE_LOG_FILE = `${astLog}/queue_log`;
  o.afterAsterisk?.(cli, `${astLog.replace(/\/log$/, '')}/etc`);

  stack.schemaWillExist();
  await migrate(env.CTI_DATABASE_URL, runId, join(root, 'migrations'));
  const db = createDb(env.CTI_DATABASE_URL, runId, 2);
  const agents = new AgentRepository(db);
  const agentIds: string[] = [];
  for (let n = 1; n <= o.seats; n++) {
    const id = `a${String(n).padStart(2, '0')}`;
    await agents.upsert({ id, name: `坐席 ${n}`, skills: o.agentSkills(n) });
    agentIds.push(id);
  }
  const token = await new TokenRepository(db).create('supervisor', 'bench-calls', null);
  await db.destroy();

  // BENCH_PROFILE=1: the gateway and the worker write V8 CPU profiles (.cpuprofile) into the run's folder when they stop.
  const profile = (name: string) => [...(o.nodeOptions ?? []), ...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${runDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [])];
  const worker = stack.startService([...profile('worker'), 'services/worker/dist/main.js'], join(runDir, 'worker.log'));
  const gateway = stack.startService([...profile('gateway'), 'services/gateway/dist/main.js'], join(runDir, 'gateway.log'));
  await waitFor('gateway healthy', async () => (await fetch(`${API}/healthz`)).status === 200, 60_000);

  // One SIPp answers for every seat endpoint, or one per seat with seatProcesses 27 (see calls.ts, SEATS).
  const seatArgs = (port: number, media: number, logName: string) => [
    '-sf', join(root, 'test/sipp/bench-seat.xml'), '-i', '127.0.0.1', '-p', String(port), '-mp', String(media), '-l', String(Math.max(1000, 3 * o.seats)), '-aa', '-nostdin',
    '-set', 'talkunit', String(o.talkUnitMs ?? 1),
    '-trace_logs', '-log_file', join(runDir, `${logName}.log`),
  ];
  const seats =
    o.seatProcesses === 1
      ? [stack.start('sipp', seatArgs(SEAT_BASE, 46100, 'seat-00'), join(runDir, 'seat-00.out'))]
      : Array.from({ length: o.seats }, (_, i) => {
          const nn = String(i + 1).padStart(2, '0');
          return stack.start('sipp', seatArgs(SEAT_BASE + i + 1, 46100 + (i + 1) * 10, `seat-${nn}`), join(runDir, `seat-${nn}.out`));
        });
  await sleep(500);
  for (const p of seats) if (p.exitCode !== null) throw new Error(`a seat SIPp exited at start (${p.exitCode}); see ${runDir}/seat-*.out`);

  const supervisor = { apiUrl: API, supervisorToken: token };
  for (const [i, id] of agentIds.entries()) {
    const login = await api(supervisor, 'POST', `/api/v1/agents/${id}/login`, { seat: seatOf(i + 1) });
    if (login.status !== 200) throw new Error(`login ${id}: ${login.status} ${JSON.stringify(login.body)}`);
    const ready = await api(supervisor, 'POST', `/api/v1/agents/${id}/ready`);
    if (ready.status !== 200) throw new Error(`ready ${id}: ${ready.status} ${JSON.stringify(ready.body)}`);
  }
  let tag = 10;
  return {
    stack,
    runDir,
    cli,
    gateway,
    worker,
    seats,
    token,
    agentIds,
    httpRefused: new LogGrowthCounter(join(root, '.run', `asterisk-${INSTANCE}.log`), /HTTP session count exceeded/g),
    nextTag: () => String(tag++).padStart(2, '0'),
  };
}

/** Agents a previous run left paused (a seat that stopped answering qualify under load, say) are made ready again. */
export async function readyAllAgents(b: Bench): Promise<void> {
  const supervisor = { apiUrl: API, supervisorToken: b.token };
  const list = await api(supervisor, 'GET', '/api/v1/agents');
  const rows: Array<{ id?: string; agentId?: string; state?: string; live?: { state?: string } | null }> = Array.isArray(list.body) ? list.body : (list.body?.items ?? list.body?.agents ?? []);
  for (const a of rows) {
    const id = a.agentId ?? a.id;
    const state = a.state ?? a.live?.state;
    if (id && state && state !== 'ready') {
      log(`agent ${id} is ${state} before the ACD run; setting ready`);
      await api(supervisor, 'POST', `/api/v1/agents/${id}/ready`);
    }
  }
}

/**
 * Waits (at most `maxMs`) until the 1-min load average is at most `limit`, so that a run is not judged by the load
 * the previous run left behind (the average decays over about a minute). Returns the load it started with.
 */
export async function awaitLoadAtMost(limit: number, maxMs = 120_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const load = loadavg()[0] ?? 0;
    if (load <= limit) return load;
    if (Date.now() - started > maxMs) {
      log(`the 1-min load stayed at ${load.toFixed(1)} (above ${limit}) for ${maxMs / 1000} s; starting anyway`);
      return load;
    }
    await sleep(2_000);
  }
}

/**
 * Runs a bench that needs one stack: reads its options, makes the stack (run id bench_<time>, folder .run/<run id>),
 * stops everything it started on a signal or an error, and exits 0 when `main` is done, 1 when it failed.
 */
export function runWithStack<O>(readOptions: () => O, stackOptions: (o: O, runDir: string) => StackOptions, main: (stack: BenchStack, runDir: string, o: O) => Promise<void>): void {
  let stack: BenchStack | undefined;
  const fail = async (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? err}`);
    await stack?.cleanup();
    process.exit(1);
  };
  try {
    const o = readOptions();
    const runId = `bench_${Date.now()}`;
    const runDir = join(root, '.run', runId);
    stack = new BenchStack(runId, benchEnv(runId, stackOptions(o, runDir)));
    stack.cleanUpOnSignals();
    main(stack, runDir, o).then(() => process.exit(0), fail);
  } catch (err) {
    void fail(err);
  }
}

/** One busy loop per core, each its own process, until killed. */
export function startHog(): ChildProcess[] {
  return cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}
