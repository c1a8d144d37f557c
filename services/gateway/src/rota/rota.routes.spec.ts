import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_SHIFT_CONFIG, type RotaAssignment, type StateSpan } from '@cti/domain';
import type { Principal, RotaEntry } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { registerRotaRoutes } from './rota.routes.js';
import { RotaService, type RotaStore } from './rota.service.js';

const principals: Record<string, Principal> = {
  a1: { tokenId: '1', role: 'agent', agentId: 'a01', label: 'agent a01' },
  lead: { tokenId: '2', role: 'supervisor', agentId: null, label: 'lead1' },
  qa: { tokenId: '3', role: 'qa', agentId: null, label: 'qa1' },
};
const NOW = Date.parse('2027-01-04T10:00:00+08:00');
const HALF = 1_800_000;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An in-memory rota store: entries and state spans as given; replaceRange runs the check like the repository. */
function fakeStore(entries: RotaEntry[], spans: Map<string, StateSpan[]> = new Map()) {
  const swaps: unknown[] = [];
  const store: RotaStore = {
    entries: async (from, to) => entries.filter((e) => e.date >= from && e.date <= to),
    agents: async () => [
      { id: 'a01', name: '甲', skills: ['mandarin', 'tibetan'] },
      { id: 'a02', name: '乙', skills: ['mandarin'] },
      { id: 'a03', name: '丙', skills: ['mandarin', 'tibetan'] },
      { id: 'a04', name: '丁', skills: ['mandarin'] },
    ],
    replaceRange: async (from, to, next, by, check) => {
      check([...entries.filter((e) => e.date < from || e.date > to), ...next]);
      const removed = entries.filter((e) => e.date >= from && e.date <= to).length;
      entries.splice(0, entries.length, ...entries.filter((e) => e.date < from || e.date > to), ...next.map((e) => ({ ...e, source: 'plan' as const, updatedBy: by, updatedAt: new Date(NOW) })));
      return { saved: next.length, removed };
    },
    requestSwap: async (input, by) => {
      swaps.push({ input, by });
      return { id: '1', ...input, shift: 'early', withShift: null, status: 'requested', requestedBy: by, requestedAt: new Date(NOW), decidedBy: null, decidedAt: null, decisionNote: null } as never;
    },
    swaps: async () => [],
    decideSwap: async () => ({}) as never,
    stateSpans: async (ids) => new Map([...spans].filter(([id]) => ids.includes(id))),
    handovers: async () => [],
    draft: async () => [],
    writeHandover: async () => ({}) as never,
    acknowledgeHandover: async () => ({}) as never,
  };
  return { store, swaps };
}

/** Needs 1 agent at night, 3 by day, 2 in the evening (today's plan; the proposal applies it to every date). */
const forecast = async () => ({
  intervals: Array.from({ length: 48 }, (_, i) => ({ start: Date.parse('2027-01-04T00:00:00+08:00') + i * HALF, scheduledNeeded: i < 16 ? 1 : i < 32 ? 3 : 2 })),
});

async function start(entries: RotaEntry[] = [], spans?: Map<string, StateSpan[]>) {
  const { store, swaps } = fakeStore(entries, spans);
  const rota = new RotaService(store, DEFAULT_SHIFT_CONFIG, forecast, () => NOW);
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [(routes) => registerRotaRoutes(routes, rota)],
  });
  const ask = async (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const res = await (app as FastifyInstance).inject({ method, url, headers: { authorization: `Bearer ${who}` }, ...(payload !== undefined && { payload: payload as object }) });
    return { status: res.statusCode, body: res.json() as any };
  };
  return { ask, rota, swaps, entries };
}

const entry = (agentId: string, date: string, shift: string): RotaEntry => ({ agentId, date, shift, source: 'plan', updatedBy: 'lead1', updatedAt: new Date(NOW) });

