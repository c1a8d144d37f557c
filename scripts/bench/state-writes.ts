/**
 * Gateway state persistence benchmark: what saving the live state costs Redis (bytes written per second) and the
 * gateway (the longest stretch a save holds the event loop), the old way (the whole state as one JSON string per
 * write) and the new way (GatewayStateStore: one hash entry per fact, only the changed entries written), in one run.
 *
 * The centre: BENCH_AGENTS (1,000) agents with the skill mix of the ACD bench, BENCH_CALLS (1,500) live calls — every
 * agent on a call and the rest waiting — under a steady churn of BENCH_RATE (100) new calls a second for BENCH_SECONDS
 * (20) of real time per way: calls arrive, wait, are offered to a seat (a leg), answered, talk, end; agents wrap up
 * and take the next; some callers give up waiting, a few seats do not answer. It drives the real AcdEngine, the real
 * CallRegistry and the real GatewayStateStore, saving after every change as main.ts does; the storage counts the
 * bytes (entry names and values) each write carries. When Redis answers (CTI_REDIS_URL, default the config's
 * redis://127.0.0.1:6379) the new way runs a third time through the real fenced Lua write under a prefix of its own,
 * and the state loaded back is compared with the gateway's.
 *
 * A run whose 1-minute load average exceeded the cores is printed as invalid. Run: npm run bench:state.
 * The last line printed is one JSON object with the figures.
 */
import { cpus, loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import { AcdEngine, createSeededRandom, defaultAcdConfig, type AcdConfig, type AgentProfile, type Clock, type Language } from '@cti/domain';
import type { CallSession } from '../../services/gateway/src/call/call-session.js';
import { CallRegistry } from '../../services/gateway/src/call/call.registry.js';
import type { CallbackJob } from '../../services/gateway/src/callback/outbound-callback.service.js';
import { RedisLeaderLease, leaseKeys } from '../../services/gateway/src/leadership/leader-lease.redis.js';
import { RedisGatewayStateStorage } from '../../services/gateway/src/state/gateway-state.redis.js';
import { GatewayStateStore, type GatewayState, type GatewayStateChange, type GatewayStateStorage } from '../../services/gateway/src/state/gateway-state.store.js';
import { nearestRank } from './stats.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1_000);
const CALLS = Number(process.env.BENCH_CALLS ?? 1_500);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
/** Seconds of churn before counting starts: the first write of a store is the whole state, not the steady cost. */
const WARM_S = 3;
const REDIS_URL = process.env.CTI_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The issue's budgets. */
const BUDGET = { bytesPerS: 1_000_000, stallMs: 5 };

// A short wrap-up so that 1,000 agents can carry 100 calls/s: each call holds its agent ~10 s (ring, talk, wrap-up).
const config: AcdConfig = { ...defaultAcdConfig, wrapUpSeconds: 2, lines: { '96345': { strategy: 'skill_sparing', requiredSkill: 'consumer' } } };

const log = (line: string) => console.log(line);
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => silent } as unknown as ConstructorParameters<typeof GatewayStateStore>[1];

/** The ACD bench's seat mix: mostly Mandarin, a fifth bilingual, some hotline specialists, a few backup helpers. */
function profile(i: number, rand: () => number): AgentProfile {
  const r = rand();
  const skills: Record<string, number> = r < 0.7 ? { mandarin: 5 } : r < 0.9 ? { mandarin: 5, tibetan: 7 } : { tibetan: 8 };
  if (rand() < 0.2) skills.consumer = 3;
  return { agentId: `agent-${i}`, seat: `seat-${i}`, skills, backup: rand() < 0.05 };
}

type SimEvent = { at: number; kind: 'answer' | 'no_answer' | 'end' | 'give_up' | 'ready'; callId: string; agentId?: string };

/**
 * A hotline under load in real time: the engine, the registry and the callback jobs as main.ts holds them, changed
 * every 10 ms by the calls due, with `onChange` (a save) after every tick that changed something.
 */
