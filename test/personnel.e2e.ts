// Staff records and the contract's staff KPIs (人员指标) through the running gateway, worker and PostgreSQL: a shift
// lead records joiners, a leaver, a training, an exam and recruitment requests in this month; the KPI endpoint and the
// monthly report (built by the worker) judge them against the contract's targets; bad input is refused with reasons;
// the console shows the table. Nothing here touches Asterisk.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { addMonths, beijingDate, daysBetween } from '@cti/domain';
import { TokenRepository, createDb } from '@cti/db';
import { apiWith } from './support/api.js';
import { launchChromium, signInLeadAtConsole } from './support/desk-browser.js';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
const token = { lead: '', a01: '' };
const as = (who: keyof typeof token, method: string, path: string, body?: unknown) => apiWith(ctx, token[who], method, path, body);

const today = beijingDate(Date.now());
const month = today.slice(0, 7);
const first = `${month}-01`;
const ids: string[] = [];
let leaver = '';

beforeAll(async () => {
  const db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 1);
  const tokens = new TokenRepository(db);
  token.lead = await tokens.create('supervisor', `e2e-personnel-lead-${tag}`, null);
  token.a01 = await tokens.create('agent', `e2e-personnel-a01-${tag}`, 'a01');
  await db.destroy();
});

let chrome: Browser | undefined;
afterAll(async () => {
  await chrome?.close();
});

