import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kbBigrams, kbGrams, kbQuery, kbSearchText, normalizeKbText } from './kb.text.js';

describe('knowledge-base search text', () => {
  it('folds full-width forms and case, and keeps only runs of letters and digits', () => {
    expect(normalizeKbText('  停水通知：ＡＢＣ１２３，请Ｃall　12345！ ')).toBe('停水通知 abc123 请call 12345');
  });

  it('indexes the bigrams inside runs, never across punctuation', () => {
    expect(kbBigrams(normalizeKbText('停水，通知'))).toEqual(['停水', '通知']);
    expect(kbBigrams('社保卡 社保')).toEqual(['社保', '保卡']);
  });

  it('indexes bigrams and trigrams', () => {
    expect(kbGrams('社保卡 水')).toEqual(['社保', '保卡', '社保卡']);
  });

  it('counts a character outside the basic plane as one character', () => {
    expect(kbBigrams('𠀀水')).toEqual(['𠀀水']);
  });

  it('prepares a query: two characters together at least, at most forty', () => {
    expect(kbQuery('停水')).toEqual({ text: '停水', grams: ['停水'] });
    expect(kbQuery(' 社保 卡费 ')).toEqual({ text: '社保 卡费', grams: ['社保', '卡费'] });
    // Three characters and more are asked for by their trigrams (selective where digits' bigrams are everywhere).
    expect(kbQuery('电话0836')).toEqual({ text: '电话0836', grams: ['电话0', '话08', '083', '836'] });
    expect(() => kbQuery('水')).toThrow(/at least 2 characters/);
    expect(() => kbQuery('水 费')).toThrow(/at least 2 characters/);
    expect(() => kbQuery('！？')).toThrow(/at least 2 characters/);
    expect(() => kbQuery('停'.repeat(41))).toThrow(/at most 40/);
  });

  it('searches title, keywords and body', () => {
    expect(kbSearchText({ title: '停水公告', keywords: ['供水', ''], body: '因管网维修，' })).toBe('停水公告 供水 因管网维修');
  });

  it('never misses an article that contains the query: every gram of a substring is a gram of the text (recall 1)', () => {
    const chinese = fc.constantFrom(...'停水电气社保卡医疗户口办理公积金补贴投诉咨询，。 ：A1');
    fc.assert(
      fc.property(fc.array(chinese, { minLength: 2, maxLength: 60 }), fc.nat(), fc.integer({ min: 2, max: 6 }), (chars, start, len) => {
        const text = normalizeKbText(chars.join(''));
        const codePoints = [...text];
        if (codePoints.length < 2) return;
        const from = start % (codePoints.length - 1);
        const sub = codePoints.slice(from, from + len).join('').trim();
        let q;
        try {
          q = kbQuery(sub);
        } catch {
          return; // not a query (a single character beside a separator)
        }
        expect(text.includes(q.text)).toBe(true);
        const grams = new Set(kbGrams(text));
        for (const g of q.grams) expect(grams.has(g)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
