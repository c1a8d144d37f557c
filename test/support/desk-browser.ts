// The agent desk in Debian's Chromium (headless, fake microphone) for browser tests and the desk bench: the launch
// flags WebRTC on loopback needs, a log of every RTCPeerConnection the page makes, staff accounts by the admin CLI,
// and signing in and logging in to a seat with the browser phone.
import { execFile } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** A desk screen: Full HD minus the taskbar, Chinese, the run's self-signed certificate accepted. */
export const DESK_CONTEXT = { ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 }, locale: 'zh-CN' };

/** Headless Chromium as a softphone (docs/domain.md §7: fake media, ICE on loopback, no mDNS, self-signed WSS). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--ignore-certificate-errors',
    ],
  });
}

/** Records every RTCPeerConnection of the context's pages in `window.__pcs` (for getStats()). */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; RTCPeerConnection: typeof RTCPeerConnection };
    w.__pcs = [];
    const Original = w.RTCPeerConnection;
    w.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.__pcs.push(this as unknown as RTCPeerConnection);
      }
    } as typeof RTCPeerConnection;
  });
}

/** Audio bytes the page's peer connections have received so far. */
export function inboundAudioBytes(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let bytes = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      (await pc.getStats()).forEach((r: { type: string; kind?: string; bytesReceived?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') bytes += r.bytesReceived ?? 0;
      });
    }
    return bytes;
  });
}

/** Milliseconds from now until the page's peer connections have received their first audio bytes (polled every 10 ms in the page). */
export function msToFirstInboundAudio(page: Page): Promise<number> {
  // No named function inside: tsx (keepNames) would wrap it in a helper the page does not have.
  const probe = page.evaluate(async () => {
    const started = performance.now();
    for (;;) {
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
        let bytes = 0;
        (await pc.getStats()).forEach((r: { type: string; kind?: string; bytesReceived?: number }) => void (r.type === 'inbound-rtp' && r.kind === 'audio' && (bytes += r.bytesReceived ?? 0)));
        if (bytes > 0) return performance.now() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  // Callers start it before the click and await it later: a failure meanwhile must not end the process unhandled
  // (it did, and left the bench's stack running); the caller still gets it when it awaits.
  probe.catch(() => undefined);
  return probe;
}

/** Runs the gateway's admin CLI (built) with `env`, `stdin` as its standard input (e.g. a new password). */
export function adminCli(root: string, env: Record<string, string>, args: string[], stdin = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', ['services/gateway/dist/admin.main.js', ...args], { cwd: root, env: { ...process.env, ...env } }, (err, _stdout, stderr) =>
      err ? reject(new Error(`${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin?.end(stdin);
  });
}

/** Signs in at /desk/ and logs in to `seat` with the browser phone, until it is registered and the feed is open. */
export async function signInAtSeat(page: Page, apiUrl: string, user: { username: string; password: string }, seat: string): Promise<void> {
  await page.goto(`${apiUrl}/desk/`);
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.click('[data-test=sign-in]');
  await page.click('[data-test=seat-select]');
  await page.click(`.el-select-dropdown__item:has-text("${seat}")`);
  await page.click('[data-test=phone-browser]');
  await page.click('[data-test=seat-login]');
  await page.locator('[data-test=sip-status]', { hasText: '网页电话已注册' }).waitFor({ timeout: 20_000 });
  await page.locator('[data-test=feed-status]', { hasText: '服务已连接' }).waitFor({ timeout: 20_000 });
}

/** Waits until the input or textarea `data-test=field` of `page` holds `value` (the other window's typing arrived). */
export function fieldHolds(page: Page, field: string, value: string): Promise<unknown> {
  return page.waitForFunction(([f, v]) => (document.querySelector(`[data-test=${f}]`) as HTMLInputElement | null)?.value === v, [field, value], { timeout: 10_000 });
}

/**
 * Adds a shift-lead (supervisor) staff account with the admin CLI and signs it in at /console/ in a new page of
 * `chrome`; returns the page, on the console.
 */
export async function signInLeadAtConsole(chrome: Browser, root: string, env: Record<string, string>, apiUrl: string, username: string, name: string): Promise<Page> {
  const password = 'Console-Lead-2026';
  await adminCli(root, env, ['staff', 'add', '--username', username, '--name', name, '--role', 'supervisor'], `${password}\n`);
  const page = await (await chrome.newContext(DESK_CONTEXT)).newPage();
  await page.goto(`${apiUrl}/console/`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-test=sign-in]');
  return page;
}
