import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { assertMergeable, findLinkCandidates, normalizeCallerNumber } from './ticket.merge.js';
import type { TicketState } from './ticket.model.js';

const t = (id: string, callerNumber: string, acceptedAt: number, state: TicketState = 'in_progress') => ({ id, callerNumber, acceptedAt, state, parentTicketId: null });

describe('normalizeCallerNumber', () => {
  it.each([
    ['+86 138-0000-1111', '13800001111'],
    ['008613800001111', '13800001111'],
    ['0836-2812345', '8362812345'],
    ['8362812345', '8362812345'],
    ['', ''],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeCallerNumber(raw)).toBe(expected);
  });
});

describe('findLinkCandidates', () => {
  const tickets = [
    t('T-1', '13800001111', 100),
    t('T-2', '+86 138 0000 1111', 300),
    t('T-3', '13900002222', 200),
    t('T-4', '13800001111', 400, 'closed'),
    t('T-5', '13800001111', 500, 'merged'),
  ];

  it('returns the open tickets from the same number in any format, newest first', () => {
    expect(findLinkCandidates(tickets, '138 0000 1111').map((x) => x.id)).toEqual(['T-2', 'T-1']);
  });

  it('drops finished tickets even if the caller passes them in', () => {
    expect(findLinkCandidates(tickets, '13800001111').some((x) => x.id === 'T-4' || x.id === 'T-5')).toBe(false);
  });

  it('matches nothing for a withheld number', () => {
    expect(findLinkCandidates([t('T-9', '', 1)], '')).toEqual([]);
  });
});

describe('assertMergeable', () => {
  it('allows merging under an open parent that is not itself merged', () => {
    expect(() => assertMergeable({ id: 'T-2' }, t('T-1', 'x', 1))).not.toThrow();
  });

  it('rejects merging into itself, into a closed ticket, or under a ticket that is already a child', () => {
    expect(() => assertMergeable({ id: 'T-1' }, t('T-1', 'x', 1))).toThrow(CtiError);
    expect(() => assertMergeable({ id: 'T-2' }, t('T-1', 'x', 1, 'closed'))).toThrow(CtiError);
    expect(() => assertMergeable({ id: 'T-2' }, { ...t('T-1', 'x', 1), parentTicketId: 'T-0' })).toThrow(CtiError);
  });
});
