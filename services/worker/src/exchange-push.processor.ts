import { UnrecoverableError } from 'bullmq';
import { EXCHANGE_IDEMPOTENCY_HEADER, EXCHANGE_SIGNATURE_HEADER, EXCHANGE_TIMESTAMP_HEADER, signExchange } from '@cti/contracts';
import type { ExchangeMessageRow } from '@cti/db';

/** The outbox rows a push needs (ExchangeRepository fits). */
export interface PushOutbox {
  findById(id: string): Promise<ExchangeMessageRow | undefined>;
  markSent(id: string, attempts: number, incidentNo: string): Promise<void>;
  markAttemptFailed(id: string, attempts: number, error: string, final: boolean): Promise<void>;
}

/** Where and how pushes go. */
export interface PushSettings {
  url: string;
  secret: string;
  timeoutMs: number;
  maxAttempts: number;
}

/** The subset of fetch a push uses; injected so tests need no network. */
export type HttpPost = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

/**
 * Delivers one outbound push to the 110 platform: body and Idempotency-Key signed, partner's incident number stored.
 * Throws on failure so BullMQ retries with backoff; a 4xx answer (other than 408/429) will not heal and is final.
 */
export async function processExchangePush(messageId: string, attempt: number, outbox: PushOutbox, settings: PushSettings, post: HttpPost, nowMs: number): Promise<'sent' | 'skipped'> {
  const msg = await outbox.findById(messageId);
  if (!msg || msg.status !== 'pending') return 'skipped';
  const body = JSON.stringify(msg.body);
  const timestamp = String(Math.floor(nowMs / 1000));
  const final = attempt >= settings.maxAttempts;
  let status = 0;
  let text = '';
  try {
    const res = await post(`${settings.url.replace(/\/$/, '')}/incidents`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [EXCHANGE_TIMESTAMP_HEADER]: timestamp,
        [EXCHANGE_SIGNATURE_HEADER]: signExchange(settings.secret, timestamp, msg.idempotency_key, body),
        [EXCHANGE_IDEMPOTENCY_HEADER]: msg.idempotency_key,
      },
      body,
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    await outbox.markAttemptFailed(messageId, attempt, `network: ${(err as Error).message}`, final);
    throw err;
  }
  if (status >= 200 && status < 300) {
    let incidentNo: unknown;
    try {
      incidentNo = (JSON.parse(text) as { incidentNo?: unknown }).incidentNo;
    } catch {
      incidentNo = undefined;
    }
    if (typeof incidentNo !== 'string' || incidentNo === '') {
      await outbox.markAttemptFailed(messageId, attempt, `partner answered ${status} without an incidentNo`, final);
      throw new Error('partner answered without an incidentNo');
    }
    await outbox.markSent(messageId, attempt, incidentNo);
    return 'sent';
  }
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  await outbox.markAttemptFailed(messageId, attempt, `partner answered ${status}: ${text.slice(0, 200)}`, final || permanent);
  if (permanent) throw new UnrecoverableError(`partner refused the push with ${status}`);
  throw new Error(`partner answered ${status}`);
}
