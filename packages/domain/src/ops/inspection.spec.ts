import { describe, expect, it } from 'vitest';
import { evaluateInspection, worstStatus, type InspectionFacts } from './inspection.js';

const NOW = Date.parse('2026-11-20T00:00:00Z');
const facts = (over: Partial<InspectionFacts> = {}): InspectionFacts => ({
  at: NOW,
  trunks: { ok: true, value: [{ name: 'trunk-primary', status: 'up', rttMs: 1.2 }, { name: 'trunk-backup', status: 'up', rttMs: null }] },
  asterisk: { ok: true, value: { version: 'Asterisk 22.5.0', uptimeSeconds: 90_061, activeChannels: 4, activeCalls: 2, taskProcessors: [{ name: 'stasis/m:x', queued: 3, maxDepth: 40 }] } },
  ari: { ok: true, value: { latencyMs: 4, version: '22.5.0' } },
  ami: { ok: true, value: { latencyMs: 2 } },
  redis: { ok: true, value: { usedMemoryBytes: 2e6, maxMemoryBytes: 0, connectedClients: 5, uptimeSeconds: 100 } },
  postgres: { ok: true, value: { connections: 8, maxConnections: 100, databaseBytes: 9e6, lastBackupAt: NOW - 3_600_000, lastBackupOk: true } },
  disks: [{ path: '/var/lib/cti', ok: true, freeBytes: 50e9, totalBytes: 100e9 }],
  recordings: { path: '/var/spool/asterisk/monitor', present: false },
  credentials: [{ name: 'carrier-tls', expiresAt: NOW + 90 * 86_400_000 }],
  ...over,
});

describe('evaluateInspection', () => {
  it('passes a healthy system and shows the figures read', () => {
    const r = evaluateInspection(facts());
    expect(r.overall).toBe('pass');
    const byId = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    expect(byId['asterisk:version']?.value).toBe('Asterisk 22.5.0');
    expect(byId['asterisk:uptime']?.value).toBe('1d 1h 1m');
    expect(byId['trunk:trunk-primary']?.value).toBe('up (qualify 1.2 ms)');
    expect(byId['recordings']?.value).toBe('absent');
  });
  it('fails a down trunk and an unreachable component, naming the error', () => {
    const r = evaluateInspection(facts({ trunks: { ok: true, value: [{ name: 'trunk-primary', status: 'down', rttMs: null }] }, ari: { ok: false, error: 'ECONNREFUSED' } }));
    expect(r.overall).toBe('fail');
    expect(r.checks.find((c) => c.id === 'ari')).toMatchObject({ status: 'fail', note: 'ECONNREFUSED' });
  });
  it('warns on low disk, deep task queues, an old backup and a credential expiring within 30 days', () => {
    const r = evaluateInspection(facts({
      disks: [{ path: '/d', ok: true, freeBytes: 10, totalBytes: 100 }],
      credentials: [{ name: 'ari-cert', expiresAt: NOW + 10 * 86_400_000 }],
      postgres: { ok: true, value: { connections: 1, maxConnections: 100, databaseBytes: 1, lastBackupAt: NOW - 48 * 3_600_000, lastBackupOk: true } },
    }));
    expect(r.overall).toBe('warn');
    expect(r.checks.filter((c) => c.status === 'warn').map((c) => c.id).sort()).toEqual(['backup', 'credential:ari-cert', 'disk:/d']);
    const deep = evaluateInspection(facts({ asterisk: { ok: true, value: { version: 'x', uptimeSeconds: 1, activeChannels: 0, activeCalls: 0, taskProcessors: [{ name: 'q', queued: 5_000, maxDepth: 5_000 }] } } }));
    expect(deep.checks.find((c) => c.id === 'asterisk:taskprocessors')?.status).toBe('fail');
  });
  it('reports no task-processor check when the queues could not be observed', () => {
    const r = evaluateInspection(facts({ asterisk: { ok: true, value: { version: 'x', uptimeSeconds: 1, activeChannels: 0, activeCalls: 0, taskProcessors: null } } }));
    expect(r.checks.map((c) => c.id)).not.toContain('asterisk:taskprocessors');
    expect(r.checks.find((c) => c.id === 'asterisk:version')?.status).toBe('pass');
  });
  it('fails an expired credential and a failed last backup', () => {
    const r = evaluateInspection(facts({
      credentials: [{ name: 'old', expiresAt: NOW - 1 }],
      postgres: { ok: true, value: { connections: 1, maxConnections: 100, databaseBytes: 1, lastBackupAt: NOW - 1, lastBackupOk: false } },
    }));
    expect(r.checks.filter((c) => c.status === 'fail').map((c) => c.id).sort()).toEqual(['backup', 'credential:old']);
  });
  it('takes the worst status as the overall verdict', () => {
    expect(worstStatus([])).toBe('pass');
    expect(worstStatus(['pass', 'warn', 'pass'])).toBe('warn');
    expect(worstStatus(['warn', 'fail'])).toBe('fail');
  });
});