class Centre {
  readonly clock: Clock = { now: () => Date.now() };
  readonly acd = new AcdEngine(config, this.clock);
  readonly registry = new CallRegistry();
  private callbacks: CallbackJob[] = [];
  private readonly rand = createSeededRandom(7);
  /** Events by the 10 ms tick they are due in (no array of thousands re-filtered every tick: the bench's own garbage would time the collector, not the store). */
  private readonly events = new Map<number, SimEvent[]>();
  private lastTick = 0;
  private callNo = 0;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private arrived = 0;
  liveSamples: number[] = [];
  waitingSamples: number[] = [];

  constructor(private readonly onChange: () => void) {
    for (let i = 0; i < AGENTS; i++) {
      const p = profile(i, this.rand);
      this.acd.login(p);
      this.acd.ready(p.agentId);
    }
    for (let i = 0; i < 20; i++) this.callbacks.push(this.callbackJob());
    // Every agent on a call somewhere in its talk time, and the rest waiting: about a fifth of the agents are in
    // wrap-up at any time under this churn, so as many more callers wait as the steady state holds.
    for (let i = 0; i < CALLS + Math.round(AGENTS * 0.2); i++) this.arrive();
    const offers = this.route(false);
    for (const e of offers) this.answer(e, this.rand() * 12_000);
    this.lastTick = Math.floor(Date.now() / 10);
  }

  /** The state as main.ts's snapshot() takes it. */
  take = (): GatewayState => ({ version: 1, savedAt: Date.now(), acd: this.acd.snapshot(), calls: this.registry.snapshot(), callbacks: this.callbacks.slice() });

