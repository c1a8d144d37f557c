// Nuisance and malicious callers (骚扰、恶意来电) through the real stack: an agent on a SIPp citizen's call flags it; a
// shift lead approves a mark on the number with a reason, an expiry and a police referral; the same citizen's next
// call reaches the agent's feed with the mark on the offer and the desk's call view; the answer-rate figures say how
// many calls came from marked numbers (counted, as configured by default); the lead sees it in the console, and the
// agent's desk shows it above the ringing call.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { beijingDate } from '@cti/domain';
import { TokenRepository, createDb } from '@cti/db';
import { api, apiWith, callIdOfAgent, hangUpCallers, onlyReady as onlyReadyIn } from './support/api.js';
import { placeCalls, startUas, type CallerRun } from './support/sipp.js';
import { DESK_CONTEXT, adminCli, launchChromium, signInAtSeat, signInLeadAtConsole } from './support/desk-browser.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const tag = Date.now().toString(36);
// One citizen: SIPp numbers its callers prefix + call number, and each run here places one call (number 1).
const callerPrefix = `135${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
const citizen = `${callerPrefix}1`;
const token: Record<'a01' | 'lead', string> = { a01: '', lead: '' };
let seat: ChildProcess | undefined;
let chrome: Browser | undefined;

interface Client {
  on(event: 'message', l: (data: Buffer) => void): void;
  close(): void;
}
const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string) => Client;

const as = (who: keyof typeof token, method: string, path: string, body?: unknown) => apiWith(ctx, token[who], method, path, body);

/** Only `ready` take calls; everyone else is in a meeting. */
const onlyReady = (ready: string[]) => onlyReadyIn(ctx, ready);

/** The citizen calls and stays until hung up; resolves once a01 has the call. */
async function citizenCalls(): Promise<{ run: Promise<CallerRun>; callId: string }> {
  const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 120, scenario: 'caller-until-hangup' });
  return { run, callId: await callIdOfAgent(ctx, 'a01', (m, p) => as('a01', m, p)) };
}

beforeAll(async () => {
  const db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 1);
  const tokens = new TokenRepository(db);
  token.a01 = await tokens.create('agent', `e2e-mark-a01-${tag}`, 'a01');
  token.lead = await tokens.create('supervisor', `e2e-mark-lead-${tag}`, null);
  await db.destroy();
  seat = startUas(ctx.root, '127.0.0.1', Number(ctx.env.CTI_SEAT_BASE_PORT) + 1, 'seat');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
});

afterAll(async () => {
  await chrome?.close();
  await hangUpCallers(ctx, callerPrefix);
  seat?.kill('SIGKILL');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
});

describe('nuisance and malicious callers', () => {
  let markId = '';

  it('lets the agent flag the call they are on (not a number), and only that', async () => {
    await onlyReady(['a01']);
    const { run } = await citizenCalls();
    try {
      expect((await as('a01', 'POST', '/api/v1/caller-marks/flags', { kind: 'malicious', reason: '辱骂坐席', number: '13900000000' })).status).toBe(403);
      const f = await as('a01', 'POST', '/api/v1/caller-marks/flags', { kind: 'malicious', reason: `辱骂坐席、威胁 ${tag}` });
      expect(f.status, JSON.stringify(f.body)).toBe(201);
      // The agent sees the number masked; the mark is pending until a shift lead decides.
      expect(f.body).toMatchObject({ status: 'pending', kind: 'malicious', flaggedBy: `e2e-mark-a01-${tag}`, number: '*'.repeat(citizen.length - 4) + citizen.slice(-4) });
      markId = f.body.id;
      expect((await as('a01', 'GET', '/api/v1/agents/a01/call/caller-mark')).body.mark).toBeNull();
    } finally {
      await hangUpCallers(ctx, callerPrefix);
      await run;
    }
    const none = await as('a01', 'POST', '/api/v1/caller-marks/flags', { kind: 'nuisance', reason: '没有通话' });
    expect(none.status).toBe(409);
    expect(none.body.message).toMatch(/not on a call/);
  });

  it('has a shift lead approve the mark with a reason, an expiry and a police referral; agents may not', async () => {
    const pending = await as('lead', 'GET', '/api/v1/caller-marks?status=pending');
    expect(pending.body.items.find((m: { id: string }) => m.id === markId)).toMatchObject({ number: citizen, flagReason: `辱骂坐席、威胁 ${tag}` });
    const until = beijingDate(Date.now() + 30 * 86_400_000);
    expect((await as('a01', 'POST', `/api/v1/caller-marks/${markId}/decision`, { approve: true, reason: 'x', until })).status).toBe(403);
    const noNote = await as('lead', 'POST', `/api/v1/caller-marks/${markId}/decision`, { approve: true, reason: '多次辱骂威胁，已查实', until, policeReferral: true });
    expect(noNote.status).toBe(400);
    expect(noNote.body.message).toMatch(/police referral needs a note/);
    const ok = await as('lead', 'POST', `/api/v1/caller-marks/${markId}/decision`, { approve: true, reason: '多次辱骂威胁，已查实', until, policeReferral: true, policeNote: '已移交康定市公安局' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ status: 'active', decidedBy: `e2e-mark-lead-${tag}`, policeReferral: true });
    const history = await as('lead', 'GET', `/api/v1/caller-marks/${markId}/history`);
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual(['flag', 'approve']);
  });

  it("shows the mark on the citizen's next offer and on the agent's call, and counts the citizen's calls as marked", async () => {
    await onlyReady(['a01']);
    const feed = new WebSocketClient(`${ctx.apiUrl.replace(/^http/, 'ws')}/api/v1/agents/a01/events?token=${token.a01}`);
    let hello: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (hello = resolve));
    const offered = new Promise<any>((resolve) => feed.on('message', (d) => {
      const e = JSON.parse(d.toString());
      if (e.type === 'hello') hello();
      if (e.type === 'call.offered') resolve(e);
    }));
    let run: Promise<CallerRun> | undefined;
    try {
      await open; // subscribed: the offer cannot be missed
      const call = await citizenCalls();
      run = call.run;
      const offer = await offered;
      expect(offer.callerMark).toMatchObject({ kind: 'malicious', label: '恶意来电', reason: '多次辱骂威胁，已查实', policeReferral: true });
      const onCall = await as('a01', 'GET', '/api/v1/agents/a01/call/caller-mark');
      expect(onCall.body).toMatchObject({ callId: call.callId, mark: { kind: 'malicious', label: '恶意来电' } });
      // Already marked: another flag is refused with the reason.
      expect((await as('a01', 'POST', '/api/v1/caller-marks/flags', { kind: 'nuisance', reason: '又来了' })).status).toBe(409);
    } finally {
      feed.close();
      await hangUpCallers(ctx, callerPrefix);
      await run;
    }
    // Counted by default (CTI_KPI_EXCLUDE_MARKED_CALLERS=false): the figures say none was left out.
    const rate = await api(ctx, 'GET', `/api/v1/kpi/answer-rate?date=${beijingDate(Date.now())}`);
    expect(rate.status).toBe(200);
    expect(rate.body.excluded).toMatchObject({ markedCaller: 0 });
  });

  it('lists the active mark in the console for the shift lead', async () => {
    chrome = await launchChromium();
    const page = await signInLeadAtConsole(chrome, ctx.root, ctx.env, ctx.apiUrl, `mark-lead-${tag}`, '值班长丙');
    await page.click('[data-test=open-caller-marks]');
    await page.click('.marks-drawer .el-radio-button:has-text("生效中")');
    await page.locator('.marks-drawer .el-radio-button.is-active', { hasText: '生效中' }).waitFor();
    const row = page.locator('[data-test=caller-mark-table] tr', { hasText: citizen });
    await row.waitFor({ timeout: 10_000 });
    expect(await row.innerText()).toMatch(new RegExp(`恶意[\\s\\S]*已移交公安[\\s\\S]*多次辱骂威胁，已查实[\\s\\S]*标记至 ${beijingDate(Date.now() + 30 * 86_400_000)}`));
    await page.screenshot({ path: join(ctx.root, '.run', ctx.runId, 'console-caller-marks.png') });
  });

  it("shows the mark above the marked citizen's ringing call on the agent's desk", async () => {
    const user = { username: `mark-desk-${tag}`, password: 'Desk-Agent-2026' };
    await adminCli(ctx.root, ctx.env, ['staff', 'add', '--username', user.username, '--name', '坐席二', '--role', 'agent', '--agent', 'a02'], `${user.password}\n`);
    // Only the desk's agent takes calls, at the browser phone of seat-02.
    await onlyReady([]);
    await api(ctx, 'POST', '/api/v1/agents/a02/logout');
    chrome ??= await launchChromium();
    const context = await chrome.newContext(DESK_CONTEXT);
    let run: Promise<CallerRun> | undefined;
    try {
      const page = await context.newPage();
      await signInAtSeat(page, ctx.apiUrl, user, 'seat-02');
      await page.click('[data-test=ready]');
      await page.locator('[data-test=agent-state]', { hasText: '就绪' }).waitFor();
      run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 120, scenario: 'caller-until-hangup' });
      const banner = page.locator('[data-test=caller-mark]');
      await banner.waitFor({ timeout: 30_000 });
      expect(await banner.innerText()).toMatch(/恶意来电（已移交公安）：多次辱骂威胁，已查实（标记至 \d{4}-\d{2}-\d{2}/);
      await page.locator('[data-test=answer]:not([disabled])').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(ctx.root, '.run', ctx.runId, 'desk-caller-mark.png'), animations: 'disabled' });
    } finally {
      await hangUpCallers(ctx, callerPrefix);
      await run;
      await context.close();
      // a02 back at its SIP seat, as the other files expect.
      await api(ctx, 'POST', '/api/v1/agents/a02/logout');
      expect((await api(ctx, 'POST', '/api/v1/agents/a02/login', { seat: 'seat-02' })).status).toBe(200);
    }
  }, 180_000);
});
