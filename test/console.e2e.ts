// The supervisor console in a real browser (headless Chromium with fake media devices) on the real stack: an agent's
// session is turned away; a SIPp citizen waiting for an agent shows in the live queue; when an agent (a SIPp desk
// phone at seat-22) takes the call, the supervisor barges in from the console: the console takes a free seat's
// browser phone (seat-NN-web, JsSIP over Asterisk's secure WebSocket), the gateway rings it, the browser answers and
// receives the call's audio (getStats inbound bytes growing), switches to whisper (a new snoop channel), and stops.
// The board force-pauses an agent with a reason and shows today's counts; alerts show the trunks, an open incident,
// and an overdue ticket. Screenshots of each screen go to .run/<run>/console-*.png.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFile, type ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, recordPeerConnections } from './support/desk-browser.js';
import { sql, type Kysely } from 'kysely';
import { createDb, type Database } from '@cti/db';
import { api, ari, awaitSeatsAnswering } from './support/api.js';
import { placeCalls, startSeats, type CallerRun } from './support/sipp.js';
import { STEP_BOUND_MS, waitFor } from './support/processes.js';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const shots = join(ctx.root, '.run', ctx.runId);
/** The agent who takes the citizen's call on a SIPp desk phone, and three more on the board. */
const taker = 'a22';
const others = ['a19', 'a20', 'a21'];
const seatNumbers = [19, 20, 21, 22];
const user = { agent: `con-a22-${tag}`, lead: `con-lead-${tag}` };
const PASSWORD = 'Console-Lead-2026';
const CONTEXT = { ignoreHTTPSErrors: true, viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' };

/** Runs the admin CLI against this run's database, with `stdin` as its standard input. */
function admin(args: string[], stdin = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', ['services/gateway/dist/admin.main.js', ...args], { cwd: ctx.root, env: { ...process.env, ...ctx.env } }, (err, _stdout, stderr) =>
      err ? reject(new Error(`${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin?.end(stdin);
  });
}

/** Audio bytes the page's peer connections have received (every RTCPeerConnection is recorded by an init script). */
const browserInboundBytes = (page: Page) =>
  page.evaluate(async () => {
    let bytes = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: { type: string; kind?: string; bytesReceived?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') bytes += r.bytesReceived ?? 0;
      });
    }
    return bytes;
  });

/** Waits until the page's open peer connections have received `more` audio bytes beyond what they have now. */
async function audioGrows(page: Page, what: string, more = 2_000): Promise<void> {
  let first = 0;
  await waitFor(`${what}: browser receiving audio`, async () => (first = await browserInboundBytes(page)) > 0, STEP_BOUND_MS);
  await waitFor(`${what}: browser audio growing`, async () => (await browserInboundBytes(page)) > first + more, STEP_BOUND_MS);
}

type Supervision = { id: string; agentId: string; seat: string; mode: string; phase: string; snoopId: string | null; seatLeg: string };
const supervisions = async (): Promise<Supervision[]> => (await api(ctx, 'GET', '/api/v1/supervision')).body.items;
const channelExists = async (id: string) => (await ari(ctx, 'GET', `/channels/${encodeURIComponent(id)}`)).status === 200;

describe('the supervisor console', () => {
  let chrome: Browser | undefined;
  let leadContext: BrowserContext | undefined;
  let page: Page;
  let db: Kysely<Database>;
  let seats: ChildProcess[] = [];
  /** Agents logged in before this file, with whether they were ready: restored afterwards. */
  let before: Array<{ agentId: string; seat: string; ready: boolean }> = [];
  let incidentId = '';
  let ticket: { id: string; ticketNo: string } | undefined;
  let callerSipp: ChildProcess | undefined;
  let caller: Promise<CallerRun> | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
    await admin(['staff', 'add', '--username', user.agent, '--name', '坐席二十二', '--role', 'agent', '--agent', taker], `${PASSWORD}\n`);
    await admin(['staff', 'add', '--username', user.lead, '--name', '值班长丙', '--role', 'supervisor'], `${PASSWORD}\n`);
    // Only this file's agents take calls: everyone else is logged out (and logged back in afterwards).
    const agents = (await api(ctx, 'GET', '/api/v1/agents')).body.items as Array<{ agentId: string; live: { seat: string; state: string } | null }>;
    before = agents.filter((a) => a.live && a.live.state !== 'logged_out').map((a) => ({ agentId: a.agentId, seat: (a.live as { seat: string }).seat, ready: a.live?.state === 'ready' }));
    for (const a of before) expect((await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/logout`)).status).toBe(200);
    // Desk phones (SIPp, answering at once) for the board's agents, logged in but not ready yet.
    seats = startSeats(ctx.root, seatNumbers.map((n) => Number(ctx.env.CTI_SEAT_BASE_PORT) + n));
    for (const id of [...others, taker]) expect((await api(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` })).status).toBe(200);
    await awaitSeatsAnswering(ctx, seatNumbers);
    // Something for the alerts panel: a fault reported by staff, and an urgent ticket (due within seconds in this run).
    const incident = await api(ctx, 'POST', '/api/v1/ops/incidents', { level: 'L3', title: `录音存储空间不足（控制台测试 ${tag}）` });
    expect(incident.status).toBe(201);
    incidentId = incident.body.id;
    const t = await api(ctx, 'POST', '/api/v1/tickets', { category: 'help', urgency: 'urgent', callerNumber: '13800000022', summary: `路灯倒伏压住电线（控制台测试 ${tag}）`, content: '路灯倒伏', elements: { who: '李女士', where: '康定市新市前街', what: '路灯倒伏' } });
    expect(t.status).toBe(201);
    ticket = t.body;

    mkdirSync(shots, { recursive: true });
    chrome = await launchChromium();
    leadContext = await chrome.newContext(CONTEXT);
    leadContext.setDefaultTimeout(STEP_BOUND_MS);
    await recordPeerConnections(leadContext);
  });

  afterAll(async () => {
    if (callerSipp && callerSipp.exitCode === null) callerSipp.kill('SIGKILL');
    await caller?.catch(() => undefined);
    // The console gives its phone's seat back; a hold left behind would keep agents off that seat for two minutes.
    if (page && !page.isClosed()) await page.evaluate(() => fetch('/api/v1/supervisor/phone', { method: 'DELETE', headers: { 'x-csrf-token': sessionStorage.getItem('cti.csrf') ?? '' } })).catch(() => undefined);
    await chrome?.close();
    for (const id of [...others, taker]) await api(ctx, 'POST', `/api/v1/agents/${id}/logout`);
    for (const s of seats) s.kill('SIGKILL');
    for (const a of before) {
      await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/login`, { seat: a.seat.replace(/-web$/, ''), ...(a.seat.endsWith('-web') && { phone: 'browser' }) });
      if (a.ready) await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/ready`);
    }
    if (incidentId) await api(ctx, 'POST', `/api/v1/ops/incidents/${incidentId}/resolve`, { note: '控制台测试结束' });
    if (ticket) await api(ctx, 'POST', `/api/v1/tickets/${ticket.id}/actions/direct_answer`, { data: { answerText: '测试工单，已直接答复' } });
    await db?.destroy();
    if (pageErrors.length) console.log(`[console] page errors:\n${pageErrors.join('\n')}`);
  });

  it('turns an agent away: the page says so and the API refuses the session', async () => {
    const agentContext = await (chrome as Browser).newContext(CONTEXT);
    const agentPage = await agentContext.newPage();
    await agentPage.goto(`${ctx.apiUrl}/console/`);
    await agentPage.fill('input[name=username]', user.agent);
    await agentPage.fill('input[name=password]', PASSWORD);
    await agentPage.click('[data-test=sign-in]');
    await agentPage.locator('[data-test=not-a-lead]').waitFor();
    expect(await agentPage.evaluate(() => Promise.all(['/api/v1/queue', '/api/v1/supervision', '/api/v1/calls/live'].map((u) => fetch(u).then((r) => r.status))))).toEqual([403, 403, 403]);
    expect(await agentPage.evaluate(() => fetch('/api/v1/supervisor/phone', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': sessionStorage.getItem('cti.csrf') ?? '' }, body: '{}' }).then((r) => r.status))).toBe(403);
    await agentContext.close();
  });

  it('shows a waiting SIPp caller in the live queue, then the call on the board; barge from the browser hears it, switches to whisper and stops', async () => {
    page = await (leadContext as BrowserContext).newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
    await page.goto(`${ctx.apiUrl}/console/`);
    await page.fill('input[name=username]', user.lead);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('[data-test=sign-in]');
    await page.locator('[data-test=refresh-status]', { hasText: '实时数据' }).waitFor({ timeout: STEP_BOUND_MS });

    // A citizen calls 12345 while no agent is ready, and stays on the line until the agent's side hangs up.
    caller = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, scenario: 'caller-until-hangup', onStart: (c) => (callerSipp = c) });
    const queued = page.locator('[data-test=queue-table] .el-table__body tr').first();
    await queued.waitFor({ timeout: STEP_BOUND_MS });
    expect(await queued.innerText()).toMatch(/^1\s+\d\d:\d\d\s+普通话\s+—\s+12345/);
    expect(await page.locator('[data-test=waiting]').innerText()).toBe('1');
    const waiting = (await api(ctx, 'GET', '/api/v1/queue')).body.items;
    expect(waiting).toHaveLength(1);
    // The wait counts up on the page between pushes.
    const shown = await page.locator('[data-test=queue-wait]').innerText();
    await page.waitForFunction((s) => document.querySelector('[data-test=queue-wait]')?.textContent !== s, shown, { timeout: STEP_BOUND_MS });
    await page.screenshot({ path: join(shots, 'console-queue.png') });

    // The agent goes ready: the ACD rings their desk phone, which answers; the board and the call list follow.
    expect((await api(ctx, 'POST', `/api/v1/agents/${taker}/ready`)).status).toBe(200);
    const callRow = page.locator('[data-test=calls-table] .el-table__body tr', { hasText: taker });
    await callRow.locator('text=通话中').waitFor({ timeout: STEP_BOUND_MS });
    await page.locator('[data-test=agents-table] tr', { hasText: `（${taker}）` }).locator('text=通话中').waitFor();
    await page.locator('[data-test=queue-table]', { hasText: '无排队来电' }).waitFor();

    // Barge: the console takes a free seat's browser phone, the gateway rings it, the browser answers and hears the call.
    await callRow.locator('[data-test=supervise-barge]').click();
    await page.locator('[data-test=sv-phase]', { hasText: '已接通' }).waitFor({ timeout: STEP_BOUND_MS });
    await page.locator('[data-test=phone-status]', { hasText: '监听话机已就绪' }).waitFor();
    let sv: Supervision | undefined;
    await waitFor('barge active on the gateway', async () => (sv = (await supervisions()).find((s) => s.agentId === taker))?.phase === 'active' && sv?.snoopId != null, STEP_BOUND_MS);
    const held = (await api(ctx, 'GET', '/api/v1/supervisor/phones')).body.items as Array<{ seat: string; holder: string }>;
    expect(held).toEqual([{ seat: 'seat-27', holder: user.lead, expiresAt: expect.any(String) }]);
    expect(sv).toMatchObject({ mode: 'barge', seat: 'seat-27-web' });
    const bargeSnoop = (sv as Supervision).snoopId as string;
    expect(await channelExists(bargeSnoop)).toBe(true);
    expect(await channelExists((sv as Supervision).seatLeg)).toBe(true);
    await audioGrows(page, 'barge');
    await page.locator('[data-test=call-supervised]', { hasText: '强插' }).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-test=sv-inbound]')?.textContent ?? 0) > 0, undefined, { timeout: STEP_BOUND_MS });
    await page.screenshot({ path: join(shots, 'console-barge.png') });

    // Whisper: a new snoop channel replaces the barge one; the supervisor's call stays up and keeps hearing.
    await page.click('[data-test=sv-mode-whisper]');
    await waitFor('whisper on the gateway', async () => {
      const s = (await supervisions()).find((x) => x.agentId === taker);
      return s?.mode === 'whisper' && s.snoopId !== null && s.snoopId !== bargeSnoop && (await channelExists(s.snoopId));
    }, STEP_BOUND_MS);
    await waitFor('barge snoop gone', async () => !(await channelExists(bargeSnoop)), STEP_BOUND_MS);
    await page.locator('[data-test=sv-mode]', { hasText: '耳语中' }).waitFor();
    await audioGrows(page, 'whisper');

    // Stop: the gateway hangs up the supervisor's leg and the snoop; the console's phone is idle again.
    const { id, seatLeg } = (await supervisions()).find((x) => x.agentId === taker) as Supervision;
    await page.click('[data-test=sv-stop]');
    await page.locator('[data-test=supervision-bar]').waitFor({ state: 'detached', timeout: STEP_BOUND_MS });
    await waitFor('supervision ended', async () => (await supervisions()).length === 0, STEP_BOUND_MS);
    await waitFor('supervisor leg gone', async () => !(await channelExists(seatLeg)), STEP_BOUND_MS);
    await page.waitForFunction(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.every((pc) => pc.connectionState === 'closed'), undefined, { timeout: STEP_BOUND_MS });
    const audited = await db.selectFrom('audit_log').select(['action', 'actor_id']).where('action', 'like', 'supervision.%').where(sql<string>`data->>'sessionId'`, '=', id).orderBy('id').execute();
    expect(audited.map((r) => `${r.action}:${r.actor_id}`)).toEqual([`supervision.barge:${user.lead}`, `supervision.whisper:${user.lead}`, `supervision.stop:${user.lead}`]);

    // The call goes on between citizen and agent until the agent's side hangs up.
    expect((await api(ctx, 'POST', `/api/v1/agents/${taker}/call/hangup`)).status).toBe(200);
    const run = await caller;
    expect(run.successful, run.output.slice(-800)).toBe(1);
    await page.locator('[data-test=calls-table]', { hasText: '无通话' }).waitFor({ timeout: STEP_BOUND_MS });
  }, 600_000); // a hang guard: every step has its own bound (STEP_BOUND_MS)

  it("force-pauses an agent from the board with a reason (audited) and shows today's counts", async () => {
    expect((await api(ctx, 'POST', '/api/v1/agents/a19/ready')).status).toBe(200);
    const row = page.locator('[data-test=agents-table] tr', { hasText: '（a20）' });
    await row.locator('[data-test=force-pause]').click();
    await page.click('[data-test=pause-reason]');
    await page.click('.el-select-dropdown__item:has-text("用餐")');
    await page.fill('input[data-test=pause-note]', '控制台测试：安排用餐');
    await page.click('[data-test=pause-confirm]');
    await row.locator('text=用餐').waitFor({ timeout: STEP_BOUND_MS });
    expect((await api(ctx, 'GET', '/api/v1/agents')).body.items.find((a: { agentId: string }) => a.agentId === 'a20').live).toMatchObject({ state: 'paused', pauseReason: 'meal' });
    const audit = await db.selectFrom('audit_log').select(['actor_id', 'data']).where('action', '=', 'agent.force_pause').where('target', '=', 'a20').orderBy('id', 'desc').executeTakeFirst();
    expect(audit).toMatchObject({ actor_id: user.lead, data: { reason: 'meal', note: '控制台测试：安排用餐' } });
    // The call the taker answered is stored by the worker, then counted in today's figures on the board.
    const takerRow = page.locator('[data-test=agents-table] tr', { hasText: `（${taker}）` });
    await page.waitForFunction((t) => {
      const cells = [...document.querySelectorAll('[data-test=agents-table] tr')].find((r) => r.textContent?.includes(`（${t}）`))?.querySelectorAll('td');
      return cells !== undefined && Number(cells[5]?.textContent) >= 1;
    }, taker, { timeout: 90_000 });
    expect(await takerRow.innerText()).toMatch(/seat-22 · 桌面话机\s+就绪/);
    await page.screenshot({ path: join(shots, 'console-board.png') });
  }, 120_000);

  it('shows alerts (trunks, the open incident) and the overdue ticket, and opens the wallboard', async () => {
    await page.locator('[data-test=alerts-list] [data-test=alert]', { hasText: `控制台测试 ${tag}` }).waitFor({ timeout: STEP_BOUND_MS });
    // The urgent ticket is overdue a few seconds after it was opened; the wallboard's count and then the list follow.
    await page.locator('[data-test=overdue-table]', { hasText: (ticket as { ticketNo: string }).ticketNo }).waitFor({ timeout: 60_000 });
    const trunks = (await api(ctx, 'GET', '/api/v1/wallboard/snapshot')).body.trunks as Record<string, { status: string }>;
    for (const [name, t] of Object.entries(trunks)) {
      const label = name === 'trunk-primary' ? '主用中继' : '备用中继';
      expect(await page.locator('[data-test=alerts-list]', { hasText: label }).count(), `${name} ${t.status}`).toBe(t.status === 'up' ? 0 : 1);
    }
    await page.locator('[data-test=projection]').waitFor();
    await page.screenshot({ path: join(shots, 'console-alerts.png') });
    const [wallboard] = await Promise.all([page.waitForEvent('popup'), page.click('[data-test=open-wallboard]')]);
    await wallboard.waitForLoadState();
    expect(new URL(wallboard.url()).pathname).toBe('/wallboard');
    expect(await wallboard.title()).not.toContain('无效');
    await wallboard.close();

    // Giving the phone back frees its seat for agents again; signing out ends the session.
    await page.click('[data-test=phone-release]');
    await page.locator('[data-test=phone-status]', { hasText: '监听话机未启用' }).waitFor();
    await waitFor('console phone released', async () => (await api(ctx, 'GET', '/api/v1/supervisor/phones')).body.items.length === 0, STEP_BOUND_MS);
    // The gateway frees the seat, then writes the audit entry: the list can show the seat free before the entry is
    // stored (L48, a loaded host). Waited for, then checked exactly.
    const phoneAudit = async () => (await db.selectFrom('audit_log').select('action').where('action', 'like', 'supervisor.phone_%').where('actor_id', '=', user.lead).orderBy('id').execute()).map((r) => r.action);
    await waitFor('the release audited', async () => (await phoneAudit()).includes('supervisor.phone_release'), STEP_BOUND_MS);
    expect(await phoneAudit()).toEqual(['supervisor.phone_take', 'supervisor.phone_release']);
    await page.click('[data-test=sign-out]');
    await page.locator('[data-test=sign-in]').waitFor();
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