  start(): void {
    this.started = Date.now();
    this.arrived = 0;
    this.timer = setInterval(() => this.tick(), 10);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private at(ms: number, e: Omit<SimEvent, 'at'>): void {
    const at = Date.now() + ms;
    const tick = Math.floor(at / 10);
    const due = this.events.get(tick);
    if (due) due.push({ ...e, at });
    else this.events.set(tick, [{ ...e, at }]);
  }

  private tick(): void {
    const now = Date.now();
    const due = Math.floor(((now - this.started) / 1000) * RATE) - this.arrived;
    for (let i = 0; i < due; i++) this.arrive();
    this.arrived += Math.max(0, due);
    const tick = Math.floor(now / 10);
    for (; this.lastTick <= tick; this.lastTick++) {
      const due = this.events.get(this.lastTick);
      if (!due) continue;
      this.events.delete(this.lastTick);
      for (const e of due) this.handle(e);
    }
    // A callback job changes now and then (one a second): finished, and a new one queued.
    if (this.rand() < 0.01) this.callbacks = [...this.callbacks.slice(1), this.callbackJob()];
    this.route();
    this.liveSamples.push(this.registry.callIds().length);
    this.waitingSamples.push(this.acd.waitingCount());
    this.onChange();
  }

  private arrive(): void {
    const callId = `bench-${++this.callNo}.${this.callNo % 97}`;
    const language: Language = this.rand() < 0.8 ? 'mandarin' : 'tibetan';
    const did = this.rand() < 0.1 ? '96345' : '12345';
    const now = Date.now();
    const session: CallSession = { callId, trunk: 'primary', callerNumber: `139${String(this.callNo).padStart(8, '0')}`, did, language, phase: 'queued', arrivedAt: now, queuedAt: now, offers: 0, lastAnnouncedAt: now };
    this.registry.add(session);
    this.acd.enqueue({ callId, line: did, language, priority: this.rand() < 0.05 ? 1 : 0 });
    // Patience: the agents serve a little less than 100 calls/s, so the queue settles where a few callers give up.
    this.at(7_000 + this.rand() * 13_000, { kind: 'give_up', callId });
  }

  /** Offers the calls the ACD matched to their seats; the answers are scheduled, or returned (`schedule` false). */
  private route(schedule = true): SimEvent[] {
    const offers: SimEvent[] = [];
    for (const a of this.acd.assign()) {
      const s = this.registry.find(a.callId);
      if (!s) continue;
      const leg = this.registry.nextLegId(a.callId);
      this.registry.addLeg(leg, a.callId);
      Object.assign(s, { phase: 'ringing', agentId: a.agentId, seat: a.seat, agentChannelId: leg, offeredAt: Date.now(), offers: s.offers + 1 });
      const e = { kind: this.rand() < 0.01 ? 'no_answer' : 'answer', callId: a.callId, agentId: a.agentId } as const;
      if (schedule) this.at(300 + this.rand() * 1_200, e);
      else offers.push({ ...e, kind: 'answer', at: Date.now() });
    }
    return offers;
  }

  private answer(e: SimEvent, talkedMs = 0): void {
    const s = this.registry.find(e.callId);
    if (!s || !e.agentId) return;
    this.acd.connected(e.agentId, e.callId);
    Object.assign(s, { phase: 'connected', answeredAt: Date.now(), callerAnswered: true, bridgeId: `br-${e.callId}` });
    this.registry.noteAnswer(Date.now());
    this.at(Math.max(0, 4_000 + this.rand() * 7_000 - talkedMs), { kind: 'end', callId: e.callId, agentId: e.agentId });
  }

  private handle(e: SimEvent): void {
    const s = this.registry.find(e.callId);
    switch (e.kind) {
      case 'answer':
        return this.answer(e);
      case 'no_answer': {
        if (!s || !e.agentId) return;
        this.acd.ringNoAnswer(e.agentId, e.callId);
        if (s.agentChannelId) this.registry.removeLeg(s.agentChannelId);
        Object.assign(s, { phase: 'queued', agentId: undefined, seat: undefined, agentChannelId: undefined });
        if (this.acd.getAgent(e.agentId).state === 'paused') this.at(3_000, { kind: 'ready', callId: '', agentId: e.agentId });
        return;
      }
      case 'ready':
        if (e.agentId && this.acd.getAgent(e.agentId).state === 'paused') this.acd.ready(e.agentId);
        return;
      case 'end':
        if (!s || !e.agentId) return;
        this.acd.callEnded(e.agentId, e.callId);
        if (s.agentChannelId) this.registry.removeLeg(s.agentChannelId);
        this.registry.remove(e.callId);
        return;
      case 'give_up':
        if (!s || s.phase !== 'queued') return;
        this.acd.removeCall(e.callId);
        this.registry.remove(e.callId);
        return;
    }
  }

  private callbackJob(): CallbackJob {
    const n = ++this.callNo;
    return { acdCallId: `mc-${n}`, recordId: `rec-${n}`, kind: 'missed_call', linkedId: `mc-${n}`, taskId: `task-${n}`, callerNumber: `138${String(n).padStart(8, '0')}`, did: '12345', language: 'mandarin', requestedAt: Date.now(), phase: 'queued' };
  }
}

/** What one way of saving cost over the measured window. */
interface WayResult {
  writes: number;
  bytes: number;
  seconds: number;
  /** Every synchronous slice of every save (ms). */
  slices: number[];
  /** How long each take() (main.ts's snapshot: the engine's and the registry's copies) took, part of a save's first slice (ms). */
  takes: number[];
  live: number;
  waiting: number;
}

/** A write's round trip to Redis when none is used (both ways alike). */
const roundTrip = () => new Promise((r) => setTimeout(r, 1));

/** The way before this change: the whole state as one JSON string, paced as the old store paced it. */
function wholeSnapshotSaver(count: (bytes: number) => void, slice: (ms: number) => void) {
  let pending: (() => GatewayState) | undefined;
  let busy = false;
  const drain = async () => {
    while (pending) {
      const take = pending;
      pending = undefined;
      const t0 = performance.now();
      const json = JSON.stringify(take());
      const ms = performance.now() - t0;
      slice(ms);
      count(Buffer.byteLength(json));
      await roundTrip();
      if (pending) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(20, 4 * ms))));
    }
  };
  return {
    save(take: () => GatewayState) {
      pending = take;
      if (busy) return;
      busy = true;
      void drain().finally(() => (busy = false));
    },
  };
}

