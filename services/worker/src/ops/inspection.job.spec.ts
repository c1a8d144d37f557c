import { describe, expect, it } from 'vitest';
import { ops } from '@cti/domain';
import type { StoredInspectionReport } from '@cti/db';
import { generateOpsReport, storeInspection, type InspectionSink } from './inspection.job.js';
import { opsJobKey } from '@cti/contracts';
import { opsSchedules } from './ops.jobs.js';

class MemorySink implements InspectionSink {
  readonly saved: Array<Omit<StoredInspectionReport, 'id'>> = [];
  async save(r: Omit<StoredInspectionReport, 'id'>) {
    this.saved.push(r);
    return String(this.saved.length);
  }
  async inspectionsBetween(from: number, to: number) {
    return this.saved.filter((r) => r.kind === 'inspection' && r.generatedAt >= from && r.generatedAt < to).map((r, i) => ({ ...r, id: String(i + 1) }));
  }
}

const H = 3_600_000;
const facts = (at: number, trunk: 'up' | 'down'): ops.InspectionFacts => ({
  at,
  trunks: { ok: true, value: [{ name: 'trunk-primary', status: trunk, rttMs: null }] },
  asterisk: { ok: true, value: { version: 'Asterisk 22', uptimeSeconds: 10, activeChannels: 0, activeCalls: 0, taskProcessors: [] } },
  ari: { ok: true, value: { latencyMs: 1, version: '22' } },
  ami: { ok: true, value: { latencyMs: 1 } },
  redis: { ok: true, value: { usedMemoryBytes: 1, maxMemoryBytes: 0, connectedClients: 1, uptimeSeconds: 1 } },
  postgres: { ok: true, value: { connections: 1, maxConnections: 100, databaseBytes: 1, lastBackupAt: at - H, lastBackupOk: true } },
  disks: [],
  recordings: { path: '/r', present: false },
  credentials: [],
});

describe('inspection and operations report jobs', () => {
  it('stores a daily inspection with its verdict, text and HTML in the Beijing day', async () => {
    const sink = new MemorySink();
    const at = Date.parse('2026-11-23T00:30:00Z');
    const out = await storeInspection(facts(at, 'up'), 'schedule', sink, ops.DEFAULT_INSPECTION_THRESHOLDS);
    expect(out).toEqual({ id: '1', overall: 'pass' });
    const r = sink.saved[0]!;
    expect(new Date(r.from).toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(r.text).toContain('Asterisk 22');
    expect(r.html).toContain('<table>');
  });

  it('summarises the week: inspections, recurring problems, incidents by level and the year-to-date fault time', async () => {
    const sink = new MemorySink();
    const week = ops.opsPeriodContaining('weekly', Date.parse('2026-11-25T04:00:00Z'));
    for (let d = 0; d < 7; d++) await storeInspection(facts(week.from + d * 24 * H + H, d === 2 ? 'down' : 'up'), 'schedule', sink, ops.DEFAULT_INSPECTION_THRESHOLDS);
    const inc = ops.resolveIncident(ops.openIncident({ id: 'x', level: 'L3', source: 'detected', condition: 'trunk_down:trunk-primary', title: 'Trunk down', openedAt: week.from + 2 * 24 * H }), null, week.from + 2 * 24 * H + 3 * H, null);
    const out = await generateOpsReport('weekly', undefined, { incidents: { list: async () => [inc] }, sink, sla: ops.DEFAULT_OPS_SLA, now: week.to + H, trigger: 'schedule' });
    const r = sink.saved.at(-1)!;
    expect(out.overall).toBe('fail');
    expect(r.kind).toBe('weekly');
    expect([r.from, r.to]).toEqual([week.from, week.to]);
    const data = r.report as unknown as { inspections: ops.InspectionSummary; incidents: ops.IncidentSummary };
    expect(data.inspections).toMatchObject({ count: 7, pass: 6, fail: 1, daysWithout: 0, recurring: [{ id: 'trunk:trunk-primary', days: 1, worst: 'fail' }] });
    expect(data.incidents.byLevel.L3).toMatchObject({ count: 1, breached: 1, maxRecoveryMs: 3 * H });
    expect(data.incidents.yearToDate.faultMs).toBe(3 * H);
    expect(r.text).toContain('Year-to-date fault time: 3.00 h of 24.00 h');
  });

  it('keys an ops job’s results by the job and its creation time: one key per tick, and a renumbered on-demand job is new', () => {
    expect(opsJobKey({ id: 'repeat:ops-backup:1796000000000', timestamp: 1795999990000 })).toBe('ops-jobs:repeat:ops-backup:1796000000000@1795999990000');
    expect(opsJobKey({ id: '1', timestamp: 1 })).not.toBe(opsJobKey({ id: '1', timestamp: 2 }));
  });

  it('schedules the inspection and backup from configuration and reports after their period, Beijing time', () => {
    const s = opsSchedules({ CTI_INSPECTION_CRON: '0 8 * * *', CTI_BACKUP_CRON: '0 3 * * *' });
    expect(s.map((x) => [x.id, x.pattern])).toEqual([
      ['ops-inspection-daily', '0 8 * * *'],
      ['ops-report-weekly', '30 8 * * 1'],
      ['ops-report-quarterly', '0 9 1 1,4,7,10 *'],
      ['ops-report-annual', '30 9 1 1 *'],
      ['ops-backup', '0 3 * * *'],
    ]);
  });
});
