// The caller's own rating (来电人评价) through the real stack: with rating on, an agent ends a SIPp citizen's call from
// the desk API; the citizen stays on the line, hears the prompt (Asterisk's Read in [cti-rating]) and presses 4
// (RFC 2833); the gateway publishes the rating, the worker stores it, and the ratings report counts it for the agent
// beside the callback satisfaction. A citizen who hangs up first is never asked. The gateway is put back as it was.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { beijingDate } from '@cti/domain';
import { createDb } from '@cti/db';
import { api, ari, callIdOfAgent, hangUpCallers, onlyReady as onlyReadyIn } from './support/api.js';
import { placeCalls, startUas } from './support/sipp.js';
import { waitFor } from './support/processes.js';
import { pidFile, restartGateway, stopGatewayByPidFile } from './support/gateway.control.js';
import { scenarioName, writeKeyPressingCaller } from './support/dtmf.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const callerPrefix = `136${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
let seat: ChildProcess | undefined;
/** The citizen's scenario: presses 4 every 1.5 s (up to 60 times) until the centre hangs up. */
let pressesFour = '';

/** Only `ready` take calls; everyone else is in a meeting. */
const onlyReady = (ready: string[]) => onlyReadyIn(ctx, ready);

const today = () => beijingDate(Date.now());
const ratingsOfA01 = async () => {
  const r = await api(ctx, 'GET', `/api/v1/kpi/caller-ratings?date=${today()}`);
  expect(r.status).toBe(200);
  return { a01: r.body.agents.find((a: { agentId: string }) => a.agentId === 'a01') ?? { rated: 0, offered: 0, distribution: [0, 0, 0, 0, 0] }, body: r.body };
};

beforeAll(async () => {
  pressesFour = scenarioName(ctx.root, writeKeyPressingCaller(join(ctx.root, '.run', ctx.runId, 'dtmf'), '4', 60));
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, { ...ctx.env, CTI_RATING_ENABLED: 'true' }, ctx.apiUrl);
  seat = startUas(ctx.root, '127.0.0.1', Number(ctx.env.CTI_SEAT_BASE_PORT) + 1, 'seat');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
});

afterAll(async () => {
  await hangUpCallers(ctx, callerPrefix);
  seat?.kill('SIGKILL');
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
});

describe('the caller’s rating', () => {
  it('asks the caller whose agent ended the call, stores the key pressed and reports it for the agent', async () => {
    const before = await ratingsOfA01();
    await onlyReady(['a01']);
    const caller = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 120, scenario: pressesFour });
    try {
      const callId = await callIdOfAgent(ctx, 'a01');
      // The agent ends the call (the desk's 挂机): the gateway hangs up the agent's leg.
      expect((await api(ctx, 'POST', '/api/v1/agents/a01/call/hangup')).status).toBe(200);
      const run = await caller;
      expect(run.successful, run.output.slice(-2000)).toBe(1);
      // The worker stored the call and its rating; the report counts both for a01.
      let after = before;
      await waitFor('the rating in the report', async () => (after = await ratingsOfA01()).a01.rated === before.a01.rated + 1, 30_000, 300);
      expect(after.a01.offered).toBe(before.a01.offered + 1);
      expect(after.a01.distribution[3]).toBe(before.a01.distribution[3] + 1);
      expect(after.body.levels).toEqual(['很不满意', '不满意', '一般', '满意', '很满意']);
      expect(after.body).toHaveProperty('callbackSatisfaction');
      expect(after.body.centre.rated).toBe(before.body.centre.rated + 1);
      // The caller's channel is gone (thanked and hung up), nothing of the call is left in Asterisk.
      await waitFor('the caller’s channel gone', async () => !((await ari(ctx, 'GET', '/channels')).body as Array<{ id: string }>).some((c) => c.id === callId), 20_000);
    } finally {
      await hangUpCallers(ctx, callerPrefix);
      await caller;
    }
  });

  it('never asks a caller who hung up first', async () => {
    const before = await ratingsOfA01();
    await onlyReady(['a01']);
    const caller = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 60, scenario: 'caller-until-hangup' });
    await callIdOfAgent(ctx, 'a01');
    // The citizen hangs up first (the switch ends their leg, as when they put the phone down).
    await hangUpCallers(ctx, callerPrefix);
    const run = await caller;
    expect(run.successful, run.output.slice(-2000)).toBe(1);
    // The call is stored (ended by the caller: not one the caller could rate), and no rating came with it.
    const db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 1);
    try {
      await waitFor('the call stored', async () => {
        const row = await db.selectFrom('calls').select(['ended_by', 'agent_id']).where('caller_number', 'like', `${callerPrefix}%`).where('ended_by', '=', 'caller').executeTakeFirst();
        return row?.agent_id === 'a01';
      }, 30_000, 300);
      expect(await db.selectFrom('call_ratings').select('linked_id').where('linked_id', 'in', db.selectFrom('calls').select('linked_id').where('caller_number', 'like', `${callerPrefix}%`).where('ended_by', '=', 'caller')).execute()).toEqual([]);
    } finally {
      await db.destroy();
    }
    const after = await ratingsOfA01();
    expect(after.a01.rated).toBe(before.a01.rated);
    expect(after.a01.offered).toBe(before.a01.offered);
  });
});
