import type { SmsMessageRow } from '@cti/db';
import type { Logger } from './logger.js';
import type { SmsPort } from './sms.log-adapter.js';

/** The SMS outbox as the sender sees it (SmsRepository fits). */
export interface SmsOutbox {
  findById(id: string): Promise<SmsMessageRow | undefined>;
  claim(id: string, at: Date): Promise<SmsMessageRow | undefined>;
  release(id: string): Promise<void>;
  markUnconfirmed(id: string): Promise<boolean>;
  markSent(id: string, at: Date): Promise<void>;
}

export type SmsOutcome = 'sent' | 'skipped' | 'unconfirmed';

/**
 * Sends one SMS at most once, whatever happens to the worker (docs/domain.md §21). The message is claimed
 * (`pending` → `sending`) before it goes to the provider. A run that finds it `sending` is a redelivery after a
 * worker died between the claim and `sent`: the provider may or may not have it, so it is marked `unconfirmed` for
 * staff rather than sent twice. A refusal by the provider (nothing sent) puts it back to `pending` and fails the
 * attempt, so BullMQ tries again.
 */
export async function sendSmsOnce(id: string, outbox: SmsOutbox, sms: SmsPort, log: Logger, now: () => number): Promise<SmsOutcome> {
  const msg = await outbox.claim(id, new Date(now()));
  if (!msg) {
    const seen = await outbox.findById(id);
    if (seen?.status === 'sending' && (await outbox.markUnconfirmed(id))) {
      log.warn({ smsId: id, ticketId: seen.ticket_id, claimedAt: seen.claimed_at }, 'SMS claimed by a worker that died before it was confirmed: marked unconfirmed, not sent again');
      return 'unconfirmed';
    }
    return 'skipped';
  }
  try {
    await sms.send({ id: msg.id, kind: msg.kind, to: msg.to_number, body: msg.body });
  } catch (err) {
    await outbox.release(id);
    throw err;
  }
  await outbox.markSent(id, new Date(now()));
  return 'sent';
}
