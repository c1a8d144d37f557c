import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig, kpi } from '@cti/domain';
import type { Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { EventBus } from '../events/event-bus.js';
import { TokenWatch } from '../http/token.watch.js';
import { createLogger } from '../logger.js';
import { createWallboardFeature } from './wallboard.feature.js';
import type { WallboardTrends } from './wallboard.trends.js';

const log = createLogger('test', 'silent');
const principals: Record<string, Principal> = {
  'tok-sup': { tokenId: '3', role: 'supervisor', agentId: null, label: 'shift lead' },
  'tok-agent': { tokenId: '4', role: 'agent', agentId: 'a1', label: 'agent' },
};
const NOW = Date.UTC(2026, 11, 7, 4, 0, 0);

const sample: WallboardTrends = {
  at: NOW,
  halfHours: { labels: kpi.halfHourLabels(), today: Array.from({ length: 48 }, (_, i) => (i <= 24 ? i % 3 : null)), yesterday: new Array(48).fill(1), forecast: new Array(48).fill(1.5), currentIndex: 24 },
  dailyAnswerRate: { target: 0.98, days: [{ day: '2026-12-01', offered: 100, answered: 99, rate: 0.99 }] },
  ticketsByCategory: [{ name: '投诉', count: 2 }],
  overdueByDepartment: [{ name: '州教育局', count: 1 }],
  ticketsByCounty: [{ name: '康定市', count: 3 }, { name: '泸定县', count: 0 }],
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(): Promise<{ app: FastifyInstance; reads: () => number }> {
  const clock = new ManualClock(NOW);
  let reads = 0;
  const feature = createWallboardFeature({
    config: { CTI_WALLBOARD_SECRET: 'x'.repeat(32), CTI_WALLBOARD_TICKET_TTL_S: 3600, CTI_WALLBOARD_STATS_S: 60 },
    bus: new EventBus(),
    acd: new AcdEngine(defaultAcdConfig, clock),
    liveCallCount: () => 0,
    trunks: () => ({}),
    ariUp: () => true,
    amiUp: () => true,
    figures: {
      live: async () => ({ today: {} as never, month: {} as never, projection: {} as never, lines: [] }),
      overdueTickets: async () => 0,
      staffing: async () => ({ intervals: [] }),
      openAlerts: async () => [],
    },
    trends: { trends: async () => (reads++, sample) },
    log,
    now: () => clock.now(),
    tokenWatch: new TokenWatch({ findInvalid: async () => [] }, 60_000, log),
    tokenValidity: { findInvalid: async () => [] },
  });
  const a = await buildApp({
    logger: log,
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [feature],
  });
  await a.ready();
  return { app: a, reads: () => reads };
}

describe('the wallboard trends', () => {
  it('serves the trends to the snapshot roles on the staff API, and refuses an agent', async () => {
    const b = await build();
    app = b.app;
    const res = await app.inject({ method: 'GET', url: '/api/v1/wallboard/trends', headers: { authorization: 'Bearer tok-sup' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(sample);
    expect((await app.inject({ method: 'GET', url: '/api/v1/wallboard/trends', headers: { authorization: 'Bearer tok-agent' } })).statusCode).toBe(403);
  });

  it('serves the page its trends with a valid ticket only', async () => {
    const b = await build();
    app = b.app;
    expect((await app.inject({ method: 'GET', url: '/wallboard/trends' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/wallboard/trends?ticket=v2.zz.eA.3.forged' })).statusCode).toBe(401);
    expect(b.reads()).toBe(0);
    const t = await app.inject({ method: 'POST', url: '/api/v1/wallboard/tickets', headers: { authorization: 'Bearer tok-sup' } });
    const ticket = t.json().ticket as string;
    const res = await app.inject({ method: 'GET', url: `/wallboard/trends?ticket=${encodeURIComponent(ticket)}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json().ticketsByCounty).toEqual(sample.ticketsByCounty);
    expect(b.reads()).toBe(1);
  });

  it('serves ECharts from its own node_modules, and the page loads it from there under a CSP that allows only this origin', async () => {
    const b = await build();
    app = b.app;
    const js = await app.inject({ method: 'GET', url: '/wallboard/echarts.min.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body.length).toBeGreaterThan(500_000);
    expect(js.body).toContain('echarts');
    const t = (await app.inject({ method: 'POST', url: '/api/v1/wallboard/tickets', headers: { authorization: 'Bearer tok-sup' } })).json().ticket as string;
    const page = await app.inject({ method: 'GET', url: `/wallboard?ticket=${encodeURIComponent(t)}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    // The library is fetched by the page's script once it has loaded, never as a script tag the load waits for.
    expect(page.body).toContain("s.src = '/wallboard/echarts.min.js'");
    expect(page.body).not.toContain('<script src=');
    for (const id of ['chart-halfhour', 'chart-daily', 'chart-category', 'chart-overdue', 'chart-county']) expect(page.body).toContain(`id="${id}"`);
    // The live tiles are still there.
    for (const id of ['waiting', 'today-rate', 'month-rate', 'alerts']) expect(page.body).toContain(`id="${id}"`);
    expect(page.body).not.toMatch(/https?:\/\//);
  });

  it('lists the new routes in the OpenAPI document', async () => {
    const b = await build();
    app = b.app;
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/wallboard/trends', '/wallboard/trends', '/wallboard/echarts.min.js']));
  });
});
