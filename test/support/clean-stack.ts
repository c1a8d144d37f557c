import { existsSync, readFileSync } from 'node:fs';
import type { E2eContext } from './e2e.env.js';
import { pidFile, restartGateway, startWorker, stopGatewayByPidFile, workerPidFile } from './gateway.control.js';
import { alive } from './processes.js';

/** What a test file left behind in Asterisk and the gateway (empty lists: nothing). */
export interface Leftovers {
  /** Channels still up in Asterisk (name, state, Stasis application if any). */
  channels: string[];
  /** Calls still waiting in the gateway's queue. */
  waiting: string[];
  /** Live calls the gateway still tracks, and calls handed off to a partner it still watches. */
  calls: string[];
  /** Agents the ACD still holds for a call (ringing or talking). */
  busyAgents: string[];
  /** Seats still held for a supervisor's console phone (no agent could log in there). */
  consolePhones: string[];
  /** Why the state could not be read, if it could not. */
  unreadable?: string;
}

const ariAuth = (env: Record<string, string>) => `Basic ${Buffer.from(`${env.CTI_ARI_USER ?? 'cti'}:${env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;

async function getJson(url: string, authorization: string): Promise<any> {
  const res = await fetch(url, { headers: { authorization } });
  if (res.status !== 200) throw new Error(`${url.replace(/^https?:\/\/[^/]+/, '')}: ${res.status}`);
  return res.json();
}

/** Reads what is left in Asterisk (every channel) and in the gateway (queue, live calls, busy agents). */
export async function leftovers(ctx: E2eContext): Promise<Leftovers> {
  try {
    const ari = `${ctx.env.CTI_ARI_URL}/ari`;
    const supervisor = `Bearer ${ctx.supervisorToken}`;
    const [channels, apps, queue, calls, agents, phones] = await Promise.all([
      getJson(`${ari}/channels`, ariAuth(ctx.env)),
      getJson(`${ari}/applications`, ariAuth(ctx.env)),
      getJson(`${ctx.apiUrl}/api/v1/queue`, supervisor),
      getJson(`${ctx.apiUrl}/api/v1/control/calls`, supervisor),
      getJson(`${ctx.apiUrl}/api/v1/agents`, supervisor),
      getJson(`${ctx.apiUrl}/api/v1/supervisor/phones`, supervisor),
    ]);
    const inApp = new Map<string, string>();
    for (const a of apps as Array<{ name: string; channel_ids: string[] }>) for (const id of a.channel_ids) inApp.set(id, a.name);
    return {
      channels: (channels as Array<{ id: string; name: string; state: string }>).map((c) => `${c.name} (${c.state}${inApp.has(c.id) ? `, in Stasis ${inApp.get(c.id)}` : ''}, id ${c.id})`),
      waiting: (queue.items as Array<{ callId: string }>).map((c) => c.callId),
      calls: [
        ...(calls.items as Array<{ callId: string; phase: string }>).map((c) => `${c.callId} ${c.phase}`),
        ...(calls.handedOff as Array<{ callId: string }>).map((c) => `${c.callId} handed off`),
      ],
      busyAgents: (agents.items as Array<{ agentId: string; live: { state: string } | null }>)
        .filter((a) => a.live && (a.live.state === 'reserved' || a.live.state === 'on_call'))
        .map((a) => `${a.agentId} ${a.live?.state}`),
      consolePhones: (phones.items as Array<{ seat: string; holder: string }>).map((h) => `${h.seat} held by ${h.holder}`),
    };
  } catch (err) {
    return { channels: [], waiting: [], calls: [], busyAgents: [], consolePhones: [], unreadable: (err as Error).message };
  }
}

const isClean = (l: Leftovers) => !l.unreadable && !l.channels.length && !l.waiting.length && !l.calls.length && !l.busyAgents.length && !l.consolePhones.length;

/**
 * Waits until Asterisk and the gateway are clean (calls a test ended are still being torn down for a moment), and
 * throws, naming what leaked, if they are not clean within `boundMs`. The bound only limits how long a leak takes
 * to be reported: a clean stack passes as soon as it is seen clean.
 */
export async function expectStackClean(ctx: E2eContext, boundMs = 30_000): Promise<void> {
  const until = Date.now() + boundMs;
  let last = await leftovers(ctx);
  while (!isClean(last) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await leftovers(ctx);
  }
  if (!isClean(last)) throw new Error(`the test file left the stack unclean: ${JSON.stringify(last, null, 1)}`);
}

/**
 * Starts the worker and the gateway again if they are not running (their pid files name dead processes, or the
 * gateway does not answer /healthz), logging what it did; a no-op on a healthy stack.
 */
export async function ensureServicesRunning(ctx: E2eContext): Promise<void> {
  const workerPid = existsSync(workerPidFile(ctx.root, ctx.runId)) ? Number(readFileSync(workerPidFile(ctx.root, ctx.runId), 'utf8')) : 0;
  if (!workerPid || !alive(workerPid)) {
    console.warn(`[clean-stack] the worker (pid ${workerPid || 'none'}) is not running: starting it before this file`);
    startWorker(ctx.root, ctx.env);
  }
  const answering = await fetch(`${ctx.apiUrl}/healthz`).then((r) => r.status === 200, () => false);
  if (answering) return;
  const gatewayPid = existsSync(pidFile(ctx.root, ctx.runId)) ? Number(readFileSync(pidFile(ctx.root, ctx.runId), 'utf8')) : 0;
  console.warn(`[clean-stack] the gateway (pid ${gatewayPid || 'none'}, ${gatewayPid && alive(gatewayPid) ? 'running but not answering' : 'not running'}) is restarted before this file`);
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId), 'SIGKILL');
  await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
}
