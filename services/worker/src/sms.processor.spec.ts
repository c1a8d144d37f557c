import { describe, expect, it } from 'vitest';
import type { SmsMessageRow } from '@cti/db';
import { sendSmsOnce, type SmsOutbox } from './sms.processor.js';
import type { SmsMessage, SmsPort } from './sms.log-adapter.js';

const log = { warn: () => undefined, info: () => undefined, error: () => undefined } as never;
const now = () => Date.parse('2026-12-07T08:00:00Z');

/** An outbox with the repository's status rules: claim only from pending, unconfirmed only from sending. */
function outbox(status: SmsMessageRow['status']) {
  const row = { id: '7', ticket_id: '3', kind: 'receipt', dedupe_key: 'r:3', to_number: '13800001111', body: '您的诉求已受理', status, enqueued_at: null, sent_at: null, claimed_at: null, created_at: new Date() } as SmsMessageRow;
  const box: SmsOutbox = {
    findById: async () => ({ ...row }),
    claim: async (_id, at) => (row.status === 'pending' ? (Object.assign(row, { status: 'sending', claimed_at: at }), { ...row }) : undefined),
    release: async () => void (row.status === 'sending' && (row.status = 'pending')),
    markUnconfirmed: async () => (row.status === 'sending' ? ((row.status = 'unconfirmed'), true) : false),
    markSent: async () => void (row.status = 'sent'),
  };
  return { box, row };
}

function provider(fail = false) {
  const sent: SmsMessage[] = [];
  const port: SmsPort = { send: async (m) => {
    if (fail) throw new Error('provider refused: 503');
    sent.push(m);
  } };
  return { port, sent };
}

describe('sendSmsOnce', () => {
  it('claims a pending message, sends it once and marks it sent; a redelivery of the same job sends nothing', async () => {
    const { box, row } = outbox('pending');
    const p = provider();
    expect(await sendSmsOnce('7', box, p.port, log, now)).toBe('sent');
    expect(await sendSmsOnce('7', box, p.port, log, now)).toBe('skipped');
    expect(p.sent).toEqual([{ id: '7', kind: 'receipt', to: '13800001111', body: '您的诉求已受理' }]);
    expect(row.status).toBe('sent');
  });

  it('does not send again a message a dead worker had claimed: it is marked unconfirmed for staff', async () => {
    const { box, row } = outbox('sending');
    const p = provider();
    expect(await sendSmsOnce('7', box, p.port, log, now)).toBe('unconfirmed');
    expect(p.sent).toEqual([]);
    expect(row.status).toBe('unconfirmed');
    expect(await sendSmsOnce('7', box, p.port, log, now)).toBe('skipped');
  });

  it('puts a message the provider refused back to pending and fails the attempt, so the retry sends it', async () => {
    const { box, row } = outbox('pending');
    await expect(sendSmsOnce('7', box, provider(true).port, log, now)).rejects.toThrow('provider refused');
    expect(row.status).toBe('pending');
    const p = provider();
    expect(await sendSmsOnce('7', box, p.port, log, now)).toBe('sent');
    expect(p.sent).toHaveLength(1);
  });
});
