import { describe, expect, it } from 'vitest';
import { DialRateLimiter, decideDial, normalizeDialNumber, parseDialPatterns } from './dial-policy.js';

// The shipped defaults (packages/contracts/src/config.ts): mainland mobiles, Ganzi (0836) fixed lines with or
// without the area code; international and 160/168 information lines refused.
const policy = { allowed: parseDialPatterns('1[3-9]\\d{9},0836\\d{7},[2-8]\\d{6}'), refused: parseDialPatterns('00\\d*,(0836)?16[08]\\d*') };

describe('normalizeDialNumber', () => {
  it.each([
    ['13912345678', '13912345678'],
    ['139 1234 5678', '13912345678'],
    ['139-1234-5678', '13912345678'],
    ['(0836) 282.2123', '08362822123'],
    ['+8613912345678', '13912345678'],
    ['008613912345678', '13912345678'],
    ['+86 836 2822123', '08362822123'],
    ['+86 28 8888 1234', '02888881234'],
    ['+1 212 555 0100', '0012125550100'],
    ['2822123', '2822123'],
  ])('%j → %j', (raw, digits) => {
    expect(normalizeDialNumber(raw)).toBe(digits);
  });

  it.each(['', 'anonymous', '*2345', '1391234567#', '139@trunk-backup', '139;user=phone', '13912345678/1', 'PJSIP/evil', '12', '1'.repeat(21), '+', '13912345678,1'])(
    'refuses %j: not a phone number, nothing of it may reach a dial string',
    (raw) => {
      expect(normalizeDialNumber(raw)).toBeUndefined();
    },
  );
});

describe('decideDial', () => {
  it('allows domestic mobiles and Ganzi fixed lines, with or without the area code', () => {
    for (const n of ['13912345678', '19912345678', '08362822123', '2822123']) expect(decideDial(policy, n)).toEqual({ ok: true, number: n });
    expect(decideDial(policy, '+86 139 1234 5678')).toEqual({ ok: true, number: '13912345678' });
  });

  it('refuses international numbers, however written', () => {
    for (const n of ['0012125550100', '+1 212 555 0100', '00442071234567']) expect(decideDial(policy, n)).toMatchObject({ ok: false, reason: 'refused_pattern' });
  });

  it('refuses information-service lines even where an allowed pattern matches them', () => {
    expect(decideDial(policy, '08361681234')).toEqual({ ok: false, reason: 'refused_pattern', number: '08361681234' });
    expect(decideDial({ ...policy, allowed: parseDialPatterns('\\d+') }, '1601234')).toMatchObject({ ok: false, reason: 'refused_pattern' });
  });

  it('refuses what no allowed pattern names: other area codes, short codes, premium SMS services', () => {
    for (const n of ['02888881234', '12590123', '95588', '110', '12345678901', '1391234567']) expect(decideDial(policy, n)).toMatchObject({ ok: false, reason: 'not_allowed' });
  });

  it('refuses a caller ID that is not digits', () => {
    expect(decideDial(policy, '139*1234')).toEqual({ ok: false, reason: 'not_digits' });
  });
});

describe('parseDialPatterns', () => {
  it('anchors every pattern (a pattern never matches part of a number)', () => {
    const [p] = parseDialPatterns('0836\\d{7}');
    expect(p?.test('08362822123')).toBe(true);
    expect(p?.test('0008362822123')).toBe(false);
    expect(p?.test('083628221239')).toBe(false);
  });

  it('keeps a comma inside a quantifier as part of its pattern', () => {
    const patterns = parseDialPatterns('1[3-9]\\d{6,12},0836\\d{7}');
    expect(patterns.map(String)).toEqual(['/^(?:1[3-9]\\d{6,12})$/', '/^(?:0836\\d{7})$/']);
    expect(decideDial({ allowed: patterns, refused: [] }, '139773011')).toEqual({ ok: true, number: '139773011' });
  });

  it('names a pattern that does not compile', () => {
    expect(() => parseDialPatterns('1[3-9\\d{9}')).toThrow('dial pattern "1[3-9\\\\d{9}" is not a valid regular expression');
  });
});

describe('DialRateLimiter', () => {
  it('allows max dials per agent within the window, then refuses until the oldest leaves it', () => {
    const l = new DialRateLimiter(2, 60_000);
    expect([l.tryTake('a01', 0), l.tryTake('a01', 10_000), l.tryTake('a01', 20_000)]).toEqual([true, true, false]);
    expect(l.tryTake('a02', 20_000)).toBe(true);
    expect(l.tryTake('a01', 59_999)).toBe(false);
    expect(l.tryTake('a01', 60_001)).toBe(true);
  });
});
