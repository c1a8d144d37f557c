import { describe, expect, it } from 'vitest';
import type { AgentRecord } from './acd.record.js';
import { agentImageCurrent, agentSnapshot } from './acd.view.js';

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

describe('agentImageCurrent', () => {
  it('holds for the image of the record as it is, and for no image once any one of its fields changed or was cleared', () => {
    const record = fullRecord();
    const image = agentSnapshot(record);
    expect(agentImageCurrent(image, record)).toBe(true);
    const fields = Object.keys(image).filter((k) => k !== 'skills');
    expect(fields).toHaveLength(16);
    for (const field of fields) {
      const changed = { ...fullRecord(), [field]: other((record as unknown as Record<string, unknown>)[field]) } as AgentRecord;
      expect(agentImageCurrent(image, changed), `${field} changed`).toBe(false);
      const cleared = { ...fullRecord(), [field]: undefined } as AgentRecord;
      expect(agentImageCurrent(image, cleared), `${field} cleared`).toBe(false);
    }
  });

  it('compares skills by content: a level changed, a skill added or removed makes the image stale; the same skills in a new object do not', () => {
    const record = fullRecord();
    const image = agentSnapshot(record);
    expect(agentImageCurrent(image, { ...record, skills: { tibetan: 8, mandarin: 5 } })).toBe(true);
    expect(agentImageCurrent(image, { ...record, skills: { mandarin: 5, tibetan: 7 } })).toBe(false);
    expect(agentImageCurrent(image, { ...record, skills: { mandarin: 5 } })).toBe(false);
    expect(agentImageCurrent(image, { ...record, skills: { mandarin: 5, tibetan: 8, g01: 3 } })).toBe(false);
  });

  it('matches an image without an optional field to a record whose field is undefined', () => {
    const record = { ...fullRecord(), state: 'ready', pauseReason: undefined, pendingPauseReason: undefined, currentCallId: undefined, connectedAt: undefined, wrapUpEndsAt: undefined } as AgentRecord;
    const image = agentSnapshot(record);
    expect('pauseReason' in image).toBe(false);
    expect(agentImageCurrent(image, record)).toBe(true);
    expect(agentImageCurrent(image, { ...record, pauseReason: 'break' })).toBe(false);
  });
});
