// The big screen's trends and the county field (docs/domain.md §17) on the real stack: an agent at the desk (desk
// phone: a SIPp seat that answers) takes a SIPp citizen's call and files the intake with a county chosen from the
// configured list; more tickets with categories and counties are opened through the API as the desk would, one of
// them dispatched and past its deadline; a SIPp run places more calls; then the wallboard's trend screen in headless
// Chromium draws its five ECharts charts, whose data holds exactly what was placed and filed here (every count is a
// difference from the figures read before). Screenshots go to .run/<run id>/.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CALL_RECORDS_QUEUE } from '@cti/contracts';
import type { Browser, Page } from 'playwright-core';
import { api, awaitSeatsAnswering, callIdOfAgent, callersUntilTalking, hangUpCallers } from './support/api.js';
import { placeCalls, startUas, type CallerRun } from './support/sipp.js';
import { waitFor } from './support/processes.js';
import { DESK_CONTEXT, adminCli, launchChromium } from './support/desk-browser.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const shots = join(ctx.root, '.run', ctx.runId);
const tag = Date.now().toString(36);
/** The desk's agent, on a desk phone (a SIPp seat that answers every call). */
const desk = { agentId: 'a18', seatNumber: 18, username: `trend-a18-${tag}`, password: 'Trend-Desk-2026' };
/** The agents that take the SIPp run's calls, each on a SIPp seat. */
const runAgents = [19, 20, 21, 22].map((n) => ({ agentId: `a${n}`, seatNumber: n }));
const callerPrefix = `1398${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
const department = { id: `trend-dept-${tag}`, name: `州交通运输局${tag.slice(-3)}` };
const RUN_CALLS = 4;

interface NamedCount {
  name: string;
  count: number;
}
interface Trends {
  at: number;
  halfHours: { labels: string[]; today: Array<number | null>; yesterday: number[]; forecast: number[]; currentIndex: number };
  dailyAnswerRate: { target: number; days: Array<{ day: string; offered: number; answered: number; rate: number | null }> };
  ticketsByCategory: NamedCount[];
  overdueByDepartment: NamedCount[];
  ticketsByCounty: NamedCount[];
}

let db: pg.Client;
let seats: ChildProcess[] = [];
let chrome: Browser | undefined;
let before: Array<{ agentId: string; seat: string; ready: boolean }> = [];
let base: Trends;
const pageErrors: string[] = [];

async function trends(): Promise<Trends> {
  const r = await api(ctx, 'GET', '/api/v1/wallboard/trends');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
const todayCalls = (t: Trends) => t.halfHours.today.reduce<number>((n, v) => n + (v ?? 0), 0);
const todayRate = (t: Trends) => t.dailyAnswerRate.days[t.dailyAnswerRate.days.length - 1] as Trends['dailyAnswerRate']['days'][number];
const countOf = (items: NamedCount[], name: string) => items.find((i) => i.name === name)?.count ?? 0;
const total = (items: NamedCount[]) => items.reduce((n, i) => n + i.count, 0);

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  db = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
  await db.connect();
  await adminCli(ctx.root, ctx.env, ['staff', 'add', '--username', desk.username, '--name', '坐席十八', '--role', 'agent', '--agent', desk.agentId], `${desk.password}\n`);
  // Only this file's agents take calls: everyone else is logged out (and logged back in afterwards).
  const agents = (await api(ctx, 'GET', '/api/v1/agents')).body.items as Array<{ agentId: string; live: { seat: string; state: string } | null }>;
  before = agents.filter((a) => a.live && a.live.state !== 'logged_out').map((a) => ({ agentId: a.agentId, seat: (a.live as { seat: string }).seat, ready: a.live?.state === 'ready' }));
  for (const a of before) expect((await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/logout`)).status).toBe(200);
  seats = [desk, ...runAgents].map((a) => startUas(ctx.root, '127.0.0.1', Number(ctx.env.CTI_SEAT_BASE_PORT) + a.seatNumber, 'seat'));
  // A handling unit for the overdue ticket (reference data, as an administrator would add it).
  await db.query(`INSERT INTO "${ctx.runId}".departments (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [department.id, department.name]);
  // The figures before this file: once the earlier files' call records are all stored (the worker stores them
  // after their calls end), so every call counted from here on is this file's.
  const redis = new Redis(ctx.env.CTI_REDIS_URL as string, { maxRetriesPerRequest: null });
  const records = new Queue(CALL_RECORDS_QUEUE, { connection: redis, prefix: ctx.env.CTI_REDIS_PREFIX });
  try {
    await waitFor('earlier call records stored', async () => {
      const c = await records.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    }, 60_000);
  } finally {
    await records.close();
    redis.disconnect();
  }
  base = await trends();
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await hangUpCallers(ctx, callerPrefix);
  for (const s of seats) s.kill('SIGKILL');
  for (const a of [desk, ...runAgents]) await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/logout`);
  for (const a of before) {
    await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/login`, { seat: a.seat.replace(/-web$/, ''), ...(a.seat.endsWith('-web') && { phone: 'browser' }) });
    if (a.ready) await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/ready`);
  }
  await db?.end();
  if (pageErrors.length) console.log(`[wallboard-trends] page errors:\n${pageErrors.join('\n')}`);
}, 60_000);

