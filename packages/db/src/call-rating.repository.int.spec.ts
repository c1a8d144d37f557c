import { beforeAll, describe, expect, it } from 'vitest';
import { CallRatingRepository } from './call-rating.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_rating', 2);
let ratings: CallRatingRepository;
const t0 = Date.parse('2027-01-04T10:00:00+08:00');

async function call(linkedId: string, agentId: string | null, outcome: 'answered' | 'abandoned', endedBy: 'agent' | 'caller', endedAt: number): Promise<void> {
  await testSchema
    .db()
    .insertInto('calls')
    .values({ linked_id: linkedId, trunk: 'primary', caller_number: '13800001111', did: '12345', language: 'mandarin', arrived_at: new Date(endedAt - 60_000), ended_at: new Date(endedAt), agent_id: agentId, outcome, ended_by: endedBy } as never)
    .execute();
}

beforeAll(async () => {
  ratings = new CallRatingRepository(testSchema.db());
  await call('c1', 'a01', 'answered', 'agent', t0);
  await call('c2', 'a01', 'answered', 'agent', t0 + 1_000);
  await call('c3', 'a02', 'answered', 'caller', t0 + 2_000);
  await call('c4', 'a02', 'answered', 'agent', t0 + 3_000);
  await call('c5', null, 'abandoned', 'caller', t0 + 4_000);
  await call('c6', 'a01', 'answered', 'agent', t0 + 86_400_000); // the next day
});

describe('CallRatingRepository', () => {
  it('stores one rating per call: a redelivered rating changes nothing', async () => {
    expect(await ratings.store({ linkedId: 'c1', rating: 4, ratedAt: t0 + 10_000 })).toBe(true);
    expect(await ratings.store({ linkedId: 'c1', rating: 1, ratedAt: t0 + 20_000 })).toBe(false);
    expect(await ratings.of('c1')).toBe(4);
  });

  it('reads the ratings of calls that ended in the period with their agent, and the calls each agent’s callers could rate', async () => {
    await ratings.store({ linkedId: 'c4', rating: 2, ratedAt: t0 + 10_000 });
    await ratings.store({ linkedId: 'c6', rating: 5, ratedAt: t0 + 86_400_000 });
    // A rating whose call record has not arrived yet is left out until it has.
    await ratings.store({ linkedId: 'c-late', rating: 3, ratedAt: t0 + 10_000 });
    const r = await ratings.between(t0 - 1, t0 + 3_600_000);
    expect(r.ratings.sort((a, b) => a.rating - b.rating)).toEqual([{ agentId: 'a02', rating: 2 }, { agentId: 'a01', rating: 4 }]);
    expect([...r.offeredByAgent].sort()).toEqual([['a01', 2], ['a02', 1]]);
  });

  it('refuses a rating outside 1–5 in the database as well', async () => {
    await expect(testSchema.db().insertInto('call_ratings').values({ linked_id: 'x', rating: 6, rated_at: new Date() }).execute()).rejects.toThrow(/check/i);
  });
});
