// Merged hotlines as sub-lines (双号并行、设分中心, docs/domain.md §18) through the real stack: an administrator registers
// a merged local line with its own number; SIPp citizens call 12345 and that number over the primary trunk (the trunk
// dialplan sends every DID to Stasis); each line's figures — the per-line KPI API, the daily report's CSV per-line table
// and the wallboard's per-line tile in headless Chromium — count exactly its own calls, beside the whole centre.
// Other end-to-end files place calls on 12345 in the same run, so every count is a difference of snapshots taken here.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { beijingDate } from '@cti/domain';
import { TokenRepository, createDb } from '@cti/db';
import { api, apiWith, awaitSeatsAnswering, hangUpCallers, onlyReady } from './support/api.js';
import { placeCalls, startSeats } from './support/sipp.js';
import { launchChromium } from './support/desk-browser.js';
import { waitFor } from './support/processes.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const tag = Date.now().toString(36);
const MERGED = { did: '12315', name: '12315消费者投诉举报专线', answerRateTarget: 0.95 };
const seatPorts = [Number(ctx.env.CTI_SEAT_BASE_PORT) + 1];
const callerPrefixes: string[] = [];
const shots = join(ctx.root, '.run', ctx.runId);
let adminToken = '';
let seats: ChildProcess[] = [];
let chrome: Browser | undefined;

interface LineRow {
  line: string;
  name: string;
  offered: number;
  answered: number;
  abandoned: number;
  rate: number | null;
  target: number;
  ownTarget: boolean;
}
interface Counts {
  offered: number;
  answered: number;
  abandoned: number;
}

const today = () => beijingDate(Date.now());
const as = (method: string, path: string, body?: unknown) => apiWith(ctx, adminToken, method, path, body);
const counts = (r: Counts | undefined): Counts => ({ offered: r?.offered ?? 0, answered: r?.answered ?? 0, abandoned: r?.abandoned ?? 0 });
const minus = (a: Counts, b: Counts): Counts => ({ offered: a.offered - b.offered, answered: a.answered - b.answered, abandoned: a.abandoned - b.abandoned });

/** Today's per-line figures from the API. */
async function lineFigures(): Promise<{ centre: Counts; lines: LineRow[] }> {
  const r = await api(ctx, 'GET', `/api/v1/kpi/lines?date=${today()}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Today's daily report (regenerated), its per-line table parsed from the CSV: DID → counts (the centre under '全中心'). */
async function reportLines(): Promise<Map<string, Counts & { rate: string; target: string }>> {
  const json = await api(ctx, 'GET', '/api/v1/reports/daily?format=json&regenerate=true');
  expect(json.status, JSON.stringify(json.body)).toBe(200);
  const res = await fetch(`${ctx.apiUrl}/api/v1/reports/daily?format=csv`, { headers: { authorization: `Bearer ${ctx.supervisorToken}` } });
  expect(res.status).toBe(200);
  const rows = (await res.text()).split('\r\n');
  const at = rows.indexOf('分线路接通情况（双号并行）');
  expect(at, 'the report has a per-line table').toBeGreaterThan(0);
  expect(rows[at + 1]).toBe('线路,号码,呼入（计入）,接通,放弃,失败,15秒内接通,接通率,目标,是否达标');
  const out = new Map<string, Counts & { rate: string; target: string }>();
  for (const row of rows.slice(at + 2)) {
    if (!row) break;
    const [name, did, offered, answered, abandoned, , , rate, target] = row.split(',');
    out.set(name === '全中心' ? '全中心' : (did as string), { offered: Number(offered), answered: Number(answered), abandoned: Number(abandoned), rate: rate as string, target: target as string });
  }
  return out;
}

const answeredCalls = new Set<string>();

/**
 * `count` citizens call `did` over the primary trunk, one after another; each stays on the line until a01 has answered
 * it (a call id a01 had not had before), and the test then hangs up: no step depends on how long a fixed hold lasts.
 */
async function citizensCall(did: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const callerPrefix = `137${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    callerPrefixes.push(callerPrefix);
    const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, service: did, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 120, scenario: 'caller-until-hangup' });
    try {
      await waitFor(`a01 answers call ${i + 1} on ${did}`, async () => {
        const r = await api(ctx, 'GET', '/api/v1/agents/a01/call');
        if (r.status !== 200 || answeredCalls.has(r.body.callId)) return false;
        answeredCalls.add(r.body.callId);
        return true;
      }, 60_000);
    } finally {
      await hangUpCallers(ctx, callerPrefix);
      const done = await run;
      expect(done.successful, done.output.slice(-2000)).toBe(1);
    }
  }
}

