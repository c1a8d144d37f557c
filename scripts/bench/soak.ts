/**
 * Soak (issue 17, goal 3): a long day in miniature. Our ACD at SOAK_SEATS (default 1,000) seats takes steady real SIPp
 * calls with minutes-long talk for SOAK_MINUTES (default 30), while staff open tickets, KPI pages refresh and the
 * wallboard is open; every SOAK_SAMPLE_S (default 10) s it samples the gateway's and the worker's RSS and event-loop
 * delay, Redis memory and PostgreSQL row counts. Run (as root): npm run soak   — the last line is one JSON object.
 *
 * LOAD (defaults: a 12345 centre's busy hour at 1,000 seats)
 *   SOAK_RATE calls/s (default 3) to the 12345 line, each talking SOAK_TALK_S (default 90) s once a seat answers:
 *   about rate × talk = 270 calls up at once. A ticket every SOAK_TICKET_EVERY_S (default 5) s through the API;
 *   the live KPI pages (answer rate, lines, agents, the wallboard snapshot) read every sample; the wallboard's event
 *   stream held open for the whole run (a fresh ticket whenever the stream ends) and its trend charts read every 30 s.
 *   The seats answer at once (bench-seat.xml, talk digits in units of 100 ms here, -set talkunit 100) and hang up
 *   after the talk; the caller then hears the rating prompt (on here, unlike the call benches) until it times out.
 *
 * WHAT IS MEASURED
 *   - RSS of the gateway and the worker (/proc), and their event-loop delay (scripts/bench/loop-probe.mjs, preloaded
 *     with node --import into both; the whole-run histogram starts after the warm-up);
 *   - Redis used_memory and the run's key count; row counts of the run's schema (pg_stat_user_tables, exact counts of
 *     calls and tickets at the end);
 *   - RSS growth after the warm-up (the first 5 minutes, or the first third of a shorter soak): the median RSS of the
 *     last minute over the median of the minute after the warm-up, in %, per service;
 *   - loop lag p99: the gateway's whole-run p99 after the warm-up (the worker's is printed too);
 *   - every call recorded once: the calls SIPp offered (its INVITE log) against the call rows of their numbers, which
 *     must be one each (missing and duplicated are printed);
 *   - leftover channels: Asterisk's active channels once the callers are done and the last talk is over (0 expected).
 *   A soak whose 1-min load average rose above the core count at some sample is printed as INVALID for the goals.
 *   With PostgreSQL's autovacuum off (as on this machine's CI database) the soak analyzes its schema every minute, as
 *   autovacuum would in production: planner row counts from the first minutes made the KPI pages' ticket facts slow.
 *
 * GOALS (printed): RSS growth ≤ 10% in both services, loop lag p99 ≤ 20 ms, every call recorded once, nothing left
 *   in Asterisk. Samples go to .run/bench_<time>/soak-samples.jsonl as they are taken.
 */