describe('rota routes', () => {
  it('proposes a month from today’s forecast for a shift lead, reports what four agents cannot cover, and refuses agents', async () => {
    const { ask } = await start();
    const p = await ask('lead', 'POST', '/api/v1/rota/proposal', { month: '2027-02', unavailable: { a02: ['2027-02-03'] } });
    expect(p.status).toBe(200);
    expect(p.body.forecast.halfHours.slice(0, 17)).toEqual([...new Array(16).fill(1), 3]);
    // Night: 2 (the minimum staff), early: 3, late: 2 → 7 agents a day for 28 days; four agents work one shift a day at
    // most, so slots stay empty and their half-hours are reported.
    expect(p.body.lowerBoundHours).toBe(28 * 7 * 8);
    expect(p.body.emptySlots).toBeGreaterThan(0);
    expect(p.body.assignments.some((a: RotaAssignment) => a.agentId === 'a02' && a.date === '2027-02-03')).toBe(false);
    expect(p.body.uncovered.length).toBeGreaterThan(0);
    expect((await ask('a1', 'POST', '/api/v1/rota/proposal', { month: '2027-02' })).status).toBe(403);
    const bad = await ask('lead', 'POST', '/api/v1/rota/proposal', { month: '2027-02', unavailable: { a09: ['2027-02-03'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/unknown agent a09/);
    expect((await ask('lead', 'POST', '/api/v1/rota/proposal', { month: '2027-13' })).body.message).toMatch(/YYYY-MM/);
  });

  it('saves a month and refuses one that breaks the rest rule with every violation listed (400)', async () => {
    const { ask, entries } = await start([entry('a01', '2027-01-31', 'late')]);
    const broken = await ask('lead', 'PUT', '/api/v1/rota/2027-02', { entries: [{ agentId: 'a01', date: '2027-02-01', shift: 'night' }, { agentId: 'a02', date: '2027-02-01', shift: 'early' }, { agentId: 'a02', date: '2027-02-01', shift: 'late' }] });
    expect(broken.status).toBe(400);
    expect(broken.body.details.violations.map((v: { rule: string }) => v.rule)).toEqual(['min_rest', 'one_shift_a_day']);
    expect(entries).toHaveLength(1);
    expect((await ask('lead', 'PUT', '/api/v1/rota/2027-02', { entries: [{ agentId: 'a01', date: '2027-03-01', shift: 'early' }] })).body.message).toMatch(/not in 2027-02/);
    expect((await ask('lead', 'PUT', '/api/v1/rota/2027-02', { entries: [{ agentId: 'a01', date: '2027-02-02', shift: 'noon' }] })).body.message).toMatch(/unknown shift noon/);
    const ok = await ask('lead', 'PUT', '/api/v1/rota/2027-02', { entries: [{ agentId: 'a01', date: '2027-02-01', shift: 'late' }] });
    expect(ok).toEqual({ status: 200, body: { saved: 1, removed: 0 } });
    expect((await ask('a1', 'PUT', '/api/v1/rota/2027-02', { entries: [] })).status).toBe(403);
    const grid = await ask('a1', 'GET', '/api/v1/rota?month=2027-02');
    expect(grid.body.cells.find((c: { date: string; shift: string }) => c.date === '2027-02-01' && c.shift === 'late')).toMatchObject({ agentIds: ['a01'], bySkill: { tibetan: 1 }, belowMinimum: true });
  });

  it('lets an agent ask to swap only their own shift', async () => {
    const { ask, swaps } = await start();
    expect((await ask('a1', 'POST', '/api/v1/rota/swaps', { agentId: 'a02', date: '2027-02-01', withAgentId: 'a03', reason: '请假' })).status).toBe(403);
    const mine = await ask('a1', 'POST', '/api/v1/rota/swaps', { date: '2027-02-01', withAgentId: 'a03', reason: '请假' });
    expect(mine.status).toBe(201);
    expect(swaps).toEqual([{ input: { agentId: 'a01', date: '2027-02-01', withAgentId: 'a03', withDate: null, reason: '请假' }, by: 'agent a01' }]);
    expect((await ask('lead', 'POST', '/api/v1/rota/swaps', { date: '2027-02-01', withAgentId: 'a03', reason: 'x' })).body.message).toMatch(/agentId is required/);
  });

  it('counts the rota per half-hour, a night shift of the day before included, for the staffing of half-hours to come', async () => {
    const { rota } = await start([entry('a01', '2027-01-03', 'late'), entry('a02', '2027-01-04', 'night'), entry('a03', '2027-01-04', 'early'), entry('a04', '2027-01-04', 'early')]);
    const day = Date.parse('2027-01-04T00:00:00+08:00');
    const n = await rota.rosteredByHalfHour(day, day + 86_400_000);
    expect(n.get(day)).toBe(1);
    expect(n.get(day + 16 * HALF)).toBe(2);
    expect(n.get(day + 32 * HALF)).toBeUndefined();
    // 2027-01-03's late shift ends at midnight: it staffs nothing of the 4th.
    expect([...n.values()].reduce((a, b) => a + b, 0)).toBe(16 + 2 * 16);
  });

  it("reports a date's attendance to those who oversee the floor: on duty, not signed in, and upcoming", async () => {
    const t = (hhmm: string) => Date.parse(`2027-01-04T${hhmm}:00+08:00`);
    const spans = new Map<string, StateSpan[]>([['a03', [{ state: 'ready', from: t('07:55'), to: null }]]]);
    const { ask } = await start([entry('a02', '2027-01-04', 'night'), entry('a03', '2027-01-04', 'early'), entry('a04', '2027-01-04', 'early'), entry('a01', '2027-01-04', 'late')], spans);
    const r = await ask('qa', 'GET', '/api/v1/attendance?date=2027-01-04');
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { agentId: string; status: string }) => [i.agentId, i.status])).toEqual([
      ['a02', 'absent'],
      ['a03', 'on_duty'],
      ['a04', 'not_signed_in'],
      ['a01', 'upcoming'],
    ]);
    expect(r.body.items[1].adherence).toBe(1);
    expect((await ask('a1', 'GET', '/api/v1/attendance?date=2027-01-04')).status).toBe(403);
    expect((await ask('qa', 'GET', '/api/v1/attendance?date=2027-02-30')).status).toBe(400);
  });
});
