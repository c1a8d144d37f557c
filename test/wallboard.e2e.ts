// KPIs, reports, /metrics and the wallboard on the real stack: SIPp calls through Asterisk, the gateway and the worker.
// Other end-to-end files place calls in the same run, so every count is a difference of snapshots taken here.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/desk-browser.js';
import { api, awaitSeatsAnswering, callersUntilTalking, hangUpCallers, loginAllAgents } from './support/api.js';
import { placeCalls, startSeats } from './support/sipp.js';
import { waitFor } from './support/processes.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const seatPorts = Array.from({ length: 27 }, (_, i) => Number(ctx.env.CTI_SEAT_BASE_PORT) + i + 1);
let seats: ChildProcess[] = [];

/** Parses the Prometheus text format into `name{labels}` → value. */
async function metrics(): Promise<Map<string, number>> {
  const res = await fetch(`${ctx.apiUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function live(): Promise<{ today: { offered: number; answered: number; abandoned: number } }> {
  const r = await api(ctx, 'GET', '/api/v1/kpi/answer-rate/live');
  expect(r.status).toBe(200);
  return r.body;
}

async function dailyReport(): Promise<{ offered: number; answered: number; abandoned: number }> {
  const r = await api(ctx, 'GET', '/api/v1/reports/daily?format=json&regenerate=true');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.summary;
}

async function answeredByAgents(): Promise<number> {
  const date = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const r = await api(ctx, 'GET', `/api/v1/kpi/agents?date=${date}`);
  expect(r.status).toBe(200);
  return r.body.items.reduce((n: number, a: { answeredCalls: number }) => n + a.answeredCalls, 0);
}

const metric = (m: Map<string, number>, k: string) => m.get(k) ?? 0;

beforeAll(async () => {
  seats = startSeats(ctx.root, seatPorts);
  await loginAllAgents(ctx);
  await awaitSeatsAnswering(ctx, seatPorts.map((_, i) => i + 1));
});

afterAll(async () => {
  // The phones first: a restore request that meets a dead gateway must not leave them answering for later files.
  for (const s of seats) s.kill('SIGKILL');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
});

describe('KPI counts after a SIPp run', () => {
  it('the API, the daily report and /metrics each count exactly the calls placed', async () => {
    const n = 8;
    const [api0, report0, metrics0, agents0] = [await live(), await dailyReport(), await metrics(), await answeredByAgents()];
    // The callers stay on the line until all of them talk with agents (a fixed 6 s hold left about 4 s after the language
    // window to be connected on a loaded host), then the test ends their calls.
    const callerPrefix = `1395${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
    const run = await callersUntilTalking(ctx, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: n, rate: 8, mediaPort: ctx.mediaBase, callerPrefix });
    expect(run.successful, run.output.slice(-2000)).toBe(n);

    await waitFor('calls stored', async () => (await live()).today.answered >= api0.today.answered + n, 20_000);
    const api1 = await live();
    expect({ offered: api1.today.offered - api0.today.offered, answered: api1.today.answered - api0.today.answered, abandoned: api1.today.abandoned - api0.today.abandoned })
      .toEqual({ offered: n, answered: n, abandoned: 0 });

    const report1 = await dailyReport();
    expect({ offered: report1.offered - report0.offered, answered: report1.answered - report0.answered, abandoned: report1.abandoned - report0.abandoned })
      .toEqual({ offered: n, answered: n, abandoned: 0 });

    const metrics1 = await metrics();
    const d = (k: string) => metric(metrics1, k) - metric(metrics0, k);
    expect({ offered: d('cti_calls_offered_total'), answered: d('cti_calls_answered_total'), abandoned: d('cti_calls_abandoned_total') })
      .toEqual({ offered: n, answered: n, abandoned: 0 });
    expect(metrics1.get('cti_queue_waiting_calls')).toBe(0);
    expect(metrics1.get('cti_connection_up{target="ari"}')).toBe(1);
    expect(metrics1.has('cti_job_queue_oldest_waiting_seconds{queue="call-records"}')).toBe(true);
    expect(metrics1.has('cti_event_loop_lag_seconds{quantile="0.99"}')).toBe(true);

    // Per-agent figures come from the same calls; ring and state facts were stored from live events.
    expect((await answeredByAgents()) - agents0).toBe(n);

    const html = await fetch(`${ctx.apiUrl}/api/v1/reports/daily?format=html`, { headers: { authorization: `Bearer ${ctx.supervisorToken}` } });
    const page = await html.text();
    for (const section of ['合同考核指标', '分时段话务量', '坐席绩效', '应急联动', '工单（按类别及办理时限）', '接通率']) expect(page).toContain(section);
    const csv = await (await fetch(`${ctx.apiUrl}/api/v1/reports/daily?format=csv`, { headers: { authorization: `Bearer ${ctx.supervisorToken}` } })).text();
    expect(csv).toContain('合同考核指标');
    expect(csv.split('\r\n').find((l) => l.startsWith('接通率,'))).toBeDefined();

    const contract = await api(ctx, 'GET', '/api/v1/kpi/contract');
    expect(contract.body.rows.find((r: { key: string }) => r.key === 'answer_rate')).toMatchObject({ nameZh: '接通率', target: 0.98 });
    const staffing = await api(ctx, 'GET', '/api/v1/staffing');
    expect(staffing.status).toBe(200);
    expect(staffing.body.current).toMatchObject({ loggedIn: 27 });
    expect(staffing.body.intervals).toHaveLength(48);
  });
});

