import { describe, expect, it } from 'vitest';
import { callerRatingFigures, callerRatingsByAgent, isCallerRating } from './caller-rating.kpi.js';

describe('caller ratings', () => {
  it('counts each level, the mean, the share of 4–5 and the share of calls rated', () => {
    expect(callerRatingFigures([5, 4, 4, 1, 3], 10)).toEqual({ rated: 5, offered: 10, responseRate: 0.5, average: 3.4, satisfiedShare: 0.6, distribution: [1, 0, 1, 2, 1] });
    expect(callerRatingFigures([], 0)).toEqual({ rated: 0, offered: 0, responseRate: null, average: null, satisfiedShare: null, distribution: [0, 0, 0, 0, 0] });
    expect(callerRatingFigures([0, 6, 2.5, 2], 1)).toMatchObject({ rated: 1, average: 2, responseRate: 1 });
    expect([0, 1, 5, 6, 3.5].map(isCallerRating)).toEqual([false, true, true, false, false]);
  });

  it('splits by agent, keeps agents with calls but no rating, and sums the centre', () => {
    const r = callerRatingsByAgent(
      [{ agentId: 'a02', rating: 5 }, { agentId: 'a01', rating: 2 }, { agentId: 'a02', rating: 4 }, { agentId: null, rating: 3 }],
      new Map([['a01', 4], ['a02', 2], ['a03', 6]]),
    );
    expect(r.agents.map((a) => [a.agentId, a.rated, a.offered, a.average])).toEqual([['a01', 1, 4, 2], ['a02', 2, 2, 4.5], ['a03', 0, 6, null]]);
    expect(r.centre).toMatchObject({ rated: 4, offered: 12, average: 3.5 });
  });
});
