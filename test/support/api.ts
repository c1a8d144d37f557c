import type { E2eContext } from './e2e.env.js';
import { waitFor } from './processes.js';
import { placeCalls, type CallerRun } from './sipp.js';

/** Calls the gateway API as the supervisor; returns status and parsed body. */
export async function api(ctx: Pick<E2eContext, 'apiUrl' | 'supervisorToken'>, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ctx.supervisorToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Calls Asterisk's ARI of the run directly (what a test checks on the switch itself, not through the gateway). */
export async function ari(ctx: E2eContext, method: string, path: string): Promise<{ status: number; body: any }> {
  const auth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;
  const res = await fetch(`${ctx.env.CTI_ARI_URL}/ari${path}`, { method, headers: { authorization: auth } });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** The ids of the trunk channels whose caller number starts with `callerPrefix` (citizens a test placed, not seat legs showing their number). */
export async function callerChannels(ctx: E2eContext, callerPrefix: string): Promise<string[]> {
  const r = await ari(ctx, 'GET', '/channels');
  return (r.body as Array<{ id: string; name: string; caller: { number: string } }>)
    .filter((c) => c.name.startsWith('PJSIP/trunk-') && c.caller.number.startsWith(callerPrefix))
    .map((c) => c.id);
}

/** Hangs up, from the switch, every citizen's call whose caller number starts with `callerPrefix` (see callerChannels). */
export async function hangUpCallers(ctx: E2eContext, callerPrefix: string): Promise<void> {
  for (const id of await callerChannels(ctx, callerPrefix)) await ari(ctx, 'DELETE', `/channels/${encodeURIComponent(id)}`);
}

/** How many calls of the gateway at `ctx.apiUrl` are connected (a caller talking with a seat), from /api/v1/calls/live. */
export async function connectedCallCount(ctx: Pick<E2eContext, 'apiUrl' | 'supervisorToken'>): Promise<number> {
  return ((await api(ctx, 'GET', '/api/v1/calls/live')).body.items as Array<{ phase: string }>).filter((c) => c.phase === 'connected').length;
}

/**
 * Places `count` citizens' calls that stay on the line (test/sipp/caller-until-hangup.xml) until every one of them
 * talks with an agent, then ends them from the switch, and returns the SIPp run. A test that needs N answered calls
 * then never depends on how fast a loaded host connects them (a fixed hold did: a caller still in the language window
 * hung up unanswered). Counts the connected calls of the whole gateway: the file must have no other call up meanwhile.
 */
export async function callersUntilTalking(
  ctx: E2eContext,
  o: { target: string; from: string; count: number; rate: number; mediaPort: number; callerPrefix: string; timeoutS?: number },
): Promise<CallerRun> {
  const running = placeCalls(ctx.root, { target: o.target, from: o.from, count: o.count, rate: o.rate, holdMs: 0, mediaPort: o.mediaPort, scenario: 'caller-until-hangup', callerPrefix: o.callerPrefix, timeoutS: o.timeoutS ?? 180 });
  try {
    await waitFor(
      `${o.count} callers talking with agents`,
      async () => (await connectedCallCount(ctx)) === o.count,
      120_000,
      250,
    );
  } finally {
    await hangUpCallers(ctx, o.callerPrefix);
  }
  return running;
}

/**
 * Logs agent aNN in at seat-NN and makes them ready, for every agent of the run. A 503 (the database not taking
 * connections for a moment on a busy host) is retried after its Retry-After, as the desk does; any other failure throws.
 */
export async function loginAllAgents(ctx: E2eContext): Promise<void> {
  for (const id of ctx.agentIds) {
    const seat = `seat-${id.slice(1)}`;
    const login = await apiRetrying503(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat });
    if (login.status !== 200) throw new Error(`login ${id}: ${login.status} ${JSON.stringify(login.body)}`);
    const ready = await apiRetrying503(ctx, 'POST', `/api/v1/agents/${id}/ready`);
    if (ready.status !== 200) throw new Error(`ready ${id}: ${ready.status} ${JSON.stringify(ready.body)}`);
  }
}

/** `api`, repeated while it answers 503 (after the Retry-After it gives), for up to a minute. */
async function apiRetrying503(ctx: E2eContext, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await api(ctx, method, path, body);
    if (r.status !== 503 || Date.now() > until) return r;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** Month-to-date answer-rate figures. */
export async function answerRate(ctx: E2eContext): Promise<{ offered: number; answered: number; abandoned: number; rate: number | null }> {
  const r = await api(ctx, 'GET', '/api/v1/stats/answer-rate');
  if (r.status !== 200) throw new Error(`answer-rate: ${r.status}`);
  return r.body;
}

/**
 * Waits until Asterisk's qualify finds the SIPp phones of `seatNumbers` answering (ARI endpoint online) and the gateway
 * has not paused their agents for an unreachable seat: a test that starts seats must not race their first OPTIONS.
 */
export async function awaitSeatsAnswering(ctx: E2eContext, seatNumbers: number[]): Promise<void> {
  const seats = seatNumbers.map((n) => `seat-${String(n).padStart(2, '0')}`);
  await waitFor(`seats ${seats.join(',')} answering qualify`, async () => {
    for (const seat of seats) {
      const res = await ari(ctx, 'GET', `/endpoints/PJSIP/${seat}`);
      if (res.status !== 200 || (res.body as { state?: string }).state !== 'online') return false;
    }
    const agents = (await api(ctx, 'GET', '/api/v1/agents')).body.items as Array<{ live: { seat: string; state: string; pauseReason?: string } | null }>;
    return !agents.some((a) => a.live && seats.includes(a.live.seat) && a.live.state === 'paused' && a.live.pauseReason === 'seat_unreachable');
  }, 30_000);
}

/**
 * Waits until `agentId` is on a call (their call answers 200) and returns its call id; asks with the supervisor token
 * (any seat) unless `as` gives another way to ask.
 */
export async function callIdOfAgent(
  ctx: Pick<E2eContext, 'apiUrl' | 'supervisorToken'>,
  agentId: string,
  as: (method: string, path: string) => Promise<{ status: number; body: any }> = (m, p) => api(ctx, m, p),
): Promise<string> {
  let callId = '';
  await waitFor(`${agentId} on the call`, async () => {
    const r = await as('GET', `/api/v1/agents/${agentId}/call`);
    if (r.status === 200) callId = r.body.callId;
    return r.status === 200;
  }, 30_000, 200);
  return callId;
}

/** Calls the gateway API with a bearer `token`; returns status and parsed body (null for an empty one). */
export async function apiWith(ctx: Pick<E2eContext, 'apiUrl'>, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Makes the agents in `ready` ready and pauses every other agent of the run (reason meeting), so only they take calls. */
export async function onlyReady(ctx: E2eContext, ready: readonly string[]): Promise<void> {
  for (const id of ctx.agentIds) {
    const r = ready.includes(id) ? await api(ctx, 'POST', `/api/v1/agents/${id}/ready`) : await api(ctx, 'POST', `/api/v1/agents/${id}/pause`, { reason: 'meeting' });
    if (r.status !== 200) throw new Error(`${id}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}
