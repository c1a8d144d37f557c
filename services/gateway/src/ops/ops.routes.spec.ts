import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { OpsJobData } from '@cti/contracts';
import { ManualClock, ops } from '@cti/domain';
import type { IncidentQuery, Principal, StoredInspectionReport } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { IncidentService, type IncidentStore } from './incident.service.js';
import { registerOpsRoutes, type OpsReportsPort } from './ops.routes.js';

const principals: Record<string, Principal> = {
  'tok-sup': { tokenId: '1', role: 'supervisor', agentId: null, label: 'shift lead' },
  'tok-qa': { tokenId: '2', role: 'qa', agentId: 'q1', label: 'qa' },
  'tok-agent': { tokenId: '3', role: 'agent', agentId: 'a1', label: 'agent' },
  'tok-admin': { tokenId: '4', role: 'admin', agentId: null, label: 'admin' },
};

class MemoryIncidents implements IncidentStore {
  readonly rows = new Map<string, ops.Incident>();
  readonly log: Array<{ id: string; kind: string }> = [];
  async open(i: ops.Incident) {
    this.rows.set(i.id, i);
    this.log.push({ id: i.id, kind: 'opened' });
    return true;
  }
  async saveTransition(next: ops.Incident, kind: 'acknowledged' | 'resolved') {
    this.rows.set(next.id, next);
    this.log.push({ id: next.id, kind });
    return true;
  }
  async find(id: string) {
    return this.rows.get(id);
  }
  async list(q: IncidentQuery) {
    return [...this.rows.values()].filter((i) => (q.from === undefined || (i.resolvedAt ?? Infinity) >= q.from) && (q.to === undefined || i.startedAt < q.to) && (q.open === undefined || (i.resolvedAt === null) === q.open));
  }
  async events(id: string) {
    return this.log.filter((e) => e.id === id).map((e) => ({ at: 0, kind: e.kind as 'opened', actor: null, note: null, data: {} }));
  }
}

const NOW = Date.parse('2026-06-01T02:00:00Z');
const report: StoredInspectionReport = {
  id: '7', kind: 'inspection', from: NOW - 3_600_000, to: NOW + 3_600_000, trigger: 'manual', overall: 'pass', generatedAt: NOW,
  report: { overall: 'pass', checks: [{ id: 'asterisk:version', value: 'Asterisk 22.5.0' }] }, text: 'inspection text', html: '<h1>巡检</h1>',
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function fixture() {
  const clock = new ManualClock(NOW);
  const store = new MemoryIncidents();
  const audit: Array<{ action: string; actorId: string | null; target?: string }> = [];
  let n = 0;
  const service = new IncidentService(store, { record: async (e) => void audit.push(e) }, ops.DEFAULT_OPS_SLA, () => clock.now(), () => `i${++n}`);
  const jobs: OpsJobData[] = [];
  const reports: OpsReportsPort = {
    listReports: async () => [{ id: '7', kind: 'inspection', from: report.from, to: report.to, trigger: 'manual', overall: 'pass', generatedAt: NOW }],
    findReport: async (id) => (id === '7' ? report : undefined),
    listBackups: async () => [{ id: '1', startedAt: NOW, finishedAt: NOW + 1000, file: '/b/x.dump', sizeBytes: 10, status: 'ok', verified: true, verification: {}, error: null, prunedAt: null }],
    runJob: async (d) => (jobs.push(d), { id: '7', overall: 'pass' }),
  };
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [(routes) => registerOpsRoutes(routes, service, reports, () => clock.now())],
  });
  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app!.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined && { payload: payload as object }) });
  return { clock, store, audit, jobs, call };
}

