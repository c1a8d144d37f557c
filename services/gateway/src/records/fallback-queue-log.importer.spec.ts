import { appendFileSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '@cti/domain';
import { silentLogger } from '../call/call.fixtures.test.js';
import { FallbackQueueLogImporter, fallbackCallRecord, parseQueueLogLine } from './fallback-queue-log.importer.js';

// Lines as Asterisk 22 wrote them for an answered and an abandoned fallback call.
const ANSWERED = [
  '1795821275|1795821273.0|cti-fallback|NONE|ENTERQUEUE|backup:12345|139151|1',
  '1795821276|1795821273.0|cti-fallback|PJSIP/seat-03|RINGNOANSWER|15000',
  '1795821277|1795821273.0|cti-fallback|PJSIP/seat-27|CONNECT|2|1795821275.1|1',
  '1795821279|1795821273.0|cti-fallback|PJSIP/seat-27|COMPLETECALLER|2|2|1',
];
const ABANDONED = [
  '1795821282|1795821279.2|cti-fallback|NONE|ENTERQUEUE|primary:12345|139161|1',
  '1795821282|1795821279.2|cti-fallback|PJSIP/seat-26|RINGCANCELED|566',
  '1795821282|1795821279.2|cti-fallback|NONE|ABANDON|1|1|0',
];

describe('fallback calls from queue_log', () => {
  it('turns an answered fallback call into a record with trunk, line, seat, agent and times', () => {
    const r = fallbackCallRecord(ANSWERED.map((l) => parseQueueLogLine(l)!), (seat) => (seat === 'seat-27' ? 'a27' : undefined));
    expect(r).toEqual({
      linkedId: '1795821273.0', trunk: 'backup', callerNumber: '139151', did: '12345', language: 'mandarin',
      arrivedAt: 1795821275000, queuedAt: 1795821275000, offeredAt: 1795821275000, answeredAt: 1795821277000, endedAt: 1795821279000,
      agentId: 'a27', seat: 'seat-27', outcome: 'answered', endedBy: 'caller', offers: 2, viaFallback: true,
    });
  });

  it('records a caller who left the native queue as abandoned', () => {
    const r = fallbackCallRecord(ABANDONED.map((l) => parseQueueLogLine(l)!), () => undefined);
    expect(r).toMatchObject({ linkedId: '1795821279.2', trunk: 'primary', outcome: 'abandoned', offers: 1 });
    expect(r?.answeredAt).toBeUndefined();
  });

  it('records a caller who hung up during the fallback’s greeting (the dialplan logged ENTERQUEUE and ABANDON itself), and one who then waited in Queue() from their first entry', () => {
    // extensions.conf [cti-fallback]: QueueLog(ENTERQUEUE) on entry, QueueLog(ABANDON) in h before Queue() was reached.
    const greetingOnly = ['1795821300|1795821299.4|cti-fallback|NONE|ENTERQUEUE|backup:12345|139171|1', '1795821302|1795821299.4|cti-fallback|NONE|ABANDON|1|1|0'];
    expect(fallbackCallRecord(greetingOnly.map((l) => parseQueueLogLine(l)!), () => undefined)).toMatchObject({
      linkedId: '1795821299.4', trunk: 'backup', callerNumber: '139171', arrivedAt: 1795821300000, endedAt: 1795821302000, outcome: 'abandoned', offers: 0, viaFallback: true,
    });
    // The dialplan's entry, then app_queue's own ENTERQUEUE after the greeting: the call counts from the first.
    const both = ['1795821300|1795821299.5|cti-fallback|NONE|ENTERQUEUE|primary:12345|139172|1', ...ANSWERED.map((l) => l.replace('1795821273.0', '1795821299.5'))];
    expect(fallbackCallRecord(both.map((l) => parseQueueLogLine(l)!), () => 'a27')).toMatchObject({ arrivedAt: 1795821300000, outcome: 'answered', trunk: 'primary' });
  });

  it('imports each finished call once, keeps callers still queued for later, and only reads what was appended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qlog-'));
    const file = join(dir, 'queue_log');
    writeFileSync(file, ['1795821272|NONE|NONE|NONE|QUEUESTART|', ...ANSWERED, ABANDONED[0], ABANDONED[1], '1795821290|x.9|other-queue|NONE|ENTERQUEUE|a|b|1'].join('\n') + '\n');
    const published: CallRecord[] = [];
    const importer = new FallbackQueueLogImporter(file, join(dir, 'state'), 'cti-fallback', { publish: async (r) => void published.push(r) }, () => undefined, silentLogger());
    expect(await importer.importNow()).toBe(1);
    expect(published.map((r) => r.linkedId)).toEqual(['1795821273.0']);
    const offsetWritten = statSync(join(dir, 'state', 'queue_log.offset')).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    expect(await importer.importNow()).toBe(0); // nothing new, nothing twice
    expect(statSync(join(dir, 'state', 'queue_log.offset')).mtimeMs).toBe(offsetWritten); // and nothing written
    // A new importer (a restarted gateway) goes on from the offset on disk.
    expect(await new FallbackQueueLogImporter(file, join(dir, 'state'), 'cti-fallback', { publish: async (r) => void published.push(r) }, () => undefined, silentLogger()).importNow()).toBe(0);
    appendFileSync(file, ABANDONED[2] + '\n1795821299|half');
    expect(await importer.importNow()).toBe(1);
    expect(published.map((r) => [r.linkedId, r.outcome])).toEqual([['1795821273.0', 'answered'], ['1795821279.2', 'abandoned']]);
  });
});
