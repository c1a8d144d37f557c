import type { ChannelInfo } from '@cti/asterisk';
import { kpi } from '@cti/domain';
import type { CallRatingJob } from '@cti/contracts';
import type { Logger } from '../logger.js';
import type { StasisExtension } from '../call/call.stasis.js';
import { RATING_CONTEXT } from '../call/call.feature.js';

export { RATING_CONTEXT };

/** The rating context's priority that thanks the caller and hangs up. */
export const RATING_THANKS_PRIORITY = 100;

/**
 * The caller's rating (来电人评价). When the agent ends a call the call service sends the caller to RATING_CONTEXT
 * instead of hanging up; the dialplan plays the prompt and reads one key, and a caller who pressed 1–5 comes back
 * into Stasis as `rating,<key>`: the rating is published (durably, keyed by the call) and the caller goes on to the
 * thanks (hung up if that fails).
 * A caller who presses nothing or hangs up is never seen here. docs/domain.md §15.
 */
export class CallerRatingExtension implements StasisExtension {
  readonly kinds = ['rating'] as const;

  constructor(
    private readonly sink: { publish(r: CallRatingJob): Promise<void> },
    private readonly telephony: { hangup(channelId: string): Promise<void>; continueInDialplan(channelId: string, context: string, exten: string, priority: number): Promise<void> },
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  async start(channel: ChannelInfo): Promise<void> {
    const key = channel.args[1] ?? '';
    const rating = Number(key);
    try {
      if (!/^[1-5]$/.test(key) || !kpi.isCallerRating(rating)) {
        this.log.warn({ callId: channel.id, key }, 'rating key outside 1–5; not stored');
        return;
      }
      await this.sink.publish({ linkedId: channel.id, rating, ratedAt: this.now() });
      this.log.info({ callId: channel.id, rating }, 'caller rated the call');
    } finally {
      await this.telephony
        .continueInDialplan(channel.id, RATING_CONTEXT, channel.exten || '12345', RATING_THANKS_PRIORITY)
        .catch(() => this.telephony.hangup(channel.id))
        .catch(() => undefined);
    }
  }
}