describe('ops routes', () => {
  it('lets a supervisor report, acknowledge and resolve an incident, each audited, with its SLA status', async () => {
    const f = await fixture();
    const created = await f.call('tok-sup', 'POST', '/api/v1/ops/incidents', { level: 'L2', title: '坐席话机大面积掉线', startedAt: new Date(NOW - 10 * 60_000).toISOString() });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({ source: 'staff', state: 'open', level: 'L2', openedBy: 'shift lead', sla: { deadline: new Date(NOW + 80 * 60_000).toISOString(), overdue: false } });
    f.clock.advance(5 * 60_000);
    expect((await f.call('tok-sup', 'POST', `/api/v1/ops/incidents/${id}/acknowledge`)).json().state).toBe('acknowledged');
    expect((await f.call('tok-sup', 'POST', `/api/v1/ops/incidents/${id}/acknowledge`)).statusCode).toBe(409);
    f.clock.advance(25 * 60_000);
    const resolved = await f.call('tok-sup', 'POST', `/api/v1/ops/incidents/${id}/resolve`, { note: '交换机端口恢复' });
    expect(resolved.json()).toMatchObject({ state: 'resolved', resolutionNote: '交换机端口恢复', sla: { recoveryMs: 40 * 60_000, breached: false } });
    expect(f.audit.map((a) => a.action)).toEqual(['incident.report', 'incident.acknowledge', 'incident.resolve']);
    const one = await f.call('tok-qa', 'GET', `/api/v1/ops/incidents/${id}`);
    expect(one.json().events.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'acknowledged', 'resolved']);
    const ft = await f.call('tok-qa', 'GET', '/api/v1/ops/fault-time?year=2026');
    expect(ft.json()).toMatchObject({ year: 2026, faultMs: 40 * 60_000, budgetHours: 24, withinBudget: true, incidents: 1 });
  });

  it('counts fault time as it stood at asOf: an open incident does not grow between two reads of the same instant', async () => {
    const f = await fixture();
    await f.call('tok-sup', 'POST', '/api/v1/ops/incidents', { level: 'L2', title: '中继闪断', startedAt: new Date(NOW - 10 * 60_000).toISOString() });
    const asOf = new Date(NOW).toISOString();
    const first = (await f.call('tok-qa', 'GET', `/api/v1/ops/fault-time?year=2026&asOf=${asOf}`)).json();
    f.clock.advance(7 * 60_000);
    const second = (await f.call('tok-qa', 'GET', `/api/v1/ops/fault-time?year=2026&asOf=${asOf}`)).json();
    expect(first).toMatchObject({ faultMs: 10 * 60_000, open: 1, asOf });
    expect(second).toEqual(first);
    expect((await f.call('tok-qa', 'GET', '/api/v1/ops/fault-time?year=2026')).json().faultMs).toBe(17 * 60_000);
    const later = await f.call('tok-qa', 'GET', `/api/v1/ops/fault-time?year=2026&asOf=${new Date(NOW + 60 * 60_000).toISOString()}`);
    expect(later.statusCode).toBe(400);
    expect(later.json().message).toMatch(/asOf is in the future/);
    expect((await f.call('tok-qa', 'GET', '/api/v1/ops/fault-time?year=2026&asOf=yesterday')).statusCode).toBe(400);
  });

  it('lists overdue incidents only when asked', async () => {
    const f = await fixture();
    await f.call('tok-sup', 'POST', '/api/v1/ops/incidents', { level: 'L1', title: 'intake down' });
    await f.call('tok-sup', 'POST', '/api/v1/ops/incidents', { level: 'L4', title: 'question' });
    f.clock.advance(61 * 60_000);
    const overdue = await f.call('tok-sup', 'GET', '/api/v1/ops/incidents?overdue=true');
    expect(overdue.json().items.map((i: { level: string }) => i.level)).toEqual(['L1']);
  });

  it('checks roles and validates input', async () => {
    const f = await fixture();
    expect((await f.call('tok-agent', 'GET', '/api/v1/ops/incidents')).statusCode).toBe(403);
    expect((await f.call('tok-qa', 'POST', '/api/v1/ops/incidents', { level: 'L1', title: 'x' })).statusCode).toBe(403);
    const bad = await f.call('tok-sup', 'POST', '/api/v1/ops/incidents', { level: 'L5', title: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/level/);
    expect((await f.call('tok-sup', 'POST', '/api/v1/ops/incidents', { level: 'L1', title: 'x', startedAt: new Date(NOW + 60_000).toISOString() })).statusCode).toBe(400);
    expect((await f.call('tok-sup', 'POST', '/api/v1/ops/incidents/nope/resolve', { note: 'x' })).statusCode).toBe(404);
    expect((await f.call('tok-sup', 'POST', '/api/v1/ops/backups/run')).statusCode).toBe(403);
    expect((await app!.inject({ method: 'GET', url: '/api/v1/ops/incidents' })).statusCode).toBe(401);
  });

  it('runs an inspection on the worker and serves stored reports as JSON, text and HTML', async () => {
    const f = await fixture();
    const run = await f.call('tok-sup', 'POST', '/api/v1/ops/inspections/run');
    expect(run.statusCode).toBe(201);
    expect(f.jobs).toEqual([{ kind: 'inspection', trigger: 'manual' }]);
    expect(run.json()).toMatchObject({ id: '7', overall: 'pass', report: { checks: [{ value: 'Asterisk 22.5.0' }] } });
    expect((await f.call('tok-qa', 'GET', '/api/v1/ops/inspections/7?format=text')).body).toBe('inspection text');
    const html = await f.call('tok-qa', 'GET', '/api/v1/ops/inspections/7?format=html');
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect((await f.call('tok-qa', 'GET', '/api/v1/ops/inspections/8')).statusCode).toBe(404);
    expect((await f.call('tok-qa', 'GET', '/api/v1/ops/inspections')).json().items).toHaveLength(1);
    expect((await f.call('tok-qa', 'GET', '/api/v1/ops/backups')).json().items[0]).toMatchObject({ status: 'ok', verified: true });
    const rep = await f.call('tok-sup', 'POST', '/api/v1/ops/reports', { kind: 'quarterly', date: '2026-05-20' });
    expect(rep.statusCode).toBe(201);
    expect(f.jobs[1]).toEqual({ kind: 'report', report: 'quarterly', from: Date.parse('2026-03-31T16:00:00Z'), to: Date.parse('2026-06-30T16:00:00Z') });
  });

  it('publishes every ops route in the OpenAPI document with its roles', async () => {
    const f = await fixture();
    const doc = (await f.call('tok-sup', 'GET', '/api/v1/openapi.json')).json();
    for (const p of ['/api/v1/ops/incidents', '/api/v1/ops/incidents/{id}', '/api/v1/ops/incidents/{id}/acknowledge', '/api/v1/ops/incidents/{id}/resolve', '/api/v1/ops/fault-time', '/api/v1/ops/inspections', '/api/v1/ops/inspections/{id}', '/api/v1/ops/inspections/run', '/api/v1/ops/reports', '/api/v1/ops/backups', '/api/v1/ops/backups/run']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/api/v1/ops/incidents'].post['x-roles']).toEqual(['supervisor', 'manager', 'admin']);
  });
});