import { readFileSync, existsSync, mkdirSync, appendFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { api } from '../../test/support/api.js';
import { waitFor } from '../../test/support/processes.js';
import { activeChannels, readTimes } from './measure.js';
import { API, type StackOptions, build, checkHost, runWithStack, startStack } from './sip-load.js';
import { type BenchStack, log, root, sleep } from './stack.js';
import { median } from './stats.js';

interface Options {
  minutes: number;
  seats: number;
  rate: number;
  talkS: number;
  ticketEveryS: number;
  sampleS: number;
  build: boolean;
}

function options(): Options {
  const num = (name: string, d: number, min: number, max: number) => {
    const v = Number(process.env[name] ?? d);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name} must be a number in ${min}…${max}, not ${process.env[name]}`);
    return v;
  };
  return {
    minutes: num('SOAK_MINUTES', 30, 1, 24 * 60),
    seats: num('SOAK_SEATS', 1000, 1, 2000),
    rate: num('SOAK_RATE', 3, 0.1, 100),
    talkS: num('SOAK_TALK_S', 90, 0.1, 999.9),
    ticketEveryS: num('SOAK_TICKET_EVERY_S', 5, 0.5, 3600),
    sampleS: num('SOAK_SAMPLE_S', 10, 1, 600),
    build: process.env.BENCH_SKIP_BUILD !== '1',
  };
}

/** One line of scripts/bench/loop-probe.mjs. */
interface ProbeLine {
  t: number;
  rss: number;
  heapUsed: number;
  window: { p50: number; p99: number; max: number };
  total: { p99: number; max: number; count: number };
}

function lastProbe(dir: string, service: string): ProbeLine | undefined {
  const file = join(dir, `probe-${service}.jsonl`);
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1] ?? '') as ProbeLine;
  } catch {
    return undefined;
  }
}

/** Resident set size of a pid in bytes (/proc/<pid>/status VmRSS), 0 when it is gone. */
function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface Sample {
  t: number;
  minute: number;
  rss: { gateway: number; worker: number };
  loopP99: { gateway?: number; worker?: number };
  loopMax: { gateway?: number; worker?: number };
  redisUsedMemory: number;
  redisKeys: number;
  rows: Record<string, number>;
  channels: number;
  load: number;
  kpiMs: number;
  wallboardEvents: number;
}

/** The wallboard's event stream, held open like the big screen, reopened with a fresh ticket when it ends. */
class WallboardWatcher {
  events = 0;
  reopened = 0;
  private stopped = false;
  private abort = new AbortController();

  constructor(private readonly token: string) {}

  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const t = await api({ apiUrl: API, supervisorToken: this.token }, 'POST', '/api/v1/wallboard/tickets');
        if (t.status !== 200) throw new Error(`wallboard ticket: ${t.status}`);
        const ticket = encodeURIComponent(t.body.ticket as string);
        const res = await fetch(`${API}/wallboard/events?ticket=${ticket}`, { signal: this.abort.signal });
        if (!res.ok || !res.body) throw new Error(`wallboard events: ${res.status}`);
        const decoder = new TextDecoder();
        for await (const chunk of res.body) this.events += (decoder.decode(chunk as Uint8Array, { stream: true }).match(/^data:/gm) ?? []).length;
      } catch (err) {
        if (this.stopped) return;
        log(`wallboard stream: ${(err as Error).message}; reopening`);
      }
      this.reopened++;
      await sleep(1_000);
    }
  }

  /** The trend charts' data, as the page reads it (a ticket of its own). */
  async trends(): Promise<number> {
    const t = await api({ apiUrl: API, supervisorToken: this.token }, 'POST', '/api/v1/wallboard/tickets');
    const r = await fetch(`${API}/wallboard/trends?ticket=${encodeURIComponent(t.body.ticket as string)}`);
    return r.status;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }
}

const CATEGORIES = ['complaint', 'consultation', 'help', 'suggestion'] as const;

async function main(stack: BenchStack, runDir: string, o: Options): Promise<void> {
  const t0 = Date.now();
  checkHost();
  mkdirSync(runDir, { recursive: true });
  if (o.build) build();
  const talkUnits = Math.round(o.talkS * 10);
  const stackOptions = soakStack(runDir, o);
  const bench = await startStack(stack, runDir, stackOptions);
  log(`${o.seats} seats up in ${((Date.now() - t0) / 1000).toFixed(1)} s; logs in ${runDir}`);
  const supervisor = { apiUrl: API, supervisorToken: bench.token };
  const db = new pg.Client({ connectionString: stack.env.CTI_DATABASE_URL });
  await db.connect();
  const redis = new Redis(stack.env.CTI_REDIS_URL);
  // A day's tables grow from nothing here: with autovacuum off (this machine's CI PostgreSQL turns it off) the
  // planner keeps the row counts of the first minutes, and the KPI pages' ticket facts went from 20 ms to 2–4 s by
  // 2,900 tickets (a per-ticket scan of all calls). Production keeps autovacuum on; the soak does its analyze.
  const autovacuum = (await db.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]?.autovacuum === 'on';
  if (!autovacuum) log("PostgreSQL's autovacuum is off: the soak analyzes its schema every minute, as autovacuum would");
  let analyzedAt = Date.now();
  const wallboard = new WallboardWatcher(bench.token);
  wallboard.start();

  const calls = Math.round(o.rate * o.minutes * 60);
  const tag = bench.nextTag();
  const prefix = `138${tag}${String(talkUnits).padStart(4, '0')}`;
  const callerLog = join(runDir, 'caller-soak.log');
  const didFile = join(runDir, 'caller-soak-dids.csv');
  appendFileSync(didFile, 'SEQUENTIAL\n12345;\n');
  const caller = stack.start(
    'sipp',
    ['127.0.0.1:5360', '-sf', join(root, 'test/sipp/bench-caller.xml'), '-inf', didFile, '-i', '127.0.0.31', '-p', '5270', '-mp', '46000',
      '-key', 'run', tag, '-key', 'talk', String(talkUnits).padStart(4, '0'), '-m', String(calls), '-r', String(Math.round(o.rate * 1000)), '-rp', '1000000',
      '-l', String(Math.max(2000, Math.ceil(o.rate * o.talkS * 3))), '-aa', '-nostdin', '-trace_logs', '-log_file', callerLog,
      '-trace_err', '-error_file', join(runDir, 'caller-soak.err'), '-recv_timeout', String(Math.round(o.talkS * 1000 + 120_000)), '-timeout', String(o.minutes * 60 + o.talkS + 300)],
    join(runDir, 'caller-soak.out'),
  );
  log(`soak: ${calls} calls at ${o.rate}/s talking ${o.talkS} s (about ${Math.round(o.rate * o.talkS)} up at once) for ${o.minutes} min`);

  const samplesFile = join(runDir, 'soak-samples.jsonl');
  const samples: Sample[] = [];
  const warmupMin = o.minutes >= 15 ? 5 : o.minutes / 3;
  let warmedUp = false;
  let tickets = 0;
  let ticketsFailed = 0;
  const ticketTimer = setInterval(() => {
    const n = tickets + ticketsFailed;
    void api(supervisor, 'POST', '/api/v1/tickets', {
      category: CATEGORIES[n % CATEGORIES.length],
      callerNumber: `139${String(n).padStart(8, '0')}`,
      summary: `长测工单 ${n}`,
      content: '长时间运行测试：来电人反映的问题与诉求',
      elements: { who: '来电人', where: '康定市', what: '长测' },
    }).then(
      (r) => (r.status === 200 || r.status === 201 ? tickets++ : (ticketsFailed++, log(`ticket ${n}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`))),
      () => ticketsFailed++,
    );
  }, o.ticketEveryS * 1000);
  let trendsFailed = 0;
  const trendTimer = setInterval(() => void wallboard.trends().then((s) => s === 200 || trendsFailed++, () => trendsFailed++), 30_000);

  const started = Date.now();
  const end = started + o.minutes * 60_000;
  while (Date.now() < end) {
    await sleep(o.sampleS * 1000);
    const minute = (Date.now() - started) / 60_000;
    if (!warmedUp && minute >= warmupMin) {
      // The probes' whole-run histograms start afresh: start-up (logging 1,000 agents in) is not the day.
      bench.gateway.kill('SIGUSR2');
      bench.worker.kill('SIGUSR2');
      warmedUp = true;
      log(`warm-up over at ${minute.toFixed(1)} min`);
    }
    if (!autovacuum && Date.now() - analyzedAt >= 60_000) {
      for (const r of (await db.query<{ t: string }>("SELECT format('%I.%I', schemaname, relname) AS t FROM pg_stat_user_tables WHERE schemaname = $1", [stack.runId])).rows) await db.query(`ANALYZE ${r.t}`);
      analyzedAt = Date.now();
    }
    const k0 = Date.now();
    const kpi = await Promise.all(['/api/v1/kpi/answer-rate/live', '/api/v1/kpi/lines', '/api/v1/kpi/agents', '/api/v1/wallboard/snapshot'].map((u) => api(supervisor, 'GET', u)));
    const kpiMs = Date.now() - k0;
    for (const [i, r] of kpi.entries()) if (r.status !== 200) log(`KPI read ${i}: ${r.status}`);
    const g = lastProbe(runDir, 'gateway');
    const w = lastProbe(runDir, 'worker');
    const rows = Object.fromEntries(
      (await db.query<{ relname: string; n: string }>('SELECT relname, n_live_tup AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND n_live_tup > 0', [stack.runId])).rows.map((r) => [r.relname, Number(r.n)]),
    );
    const info = await redis.info('memory');
    const sample: Sample = {
      t: Date.now(),
      minute: Math.round(minute * 100) / 100,
      rss: { gateway: rssOf(bench.gateway.pid), worker: rssOf(bench.worker.pid) },
      loopP99: { gateway: g?.window.p99, worker: w?.window.p99 },
      loopMax: { gateway: g?.window.max, worker: w?.window.max },
      redisUsedMemory: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0),
      redisKeys: await countKeys(redis, stack.runId),
      rows,
      channels: activeChannels(bench.cli),
      load: loadavg()[0] ?? 0,
      kpiMs,
      wallboardEvents: wallboard.events,
    };
    samples.push(sample);
    appendFileSync(samplesFile, `${JSON.stringify(sample)}\n`);
    log(
      `${sample.minute.toFixed(1)} min: rss gw ${(sample.rss.gateway / 2 ** 20).toFixed(0)} MB worker ${(sample.rss.worker / 2 ** 20).toFixed(0)} MB; loop p99 gw ${sample.loopP99.gateway ?? '—'} worker ${sample.loopP99.worker ?? '—'} ms; ` +
        `channels ${sample.channels}; calls rows ${rows.calls ?? 0}, tickets ${rows.tickets ?? 0}; redis ${(sample.redisUsedMemory / 2 ** 20).toFixed(1)} MB ${sample.redisKeys} keys; KPI reads ${kpiMs} ms; load ${sample.load.toFixed(1)}`,
    );
    if (caller.exitCode !== null && Date.now() < end - 60_000) log(`the caller SIPp ended early (${caller.exitCode}); see ${runDir}/caller-soak.out`);
  }
  clearInterval(ticketTimer);
  clearInterval(trendTimer);

  // The callers are done offering; the last calls talk on for up to talk time. Then nothing may be left.
  log('offering over; waiting for the last calls to end');
  await new Promise<void>((resolve) => (caller.exitCode !== null ? resolve() : caller.once('exit', () => resolve())));
  await waitFor('Asterisk channels to drain', () => activeChannels(bench.cli) === 0, 60_000).catch(() => log('channels did not drain in 60 s'));
  const leftover = activeChannels(bench.cli);
  const probeG = lastProbe(runDir, 'gateway');
  const probeW = lastProbe(runDir, 'worker');
  wallboard.stop();

  // Every offered call is recorded once: the calls SIPp offered, joined on their numbers to the call rows.
  const invites = new Map<string, number>();
  readTimes(callerLog, 'INVITE', invites, prefix);
  const recordedCount = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${stack.runId}".calls WHERE caller_number LIKE $1`, [`${prefix}%`])).rows[0]?.n ?? 0);
  await waitFor('the worker to record every call', async () => (await recordedCount()) >= invites.size, 120_000).catch(() => log('not every call was recorded within 2 min'));
  const byNumber = await db.query<{ caller_number: string; n: string }>(`SELECT caller_number, count(*) AS n FROM "${stack.runId}".calls WHERE caller_number LIKE $1 GROUP BY caller_number`, [`${prefix}%`]);
  const recorded = new Map(byNumber.rows.map((r) => [r.caller_number, Number(r.n)]));
  const missing = [...invites.keys()].filter((n) => !recorded.has(n)).length;
  const duplicated = [...recorded.values()].filter((n) => n > 1).length;
  const outcomes = Object.fromEntries(
    (await db.query<{ outcome: string; n: string }>(`SELECT outcome, count(*) AS n FROM "${stack.runId}".calls WHERE caller_number LIKE $1 GROUP BY outcome`, [`${prefix}%`])).rows.map((r) => [r.outcome, Number(r.n)]),
  );
  const ticketRows = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${stack.runId}".tickets`)).rows[0]?.n ?? 0);
  await db.end();
  await redis.quit();

  // RSS growth: the median of the last minute over the median of the minute after the warm-up.
  const perMinute = Math.max(1, Math.round(60 / o.sampleS));
  const after = samples.filter((s) => s.minute >= warmupMin).slice(0, perMinute);
  const last = samples.slice(-perMinute);
  const growth = (k: 'gateway' | 'worker') => {
    const a = median(after.map((s) => s.rss[k]));
    const b = median(last.map((s) => s.rss[k]));
    return a > 0 ? Math.round(((b - a) / a) * 1000) / 10 : NaN;
  };
  const maxLoad = Math.max(...samples.map((s) => s.load));
  const valid = maxLoad <= cpus().length;
  const result = {
    minutes: o.minutes,
    seats: o.seats,
    rate_cps: o.rate,
    talk_s: o.talkS,
    calls: invites.size,
    recorded: recorded.size,
    missing,
    duplicated,
    outcomes,
    tickets_opened: tickets,
    tickets_failed: ticketsFailed,
    ticket_rows: ticketRows,
    redis_keys_end: samples.at(-1)?.redisKeys ?? 0,
    redis_mb_end: Math.round(((samples.at(-1)?.redisUsedMemory ?? 0) / 2 ** 20) * 10) / 10,
    rss_growth_pct: { gateway: growth('gateway'), worker: growth('worker') },
    rss_mb_end: { gateway: Math.round((last.at(-1)?.rss.gateway ?? 0) / 2 ** 20), worker: Math.round((last.at(-1)?.rss.worker ?? 0) / 2 ** 20) },
    loop_lag_p99_ms: probeG?.total.p99 ?? null,
    loop_lag_max_ms: probeG?.total.max ?? null,
    worker_loop_lag_p99_ms: probeW?.total.p99 ?? null,
    peak_channels: Math.max(...samples.map((s) => s.channels)),
    wallboard_events: wallboard.events,
    wallboard_reopened: wallboard.reopened,
    trend_reads_failed: trendsFailed,
    max_load: Math.round(maxLoad * 10) / 10,
    kpi_reads_ms_end: samples.at(-1)?.kpiMs ?? null,
    autovacuum,
    valid,
    leftover_channels: leftover,
  };
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const lines = [
    '',
    `soak: ${o.minutes} min at ${o.seats} seats, ${o.rate} calls/s talking ${o.talkS} s (peak ${result.peak_channels} channels in Asterisk), ${tickets} tickets opened by hand (${ticketRows} ticket rows); ${cpus().length} cores, 1-min load up to ${result.max_load}${valid ? '' : ' — INVALID: load above the cores'}`,
    `  RSS growth after the first ${warmupMin.toFixed(1)} min ≤ 10% .. gateway ${verdict(result.rss_growth_pct.gateway <= 10)} (${result.rss_growth_pct.gateway}%, ${result.rss_mb_end.gateway} MB at the end), worker ${verdict(result.rss_growth_pct.worker <= 10)} (${result.rss_growth_pct.worker}%, ${result.rss_mb_end.worker} MB)`,
    `  event-loop lag p99 ≤ 20 ms ........ gateway ${verdict((result.loop_lag_p99_ms ?? Infinity) <= 20)} (${result.loop_lag_p99_ms} ms, max ${result.loop_lag_max_ms}); worker ${result.worker_loop_lag_p99_ms} ms`,
    `  every call recorded once ........... ${verdict(missing === 0 && duplicated === 0)} (${recorded.size} of ${invites.size}; missing ${missing}, duplicated ${duplicated}; ${JSON.stringify(outcomes)})`,
    `  nothing left in Asterisk ........... ${verdict(leftover === 0)} (${leftover} channels)`,
    `  wallboard: ${wallboard.events} events (stream reopened ${wallboard.reopened}×), trend reads failed ${trendsFailed}; tickets failed ${ticketsFailed}`,
    // Call-record jobs stay in Redis for 24 h after they are stored (their job id is the duplicate guard), so the run's
    // keys grow with the calls of the day; what matters is that they grow by the calls, not beyond.
    `  Redis: ${result.redis_keys_end} keys of this run at the end (${(result.redis_keys_end / Math.max(1, invites.size)).toFixed(2)} per call), used_memory ${result.redis_mb_end} MB (whole server)`,
    `  samples in ${samplesFile}; total ${((Date.now() - t0) / 60_000).toFixed(1)} min`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await stack.cleanup();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function countKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

/** The soak's stack: Mandarin seats, minutes-long talk (units of 100 ms), the loop probe preloaded into both services. */
function soakStack(runDir: string, o: Options): StackOptions {
  return {
    seats: o.seats,
    seatProcesses: 1,
    agentSkills: () => ({ mandarin: 5 }),
    record: false,
    profile: false,
    logLevel: 'info',
    talkUnitMs: 100,
    nodeOptions: ['--import', new URL('./loop-probe.mjs', import.meta.url).href],
    // The caller's rating prompt after the agent hangs up is part of the day (the call benches turn it off).
    // SIPp's callers and seats send no RTP: without a longer media timeout Asterisk would end every call after
    // CTI_RTP_TIMEOUT_S (60 s) of silence, cutting the soak's talk short (the first soak found its calls ended at 60 s).
    env: { CTI_RTP_START: '42000', CTI_RTP_END: '45999', CTI_BENCH_PROBE_DIR: runDir, CTI_RATING_ENABLED: 'true', CTI_RTP_TIMEOUT_S: String(Math.ceil(o.talkS) + 120) },
  };
}

runWithStack(options, (o, runDir) => soakStack(runDir, o), main);