describe('staff records and the staff KPIs', () => {
  it('records people, a training, an exam and recruitment, and judges the month against the contract', async () => {
    const joined = addMonths(first, -3);
    for (let i = 1; i <= 5; i++) {
      const r = await as('lead', 'POST', '/api/v1/personnel/members', { name: `话务员${i}-${tag}`, post: 'agent', joinedOn: joined });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id);
    }
    const l = await as('lead', 'POST', '/api/v1/personnel/members', { name: `离职者-${tag}`, post: 'agent', joinedOn: joined });
    leaver = l.body.id;
    // The leaver's last day is the month's first: on the staff that day, gone by its end.
    expect((await as('lead', 'PATCH', `/api/v1/personnel/members/${leaver}`, { leftOn: first, leaveReason: '个人原因' })).body).toMatchObject({ leftOn: first, leaveReason: '个人原因' });

    const t = await as('lead', 'POST', '/api/v1/personnel/trainings', { heldOn: first, topic: `政策法规培训 ${tag}`, hours: 2, trainer: '王老师', attendeeIds: [...ids.slice(0, 4), leaver] });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    const e = await as('lead', 'POST', '/api/v1/personnel/exams', { heldOn: first, topic: `月度业务考试 ${tag}`, passMark: 80, scores: ids.map((id, i) => ({ memberId: id, score: 80 + i * 4 })) });
    expect(e.status, JSON.stringify(e.body)).toBe(201);

    const filledOpen = addMonths(first, -1);
    const r1 = await as('lead', 'POST', '/api/v1/personnel/recruitments', { post: 'agent', positions: 2, reason: `补充夜班 ${tag}`, openedOn: filledOpen });
    expect((await as('lead', 'POST', `/api/v1/personnel/recruitments/${r1.body.id}/fill`, { filledOn: first })).body).toMatchObject({ filledOn: first });
    const overdueOpen = addMonths(first, -2);
    await as('lead', 'POST', '/api/v1/personnel/recruitments', { post: 'agent', positions: 1, reason: `双语坐席 ${tag}`, openedOn: overdueOpen });

    const k = await as('lead', 'GET', `/api/v1/personnel/kpis?month=${month}`);
    expect(k.status).toBe(200);
    expect(k.body.asOf).toBe(today);
    const row = Object.fromEntries((k.body.rows as Array<{ key: string }>).map((x) => [x.key, x])) as Record<string, Record<string, unknown>>;
    // On staff at the end: the five; four of them trained (the leaver's attendance does not count).
    expect(row.training_coverage).toMatchObject({ numerator: 4, denominator: 5, value: 0.8, pass: false });
    expect(row.exam_pass_rate).toMatchObject({ numerator: 5, denominator: 5, value: 1, pass: true });
    // One leaver over the average of 6 on the first and 5 now.
    expect(row.monthly_turnover).toMatchObject({ numerator: 1, denominator: 5.5, pass: false });
    // The filled request met a month; the one open for two months is overdue: the longest counts its days so far.
    expect(row.recruitment_cycle).toMatchObject({ numerator: 1, denominator: 2, value: daysBetween(overdueOpen, today), pass: false });
    expect(row.training_count).toMatchObject({ value: 1, pass: true });
  });

  it('puts the staff KPIs in the monthly report the worker builds (HTML, CSV and summary)', async () => {
    const j = await as('lead', 'GET', `/api/v1/reports/monthly?date=${today}&format=json&regenerate=true`);
    expect(j.status, JSON.stringify(j.body).slice(0, 300)).toBe(200);
    expect(j.body.summary.staff.training_coverage).toEqual({ value: 0.8, target: 0.95, pass: false });
    expect(j.body.summary.staff.exam_pass_rate).toEqual({ value: 1, target: 0.95, pass: true });
    const csv = await fetch(`${ctx.apiUrl}/api/v1/reports/monthly?date=${today}&format=csv`, { headers: { authorization: `Bearer ${token.lead}` } });
    const text = await csv.text();
    expect(text).toContain('人员指标（合同要求）');
    expect(text).toMatch(/培训覆盖率,80\.0%,≥ 95%,未达标,在岗 5 人，本月参训 4 人/);
    expect(text).toMatch(/培训次数,1 次,≥ 1 次,达标/);
    // A daily report has no staff section.
    const daily = await as('lead', 'GET', `/api/v1/reports/daily?date=${today}&format=json&regenerate=true`);
    expect(daily.body.summary.staff).toBeUndefined();
  });

  it('refuses bad input with a reason and keeps the records to those who keep them', async () => {
    const notYet = await as('lead', 'POST', '/api/v1/personnel/trainings', { heldOn: addMonths(first, -4), topic: '入职前培训', hours: 1, attendeeIds: [ids[0]] });
    expect(notYet.status).toBe(400);
    expect(notYet.body.message).toMatch(/not on the staff/);
    const twice = await as('lead', 'PATCH', `/api/v1/personnel/members/${leaver}`, { leftOn: today });
    expect(twice.status).toBe(409);
    const reasonOnly = await as('lead', 'PATCH', `/api/v1/personnel/members/${ids[0]}`, { leaveReason: '无' });
    expect(reasonOnly.status).toBe(400);
    const badScore = await as('lead', 'POST', '/api/v1/personnel/exams', { heldOn: first, topic: '越界', passMark: 80, scores: [{ memberId: ids[0], score: 101 }] });
    expect(badScore.status).toBe(400);
    expect((await as('a01', 'GET', '/api/v1/personnel/kpis')).status).toBe(403);
    expect((await as('a01', 'POST', '/api/v1/personnel/members', { name: 'x', post: 'agent', joinedOn: today })).status).toBe(403);
    // Nothing of the refused requests was stored.
    const trainings = await as('lead', 'GET', `/api/v1/personnel/trainings?month=${addMonths(first, -4).slice(0, 7)}`);
    expect(trainings.body.items).toEqual([]);
  });

  it('shows the month’s staff KPIs and the trainings in the console', async () => {
    chrome = await launchChromium();
    const page = await signInLeadAtConsole(chrome, ctx.root, ctx.env, ctx.apiUrl, `personnel-lead-${tag}`, '值班长丙');
    await page.click('[data-test=open-personnel]');
    await page.locator('[data-test=kpi-training_coverage]', { hasText: '未达标' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-test=personnel-kpis]').innerText()).toMatch(/考试合格率\s+100\.0%\s+≥ 95%\s+达标/);
    const shots = join(ctx.root, '.run', ctx.runId);
    await page.screenshot({ path: join(shots, 'console-personnel.png') });
    await page.click('.personnel-drawer .el-tabs__item:has-text("培训")');
    await page.locator('[data-test=personnel-trainings] tr', { hasText: `政策法规培训 ${tag}` }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'console-trainings.png') });
  });
});
