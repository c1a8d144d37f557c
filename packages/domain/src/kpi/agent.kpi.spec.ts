import { describe, expect, it } from 'vitest';
import { occupancy, summarizeAgentTime, utilization } from './agent-time.kpi.js';
import { agentAnswerEfficiency, agentFigures } from './agent.kpi.js';
import { createKpiConfig } from './kpi.config.js';
import type { AgentStateInterval, CallFact, QaReview } from './kpi.fact.js';

const s = 1000;
const t0 = Date.UTC(2026, 0, 1);
const period = { from: t0, to: t0 + 4000 * s };
const config = createKpiConfig({ productivePauseReasons: ['callback'] });
const iv = (agentId: string, state: AgentStateInterval['state'], a: number, b: number, reason?: string): AgentStateInterval => ({
  agentId, state, from: t0 + a * s, to: t0 + b * s, ...(reason === undefined ? {} : { reason }),
});

// Agent A: 4000 s logged in; productive = 100 ring + 1000 call + 300 wrap + 200 other + 300 callback pause = 1900 s.
// Agent B: only 500 s of a call and 100 s of ready fall inside the period.
const intervals: AgentStateInterval[] = [
  iv('A', 'ready', 0, 1000),
  iv('A', 'reserved', 1000, 1100),
  iv('A', 'on_call', 1100, 2100),
  iv('A', 'wrap_up', 2100, 2400),
  iv('A', 'paused', 2400, 3000, 'lunch'),
  iv('A', 'paused', 3000, 3300, 'callback'),
  iv('A', 'logged_in_other', 3300, 3500),
  iv('A', 'ready', 3500, 4000),
  iv('B', 'on_call', -500, 500),
  iv('B', 'ready', 3900, 4500),
];

const call = (callId: string, atS: number, extra: Partial<CallFact>): CallFact => ({
  callId, line: '12345', trunk: 'primary', offeredAt: t0 + atS * s, endedAt: t0 + (atS + 300) * s, outcome: 'answered', waitMs: 0, ...extra,
});
const calls: CallFact[] = [
  call('k1', 10, { answeredAt: t0 + 12 * s, agentId: 'B', offersToAgents: [{ agentId: 'A', answered: false }, { agentId: 'B', answered: true }] }),
  call('k2', 20, { answeredAt: t0 + 21 * s, agentId: 'A', talkMs: 100 * s, holdMs: 10 * s, wrapMs: 20 * s, offersToAgents: [{ agentId: 'A', answered: true }] }),
  call('k3', 30, { answeredAt: t0 + 31 * s, agentId: 'A', talkMs: 200 * s, wrapMs: 40 * s }),
  call('k4', 40, { outcome: 'abandoned', offersToAgents: [{ agentId: 'A', answered: false }, { agentId: 'B', answered: false }] }),
  call('kOld', -100, { answeredAt: t0 - 99 * s, agentId: 'A' }),
];
const reviews: QaReview[] = [
  { callId: 'k2', agentId: 'A', score: 90 },
  { callId: 'k3', agentId: 'A', score: 80 },
  { callId: 'kOld', agentId: 'A', score: 10 },
];

describe('agent time', () => {
  it('clips intervals that straddle the period boundaries', () => {
    const b = summarizeAgentTime(intervals, config, period).get('B');
    expect(b).toMatchObject({ loggedInMs: 600 * s, onCallMs: 500 * s, readyMs: 100 * s });
  });

  it('utilization counts ringing, calls, wrap, other work and productive pauses over logged-in time', () => {
    expect(utilization(intervals, config, period)).toMatchObject({ numerator: 2400 * s, denominator: 4600 * s, target: 0.9, pass: false });
  });

  it('a pause reason not named productive does not count towards utilization', () => {
    const r = utilization(intervals.filter((i) => i.agentId === 'A'), createKpiConfig(), period);
    expect(r.numerator).toBe(1600 * s);
  });

  it('occupancy is handling time over handling plus ready time', () => {
    // A: 1400 / (1400 + 1500); B: 500 / (500 + 100).
    expect(occupancy(intervals, config, period)).toMatchObject({ numerator: 1900 * s, denominator: 3500 * s });
  });

  it('rejects an interval that ends before it starts', () => {
    expect(() => summarizeAgentTime([iv('A', 'ready', 10, 5)], config, period)).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
  });
});

describe('agent answer efficiency', () => {
  it('centre efficiency sums answered offers over offers, treating a call without an offer list as offered to its answerer', () => {
    expect(agentAnswerEfficiency(calls, config, period)).toMatchObject({ numerator: 3, denominator: 6, value: 0.5, target: 0.95, pass: false });
  });
});

describe('agentFigures', () => {
  const figures = agentFigures(calls, intervals, reviews, config, period);
  const a = figures.find((f) => f.agentId === 'A');

  it('lists every agent once, sorted by id', () => {
    expect(figures.map((f) => f.agentId)).toEqual(['A', 'B']);
  });

  it('gives agent A 2 of 4 offers answered and the talk, hold and wrap of its answered calls', () => {
    expect(a?.answerEfficiency).toMatchObject({ numerator: 2, denominator: 4, value: 0.5 });
    expect(a).toMatchObject({ answeredCalls: 2, talkMs: 300 * s, holdMs: 10 * s, wrapMs: 60 * s, ahtSeconds: 185 });
  });

  it('gives agent A pause time by reason and its utilization', () => {
    expect(a?.pauseMsByReason).toEqual({ lunch: 600 * s, callback: 300 * s });
    expect(a?.utilization).toMatchObject({ numerator: 1900 * s, denominator: 4000 * s, value: 0.475 });
    expect(a?.loggedInMs).toBe(4000 * s);
  });

  it('averages QA scores of calls offered in the period only', () => {
    expect(a).toMatchObject({ qaReviews: 2, qaScoreAverage: 85 });
    expect(figures.find((f) => f.agentId === 'B')).toMatchObject({ qaReviews: 0, qaScoreAverage: null, ahtSeconds: 298 });
  });
});
