// The agent desk's call control in a real browser on the real stack (issue 15): one-click 110 during a browser call —
// a SIPp partner at the primary trunk's address answers, three parties talk, the agent hands off — with the intake
// filled half in the pop-out window (which survives a reload) and submitted as transferred to 110; an attended
// transfer from the desk to another agent, after the dial policy refused an outside number with its reason; and
// "my work": a missed-call task called back with click-to-dial (the agent's browser rings first, then the citizen's
// phone at the trunk), and the agent's QA results. Screenshots of each screen go to .run/<run id>/.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, awaitSeatsAnswering } from './support/api.js';
import { placeCalls, startUas, type CallerRun } from './support/sipp.js';
import { startTrunkPhone, trunkAnswering } from './support/trunk.js';
import { waitFor } from './support/processes.js';
import { DESK_CONTEXT, adminCli, fieldHolds, inboundAudioBytes, launchChromium, recordPeerConnections, signInAtSeat } from './support/desk-browser.js';

const ctx = inject('e2e');
const agentId = 'a23';
const seat = 'seat-23';
/** The transfer target: a SIPp phone that answers at once, at seat-21. */
const target = { agentId: 'a21', seatNumber: 21 };
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
// Callers come from the backup trunk's address on a port of their own: the primary trunk's port is the partner's.
const [backupIp] = (ctx.env.CTI_TRUNK_BACKUP as string).split(':') as [string];
const callerAt = `${backupIp}:${ctx.mediaBase + 391}`;
/** The citizen of this file: SIPp numbers its first call `<prefix>1`. */
const callerPrefix = `1397${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
const citizen = `${callerPrefix}1`;
const shots = join(ctx.root, '.run', ctx.runId);
const user = { username: `desk-a23-${Date.now().toString(36)}`, password: 'Desk-Linkage-2026' };
const ariAuth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;

let db: pg.Client;
const q = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> => (await db.query(text.replaceAll('$S', `"${ctx.runId}"`), values)).rows;

/** SIP channels (PJSIP/<endpoint>) in the call's bridge. */
async function bridgeMembers(callId: string): Promise<string[]> {
  const get = async (p: string) => {
    const r = await fetch(`${ctx.env.CTI_ARI_URL}/ari${p}`, { headers: { authorization: ariAuth } });
    return r.ok ? r.json() : undefined;
  };
  const bridge = await get(`/bridges/bridge-${callId}`);
  if (!bridge) return [];
  const channels: Array<{ id: string; name: string }> = await get('/channels');
  return channels.filter((c) => bridge.channels.includes(c.id) && c.name.startsWith('PJSIP/')).map((c) => c.name.replace(/-[0-9a-f]+$/, ''));
}

/** The citizen hangs up (Asterisk sends their SIPp the BYE); resolves with the caller's run. */
async function callerHangsUp(callId: string, run: Promise<CallerRun>): Promise<CallerRun> {
  await fetch(`${ctx.env.CTI_ARI_URL}/ari/channels/${encodeURIComponent(callId)}`, { method: 'DELETE', headers: { authorization: ariAuth } });
  return run;
}

describe('desk call control: linkage, transfer and my work in the browser', () => {
  let chrome: Browser | undefined;
  let browser: BrowserContext;
  let page: Page;
  let targetSeat: ChildProcess | undefined;
  let before: Array<{ agentId: string; seat: string; ready: boolean }> = [];
  const pageErrors: string[] = [];
  /** The 110 call: its id links the missed-call task and the QA review made for "my work". */
  let firstCall = '';
  /** Open missed-call tasks of earlier files, set aside while "my work" is tested. */
  let setAside: string[] = [];

  beforeAll(async () => {
    db = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
    await db.connect();
    await adminCli(ctx.root, ctx.env, ['staff', 'add', '--username', user.username, '--name', '坐席二十三', '--role', 'agent', '--agent', agentId], `${user.password}\n`);
    // Only this file's two agents take calls: everyone else is logged out (and logged back in afterwards).
    const agents = (await api(ctx, 'GET', '/api/v1/agents')).body.items as Array<{ agentId: string; live: { seat: string; state: string } | null }>;
    before = agents.filter((a) => a.live && a.live.state !== 'logged_out').map((a) => ({ agentId: a.agentId, seat: (a.live as { seat: string }).seat, ready: a.live?.state === 'ready' }));
    for (const a of before) expect((await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/logout`)).status).toBe(200);
    targetSeat = startUas(ctx.root, '127.0.0.1', Number(ctx.env.CTI_SEAT_BASE_PORT) + target.seatNumber, 'seat');
    expect((await api(ctx, 'POST', `/api/v1/agents/${target.agentId}/login`, { seat: `seat-${target.seatNumber}` })).status).toBe(200);
    await awaitSeatsAnswering(ctx, [target.seatNumber]);
    mkdirSync(shots, { recursive: true });
    chrome = await launchChromium();
    browser = await chrome.newContext(DESK_CONTEXT);
    await recordPeerConnections(browser);
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await signInAtSeat(page, ctx.apiUrl, user, seat);
    await page.click('[data-test=ready]');
    await page.locator('[data-test=agent-state]', { hasText: '就绪' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    targetSeat?.kill('SIGKILL');
    for (const id of [agentId, target.agentId]) await api(ctx, 'POST', `/api/v1/agents/${id}/logout`);
    if (setAside.length) await q(`UPDATE $S.missed_call_tasks SET state = 'open' WHERE id = ANY($1::bigint[])`, [setAside]);
    for (const a of before) {
      await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/login`, { seat: a.seat.replace(/-web$/, ''), ...(a.seat.endsWith('-web') && { phone: 'browser' }) });
      if (a.ready) await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/ready`);
    }
    await db?.end();
    if (pageErrors.length) console.log(`[desk-linkage] page errors:\n${pageErrors.join('\n')}`);
  }, 60_000);

  /** A citizen calls 12345 and the desk answers in the browser; resolves once they talk, with the call id. */
  async function answeredCall(ringingShot?: string): Promise<{ run: Promise<CallerRun>; callId: string; sipp: () => ChildProcess | undefined }> {
    let sipp: ChildProcess | undefined;
    const run = placeCalls(ctx.root, { target: sipTarget, from: callerAt, count: 1, holdMs: 0, mediaPort: ctx.mediaBase + 300, scenario: 'caller-until-hangup', callerPrefix, timeoutS: 120, onStart: (c) => (sipp = c) });
    await page.locator('[data-test=answer]:not([disabled])').waitFor({ timeout: 30_000 });
    if (ringingShot) await page.screenshot({ path: join(shots, ringingShot), animations: 'disabled' });
    await page.click('[data-test=answer]');
    await page.locator('[data-test=call-phase]', { hasText: '通话中' }).waitFor({ timeout: 10_000 });
    const callId = (await api(ctx, 'GET', `/api/v1/agents/${agentId}/call`)).body.callId as string;
    expect(callId).toBeTruthy();
    const heard = await inboundAudioBytes(page);
    await waitFor('the browser hearing the caller', async () => (await inboundAudioBytes(page)) > heard + 1_000, 10_000);
    return { run, callId, sipp: () => sipp };
  }

  it('links a browser call with 110 in one click: the partner answers, three talk, the agent hands off; the ticket filed half in the pop-out is transferred to 110 and the linkage is stored', async () => {
    const partner = startTrunkPhone(ctx, 'trunk-primary', 'seat');
    let call: Awaited<ReturnType<typeof answeredCall>> | undefined;
    try {
      await trunkAnswering(ctx, partner, 'trunk-primary');
      await page.locator('[data-test=idle]').waitFor();
      await page.screenshot({ path: join(shots, 'desk2-idle.png'), animations: 'disabled' });
      call = await answeredCall('desk2-ringing.png');
      firstCall = call.callId;
      await page.fill('input[data-test=f-what]', '邻居家中有人持刀争吵');
      await page.fill('input[data-test=f-summary]', '来电人报告邻居持刀争吵，已转110');
      await page.screenshot({ path: join(shots, 'desk-linkage-before.png'), animations: 'disabled' });

      // One click: 110 rings over the primary trunk while the caller keeps talking with the agent, then joins them.
      await page.click('[data-test=link-110]');
      await page.locator('[data-test=linkage-status]', { hasText: '已接通' }).waitFor({ timeout: 20_000 });
      await waitFor('caller, agent and 110 in one bridge', async () => (await bridgeMembers(call!.callId)).length === 3, 10_000);
      expect((await bridgeMembers(call.callId)).sort()).toEqual(['PJSIP/seat-23-web', 'PJSIP/trunk-backup', 'PJSIP/trunk-primary']);
      await page.screenshot({ path: join(shots, 'desk-linkage.png'), animations: 'disabled' });

      await page.click('[data-test=linkage-handoff]');
      await page.locator('[data-test=call-phase]', { hasText: '已挂机' }).waitFor({ timeout: 10_000 });
      await page.locator('[data-test=handed-off]').waitFor();
      await waitFor('caller and 110 left talking', async () => (await bridgeMembers(call!.callId)).sort().join() === 'PJSIP/trunk-backup,PJSIP/trunk-primary', 10_000);
      // The intake says where the matter went: transfer to an emergency line, 110, one-click transfer.
      await page.locator('[data-test=f-emergency].is-active').waitFor();

      // Two screens: half of the ticket in the pop-out, which keeps its draft through a reload and stays in step.
      const [popout] = await Promise.all([page.waitForEvent('popup'), page.click('[data-test=pop-out]')]);
      await popout.locator('[data-test=popout-link]', { hasText: '已与工作台同步' }).waitFor({ timeout: 10_000 });
      await popout.fill('input[data-test=f-who]', '李女士，邻居');
      await popout.fill('input[data-test=f-where]', '康定市新市前街18号3单元');
      await fieldHolds(page, 'f-where', '康定市新市前街18号3单元');
      await popout.reload();
      await popout.locator('[data-test=popout-link]', { hasText: '已与工作台同步' }).waitFor({ timeout: 10_000 });
      await fieldHolds(popout, 'f-who', '李女士，邻居');
      await fieldHolds(popout, 'f-where', '康定市新市前街18号3单元');
      await page.fill('textarea[data-test=f-how]', '争吵约十分钟，有人手持菜刀，来电人躲在家中');
      await fieldHolds(popout, 'f-how', '争吵约十分钟，有人手持菜刀，来电人躲在家中');
      await popout.screenshot({ path: join(shots, 'desk-popout.png'), animations: 'disabled' });
      await popout.close();

      await page.click('[data-test=submit-intake]:not([disabled])');
      await page.locator('[data-test=submitted]').waitFor({ timeout: 30_000 });
      expect((await callerHangsUp(call.callId, call.run)).successful).toBe(1);

      const ticket = (await api(ctx, 'GET', `/api/v1/calls/${encodeURIComponent(call.callId)}/ticket`)).body;
      expect(ticket).toMatchObject({ state: 'transferred_emergency', summary: '来电人报告邻居持刀争吵，已转110', elements: { who: '李女士，邻居', where: '康定市新市前街18号3单元', what: '邻居家中有人持刀争吵' } });
      const history = (await api(ctx, 'GET', `/api/v1/tickets/${ticket.id}/history`)).body.items as Array<{ action: string; actor: { id: string }; data: Record<string, unknown> }>;
      expect(history.find((h) => h.action === 'transfer_emergency')).toMatchObject({ actor: { id: agentId }, data: { partnerLine: '110', method: 'transfer' } });
      await waitFor('linkage stored', async () => (await q('SELECT 1 FROM $S.linkages WHERE linked_id = $1', [call!.callId])).length === 1, 20_000);
      const [row] = await q('SELECT * FROM $S.linkages WHERE linked_id = $1', [call.callId]);
      expect(row).toMatchObject({ partner: '110', mode: 'transfer', trunk: 'primary', result: 'answered', agent_id: agentId, ticket_state: 'transferred_emergency' });
      expect(row.dialled_at <= row.answered_at && row.answered_at <= row.agent_left_at && row.agent_left_at <= row.ended_at).toBe(true);
      await page.locator('[data-test=idle]').waitFor();
    } finally {
      partner.child.kill('SIGKILL');
      const sipp = call?.sipp();
      if (sipp && sipp.exitCode === null) sipp.kill('SIGKILL');
    }
  }, 180_000);

  it('transfers a call from the desk: an outside number the dial policy refuses shows why; an attended transfer consults another agent and completes', async () => {
    // An open ticket of the same citizen: the pop shows it, and the intake offers it to merge with.
    const open = await api(ctx, 'POST', '/api/v1/tickets', { category: 'help', callerNumber: citizen, summary: '楼道路灯损坏', content: '新市前街18号楼道路灯不亮' });
    expect(open.status, JSON.stringify(open.body)).toBe(201);
    const call = await answeredCall('desk2-ringing-known-caller.png');
    try {
      expect(await page.locator('[data-test=recent-ticket]').count()).toBeGreaterThanOrEqual(2);
      await page.locator('[data-test=link-candidate]', { hasText: open.body.ticketNo }).waitFor({ timeout: 10_000 });
      await page.fill('input[data-test=f-what]', '邻居持刀争吵后续');
      await page.screenshot({ path: join(shots, 'desk-call.png'), animations: 'disabled' });

      await page.click('[data-test=transfer-panel] #tab-outside');
      await page.fill('input[data-test=outside-number]', '00441632960001');
      await page.click('[data-test=outside-dial]');
      const refused = await page.locator('[data-test=transfer-error]').innerText();
      expect(refused).toContain('拨号策略禁止拨打该号码');
      expect(refused).toContain('403');

      // The target agent is made ready only now, so the citizen's call came to the browser.
      expect((await api(ctx, 'POST', `/api/v1/agents/${target.agentId}/ready`)).status).toBe(200);
      await page.click('[data-test=transfer-panel] #tab-agent');
      await page.click('[data-test=transfer-target]');
      await page.click(`.el-select-dropdown__item:has-text("（${target.agentId}）")`);
      await page.click('[data-test=transfer-attended]');
      await page.locator('[data-test=transfer-status]', { hasText: '协商' }).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(shots, 'desk-transfer.png'), animations: 'disabled' });
      await page.click('[data-test=transfer-complete]');
      await page.locator('[data-test=desk-notice]', { hasText: `来电已转给 ${target.agentId}` }).waitFor({ timeout: 10_000 });
      await page.locator('[data-test=idle]').waitFor();
      const taken = await api(ctx, 'GET', `/api/v1/agents/${target.agentId}/call`);
      expect(taken.body.callId).toBe(call.callId);
      await waitFor('the citizen talking with the target agent', async () => (await bridgeMembers(call.callId)).sort().join() === `PJSIP/seat-${target.seatNumber},PJSIP/trunk-backup`, 10_000);
      expect((await callerHangsUp(call.callId, call.run)).successful).toBe(1);
    } finally {
      const sipp = call.sipp();
      if (sipp && sipp.exitCode === null) sipp.kill('SIGKILL');
      await api(ctx, 'POST', `/api/v1/agents/${target.agentId}/pause`, { reason: 'meeting' });
    }
  }, 180_000);

  it('shows "my work" — tickets, a missed call called back with click-to-dial (the browser rings first, then the citizen), and QA results', async () => {
    const [{ day }] = (await q<{ day: string }>(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day`)) as [{ day: string }];
    const missedNumber = `13988${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
    // Earlier files' abandoned callers left open tasks: they are set aside while this test works its own (the list
    // shows the oldest first), and put back afterwards.
    setAside = (await q<{ id: string }>(`UPDATE $S.missed_call_tasks SET state = 'failed' WHERE state = 'open' RETURNING id`)).map((r) => r.id);
    const [task] = await q<{ id: string }>('INSERT INTO $S.missed_call_tasks (caller_number, day, linked_id) VALUES ($1, $2, $3) RETURNING id', [missedNumber, day, firstCall]);
    await q(`INSERT INTO $S.qa_reviews (period, call_id, agent_id, assigned_to, status, marks, score, passed, failed_critical, comments, reviewed_by, reviewed_at)
             VALUES (to_char(now(), 'YYYY-MM'), $1, $2, 'q01', 'done', '{}', 0.92, true, '[]', '联动及时，五要素完整；开场白可更简洁', 'q01', now())`, [firstCall, agentId]);
    // Calling back is work of a pause of its own: no citizen's call is offered meanwhile, and the agent returns to it.
    await page.click('[data-test=pause]');
    await page.click('[data-test=pause-callback_work]');
    await page.locator('[data-test=agent-state]', { hasText: '小休' }).waitFor();

    await page.click('[data-test=view-mywork]');
    await page.locator('[data-test=my-tickets] .el-table__row').first().waitFor();
    await page.screenshot({ path: join(shots, 'desk-mywork.png'), animations: 'disabled' });
    await page.click('[data-test=my-work] #tab-qa');
    await page.locator('[data-test=qa-results] .el-table__row', { hasText: '92' }).waitFor();
    await page.screenshot({ path: join(shots, 'desk-mywork-qa.png'), animations: 'disabled' });
    await page.click('[data-test=my-work] #tab-missed');
    await page.locator(`[data-test=dial-missed-${task!.id}]`).waitFor();

    const phone = startTrunkPhone(ctx, 'trunk-primary', 'seat');
    try {
      await trunkAnswering(ctx, phone, 'trunk-primary');
      await page.click(`[data-test=dial-missed-${task!.id}]`);
      await page.locator('[data-test=call-origin]', { hasText: '漏接回拨' }).waitFor({ timeout: 10_000 });
      await page.locator('[data-test=answer]:not([disabled])').waitFor({ timeout: 10_000 });
      await page.click('[data-test=answer]');
      await page.locator('[data-test=call-phase]', { hasText: '通话中' }).waitFor({ timeout: 20_000 });
      const heard = await inboundAudioBytes(page);
      await waitFor('the browser hearing the citizen', async () => (await inboundAudioBytes(page)) > heard + 1_000, 10_000);
      await page.click('[data-test=hangup]');
      await page.locator('[data-test=idle]').waitFor({ timeout: 10_000 });
      await waitFor('the callback stored', async () => (await q('SELECT 1 FROM $S.outbound_callbacks WHERE task_id = $1', [task!.id])).length === 1, 20_000);
      const [result] = await q('SELECT kind, result, agent_id, trunk FROM $S.outbound_callbacks WHERE task_id = $1', [task!.id]);
      expect(result).toEqual({ kind: 'missed_call', result: 'reached', agent_id: agentId, trunk: 'primary' });
      expect((await q('SELECT state FROM $S.missed_call_tasks WHERE id = $1', [task!.id]))[0]).toEqual({ state: 'done' });
      await page.locator('[data-test=agent-state]', { hasText: '小休' }).waitFor();
    } finally {
      phone.child.kill('SIGKILL');
    }
    await page.click('[data-test=logout]');
    await page.locator('[data-test=seat-login]').waitFor();
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
