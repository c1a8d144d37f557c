import { beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { CtiError, ops } from '@cti/domain';
import { BackupRepository } from './backup.repository.js';
import type { Database } from './db.schema.js';
import { IncidentRepository } from './incident.repository.js';
import { InspectionRepository } from './inspection.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_ops', 5);
const T0 = Date.parse('2026-11-10T02:00:00Z');
const M = 60_000;

let db: Kysely<Database>;
let incidents: IncidentRepository;

beforeAll(async () => {
  db = testSchema.db();
  incidents = new IncidentRepository(db);
});


describe('IncidentRepository on PostgreSQL', () => {
  it('stores a detected incident once however often the open is retried, and refuses a second open one for the condition', async () => {
    const i = ops.openIncident({ id: 'det-1', level: 'L1', source: 'detected', condition: 'ari_down', title: 'ARI down', startedAt: T0, openedAt: T0 + M / 2 });
    expect(await incidents.open(i)).toBe(true);
    expect(await incidents.open(i)).toBe(false);
    const twin = ops.openIncident({ ...i, id: 'det-2', condition: 'ari_down', openedAt: T0 + M });
    await expect(incidents.open(twin)).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    expect((await incidents.listOpenDetected()).map((x) => x.id)).toEqual(['det-1']);
  });

  it('auto-resolves the open incident of a condition with its recovery time, and only once', async () => {
    const r = await incidents.resolveCondition('ari_down', T0 + 5 * M, 'recovered');
    expect(r).toMatchObject({ id: 'det-1', resolvedAt: T0 + 5 * M, resolutionNote: 'recovered' });
    expect(await incidents.resolveCondition('ari_down', T0 + 6 * M, 'again')).toBeUndefined();
    const back = await incidents.get('det-1');
    expect(ops.incidentSla(back, ops.DEFAULT_OPS_SLA, T0 + 10 * M)).toMatchObject({ state: 'resolved', recoveryMs: 5 * M, breached: false });
    expect((await incidents.events('det-1')).map((e) => e.kind)).toEqual(['opened', 'resolved']);
    // Once resolved, the condition may open a new incident.
    expect(await incidents.open(ops.openIncident({ id: 'det-3', level: 'L1', source: 'detected', condition: 'ari_down', title: 'ARI down', openedAt: T0 + 20 * M }))).toBe(true);
  });

  it('saves staff transitions with their history and refuses a stale one', async () => {
    const i = ops.openIncident({ id: 'staff-1', level: 'L4', source: 'staff', title: 'Agent PC cannot log in', openedAt: T0 + M, openedBy: 'sup1' });
    await incidents.open(i);
    const acked = ops.acknowledgeIncident(i, 'sup2', T0 + 2 * M);
    expect(await incidents.saveTransition(acked, 'acknowledged')).toBe(true);
    expect(await incidents.saveTransition(acked, 'acknowledged')).toBe(false);
    const resolved = ops.resolveIncident(acked, 'sup2', T0 + 30 * M, 'replaced cable');
    expect(await incidents.saveTransition(resolved, 'resolved')).toBe(true);
    expect(await incidents.get('staff-1')).toEqual(resolved);
    const events = await incidents.events('staff-1');
    expect(events.map((e) => [e.kind, e.actor, e.note])).toEqual([['opened', 'sup1', null], ['acknowledged', 'sup2', null], ['resolved', 'sup2', 'replaced cable']]);
    await expect(incidents.get('nope')).rejects.toBeInstanceOf(CtiError);
  });

  it('lists by period, state and level', async () => {
    expect((await incidents.list({ open: true })).map((i) => i.id)).toEqual(['det-3']);
    expect((await incidents.list({ level: 'L4' })).map((i) => i.id)).toEqual(['staff-1']);
    expect((await incidents.list({ from: T0 + 10 * M, to: T0 + 60 * M })).map((i) => i.id).sort()).toEqual(['det-3', 'staff-1']);
  });
});

describe('InspectionRepository and BackupRepository on PostgreSQL', () => {
  it('keeps every inspection and lists headers newest first', async () => {
    const reports = new InspectionRepository(db);
    const base = { kind: 'inspection' as const, from: T0, to: T0 + 86_400_000, trigger: 'manual' as const, report: { checks: [] }, text: 't', html: '<p>h</p>' };
    const a = await reports.save({ ...base, overall: 'pass', generatedAt: T0 + M });
    const b = await reports.save({ ...base, overall: 'warn', generatedAt: T0 + 2 * M });
    expect((await reports.list('inspection', 10)).map((h) => [h.id, h.overall])).toEqual([[b, 'warn'], [a, 'pass']]);
    expect((await reports.get(a)).report).toEqual({ checks: [] });
    expect(await reports.find('x')).toBeUndefined();
    expect((await reports.inspectionsBetween(T0, T0 + 90_000)).map((r) => r.id)).toEqual([a]);
  });

  it('stores one report per job: the same job stored again returns the first id and adds no row', async () => {
    const reports = new InspectionRepository(db);
    const base = { kind: 'inspection' as const, from: T0, to: T0 + 86_400_000, trigger: 'schedule' as const, report: { checks: [] }, text: 't', html: '<p>h</p>' };
    const key = 'ops-jobs:repeat:ops-inspection:1796000000000@1795999999000';
    expect(await reports.idOfJob(key)).toBeUndefined();
    const first = await reports.save({ ...base, overall: 'pass', generatedAt: T0 + 3 * M }, key);
    const [again, other] = await Promise.all([reports.save({ ...base, overall: 'fail', generatedAt: T0 + 4 * M }, key), reports.save({ ...base, overall: 'warn', generatedAt: T0 + 4 * M }, `${key}0`)]);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(await reports.idOfJob(key)).toBe(first);
    expect((await reports.get(first)).overall).toBe('pass');
  });

  it('records backups and marks pruned files', async () => {
    const backups = new BackupRepository(db);
    await backups.record({ startedAt: T0, finishedAt: T0 + 1000, file: '/b/1.dump', sizeBytes: 123, status: 'ok', verified: true, verification: { tables: 3 }, error: null });
    await backups.record({ startedAt: T0 + M, finishedAt: T0 + M + 1000, file: '/b/2.dump', sizeBytes: 0, status: 'failed', verified: false, verification: {}, error: 'dump failed' });
    await backups.markPruned(['/b/1.dump'], T0 + 2 * M);
    const list = await backups.list(10);
    expect(list.map((b) => [b.file, b.status, b.sizeBytes, b.prunedAt])).toEqual([['/b/2.dump', 'failed', 0, null], ['/b/1.dump', 'ok', 123, T0 + 2 * M]]);
    expect((await backups.findLatest())?.file).toBe('/b/2.dump');
  });
});
