import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ops } from '@cti/domain';
import { gatherInspectionFacts, parseRedisInfo, uptimeFromStartup, type AmiPort } from './inspection.probes.js';

const dir = mkdtempSync(join(tmpdir(), 'cti-insp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('probe parsing', () => {
  it('reads uptime from ARI startup_time with a +hhmm offset', () => {
    expect(uptimeFromStartup('2026-12-06T03:00:00.000+0000', Date.parse('2026-12-06T04:00:30Z'))).toBe(3630);
    expect(uptimeFromStartup('2026-12-06T11:00:00.000+0800', Date.parse('2026-12-06T04:00:00Z'))).toBe(3600);
    expect(uptimeFromStartup(undefined, 0)).toBeNull();
    expect(uptimeFromStartup('garbage', 0)).toBeNull();
  });
  it('parses Redis INFO', () => {
    expect(parseRedisInfo('# Memory\r\nused_memory:1048576\r\nmaxmemory:0\r\nconnected_clients:7\r\nuptime_in_seconds:99\r\n')).toEqual({ usedMemoryBytes: 1048576, maxMemoryBytes: 0, connectedClients: 7, uptimeSeconds: 99 });
  });
});

describe('gatherInspectionFacts', () => {
  /** Answers only the actions the `system` class allows; a `Command` (CLI) action fails as Asterisk would refuse it. */
  const sent: string[] = [];
  const ami = (up = true): AmiPort => ({
    isUp: () => up,
    action: async (f) => {
      sent.push(String(f.action));
      if (f.action === 'Ping') return { response: 'Success', ping: 'Pong' };
      if (f.action === 'CoreSettings') return { response: 'Success', asteriskversion: '22.5.2', amiversion: '11.0.0' };
      if (f.action === 'CoreStatus') return { response: 'Success', corecurrentcalls: '1', corestartupdate: '2026-12-06', corestartuptime: '03:00:00' };
      throw new Error(`AMI action ${String(f.action)} failed: Permission denied`);
    },
    // PJSIPShowEndpoint lists the endpoint's permanent contacts as ContactStatusDetail rows; CoreShowChannels one row per channel.
    listAction: async (f) => {
      sent.push(String(f.action));
      if (f.action === 'CoreShowChannels') return [{ event: 'CoreShowChannel', channel: 'PJSIP/a' }, { event: 'CoreShowChannel', channel: 'PJSIP/b' }];
      return f.endpoint === 'trunk-primary'
        ? [{ event: 'ContactStatusDetail', aor: 'trunk-primary', status: 'Reachable', roundtripusec: '1500' }]
        : [{ event: 'ContactStatusDetail', aor: 'trunk-backup', status: 'Unreachable', roundtripusec: '0' }];
    },
  });
  const deps = (over: Partial<Parameters<typeof gatherInspectionFacts>[0]> = {}) => ({
    ami: ami(),
    redis: { info: async () => 'used_memory:100\nmaxmemory:0\nconnected_clients:3\nuptime_in_seconds:10\n' },
    postgres: { stats: async () => ({ connections: 4, maxConnections: 100, databaseBytes: 1e6 }), lastBackup: async () => ({ startedAt: 1, ok: true }) },
    fetch: (async () => new Response(JSON.stringify({ system: { version: '22.5.2' }, status: { startup_time: '1970-01-01T00:00:00.000+0000' } }), { status: 200 })) as typeof fetch,
    now: () => 1_000_000,
    ...over,
  });
  const targets = { trunks: ['trunk-primary', 'trunk-backup'], ari: { url: 'http://127.0.0.1:1', user: 'u', password: 'p' }, diskPaths: [dir, join(dir, 'not', 'yet')], recordingsDir: join(dir, 'rec'), credentials: [{ name: 'tls', expiresAt: 2_000_000 }] };

  it('reads trunks, Asterisk, ARI, AMI, Redis, PostgreSQL, disks and storage into facts the domain judges', async () => {
    const f = await gatherInspectionFacts(deps(), targets);
    expect(f.trunks).toEqual({ ok: true, value: [{ name: 'trunk-primary', status: 'up', rttMs: 1.5 }, { name: 'trunk-backup', status: 'down', rttMs: null }] });
    expect(f.asterisk).toEqual({ ok: true, value: { version: 'Asterisk 22.5.2', uptimeSeconds: 1000, activeChannels: 2, activeCalls: 1, taskProcessors: null } });
    // Nothing that needs the `command` privilege (CLI over AMI): manager.conf grants the AMI user `system` only.
    expect([...new Set(sent)].sort()).toEqual(['CoreSettings', 'CoreShowChannels', 'CoreStatus', 'PJSIPShowEndpoint', 'Ping']);
    expect(f.ari).toMatchObject({ ok: true, value: { version: '22.5.2' } });
    expect(f.disks.map((d) => d.ok)).toEqual([true, true]);
    expect(f.recordings).toEqual({ path: join(dir, 'rec'), present: false });
    const verdict = ops.evaluateInspection(f);
    expect(verdict.overall).toBe('fail'); // the backup trunk is down
    expect(verdict.checks.find((c) => c.id === 'recordings')?.value).toBe('absent');
  });

  it('measures recording storage once it exists', async () => {
    mkdirSync(join(dir, 'rec', '2026'), { recursive: true });
    writeFileSync(join(dir, 'rec', '2026', 'a.wav'), Buffer.alloc(2048));
    writeFileSync(join(dir, 'rec', 'b.wav'), Buffer.alloc(1024));
    expect((await gatherInspectionFacts(deps(), targets)).recordings).toEqual({ path: join(dir, 'rec'), present: true, bytes: 3072, files: 2 });
  });

  it('turns unreachable components into failed probes instead of throwing', async () => {
    const f = await gatherInspectionFacts(
      deps({
        ami: ami(false),
        redis: { info: async () => Promise.reject(new Error('Connection is closed.')) },
        fetch: (async () => Promise.reject(new Error('fetch failed'))) as typeof fetch,
      }),
      targets,
    );
    expect(f.trunks).toEqual({ ok: false, error: 'AMI not connected' });
    expect(f.asterisk.ok).toBe(false);
    expect(f.ari).toEqual({ ok: false, error: 'fetch failed' });
    expect(f.redis).toEqual({ ok: false, error: 'Connection is closed.' });
    expect(ops.evaluateInspection(f).overall).toBe('fail');
  });
});
