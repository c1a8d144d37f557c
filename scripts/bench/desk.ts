/**
 * Agent desk budgets (issue 15), measured in one run on this machine and printed; the last line is one JSON object.
 * Run (as root, like the e2e tests): npm run bench:desk (it runs `npm run build` first: services, packages, web/dist)
 *
 *   - firstLoadToInteractiveMs: a new browser profile (empty cache) opens /desk/; from the navigation's start to the
 *     sign-in form accepting input (its button enabled). BENCH_LOADS samples (default 7); median and max.
 *     Also the signed-in desk after a reload (warm cache) until the state bar shows the agent's state.
 *   - deskJs: the JavaScript of the desk page as the gateway ships it: the bytes on the wire of every script the page
 *     loaded (the gateway gzips them), and gzip -9 of every .js in web/dist/desk/assets.
 *   - clickAnswerToTwoWayAudioMs: a SIPp citizen calls 12345 on the primary trunk, the desk rings in Chromium (fake
 *     microphone), the bench clicks 接听; from the click to the later of the browser's first received audio bytes
 *     (getStats polled every 10 ms in the page) and Asterisk's first RTP packet from the browser's leg (ARI
 *     rtp_statistics polled every 20 ms). BENCH_CALLS samples (default 5); median and max.
 *
 * Budgets: ≤ 1500 ms, ≤ 400 KB gzip, ≤ 500 ms. The machine's load (1-minute average, before and after) is printed
 * with the figures; a run whose load exceeded the cores is marked invalid (its times measure the other load).
 * It starts its own stack in a free e2e port slot (test/support/global-setup.ts: Asterisk with the browser phones' TLS
 * listener, gateway, worker, a fresh schema) and tears it down at the end, also on error.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ChildProcess } from 'node:child_process';
import type { ProvidedContext } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import setup from '../../test/support/global-setup.js';
import type { E2eContext } from '../../test/support/e2e.env.js';
import { placeCalls } from '../../test/support/sipp.js';
import { waitFor } from '../../test/support/processes.js';
import { DESK_CONTEXT, adminCli, launchChromium, msToFirstInboundAudio, recordPeerConnections, signInAtSeat } from '../../test/support/desk-browser.js';
import { asteriskRtpReceived } from './measure.js';
import { root } from './stack.js';
import { summary } from './stats.js';

const LOADS = Number(process.env.BENCH_LOADS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 5);
const BUDGET = { firstLoadToInteractiveMs: 1500, deskJsGzipBytes: 400 * 1024, clickAnswerToTwoWayAudioMs: 500 };
const agentId = 'a01';
const seat = 'seat-01';
const user = { username: `bench-desk-${Date.now().toString(36)}`, password: 'Bench-Desk-2026' };

/** Cold first load of /desk/ in a fresh profile: ms to an interactive sign-in form, and the scripts' wire bytes. */
async function firstLoad(chrome: Browser, apiUrl: string): Promise<{ ms: number; jsWireBytes: number }> {
  const context = await chrome.newContext(DESK_CONTEXT);
  const page = await context.newPage();
  const scripts: Array<Promise<number>> = [];
  page.on('requestfinished', (r) => {
    if (r.resourceType() === 'script') scripts.push(r.sizes().then((s) => s.responseBodySize));
  });
  const started = Date.now();
  await page.goto(`${apiUrl}/desk/`, { waitUntil: 'commit' });
  await page.locator('[data-test=sign-in]:not([disabled])').waitFor();
  await page.locator('input[name=username]').waitFor();
  const ms = Date.now() - started;
  await page.waitForLoadState('load');
  const jsWireBytes = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
  await context.close();
  return { ms, jsWireBytes };
}

