/**
 * Gateway failover (issue 14, docs/domain.md §20), measured in one run on this machine and printed; the last line is
 * one JSON object.
 * Run (as root, like the e2e tests): npm run bench:failover (it runs `npm run build` first)
 *
 * It starts its own stack in a free e2e port slot (test/support/global-setup.ts: Asterisk, gateway, worker, a fresh
 * schema), BENCH_SEATS SIPp seats (default 10) answering at once with their agents ready, and one SIPp caller placing
 * BENCH_RATE calls a second (default 2: about 8 callers up at once, so a seat is free when the standby takes
 * over and the first offer measures the takeover, not the queue), each staying BENCH_HOLD_MS (default 4000) after
 * being answered (by the gateway: the language prompt and the wait come out of it), for the whole run. Over that steady load:
 *
 *   - takeover: BENCH_KILLS + 1 standby gateways (ports 18500+; no language prompt, so a caller is queued at once) are
 *     started before the load, so that no gateway's
 *     start competes with what is measured (and the calls start once the load average is back under the cores). BENCH_KILLS times (default 5) the active is killed (SIGKILL) two seconds
 *     into steady load with standbys watching; timed from the kill to the first `call offered` log line of the standby
 *     that took over (p50, max: a caller must arrive and be routed, so part of it can be waiting for
 *     the next caller; a probe caller placed at each kill from the backup trunk's address arrives in the gap and waits
 *     in the dialplan's Stasis() retry), and to its applications registered.
 *   - freeze: once, the active is frozen (SIGSTOP) with a standby watching: from the freeze to the standby's
 *     applications registered; the frozen one is then resumed and must end itself (exit code 3).
 *   - calls: what SIPp placed, and what the database recorded: lost = placed − recorded (every call, answered or not,
 *     must be recorded once), answered by a seat, duplicated = rows beyond one per call, via the fallback queue, and
 *     calls offered more than once. (SIPp's own "successful" only means the caller was answered, by hold music too.)
 *   - node_loss: not measured yet (one Asterisk node; several nodes behind Kamailio are a later slice of the issue).
 *   - state writes: `npm run bench:state`'s bytes per second at 1,000 agents (run after the stack is down).
 *
 * The load average before and after is printed; a run whose load exceeded the cores is marked invalid.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { ProvidedContext } from 'vitest';
import setup from '../../test/support/global-setup.js';
import type { E2eContext } from '../../test/support/e2e.env.js';
import { api, awaitSeatsAnswering } from '../../test/support/api.js';
import { pidFile } from '../../test/support/gateway.control.js';
import { gatewayHealth, gatewayLogLines, sizeOf } from '../../test/support/gateway-log.js';
import { alive, startProcess, stopProcess, waitFor } from '../../test/support/processes.js';
import { placeCalls, startSeats } from '../../test/support/sipp.js';
import { sippCount } from './measure.js';
import { log, root, sleep } from './stack.js';
import { median } from './stats.js';

const KILLS = Number(process.env.BENCH_KILLS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 2);
const SEATS = Number(process.env.BENCH_SEATS ?? 10);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 4000);
/** A gateway's start or takeover on a loaded host: only bounds how long a broken run takes to fail. */
const BOUND_MS = 120_000;

interface Gateway {
  pid: number;
  child?: ChildProcess;
  url: string;
  log: string;
}
/** The time (epoch ms) of the first line of `file` after `offset` with message `msg`, once there is one. */
async function firstLogTime(file: string, offset: number, msg: string, pid: number): Promise<number> {
  let at = 0;
  await waitFor(`"${msg}" in ${file}`, () => {
    at = gatewayLogLines(file, offset).find((l) => l.msg === msg && l.pid === pid)?.time ?? 0;
    return at > 0;
  }, BOUND_MS, 20);
  return at;
}

