// Missed-call tasks an agent dials from the desk, and outcomes of every kind of outbound callback, on PostgreSQL.
import { describe, expect, it } from 'vitest';
import { CallRepository } from './call.repository.js';
import { CallbackTaskRepository } from './callback-task.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const schema = useTestSchema('it_cbtask', 2);
const abandoned = (linkedId: string, callerNumber: string) =>
  ({ linkedId, trunk: 'primary', callerNumber, did: '12345', language: 'mandarin', arrivedAt: 1_000, queuedAt: 1_000, endedAt: 61_000, outcome: 'abandoned', offers: 0 }) as never;

describe('CallbackTaskRepository: click-to-dial', () => {
  it('lets one agent claim a given open task; a second claim, or one of a task already being dialled, gets nothing', async () => {
    const repo = new CallbackTaskRepository(schema.db());
    await new CallRepository(schema.db()).storeCallRecord(abandoned('mc-1', '13800001111'));
    const id = (await repo.openForAbandoned(abandoned('mc-1', '13800001111'), 10_000)) as string;
    expect(await repo.claim(id)).toMatchObject({ id, state: 'dialling', attempts: 1 });
    expect(await repo.claim(id)).toBeUndefined();
    await repo.release(id);
    expect(await repo.claim(id)).toMatchObject({ state: 'dialling', attempts: 2 });
  });

  it('stores a ticket’s result callback (回访) dialled from a desk with the other outbound callbacks', async () => {
    const repo = new CallbackTaskRepository(schema.db());
    await repo.storeResult({ id: 'tc-42-abc', kind: 'ticket_callback', linkedId: 'ticket-42', callerNumber: '13800002222', requestedAt: 1_000, agentId: 'a1', dialledAt: 2_000, answeredAt: 3_000, endedAt: 9_000, trunk: 'primary', result: 'reached' }, 3);
    expect(await repo.resultsFor('ticket-42')).toMatchObject([{ id: 'tc-42-abc', kind: 'ticket_callback', task_id: null, result: 'reached', agent_id: 'a1' }]);
  });
});
