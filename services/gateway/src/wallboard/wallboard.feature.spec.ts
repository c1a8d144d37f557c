import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig } from '@cti/domain';
import type { Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { EventBus } from '../events/event-bus.js';
import { TokenWatch } from '../http/token.watch.js';
import { createLogger } from '../logger.js';
import { createWallboardFeature } from './wallboard.feature.js';
import type { WallboardFigures } from './wallboard.figures.js';

const log = createLogger('test', 'silent');
const principals: Record<string, Principal> = { 'tok-sup': { tokenId: '3', role: 'supervisor', agentId: null, label: 'shift lead' } };
const rate = (offered: number, answered: number) => ({ offered, answered, abandoned: offered - answered, rate: offered ? answered / offered : null, answeredWithin: { count: answered, rate: answered ? 1 : null } });

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function fixture() {
  const clock = new ManualClock(Date.UTC(2026, 10, 15, 4, 0, 0));
  const acd = new AcdEngine(defaultAcdConfig, clock);
  const bus = new EventBus();
  let reads = 0;
  // Only what the wallboard's port names: the KPI feature's figures carry more, and fit it.
  const figures: WallboardFigures = {
    live: async () => (reads++, { today: rate(10, 9), month: rate(200, 197), projection: { projection: { projectedRate: 0.985 } }, lines: [{ line: '12315', name: '12315消费者投诉举报专线', offered: 4, answered: 3, rate: 0.75, target: 0.95, pass: false }] }),
    overdueTickets: async () => 2,
    staffing: async () => ({ intervals: [{ when: 'current', scheduledNeeded: 12, loggedIn: 10, gap: -2, gapLabel: '缺 2 人', rostered: 11, forecastServiceLevel: 0.7 }] }),
    openAlerts: async () => [],
  };
  const feature = createWallboardFeature({
    config: { CTI_WALLBOARD_SECRET: 'x'.repeat(32), CTI_WALLBOARD_TICKET_TTL_S: 3600, CTI_WALLBOARD_STATS_S: 0.05 },
    bus,
    acd,
    liveCallCount: () => 4,
    trunks: () => ({ 'trunk-primary': { status: 'up', since: 0 } }),
    ariUp: () => true,
    amiUp: () => false,
    figures,
    // The trend charts are tested in wallboard.trends.spec.ts; these tests never read them.
    trends: { trends: () => Promise.reject(new Error('trends are not read here')) },
    log,
    now: () => clock.now(),
    tokenWatch: new TokenWatch({ findInvalid: async () => [] }, 60_000, log),
    tokenValidity: { findInvalid: async () => [] },
  });
  return { bus, feature, reads: () => reads };
}

const build = (feature: ReturnType<typeof createWallboardFeature>) =>
  buildApp({
    logger: log,
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [feature],
  });

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('wallboard feature', () => {
  it('listens to the bus from the start and reads the figures only once the app is ready', async () => {
    const f = fixture();
    expect(f.bus.subscriberCount()).toBe(1);
    app = await build(f.feature);
    expect(f.reads()).toBe(0);
    await app.ready();
    await settle(20);
    expect(f.reads()).toBeGreaterThan(0);
  });

  it('serves the snapshot: live state from its probes, database figures through its port', async () => {
    const f = fixture();
    app = await build(f.feature);
    await app.ready();
    await settle(20);
    const res = await app.inject({ method: 'GET', url: '/api/v1/wallboard/snapshot', headers: { authorization: 'Bearer tok-sup' } });
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({ callsInProgress: 4, connections: { ari: true, ami: false }, emergencyLinkages: { active: 0 } });
    expect(s.stats).toMatchObject({ today: { offered: 10, answered: 9 }, overdueTickets: 2, staffing: { gap: -2 }, alerts: [] });
    expect(s.stats.lines).toEqual([{ line: '12315', name: '12315消费者投诉举报专线', offered: 4, answered: 3, rate: 0.75, target: 0.95, pass: false }]);
  });

  it('stops refreshing when the app closes', async () => {
    const f = fixture();
    app = await build(f.feature);
    await app.ready();
    await settle(120);
    await app.close();
    app = undefined;
    const after = f.reads();
    await settle(150);
    expect(f.reads()).toBe(after);
  });
});