async function main(): Promise<void> {
  const cores = cpus().length;
  const loadBefore = loadavg()[0] ?? 0;
  const provided: Partial<ProvidedContext> = {};
  const stopStack = await setup({ provide: (key, value) => void (provided[key] = value) });
  let stopping: Promise<void> | undefined;
  const teardown = () => (stopping ??= stopStack());
  const started: ChildProcess[] = [];
  let seats: ChildProcess[] = [];
  let caller: ChildProcess | undefined;
  let db: pg.Client | undefined;
  try {
    const ctx = provided.e2e as E2eContext | undefined;
    if (!ctx) throw new Error('global setup provided no e2e context');
    const slot = Number(ctx.env.CTI_HTTP_PORT) - 8180;
    db = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
    await db.connect();
    // Fewer seats than the centre's 27 by default: each SIPp seat is a process of its own, and 27 of them kept the
    // 1-minute load near 4 on this 2-core machine with no call up.
    const seatPorts = Array.from({ length: SEATS }, (_, i) => Number(ctx.env.CTI_SEAT_BASE_PORT) + i + 1);
    seats = startSeats(root, seatPorts);
    for (const id of ctx.agentIds.slice(0, SEATS)) {
      for (const [path, body] of [[`/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` }], [`/api/v1/agents/${id}/ready`, undefined]] as const) {
        const r = await api(ctx, 'POST', path, body);
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    await awaitSeatsAnswering(ctx, seatPorts.map((_, i) => i + 1));

    let active: Gateway = {
      pid: Number(readFileSync(pidFile(root, ctx.runId), 'utf8')),
      url: ctx.apiUrl,
      log: `${root}.run/${ctx.runId}/gateway.log`,
    };
    // Every standby the run needs is started before the load: a gateway's start (modules, schema check, building the
    // API) costs seconds of CPU, which would otherwise compete with the calls and the takeovers being measured.
    const standbys: Gateway[] = [];
    for (let i = 0; i < KILLS + 1; i++) {
      const http = String(18500 + slot * 20 + 2 * i);
      const heartbeat = String(18501 + slot * 20 + 2 * i);
      const file = `${root}.run/${ctx.runId}/failover-gateway-${i + 1}.log`;
      const child = startProcess('node', ['services/gateway/dist/main.js'], { cwd: root, env: { ...ctx.env, CTI_HTTP_PORT: http, CTI_LEADER_HEARTBEAT_PORT: heartbeat, CTI_LANGUAGE_WINDOW_S: '0' }, log: file });
      started.push(child);
      const g: Gateway = { pid: child.pid as number, child, url: `http://127.0.0.1:${http}`, log: file };
      await waitFor(`standby ${i + 1} waiting`, async () => {
        if (child.exitCode !== null) throw new Error(`standby exited (${child.exitCode}) while starting; see ${file}`);
        const h = await gatewayHealth(g.url);
        return h?.status === 503 && h.body.role === 'standby';
      }, BOUND_MS, 100);
      standbys.push(g);
    }
    await waitFor('the active sees its standbys', async () => (await gatewayHealth(active.url))?.body.standbyWatching === true, BOUND_MS, 100);
    log(`${standbys.length} standbys waiting`);
    // The starts raised the load average; the measurement starts once it is back under the cores (bounded).
    const settleUntil = Date.now() + 180_000;
    while ((loadavg()[0] ?? 0) > cores * 0.75 && Date.now() < settleUntil) await sleep(5_000);
    log(`load average ${(loadavg()[0] ?? 0).toFixed(2)} before the calls start; busiest processes over 3 s:`);
    process.stderr.write(execFileSync('top', ['-b', '-n', '2', '-d', '3', '-w', '160'], { encoding: 'utf8' }).split(/\n(?=top - )/).at(-1)?.split('\n').slice(6, 18).join('\n') + '\n');
    /** The standby that took over after `offsets` (log sizes at the fault), and when its first line `msg` came. */
    const successor = async (offsets: Map<Gateway, number>): Promise<Gateway> => {
      let found: Gateway | undefined;
      await waitFor('a standby taking over', () => {
        found = standbys.find((g) => gatewayLogLines(g.log, offsets.get(g) ?? 0).some((l) => l.msg === 'gateway took over'));
        return found !== undefined;
      }, BOUND_MS, 20);
      standbys.splice(standbys.indexOf(found as Gateway), 1);
      return found as Gateway;
    };
    const logOffsets = () => new Map(standbys.map((g) => [g, sizeOf(g.log)]));

    const callerPrefix = `135${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    // Far more calls than the run needs: SIPp is told to stop placing new ones (SIGUSR1) when the faults are done.
    const calls = placeCalls(root, {
      target: `127.0.0.1:${ctx.env.CTI_SIP_PORT}`, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: RATE * 3600, rate: RATE, holdMs: HOLD_MS,
      mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 300, onStart: (c) => (caller = c),
    });
    log(`steady load: ${RATE} calls/s, ${HOLD_MS} ms each`);
    await sleep(3_000);

    const probePrefix = `136${callerPrefix.slice(3)}`;
    const [backupIp] = (ctx.env.CTI_TRUNK_BACKUP as string).split(':') as [string];
    const probes: Array<ReturnType<typeof placeCalls>> = [];
    const firstOfferMs: number[] = [];
    const servingMs: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await waitFor('the active sees a standby', async () => (await gatewayHealth(active.url))?.body.standbyWatching === true, BOUND_MS, 100);
      await sleep(2_000); // the load steady on the active
      const offsets = logOffsets();
      const killedAt = Date.now();
      process.kill(active.pid, 'SIGKILL');
      // A caller arriving in the gap (from the backup trunk's address): someone is there to be offered the moment the
      // standby serves, instead of the next caller of the steady stream (at 2 calls/s up to a second later).
      probes.push(placeCalls(root, { target: `127.0.0.1:${ctx.env.CTI_SIP_PORT}`, from: `${backupIp}:${ctx.mediaBase + 300}`, count: 1, holdMs: HOLD_MS, mediaPort: ctx.mediaBase + 200, callerPrefix: probePrefix, timeoutS: 120 }));
      const next = await successor(offsets);
      const from = offsets.get(next) ?? 0;
      const [offered, serving] = await Promise.all([firstLogTime(next.log, from, 'call offered', next.pid), firstLogTime(next.log, from, 'ARI applications registered', next.pid)]);
      firstOfferMs.push(offered - killedAt);
      servingMs.push(serving - killedAt);
      log(`kill ${k + 1}/${KILLS}: first offer after ${offered - killedAt} ms, applications registered after ${serving - killedAt} ms`);
      active = next;
    }

    await waitFor('the active sees a standby', async () => (await gatewayHealth(active.url))?.body.standbyWatching === true, BOUND_MS, 100);
    await sleep(2_000);
    const offsets = logOffsets();
    const frozen = active;
    const frozenAt = Date.now();
    process.kill(frozen.pid, 'SIGSTOP');
    const next = await successor(offsets);
    const freezeServing = await firstLogTime(next.log, offsets.get(next) ?? 0, 'ARI applications registered', next.pid);
    const freezeTakeoverMs = freezeServing - frozenAt;
    log(`freeze: the standby serves after ${freezeTakeoverMs} ms`);
    process.kill(frozen.pid, 'SIGCONT');
    await waitFor('the resumed gateway ended itself', () => !alive(frozen.pid), BOUND_MS, 100);
    const frozenExit = frozen.child?.exitCode ?? null;
    active = next;

    await sleep(2_000);
    caller?.kill('SIGUSR1'); // no new calls; the ones in progress finish
    const run = await calls;
    const probeRuns = await Promise.all(probes);
    const created = (output: string) => Number(/Outgoing calls created\s*\|[^|]*\|\s*(\d+)/i.exec(output)?.[1] ?? NaN);
    const placed = created(run.output) + probeRuns.reduce((n, r) => n + created(r.output), 0);
    const answered = [run, ...probeRuns].reduce((n, r) => n + sippCount(r.output, 'Successful call'), 0);
    const failed = [run, ...probeRuns].reduce((n, r) => n + sippCount(r.output, 'Failed call'), 0);
    const rows = async () =>
      (await db!.query(
        `SELECT count(*)::int AS rows, count(DISTINCT linked_id)::int AS calls, count(*) FILTER (WHERE via_fallback)::int AS fallback,
                count(*) FILTER (WHERE offers > 1)::int AS reoffered, count(*) FILTER (WHERE outcome = 'answered')::int AS answered
           FROM "${ctx.runId}".calls WHERE caller_number LIKE $1 OR caller_number LIKE $2`,
        [`${callerPrefix}%`, `${probePrefix}%`],
      )).rows[0] as { rows: number; calls: number; fallback: number; reoffered: number; answered: number };
    // Every placed call is recorded once (answered or not); the bound only ends a run whose records went missing.
    await waitFor('every placed call recorded', async () => (await rows()).calls >= placed, 60_000, 500).catch(() => log('not every placed call was recorded within 60 s'));
    const recorded = await rows();
    const loadAfter = loadavg()[0] ?? 0;

    // The active at the end is one of this bench's processes; the stack's own gateway died at the first kill.
    for (const c of started) await stopProcess(c, 'SIGTERM', 10_000);
    for (const s of seats) s.kill('SIGKILL');
    seats = [];
    await db.end();
    db = undefined;
    await teardown();

    log('bytes per second of the saved state at 1,000 agents: npm run bench:state');
    const stateOut = execFileSync('npx', ['tsx', 'scripts/bench/state-writes.ts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const stateFigures = JSON.parse(stateOut.trim().split('\n').at(-1) as string) as Record<string, unknown>;

    const valid = Math.max(loadBefore, loadAfter) <= cores;
    const figures = {
      takeover: { kills: KILLS, p50_ms: median(firstOfferMs), max_ms: Math.max(...firstOfferMs), samples_ms: firstOfferMs, serving_p50_ms: median(servingMs), serving_max_ms: Math.max(...servingMs) },
      freeze: { takeover_ms: freezeTakeoverMs, frozen_exit_code: frozenExit },
      node_loss: { reroute_ms: null, note: 'one Asterisk node: several nodes behind Kamailio are not built yet' },
      calls: { rate_cps: RATE, hold_ms: HOLD_MS, placed, answered: recorded.answered, caller_completed: answered, caller_failed: failed, lost: placed - recorded.calls, recorded: recorded.calls, duplicated: recorded.rows - recorded.calls, via_fallback: recorded.fallback, offered_more_than_once: recorded.reoffered },
      state_write_bytes_per_s_at_1000_agents: stateFigures.incremental_bytes_per_s ?? null,
    };
    console.log(`kill → first offer by the standby: p50 ${figures.takeover.p50_ms} ms, max ${figures.takeover.max_ms} ms (${firstOfferMs.join(', ')}); goals ≤ 300 / ≤ 1000`);
    console.log(`kill → standby serving (applications registered): p50 ${figures.takeover.serving_p50_ms} ms, max ${figures.takeover.serving_max_ms} ms`);
    console.log(`freeze → standby serving: ${freezeTakeoverMs} ms (goal ≤ 1500); the frozen one exited with ${String(frozenExit)}`);
    console.log(`calls: ${placed} placed, ${recorded.calls} recorded (${recorded.answered} answered by a seat, ${figures.calls.duplicated} duplicated, ${recorded.fallback} via the fallback, ${recorded.reoffered} offered more than once), lost ${figures.calls.lost}; SIPp: ${answered} completed, ${failed} failed`);
    console.log(`state writes at 1,000 agents: ${String(figures.state_write_bytes_per_s_at_1000_agents)} B/s (goal ≤ 1 MB/s)`);
    console.log(`load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)} on ${cores} cores${valid ? '' : ': INVALID run (load above the cores)'}`);
    console.log(JSON.stringify({ bench: 'failover', ...figures, load: { before: Number(loadBefore.toFixed(2)), after: Number(loadAfter.toFixed(2)), cores }, valid }));
  } finally {
    caller?.kill('SIGKILL');
    for (const c of started) await stopProcess(c, 'SIGKILL', 1_000).catch(() => undefined);
    for (const s of seats) s.kill('SIGKILL');
    await db?.end().catch(() => undefined);
    await teardown().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