describe('the wallboard in headless Chromium', () => {
  let browser: Browser | undefined;

  // Starting the browser is set-up, not what is tested (on a loaded CI host it alone took up to 75 s).
  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('rejects a missing or forged ticket', async () => {
    expect((await fetch(`${ctx.apiUrl}/wallboard`)).status).toBe(401);
    expect((await fetch(`${ctx.apiUrl}/wallboard/events?ticket=v1.zzzzzzzz.eA.forged`)).status).toBe(401);
  });

  it('loads, and its numbers follow a call as it arrives and is answered, pushed without a reload (latency printed)', async () => {
    // Each step and when it ended, written to the run directory with a screenshot if the test fails: a busy machine
    // once spent the whole test's time somewhere between the answer and the hang-up, and nothing said where.
    const runDir = join(ctx.root, '.run', ctx.runId);
    mkdirSync(runDir, { recursive: true });
    const began = Date.now();
    const steps: Array<[string, number]> = [];
    const step = (name: string) => {
      steps.push([name, Date.now() - began]);
      writeFileSync(join(runDir, 'wallboard-steps.json'), JSON.stringify(steps)); // kept if the test is cut off
    };
    step('start');
    let shown: Page | undefined; // for the screenshot of a failure
    try {
      const t = await api(ctx, 'POST', '/api/v1/wallboard/tickets');
      expect(t.status).toBe(200);
      const context = await (browser as Browser).newContext({ viewport: { width: 1920, height: 1080 } });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      shown = page;
      step('page open');
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(ctx.apiUrl)) external.push(r.url());
      });
      // The live screen held (the page otherwise alternates with the trend charts every 30 s): the screenshot shows the tiles.
      await page.goto(`${ctx.apiUrl}${t.body.url}&screen=live`);
      const text = (id: string) => page.locator(`#${id}`).innerText();
      // How long the page takes to show what the API already shows is printed, not asserted: it is a figure of the
      // machine's load (a busy CI host took longer than 1.5 s once), not of correctness. A reload never happens, so a
      // change shown at all was pushed (server-sent events).
      const latencies: Record<string, number> = {};
      // The bounds below only end a wait for what never comes; each wait ends as soon as the page shows the value.
      const shows = async (id: string, value: string, timeout = 60_000) => {
        const from = Date.now();
        await page.waitForFunction(([i, v]) => document.getElementById(i as string)?.textContent === v, [id, value], { timeout });
        latencies[`${id}=${value}`] = Date.now() - from;
        step(`page shows ${id}=${value}`);
      };
      let loads = 0;
      page.on('load', () => loads++);
      await shows('agents-logged-in', '27');
      await shows('waiting', '0');
      await page.waitForFunction(() => /%$/.test(document.getElementById('today-rate')?.textContent ?? ''), undefined, { timeout: 60_000 });
      const offeredBefore = Number(await text('today-offered'));
      step('page shows today\'s figures');

      let caller: Promise<unknown> | undefined;
      const callerPrefix = `1396${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
      try {
        for (const id of ctx.agentIds) expect((await api(ctx, 'POST', `/api/v1/agents/${id}/pause`, { reason: 'meeting' })).status).toBe(200);
      step('agents paused');
        await shows('agents-paused', '27');
        // Nobody is ready: the caller waits in the queue until an agent becomes ready.
        // The caller stays on the line until the test hangs up (after the answer is seen): nothing here races a hold time.
        caller = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, scenario: 'caller-until-hangup', timeoutS: 300, callerPrefix });
        await waitFor('call queued', async () => (await api(ctx, 'GET', '/api/v1/queue')).body.items.length === 1, 60_000);
        step('call queued');
        await shows('waiting', '1'); // after the API showed it
        expect(await text('longest-wait')).toMatch(/^\d\d:\d\d$/);

        // Agents become ready: one of them takes the call.
        for (const id of ctx.agentIds) expect((await api(ctx, 'POST', `/api/v1/agents/${id}/ready`)).status).toBe(200);
        step('agents ready');
        let onCall = 0;
        await waitFor('call answered', async () => (onCall = (await api(ctx, 'GET', '/api/v1/wallboard/snapshot')).body.agents.byState.on_call) >= 1, 60_000);
        step('call answered');
        await shows('agents-on-call', String(onCall));
        await shows('waiting', '0');
        // The screenshot is for people to look at, not an assertion: a loaded host once needed more than 60 s to draw the
        // 1920×1080 page in software, so one that does not come is noted in the steps and the test goes on.
        await page.screenshot({ path: join(runDir, 'wallboard.png') }).then(
          () => step('screenshot'),
          (err: Error) => step(`screenshot not taken: ${err.message.split('\n')[0]}`),
        );
        await hangUpCallers(ctx, callerPrefix);
        await caller;
        step('caller hung up');
        // The ended call is stored by the worker and the database figures follow.
        await page.waitForFunction((before) => Number(document.getElementById('today-offered')?.textContent) === before + 1, offeredBefore, { timeout: 60_000 });
        expect(loads).toBe(0);
        console.info(`[wallboard] API-to-page latency, ms: ${JSON.stringify(latencies)}`);
      } finally {
        await caller?.catch(() => undefined);
        for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
      }
      for (const id of ['trunk-primary', 'trunk-backup', 'linkages', 'overdue', 'staffing-gap', 'within15', 'month-rate', 'projection']) {
        expect((await text(id)).trim(), id).not.toBe('–');
      }
      expect(external).toEqual([]);
    } catch (err) {
      step(`failed: ${(err as Error).message.split('\n')[0]}`);
      await shown?.screenshot({ path: join(runDir, 'wallboard-failed.png'), timeout: 20_000 }).catch(() => undefined);
      throw err;
    }
    // Its own limit is a guard against a hang, not a speed target: every step above has its own bound (60 s, playwright
    // actions included) that names the step that never came. On a loaded CI host the steps together took 105 s and
    // more (page open 54 s, first figures 23 s), which the suite's 120 s per test cut off mid-way with no step named.
  }, 600_000);
});