describe("the desk's county select", () => {
  it('offers the configured counties at intake and files the one chosen on the call’s ticket', async () => {
    expect((await api(ctx, 'GET', '/api/v1/tickets/counties')).body.items).toHaveLength(18);
    const page: Page = await (await (chrome as Browser).newContext(DESK_CONTEXT)).newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${ctx.apiUrl}/desk/`);
    await page.fill('input[name=username]', desk.username);
    await page.fill('input[name=password]', desk.password);
    await page.click('[data-test=sign-in]');
    await page.click('[data-test=seat-select]');
    await page.click(`.el-select-dropdown__item:has-text("seat-${desk.seatNumber}")`);
    await page.click('[data-test=phone-desk]');
    await page.click('[data-test=seat-login]');
    await page.locator('[data-test=feed-status]', { hasText: '服务已连接' }).waitFor({ timeout: 20_000 });
    await awaitSeatsAnswering(ctx, [desk.seatNumber]);
    await page.click('[data-test=ready]');
    await page.locator('[data-test=agent-state]', { hasText: '就绪' }).waitFor();

    // A citizen calls; the desk phone (SIPp seat) answers; the caller stays on the line until the agent hangs up.
    const caller: Promise<CallerRun> = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, scenario: 'caller-until-hangup', callerPrefix, timeoutS: 120 });
    try {
      const callId = await callIdOfAgent(ctx, desk.agentId);
      // The desk shows the call in progress (its hang-up button) and its intake form.
      await page.locator('[data-test=hangup]').waitFor({ timeout: 30_000 });
      await page.fill('input[data-test=f-what]', '国道318线积雪结冰');
      await page.fill('input[data-test=f-where]', '康定市折多山');
      await page.click('[data-test=f-category]');
      await page.click('.el-select-dropdown__item:visible:has-text("投诉")');
      await page.fill('input[data-test=f-summary]', '折多山路段积雪未清，车辆打滑');
      await page.fill('textarea[data-test=f-content]', '来电人反映国道318线折多山路段积雪结冰，未见除雪作业，请求尽快处理。');
      // The county select lists Ganzi's 18 counties and county-level cities in the configured order.
      await page.click('[data-test=f-county]');
      // The county select's own list (the category list opened before may still be closing on a loaded host).
      const options = page.locator('.county-options .el-select-dropdown__item');
      await options.filter({ hasText: '得荣县' }).waitFor();
      expect((await options.allInnerTexts()).map((s) => s.trim())).toEqual(['康定市', '泸定县', '丹巴县', '九龙县', '雅江县', '道孚县', '炉霍县', '甘孜县', '新龙县', '德格县', '白玉县', '石渠县', '色达县', '理塘县', '巴塘县', '乡城县', '稻城县', '得荣县']);
      await page.screenshot({ path: join(shots, 'desk-county-select.png'), animations: 'disabled' });
      await options.filter({ hasText: '康定市' }).click();
      await page.locator('[data-test=f-county]', { hasText: '康定市' }).waitFor();

      await page.click('[data-test=hangup]');
      const run = await caller;
      expect(run.successful, run.output.slice(-800)).toBe(1);
      await page.screenshot({ path: join(shots, 'desk-county-intake.png'), animations: 'disabled' });
      await page.click('[data-test=submit-intake]:not([disabled])', { timeout: 30_000 });
      await page.locator('[data-test=submitted]').waitFor({ timeout: 30_000 });

      const ticket = await api(ctx, 'GET', `/api/v1/calls/${encodeURIComponent(callId)}/ticket`);
      expect(ticket.status).toBe(200);
      expect(ticket.body).toMatchObject({ category: 'complaint', county: '康定市', state: 'awaiting_dispatch', sourceCallId: callId });
    } catch (err) {
      await page.screenshot({ path: join(shots, 'desk-county-failed.png') }).catch(() => undefined);
      throw err;
    } finally {
      await hangUpCallers(ctx, callerPrefix);
      await caller.catch(() => undefined);
      await page.context().close();
    }
    // The desk's agent takes no more calls here (a refusal, e.g. still in wrap-up, leaves it to afterAll).
    await api(ctx, 'POST', `/api/v1/agents/${desk.agentId}/logout`);
  }, 300_000);
});

describe("the wallboard's trend charts", () => {
  it('draw the SIPp run’s calls and the tickets’ categories, departments and counties in headless Chromium', async () => {
    // Tickets opened through the API as the desk would: with categories and counties, one without a county.
    const open = async (category: string, county?: string) => {
      const r = await api(ctx, 'POST', '/api/v1/tickets', { category, callerNumber: '13800001111', summary: `趋势测试 ${tag}`, content: '大屏趋势图测试工单', ...(county && { county }) });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as { id: string; version: number; county: string | null };
    };
    const opened = [await open('complaint', '泸定县'), await open('complaint', '泸定县'), await open('help', '理塘县'), await open('consultation')];
    expect(opened.map((t) => t.county)).toEqual(['泸定县', '泸定县', '理塘县', null]);
    // A county not on the list is refused with its reason.
    const refused = await api(ctx, 'POST', '/api/v1/tickets', { category: 'help', callerNumber: '13800001111', summary: 'x', content: 'x', county: '成都市' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('county must be one of the configured counties');

    // One of them is dispatched to a department and its deadline passes (the clock moved on: set in the database).
    const help = opened[2] as { id: string; version: number };
    expect((await api(ctx, 'POST', `/api/v1/tickets/${help.id}/actions/submit_for_dispatch`, { data: {} })).status).toBe(200);
    const dispatched = await api(ctx, 'POST', `/api/v1/tickets/${help.id}/actions/dispatch`, { data: { leadDepartment: department.id } });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    await db.query(`UPDATE "${ctx.runId}".tickets SET deadline_at = now() - interval '1 hour' WHERE id = $1`, [help.id]);

    // A SIPp run: its calls are answered by the run's agents' SIPp seats.
    for (const a of runAgents) expect((await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/login`, { seat: `seat-${a.seatNumber}` })).status).toBe(200);
    await awaitSeatsAnswering(ctx, runAgents.map((a) => a.seatNumber));
    for (const a of runAgents) expect((await api(ctx, 'POST', `/api/v1/agents/${a.agentId}/ready`)).status).toBe(200);
    // The callers stay on the line until each talks with an agent, then the test ends their calls: a fixed hold (3 s
    // was used) let a caller still in the language window on a loaded host hang up unanswered (L55).
    const run = await callersUntilTalking(ctx, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: RUN_CALLS, rate: 4, mediaPort: ctx.mediaBase, callerPrefix });
    expect(run.successful, run.output.slice(-2000)).toBe(RUN_CALLS);

    // The desk's call and the run's, all answered: the trends follow once the worker has stored them.
    const placed = 1 + RUN_CALLS;
    let now = base;
    await waitFor('the calls in the trends', async () => todayCalls((now = await trends())) >= todayCalls(base) + placed, 90_000, 1000);
    expect(todayCalls(now) - todayCalls(base)).toBe(placed);
    expect(todayRate(now).day).toBe(todayRate(base).day);
    expect([todayRate(now).offered - todayRate(base).offered, todayRate(now).answered - todayRate(base).answered]).toEqual([placed, placed]);
    expect(now.halfHours.labels).toHaveLength(48);
    expect(now.halfHours.forecast).toHaveLength(48);
    expect(now.halfHours.today.slice(now.halfHours.currentIndex + 1).every((v) => v === null)).toBe(true);

    // Tickets: the desk's complaint (康定市), 2 complaints (泸定县), a help (理塘县), a consultation (no county); each
    // answered call of the run also opened an intake ticket (no category, no county yet).
    const callTickets = RUN_CALLS;
    await waitFor('the tickets in the trends', async () => total((now = await trends()).ticketsByCategory) - total(base.ticketsByCategory) >= 5 + callTickets, 60_000, 1000);
    const d = (items: (t: Trends) => NamedCount[], name: string) => countOf(items(now), name) - countOf(items(base), name);
    expect({ 投诉: d((t) => t.ticketsByCategory, '投诉'), 求助: d((t) => t.ticketsByCategory, '求助'), 咨询: d((t) => t.ticketsByCategory, '咨询'), 未分类: d((t) => t.ticketsByCategory, '未分类') })
      .toEqual({ 投诉: 3, 求助: 1, 咨询: 1, 未分类: callTickets });
    expect({ 康定市: d((t) => t.ticketsByCounty, '康定市'), 泸定县: d((t) => t.ticketsByCounty, '泸定县'), 理塘县: d((t) => t.ticketsByCounty, '理塘县'), 未填写: d((t) => t.ticketsByCounty, '未填写') })
      .toEqual({ 康定市: 1, 泸定县: 2, 理塘县: 1, 未填写: 1 + callTickets });
    expect(now.ticketsByCounty.slice(0, 18).map((c) => c.name)).toEqual((await api(ctx, 'GET', '/api/v1/tickets/counties')).body.items);
    expect(countOf(now.overdueByDepartment, department.name)).toBe(1);
    expect(total(now.overdueByDepartment)).toBe((await api(ctx, 'GET', '/api/v1/tickets/overdue?limit=500')).body.total);

    // The wallboard's trend screen in headless Chromium at 1920×1080.
    const t = await api(ctx, 'POST', '/api/v1/wallboard/tickets');
    expect(t.status).toBe(200);
    const context = await (chrome as Browser).newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(ctx.apiUrl)) external.push(r.url());
    });
    try {
      await page.goto(`${ctx.apiUrl}${t.body.url}&screen=trends`);
      await page.waitForSelector('#trends[data-drawn-at]');
      const ids = ['chart-halfhour', 'chart-daily', 'chart-category', 'chart-overdue', 'chart-county'];
      // Each chart drew on a canvas of its tile's size, inside the 1920×1080 screen.
      const boxes = await page.evaluate((list) => list.map((id) => {
        const c = document.querySelector(`#${id} canvas`) as HTMLCanvasElement | null;
        const r = document.getElementById(id)?.getBoundingClientRect();
        return { id, canvas: c ? [c.width, c.height] : null, bottom: r?.bottom ?? 0, right: r?.right ?? 0 };
      }), ids);
      for (const b of boxes) {
        expect(b.canvas, b.id).not.toBeNull();
        expect((b.canvas as number[])[0], b.id).toBeGreaterThan(300);
        expect((b.canvas as number[])[1], b.id).toBeGreaterThan(200);
        expect(b.bottom, b.id).toBeLessThanOrEqual(1080);
        expect(b.right, b.id).toBeLessThanOrEqual(1920);
      }
      // What the charts hold, read back from ECharts: the same counts as the API's, those placed and filed here included.
      type Opt = { series: Array<{ data: unknown[] }>; xAxis: Array<{ data: string[] }>; yAxis: Array<{ data: string[] }> };
      const drawn = await page.evaluate((list) => {
        const e = (window as unknown as { echarts: { getInstanceByDom(el: HTMLElement): { getOption(): unknown } } }).echarts;
        return Object.fromEntries(list.map((id) => [id, e.getInstanceByDom(document.getElementById(id) as HTMLElement).getOption()]));
      }, ids) as Record<string, Opt>;
      const shown = await page.evaluate(() => (window as unknown as { __wallboardTrends: Trends }).__wallboardTrends);
      const half = drawn['chart-halfhour'] as Opt;
      expect(half.series.map((s) => s.data)).toEqual([shown.halfHours.today, shown.halfHours.yesterday, shown.halfHours.forecast]);
      expect((half.series[0]?.data as Array<number | null>).reduce<number>((n, v) => n + (v ?? 0), 0)).toBe(todayCalls(now));
      const county = drawn['chart-county'] as Opt;
      const countyPairs = Object.fromEntries((county.xAxis[0]?.data ?? []).map((name, i) => [name, county.series[0]?.data[i]]));
      for (const c of now.ticketsByCounty) expect(countyPairs[c.name], c.name).toBe(c.count);
      expect(countyPairs['泸定县']).toBe(countOf(base.ticketsByCounty, '泸定县') + 2);
      const overdue = drawn['chart-overdue'] as Opt;
      const overduePairs = Object.fromEntries((overdue.yAxis[0]?.data ?? []).map((name, i) => [name, overdue.series[0]?.data[i]]));
      expect(overduePairs[department.name]).toBe(1);
      const pie = (drawn['chart-category'] as Opt).series[0]?.data as Array<{ name: string; value: number }>;
      expect(pie.find((p) => p.name === '投诉')?.value).toBe(countOf(now.ticketsByCategory, '投诉'));
      expect(pie.find((p) => p.name === '求助')?.value).toBe(countOf(now.ticketsByCategory, '求助'));
      const daily = drawn['chart-daily'] as Opt;
      expect(daily.xAxis[0]?.data.at(-1)).toBe(todayRate(now).day.slice(8));
      expect((daily.series[1]?.data as number[]).every((v) => v === 0.98)).toBe(true);
      expect((daily.series[0]?.data.at(-1) as { value: number }).value).toBe(todayRate(shown).rate);
      expect(await page.locator('#trend-county-total').innerText()).toBe(`合计 ${total(shown.ticketsByCounty)}`);
      await page.screenshot({ path: join(shots, 'wallboard-trends.png') });

      // The live screen is still there under it: the tiles fill in from the event stream.
      await page.goto(`${ctx.apiUrl}${t.body.url}&screen=live`);
      await page.waitForFunction(() => /%$/.test(document.getElementById('today-rate')?.textContent ?? ''));
      expect(await page.evaluate(() => getComputedStyle(document.getElementById('trends') as HTMLElement).visibility)).toBe('hidden');
      await page.screenshot({ path: join(shots, 'wallboard-live.png') });
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
