import { sql, type Kysely } from 'kysely';
import type { kpi } from '@cti/domain';
import type { Database } from './db.schema.js';

/** A rating as the worker stores it. */
export interface CallRatingInput {
  linkedId: string;
  rating: number;
  ratedAt: number;
}

/** Callers' ratings of their calls (来电人评价); docs/domain.md §15. */
export class CallRatingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a rating once per call; false when the call was rated already (a redelivered job). */
  async store(r: CallRatingInput): Promise<boolean> {
    const row = await this.db
      .insertInto('call_ratings')
      .values({ linked_id: r.linkedId, rating: r.rating, rated_at: new Date(r.ratedAt) })
      .onConflict((oc) => oc.column('linked_id').doNothing())
      .returning('linked_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Ratings of calls that ended in [from, to), with the agent of the call, and the calls that could be rated there
   * (answered and ended by the agent) per agent. A rating whose call record is not stored yet is left out until it is.
   */
  async between(from: number, to: number): Promise<{ ratings: kpi.CallerRatingFact[]; offeredByAgent: Map<string, number> }> {
    const [ratings, offered] = await Promise.all([
      this.db
        .selectFrom('call_ratings as r')
        .innerJoin('calls as c', 'c.linked_id', 'r.linked_id')
        .select(['c.agent_id', 'r.rating'])
        .where('c.ended_at', '>=', new Date(from))
        .where('c.ended_at', '<', new Date(to))
        .execute(),
      this.db
        .selectFrom('calls')
        .select(['agent_id', sql<string>`count(*)`.as('n')])
        .where('ended_at', '>=', new Date(from))
        .where('ended_at', '<', new Date(to))
        .where('outcome', '=', 'answered')
        .where('ended_by', '=', 'agent')
        .where('agent_id', 'is not', null)
        .groupBy('agent_id')
        .execute(),
    ]);
    return {
      ratings: ratings.map((r) => ({ agentId: r.agent_id, rating: r.rating })),
      offeredByAgent: new Map(offered.map((o) => [o.agent_id as string, Number(o.n)])),
    };
  }

  /** The rating of one call, if any. */
  async of(linkedId: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('call_ratings').select('rating').where('linked_id', '=', linkedId).executeTakeFirst();
    return r?.rating;
  }
}
