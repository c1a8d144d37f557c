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
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { callsReport, callsSummary, ratios } from './report.js';
import { type StackOptions, build, checkHost, readyAllAgents, runLoad, runWithStack, startHog, startStack } from './sip-load.js';
import { type BenchStack, log } from './stack.js';
import { mergeRounds, type RunResult, type System } from './stats.js';

const SEATS = 27;
const ACD_DID = '12345';
const APP_QUEUE_DID = '12399';

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

/** The bench stack of this bench: 27 Mandarin-only seats, one SIPp for all of them or one each. */
function stackOptions(o: Options): StackOptions {
  return { seats: SEATS, seatProcesses: o.seatProcesses, agentSkills: () => ({ mandarin: 5 }), record: o.record, profile: o.profile, logLevel: o.logLevel };
}

/** The DID a system's calls are made to: the 12345 line (our ACD), or the bench's app_queue entry. */
const didsOf = (system: System): string[] => [system === 'acd' ? ACD_DID : APP_QUEUE_DID];

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
  checkHost();
  mkdirSync(runDir, { recursive: true });
  if (o.build) build();
  const bench = await startStack(stack, runDir, stackOptions(o));
  log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s; logs in ${runDir}`);

  const talkFor = (rate: number) => Number(o.talkMs ?? Math.min(1000, Math.round(10_000 / rate)));
  const callsFor = (rate: number) => Math.max(200, Math.round(rate * o.seconds));

  // Unmeasured warm-up of both paths (JIT, first-call allocations in Asterisk and the gateway).
  for (const system of o.systems) await runLoad(bench, { system, dids: didsOf(system), rate: 20, calls: 60, talkMs: 200, measured: false });

  // Each rate runs in rounds, the systems alternating (app_queue first in even rounds, acd first in odd ones), so that
  // a busy spell of this shared machine falls on both; each system's rounds are merged into one result.
  const results: RunResult[] = [];
  for (const rate of o.rates) {
    const perSystem = new Map<System, RunResult[]>(o.systems.map((x) => [x, []]));
    for (let round = 0; round < o.rounds; round++) {
      for (const system of round % 2 === 0 ? o.systems : [...o.systems].reverse()) {
        if (system === 'acd') await readyAllAgents(bench);
        perSystem.get(system)?.push(await runLoad(bench, { system, dids: didsOf(system), rate, calls: callsFor(rate), talkMs: talkFor(rate), measured: true }));
      }
    }
    for (const system of o.systems) results.push(mergeRounds(perSystem.get(system) ?? []));
  }

  // Overload: one run per system at a rate the machine cannot carry with a CPU hog beside it (see OVERLOAD above).
  const overloaded: OverloadRun[] = [];
  if (o.overload > 0) {
    for (const system of o.systems) {
      if (system === 'acd') await readyAllAgents(bench);
      const loadBefore = loadavg()[0] ?? 0;
      const hog = startHog();
      log(`overload: ${system} at ${o.overload} calls/s with ${hog.length} busy loops beside it (1-min load before ${loadBefore.toFixed(1)})`);
      try {
        const r = await runLoad(bench, { system, dids: didsOf(system), rate: o.overload, calls: callsFor(o.overload), talkMs: talkFor(o.overload), measured: true });
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

runWithStack(options, (o) => stackOptions(o), main);
