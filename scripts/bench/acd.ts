/**
 * ACD routing benchmark: decisions per second, p50/p99 latency of one routing decision and heap per
 * waiting call, at the centre's size (27 seats, 100 waiting) and at a stress size (1000 / 10000).
 * Run: npm run bench:acd (it builds packages/domain first; the engine runs from its dist, as the gateway runs it).
 * The last line printed is the JSON summary.
 */
import { AcdEngine, ManualClock, createSeededRandom, defaultAcdConfig, type AcdConfig, type AgentProfile, type Language } from '@cti/domain';
import { loadGc } from './measure.js';
import { atFloorIndex } from './stats.js';

// Production defaults plus one skill-sparing line, so the bench exercises both routing strategies.
const config: AcdConfig = { ...defaultAcdConfig, lines: { '96345': { strategy: 'skill_sparing', requiredSkill: 'consumer' } } };

/** A realistic seat mix: mostly Mandarin, a fifth bilingual, some hotline specialists, a few backup helpers. */
function profile(i: number, rand: () => number): AgentProfile {
  const r = rand();
  const skills: Record<string, number> = r < 0.7 ? { mandarin: 5 } : r < 0.9 ? { mandarin: 5, tibetan: 7 } : { tibetan: 8 };
  if (rand() < 0.2) skills.consumer = 3;
  return { agentId: `agent-${i}`, seat: `seat-${i}`, skills, backup: rand() < 0.05 };
}

/** Percentile `p` (0…1) of sorted nanoseconds, in microseconds. */
const percentileUs = (sortedNs: Float64Array, p: number) => atFloorIndex(sortedNs, p) / 1000;

interface Phase {
  latenciesNs: number[];
  totalNs: number;
}

/** Decision driven by an agent becoming ready: all agents busy, `waiting` calls queued; one agent readies and takes the best call. */
function readyDriven(agents: number, waiting: number, decisions: number): Phase {
  const rand = createSeededRandom(1); // deterministic, so runs are comparable
  const clock = new ManualClock(1_700_000_000_000);
  const engine = new AcdEngine(config, clock);
  for (let i = 0; i < agents; i++) {
    const p = profile(i, rand);
    engine.login(p);
    engine.ready(p.agentId);
  }
  let callNo = 0;
  // The replacement call matches the freed agent's skills so every timed ready() has work to take.
  const newCall = (skills?: Record<string, number>) => {
    const language: Language = skills ? (skills.tibetan ? 'tibetan' : 'mandarin') : rand() < 0.8 ? 'mandarin' : 'tibetan';
    const line = (skills ? skills.consumer !== undefined : true) && rand() < 0.1 ? '96345' : '12345';
    engine.enqueue({ callId: `call-${callNo++}`, line, language, priority: rand() < 0.05 ? 1 : 0 });
  };
  // Fill every agent, then build the backlog.
  for (let i = 0; i < agents * 4; i++) newCall();
  clock.advance(60_000);
  for (const a of engine.assign()) engine.connected(a.agentId, a.callId);
  for (const a of engine.agents()) if (a.state === 'ready') engine.pause(a.agentId, 'break');
  const busy = engine.agents().filter((a) => a.state === 'on_call');
  while (engine.waitingCount() < waiting) newCall();
  const onCall = busy.map((a) => ({ agentId: a.agentId, callId: a.currentCallId as string }));

  const latencies: number[] = [];
  let total = 0;
  for (let d = 0; d < decisions; d++) {
    clock.advance(1);
    const slot = Math.floor(rand() * onCall.length);
    const current = onCall[slot]!;
    engine.callEnded(current.agentId, current.callId);
    newCall(engine.getAgent(current.agentId).skills);
    const t0 = process.hrtime.bigint();
    engine.ready(current.agentId);
    const made = engine.assign();
    const ns = Number(process.hrtime.bigint() - t0);
    const a = made[0];
    if (made.length !== 1 || a === undefined) throw new Error(`expected one assignment, got ${made.length}`);
    engine.connected(a.agentId, a.callId);
    onCall[slot] = { agentId: a.agentId, callId: a.callId };
    latencies.push(ns);
    total += ns;
  }
  return { latenciesNs: latencies, totalNs: total };
}