/** One call answered in the browser: ms from the click to audio both ways. */
async function answerOnce(ctx: E2eContext, page: Page): Promise<number> {
  let sipp: ChildProcess | undefined;
  const caller = placeCalls(root, { target: `127.0.0.1:${ctx.env.CTI_SIP_PORT}`, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, scenario: 'caller-until-hangup', onStart: (c) => (sipp = c) });
  try {
    await page.locator('[data-test=answer]:not([disabled])').waitFor({ timeout: 30_000 });
    const firstInbound = msToFirstInboundAudio(page);
    const clicked = Date.now();
    await page.click('[data-test=answer]');
    let asteriskHears = -1;
    await waitFor('Asterisk receiving the browser', async () => (await asteriskRtpReceived(ctx, `${seat}-web`)) > 0 && (asteriskHears = Date.now() - clicked) > 0, 10_000, 20);
    const browserHears = Math.round(await firstInbound);
    await page.locator('[data-test=call-phase]', { hasText: '通话中' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('F4');
    await page.locator('[data-test=call-phase]', { hasText: '已挂机' }).waitFor({ timeout: 10_000 });
    await caller;
    return Math.max(browserHears, asteriskHears);
  } finally {
    if (sipp && sipp.exitCode === null) sipp.kill('SIGKILL');
    await caller.catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const cores = cpus().length;
  const loadBefore = loadavg()[0] ?? 0;
  // Global setup hands the stack to the tests through vitest's provide(); here it is kept for the bench.
  const provided: Partial<ProvidedContext> = {};
  const teardown = await setup({ provide: (key, value) => void (provided[key] = value) });
  let chrome: Browser | undefined;
  try {
    const c = provided.e2e;
    if (!c) throw new Error('global setup provided no e2e context');
    await adminCli(root, c.env, ['staff', 'add', '--username', user.username, '--name', '压测坐席', '--role', 'agent', '--agent', agentId], `${user.password}\n`);
    chrome = await launchChromium();
    // One unmeasured load first: the gateway gzips each asset on its first request.
    await firstLoad(chrome, c.apiUrl);
    const loads: number[] = [];
    let jsWireBytes = 0;
    for (let i = 0; i < LOADS; i++) {
      const r = await firstLoad(chrome, c.apiUrl);
      loads.push(r.ms);
      jsWireBytes = r.jsWireBytes;
    }
    const assets = join(root, 'web/dist/desk/assets');
    const deskJsGzipBytes = readdirSync(assets).filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);

    const context = await chrome.newContext(DESK_CONTEXT);
    await recordPeerConnections(context);
    const page = await context.newPage();
    await signInAtSeat(page, c.apiUrl, user, seat);
    const reloadStarted = Date.now();
    await page.reload();
    await page.locator('[data-test=agent-state]').waitFor();
    const signedInReloadMs = Date.now() - reloadStarted;
    await page.locator('[data-test=sip-status]', { hasText: '网页电话已注册' }).waitFor({ timeout: 20_000 });
    await page.click('[data-test=ready]');
    await page.locator('[data-test=agent-state]', { hasText: '就绪' }).waitFor();
    const answers: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      answers.push(await answerOnce(c, page));
      await page.locator('[data-test=agent-state]', { hasText: '就绪' }).waitFor({ timeout: 20_000 });
    }
    await page.click('[data-test=logout]');
    await page.locator('[data-test=seat-login]').waitFor();

    const loadAfter = loadavg()[0] ?? 0;
    const figures = {
      firstLoadToInteractiveMs: summary(loads),
      signedInReloadToStateBarMs: signedInReloadMs,
      deskJsGzipBytes,
      deskJsWireBytes: jsWireBytes,
      clickAnswerToTwoWayAudioMs: summary(answers),
    };
    const within = {
      firstLoadToInteractive: figures.firstLoadToInteractiveMs.median <= BUDGET.firstLoadToInteractiveMs,
      deskJsGzip: deskJsGzipBytes <= BUDGET.deskJsGzipBytes,
      clickAnswerToTwoWayAudio: figures.clickAnswerToTwoWayAudioMs.median <= BUDGET.clickAnswerToTwoWayAudioMs,
    };
    const valid = Math.max(loadBefore, loadAfter) <= cores;
    console.log(`desk first load to interactive: median ${figures.firstLoadToInteractiveMs.median} ms (max ${figures.firstLoadToInteractiveMs.max}; budget ${BUDGET.firstLoadToInteractiveMs})`);
    console.log(`desk JavaScript: ${(deskJsGzipBytes / 1024).toFixed(1)} KB gzip -9, ${(jsWireBytes / 1024).toFixed(1)} KB on the wire (budget 400 KB)`);
    console.log(`click answer to two-way audio: median ${figures.clickAnswerToTwoWayAudioMs.median} ms (max ${figures.clickAnswerToTwoWayAudioMs.max}; budget ${BUDGET.clickAnswerToTwoWayAudioMs})`);
    console.log(`load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)} on ${cores} cores${valid ? '' : ': INVALID run (load above the cores)'}`);
    console.log(JSON.stringify({ bench: 'desk', ...figures, budgets: BUDGET, within, load: { before: Number(loadBefore.toFixed(2)), after: Number(loadAfter.toFixed(2)), cores }, valid }));
  } finally {
    await chrome?.close();
    await teardown();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