beforeAll(async () => {
  const db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 1);
  adminToken = await new TokenRepository(db).create('admin', `e2e-lines-admin-${tag}`, null);
  await db.destroy();
  seats = startSeats(ctx.root, seatPorts);
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
  await awaitSeatsAnswering(ctx, [1]);
  await onlyReady(ctx, ['a01']);
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  for (const p of callerPrefixes) await hangUpCallers(ctx, p);
  for (const s of seats) s.kill('SIGKILL');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
});

describe('merged hotlines as sub-lines', () => {
  it('lets an administrator register a merged line with its own number; refuses bad input and other roles', async () => {
    const lines = await as('GET', '/api/v1/hotline-lines');
    expect(lines.status).toBe(200);
    expect(lines.body.items.find((l: { did: string }) => l.did === '12345')).toMatchObject({ name: '12345政务服务便民热线', answerRateTarget: null, active: true });
    expect((await api(ctx, 'POST', '/api/v1/hotline-lines', MERGED)).status).toBe(403); // a shift lead does not keep reference data
    const bad = await as('POST', '/api/v1/hotline-lines', { ...MERGED, answerRateTarget: 98 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/answerRateTarget/);
    const made = await as('POST', '/api/v1/hotline-lines', MERGED);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ ...MERGED, active: true, updatedBy: `e2e-lines-admin-${tag}` });
    expect((await as('POST', '/api/v1/hotline-lines', MERGED)).status).toBe(409);
    const doc = (await (await fetch(`${ctx.apiUrl}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-roles'?: string[] }>> };
    expect(doc.paths['/api/v1/hotline-lines']?.post?.['x-roles']).toEqual(['manager', 'admin']);
    expect(doc.paths['/api/v1/hotline-lines/{did}']?.patch?.['x-roles']).toEqual(['manager', 'admin']);
    expect(doc.paths['/api/v1/kpi/lines']?.get).toBeDefined();
  });

  it('counts each line’s own calls exactly: the per-line API and the daily report’s per-line table', async () => {
    const [api0, report0] = [await lineFigures(), await reportLines()];
    const lineOf = (f: { lines: LineRow[] }, did: string) => f.lines.find((l) => l.line === did);
    await citizensCall('12345', 3);
    await citizensCall(MERGED.did, 2);

    // The worker stores each ended call; the figures follow.
    await waitFor('calls stored', async () => {
      const f = await lineFigures();
      return counts(lineOf(f, '12345')).answered >= counts(lineOf(api0, '12345')).answered + 3 && counts(lineOf(f, MERGED.did)).answered >= counts(lineOf(api0, MERGED.did)).answered + 2;
    }, 60_000);
    const api1 = await lineFigures();
    expect(minus(counts(lineOf(api1, '12345')), counts(lineOf(api0, '12345')))).toEqual({ offered: 3, answered: 3, abandoned: 0 });
    expect(minus(counts(lineOf(api1, MERGED.did)), counts(lineOf(api0, MERGED.did)))).toEqual({ offered: 2, answered: 2, abandoned: 0 });
    expect(minus(api1.centre, api0.centre)).toEqual({ offered: 5, answered: 5, abandoned: 0 });
    expect(lineOf(api1, MERGED.did)).toMatchObject({ name: MERGED.name, target: 0.95, ownTarget: true });
    expect(lineOf(api1, '12345')).toMatchObject({ name: '12345政务服务便民热线', target: 0.98, ownTarget: false });
    // The lines add up to the centre (no other DID called today in this run).
    const sum = api1.lines.reduce((n, l) => n + l.offered, 0);
    expect(sum).toBe(api1.centre.offered);

    const report1 = await reportLines();
    const d = (key: string) => minus(counts(report1.get(key)), counts(report0.get(key)));
    expect(d('12345')).toEqual({ offered: 3, answered: 3, abandoned: 0 });
    expect(d(MERGED.did)).toEqual({ offered: 2, answered: 2, abandoned: 0 });
    expect(d('全中心')).toEqual({ offered: 5, answered: 5, abandoned: 0 });
    expect(report1.get(MERGED.did)?.target).toBe('95.0%');
    expect(report1.get('12345')?.target).toBe('98.0%（中心目标）');
    // Each line's report figures are today's API figures.
    for (const did of ['12345', MERGED.did]) expect(counts(report1.get(did))).toEqual(counts(lineOf(api1, did)));
  }, 300_000);

  it('shows each line on the wallboard’s per-line tile (today, answer rate against its target)', async () => {
    const f = await lineFigures();
    const merged = f.lines.find((l) => l.line === MERGED.did) as LineRow;
    const t = await api(ctx, 'POST', '/api/v1/wallboard/tickets');
    expect(t.status).toBe(200);
    chrome = await launchChromium();
    const page = await (await chrome.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    page.setDefaultTimeout(60_000);
    // The live screen held (the page otherwise alternates with the trend screen, docs/domain.md §17).
    await page.goto(`${ctx.apiUrl}${t.body.url}&screen=live`);
    const row = page.locator(`#lines-body tr[data-line="${MERGED.did}"]`);
    // The tile follows the database figures (refreshed every few seconds): it shows the merged line's calls.
    await page.waitForFunction(([did, offered]) => document.querySelector(`#lines-body tr[data-line="${did}"] td:nth-child(2)`)?.textContent === String(offered), [MERGED.did, merged.offered] as const, { timeout: 60_000 });
    const cells = await row.locator('td').allInnerTexts();
    expect(cells).toEqual([MERGED.name, String(merged.offered), String(merged.answered), `${(Math.floor((merged.rate as number) * 1000) / 10).toFixed(1)}%`, '95.0%']);
    expect(await page.locator('#lines-body tr[data-line="12345"] td').first().innerText()).toBe('12345政务服务便民热线');
    expect(await page.locator('#lines-tile h2').innerText()).toBe('分线路接通（今日）');
    // The existing tiles are still there.
    for (const id of ['today-rate', 'month-rate', 'waiting', 'alerts']) expect(await page.locator(`#${id}`).count(), id).toBe(1);
    mkdirSync(shots, { recursive: true });
    await page.locator('#lines-tile').screenshot({ path: join(shots, 'wallboard-lines-tile.png') });
    await page.screenshot({ path: join(shots, 'wallboard-lines.png') });
  }, 300_000);

  it('greets a waiting caller of the merged line with the line’s own greeting, then hold music', async () => {
    const set = await as('PATCH', `/api/v1/hotline-lines/${MERGED.did}`, { greetingSound: 'hello-world' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const badSound = await as('PATCH', `/api/v1/hotline-lines/${MERGED.did}`, { greetingSound: '../../etc/passwd' });
    expect(badSound.status).toBe(400);
    // Nobody takes calls: the caller waits, so they are answered and hear the greeting before the music.
    await onlyReady(ctx, []);
    const callerPrefix = `137${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    callerPrefixes.push(callerPrefix);
    const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, service: MERGED.did, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 120, scenario: 'caller-until-hangup' });
    try {
      type Live = { callId: string; line: string; phase: string; greeting: string | null };
      let call: Live | undefined;
      // Played to its end: the gateway heard Asterisk's PlaybackFinished for it, and Asterisk did not fail it.
      await waitFor('the greeting played', async () => {
        const live = (await api(ctx, 'GET', '/api/v1/calls/live')).body.items as Live[];
        call = live.find((c) => c.line === MERGED.did);
        return call?.greeting === 'played' || call?.greeting === 'failed';
      }, 60_000);
      expect(call).toMatchObject({ phase: 'queued', greeting: 'played' });
    } finally {
      await hangUpCallers(ctx, callerPrefix);
      await run;
      expect((await as('PATCH', `/api/v1/hotline-lines/${MERGED.did}`, { greetingSound: null })).status).toBe(200);
      await onlyReady(ctx, ['a01']);
    }
  }, 300_000);
});