/** Bytes a change carries to Redis: entry names and values, and the names deleted. */
function changeBytes(c: GatewayStateChange): number {
  let n = 0;
  for (const [name, json] of c.set) n += name.length + Buffer.byteLength(json);
  for (const name of c.del) n += name.length;
  return n;
}

async function runWay(name: string, build: (count: (bytes: number) => void, slice: (ms: number) => void) => { save(take: () => GatewayState): void; done?: () => Promise<void> }, after?: (centre: Centre) => Promise<void>): Promise<WayResult> {
  let counting = false;
  let bytes = 0;
  let writes = 0;
  const slices: number[] = [];
  const takes: number[] = [];
  const saver = build(
    (b) => {
      if (!counting) return;
      bytes += b;
      writes++;
    },
    (ms) => void (counting && slices.push(ms)),
  );
  const take = () => {
    const t0 = performance.now();
    const state = centre.take();
    if (counting) takes.push(performance.now() - t0);
    return state;
  };
  const centre = new Centre(() => saver.save(take));
  centre.start();
  await new Promise((r) => setTimeout(r, WARM_S * 1000));
  counting = true;
  centre.liveSamples = [];
  centre.waitingSamples = [];
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  centre.stop();
  await saver.done?.();
  await after?.(centre);
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  const r: WayResult = { writes, bytes, seconds, slices, takes, live: mean(centre.liveSamples), waiting: mean(centre.waitingSamples) };
  const sorted = [...slices].sort((a, b) => a - b);
  const takeSorted = [...takes].sort((a, b) => a - b);
  log(
    `${name}: ${writes} writes in ${seconds.toFixed(1)} s, ${Math.round(bytes / Math.max(1, writes))} B per write, ${Math.round(bytes / seconds / 1000)} kB/s; ` +
      `event-loop slices p99 ${nearestRank(sorted, 0.99).toFixed(2)} ms, max ${(sorted.at(-1) ?? 0).toFixed(2)} ms ` +
      `(take() alone, in a first slice: p99 ${nearestRank(takeSorted, 0.99).toFixed(2)} ms, max ${(takeSorted.at(-1) ?? 0).toFixed(2)} ms); ${r.live} live calls, ${r.waiting} waiting on average`,
  );
  return r;
}

/** The new way: the real store over a storage that counts (and, optionally, writes to the real Redis). */
function incremental(storage: (inner: (c: GatewayStateChange) => void) => GatewayStateStorage) {
  return (count: (bytes: number) => void, slice: (ms: number) => void) => {
    const store = new GatewayStateStore(storage((c) => count(changeBytes(c))), silent, () => log('write refused'), {
      now: () => performance.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      slice,
    });
    return { save: (take: () => GatewayState) => store.save(take), done: () => store.flush(), store };
  };
}

