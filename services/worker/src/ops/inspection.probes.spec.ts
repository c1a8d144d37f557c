import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ops } from '@cti/domain';
import { commandLines, gatherInspectionFacts, parseChannelCount, parseRedisInfo, parseTaskProcessors, parseUptimeSeconds, type AmiPort } from './inspection.probes.js';

const TASKPROCESSORS = [
  'Processor                                                               Processed   In Queue  Max Depth  Low water High water',
  'app_voicemail                                                                   0          0          0        450        500',
  'stasis/m:cache_pattern:1/channel:all-00000030                                 812          7         41        450        500',
  'subm:ast_system-00000002                                                       17          0          2        450        500',
  '',
  '109 taskprocessors',
];

const dir = mkdtempSync(join(tmpdir(), 'cti-insp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AMI Command output parsing', () => {
  it('reads output given as one string or as repeated Output fields', () => {
    expect(commandLines({ response: 'Success', output: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(commandLines({ response: 'Success', output: 'only' })).toEqual(['only']);
    expect(commandLines({ response: 'follows', content: 'Privilege: Command\nx\n' })).toEqual(['Privilege: Command', 'x']);
  });
  it('parses Asterisk 22 task processors (with low/high time columns) by their header', () => {
    const a22 = [
      '',
      'Processor                                                               Processed   In Queue  Max Depth  Low water High water Low time(us) High time(us)',
      'app_voicemail                                                                   0          0          0        450        500          0          0',
      'stasis/p:channel:all-00000051                                                 120          9         33        450        500         10         90',
    ];
    expect(parseTaskProcessors(a22)).toEqual([{ name: 'app_voicemail', queued: 0, maxDepth: 0 }, { name: 'stasis/p:channel:all-00000051', queued: 9, maxDepth: 33 }]);
  });
  it('parses task processors, uptime and channel counts', () => {
    expect(parseTaskProcessors(TASKPROCESSORS)).toEqual([
      { name: 'app_voicemail', queued: 0, maxDepth: 0 },
      { name: 'stasis/m:cache_pattern:1/channel:all-00000030', queued: 7, maxDepth: 41 },
      { name: 'subm:ast_system-00000002', queued: 0, maxDepth: 2 },
    ]);
    expect(parseUptimeSeconds(['System uptime: 5025', 'Last reload: 5025'])).toBe(5025);
    expect(parseChannelCount(['3 active channels', '1 active call', '42 calls processed'])).toEqual({ channels: 3, calls: 1 });
    expect(parseRedisInfo('# Memory\r\nused_memory:1048576\r\nmaxmemory:0\r\nconnected_clients:7\r\nuptime_in_seconds:99\r\n')).toEqual({ usedMemoryBytes: 1048576, maxMemoryBytes: 0, connectedClients: 7, uptimeSeconds: 99 });
  });
});

describe('gatherInspectionFacts', () => {
  const ami = (up = true): AmiPort => ({
    isUp: () => up,
    action: async (f) => {
      const out: Record<string, string[]> = {
        'core show version': ['Asterisk 22.5.2 built by root @ host on a x86_64 running Linux'],
        'core show uptime seconds': ['System uptime: 3600', 'Last reload: 3600'],
        'core show channels count': ['2 active channels', '1 active call', '9 calls processed'],
        'core show taskprocessors': TASKPROCESSORS,
      };
      return f.action === 'Ping' ? { response: 'Success', ping: 'Pong' } : { response: 'Success', output: out[String(f.command)] ?? [] };
    },
    // PJSIPShowEndpoint lists the endpoint's permanent contacts as ContactStatusDetail rows.
    listAction: async (f) =>
      f.endpoint === 'trunk-primary'
        ? [{ event: 'ContactStatusDetail', aor: 'trunk-primary', status: 'Reachable', roundtripusec: '1500' }]
        : [{ event: 'ContactStatusDetail', aor: 'trunk-backup', status: 'Unreachable', roundtripusec: '0' }],
  });
  const deps = (over: Partial<Parameters<typeof gatherInspectionFacts>[0]> = {}) => ({
    ami: ami(),
    redis: { info: async () => 'used_memory:100\nmaxmemory:0\nconnected_clients:3\nuptime_in_seconds:10\n' },
    postgres: { stats: async () => ({ connections: 4, maxConnections: 100, databaseBytes: 1e6 }), lastBackup: async () => ({ startedAt: 1, ok: true }) },
    fetch: (async () => new Response(JSON.stringify({ system: { version: '22.5.2' } }), { status: 200 })) as typeof fetch,
    now: () => 1_000_000,
    ...over,
  });
  const targets = { trunks: ['trunk-primary', 'trunk-backup'], ari: { url: 'http://127.0.0.1:1', user: 'u', password: 'p' }, diskPaths: [dir, join(dir, 'not', 'yet')], recordingsDir: join(dir, 'rec'), credentials: [{ name: 'tls', expiresAt: 2_000_000 }] };

  it('reads trunks, Asterisk, ARI, AMI, Redis, PostgreSQL, disks and storage into facts the domain judges', async () => {
    const f = await gatherInspectionFacts(deps(), targets);
    expect(f.trunks).toEqual({ ok: true, value: [{ name: 'trunk-primary', status: 'up', rttMs: 1.5 }, { name: 'trunk-backup', status: 'down', rttMs: null }] });
    expect(f.asterisk).toMatchObject({ ok: true, value: { version: 'Asterisk 22.5.2 built by root @ host on a x86_64 running Linux', uptimeSeconds: 3600, activeChannels: 2, activeCalls: 1 } });
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
