// Overload (docs/domain.md §23), through the real stack: Asterisk too slow to answer the gateway's request in time
// must make a caller wait longer, never lose them. The gateway of this file talks to ARI through a proxy that holds
// back chosen requests past the gateway's request timeout (CTI_ARI_REQUEST_TIMEOUT_MS) and then forwards them, so
// Asterisk carries them out late, as an overloaded Asterisk does. The file gives the slot its usual gateway back.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { placeCalls } from './support/sipp.js';
import { useCallStack } from './support/call-stack.fixture.js';
import { waitFor } from './support/processes.js';
import { pidFile, restartGateway, stopGatewayByPidFile } from './support/gateway.control.js';
import { api, hangUpCallers, loginAllAgents, onlyReady } from './support/api.js';
import { expectStackClean } from './support/clean-stack.js';
import { gatewayLogLines, gatewayMetric, sizeOf } from './support/gateway-log.js';
import { SlowAriProxy } from './support/slow-ari.proxy.js';

const ctx = inject('e2e');
const stack = useCallStack(ctx);
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const slot = Number(ctx.env.CTI_HTTP_PORT) - 8180; // test/support/e2e.env.ts
const gatewayLog = `${ctx.root}.run/${ctx.runId}/gateway.log`;
/** The gateway gives up on an ARI request after this long; the proxy holds the chosen ones back longer. */
const REQUEST_TIMEOUT_MS = 3_000;
const HELD_BACK_MS = REQUEST_TIMEOUT_MS + 3_000;
const proxy = new SlowAriProxy(new URL(ctx.env.CTI_ARI_URL as string));
let slowEnv: Record<string, string> | undefined;

/** The slot's gateway started again with `env` (a graceful stop first: it hands its lease over). */
async function gatewayWith(env: Record<string, string>): Promise<void> {
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, env, ctx.apiUrl);
}

/** One sample of the gateway's /metrics, or undefined when absent. */
const metric = (series: string) => gatewayMetric(ctx.apiUrl, series);

beforeAll(async () => {
  // 8200+slot is free in every slot (the takeover file's second gateway uses it while it runs, and files run one by one).
  const proxyUrl = await proxy.start(8200 + slot);
  slowEnv = { ...ctx.env, CTI_ARI_URL: proxyUrl, CTI_ARI_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) };
  await gatewayWith(slowEnv);
  await loginAllAgents(ctx);
});

afterAll(async () => {
  proxy.normal();
  await gatewayWith(ctx.env);
  await proxy.close();
  await loginAllAgents(ctx);
  await expectStackClean(ctx);
});

describe('a caller Asterisk is too slow for', () => {
  it('keeps their place when Asterisk does not answer the request to answer them in time, and is answered by the agent who takes them, not sent to the fallback', async () => {
    await onlyReady(ctx, []); // nobody free: the caller must wait, and is answered to hear the language prompt
    const callerPrefix = `133${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    const offset = sizeOf(gatewayLog);
    const fallbacksBefore = await metric('cti_calls_fallback_total{result="handed_over"}');
    proxy.slowDown('POST', /^\/channels\/[^/]+\/answer$/, HELD_BACK_MS);
    const call = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, scenario: 'caller-until-hangup', timeoutS: 300, callerPrefix });
    try {
      // The gateway gave up on the answer: the caller keeps their place, said in the log and counted.
      let callId = '';
      await waitFor('the gateway giving up on the answer', () => {
        const line = gatewayLogLines(gatewayLog, offset).find((l) => l.msg === 'Asterisk did not carry out a request for a waiting caller; they keep their place without hold music');
        callId = String(line?.callId ?? '');
        return line !== undefined;
      }, 60_000, 100);
      proxy.normal();
      expect(String(gatewayLogLines(gatewayLog, offset).find((l) => l.callId === callId && typeof l.err === 'string')?.err)).toMatch(new RegExp(`ARI POST /channels/${callId.replace('.', '\\.')}/answer timed out after ${REQUEST_TIMEOUT_MS} ms`));
      expect(await metric('cti_caller_waits_degraded_total')).toBeGreaterThanOrEqual(1);
      const live = (await api(ctx, 'GET', '/api/v1/calls/live')).body.items as Array<{ callId: string; phase: string }>;
      expect(live.find((c) => c.callId === callId)).toMatchObject({ phase: 'queued' });
      expect((await api(ctx, 'GET', '/api/v1/queue')).body.items.map((c: { callId: string }) => c.callId)).toEqual([callId]);

      // Asterisk carried the held-back answer out late; the caller still waits in the gateway's queue.
      await waitFor('the held-back answer reaching Asterisk', () => proxy.held.some((h) => h.path === `/channels/${callId}/answer` && h.status !== undefined), 60_000, 100);
      expect(proxy.held.find((h) => h.path === `/channels/${callId}/answer`)?.status).toBe(204);

      // An agent becomes free: the seat rings, the agent answers, and the connect answers the caller (again, harmlessly).
      await onlyReady(ctx, ['a01']);
      await waitFor('the caller talking with a01', async () => ((await api(ctx, 'GET', '/api/v1/calls/live')).body.items as Array<{ callId: string; phase: string; agentId: string | null }>).some((c) => c.callId === callId && c.phase === 'connected' && c.agentId === 'a01'), 60_000, 100);
      await hangUpCallers(ctx, callerPrefix);
      const run = await call;
      expect(run.successful, run.output.slice(-1500)).toBe(1);
      await waitFor('the call recorded', async () => (await stack.db().query(`SELECT 1 FROM "${ctx.runId}".calls WHERE linked_id = $1`, [callId])).rowCount === 1, 60_000);
      const row = (await stack.db().query(`SELECT outcome, agent_id, via_fallback FROM "${ctx.runId}".calls WHERE linked_id = $1`, [callId])).rows[0];
      expect(row).toEqual({ outcome: 'answered', agent_id: 'a01', via_fallback: false });
      expect(await metric('cti_calls_fallback_total{result="handed_over"}')).toBe(fallbacksBefore);
    } finally {
      proxy.normal();
      await hangUpCallers(ctx, callerPrefix).catch(() => undefined);
      await call.catch(() => undefined);
    }
  }, 300_000);
});
