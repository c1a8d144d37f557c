import { describe, expect, it } from 'vitest';
import type { AgentRecord } from './acd.record.js';
import { agentSnapshot, agentStamp, stampCurrent } from './acd.view.js';

/** An agent record with every optional fact set, so that each field of its image is there to be compared. */
function fullRecord(): AgentRecord {
  return {
    agentId: 'a1',
    seat: 'seat-01',
    skills: { mandarin: 5, tibetan: 8 },
    backup: false,
    seq: 3,
    state: 'on_call',
    pauseReason: 'break',
    pendingPauseReason: 'meal',
    currentCallId: 'c1',
    stateSince: 1_000,
    lastCallEndedAt: 900,
    idleSince: 800,
    connectedAt: 1_100,
    wrapUpEndsAt: 1_200,
    callsAnswered: 7,
    talkMs: 70_000,
    missesInRow: 1,
    pool: undefined as unknown as AgentRecord['pool'],
    wrapUpSlot: -1,
  };
}

/** The same value changed: another number, string or boolean. */
function other(value: unknown): unknown {
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  return `${String(value)}-changed`;
}

describe('agent stamps', () => {
  it('hold for the record as it is, and not once any field of its image changed or was cleared, or its skills were replaced', () => {
    const record = fullRecord();
    const stamp = agentStamp(record);
    expect(stampCurrent(stamp, record)).toBe(true);
    const fields = Object.keys(agentSnapshot(record)).filter((k) => k !== 'skills');
    expect(fields).toHaveLength(16);
    for (const field of fields) {
      const changed = { ...fullRecord(), [field]: other((record as unknown as Record<string, unknown>)[field]) } as AgentRecord;
      expect(stampCurrent(stamp, changed), `${field} changed`).toBe(false);
      const cleared = { ...fullRecord(), [field]: undefined } as AgentRecord;
      expect(stampCurrent(stamp, cleared), `${field} cleared`).toBe(false);
    }
    expect(stampCurrent(stamp, { ...record, skills: { ...record.skills } }), 'skills replaced').toBe(false);
  });

  it('take one object shape whichever optional fields are set, and match an undefined field to an undefined one', () => {
    const ready = { ...fullRecord(), state: 'ready', pauseReason: undefined, pendingPauseReason: undefined, currentCallId: undefined, connectedAt: undefined, wrapUpEndsAt: undefined } as AgentRecord;
    expect(Object.keys(agentStamp(ready))).toEqual(Object.keys(agentStamp(fullRecord())));
    expect(stampCurrent(agentStamp(ready), ready)).toBe(true);
    expect(stampCurrent(agentStamp(ready), { ...ready, pauseReason: 'break' })).toBe(false);
  });
});
