import { describe, expect, it } from 'vitest';
import { TicketReadBudget } from './ticket-read.budget.js';

describe('TicketReadBudget', () => {
  it('counts rows per token over a rolling hour and refuses (CTI_ERR_RATE_LIMITED) when none are left', () => {
    let now = 0;
    const b = new TicketReadBudget(100, () => now);
    expect(b.remaining('t1')).toBe(100);
    b.charge('t1', 60);
    now = 30 * 60_000;
    b.charge('t1', 40);
    expect(() => b.remaining('t1')).toThrow(expect.objectContaining({ code: 'CTI_ERR_RATE_LIMITED' }));
    expect(b.remaining('t2')).toBe(100);
    now = 60 * 60_000; // the first 60 rows leave the window
    expect(b.remaining('t1')).toBe(60);
  });
});
