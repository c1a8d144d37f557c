import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WallboardFeed, type WallboardLiveProbes, type WallboardSnapshot } from './wallboard.feed.js';
import type { WallboardFigures } from './wallboard.figures.js';

let now = 100_000;
let waiting: number[] = [];
const live: WallboardLiveProbes = {
  waitingSince: () => waiting,
  agentStates: () => ['ready', 'on_call', 'paused', 'logged_out'],
  callsInProgress: () => waiting.length,
  trunks: () => ({ 'trunk-primary': { status: 'up', since: 0 } }),
  ari: () => true,
  ami: () => true,
  activeLinkages: () => 0,
};
let offered = 0;
const source: WallboardFigures = {
  live: async () => ({ today: { offered } as never, month: {} as never, projection: {} as never, lines: [] }),
  overdueTickets: async () => 3,
  staffing: async () => ({ intervals: [] }),
  openAlerts: async () => [],
};

beforeEach(() => {
  vi.useFakeTimers();
  waiting = [];
  offered = 0;
});
afterEach(() => vi.useRealTimers());

describe('wallboard feed', () => {
  it('coalesces a burst of bus events into one push within 200 ms', async () => {
    const feed = new WallboardFeed(live, source, () => now, { pushDelayMs: 150, statsEveryMs: 60_000, statsAfterCallEndMs: 800 }, () => undefined);
    const pushes: WallboardSnapshot[] = [];
    feed.subscribe((s) => pushes.push(s));
    waiting = [now - 12_500];
    for (let i = 0; i < 10; i++) feed.handle({ type: 'call.queued', at: now, callId: `c${i}`, line: '12345', language: 'mandarin' });
    await vi.advanceTimersByTimeAsync(149);
    expect(pushes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.queue).toEqual({ waiting: 1, longestWaitSeconds: 12, oldestSince: now - 12_500 });
    expect(pushes[0]?.agents).toEqual({ loggedIn: 3, byState: { ready: 1, reserved: 0, on_call: 1, wrap_up: 0, paused: 1 } });
  });

  it('re-reads the database after a call ends and pushes when the figures changed', async () => {
    const feed = new WallboardFeed(live, source, () => now, { pushDelayMs: 150, statsEveryMs: 60_000, statsAfterCallEndMs: 800 }, () => undefined);
    const pushes: WallboardSnapshot[] = [];
    feed.subscribe((s) => pushes.push(s));
    feed.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(pushes.at(-1)?.stats?.overdueTickets).toBe(3);
    const count = pushes.length;
    offered = 1;
    feed.handle({ type: 'call.ended', at: now, callId: 'c1', outcome: 'answered', agentId: 'a1' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pushes.length).toBeGreaterThan(count);
    expect((pushes.at(-1)?.stats?.today as { offered: number }).offered).toBe(1);
    feed.stop();
  });
});
