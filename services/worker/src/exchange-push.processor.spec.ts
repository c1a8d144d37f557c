import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { checkExchangeSignature } from '@cti/contracts';
import type { ExchangeMessageRow } from '@cti/db';
import { processExchangePush, type HttpPost, type PushOutbox } from './exchange-push.processor.js';

const secret = 'outbound-secret-for-tests';
const settings = { url: 'http://partner.test/', secret, timeoutMs: 1000, maxAttempts: 3 };
const now = Date.parse('2026-11-02T02:00:00Z');

function outbox(status: ExchangeMessageRow['status'] = 'pending') {
  const calls: string[] = [];
  const msg = { id: '5', direction: 'outbound', partner_line: '110', kind: 'push', idempotency_key: 'push:9', ticket_id: '9', status, attempts: 0, last_error: null, partner_incident_no: null, body: { ticketNo: 'GZ12345-00000009' }, enqueued_at: null, created_at: new Date(), updated_at: new Date() } as ExchangeMessageRow;
  const box: PushOutbox = {
    findById: async () => msg,
    markSent: async (id, attempts, incident) => void calls.push(`sent ${id} ${attempts} ${incident}`),
    markAttemptFailed: async (id, attempts, error, final) => void calls.push(`failed ${id} ${attempts} ${final} ${error.slice(0, 20)}`),
  };
  return { box, calls };
}

const answering = (status: number, body: unknown, seen: Parameters<HttpPost>[] = []): HttpPost => async (url, init) => {
  seen.push([url, init]);
  return { status, text: async () => JSON.stringify(body) };
};

describe('processExchangePush', () => {
  it('posts the body signed over timestamp.key.body with the idempotency key, and stores the incident number', async () => {
    const { box, calls } = outbox();
    const seen: Parameters<HttpPost>[] = [];
    expect(await processExchangePush('5', 1, box, settings, answering(201, { incidentNo: 'JJ-1' }, seen), now)).toBe('sent');
    const [url, init] = seen[0] ?? [];
    expect(url).toBe('http://partner.test/incidents');
    expect(init?.headers['idempotency-key']).toBe('push:9');
    const signed = { timestamp: init?.headers['x-cti-timestamp'], signature: init?.headers['x-cti-signature'], idempotencyKey: 'push:9', body: init?.body ?? '' };
    expect(checkExchangeSignature(secret, signed, now, 300)).toBeNull();
    // The key is signed: the same signed body under another key does not verify.
    expect(checkExchangeSignature(secret, { ...signed, idempotencyKey: 'push:10' }, now, 300)).toBe('signature does not match');
    expect(calls).toEqual(['sent 5 1 JJ-1']);
  });

  it('throws on 503 so BullMQ retries, marking the last allowed attempt final', async () => {
    const first = outbox();
    await expect(processExchangePush('5', 1, first.box, settings, answering(503, {}), now)).rejects.toThrow('503');
    expect(first.calls[0]).toMatch(/^failed 5 1 false/);
    const last = outbox();
    await expect(processExchangePush('5', 3, last.box, settings, answering(503, {}), now)).rejects.toThrow();
    expect(last.calls[0]).toMatch(/^failed 5 3 true/);
  });

  it('gives up at once on a 4xx refusal (UnrecoverableError, marked failed)', async () => {
    const { box, calls } = outbox();
    await expect(processExchangePush('5', 1, box, settings, answering(400, { error: 'bad' }), now)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(calls[0]).toMatch(/^failed 5 1 true/);
  });

  it('retries when the partner answers 2xx without an incident number, and skips a message already sent', async () => {
    const { box } = outbox();
    await expect(processExchangePush('5', 1, box, settings, answering(200, {}), now)).rejects.toThrow('incidentNo');
    const sent = outbox('sent');
    expect(await processExchangePush('5', 1, sent.box, settings, answering(201, { incidentNo: 'x' }), now)).toBe('skipped');
    expect(sent.calls).toEqual([]);
  });
});
