// One active gateway among two processes (docs/domain.md §20), through the real stack: a second gateway started with
// the same environment (its own HTTP and heartbeat ports) waits as standby; when the active is killed (SIGKILL) it
// takes over at once through the heartbeat, when the active freezes (SIGSTOP) after the lease; the frozen one, resumed,
// ends itself without acting. Calls keep being answered by one seat and recorded once; a caller arriving between the
// death and the takeover retries Stasis() in the dialplan instead of going to the fallback queue. Each test gives the slot its
// usual gateway back (the pid-file gateway on CTI_HTTP_PORT, active) before it ends.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { placeCalls } from './support/sipp.js';
import { useCallStack } from './support/call-stack.fixture.js';
import { alive, startProcess, stopProcess, waitFor, WaitAborted } from './support/processes.js';
import { awaitHealthy, pidFile, startGateway } from './support/gateway.control.js';
import { api, ari, connectedCallCount, hangUpCallers } from './support/api.js';
import { expectStackClean } from './support/clean-stack.js';
import { gatewayHealth, gatewayLogLines, sizeOf } from './support/gateway-log.js';

const ctx = inject('e2e');
const stack = useCallStack(ctx);
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const slot = Number(ctx.env.CTI_HTTP_PORT) - 8180; // test/support/e2e.env.ts
/** The second gateway: the run's environment with ports of its own (8200+ and 8210+ are free in every slot). */
const secondEnv = { ...ctx.env, CTI_HTTP_PORT: String(8200 + slot), CTI_LEADER_HEARTBEAT_PORT: String(8210 + slot) };
const secondUrl = `http://127.0.0.1:${secondEnv.CTI_HTTP_PORT}`;
const secondLog = `${ctx.root}.run/${ctx.runId}/gateway-second.log`;
const mainLog = `${ctx.root}.run/${ctx.runId}/gateway.log`;
/** A gateway's start (module loading, schema check, lease) on a loaded host; it ends as soon as the gateway answers. */
const START_BOUND_MS = 120_000;
const prefix = () => `134${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;

let second: ChildProcess | undefined;
afterAll(async () => {
  await stopProcess(second, 'SIGKILL');
});

interface Health {
  status: number;
  body: { role?: string; epoch?: number; routing?: string; standbyWatching?: boolean; leader?: { epoch: number } | null };
}

const health = (url: string) => gatewayHealth(url) as Promise<Health | undefined>;

/** deploy/node-health.sh (compose's `cti-health gateway`) against the gateway on `port`: its exit code and complaint. */
function composeHealth(port: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['deploy/node-health.sh', 'gateway'], { cwd: ctx.root, env: { PATH: process.env.PATH, CTI_HTTP_HOST: '127.0.0.1', CTI_HTTP_PORT: port } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const mainPid = () => Number(readFileSync(pidFile(ctx.root, ctx.runId), 'utf8'));

/**
 * Starts the second gateway and waits until it stands by behind the active and the active knows it, then runs
 * `check` (what the test looks at before it acts on the pair); returns the active's epoch. On a loaded host the
 * active can be starved of CPU for longer than its lease while a standby watches (the standby's start — module
 * loading, schema check — is the usual cause): the active then ends itself, as it must (docs/domain.md §20), and the
 * standby takes over. That is not the pair the test needs, so the slot gets its usual gateway back and the whole
 * set-up runs again (said on the console), up to three times. An active that ended without saying it lost its lease
 * fails the test (its log then ends with the harness's line of how it exited).
 */
async function startStandby(check?: () => Promise<void>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const epoch = await activeEpoch(ctx.apiUrl);
    const activePid = mainPid();
    const offset = sizeOf(mainLog);
    const activeGone = () => {
      if (!alive(activePid)) throw new WaitAborted('the active ended');
    };
    second = startProcess('node', ['services/gateway/dist/main.js'], { cwd: ctx.root, env: secondEnv, log: secondLog });
    try {
      await waitFor('second gateway standing by', async () => {
        if (second?.exitCode !== null) throw new Error(`second gateway exited (${second?.exitCode}) while starting`);
        activeGone();
        const h = await health(secondUrl);
        return h?.status === 503 && h.body.role === 'standby' && h.body.leader?.epoch === epoch;
      }, START_BOUND_MS, 200);
      await waitFor('the active sees its standby', async () => {
        activeGone();
        return (await health(ctx.apiUrl))?.body.standbyWatching === true;
      }, 30_000);
      await check?.();
      return epoch;
    } catch (err) {
      // Whatever failed, an active that ended meanwhile is the reason to look at; anything else fails the test.
      if (alive(activePid) || attempt >= 3) throw err;
    }
    await waitFor('the active gone for good', () => !alive(activePid), 30_000, 100);
    const reason = leaseLossOf(activePid, offset, 'while its standby started');
    console.warn(`[takeover] attempt ${attempt}: the active (epoch ${epoch}) ended itself while its standby started (${reason}); giving the slot its usual gateway back and setting the pair up again`);
    await restoreUsualGateway();
  }
}

/**
 * Why the active `pid`, which has ended, lost its lease, as its log (from byte `offset`) says; fails the test, with its
 * last lines (the harness's exit line among them), when it ended `when` without saying it lost its lease.
 */
function leaseLossOf(pid: number, offset: number, when: string): string {
  const lines = gatewayLogLines(mainLog, offset, true).filter((l) => l.pid === pid);
  const lost = lines.find((l) => l.msg === 'gateway lost leadership');
  expect(lost, `the active ended ${when} without saying it lost its lease; its last lines: ${JSON.stringify(lines.slice(-5))}`).toBeDefined();
  return String(lost?.reason);
}

/** The active gateway's epoch, read from its /healthz. */
async function activeEpoch(url: string): Promise<number> {
  const h = await health(url);
  expect(h?.status, JSON.stringify(h?.body)).toBe(200);
  expect(h?.body.role).toBe('active');
  return h?.body.epoch as number;
}

/** The calls of callers whose numbers start with `callerPrefix`. */
async function callRows(callerPrefix: string): Promise<Array<{ outcome: string; offers: number; seat: string | null; via_fallback: boolean }>> {
  const r = await stack.db().query(`SELECT outcome, offers, seat, via_fallback FROM "${ctx.runId}".calls WHERE caller_number LIKE $1`, [`${callerPrefix}%`]);
  return r.rows;
}

/**
 * Gives the slot its usual gateway back: the pid-file gateway starts again on CTI_HTTP_PORT (standby while the second
 * is active), the second stops gracefully (it releases the lease after its last state write), and the usual one takes
 * over and answers healthy and routing.
 */
async function restoreUsualGateway(): Promise<void> {
  const usual = startGateway(ctx.root, ctx.env);
  await waitFor('usual gateway answering', async () => (await health(ctx.apiUrl)) !== undefined, START_BOUND_MS, 200);
  await stopProcess(second, 'SIGTERM');
  second = undefined;
  await awaitHealthy(usual, ctx.root, ctx.env, ctx.apiUrl);
}

describe('one active gateway among two processes', () => {
  it('lets a standby take over at once when the active is killed under a stream of callers: every caller answered by one seat, none sent to the fallback, each recorded once, no agent left reserved', async () => {
    try {
      const epoch = await startStandby(async () => {
        // The compose health check counts both healthy: the active (200) and the standby (503, role standby).
        expect(await composeHealth(ctx.env.CTI_HTTP_PORT as string)).toEqual({ code: 0, stderr: '' });
        expect(await composeHealth(secondEnv.CTI_HTTP_PORT)).toEqual({ code: 0, stderr: '' });
      });
      const offset = sizeOf(secondLog);
      const mainOffset = sizeOf(mainLog);
      const activePid = mainPid();
      const p = prefix();
      // Two callers a second, each staying on the line until the test ends the call from the switch: when the active
      // dies some are talking, some ringing a seat and some still arriving, and those that arrive before the standby
      // registers retry Stasis(). However slowly a loaded host connects them, each talks with a seat before it ends.
      const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 12, rate: 2, holdMs: 0, mediaPort: ctx.mediaBase, scenario: 'caller-until-hangup', callerPrefix: p, timeoutS: 180 });
      let answered: Awaited<typeof run>;
      let routingAfterMs: number;
      try {
        // A host starved for longer than the lease can end the active first (it says so, as in startStandby): the
        // standby then takes over from a dead process all the same, which is what this test is about.
        await waitFor('three callers talking, or the active ended itself', async () => !alive(activePid) || (await connectedCallCount(ctx)) >= 3, 60_000, 100);
        const killedAt = Date.now();
        if (alive(activePid)) process.kill(activePid, 'SIGKILL');
        else {
          const reason = leaseLossOf(activePid, mainOffset, 'under the callers');
          console.warn(`[takeover] the active (epoch ${epoch}) ended itself under the callers before the kill (${reason})`);
        }
        await waitFor('second gateway active and routing', async () => {
          const h = await health(secondUrl);
          return h?.status === 200 && h.body.role === 'active' && h.body.routing === 'on';
        }, 60_000, 50);
        routingAfterMs = Date.now() - killedAt;
        await waitFor('all 12 callers talking with seats', async () => (await connectedCallCount({ ...ctx, apiUrl: secondUrl })) === 12, 120_000, 250);
      } finally {
        await hangUpCallers(ctx, p);
        answered = await run;
      }
      expect(answered.successful, answered.output.slice(-1500)).toBe(12);
      expect(await activeEpoch(secondUrl)).toBe(epoch + 1);
      const tookOver = gatewayLogLines(secondLog, offset).filter((l) => l.msg === 'gateway took over');
      expect(tookOver).toHaveLength(1);
      expect(tookOver[0]).toMatchObject({ epoch: epoch + 1, detected: 'heartbeat' });

      await waitFor('the 12 calls recorded', async () => (await callRows(p)).length >= 12, 60_000);
      const rows = await callRows(p);
      expect(rows).toHaveLength(12);
      for (const row of rows) {
        expect(row).toMatchObject({ outcome: 'answered', via_fallback: false });
        expect(row.seat).toMatch(/^seat-\d\d$/);
      }
      // Nothing left behind on the new active: no caller waiting, no live call, no agent still held for one.
      await expectStackClean({ ...ctx, apiUrl: secondUrl });
      // The takeover is an incident, opened and resolved by the new active, naming the holder it replaced.
      let incident: { level: string; condition: string; resolvedAt: string | null; detail: Record<string, unknown> } | undefined;
      await waitFor('the takeover incident written', async () => {
        const items = (await api({ ...ctx, apiUrl: secondUrl }, 'GET', '/api/v1/ops/incidents?limit=20')).body.items as Array<NonNullable<typeof incident>>;
        incident = items.find((i) => i.condition === `gateway_takeover:${epoch + 1}`);
        return incident !== undefined && incident.resolvedAt !== null;
      }, 30_000);
      expect(incident).toMatchObject({ level: 'L2', detail: { detected: 'heartbeat', epoch: epoch + 1, from: expect.stringMatching(new RegExp(`^${epoch}:`)) } });
      expect(incident?.detail.takeoverMs).toEqual(expect.any(Number));
      console.info(`[takeover under calls] kill → standby routing ${routingAfterMs} ms (as the test saw it), incident takeoverMs ${String(incident?.detail.takeoverMs)}; offers per call ${rows.map((r) => r.offers).join(',')}`);
    } finally {
      await restoreUsualGateway();
    }
  }, 300_000);

  it('keeps a caller who arrives while no gateway has the application registered ringing until the standby takes over, instead of sending them to the fallback', async () => {
    const standbyPid = () => second?.pid as number;
    let frozen = false;
    try {
      const epoch = await startStandby();
      // The standby is held still so that the gap between the active's death and the takeover is as long as the test
      // needs: the caller arrives in it, Stasis() fails and the dialplan tries again until the standby registers.
      process.kill(standbyPid(), 'SIGSTOP');
      frozen = true;
      process.kill(mainPid(), 'SIGKILL');
      const p = prefix();
      const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 4_000, mediaPort: ctx.mediaBase, callerPrefix: p, timeoutS: 120 });
      // The dialplan heartbeat stays fresh as if the active had died a moment ago (however slowly SIPp starts here), so
      // what the caller meets is the Stasis() retry, not the stale-heartbeat path to the fallback.
      await waitFor('the caller retrying Stasis()', async () => {
        await ari(ctx, 'PUT', `/asterisk/variable?variable=CTI_GW_HEARTBEAT&value=${Math.floor(Date.now() / 1000)}`);
        const channels = (await ari(ctx, 'GET', '/channels')).body as Array<{ caller: { number: string }; dialplan: { context: string; app_name: string } }>;
        return channels.some((c) => c.caller.number.startsWith(p) && c.dialplan.context === 'cti-inbound' && c.dialplan.app_name === 'Wait');
      }, 60_000, 100);
      process.kill(standbyPid(), 'SIGCONT');
      frozen = false;
      const answered = await run;
      expect(answered.successful, answered.output.slice(-1500)).toBe(1);
      await waitFor('the call recorded', async () => (await callRows(p)).length > 0, 60_000);
      const rows = await callRows(p);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'answered', offers: 1, via_fallback: false });
      // How the standby noticed is incidental here: held still for longer than the lease (SIPp may take seconds to
      // start on a loaded host), it wakes to a closed heartbeat connection and a lapsed lease at once, and either may
      // be seen first. What this test is about is that it took over with the next epoch and the caller waited for it.
      const tookOver = gatewayLogLines(secondLog).filter((l) => l.msg === 'gateway took over').at(-1);
      expect(tookOver).toMatchObject({ epoch: epoch + 1 });
      expect(['heartbeat', 'lease-expired']).toContain(tookOver?.detected);
    } finally {
      if (frozen) process.kill(standbyPid(), 'SIGCONT');
      await restoreUsualGateway();
    }
  }, 300_000);

  it('lets a standby take over after the lease when the active freezes; resumed, the frozen one ends itself, and a caller who arrived meanwhile is offered to one seat', async () => {
    let frozenPid = 0;
    let resumedAt = 0;
    try {
      const epoch = await startStandby();
      frozenPid = mainPid();
      process.kill(frozenPid, 'SIGSTOP');
      // A caller who arrives while the active is frozen enters its Stasis application (the dialplan heartbeat is still
      // fresh): the frozen gateway would offer it too on resuming, had it not ended itself first.
      const p = prefix();
      const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 6_000, mediaPort: ctx.mediaBase, callerPrefix: p, timeoutS: 120 });
      await waitFor('second gateway active and routing', async () => {
        const h = await health(secondUrl);
        return h?.status === 200 && h.body.role === 'active' && h.body.routing === 'on';
      }, 60_000, 100);
      expect(await activeEpoch(secondUrl)).toBe(epoch + 1);
      expect(gatewayLogLines(secondLog).filter((l) => l.msg === 'gateway took over').at(-1)).toMatchObject({ epoch: epoch + 1, detected: 'lease-expired' });
      const answered = await run;
      expect(answered.successful, answered.output.slice(-1500)).toBe(1);

      process.kill(frozenPid, 'SIGCONT');
      resumedAt = Date.now();
      await waitFor('the resumed gateway ended itself', () => !alive(frozenPid), 30_000, 100);
      // The last thing it did was to see it lost the lease: nothing after it (no offer, no ARI request).
      const lastWords = gatewayLogLines(mainLog).filter((l) => l.pid === frozenPid && (l.time ?? 0) >= resumedAt - 1_000).at(-1);
      expect(lastWords).toMatchObject({ msg: 'gateway lost leadership', epoch });
      expect(String(lastWords?.reason)).toMatch(/lease not renewed in time|ARI application .* replaced|renewal refused|fenced state write refused/);

      await waitFor('the call recorded', async () => (await callRows(p)).length > 0, 60_000);
      const rows = await callRows(p);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'answered', offers: 1 });
      // The second gateway still serves: the frozen one neither took the applications back nor ended its calls.
      expect((await health(secondUrl))?.body).toMatchObject({ role: 'active', epoch: epoch + 1, ari: 'up' });
    } finally {
      if (frozenPid !== 0 && alive(frozenPid) && resumedAt === 0) process.kill(frozenPid, 'SIGCONT');
      await restoreUsualGateway();
    }
  }, 300_000);
});
