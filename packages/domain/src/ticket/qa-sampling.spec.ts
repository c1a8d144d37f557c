import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { sampleCallsForQa } from './qa-sampling.js';
import type { AnsweredCall } from './qa-sampling.js';
import { createSeededRandom, shuffled } from './seeded-random.js';

function callsFor(counts: Record<string, number>): AnsweredCall[] {
  return Object.entries(counts).flatMap(([agentId, n]) =>
    Array.from({ length: n }, (_, i) => ({ callId: `${agentId}-c${String(i).padStart(3, '0')}`, agentId, answeredAt: 1_000 * i })),
  );
}

const callsArb = fc
  .dictionary(fc.constantFrom('a1', 'a2', 'a3', 'a4', 'a5', 'a6'), fc.integer({ min: 1, max: 60 }), { minKeys: 1 })
  .map(callsFor);

describe('createSeededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const c = createSeededRandom('2026-10');
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect([c(), c(), c()]).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('shuffles without losing or duplicating items', () => {
    expect(shuffled([1, 2, 3, 4, 5], createSeededRandom(1)).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('sampleCallsForQa', () => {
  const staff = ['qa1', 'qa2', 'qa3'];

  it('samples at least ceil(rate × total) calls and at least one per agent', () => {
    fc.assert(
      fc.property(callsArb, fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer(), (calls, rate, seed) => {
        const sample = sampleCallsForQa(calls, rate, staff, seed);
        expect(sample.length).toBeGreaterThanOrEqual(Math.ceil(rate * calls.length));
        expect(new Set(sample.map((s) => s.agentId))).toEqual(new Set(calls.map((c) => c.agentId)));
        expect(new Set(sample.map((s) => s.callId)).size).toBe(sample.length);
        expect(sample.length).toBeLessThanOrEqual(calls.length);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic for a seed and does not depend on input order', () => {
    fc.assert(
      fc.property(callsArb, fc.integer(), (calls, seed) => {
        const once = sampleCallsForQa(calls, 0.1, staff, seed);
        expect(sampleCallsForQa([...calls].reverse(), 0.1, staff, seed)).toEqual(once);
      }),
      { numRuns: 100 },
    );
  });

  it('spreads reviews round-robin so no QA staff member has more than one review above another', () => {
    fc.assert(
      fc.property(callsArb, fc.integer(), (calls, seed) => {
        const counts = new Map(staff.map((s) => [s, 0]));
        for (const a of sampleCallsForQa(calls, 0.1, staff, seed)) counts.set(a.assignedTo, (counts.get(a.assignedTo) ?? 0) + 1);
        expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
      }),
      { numRuns: 100 },
    );
  });

  it('takes 10 % of 100 calls from two agents as 10 reviews, covering the agent with only one call', () => {
    const calls = callsFor({ busy: 99, rare: 1 });
    const sample = sampleCallsForQa(calls, 0.1, staff, 7);
    expect(sample).toHaveLength(10);
    expect(sample.filter((s) => s.agentId === 'rare')).toHaveLength(1);
  });

  it('gives a different but equally sized sample for a different seed', () => {
    const calls = callsFor({ a1: 50, a2: 50 });
    const x = sampleCallsForQa(calls, 0.1, staff, 1).map((s) => s.callId);
    const y = sampleCallsForQa(calls, 0.1, staff, 2).map((s) => s.callId);
    expect(x).toHaveLength(y.length);
    expect(x).not.toEqual(y);
  });

  it('never assigns QA staff to review their own calls (QA staff also take calls)', () => {
    const calls = callsFor({ qa1: 20, a2: 20 });
    const sample = sampleCallsForQa(calls, 0.5, ['qa1', 'qa2'], 3);
    expect(sample.some((s) => s.agentId === 'qa1' && s.assignedTo === 'qa1')).toBe(false);
  });

  it('fails with VALIDATION when the only QA staff member would have to review their own call', () => {
    expect(() => sampleCallsForQa(callsFor({ qa1: 3 }), 0.5, ['qa1'], 1)).toThrow(CtiError);
  });

  it('returns nothing for no calls and rejects a rate outside (0, 1], no staff, or repeated call ids', () => {
    expect(sampleCallsForQa([], 0.1, staff, 1)).toEqual([]);
    expect(() => sampleCallsForQa(callsFor({ a: 1 }), 0, staff, 1)).toThrow(CtiError);
    expect(() => sampleCallsForQa(callsFor({ a: 1 }), 0.1, [], 1)).toThrow(CtiError);
    const dup = callsFor({ a: 1 });
    expect(() => sampleCallsForQa([...dup, ...dup], 0.1, staff, 1)).toThrow(CtiError);
  });
});