async function redisReachable(): Promise<Redis | undefined> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 1_000, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch {
    redis.disconnect();
    return undefined;
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  log(`${AGENTS} agents, ${CALLS} live calls to start with, ${RATE} new calls/s, ${SECONDS} s counted per way after ${WARM_S} s of churn`);
  const whole = await runWay('whole snapshot (before)', (count, slice) => wholeSnapshotSaver(count, slice));
  const counted = await runWay(
    'per entry (GatewayStateStore)',
    incremental((count) => ({ read: async () => null, write: async (c) => (count(c), await roundTrip(), 'written' as const) })),
  );

  let redisFigures: { bytes_per_s: number; max_stall_ms: number; round_trip_equal: boolean } | undefined;
  const redis = await redisReachable();
  if (!redis) log('redis: not reachable, the real fenced write was not run');
  else {
    const prefix = `bench-state-${Date.now()}`;
    const lease = new RedisLeaderLease(redis, prefix);
    const won = await lease.acquire('bench', 60_000);
    const epoch = won.won ? won.epoch : 0;
    const base = `${prefix}:gateway:state`;
    let equal = false;
    try {
      const real = await runWay(
        'per entry through Redis (fenced Lua)',
        incremental((count) => {
          const inner = new RedisGatewayStateStorage(redis, base, (key, change) => lease.writeFencedHash(epoch, key, change));
          return { read: () => inner.read(), write: (c) => (count(c), inner.write(c)) };
        }),
        async (centre) => {
          const store = new GatewayStateStore(new RedisGatewayStateStorage(redis, base, (key, change) => lease.writeFencedHash(epoch, key, change)), silent, () => undefined);
          const state = centre.take();
          store.save(() => state);
          await store.flush();
          const loaded = await store.load();
          equal = isDeepStrictEqual(JSON.parse(JSON.stringify(loaded)), JSON.parse(JSON.stringify(state)));
          log(`redis: the state loaded back ${equal ? 'equals' : 'DIFFERS FROM'} the gateway's (${state.acd.agents.length} agents, ${state.acd.calls.length} ACD calls, ${state.calls.sessions.length} sessions, ${state.calls.legs.length} legs); hash has ${await redis.hlen(`${base}:v2`)} entries`);
        },
      );
      redisFigures = { bytes_per_s: Math.round(real.bytes / real.seconds), max_stall_ms: round2(Math.max(0, ...real.slices)), round_trip_equal: equal };
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  }

  const loadAfter = loadavg()[0] ?? 0;
  const load = Math.max(loadBefore, loadAfter);
  const cores = cpus().length;
  const valid = load <= cores;
  const sorted = [...counted.slices].sort((a, b) => a - b);
  const result = {
    agents: AGENTS,
    calls: CALLS,
    rate_cps: RATE,
    seconds: SECONDS,
    live_calls_avg: counted.live,
    waiting_avg: counted.waiting,
    snapshot_bytes_per_s: Math.round(whole.bytes / whole.seconds),
    snapshot_writes_per_s: round2(whole.writes / whole.seconds),
    snapshot_max_stall_ms: round2(Math.max(0, ...whole.slices)),
    incremental_bytes_per_s: Math.round(counted.bytes / counted.seconds),
    incremental_writes_per_s: round2(counted.writes / counted.seconds),
    max_stall_ms: round2(sorted.at(-1) ?? 0),
    p99_stall_ms: round2(nearestRank(sorted, 0.99)),
    take_p99_ms: round2(nearestRank([...counted.takes].sort((a, b) => a - b), 0.99)),
    take_max_ms: round2(Math.max(0, ...counted.takes)),
    ...(redisFigures && { redis: redisFigures }),
    within: { bytes: counted.bytes / counted.seconds <= BUDGET.bytesPerS, stall: (sorted.at(-1) ?? 0) <= BUDGET.stallMs },
    loadavg: round2(load),
    cores,
    valid,
  };
  log(
    `before ${Math.round(result.snapshot_bytes_per_s / 1000)} kB/s, now ${Math.round(result.incremental_bytes_per_s / 1000)} kB/s (budget ${BUDGET.bytesPerS / 1000} kB/s); ` +
      `longest save slice ${result.snapshot_max_stall_ms} ms before, ${result.max_stall_ms} ms now (budget ${BUDGET.stallMs} ms); 1-min load ${result.loadavg} on ${cores} cores${valid ? '' : ' — INVALID: the load exceeded the cores'}`,
  );
  console.log(JSON.stringify(result));
}

const round2 = (x: number) => Math.round(x * 100) / 100;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