/** Decision driven by a new call: `waiting` Tibetan calls queue for busy Tibetan agents while Mandarin agents are ready; a Mandarin call arrives and is routed. */
function enqueueDriven(agents: number, waiting: number, decisions: number): Phase {
  const rand = createSeededRandom(2);
  const clock = new ManualClock(1_700_000_000_000);
  const engine = new AcdEngine({ ...config, wrapUpSeconds: 0 }, clock);
  for (let i = 0; i < agents; i++) {
    const p = profile(i, rand);
    engine.login(p);
    if (p.skills.tibetan === undefined) engine.ready(p.agentId);
  }
  for (let i = 0; i < waiting; i++) engine.enqueue({ callId: `t-${i}`, line: '12345', language: 'tibetan' });
  let callNo = 0;
  const latencies: number[] = [];
  let total = 0;
  for (let d = 0; d < decisions; d++) {
    clock.advance(1);
    const callId = `m-${callNo++}`;
    const t0 = process.hrtime.bigint();
    engine.enqueue({ callId, line: '12345', language: 'mandarin' });
    const made = engine.assign();
    const ns = Number(process.hrtime.bigint() - t0);
    const a = made[0];
    if (made.length !== 1 || a === undefined) throw new Error(`expected one assignment, got ${made.length}`);
    engine.connected(a.agentId, a.callId);
    engine.callEnded(a.agentId, a.callId);
    latencies.push(ns);
    total += ns;
  }
  if (engine.waitingCount() !== waiting) throw new Error('backlog changed');
  return { latenciesNs: latencies, totalNs: total };
}

function bytesPerWaitingCall(count: number, gc: (() => void) | undefined): number {
  const clock = new ManualClock(1_700_000_000_000);
  const engine = new AcdEngine(config, clock);
  const ids = Array.from({ length: count }, (_, i) => `call-${i}`);
  gc?.();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    engine.enqueue({ callId: ids[i]!, line: i % 10 === 0 ? '96345' : '12345', language: i % 5 === 0 ? 'tibetan' : 'mandarin' });
    clock.advance(1);
  }
  gc?.();
  gc?.();
  const after = process.memoryUsage().heapUsed;
  if (engine.waitingCount() !== count) throw new Error('queue size mismatch');
  return Math.round((after - before) / count);
}

function runCase(agents: number, waiting: number, gc: (() => void) | undefined) {
  const decisions = 20_000;
  readyDriven(agents, waiting, 2_000); // warm the JIT
  enqueueDriven(agents, waiting, 2_000);
  const r = readyDriven(agents, waiting, decisions);
  const e = enqueueDriven(agents, waiting, decisions);
  const all = Float64Array.from([...r.latenciesNs, ...e.latenciesNs]).sort();
  const phaseLine = (name: string, p: Phase) => {
    const s = Float64Array.from(p.latenciesNs).sort();
    return `  ${name}: p50 ${percentileUs(s, 0.5).toFixed(2)} us, p99 ${percentileUs(s, 0.99).toFixed(2)} us, ${Math.round(p.latenciesNs.length / (p.totalNs / 1e9))} decisions/s`;
  };
  const result = {
    agents,
    waiting,
    decisions_per_s: Math.round(all.length / ((r.totalNs + e.totalNs) / 1e9)),
    p50_us: Number(percentileUs(all, 0.5).toFixed(2)),
    p99_us: Number(percentileUs(all, 0.99).toFixed(2)),
    bytes_per_waiting_call: bytesPerWaitingCall(Math.max(waiting, 10_000), gc),
  };
  console.log(`case ${agents} agents / ${waiting} waiting`);
  console.log(phaseLine('ready() + assign()', r));
  console.log(phaseLine('enqueue() + assign()', e));
  console.log(`  combined: ${JSON.stringify(result)}`);
  return result;
}

function main(): void {
  const gc = loadGc();
  if (!gc) console.log('note: gc unavailable; bytes_per_waiting_call includes garbage (run with node --expose-gc)');
  const cases = [runCase(27, 100, gc), runCase(1000, 10_000, gc)];
  console.log(JSON.stringify({ cases }));
}

main();
