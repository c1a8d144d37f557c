import { beforeAll, describe, expect, it } from 'vitest';
import { SmsRepository } from './sms.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_sms', 3);
let sms: SmsRepository;
const at = new Date('2026-12-07T08:00:00Z');

async function queued(key: string): Promise<string> {
  await sms.enqueue({ ticketId: null, kind: 'receipt', dedupeKey: key, to: '13800001111', body: '您的诉求已受理' });
  return (await testSchema.db().selectFrom('sms_messages').select('id').where('dedupe_key', '=', key).executeTakeFirstOrThrow()).id;
}

beforeAll(() => {
  sms = new SmsRepository(testSchema.db());
});

describe('SmsRepository: at most once', () => {
  it('lets exactly one of two concurrent claims have the message', async () => {
    const id = await queued('race');
    const [a, b] = await Promise.all([sms.claim(id, at), sms.claim(id, at)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((await sms.findById(id))?.status).toBe('sending');
    expect((await sms.findById(id))?.claimed_at).toEqual(at);
  });

  it('marks a claimed message unconfirmed once, and never a pending or sent one', async () => {
    const id = await queued('dead-sender');
    expect(await sms.markUnconfirmed(id)).toBe(false);
    await sms.claim(id, at);
    expect(await sms.markUnconfirmed(id)).toBe(true);
    expect(await sms.markUnconfirmed(id)).toBe(false);
    expect(await sms.claim(id, at)).toBeUndefined();
    expect((await sms.findById(id))?.status).toBe('unconfirmed');
    const sent = await queued('sent');
    await sms.claim(sent, at);
    await sms.markSent(sent, at);
    expect(await sms.markUnconfirmed(sent)).toBe(false);
  });

  it('puts a refused message back to pending so it can be claimed again', async () => {
    const id = await queued('refused');
    await sms.claim(id, at);
    await sms.release(id);
    expect((await sms.findById(id))?.status).toBe('pending');
    expect(await sms.claim(id, at)).toBeDefined();
  });
});
